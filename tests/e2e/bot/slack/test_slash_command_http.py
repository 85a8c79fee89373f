"""The whole Slack path over real HTTP: a signed request → the Bolt app on a socket →
ack → dispatcher → worker → Slack Web API / response_url → the Slack emulator."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from bot.runtime.jobs import ThreadPoolDispatcher
from bot.runtime.worker import Deps, run_job
from bot.settings import Settings
from bot.slack.adapter import SlackHttpServer
from bot.slack.app import create_app
from commands.catalog import REGISTRY
from commands.core import registry
from commands.core.errors import AzureFailure, UsageError
from commands.core.registry import Registry
from commands.core.reply import Actions, Button, Reply, Table, Text
from commands.core.text import rich, user
from sandbox.arm_emulator import ArmEmulator
from sandbox.slack_emulator import SlackEmulator

TOKEN = "xoxb-e2e-" + secrets.token_hex(8)


@dataclass
class Stack:
    slack: SlackEmulator
    dispatcher: ThreadPoolDispatcher
    url: str
    settings: Settings

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def command(self, text: str, user: str = "U_ALICE") -> tuple[int, bytes]:
        """Type `/vpn text` as `user`: Slack POSTs it, shows the ack, the job runs."""
        body, headers, response_url = self.slack.command_request(text, user)
        with self.dispatcher.hold():
            status, out = self.post(body, headers)
            if status == 200:
                self.slack.deliver_ack(response_url, out)
        assert self.dispatcher.wait_idle(30)
        return status, out

    def click(self, action_id: str, value: str, user: str) -> int:
        msg = self.slack.find_button(action_id, value, user=user)
        assert msg is not None, f"no button {action_id}={value}"
        body, headers = self.slack.click_request(msg, action_id, user)
        status, _ = self.post(body, headers)
        assert self.dispatcher.wait_idle(30)
        return status


def _make_stack(tmp_path: Path, arm_url: str = "", registry: Registry = REGISTRY) -> Iterator[Stack]:
    with SlackEmulator(token=TOKEN, signing_secret=secrets.token_hex(16)) as slack:
        settings = Settings(
            signing_secret=slack.signing_secret,
            bot_token=TOKEN,
            slack_api_url=slack.api_url,
            arm_url=arm_url,
            store_url=f"sqlite:{tmp_path / 'vpnops.sqlite'}",
            approvers=frozenset({"U_BOB"}),
        )
        deps = Deps.from_settings(settings, registry=registry)
        dispatcher = ThreadPoolDispatcher(lambda job: run_job(job, deps))
        app = create_app(settings, dispatcher, registry=registry)
        with SlackHttpServer(app) as server:
            yield Stack(slack, dispatcher, server.url, settings)
        dispatcher.shutdown()


@registry.command("e2eping", usage="e2eping", example="/vpn e2eping", hidden=True)
def ping(ctx: registry.Ctx, args: str) -> Reply:
    """Answer with a table for everyone."""
    ctx.out.progress("halfway")
    rows = tuple((f"row{i}", ctx.user) for i in range(3))
    return Reply("pong", [Text(f"pong {args}"), Table(("row", "asked by"), rows)])


@registry.command("e2ebad", usage="e2ebad", example="/vpn e2ebad", hidden=True)
def bad(ctx: registry.Ctx, args: str) -> Reply:
    """Refuse the input."""
    raise UsageError("That gateway name is not valid.", "Use a name from `/vpn status`.", "/vpn e2ebad vgw-eun")


@registry.command("e2eazure", usage="e2eazure", example="/vpn e2eazure", hidden=True)
def azure_down(ctx: registry.Ctx, args: str) -> Reply:
    """Fail like Azure does."""
    raise AzureFailure("forbidden", "no access", "AuthorizationFailed", "vgw-eun", 403)


@registry.command("e2ecrash", usage="e2ecrash", example="/vpn e2ecrash", hidden=True)
def crash(ctx: registry.Ctx, args: str) -> Reply:
    """Hit a bug."""
    raise KeyError("secret internals")


@registry.command("e2erequest", usage="e2erequest", example="/vpn e2erequest", hidden=True)
def request(ctx: registry.Ctx, args: str) -> None:
    """Post a message with buttons in the channel."""
    ctx.out.post(
        ctx.channel,
        Reply("request #7", [Text("plan"), Actions((Button("Approve", "e2e_approve", "7", "primary"),))]),
    )
    ctx.out.respond(Reply("filed", [Text("request #7 filed")], visibility="ephemeral"))


@registry.action("e2e_approve")
def approve(ctx: registry.Ctx, value: str, ref: str) -> Reply:
    ctx.out.update(ref, Reply(f"request #{value} approved", [Text(rich("approved by ", user(ctx.user)))]))
    ctx.out.post(ctx.channel, Reply("applied", [Text(f"request #{value} applied")]), thread=ref)
    return Reply("ok", [Text(f"you approved #{value}")], visibility="ephemeral")


SEEN_LOGS: list[tuple[str, str]] = []


@registry.shortcut("e2e_check_log", "Check VPN client log")
def check(ctx: registry.Ctx, text: str) -> Reply:
    SEEN_LOGS.append((ctx.user, text))
    return Reply("checked", [Text("log checked")], visibility="ephemeral")


# The catalog plus commands, a button and a shortcut of these tests' own (hidden from the help).
TEST_REGISTRY = REGISTRY.with_(commands=(ping, bad, azure_down, crash, request), actions=(approve,), shortcuts=(check,))


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    yield from _make_stack(tmp_path, registry=TEST_REGISTRY)


def _visible_text(slack: SlackEmulator) -> str:
    return json.dumps([m.blocks or m.text for m in slack.messages()])


def test_a_signed_slash_command_is_acked_then_answered_in_the_channel(stack: Stack) -> None:
    status, ack = stack.command("e2eping hello")
    assert status == 200
    ack_body = json.loads(ack)
    assert ack_body["response_type"] == "ephemeral" and "Working on" in ack_body["text"]

    (answer,) = stack.slack.messages(channel="C_VPNOPS")
    assert answer.via == "response_url" and answer.ephemeral_to is None
    blob = json.dumps(answer.blocks)
    assert "pong hello" in blob and "row2" in blob and "U_ALICE" in blob
    # The "working on it" ack showed progress, then made way for the answer.
    kinds = [(e.kind, e.message.via) for e in stack.slack.events]
    assert kinds == [("post", "ack"), ("update", "ack"), ("delete", "ack"), ("post", "response_url")]
    assert stack.slack.events[1].message.text == "⏳ halfway"


def test_a_forged_signature_is_refused_and_nothing_runs(stack: Stack) -> None:
    body, headers, _ = stack.slack.command_request("e2eping", "U_ALICE")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    status, _ = stack.post(body, headers)
    assert status == 401
    assert stack.dispatcher.submitted == [] and stack.slack.messages() == []


def test_a_body_changed_after_signing_is_refused(stack: Stack) -> None:
    body, headers, _ = stack.slack.command_request("e2eping", "U_ALICE")
    status, _ = stack.post(body.replace(b"U_ALICE", b"U_BOB__"), headers)
    assert status == 401 and stack.dispatcher.submitted == []


def test_a_stale_timestamp_is_refused_even_with_a_valid_signature(stack: Stack) -> None:
    body, _, _ = stack.slack.command_request("e2eping", "U_ALICE")
    headers = {"Content-Type": "application/x-www-form-urlencoded", **stack.slack.sign(body, int(time.time()) - 6 * 60)}
    status, _ = stack.post(body, headers)
    assert status == 401 and stack.dispatcher.submitted == []


def test_an_unknown_subcommand_is_answered_in_the_ack_with_a_suggestion(stack: Stack) -> None:
    status, ack = stack.command("e2epign")
    assert status == 200 and json.loads(ack)["response_type"] == "ephemeral"
    assert stack.dispatcher.submitted == []
    (m,) = stack.slack.messages()
    assert m.via == "ack" and m.ephemeral_to == "U_ALICE"
    assert "Unknown command `e2epign`." in m.text


def test_help_is_answered_in_the_ack_without_a_job(stack: Stack) -> None:
    status, ack = stack.command("")
    assert status == 200 and stack.dispatcher.submitted == []
    assert "/vpn help [command]" in json.dumps(json.loads(ack)["blocks"])


def test_a_usage_error_replaces_the_ack_with_what_to_type(stack: Stack) -> None:
    stack.command("e2ebad x")
    (m,) = stack.slack.messages()
    text = json.dumps(m.blocks)
    assert m.via == "ack" and m.ephemeral_to == "U_ALICE"
    assert "That gateway name is not valid." in text and "/vpn e2ebad vgw-eun" in text


def test_an_azure_failure_answers_with_advice(stack: Stack) -> None:
    stack.command("e2eazure")
    text = _visible_text(stack.slack)
    assert "Azure refused the bot access" in text and "AuthorizationFailed" in text
    assert "Grant it the vpnops role" in text


def test_a_bug_answers_with_an_error_id_and_logs_the_traceback_not_to_slack(stack: Stack) -> None:
    with capture_logs() as logs:
        stack.command("e2ecrash")
    (job,) = stack.dispatcher.submitted
    text = _visible_text(stack.slack)
    assert f"internal error (id `{job.id}`)" in text and "nothing was changed" in text
    assert "secret internals" not in text and "Traceback" not in text
    (failed,) = [e for e in logs if e["event"] == "job_failed"]
    assert failed["error_id"] == job.id and failed["error"] == "KeyError" and failed.get("exc_info")


def test_a_button_click_runs_its_action_with_the_value_and_the_message(stack: Stack) -> None:
    stack.command("e2erequest")
    (request,) = [m for m in stack.slack.messages() if m.buttons()]
    assert stack.click("e2e_approve", "7", user="U_BOB") == 200

    updated = stack.slack.message(request.ref)
    assert updated is not None and "approved by <@U_BOB>" in json.dumps(updated.blocks)
    (applied,) = stack.slack.thread(request.ref)
    assert "request #7 applied" in json.dumps(applied.blocks)
    mine = [m for m in stack.slack.messages() if m.ephemeral_to == "U_BOB"]
    assert len(mine) == 1 and "you approved #7" in json.dumps(mine[0].blocks)


def test_a_click_on_a_button_no_longer_handled_gets_an_answer(stack: Stack) -> None:
    from slack_sdk.web import WebClient

    blocks = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "retired_button",
                    "value": "1",
                    "text": {"type": "plain_text", "text": "Old"},
                }
            ],
        }
    ]
    WebClient(token=TOKEN, base_url=stack.slack.api_url).chat_postMessage(channel="C_VPNOPS", text="old", blocks=blocks)
    assert stack.click("retired_button", "1", user="U_ALICE") == 200
    assert "no longer handled" in _visible_text(stack.slack)


def test_a_message_shortcut_runs_as_a_job(stack: Stack) -> None:
    SEEN_LOGS.clear()
    pasted = stack.slack.post_user_message("C_VPNOPS", "U_CAROL", "Assigned Route: 10.1.0.0 / 255.255.0.0")
    body, headers = stack.slack.shortcut_request(pasted, "e2e_check_log", "U_CAROL")
    status, _ = stack.post(body, headers)
    assert status == 200 and stack.dispatcher.wait_idle(30)
    assert SEEN_LOGS == [("U_CAROL", "Assigned Route: 10.1.0.0 / 255.255.0.0")]
    assert "log checked" in _visible_text(stack.slack)


def test_status_runs_against_the_arm_emulator_end_to_end(tmp_path: Path, arm_emulator: ArmEmulator) -> None:
    if REGISTRY.command("status") is None:
        pytest.skip("commands.status is not written yet")
    for stack in _make_stack(tmp_path, arm_url=arm_emulator.base_url):
        status, _ = stack.command("status australia")
        assert status == 200
        # The first message (the headline) in the channel, the gateways in its thread.
        (answer,) = [m for m in stack.slack.messages() if not m.thread_ts and not m.ephemeral_to]
        assert "Australia" in json.dumps(answer.blocks)
        assert any("vgw-aue" in json.dumps(m.blocks) for m in stack.slack.thread(answer.ref))
        assert any(r.method == "GET" and "virtualNetworkGateways" in r.path for r in arm_emulator.requests)
