"""Slack's published payloads (../shared/fixtures/real/slack) through the real Bolt app."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from slack_bolt.middleware.request_verification import RequestVerification
from slack_sdk.signature import SignatureVerifier

from bot.runtime.jobs import Job, ThreadPoolDispatcher
from bot.settings import Settings
from bot.slack.adapter import handle_http
from bot.slack.app import create_app
from commands.catalog import REGISTRY
from sandbox.slack_emulator import SlackEmulator
from tests.shared_fixtures import real_json


class FixedClock:
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def _app_with_clock(secret: str, now: float | None, jobs: list[Job], **settings: Any) -> Any:
    """The real app; when `now` is given, its signature check runs at that instant (the
    published signed sample is from 2018 and Slack's window is five minutes)."""
    # `jobs` collects what the app queued: `submit` runs inside the listener, before the ack, so
    # the list is complete when the response is; the pool runs nothing of it.
    dispatcher = ThreadPoolDispatcher(lambda job: None)
    dispatcher.submitted = jobs
    app = create_app(Settings(signing_secret=secret, **settings), dispatcher)
    if now is not None:
        (mw,) = [m for m in app._middleware_list if isinstance(m, RequestVerification)]
        mw._verifier = SignatureVerifier(secret, clock=FixedClock(now))
    return app


def test_the_published_signed_slash_command_passes_verification_at_its_own_time() -> None:
    sample = real_json("slack/python-slack-sdk.test_signature_verifier.slash_command_signed.json")
    jobs: list[Job] = []
    ts = int(sample["headers"]["X-Slack-Request-Timestamp"])
    body = sample["raw_body"].encode()
    headers = {"Content-Type": sample["content_type"], **sample["headers"]}

    app = _app_with_clock(sample["signing_secret"], ts + 10, jobs)
    status, _, _ = handle_http(app, body, headers)
    # Verified, then Bolt finds no listener for /webhook-collect: 404, not 401.
    assert status == 404

    status, _, _ = handle_http(_app_with_clock(sample["signing_secret"], ts + 6 * 60, jobs), body, headers)
    assert status == 401  # outside Slack's five-minute window
    status, _, _ = handle_http(_app_with_clock("another-secret-000000000000000", ts + 10, jobs), body, headers)
    assert status == 401
    assert jobs == []


def test_the_published_slash_command_shape_reaches_the_vpn_listener() -> None:
    sample = real_json("slack/bolt-python.test_slash_command.slash_command.json")
    raw = sample["raw_body"].replace("command=%2Fhello-world", "command=%2Fvpn").replace("text=Hi", "text=help")
    slack = SlackEmulator(signing_secret="published-shape-secret-0123456789")
    jobs: list[Job] = []
    app = _app_with_clock(slack.signing_secret, None, jobs)
    body = raw.encode()
    status, headers, out = handle_http(app, body, {"Content-Type": sample["content_type"], **slack.sign(body)})
    assert status == 200 and headers["content-type"].startswith("application/json")
    ack = json.loads(out)
    assert ack["response_type"] == "ephemeral" and "/vpn help [command]" in json.dumps(ack["blocks"])


def test_a_published_slash_command_for_a_real_subcommand_becomes_a_job() -> None:
    sample = real_json("slack/bolt-python.test_slash_command.slash_command.json")
    name = next(c.name for c in REGISTRY.commands if c.name != "help")
    raw = sample["raw_body"].replace("command=%2Fhello-world", "command=%2Fvpn").replace("text=Hi", f"text={name}+x")
    slack = SlackEmulator(signing_secret="published-shape-secret-0123456789")
    jobs: list[Job] = []
    body = raw.encode()
    status, _, out = handle_http(_app_with_clock(slack.signing_secret, None, jobs), body, slack.sign(body))
    assert status == 200 and "Working on" in json.loads(out)["text"]
    (job,) = jobs
    assert (job.kind, job.name, job.text) == ("command", name, "x")
    assert (job.user, job.user_name, job.team, job.channel) == ("W111", "primary-owner", "T111", "C111")
    assert job.response_url == "https://hooks.slack.com/commands/T111/111/xxxxx"
    assert "hooks.slack.com" not in repr(job)


PUBLISHED_CLICKS = [
    # fixture, the clicker's team, the org, the message ts
    ("slack/bolt-python.test_block_actions.block_actions_button.json", "T111", "", "111.222"),
    ("slack/bolt-python.test_request.block_actions_org_wide.json", "T_expected", "E111", "1643113871.000700"),
]


@pytest.mark.parametrize("fixture, team, enterprise, ts", PUBLISHED_CLICKS)
def test_published_block_actions_click_the_registered_action(fixture: str, team: str, enterprise: str, ts: str) -> None:
    payload = real_json(fixture)
    slack = SlackEmulator(signing_secret="published-shape-secret-0123456789")
    jobs: list[Job] = []
    app = _app_with_clock(slack.signing_secret, None, jobs)
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **slack.sign(body)}
    status, _, _ = handle_http(app, body, headers)
    assert status == 200
    (job,) = jobs
    assert (job.kind, job.name, job.text, job.user) == ("action", "a", "click_me_123", "W111")
    assert (job.team, job.enterprise, job.app_id) == (team, enterprise, "A111")
    assert (job.channel, job.message_ref) == ("C111", f"C111:{ts}")
    assert job.response_url == payload["response_url"]


@pytest.mark.parametrize(
    "fixture, installation, accepted",
    [
        # A workspace install: the payload's team; an org-wide install: its enterprise.
        ("slack/bolt-python.test_block_actions.block_actions_button.json", "T111", True),
        ("slack/bolt-python.test_request.block_actions_org_wide.json", "E111", True),
        ("slack/bolt-python.test_block_actions.block_actions_button.json", "T999", False),
        ("slack/bolt-python.test_request.block_actions_org_wide.json", "E999", False),
    ],
)
def test_published_clicks_are_bound_to_the_app_installation(fixture: str, installation: str, accepted: bool) -> None:
    payload = real_json(fixture)
    slack = SlackEmulator(signing_secret="published-shape-secret-0123456789")
    for app_id in ("A111", "A999"):
        jobs: list[Job] = []
        app = _app_with_clock(slack.signing_secret, None, jobs, slack_app_id=app_id, slack_team_id=installation)
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        status, _, _ = handle_http(app, body, {"Content-Type": "application/x-www-form-urlencoded", **slack.sign(body)})
        assert status == 200  # acked either way: Slack shows no error for a refused click
        assert len(jobs) == (1 if accepted and app_id == "A111" else 0), (installation, app_id)


def test_a_published_block_actions_body_with_a_bad_signature_is_refused() -> None:
    payload = real_json("slack/bolt-python.test_block_actions.block_actions_button.json")
    slack = SlackEmulator(signing_secret="published-shape-secret-0123456789")
    jobs: list[Job] = []
    app = _app_with_clock(slack.signing_secret, None, jobs)
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **slack.sign(body)}
    headers["X-Slack-Signature"] = headers["X-Slack-Signature"][:-4] + "0000"
    status, _, _ = handle_http(app, body, headers)
    assert status == 401 and jobs == []
