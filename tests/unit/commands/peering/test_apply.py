"""Applying an approved request: written once, verified, answered in the thread — or refused with why."""

from __future__ import annotations

from commands.core.errors import AzureFailure
from commands.core.model import rid_key
from commands.core.registry import Ctx
from tests.fakes import FakeAzure
from tests.unit.commands.peering.peering_estate import buttons, click, file_change, out, peering_id, text_of

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
    assert "changed since the request" in body and "allowVirtualNetworkAccess on → off" in body
    assert "Ask again" in body


def test_azure_refusal_is_reported_with_its_code_and_advice(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    az.fail[("update_peering", rid_key(PID))] = AzureFailure(
        "bad_request", "Peering cannot be updated now", "SomeArmCode", PID, 400
    )
    click(ctx, "U_BOB", "approve", 1)
    assert ctx.store.get_request(1).state == "failed"
    body = text_of(out(ctx).posts[-1][1])
    assert "SomeArmCode" in body and "refused" in body
