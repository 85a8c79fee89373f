"""Bringing requests up to date: expiry for the timer, and a process that dies mid-flow
loses nothing and applies nothing twice.

The "crash" is a BaseException raised at the exact point (the worker's broad `except
Exception` cannot catch it, just as it could not catch a SIGKILL); the "restart" opens a
new store on the same file with a new messenger, while Azure — which does not crash with
us — keeps its state. Recovery happens on the next touch or in `sweep()`, once the dead
worker's lease has run out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.sqlite import SqliteStore
from commands.catalog import REGISTRY
from commands.core.model import Peering
from commands.core.registry import Ctx
from commands.peering.command import peering as peering_cmd
from commands.peering.sweep import sweep
from tests.fakes import RecordingMessenger
from tests.unit.commands.peering.peering_estate import Clock, as_user, estate, file_change, make_ctx, peering_id

PID = peering_id("vn-hub", "hub-to-far")
CHANGE = "vn-hub/hub-to-far forwarded-traffic on reason: durability"


class Crash(BaseException):
    """The process dies here."""


class CrashingMessenger(RecordingMessenger):
    """Dies on the n-th call of `method`."""

    def __init__(self, method: str, n: int = 1) -> None:
        super().__init__()
        self.method, self.left = method, n

    def _maybe(self, method: str) -> None:
        if method == self.method:
            self.left -= 1
            if self.left == 0:
                raise Crash(method)

    def post(self, channel, reply, thread=None):  # type: ignore[no-untyped-def]
        self._maybe("post")
        return super().post(channel, reply, thread)

    def update(self, ref, reply):  # type: ignore[no-untyped-def]
        self._maybe("update")
        super().update(ref, reply)


class CrashingAzure:
    """The estate's FakeAzure, dying around the peering write (before or after it lands)."""

    def __init__(self, when: str) -> None:
        self.az = estate()
        self.when = when

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.az, name)

    def update_peering(self, peering_id: str, flags: dict[str, bool], etag: str | None = None) -> Peering:
        if self.when == "before":
            self.when = ""
            raise Crash("before the write")
        result = self.az.update_peering(peering_id, flags, etag)
        if self.when == "after":
            self.when = ""
            raise Crash("after the write")
        return result


def restart(ctx: Ctx, path: Path) -> Ctx:
    """A new process: a new store object on the same file and a fresh messenger."""
    return make_ctx(ctx.azure, SqliteStore(path), out=RecordingMessenger(), clock=ctx.now)  # type: ignore[arg-type]


def approve(ctx: Ctx, user: str = "U_BOB", number: int = 1) -> object:
    return REGISTRY.action("approval_approve")(as_user(ctx, user), str(number), "C_OPS:1")


def writes(ctx: Ctx) -> int:
    az = ctx.azure
    return len(getattr(az, "az", az).writes)


def test_sweep_expires_due_requests_for_the_timer(ctx: Ctx, clock: Clock) -> None:
    file_change(ctx)
    clock.advance(minutes=30)
    assert sweep(ctx) == []
    clock.advance(minutes=31)
    assert sweep(ctx) == ["#1 pending → expired"]
    assert sweep(ctx) == []


def test_crash_between_approve_and_apply_is_completed_once_after_restart(tmp_path: Path) -> None:
    path, clock = tmp_path / "s.sqlite", Clock()
    ctx = make_ctx(estate(), SqliteStore(path), out=CrashingMessenger("update", 1), clock=clock)
    peering_cmd(ctx, CHANGE)
    with pytest.raises(Crash):
        approve(ctx)
    assert ctx.store.get_request(1).state == "approved" and writes(ctx) == 0

    later = restart(ctx, path)
    clock.advance(minutes=1)  # the worker might still be alive: leave it alone
    assert sweep(later) == []
    clock.advance(minutes=5)
    assert sweep(later) == ["#1 approved → applied"]
    assert writes(later) == 1 and later.store.get_request(1).state == "applied"
    assert any("applied" in r.fallback for _, r, _, _ in later.out.posts)  # type: ignore[attr-defined]
    assert sweep(later) == []


@pytest.mark.parametrize("when", ["before", "after"])
def test_crash_around_the_write_applies_exactly_once(tmp_path: Path, when: str) -> None:
    path, clock = tmp_path / "s.sqlite", Clock()
    ctx = make_ctx(CrashingAzure(when), SqliteStore(path), clock=clock)  # type: ignore[arg-type]
    peering_cmd(ctx, CHANGE)
    with pytest.raises(Crash):
        approve(ctx)
    assert ctx.store.get_request(1).state == "applying"
    assert writes(ctx) == (1 if when == "after" else 0)

    later = restart(ctx, path)
    clock.advance(minutes=6)
    # The next touch (any click on it) finishes the job and answers with the state.
    answer = approve(later, "U_CAROL")
    assert answer is not None and "applied" in answer.fallback  # type: ignore[attr-defined]
    assert writes(later) == 1  # written once, never twice
    assert later.azure.peering(PID).allow_forwarded_traffic is True
    rec = later.store.get_request(1)
    assert rec.state == "applied" and rec.body["outcome_posted"] is True
    notes = [e.note for e in later.store.recent_audit() if e.action == "applied"]
    assert notes == (["found applied after a restart; not written again"] if when == "after" else [""])


def test_crash_between_apply_and_answer_reports_after_restart(tmp_path: Path) -> None:
    path, clock = tmp_path / "s.sqlite", Clock()
    # 1st update: "approved, applying…"; 2nd: the outcome, which the process dies before.
    ctx = make_ctx(estate(), SqliteStore(path), out=CrashingMessenger("update", 2), clock=clock)
    peering_cmd(ctx, CHANGE)
    with pytest.raises(Crash):
        approve(ctx)
    rec = ctx.store.get_request(1)
    assert rec.state == "applied" and rec.body["outcome_posted"] is False and writes(ctx) == 1

    later = restart(ctx, path)
    clock.advance(minutes=6)
    assert sweep(later) == ["#1 applied → applied"]
    posted = later.out.posts  # type: ignore[attr-defined]
    assert len(posted) == 1 and "applied" in posted[0][1].fallback and posted[0][2] == rec.body["message_ref"]
    assert later.store.get_request(1).body["outcome_posted"] is True and writes(later) == 1
    assert sweep(later) == []


def test_crash_before_the_request_was_posted_posts_it_after_restart(tmp_path: Path) -> None:
    path, clock = tmp_path / "s.sqlite", Clock()
    ctx = make_ctx(estate(), SqliteStore(path), out=CrashingMessenger("post", 1), clock=clock)
    with pytest.raises(Crash):
        peering_cmd(ctx, CHANGE)
    assert ctx.store.get_request(1).state == "planned"

    later = restart(ctx, path)
    clock.advance(minutes=6)
    assert sweep(later) == ["#1 planned → pending"]
    assert later.store.get_request(1).body["message_ref"]
    approve(later)
    assert later.store.get_request(1).state == "applied" and writes(later) == 1
