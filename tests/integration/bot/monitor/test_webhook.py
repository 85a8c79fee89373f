"""`POST /api/alerts` as the Functions host runs it: the registered function called with a
real `func.HttpRequest`, posting through the real Slack Web API client to the Slack API
emulator, state in a real SQLite store. Every published Azure Monitor sample goes through."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from bot.runtime.host import runtime
from commands.alerts.state import NS_MUTE
from sandbox.slack_blocks import validate_blocks
from sandbox.slack_emulator import SlackEmulator
from tests.integration.functions_host import Invocation, registered
from tests.shared_fixtures import needs_shared, real_files, real_json

TOKEN = "alert-token-for-tests-0123456789abcdef"
CHANNEL = "C_ALERTS"
SAMPLES = real_files("alerts")


@dataclass
class Endpoint:
    slack: SlackEmulator
    store_url: str

    def post(
        self, body: bytes | dict[str, Any], token: str | None = TOKEN, **params: str
    ) -> tuple[int, dict[str, Any]]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        query = dict(params)
        if token is not None:
            query["token"] = token
        req = func.HttpRequest(
            "POST",
            "/api/alerts",
            headers={"Content-Type": "application/json"},
            params=query,
            body=raw,
        )
        resp = registered()["alerts"].get_user_function()(req, Invocation("inv-alerts"))
        return resp.status_code, json.loads(resp.get_body())

    def channel(self) -> list[Any]:
        return [m for m in self.slack.messages(CHANNEL) if not m.thread_ts]


def configure(monkeypatch: pytest.MonkeyPatch, slack: SlackEmulator, store_url: str, **extra: str) -> None:
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.api_url,
        "VPNOPS_ALERT_TOKEN": TOKEN,
        "VPNOPS_ALERT_CHANNEL": CHANNEL,
        "VPNOPS_STORE": store_url,
        **extra,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    runtime.reset()


@pytest.fixture
def endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoint]:
    with SlackEmulator(token="xoxb-alerts-test-token") as slack:
        url = f"sqlite:{tmp_path / 'state.sqlite'}"
        configure(monkeypatch, slack, url)
        try:
            yield Endpoint(slack, url)
        finally:
            runtime.reset()


def static() -> dict[str, Any]:
    return real_json("alerts/alerts-payload-samples.test-action-metric-static-threshold.json")  # type: ignore[no-any-return]


def test_the_alerts_route_requires_the_function_key() -> None:
    fn = registered()["alerts"]
    binding = fn.get_bindings()[0].get_dict_repr()
    assert binding["route"] == "alerts" and [str(getattr(m, "value", m)) for m in binding["methods"]] == ["POST"]
    assert binding["authLevel"].value == "function"


@needs_shared
@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_published_sample_posts_one_valid_message(endpoint: Endpoint, path: Path) -> None:
    status, body = endpoint.post(path.read_bytes())
    assert (status, body["ok"], body["outcome"]) == (200, True, "posted")
    [msg] = endpoint.slack.messages(CHANNEL)
    assert msg.ref == body["message"]
    assert validate_blocks(msg.blocks) == []
    doc = json.loads(path.read_text())
    assert doc["data"]["essentials"]["alertRule"] in msg.text


@needs_shared
def test_a_resolved_alert_answers_in_the_thread_of_its_fired_message(endpoint: Endpoint) -> None:
    doc = real_json("alerts/alerts-common-schema.sample-alert-payload.json")
    fired = json.loads(json.dumps(doc))
    fired["data"]["essentials"]["monitorCondition"] = "Fired"
    del fired["data"]["essentials"]["resolvedDateTime"]
    status, first = endpoint.post(fired)
    assert status == 200 and first["outcome"] == "posted"
    status, second = endpoint.post(doc)
    assert (status, second["outcome"]) == (200, "resolved_in_thread")
    assert len(endpoint.channel()) == 1  # nothing new in the channel itself
    [reply] = endpoint.slack.thread(first["message"])
    assert "Resolved" in reply.text
    original = endpoint.slack.message(first["message"])
    assert original is not None and original.edits == 1
    assert "Resolved 2019-03-22 14:03 UTC after 4 min" in json.dumps(original.blocks)


@needs_shared
def test_a_retried_delivery_is_posted_once(endpoint: Endpoint) -> None:
    assert endpoint.post(static())[1]["outcome"] == "posted"
    assert endpoint.post(static()) == (200, {"ok": True, "outcome": "duplicate"})
    assert len(endpoint.slack.messages(CHANNEL)) == 1


@needs_shared
@pytest.mark.parametrize(
    ("token", "status"),
    [(None, 401), ("", 401), ("wrong", 401), (TOKEN[:-1], 401), (TOKEN + "x", 401)],
)
def test_a_missing_or_wrong_token_is_refused_and_nothing_posted(
    endpoint: Endpoint, token: str | None, status: int
) -> None:
    code, body = endpoint.post(static(), token=token)
    assert (code, body["ok"], body["error"]) == (status, False, "unauthorized")
    assert "token" in body["reason"]
    assert endpoint.slack.calls == []


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"schemaId": "Microsoft.Insights/activityLogs", "data": {}}', "Not the common alert schema"),
        (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        (b'{"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {"alertRule": "x"}}}', "alertId"),
    ],
)
def test_a_body_that_is_not_the_common_schema_is_a_400_with_the_reason(
    endpoint: Endpoint, raw: bytes, words: str
) -> None:
    status, body = endpoint.post(raw)
    assert (status, body["error"]) == (400, "bad_request")
    assert words in body["reason"]
    assert endpoint.slack.calls == []


def test_a_huge_body_is_refused_with_413_before_parsing(endpoint: Endpoint) -> None:
    status, body = endpoint.post(b'{"schemaId": "' + b"x" * (300 * 1024) + b'"}')
    assert (status, body["error"]) == (413, "too_large")
    assert endpoint.slack.calls == []


@needs_shared
def test_without_a_configured_token_every_alert_is_refused(endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, endpoint.slack, endpoint.store_url, VPNOPS_ALERT_TOKEN="")
    status, body = endpoint.post(static(), token="")
    assert (status, body["error"]) == (500, "misconfigured")
    assert "VPNOPS_ALERT_TOKEN" in body["reason"]
    assert endpoint.slack.calls == []


@needs_shared
def test_when_slack_refuses_the_alert_is_retriable_and_posted_once_on_retry(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, endpoint.slack, endpoint.store_url, SLACK_BOT_TOKEN="xoxb-revoked")
    status, body = endpoint.post(static())
    assert (status, body["error"]) == (503, "slack_unavailable")  # Azure Monitor retries 503
    assert endpoint.slack.messages(CHANNEL) == []
    configure(monkeypatch, endpoint.slack, endpoint.store_url)
    status, body = endpoint.post(static())
    assert (status, body["outcome"]) == (200, "posted")
    assert len(endpoint.slack.messages(CHANNEL)) == 1


def test_an_alert_about_a_muted_resource_is_not_posted(endpoint: Endpoint) -> None:
    doc = {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": "/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a1",
                "alertRule": "tunnel-egress-only",
                "severity": "Sev2",
                "monitorCondition": "Fired",
                "firedDateTime": "2026-03-02T10:00:00Z",
                "alertTargetIDs": ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/cn-x"],
            }
        },
    }
    store = runtime.work().deps.store_port()
    store.put_state(
        NS_MUTE,
        "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/connections/cn-x",
        {"until": "2999-01-01T00:00:00+00:00", "by": "U_BOB"},
        "*",
    )
    status, body = endpoint.post(doc)
    assert (status, body["outcome"]) == (200, "muted")
    assert endpoint.slack.calls == []


def test_an_alert_on_a_connection_carries_the_status_button(endpoint: Endpoint) -> None:
    doc = {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": "/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a2",
                "alertRule": "tunnel-down",
                "severity": "Sev1",
                "monitorCondition": "Fired",
                "firedDateTime": "2026-03-02T10:00:00Z",
                "alertTargetIDs": ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/cn-y"],
                "futureField": {"ignored": True},
            },
            "alertContext": {"conditionType": "SingleResourceMultipleMetricCriteria", "condition": None},
        },
    }
    status, _ = endpoint.post(doc)
    assert status == 200
    [msg] = endpoint.slack.messages(CHANNEL)
    ids = {b["action_id"]: b["value"] for b in msg.buttons()}
    assert ids["alert_status"].endswith("/connections/cn-y")
    assert {"alert_ack", "alert_mute_1h", "alert_mute_24h"} <= set(ids)
