"""No forged request reaches a listener, through either real entry point.

tests/reliability/forge.py makes the forgeries (bad signatures, stale and future
timestamps correctly signed, malformed timestamps, genuine headers on altered bodies,
missing headers, wrong content types). Each test sends a genuine request too, so the
counting is shown to see an executed request when there is one. `bench/forgery.py` runs
the large campaign.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import azure.functions as func
import pytest
from azure.storage.queue import QueueClient

from bot.runtime.host import runtime
from sandbox.slack_emulator import SlackEmulator
from tests.azurite import Azurite, unique_name
from tests.reliability.forge import CATEGORIES, forgeries
from tests.reliability.harness import Rig

N = 350  # 50 of each category


@pytest.fixture(autouse=True)
def quiet_bolt() -> Iterator[None]:
    # Bolt logs each refused request at WARNING; hundreds of them are the point here.
    bolt = logging.getLogger("vpnops.bolt")
    level = bolt.level
    bolt.setLevel(logging.ERROR)
    yield
    bolt.setLevel(level)


def test_forged_requests_never_reach_a_listener_through_the_bolt_adapter() -> None:
    with Rig() as rig:
        genuine = rig.slash("status australia")
        assert genuine.status == 200 and len(genuine.jobs) == 1  # the counting sees a real one
        before = len(rig.dispatcher.submitted)
        calls = len(rig.slack.calls)
        statuses: Counter[tuple[str, int]] = Counter()
        for f in forgeries(rig.slack, N, seed=11):
            status, _, body = rig.console.post_http(f.body, f.headers)
            statuses[(f.category, status)] += 1
            assert status in (400, 401), f"{f.category} ({f.how}) got HTTP {status}: {body[:200]!r}"
            assert json.loads(body)["error"]  # a refusal, not an ack
        assert len(rig.dispatcher.submitted) == before, "a forged request reached the dispatcher"
        assert len(rig.slack.calls) == calls, "a forged request made the bot talk to Slack"
        assert {c for c, _ in statuses} == set(CATEGORIES)
        assert sum(statuses.values()) == N


def test_a_correctly_signed_request_older_or_newer_than_five_minutes_is_refused() -> None:
    with Rig() as rig:
        for skew in (-301, 301):
            body, headers, _ = rig.slack.command_request("status all", "U_ALICE")
            ts = str(int(headers["X-Slack-Request-Timestamp"]) + skew)
            headers = {**headers, **rig.slack.sign(body, int(ts))}
            status, _, _ = rig.console.post_http(body, headers)
            assert status == 401
        for skew in (-240, 240):  # inside the window: accepted (Slack's clocks drift)
            body, headers, _ = rig.slack.command_request("status all", "U_ALICE")
            headers = {**headers, **rig.slack.sign(body, int(headers["X-Slack-Request-Timestamp"]) + skew)}
            assert rig.console.post_http(body, headers)[0] == 200


def test_malformed_timestamps_and_bodies_are_refused_not_crashed_on() -> None:
    with Rig() as rig:
        body, headers, _ = rig.slack.command_request("status all", "U_ALICE")
        for ts in ("", "abc", "1.5", "1e9", "١٧٠٠٠٠٠٠٠٠", "-1"):
            signed = {**headers, "X-Slack-Request-Timestamp": ts}
            assert rig.console.post_http(body, signed)[0] == 401, ts
        bad_json = {**headers, "Content-Type": "application/json"}
        assert rig.console.post_http(b"{not json", bad_json)[0] == 400
        assert rig.console.post_http(body, bad_json)[0] == 400  # a form body labelled JSON
        assert rig.dispatcher.submitted == []


@pytest.mark.azurite
def test_forged_requests_never_reach_the_queue_through_the_functions_http_function(
    azurite: Azurite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.integration.functions_host import Invocation, registered  # get_functions() once per process

    queue = unique_name("forgery")
    with SlackEmulator(token="xoxb-forgery-test") as slack:
        env = {
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "VPNOPS_STORAGE_CONNECTION": azurite.connection_string,
            "VPNOPS_QUEUE": queue,
            "VPNOPS_JOBS": "queue",
            "VPNOPS_SECRET_KEY": "forgery-test-deployment-secret-0123456789abcdef",
            "VPNOPS_STORE": f"sqlite:{tmp_path / 'state.sqlite'}",
        }
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        runtime.reset()
        try:
            call = registered()["slack_events"].get_user_function()
            q = QueueClient.from_connection_string(azurite.connection_string, queue)

            def send(body: bytes, headers: dict[str, str]) -> int:
                req = func.HttpRequest("POST", "/api/slack/events", headers=headers, body=body)
                return int(call(req, Invocation("inv-forgery")).status_code)

            def queued() -> int:
                return int(q.get_queue_properties().approximate_message_count or 0)

            body, headers, _ = slack.command_request("status australia", "U_ALICE")
            assert send(body, headers) == 200 and queued() == 1  # the genuine one is enqueued
            logging.getLogger("vpnops.bolt").setLevel(logging.ERROR)
            for f in forgeries(slack, N, seed=12):
                status = send(f.body, f.headers)
                assert status in (400, 401), f"{f.category} ({f.how}) got HTTP {status}"
            assert queued() == 1, "a forged request reached the jobs queue"
            assert slack.calls == []
        finally:
            runtime.reset()
            QueueClient.from_connection_string(azurite.connection_string, queue).delete_queue()
