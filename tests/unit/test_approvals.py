"""The approval flow on the domain: FakeAzure + RecordingMessenger + a real SQLite store."""

from __future__ import annotations

import dataclasses

import pytest

from bot.store.sqlite import SqliteStore
from commands import approvals
from commands.approvals import approval_refusal, approvers_for, is_expired, parse_number
from commands.catalog import REGISTRY
from commands.core.errors import AzureFailure
from commands.core.model import rid_key
from commands.core.registry import Ctx
from commands.core.reply import Actions, Reply, Text
from commands.peering import peering as peering_cmd
from commands.peering import requests as requests_cmd
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit import peering_estate
from tests.unit.peering_estate import Clock, as_user, estate, make_ctx, peering_id

CHANGE = "vn-hub/hub-to-far allowForwardedTraffic on reason: NVA in the hub"
PID = peering_id("vn-hub", "hub-to-far")


@pytest.fixture
def az() -> FakeAzure:
    return estate()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(az: FakeAzure, store: SqliteStore, clock: Clock) -> Ctx:
    return make_ctx(az, store, clock=clock)


def text_of(reply: Reply | None) -> str:
    return peering_estate.text_of(reply, table_sep=" ")


def buttons(reply: Reply) -> list[tuple[str, str]]:
    return [(b.action_id, b.value) for p in reply.parts if isinstance(p, Actions) for b in p.buttons]


def click(ctx: Ctx, user: str, verb: str, number: int) -> Reply | None:
    c = as_user(ctx, user)
    return REGISTRY.action(f"approval_{verb}")(c, str(number), "C_OPS:1")


def file(ctx: Ctx, text: str = CHANGE) -> Reply | None:
    return peering_cmd(ctx, text)


def out(ctx: Ctx) -> RecordingMessenger:
    assert isinstance(ctx.out, RecordingMessenger)
    return ctx.out


# --- pure rules ------------------------------------------------------------------------------


def test_approve_by_requester_is_refused() -> None:
    refusal = approval_refusal(3, "U_ALICE", "U_ALICE", {"U_ALICE", "U_BOB"})
    assert refusal and "requester ≠ approver" in refusal


def test_approve_by_non_approver_is_refused() -> None:
    refusal = approval_refusal(3, "U_ALICE", "U_DAVE", {"U_BOB"})
    assert refusal and "not one" in refusal


def test_approvers_are_the_configured_ids_plus_the_group_members() -> None:
    assert approvers_for(frozenset({"U_BOB"}), {"U_GRP1", ""}) == {"U_BOB", "U_GRP1"}


def test_request_numbers_parse_from_button_values() -> None:
    assert parse_number("12") == 12 and parse_number("#3") == 3
    assert parse_number("x") is None and parse_number("") is None and parse_number("0x1") is None


# --- filing ----------------------------------------------------------------------------------


def test_request_is_posted_in_the_channel_with_plan_number_and_buttons(ctx: Ctx) -> None:
    answer = file(ctx)
    assert "Request *#1*" in text_of(answer) and answer is not None and answer.visibility == "ephemeral"
    [(channel, msg, thread, _ref)] = out(ctx).posts
    assert channel == "C_OPS" and thread is None
    body = text_of(msg)
    assert "#1" in body and "NVA in the hub" in body and "<@U_ALICE>" in body
    assert "off → on" in body  # before → after
    assert "vn-far" in body and "far-to-hub" in body  # the remote side is shown too
    assert buttons(msg) == [("approval_approve", "1"), ("approval_reject", "1"), ("approval_cancel", "1")]
    assert ctx.store.get_request(1).state == "pending"


def test_requests_are_numbered_in_order(ctx: Ctx) -> None:
    file(ctx)
    file(ctx, "vn-spoke/spoke-to-hub allowForwardedTraffic on")
    assert [r.number for r in ctx.store.list_requests()] == [2, 1]


def test_refused_plan_files_nothing_and_says_why(ctx: Ctx, az: FakeAzure) -> None:
    answer = file(ctx, "vn-far/far-to-hub remote-gateways on")
    text = text_of(answer)
    assert "Not filed" in text and "gw-far" in text and "Virtual WAN" in text
    assert out(ctx).posts == [] and ctx.store.list_requests() == [] and az.writes == []


def test_no_request_when_nobody_but_the_requester_could_approve(ctx: Ctx) -> None:
    lonely = dataclasses.replace(ctx, settings=dataclasses.replace(ctx.settings, approvers=frozenset({"U_ALICE"})))
    assert "Nobody else could approve" in text_of(file(lonely))
    assert ctx.store.list_requests() == []


def test_a_second_request_for_the_same_peering_is_refused_while_one_is_open(ctx: Ctx) -> None:
    file(ctx)
    again = file(as_user(ctx, "U_DAVE"), "vn-hub/hub-to-far vnet-access off")
    assert "#1" in text_of(again) and "still waiting for approval" in text_of(again)
    assert len(ctx.store.list_requests()) == 1


def test_a_new_request_is_possible_once_the_previous_one_is_decided(ctx: Ctx) -> None:
    file(ctx)
    click(ctx, "U_ALICE", "cancel", 1)
    file(ctx)
    assert ctx.store.get_request(2).state == "pending"


def test_reason_with_slack_markup_is_escaped(ctx: Ctx) -> None:
    file(ctx, "vn-hub/hub-to-far forwarded-traffic on reason: <!channel> see <http://evil|here>")
    msg = out(ctx).posts[0][1]
    raw = " ".join(p.text for p in msg.parts if isinstance(p, Text)) + str(msg.parts)
    assert "<!channel>" not in raw and "<http://evil" not in raw


# --- approving --------------------------------------------------------------------------------


def test_requester_and_non_approver_are_refused_and_nothing_is_applied(ctx: Ctx, az: FakeAzure) -> None:
    file(ctx)
    assert "cannot approve" in text_of(click(ctx, "U_ALICE", "approve", 1))
    assert "not one" in text_of(click(ctx, "U_DAVE", "approve", 1))
    assert az.writes == [] and ctx.store.get_request(1).state == "pending"
    refused = [e for e in ctx.store.recent_audit() if e.action == "approve_refused"]
    assert {e.actor for e in refused} == {"U_ALICE", "U_DAVE"}


def test_approval_applies_verifies_and_answers_in_the_thread(ctx: Ctx, az: FakeAzure) -> None:
    file(ctx)
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
    file(ctx)
    click(ctx, "U_BOB", "approve", 1)
    trail = [e.action for e in reversed(ctx.store.recent_audit(matching="vn-hub"))]
    assert trail == ["requested", "pending", "approved", "applying", "applied"]
    applied = ctx.store.recent_audit(limit=1)[0]
    assert applied.before["allowForwardedTraffic"] is False and applied.after["allowForwardedTraffic"] is True
    assert applied.request == 1


def test_approver_group_member_can_approve(ctx: Ctx, az: FakeAzure) -> None:
    grouped = dataclasses.replace(
        ctx,
        settings=dataclasses.replace(ctx.settings, approvers=frozenset(), approver_group="S_NETOPS"),
        out=RecordingMessenger(groups={"S_NETOPS": {"U_ERIN"}}),
    )
    file(grouped)
    click(grouped, "U_ERIN", "approve", 1)
    assert az.writes and grouped.store.get_request(1).state == "applied"


def test_click_on_a_decided_request_answers_with_its_state(ctx: Ctx, az: FakeAzure) -> None:
    file(ctx)
    click(ctx, "U_BOB", "approve", 1)
    again = click(ctx, "U_CAROL", "approve", 1)
    assert "*applied*" in text_of(again) and len(az.writes) == 1
    assert "*applied*" in text_of(click(ctx, "U_CAROL", "reject", 1))


def test_p2s_gateway_change_tells_clients_to_download_the_profile_again(ctx: Ctx) -> None:
    file(ctx, "vn-hub/hub-to-spoke gateway-transit on")
    click(ctx, "U_CAROL", "approve", 1)
    body = text_of(out(ctx).posts[-1][1])
    assert "gw-hub" in body and "download the VPN client profile again" in body


# --- refusals at apply time ----------------------------------------------------------------------


def test_etag_changed_behind_our_back_is_refused(ctx: Ctx, az: FakeAzure) -> None:
    file(ctx)
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
    file(ctx)
    az.fail[("update_peering", rid_key(PID))] = AzureFailure(
        "bad_request", "Peering cannot be updated now", "SomeArmCode", PID, 400
    )
    click(ctx, "U_BOB", "approve", 1)
    assert ctx.store.get_request(1).state == "failed"
    body = text_of(out(ctx).posts[-1][1])
    assert "SomeArmCode" in body and "refused" in body


# --- reject, cancel, expire -------------------------------------------------------------------------


def test_reject_by_an_approver_closes_the_request(ctx: Ctx, az: FakeAzure) -> None:
    file(ctx)
    assert "use Cancel" in text_of(click(ctx, "U_ALICE", "reject", 1))
    assert "Only approvers" in text_of(click(ctx, "U_DAVE", "reject", 1))
    click(ctx, "U_CAROL", "reject", 1)
    assert ctx.store.get_request(1).state == "rejected" and az.writes == []
    assert "Rejected" in text_of(out(ctx).posts[-1][1])


def test_only_the_requester_can_cancel(ctx: Ctx) -> None:
    file(ctx)
    assert "can cancel it" in text_of(click(ctx, "U_BOB", "cancel", 1))
    click(ctx, "U_ALICE", "cancel", 1)
    assert ctx.store.get_request(1).state == "cancelled"


def test_an_expired_request_cannot_be_applied(ctx: Ctx, az: FakeAzure, clock: Clock) -> None:
    file(ctx)
    clock.advance(minutes=61)
    answer = click(ctx, "U_BOB", "approve", 1)
    assert "*expired*" in text_of(answer)
    assert az.writes == [] and ctx.store.get_request(1).state == "expired"
    assert "Expired" in text_of(out(ctx).updates[-1][1])


def test_sweep_expires_due_requests_for_the_timer(ctx: Ctx, clock: Clock) -> None:
    file(ctx)
    clock.advance(minutes=30)
    assert approvals.sweep(ctx) == []
    clock.advance(minutes=31)
    assert approvals.sweep(ctx) == ["#1 pending → expired"]
    assert approvals.sweep(ctx) == []


def test_expiry_rule_ignores_an_approved_request() -> None:
    req = approvals.ChangeRequest(
        "p", "p", "v", "v", "allowForwardedTraffic", True, "U", "", "2000-01-01T00:00:00+00:00", ""
    )
    assert is_expired(req, "pending", Clock()())
    assert not is_expired(req, "approved", Clock()())


def test_requests_lists_open_ones_only(ctx: Ctx) -> None:
    file(ctx)
    file(ctx, "vn-spoke/spoke-to-hub forwarded-traffic on")
    click(ctx, "U_ALICE", "cancel", 2)
    listing = text_of(requests_cmd(ctx, ""))
    assert "#1" in listing and "#2" not in listing


# --- revert --------------------------------------------------------------------------------------


def test_revert_is_a_new_request_that_needs_its_own_approval(ctx: Ctx, az: FakeAzure) -> None:
    file(ctx)
    click(ctx, "U_BOB", "approve", 1)
    answer = click(ctx, "U_BOB", "revert", 1)
    assert "Request *#2*" in text_of(answer)
    rec = ctx.store.get_request(2)
    assert rec.state == "pending" and rec.body["value"] is False and rec.body["revert_of"] == 1
    assert rec.body["requester"] == "U_BOB"
    # Bob asked for the revert, so Bob cannot approve it; Carol can.
    assert "cannot approve" in text_of(click(ctx, "U_BOB", "approve", 2))
    click(ctx, "U_CAROL", "approve", 2)
    assert az.peering(PID).allow_forwarded_traffic is False and len(az.writes) == 2


def test_revert_of_a_request_that_was_not_applied_answers_with_its_state(ctx: Ctx) -> None:
    file(ctx)
    assert "*pending*" in text_of(click(ctx, "U_BOB", "revert", 1))


def test_unknown_request_number_says_so(ctx: Ctx) -> None:
    assert "no request #9" in text_of(click(ctx, "U_BOB", "approve", 9))


class BrokenChannel(RecordingMessenger):
    def post(self, channel: str, reply: Reply, thread: str | None = None) -> str:
        raise ConnectionError("channel_not_found")


def test_a_request_that_cannot_be_posted_is_withdrawn_and_the_user_told(ctx: Ctx) -> None:
    broken = dataclasses.replace(ctx, out=BrokenChannel())
    answer = file(broken)
    assert "could not be posted" in text_of(answer) and "member of this channel" in text_of(answer)
    assert ctx.store.get_request(1).state == "failed"
    file(ctx)  # the peering is free again
    assert ctx.store.get_request(2).state == "pending"
