"""Applying an approved request: written once, verified, answered in the thread — or refused with why."""

from __future__ import annotations

import dataclasses

import pytest

from bot.store.sqlite import SqliteStore
from commands.core.errors import AzureFailure
from commands.core.model import Peering, rid_key
from commands.core.registry import Ctx
from commands.peering.apply import VERIFY_ATTEMPTS, VERIFY_PAUSE_S, read_settled
from tests.fakes import FakeAzure
from tests.unit.commands.peering.peering_estate import (
    buttons,
    click,
    estate,
    file_change,
    make_ctx,
    out,
    peering_id,
    text_of,
)

PID = peering_id("vn-hub", "hub-to-far")


def test_approval_applies_verifies_and_answers_in_the_thread(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    assert click(ctx, "U_BOB", "approve", 1) is None
    assert az.writes == [(PID, {"allowForwardedTraffic": True})]
    assert az.peering(PID).allow_forwarded_traffic is True
    req_ref = out(ctx).posts[0][3]
    channel, result, thread, _ = out(ctx).posts[-1]
    assert thread == req_ref and channel == "C_OPS"
    body = text_of(result)
    assert "applied" in body and "<@U_BOB>" in body
    assert buttons(result) == [("approval_revert", "1")]
    # The request message lost its buttons and says who approved.
    last_ref, updated = out(ctx).updates[-1]
    assert last_ref == req_ref and buttons(updated) == [] and "Applied" in text_of(updated)
    assert ctx.store.get_request(1).state == "applied"


def test_every_transition_writes_an_audit_row_with_before_and_after(ctx: Ctx) -> None:
    file_change(ctx)
    click(ctx, "U_BOB", "approve", 1)
    trail = [e.action for e in reversed(ctx.store.recent_audit(matching="vn-hub"))]
    assert trail == ["requested", "pending", "approved", "applying", "applied"]
    applied = ctx.store.recent_audit(limit=1)[0]
    assert applied.before["allowForwardedTraffic"] is False and applied.after["allowForwardedTraffic"] is True
    assert applied.request == 1


def test_p2s_gateway_change_tells_clients_to_download_the_profile_again(ctx: Ctx) -> None:
    file_change(ctx, "vn-hub/hub-to-spoke gateway-transit on")
    click(ctx, "U_CAROL", "approve", 1)
    body = text_of(out(ctx).posts[-1][1])
    assert "gw-hub" in body and "download the VPN client profile again" in body


def test_etag_changed_behind_our_back_is_refused(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    az.update_peering(PID, {"allowVirtualNetworkAccess": False})  # someone in the portal
    writes = len(az.writes)
    click(ctx, "U_BOB", "approve", 1)
    assert len(az.writes) == writes  # nothing written by the bot
    rec = ctx.store.get_request(1)
    assert rec.state == "failed"
    body = text_of(out(ctx).posts[-1][1])
    assert "changed outside the bot" in body and "allowVirtualNetworkAccess on → off" in body
    assert "nothing written" in body and "Ask again" in body


def test_azure_refusal_is_reported_with_its_code_and_advice(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    az.fail[("update_peering", rid_key(PID))] = AzureFailure(
        "bad_request", "Peering cannot be updated now", "SomeArmCode", PID, 400
    )
    click(ctx, "U_BOB", "approve", 1)
    assert ctx.store.get_request(1).state == "failed"
    body = text_of(out(ctx).posts[-1][1])
    assert "SomeArmCode" in body and "refused" in body


# --- verifying: Azure may say "Updating" for a while after the write ---------------------------


class SettlingAzure(FakeAzure):
    """The estate's Azure, answering the first `updating` reads of the written peering after
    a write with provisioningState "Updating", and the later ones with `final` (or failing
    with `broken`)."""

    def __init__(self, updating: int, final: str = "Succeeded", broken: AzureFailure | None = None) -> None:
        base = estate()
        super().__init__(subscriptions=base.subs, gateways=base.gws.values(), vnets=base.vnets.values())
        self.updating, self.final, self.broken = updating, final, broken
        self.written = ""
        self.reads_after_write = 0

    def update_peering(self, peering_id: str, flags: dict[str, bool], etag: str | None = None) -> Peering:
        result = super().update_peering(peering_id, flags, etag)
        self.written = rid_key(peering_id)
        return result

    def peering(self, peering_id: str) -> Peering:
        p = super().peering(peering_id)
        if rid_key(peering_id) != self.written:
            return p
        self.reads_after_write += 1
        if self.broken is not None:
            raise self.broken
        if self.updating:
            self.updating -= 1
            return dataclasses.replace(p, provisioning_state="Updating")
        return dataclasses.replace(p, provisioning_state=self.final)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses between reads, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(read_settled.retry, "sleep", slept.append)
    return slept


def test_verify_reads_again_until_azure_has_finished_writing(store: SqliteStore, pauses: list[float]) -> None:
    az = SettlingAzure(updating=3)
    ctx = make_ctx(az, store)
    file_change(ctx)
    click(ctx, "U_BOB", "approve", 1)
    assert ctx.store.get_request(1).state == "applied"
    assert az.reads_after_write == 4 and pauses == [VERIFY_PAUSE_S] * 3


def test_verify_stops_after_its_attempts_and_judges_the_last_read(store: SqliteStore, pauses: list[float]) -> None:
    az = SettlingAzure(updating=1000)
    ctx = make_ctx(az, store)
    file_change(ctx)
    click(ctx, "U_BOB", "approve", 1)
    assert az.reads_after_write == VERIFY_ATTEMPTS and len(pauses) == VERIFY_ATTEMPTS - 1
    # Still "Updating", but the flag reads as asked: applied, as before the wait ran out.
    assert ctx.store.get_request(1).state == "applied" and len(az.writes) == 1


def test_a_write_azure_reports_failed_leaves_the_outcome_unknown_with_what_to_check(
    store: SqliteStore, pauses: list[float]
) -> None:
    az = SettlingAzure(updating=0, final="Failed")
    ctx = make_ctx(az, store)
    file_change(ctx)
    click(ctx, "U_BOB", "approve", 1)
    assert ctx.store.get_request(1).state == "unknown" and pauses == []
    body = text_of(out(ctx).posts[-1][1])
    assert "provisioningState Failed" in body and "/vpn peering vn-hub" in body


def test_a_read_that_fails_while_verifying_is_not_repeated(store: SqliteStore, pauses: list[float]) -> None:
    az = SettlingAzure(updating=3, broken=AzureFailure("unavailable", "busy", "", PID, 503))
    ctx = make_ctx(az, store)
    file_change(ctx)
    click(ctx, "U_BOB", "approve", 1)
    # azure-core has retried the read already: one read, no pause, and the request says so.
    assert az.reads_after_write == 1 and pauses == []
    assert ctx.store.get_request(1).state == "unknown"
    body = text_of(out(ctx).posts[-1][1])
    assert "could not be read" in body and "/vpn peering vn-hub" in body
