"""Races on a request, on both stores: 50 simultaneous Approve clicks apply once; approve,
cancel and expiry at the same instant end in exactly one outcome with a consistent trail."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from bot.store.sqlite import SqliteStore
from bot.store.tables import TableStore
from commands.catalog import REGISTRY
from commands.core.registry import Ctx
from commands.core.store import Store
from commands.peering.command import peering as peering_cmd
from commands.peering.sweep import sweep
from tests.azurite import Azurite, unique_name
from tests.fakes import RecordingMessenger
from tests.unit.commands.peering.peering_estate import Clock, as_user, estate, make_ctx, peering_id

PID = peering_id("vn-hub", "hub-to-far")
DECISIONS = {"approved", "rejected", "cancelled", "expired"}


@pytest.fixture(params=["sqlite", "tables"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    made: list[Store] = []

    def make() -> Store:
        if request.param == "sqlite":
            s: Store = SqliteStore(tmp_path / f"race{len(made)}.sqlite")
        else:
            az: Azurite = request.getfixturevalue("azurite")
            s = TableStore.from_connection_string(az.connection_string, unique_name("race"))
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def click(ctx: Ctx, verb: str, number: int = 1) -> object:
    return REGISTRY.action(f"approval_{verb}")(ctx, str(number), "C_OPS:1")


def test_fifty_concurrent_approve_clicks_apply_exactly_once(new_store: Callable[[], Store]) -> None:
    az, store = estate(), new_store()
    ctx = make_ctx(az, store, approvers=frozenset(f"U_A{i}" for i in range(50)))
    peering_cmd(ctx, "vn-hub/hub-to-far forwarded-traffic on reason: race")
    barrier = threading.Barrier(50)

    def approve(i: int) -> object:
        c = as_user(ctx, f"U_A{i}")
        barrier.wait()
        return click(c, "approve")

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(approve, range(50)))

    assert az.writes == [(PID, {"allowForwardedTraffic": True})]
    rec = store.get_request(1)
    assert rec is not None and rec.state == "applied"
    trail = [e for e in store.recent_audit(limit=100) if e.request == 1]
    approved = [e for e in trail if e.action == "approved"]
    assert len(approved) == 1 and approved[0].actor == rec.body["decided_by"]
    assert [e.action for e in trail].count("applied") == 1
    # Everyone else was told the state instead of applying again.
    told = [a for a in answers if a is not None]
    assert len(told) == 49
    assert all(any(s in a.fallback for s in ("approved", "applying", "applied")) for a in told)  # type: ignore[attr-defined]
    results = [p for p in ctx.out.posts if p[2] is not None]  # type: ignore[attr-defined]
    assert len(results) == 1  # one answer in the thread


@pytest.mark.parametrize("round_", range(6))
def test_approve_cancel_and_expiry_at_the_same_instant_have_one_outcome(
    new_store: Callable[[], Store], round_: int
) -> None:
    az, store = estate(), new_store()
    clock = Clock()
    ctx = make_ctx(az, store, clock=clock, request_ttl_minutes=60)
    peering_cmd(ctx, "vn-hub/hub-to-far forwarded-traffic on reason: race")
    expires = clock() + timedelta(minutes=60)
    just_before = Clock(expires - timedelta(milliseconds=1))
    just_after = Clock(expires + timedelta(milliseconds=1))
    approver = dataclasses.replace(as_user(ctx, "U_BOB"), now=just_before, out=RecordingMessenger())
    requester = dataclasses.replace(as_user(ctx, "U_ALICE"), now=just_before, out=RecordingMessenger())
    timer = dataclasses.replace(ctx, now=just_after, out=RecordingMessenger())
    barrier = threading.Barrier(3)
    # Vary who starts first a little between rounds.
    order = [("approve", approver), ("cancel", requester), ("sweep", timer)]
    order = order[round_ % 3 :] + order[: round_ % 3]

    def run(item: tuple[str, Ctx]) -> None:
        what, c = item
        barrier.wait()
        if what == "sweep":
            sweep(c)
        else:
            click(c, what)

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(run, order))

    rec = store.get_request(1)
    assert rec is not None
    trail = [e.action for e in store.recent_audit(limit=50) if e.request == 1]
    decisions = [a for a in trail if a in DECISIONS]
    assert len(decisions) == 1, trail
    outcome = {"approved": "applied", "cancelled": "cancelled", "expired": "expired"}[decisions[0]]
    assert rec.state == outcome
    assert len(az.writes) == (1 if outcome == "applied" else 0)


def test_the_same_request_delivered_many_times_at_once_is_filed_once(new_store: Callable[[], Store]) -> None:
    az, store = estate(), new_store()
    ctx = make_ctx(az, store)
    barrier = threading.Barrier(10)

    def deliver(_: int) -> object:
        c = dataclasses.replace(ctx, out=RecordingMessenger())
        barrier.wait()
        return peering_cmd(c, "vn-hub/hub-to-far forwarded-traffic on reason: double submit"), c

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(deliver, range(10)))
    posted = [p for _, c in results for p in c.out.posts]  # type: ignore[attr-defined]
    assert len(posted) == 1
    states = [r.state for r in store.list_requests()]
    assert states.count("pending") == 1
    assert all(s in ("pending", "cancelled") for s in states)
    refusals = [r for r, _ in results if "still waiting for approval" in r.fallback]  # type: ignore[attr-defined]
    assert len(refusals) == 9
