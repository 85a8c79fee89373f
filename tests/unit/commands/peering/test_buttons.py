"""The buttons: Approve (approvers only, never the requester), Reject, Cancel, Revert."""

from __future__ import annotations

import dataclasses

from commands.catalog import REGISTRY
from commands.core.registry import Ctx
from commands.peering.buttons import parse_number
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.peering.peering_estate import (
    Clock,
    answer,
    as_user,
    click,
    file_change,
    out,
    peering_id,
    text_of,
)

PID = peering_id("vn-hub", "hub-to-far")


def test_request_numbers_parse_from_button_values() -> None:
    assert parse_number("12") == 12 and parse_number("#3") == 3
    assert parse_number("x") is None and parse_number("") is None and parse_number("0x1") is None
    # Digits of other scripts are digits to str.isdigit() and numbers to int(): not request numbers.
    assert parse_number("١") is None and parse_number("#١") is None and parse_number("１") is None
    assert parse_number("²") is None


def test_a_click_from_another_message_or_channel_approves_nothing(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    card = ctx.store.get_request(1).body["message_ref"]
    channel, _, ts = card.partition(":")
    approve = REGISTRY.action("approval_approve")
    assert approve is not None
    bob = as_user(ctx, "U_BOB")
    for other_ctx, ref in [
        (bob, f"{channel}:{ts}1"),  # another message in the request's channel
        (bob, f"C_ELSEWHERE:{ts}"),  # another channel
        (dataclasses.replace(bob, channel="C_ELSEWHERE"), card),  # the right ref, from another channel
        (bob, ""),
    ]:
        said = text_of(answer(other_ctx, approve, "1", ref=ref))
        assert "not on request #1's own message" in said
    assert az.writes == [] and ctx.store.get_request(1).state == "pending"
    assert [e for e in ctx.store.recent_audit() if e.action.startswith("approve")] == []


def test_refused_approvals_are_audited_once_per_person_and_window(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    for _ in range(40):
        assert "not one" in text_of(click(ctx, "U_DAVE", "approve", 1))
    refused = [e for e in ctx.store.recent_audit() if e.action == "approve_refused"]
    assert [e.actor for e in refused] == ["U_DAVE"]


def test_requester_and_non_approver_are_refused_and_nothing_is_applied(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    assert "cannot approve" in text_of(click(ctx, "U_ALICE", "approve", 1))
    assert "not one" in text_of(click(ctx, "U_DAVE", "approve", 1))
    assert az.writes == [] and ctx.store.get_request(1).state == "pending"
    refused = [e for e in ctx.store.recent_audit() if e.action == "approve_refused"]
    assert {e.actor for e in refused} == {"U_ALICE", "U_DAVE"}


def test_approver_group_member_can_approve(ctx: Ctx, az: FakeAzure) -> None:
    grouped = dataclasses.replace(
        ctx,
        settings=dataclasses.replace(ctx.settings, approvers=frozenset(), approver_group="S_NETOPS"),
        out=RecordingMessenger(groups={"S_NETOPS": {"U_ERIN"}}),
    )
    file_change(grouped)
    click(grouped, "U_ERIN", "approve", 1)
    assert az.writes and grouped.store.get_request(1).state == "applied"


def test_click_on_a_decided_request_answers_with_its_state(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    click(ctx, "U_BOB", "approve", 1)
    again = click(ctx, "U_CAROL", "approve", 1)
    assert "*applied*" in text_of(again) and len(az.writes) == 1
    assert "*applied*" in text_of(click(ctx, "U_CAROL", "reject", 1))


def test_reject_by_an_approver_closes_the_request(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
    assert "use Cancel" in text_of(click(ctx, "U_ALICE", "reject", 1))
    assert "Only approvers" in text_of(click(ctx, "U_DAVE", "reject", 1))
    click(ctx, "U_CAROL", "reject", 1)
    assert ctx.store.get_request(1).state == "rejected" and az.writes == []
    assert "Rejected" in text_of(out(ctx).posts[-1][1])


def test_only_the_requester_can_cancel(ctx: Ctx) -> None:
    file_change(ctx)
    assert "can cancel it" in text_of(click(ctx, "U_BOB", "cancel", 1))
    click(ctx, "U_ALICE", "cancel", 1)
    assert ctx.store.get_request(1).state == "cancelled"


def test_an_expired_request_cannot_be_applied(ctx: Ctx, az: FakeAzure, clock: Clock) -> None:
    file_change(ctx)
    clock.advance(minutes=61)
    answer = click(ctx, "U_BOB", "approve", 1)
    assert "*expired*" in text_of(answer)
    assert az.writes == [] and ctx.store.get_request(1).state == "expired"
    assert "Expired" in text_of(out(ctx).updates[-1][1])


def test_revert_is_a_new_request_that_needs_its_own_approval(ctx: Ctx, az: FakeAzure) -> None:
    file_change(ctx)
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
    file_change(ctx)
    assert "*pending*" in text_of(click(ctx, "U_BOB", "revert", 1))


def test_unknown_request_number_says_so(ctx: Ctx) -> None:
    assert "no request #9" in text_of(click(ctx, "U_BOB", "approve", 9))
