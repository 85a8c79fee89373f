"""SlackMessenger (the Messenger port on Slack) against the Slack emulator over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from slack_sdk.web import WebClient

from bot.slack.messenger import SlackMessenger
from commands.core.reply import Actions, Button, Reply, Table, Text
from sandbox.slack_emulator import SlackEmulator

TOKEN = "xoxb-test-messenger-token"


class Tick:
    """A monotonic clock the test moves by hand (progress throttling)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN, groups={"netops": ["U_BOB", "U_CAROL"]}) as emu:
        yield emu


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url)


def _command(slack: SlackEmulator, client: WebClient, clock: Tick | None = None) -> SlackMessenger:
    """A messenger for a slash command whose "working on it" ack Slack is showing."""
    url = slack.new_response_url("C_VPNOPS", "U_ALICE")
    slack.deliver_ack(url, json.dumps({"text": "⏳ working on it", "response_type": "ephemeral"}))
    return SlackMessenger(
        client,
        response_url=url,
        channel="C_VPNOPS",
        user="U_ALICE",
        replace_ack=True,
        progress_every_s=2.0,
        clock=clock or Tick(),
    )


def test_an_ephemeral_answer_replaces_the_working_on_it_message(slack: SlackEmulator, client: WebClient) -> None:
    out = _command(slack, client)
    out.respond(Reply("bad input", [Text("that region does not exist")], visibility="ephemeral"))
    (m,) = slack.messages(channel="C_VPNOPS")
    assert m.via == "ack" and m.ephemeral_to == "U_ALICE"
    assert "that region does not exist" in json.dumps(m.blocks)


def test_a_channel_answer_is_posted_for_everyone_and_the_ack_removed(slack: SlackEmulator, client: WebClient) -> None:
    out = _command(slack, client)
    out.respond(Reply("status", [Text("all tunnels up")]))
    (m,) = slack.messages(channel="C_VPNOPS")
    assert m.ephemeral_to is None and "all tunnels up" in json.dumps(m.blocks)
    assert [e.kind for e in slack.events] == ["post", "delete", "post"]


def test_progress_is_throttled_and_leaves_uses_for_the_answer(slack: SlackEmulator, client: WebClient) -> None:
    clock = Tick()
    out = _command(slack, client, clock)
    for i in range(10):
        out.progress(f"checked {i} of 10")
        clock.now += 0.5
    # 10 calls over 5 s at one per 2 s → 3 wanted, but only 2 may be spent (3 kept for the answer).
    updates = [e for e in slack.events if e.kind == "update"]
    assert [e.message.text for e in updates] == ["⏳ checked 0 of 10", "⏳ checked 4 of 10"]
    out.respond(Reply("done", [Text("answer")], visibility="ephemeral"))
    (m,) = slack.messages(channel="C_VPNOPS")
    assert "answer" in json.dumps(m.blocks)


def test_progress_after_the_answer_is_ignored(slack: SlackEmulator, client: WebClient) -> None:
    clock = Tick()
    out = _command(slack, client, clock)
    out.respond(Reply("done", [Text("answer")], visibility="ephemeral"))
    clock.now += 60
    out.progress("late")
    assert all("late" not in e.message.text for e in slack.events)


def test_when_the_response_url_is_spent_the_rest_goes_through_chat_post_message(
    slack: SlackEmulator, client: WebClient
) -> None:
    out = _command(slack, client)
    for i in range(6):  # a VM with six NICs: one answer each
        out.respond(Reply(f"nic {i}", [Text(f"routes of nic {i}")]))
    msgs = slack.messages(channel="C_VPNOPS")
    vias = [m.via for m in msgs]
    # 5 uses: one removes the "working on it" ack, four carry answers; the rest via the Web API.
    assert vias == ["response_url"] * 4 + ["chat.postMessage"] * 2
    assert all(m.ephemeral_to is None for m in msgs)
    assert [json.dumps(m.blocks).count("routes of nic") for m in msgs] == [1] * 6


def test_an_answer_with_a_thread_posts_its_first_message_then_the_details_under_it(
    slack: SlackEmulator, client: WebClient
) -> None:
    out = _command(slack, client)
    head = [Text("🔴 1 problem in Europe"), Text("🔴 *keys differ* — set the same key on both")]
    out.respond(Reply("🔴 1 problem in Europe", head, thread=[Text(("evidence " * 590 + "\n\n") * 10)]))
    top = [m for m in slack.messages(channel="C_VPNOPS") if not m.thread_ts]
    (first,) = top
    assert "1 problem in Europe" in json.dumps(first.blocks) and first.ephemeral_to is None
    thread = slack.thread(first.ref)
    assert len(thread) > 1 and all("evidence" in json.dumps(m.blocks) for m in thread)
    assert [e.kind for e in slack.events][:3] == ["post", "delete", "post"]  # the ack goes first


def test_where_the_bot_may_not_post_a_threaded_answer_goes_through_the_response_url_in_order(
    slack: SlackEmulator, client: WebClient
) -> None:
    slack.private_without_bot.add("C_VPNOPS")
    out = _command(slack, client)
    out.respond(Reply("status", [Text("first")], thread=[Text("second")]))
    msgs = [m for m in slack.messages(channel="C_VPNOPS") if m.via == "response_url"]
    assert [_texts(m.blocks) for m in msgs] == [["first"], ["second"]]


def test_an_expired_response_url_falls_back_to_the_web_api(slack: SlackEmulator, client: WebClient) -> None:
    url = slack.new_response_url("C_VPNOPS", "U_ALICE")
    out = SlackMessenger(client, response_url=url, channel="C_VPNOPS", user="U_ALICE", created_at=time.time() - 31 * 60)
    out.respond(Reply("private", [Text("only for alice")], visibility="ephemeral"))
    (m,) = slack.messages(channel="C_VPNOPS")
    assert m.via == "chat.postEphemeral" and m.ephemeral_to == "U_ALICE"
    assert not any(c.method == "response_url" for c in slack.calls)


def test_a_button_answer_never_replaces_the_message_with_the_button(slack: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C_VPNOPS", text="request #1", blocks=[_section("plan")])
    url = slack.new_response_url("C_VPNOPS", "U_ALICE", original_ts=posted["ts"])
    out = SlackMessenger(client, response_url=url, channel="C_VPNOPS", user="U_ALICE", replace_ack=False)
    out.respond(Reply("refused", [Text("you cannot approve your own request")], visibility="ephemeral"))
    original = slack.message(f"C_VPNOPS:{posted['ts']}")
    assert original is not None and original.blocks == [_section("plan")]
    mine = [m for m in slack.messages(channel="C_VPNOPS") if m.ephemeral_to == "U_ALICE"]
    assert len(mine) == 1 and "cannot approve" in json.dumps(mine[0].blocks)


def test_post_returns_a_ref_that_threads_and_updates_use(slack: SlackEmulator, client: WebClient) -> None:
    out = SlackMessenger(client, channel="C_VPNOPS", user="U_ALICE")
    ref = out.post(
        "C_VPNOPS",
        Reply("request #1", [Text("plan"), Actions((Button("Approve", "approval_approve", "1", "primary"),))]),
    )
    channel, _, ts = ref.partition(":")
    assert channel == "C_VPNOPS" and ts
    reply_ref = out.post("C_VPNOPS", Reply("applied", [Text("applied")]), thread=ref)
    out.update(ref, Reply("request #1 approved", [Text("approved by bob")]))
    assert [m.ref for m in slack.thread(ref)] == [reply_ref]
    updated = slack.message(ref)
    assert updated is not None and "approved by bob" in json.dumps(updated.blocks) and updated.edits == 1
    assert updated.buttons() == []


def test_a_table_too_big_for_three_messages_goes_as_a_file_in_the_thread(
    slack: SlackEmulator, client: WebClient
) -> None:
    rows = tuple((f"10.{i // 256}.{i % 256}.0/24", "VirtualNetworkGateway", f"10.0.0.{i % 250}") for i in range(900))
    reply = Reply("routes", [Table(("prefix", "next hop type", "next hop"), rows, filename="routes.txt")])
    out = SlackMessenger(client, channel="C_VPNOPS", user="U_ALICE")
    ref = out.post("C_VPNOPS", reply)
    (f,) = slack.files()
    assert f["filename"] == "routes.txt"
    assert all(row[0] in f["content"] for row in rows)
    (share,) = [m for m in slack.thread(ref) if m.files]
    assert share.files[0]["name"] == "routes.txt"


def test_user_groups_members_by_handle_or_id(slack: SlackEmulator, client: WebClient) -> None:
    out = SlackMessenger(client)
    gid = next(iter(slack.usergroups))
    assert out.user_groups_members("netops") == {"U_BOB", "U_CAROL"}
    assert out.user_groups_members("@netops") == {"U_BOB", "U_CAROL"}
    assert out.user_groups_members(gid) == {"U_BOB", "U_CAROL"}
    assert out.user_groups_members("nobody-group") == set()
    assert out.user_groups_members("") == set()


def _texts(blocks: list[dict[str, object]]) -> list[str]:
    return [str(b["text"]["text"]) for b in blocks if b.get("type") == "section"]  # type: ignore[index]


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# --- Slack's response_url limits, enforced by Slack (the emulator), not only counted here ---------
# "You can use a response_url up to 5 times within 30 minutes" (api.slack.com/interactivity/
# handling#message_responses); past either, Slack answers 404 used_url / expired_url.


class WallClock:
    """Slack's clock, moved by hand (the response_url's 30 minutes run on Slack's side)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _delivered(slack: SlackEmulator) -> list[str]:
    return [m.text for m in slack.messages(channel="C_VPNOPS") if m.via != "ack"]


def test_a_url_slack_has_already_used_five_times_falls_back_and_loses_nothing(client: WebClient) -> None:
    with SlackEmulator(token=TOKEN) as slack:
        web = WebClient(token=TOKEN, base_url=slack.api_url)
        url = slack.new_response_url("C_VPNOPS", "U_ALICE")
        first = SlackMessenger(web, response_url=url, channel="C_VPNOPS", user="U_ALICE", replace_ack=False)
        for i in range(4):
            first.respond(Reply(f"part {i}", [Text(f"part {i}")]))
        # A second messenger for the same interaction (the job retried after a crash) counts
        # from zero; Slack does not: its 5th use is the last.
        again = SlackMessenger(web, response_url=url, channel="C_VPNOPS", user="U_ALICE", replace_ack=False)
        for i in range(4, 8):
            again.respond(Reply(f"part {i}", [Text(f"part {i}")]))
        texts = _delivered(slack)
        assert sorted(texts) == [f"part {i}" for i in range(8)]  # each once, none lost
        vias = [m.via for m in slack.messages(channel="C_VPNOPS")]
        assert vias.count("response_url") == 5 and vias.count("chat.postMessage") == 3
        refused = [c for c in slack.calls if c.method == "response_url" and not c.ok]
        assert [c.error for c in refused] == ["used_url"]  # one refusal, then the Web API directly


def test_a_url_slack_says_has_expired_falls_back_though_the_job_thinks_it_fresh() -> None:
    clock = WallClock()
    with SlackEmulator(token=TOKEN, clock=clock) as slack:
        web = WebClient(token=TOKEN, base_url=slack.api_url)
        url = slack.new_response_url("C_VPNOPS", "U_ALICE")
        slack.deliver_ack(url, json.dumps({"text": "⏳ working on it", "response_type": "ephemeral"}))
        out = SlackMessenger(web, response_url=url, channel="C_VPNOPS", user="U_ALICE", created_at=time.time())
        clock.now += 30 * 60 + 1  # the job sat in the queue: Slack's 30 minutes are over
        out.respond(Reply("private", [Text("only for alice")], visibility="ephemeral"))
        out.respond(Reply("status", [Text("for the channel")]))
        mine = [m for m in slack.messages(channel="C_VPNOPS") if m.via != "ack"]
        assert [(m.via, m.ephemeral_to) for m in mine] == [
            ("chat.postEphemeral", "U_ALICE"),
            ("chat.postMessage", None),
        ]
        assert [c.error for c in slack.calls if c.method == "response_url" and not c.ok] == ["expired_url"]


def test_a_url_within_both_limits_carries_every_message_itself() -> None:
    clock = WallClock()
    with SlackEmulator(token=TOKEN, clock=clock) as slack:
        web = WebClient(token=TOKEN, base_url=slack.api_url)
        url = slack.new_response_url("C_VPNOPS", "U_ALICE")
        out = SlackMessenger(web, response_url=url, channel="C_VPNOPS", user="U_ALICE", replace_ack=False)
        for i in range(5):
            clock.now += 5 * 60  # 25 minutes in all: still inside Slack's 30
            out.respond(Reply(f"part {i}", [Text(f"part {i}")]))
        assert [m.via for m in slack.messages(channel="C_VPNOPS")] == ["response_url"] * 5
        assert not slack.calls_to("chat.postMessage")


# --- a live answer, revised in place (`Messenger.revise`, chat.update) ------------------------


def test_a_live_answer_is_revised_in_place_and_its_thread_comes_with_the_final_version(
    slack: SlackEmulator, client: WebClient
) -> None:
    """Slack's chat.update changes a message the bot posted, by channel and ts
    (api.slack.com/methods/chat.update): the live answer is posted with chat.postMessage,
    whose answer names it, so each version replaces the one before and the user keeps one message."""
    out = _command(slack, client)
    out.respond(Reply("so far", [Text("1 problem found so far")], live=True))
    out.revise(Reply("so far", [Text("2 problems found so far")]), final=False)
    out.revise(Reply("done", [Text("2 problems")], thread=[Text("every finding in full")]), final=True)
    (head,) = [m for m in slack.messages(channel="C_VPNOPS") if not m.thread_ts]
    assert "2 problems" in json.dumps(head.blocks) and "so far" not in json.dumps(head.blocks)
    assert [e.kind for e in slack.events if e.kind in ("post", "update")].count("update") == 2
    thread = slack.thread(f"C_VPNOPS:{head.ts}")
    assert any("every finding in full" in json.dumps(m.blocks) for m in thread)


def test_a_live_answer_that_could_not_be_posted_updatably_sends_only_the_final_version(
    slack: SlackEmulator, client: WebClient
) -> None:
    slack.private_without_bot.add("C_VPNOPS")  # the bot may answer there only by the response_url
    out = _command(slack, client)
    out.respond(Reply("so far", [Text("found so far")], live=True))
    out.revise(Reply("so far", [Text("still so far")]), final=False)
    out.revise(Reply("done", [Text("the complete answer")]), final=True)
    texts = [json.dumps(m.blocks) for m in slack.messages(channel="C_VPNOPS")]
    assert not any("still so far" in t for t in texts)
    assert any("the complete answer" in t for t in texts)


def test_a_thread_reference_becomes_a_link_to_the_thread_asked_once_per_thread(
    slack: SlackEmulator, client: WebClient
) -> None:
    """Two mentions of one request's thread cost one chat.getPermalink; the link's target is
    Slack's permalink of the card."""
    from commands.core.text import rich, thread

    card = client.chat_postMessage(channel="C_VPNOPS", text="request #4")
    ref = f"C_VPNOPS:{card['ts']}"
    m = SlackMessenger(client, channel="C_VPNOPS", user="U_ALICE", replace_ack=False)
    body = rich("changed (", thread(ref, "request #4"), ") and again (", thread(ref, "request #4"), ")")
    m.post("C_VPNOPS", Reply(fallback="changes").add(Text(body)))
    posted = json.dumps(slack.messages(channel="C_VPNOPS")[-1].blocks)
    url = f"https://sandbox.slack.com/archives/C_VPNOPS/p{card['ts'].replace('.', '')}"
    assert posted.count(f"<{url}|request #4> in <#C_VPNOPS>") == 2
    assert len(slack.calls_to("chat.getPermalink")) == 1


def test_a_thread_slack_has_no_permalink_for_keeps_its_words_and_no_link(
    slack: SlackEmulator, client: WebClient
) -> None:
    from commands.core.text import rich, thread

    m = SlackMessenger(client, channel="C_VPNOPS", user="U_ALICE", replace_ack=False)
    m.post("C_VPNOPS", Reply(fallback="changes").add(Text(rich("made by ", thread("C_VPNOPS:1.000002", "request #9")))))
    posted = json.dumps(slack.messages(channel="C_VPNOPS")[-1].blocks)
    assert "made by request #9 in <#C_VPNOPS>" in posted and "archives" not in posted
    assert [c.error for c in slack.calls_to("chat.getPermalink")] == ["message_not_found"]
