"""Filing a request: planned, pre-flighted, numbered, posted for approval — or refused with why."""

from __future__ import annotations

import dataclasses
import json

from bot.slack.render import fallback_text, to_blocks
from commands.core.registry import Ctx
from commands.core.reply import Reply
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.peering.peering_estate import as_user, buttons, click, file_change, out, text_of


def test_request_is_posted_in_the_channel_with_plan_number_and_buttons(ctx: Ctx) -> None:
    answer = file_change(ctx)
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
    file_change(ctx)
    file_change(ctx, "vn-spoke/spoke-to-hub allowForwardedTraffic on")
    assert [r.number for r in ctx.store.list_requests()] == [2, 1]


def test_refused_plan_files_nothing_and_says_why(ctx: Ctx, az: FakeAzure) -> None:
    answer = file_change(ctx, "vn-far/far-to-hub remote-gateways on")
    text = text_of(answer)
    assert "Not filed" in text and "gw-far" in text and "Virtual WAN" in text
    assert out(ctx).posts == [] and ctx.store.list_requests() == [] and az.writes == []


def test_no_request_when_nobody_but_the_requester_could_approve(ctx: Ctx) -> None:
    lonely = dataclasses.replace(ctx, settings=dataclasses.replace(ctx.settings, approvers=frozenset({"U_ALICE"})))
    assert "Nobody else could approve" in text_of(file_change(lonely))
    assert ctx.store.list_requests() == []


def test_a_second_request_for_the_same_peering_is_refused_while_one_is_open(ctx: Ctx) -> None:
    file_change(ctx)
    again = file_change(as_user(ctx, "U_DAVE"), "vn-hub/hub-to-far vnet-access off")
    assert "#1" in text_of(again) and "still waiting for approval" in text_of(again)
    assert len(ctx.store.list_requests()) == 1


def test_a_new_request_is_possible_once_the_previous_one_is_decided(ctx: Ctx) -> None:
    file_change(ctx)
    click(ctx, "U_ALICE", "cancel", 1)
    file_change(ctx)
    assert ctx.store.get_request(2).state == "pending"


def test_reason_with_slack_markup_is_escaped(ctx: Ctx) -> None:
    file_change(ctx, "vn-hub/hub-to-far forwarded-traffic on reason: <!channel> see <http://evil|here>")
    msg = out(ctx).posts[0][1]
    sent = json.dumps(to_blocks(msg)) + fallback_text(msg.fallback)  # what Slack receives
    assert "<!channel>" not in sent and "<http://evil" not in sent


class BrokenChannel(RecordingMessenger):
    def post(self, channel: str, reply: Reply, thread: str | None = None) -> str:
        raise ConnectionError("channel_not_found")


def test_a_request_that_cannot_be_posted_is_withdrawn_and_the_user_told(ctx: Ctx) -> None:
    broken = dataclasses.replace(ctx, out=BrokenChannel())
    answer = file_change(broken)
    assert "could not be posted" in text_of(answer) and "member of this channel" in text_of(answer)
    assert ctx.store.get_request(1).state == "failed"
    file_change(ctx)  # the peering is free again
    assert ctx.store.get_request(2).state == "pending"
