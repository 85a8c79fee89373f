"""What Azure holds after a write, and the sweep settling what was not known.

Domain tests on the in-memory port fake; the same paths run against the emulator through the
real SDK in tests/reliability/commands/peering/test_safe_writes.py.
"""

from __future__ import annotations

import dataclasses

from bot.store.sqlite import SqliteStore
from commands.core.errors import AzureFailure
from commands.core.model import Peering, rid_key
from commands.core.registry import Ctx
from commands.peering.sweep import sweep
from tests.fakes import FakeAzure
from tests.unit.commands.peering.peering_estate import (
    Clock,
    click,
    estate,
    file_change,
    make_ctx,
    out,
    peering_id,
    text_of,
)

PID = peering_id("vn-hub", "hub-to-far")


class Unreadable(FakeAzure):
    """The estate's Azure, whose peering cannot be read once it has been written."""

    def __init__(self) -> None:
        base = estate()
        super().__init__(subscriptions=base.subs, gateways=base.gws.values(), vnets=base.vnets.values())
        self.readable = True

    def update_peering(self, peering_id: str, flags: dict[str, bool], etag: str | None = None) -> Peering:
        p = super().update_peering(peering_id, flags, etag)
        self.readable = False
        return p

    def peering(self, peering_id: str) -> Peering:
        if not self.readable:
            raise AzureFailure("unavailable", "server busy", "", peering_id, 503)
        return super().peering(peering_id)


def set_state(az: FakeAzure, **changes: object) -> None:
    """Change the peering as Azure itself would (a new etag)."""
    vkey = rid_key(az.peering(PID).vnet_id)
    v = az.vnets[vkey]
    new = dataclasses.replace(az.peering(PID), etag='W/"azure"', **changes)  # type: ignore[arg-type]
    az.vnets[vkey] = dataclasses.replace(
        v, peerings=tuple(new if rid_key(p.id) == rid_key(PID) else p for p in v.peerings)
    )


def test_a_re_sync_of_the_remote_address_space_is_said_as_azure_updating_the_peering(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    set_state(az, remote_address_prefixes=("10.20.0.0/16", "10.21.0.0/16"), sync_level="LocalNotInSync")
    click(ctx, "U_BOB", "approve", 1)
    body = text_of(out(ctx).posts[-1][1])
    assert ctx.store.get_request(1).state == "failed" and az.writes == []
    assert "Azure updated it itself (peeringSyncLevel FullyInSync → LocalNotInSync" in body
    assert "remoteAddressSpace 10.20.0.0/16 → 10.20.0.0/16, 10.21.0.0/16" in body and "nothing written" in body


def test_unknown_is_re_checked_after_the_lease_and_settled(store: SqliteStore) -> None:
    az, clock = Unreadable(), Clock()
    ctx = make_ctx(az, store, clock=clock)
    file_change(ctx)
    click(ctx, "U_BOB", "approve", 1)
    rec = ctx.store.get_request(1)
    assert rec.state == "unknown" and rec.body["settled"] is False and len(az.writes) == 1
    assert "could not be read" in rec.body["error"] and "/vpn peering vn-hub" in rec.body["error"]
    clock.advance(minutes=1)
    assert sweep(ctx) == []  # within the lease
    clock.advance(minutes=5)
    assert sweep(ctx) == []  # still unreadable: stays unknown, nothing posted again
    az.readable = True
    clock.advance(minutes=6)
    assert sweep(ctx) == ["#1 unknown → applied"]
    rec = ctx.store.get_request(1)
    assert rec.state == "applied" and rec.body["settled"] is True
    (row,) = [e for e in ctx.store.recent_audit() if e.action == "applied"]
    assert row.before == {"allowForwardedTraffic": False} and row.after == {"allowForwardedTraffic": True}


def test_unknown_is_left_as_it_is_after_a_day_of_re_checks(store: SqliteStore) -> None:
    az, clock = Unreadable(), Clock()
    ctx = make_ctx(az, store, clock=clock)
    file_change(ctx)
    click(ctx, "U_BOB", "approve", 1)
    clock.advance(hours=25)
    assert sweep(ctx) == []
    rec = ctx.store.get_request(1)
    assert rec.state == "unknown" and rec.body["settled"] is True
    clock.advance(minutes=10)
    calls = len(az.calls)
    assert sweep(ctx) == [] and len(az.calls) == calls  # no longer re-read


def test_a_failure_recorded_before_outcomes_were_checked_is_reconciled_once(ctx: Ctx, az: FakeAzure) -> None:
    """A "failed" of the old code (the answer was lost, the change live): the sweep re-reads it."""
    file_change(ctx)
    az.fail[("update_peering", rid_key(PID))] = AzureFailure("timeout", "no answer", "", PID)
    click(ctx, "U_BOB", "approve", 1)
    rec = ctx.store.get_request(1)
    # As the old code stored it: failed, no `settled` (the store keeps unknown fields out).
    body = {k: v for k, v in rec.body.items() if k != "settled"}
    ctx.store.update_request(1, "failed", body, rec.etag)
    az.fail.clear()
    az.update_peering(PID, {"allowForwardedTraffic": True})  # the write had landed after all
    ctx.now.advance(minutes=6)  # type: ignore[attr-defined]
    assert sweep(ctx) == ["#1 failed → applied"]
    rec = ctx.store.get_request(1)
    assert rec.state == "applied" and "Found applied in Azure" in rec.body["note"]
    assert sweep(ctx) == []


def test_an_unchecked_failure_azure_does_not_hold_stays_failed_and_is_settled(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    az.fail[("update_peering", rid_key(PID))] = AzureFailure("timeout", "no answer", "", PID)
    click(ctx, "U_BOB", "approve", 1)
    rec = ctx.store.get_request(1)
    ctx.store.update_request(1, "failed", {k: v for k, v in rec.body.items() if k != "settled"}, rec.etag)
    ctx.now.advance(minutes=6)  # type: ignore[attr-defined]
    assert sweep(ctx) == []
    rec = ctx.store.get_request(1)
    assert rec.state == "failed" and rec.body["settled"] is True


class Undone(FakeAzure):
    """The estate's Azure, where someone sets the flag back right after the bot's write."""

    def __init__(self) -> None:
        base = estate()
        super().__init__(subscriptions=base.subs, gateways=base.gws.values(), vnets=base.vnets.values())

    def update_peering(self, peering_id: str, flags: dict[str, bool], etag: str | None = None) -> Peering:
        p = super().update_peering(peering_id, flags, etag)
        if etag is not None:
            super().update_peering(peering_id, {k: not v for k, v in flags.items()})
        return p


def test_a_write_undone_right_after_is_not_applied_and_says_what_azure_holds(store: SqliteStore) -> None:
    ctx = make_ctx(Undone(), store)
    file_change(ctx)
    click(ctx, "U_BOB", "approve", 1)
    rec = ctx.store.get_request(1)
    assert rec.state == "failed" and rec.body["settled"] is True
    assert (
        "Azure accepted the write, but the peering no longer holds it: allowForwardedTraffic reads off"
        in (rec.body["error"])
    )
    assert [e for e in ctx.store.recent_audit() if e.action == "applied"] == []
