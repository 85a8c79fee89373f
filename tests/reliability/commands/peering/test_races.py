"""Races on a change request through the whole path: signed clicks arriving at the same
instant through Bolt, jobs running side by side, the real SDK against the ARM emulator.

(The store-level races on both stores are commands/approvals' own tests in
tests/integration/commands/peering/test_approval_race.py; here it is the product as deployed.)
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from bot.runtime.jobs import Job
from bot.runtime.worker import build_ctx
from commands.peering.sweep import sweep
from tests.reliability.harness import ALICE, BOB, CAROL, PEERING_EUN, Rig

DECISIONS = ("approved", "rejected", "cancelled", "expired")


@pytest.fixture
def rig() -> Iterator[Rig]:
    with Rig(workers=50) as r:
        yield r


def file_request(rig: Rig, value: str) -> str:
    ask = rig.slash(f"peering vnet-eun/peer-eun-to-aue forwarded-traffic {value} reason: race drill", ALICE)
    number = rig.request_number(ask)
    assert number, ask.block_texts
    return number


def audit_of(rig: Rig, number: str) -> list[str]:
    return [e.action for e in rig.store.recent_audit(limit=500) if e.request == int(number)]


def test_fifty_simultaneous_approve_clicks_apply_once(rig: Rig) -> None:
    number = file_request(rig, "off")
    clickers = [BOB, CAROL] * 25
    statuses = rig.clicks("approval_approve", number, clickers, timeout_s=120)
    assert statuses == [200] * 50  # every click acked
    jobs = rig.dispatcher.submitted[-50:]
    assert {j.name for j in jobs} == {"approval_approve"} and len({j.id for j in jobs}) == 50
    assert rig.successful_writes() == 1
    trail = audit_of(rig, number)
    assert trail.count("approved") == 1 and trail.count("applied") == 1 and "failed" not in trail
    assert rig.store.get_request(int(number)).state == "applied"
    assert rig.arm.resource(PEERING_EUN)["properties"]["allowForwardedTraffic"] is False
    ref = rig.store.get_request(int(number)).body["message_ref"]
    results = [m for m in rig.slack.thread(ref) if f"#{number} applied" in m.text]
    assert len(results) == 1  # one answer in the thread, not fifty
    # The 49 others were each told what happened (only the clicker sees it).
    told = [m for m in rig.slack.messages() if m.ephemeral_to in (BOB, CAROL) and f"#{number}" in m.text]
    assert len(told) >= 49


def _at_once(actions: list[Callable[[], object]]) -> None:
    gate = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(fn: Callable[[], object]) -> None:
        gate.wait()
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_approve_reject_cancel_and_expiry_at_the_same_instant_have_one_outcome(rig: Rig) -> None:
    outcomes = []
    for trial in range(6):
        value = "off" if rig.arm.resource(PEERING_EUN)["properties"]["allowForwardedTraffic"] else "on"
        number = file_request(rig, value)
        writes = rig.successful_writes()
        msg = rig.slack.find_button("approval_approve", number)
        clicks = [
            rig.slack.click_request(msg, "approval_approve", BOB, number),
            rig.slack.click_request(msg, "approval_reject", CAROL, number),
            rig.slack.click_request(msg, "approval_cancel", ALICE, number),
        ]
        # The expiry timer firing at the same instant, with a clock past the request's TTL.
        sweeper = Job("command", "sweep", user="vpnops", channel="C_VPNOPS")
        ctx = build_ctx(sweeper, rig.console.deps, rig.console.deps.messenger_for(sweeper))
        ttl = timedelta(minutes=rig.console.settings.request_ttl_minutes + 1)
        ctx = dataclasses.replace(ctx, now=lambda ctx=ctx, ttl=ttl: ctx.now() + ttl)  # type: ignore[misc]
        before = len(rig.dispatcher.submitted)
        order = [lambda b=b, h=h: rig.console.post_http(b, h) for b, h in clicks] + [lambda c=ctx: sweep(c)]
        order = order[trial % 4 :] + order[: trial % 4]  # vary who starts first
        _at_once(order)
        assert rig.dispatcher.wait_idle(120)
        assert len(rig.dispatcher.submitted) - before == 3
        rec = rig.store.get_request(int(number))
        trail = audit_of(rig, number)
        decided = [a for a in trail if a in DECISIONS]
        assert len(decided) == 1, f"trial {trial}: {trail}"
        winner = decided[0]
        outcomes.append(winner)
        if winner == "approved":
            assert rec.state == "applied" and trail.count("applied") == 1
            assert rig.successful_writes() == writes + 1
        else:
            assert rec.state == winner and rig.successful_writes() == writes
        # The request's message in the channel shows that one outcome, buttons gone.
        shown = rig.slack.message(rec.body["message_ref"])
        assert shown is not None and not any(b.get("action_id") == "approval_approve" for b in shown.buttons())
        assert rec.state in shown.text.lower() or rec.state in str(shown.blocks).lower(), (rec.state, shown.text)
    assert len(outcomes) == 6
