"""Azure Monitor's common alert schema → the typed Alert: every published sample, the
quirks Azure sends, and a clear reason for every body that is not an alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.monitor.schema import AlertSchemaError, parse_alert, parse_body
from bot.slack.mrkdwn import mrkdwn
from bot.slack.render import render
from bot.slack.text import to_text
from commands.alerts.card import alert_card, message_reply, message_state
from tests.shared_fixtures import needs_shared, real_files
from tests.unit.commands.alerts.support import GOOD, doc_with, sample

SAMPLES = real_files("alerts")


@needs_shared
@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_published_sample_parses_and_renders_within_slack_limits(path: Path) -> None:
    alert = parse_body(path.read_bytes())
    reply = message_reply(message_state(alert_card(alert)))
    rendered = render(reply)  # slack_sdk validates every block against Slack's limits
    assert len(rendered.messages) == 1
    text = to_text(reply)
    assert alert.rule in text
    assert alert.severity in text
    assert "portal.azure.com" in text  # the link to the alert
    assert "UTC" in text  # the start time, with its zone


def test_published_samples_are_all_there() -> None:
    if not SAMPLES:
        pytest.skip("../shared/fixtures/real is absent")
    assert len(SAMPLES) == 7


@needs_shared
def test_service_health_impacted_services_may_also_come_as_a_json_string() -> None:
    doc = sample("alerts-payload-samples.test-action-service-health")
    props = doc["data"]["alertContext"]["properties"]
    props["impactedServices"] = json.dumps(props["impactedServices"])
    sh = parse_alert(doc).service_health
    assert sh is not None and sh.services == ("AzureServiceName",) and sh.regions == ("Global",)


@needs_shared
def test_a_resolved_alert_has_the_fired_key_of_its_fired_alert() -> None:
    resolved = parse_alert(sample("alerts-common-schema.sample-alert-payload"))
    doc = sample("alerts-common-schema.sample-alert-payload")
    doc["data"]["essentials"]["monitorCondition"] = "Fired"
    del doc["data"]["essentials"]["resolvedDateTime"]
    fired = parse_alert(doc)
    assert fired.fired_key == resolved.fired_key
    assert fired.delivery_key != resolved.delivery_key


@needs_shared
def test_unknown_fields_are_ignored() -> None:
    doc = sample("alerts-payload-samples.test-action-metric-static-threshold")
    doc["data"]["essentials"]["somethingNew"] = {"nested": [1, 2]}
    doc["data"]["alertContext"]["condition"]["allOf"][0]["newField"] = None
    doc["extra"] = True
    assert parse_alert(doc).rule == "test-metricAlertRule"


# --- what is refused, and why ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "The body is empty"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"[1, 2]", "got a JSON array"),
        (b'{"data": {}}', "no `schemaId`"),
        (b'{"schemaId": "AzureMonitorMetricAlert", "data": {}}', '`schemaId` "AzureMonitorMetricAlert"'),
        (b'{"data": {"context": {}}}', "older (non-common) alert schema"),
        (b'{"schemaId": "azureMonitorCommonAlertSchema"}', "`data` must be an object"),
        (b'{"schemaId": "azureMonitorCommonAlertSchema", "data": {}}', "`data.essentials` is missing"),
    ],
)
def test_bodies_that_are_not_the_common_schema_get_a_clear_reason(body: bytes, reason: str) -> None:
    with pytest.raises(AlertSchemaError) as err:
        parse_body(body)
    assert reason in err.value.reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"alertId": None}, "`data.essentials.alertId` is missing"),
        ({"alertRule": 42}, "`data.essentials.alertRule` must be a string, got a JSON number"),
        ({"severity": "High"}, "must be Sev0 … Sev4"),
        ({"monitorCondition": "Maybe"}, "must be Fired or Resolved"),
        ({"firedDateTime": None}, "`data.essentials.firedDateTime` is missing"),
        ({"firedDateTime": "yesterday"}, "not an ISO 8601 time"),
        ({"resolvedDateTime": "soon"}, "`data.essentials.resolvedDateTime` is not an ISO 8601 time"),
    ],
)
def test_missing_or_wrong_essentials_are_named(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(AlertSchemaError) as err:
        parse_alert(doc_with(**change))
    assert reason in err.value.reason


def test_azure_times_with_seven_fractional_digits_are_read() -> None:
    assert parse_alert(GOOD).fired_at == datetime(2025, 4, 15, 18, 17, 12, 851324, tzinfo=UTC)


@pytest.mark.parametrize("value", ["NaN", "Infinity", '"1e999"', '"abc"', "[1]", "true"])
def test_odd_metric_values_read_as_unknown(value: str) -> None:
    body = json.dumps(GOOD).replace(
        '"alertContext": null', '"alertContext": {"condition": {"allOf": [{"metricName": "m", "metricValue": VALUE}]}}'
    )
    alert = parse_body(body.replace("VALUE", value).encode())
    assert alert.criteria[0].value is None
    assert "was *?*" in mrkdwn(alert_card(alert).summary)
