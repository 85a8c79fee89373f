"""The Slack emulator through the real slack_sdk clients over HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from sandbox.slack_emulator import SlackEmulator

TOKEN = "xoxb-test-emulator-token"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slack(clock: Clock) -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN, groups={"netops": ["U_BOB", "U_CAROL"]}, clock=clock) as emu:
        yield emu


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url)


def test_auth_test_answers_with_the_bot_identity(client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["ok"] and resp["user_id"] == "U_VPNOPS" and resp["team_id"] == "T_SANDBOX"


def test_a_wrong_token_is_refused_with_invalid_auth(slack: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-wrong", base_url=slack.api_url).chat_postMessage(channel="C1", text="hi")
    assert err.value.response["error"] == "invalid_auth"
    assert slack.messages() == []


def test_no_token_is_refused_with_not_authed(slack: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=slack.api_url).auth_test()
    assert err.value.response["error"] == "not_authed"


def test_post_thread_and_update_are_recorded_in_order(slack: SlackEmulator, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C_VPNOPS", text="request #1", blocks=[_section("plan")])
    reply = client.chat_postMessage(channel="C_VPNOPS", text="applied", thread_ts=first["ts"])
    client.chat_update(channel="C_VPNOPS", ts=first["ts"], text="approved", blocks=[_section("done")])

    top = slack.messages(channel="C_VPNOPS", thread_ts=None)
    assert [m.text for m in top] == ["approved", "applied"]
    assert slack.message(f"C_VPNOPS:{first['ts']}").blocks == [_section("done")]  # type: ignore[union-attr]
    assert [m.ts for m in slack.thread(f"C_VPNOPS:{first['ts']}")] == [reply["ts"]]
    assert [e.kind for e in slack.events] == ["post", "post", "update"]
    assert [c.method for c in slack.calls] == ["chat.postMessage", "chat.postMessage", "chat.update"]


def test_a_reply_to_a_reply_lands_in_the_parent_thread(slack: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="parent")
    child = client.chat_postMessage(channel="C1", text="child", thread_ts=parent["ts"])
    grandchild = client.chat_postMessage(channel="C1", text="grandchild", thread_ts=child["ts"])
    assert slack.message(f"C1:{grandchild['ts']}").thread_ts == parent["ts"]  # type: ignore[union-attr]


def test_updating_an_unknown_message_is_message_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C1", ts="1.000001", text="x")
    assert err.value.response["error"] == "message_not_found"


def test_ephemeral_messages_are_visible_only_to_their_user(slack: SlackEmulator, client: WebClient) -> None:
    client.chat_postEphemeral(channel="C1", user="U_ALICE", text="only you")
    assert slack.messages(channel="C1", include_ephemeral=False) == []
    (m,) = slack.messages(channel="C1")
    assert m.ephemeral_to == "U_ALICE"


@pytest.mark.parametrize(
    "blocks, problem",
    [
        ([{"type": "divider"}] * 51, "too many blocks"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "section text 3001"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "11 fields"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "header text"),
    ],
)
def test_blocks_over_slacks_limits_are_refused_with_invalid_blocks(
    client: WebClient, slack: SlackEmulator, blocks: list[dict[str, object]], problem: str
) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x", blocks=blocks)
    assert err.value.response["error"] == "invalid_blocks"
    assert any(problem in p for p in err.value.response["errors"])
    assert slack.messages() == []


def test_users_info_knows_the_sandbox_users(client: WebClient) -> None:
    assert client.users_info(user="U_BOB")["user"]["name"] == "bob"
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U_NOBODY")
    assert err.value.response["error"] == "user_not_found"


def test_usergroups_list_and_members(client: WebClient) -> None:
    groups = client.usergroups_list()["usergroups"]
    (netops,) = [g for g in groups if g["handle"] == "netops"]
    assert client.usergroups_users_list(usergroup=netops["id"])["users"] == ["U_BOB", "U_CAROL"]
    with pytest.raises(SlackApiError) as err:
        client.usergroups_users_list(usergroup="S_NOPE")
    assert err.value.response["error"] == "no_such_subteam"


def test_files_upload_v2_stores_the_content_and_shares_it_in_the_thread(
    slack: SlackEmulator, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C1", text="big table below")
    resp = client.files_upload_v2(
        channel="C1", content="a  b\n1  2\n", filename="routes.txt", title="Routes", thread_ts=parent["ts"]
    )
    assert resp["file"]["name"] == "routes.txt"
    (f,) = slack.files()
    assert f["content"] == "a  b\n1  2\n" and f["title"] == "Routes"
    (share,) = slack.thread(f"C1:{parent['ts']}")
    assert share.files[0]["name"] == "routes.txt"
    assert [e.kind for e in slack.events][-1] == "file"
    methods = [c.method for c in slack.calls]
    assert methods[-2:] == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_response_url_replaces_the_original_and_keeps_an_ephemeral_one_ephemeral(slack: SlackEmulator) -> None:
    url = slack.new_response_url("C1", "U_ALICE")
    ack = slack.deliver_ack(url, json.dumps({"text": "working on it", "response_type": "ephemeral"}))
    assert ack is not None and ack.ephemeral_to == "U_ALICE"

    resp = WebhookClient(url).send(text="answer", response_type="in_channel", replace_original=True)
    assert resp.status_code == 200
    (m,) = slack.messages(channel="C1")
    assert m.ts == ack.ts and m.text == "answer" and m.ephemeral_to == "U_ALICE"


def test_response_url_in_channel_posts_a_new_message_for_everyone(slack: SlackEmulator) -> None:
    url = slack.new_response_url("C1", "U_ALICE")
    WebhookClient(url).send(text="for all", response_type="in_channel")
    WebhookClient(url).send(text="for me")  # Slack's default response_type is ephemeral
    everyone, mine = slack.messages(channel="C1")
    assert everyone.ephemeral_to is None and mine.ephemeral_to == "U_ALICE"


def test_response_url_delete_original_removes_the_ack(slack: SlackEmulator) -> None:
    url = slack.new_response_url("C1", "U_ALICE")
    slack.deliver_ack(url, json.dumps({"text": "working on it"}))
    assert WebhookClient(url).send_dict({"delete_original": True}).status_code == 200
    assert slack.messages(channel="C1") == []
    assert [e.kind for e in slack.events] == ["post", "delete"]


def test_response_url_allows_five_uses_then_answers_used_url(slack: SlackEmulator) -> None:
    url = slack.new_response_url("C1", "U_ALICE")
    hook = WebhookClient(url)
    statuses = [hook.send(text=f"m{i}").status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    assert hook.send(text="again").body == "used_url"
    assert len(slack.messages(channel="C1")) == 5


def test_response_url_expires_after_thirty_minutes(slack: SlackEmulator, clock: Clock) -> None:
    url = slack.new_response_url("C1", "U_ALICE")
    clock.now += 30 * 60 + 1
    resp = WebhookClient(url).send(text="late")
    assert (resp.status_code, resp.body) == (404, "expired_url")
    assert slack.messages() == []


def test_an_empty_ack_shows_nothing(slack: SlackEmulator) -> None:
    url = slack.new_response_url("C1", "U_ALICE")
    assert slack.deliver_ack(url, b"") is None
    assert slack.messages() == []


def test_concurrent_posts_get_distinct_timestamps(slack: SlackEmulator, client: WebClient) -> None:
    def post(i: int) -> None:
        client.chat_postMessage(channel="C1", text=f"m{i}")

    threads = [threading.Thread(target=post, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    msgs = slack.messages(channel="C1")
    assert len(msgs) == 20 and len({m.ts for m in msgs}) == 20


def test_click_request_is_signed_and_shaped_like_slacks_block_actions(slack: SlackEmulator, client: WebClient) -> None:
    from urllib.parse import parse_qs

    from slack_sdk.signature import SignatureVerifier

    blocks = [
        {
            "type": "actions",
            "block_id": "req-1",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approval_approve",
                    "value": "1",
                    "text": {"type": "plain_text", "text": "Approve"},
                }
            ],
        }
    ]
    posted = client.chat_postMessage(channel="C_VPNOPS", text="request #1", blocks=blocks)
    msg = slack.find_button("approval_approve", "1")
    assert msg is not None and msg.ts == posted["ts"]
    body, headers = slack.click_request(msg, "approval_approve", "U_BOB")
    verifier = SignatureVerifier(slack.signing_secret, clock=_FixedClock(slack.clock()))
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U_BOB"
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C_VPNOPS",
        "is_ephemeral": False,
    }
    assert payload["actions"][0]["action_id"] == "approval_approve" and payload["actions"][0]["value"] == "1"
    assert payload["actions"][0]["block_id"] == "req-1"


def test_find_button_returns_none_when_no_message_has_it(slack: SlackEmulator) -> None:
    assert slack.find_button("approval_approve", "9") is None


class _FixedClock:
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_get_permalink_answers_in_slacks_documented_shapes(client: WebClient) -> None:
    """https://api.slack.com/methods/chat.getPermalink: `{"ok": true, "channel", "permalink"}`,
    `https://<team>.slack.com/archives/<channel>/p<ts without the dot>`; for a reply in a
    thread the same with `?thread_ts=<parent>&cid=<channel>`; `message_not_found` for a ts
    the channel does not hold, `channel_not_found` without a channel. ../shared/fixtures/real
    holds no published chat.getPermalink payload: these shapes are built from that page's
    example responses."""
    head = client.chat_postMessage(channel="C_OPS", text="request")
    reply = client.chat_postMessage(channel="C_OPS", text="approved", thread_ts=head["ts"])
    got = client.chat_getPermalink(channel="C_OPS", message_ts=head["ts"])
    assert got["channel"] == "C_OPS"
    assert got["permalink"] == f"https://sandbox.slack.com/archives/C_OPS/p{head['ts'].replace('.', '')}"
    threaded = client.chat_getPermalink(channel="C_OPS", message_ts=reply["ts"])["permalink"]
    assert threaded == (
        f"https://sandbox.slack.com/archives/C_OPS/p{reply['ts'].replace('.', '')}?thread_ts={head['ts']}&cid=C_OPS"
    )
    for args, error in [
        ({"channel": "C_OPS", "message_ts": "1.000001"}, "message_not_found"),
        ({"channel": "C_OTHER", "message_ts": head["ts"]}, "message_not_found"),
        ({"channel": "", "message_ts": head["ts"]}, "channel_not_found"),
    ]:
        with pytest.raises(SlackApiError) as err:
            client.chat_getPermalink(**args)
        assert err.value.response["error"] == error
    client.chat_delete(channel="C_OPS", ts=head["ts"])
    with pytest.raises(SlackApiError) as err:
        client.chat_getPermalink(channel="C_OPS", message_ts=head["ts"])
    assert err.value.response["error"] == "message_not_found"
