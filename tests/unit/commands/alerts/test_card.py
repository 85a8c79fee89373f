"""An alert message in words: what each kind of Azure Monitor alert says, its buttons, and
names from Azure that stay inert."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.monitor.schema import parse_alert
from bot.slack.mrkdwn import mrkdwn
from bot.slack.render import render
from bot.slack.text import to_text
from commands.alerts.card import AlertCard, alert_card, message_reply, message_state, resolved_reply
from commands.core.reply import Actions, Reply
from commands.core.text import rich
from tests.shared_fixtures import needs_shared
from tests.unit.commands.alerts.support import GOOD, doc_with, sample


def buttons(reply: Reply) -> dict[str, str]:
    return {b.action_id: b.value for p in reply.parts if isinstance(p, Actions) for b in p.buttons}


@needs_shared
def test_static_metric_alert_says_what_crossed_the_threshold() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-metric-static-threshold"))
    assert (alert.condition, alert.severity, alert.signal_type) == ("Fired", "Sev4", "Metric")
    c = alert.criteria[0]
    assert (c.metric, c.operator, c.threshold, c.value, c.dimensions) == (
        "Transactions",
        "GreaterThan",
        "0",
        100.0,
        (("ApiName", "GetBlob"),),
    )
    card = alert_card(alert)
    assert card.title.startswith("⚪ Fired: test-metricAlertRule")
    assert "Total `Transactions` (ApiName = GetBlob) was *100* — threshold &gt; 0, over 5 min." in mrkdwn(card.summary)
    assert card.status_target == ""  # a storage account: no /vpn status for it
    reply = message_reply(message_state(card))
    assert set(buttons(reply)) == {"alert_ack", "alert_mute_1h", "alert_mute_24h"}


@needs_shared
def test_dynamic_threshold_alert_names_sensitivity_and_failing_periods() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-metric-dynamic-threshold"))
    c = alert.criteria[0]
    assert (c.sensitivity, c.failing, c.value, c.dimensions) == ("Low", (3, 3), 78.09, ())
    summary = mrkdwn(alert_card(alert).summary)
    assert "was *78.09*" in summary
    assert "dynamic threshold &gt; 0.3 (Low sensitivity), in 3 of 3 periods, over 15 min" in summary


@needs_shared
def test_log_alert_v2_shows_the_query_count_and_links_the_results() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-log-alert-v2"))
    c = alert.criteria[0]
    assert c.is_query and c.metric == "Heartbeat" and c.value == 3.0
    card = alert_card(alert)
    assert "Count of results of the query `Heartbeat` (Computer = test-computer) was *3*" in mrkdwn(card.summary)
    labels = [label for label, _ in card.links]
    assert labels == ["Open the alert in the Azure portal", "Query results"]
    assert all("|" not in url and ">" not in url for _, url in card.links)


@needs_shared
def test_activity_log_alert_links_the_rule_because_its_alert_id_is_the_rule() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-activity-log"))
    assert alert.activity is not None
    assert alert.activity.operation == "Microsoft.Compute/virtualMachines/restart/action"
    card = alert_card(alert)
    assert "by user@contoso.com: *Succeeded*" in mrkdwn(card.summary)
    portal = dict((label, url) for label, url in card.links)["Open the alert in the Azure portal"]
    assert portal.startswith("https://portal.azure.com/#resource/subscriptions/")
    assert portal.endswith("/activityLogAlerts/Test_Alert/overview")


@needs_shared
def test_resource_health_alert_shows_the_health_change() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-resource-health"))
    assert alert.health is not None and (alert.health.previous, alert.health.current) == ("Available", "Unavailable")
    summary = mrkdwn(alert_card(alert).summary)
    assert "Available → *Unavailable* (Downtime, UserInitiated): Rebooted by user" in summary


@needs_shared
def test_service_health_alert_accepts_numeric_fields_and_an_impacted_services_array() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-service-health"))
    sh = alert.service_health
    assert sh is not None
    assert (sh.services, sh.regions, sh.tracking_id, sh.stage) == (
        ("AzureServiceName",),
        ("Global",),
        "TEST-TTT",
        "Resolved",
    )
    assert sh.communication == "ThisisatestfromServiceHealthAlert"  # HTML stripped
    assert alert.configuration_items == ()  # the key is absent in this sample
    card = alert_card(alert)
    assert card.title == "✅ Service health · Resolved: test-ServiceHealthAlertRule"
    assert card.severity == "ok"
    assert "subscription `aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e`" in mrkdwn(dict(card.fields)["Resource"])


@needs_shared
def test_resolved_sample_renders_as_resolved_with_the_value_now_and_no_ack_button() -> None:
    alert = parse_alert(sample("alerts-common-schema.sample-alert-payload"))
    assert alert.resolved and alert.resolved_at == datetime(2019, 3, 22, 14, 3, 16, 224631, tzinfo=UTC)
    card = alert_card(alert)
    assert card.title == "✅ Resolved: WCUS-R2-Gen2"
    assert "Average `Percentage CPU` (ResourceId = a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1) is now *7.727*" in mrkdwn(
        card.summary
    )
    reply = message_reply(message_state(card))
    assert "alert_ack" not in buttons(reply)
    thread = to_text(resolved_reply(alert))
    assert "Resolved after 4 min" in thread


def test_a_minimal_alert_on_a_connection_offers_the_status_button() -> None:
    card = alert_card(parse_alert(GOOD))
    assert card.title == "🔴 Fired: vpn-tunnel-down"
    assert card.severity == "critical"
    assert card.status_target.endswith("/connections/cn-a-to-b")
    reply = message_reply(message_state(card))
    assert list(buttons(reply)) == ["alert_status", "alert_ack", "alert_mute_1h", "alert_mute_24h"]


def test_hostile_names_stay_inert_in_the_message() -> None:
    doc = doc_with(alertRule="<!channel> *boom*", description="<@U123> `x`")
    doc["data"]["alertContext"] = {
        "condition": {
            "allOf": [{"metricName": "<!here>", "operator": "GreaterThan", "threshold": "1", "metricValue": 2}]
        }
    }
    for m in render(message_reply(message_state(alert_card(parse_alert(doc))))).messages:
        # Slack parses the notification text and mrkdwn objects; a header is plain text (inert).
        texts = [m.text] + [t for b in m.blocks for t in _mrkdwn(b)]
        assert texts and not any(x in t for t in texts for x in ("<!channel>", "<!here>", "<@U123>"))


def test_an_operator_azure_does_not_name_stays_inert() -> None:
    doc = doc_with()
    doc["data"]["alertContext"] = {
        "condition": {"allOf": [{"metricName": "m", "operator": "<!channel>", "threshold": "1", "metricValue": 2}]}
    }
    assert "<!channel>" not in mrkdwn(alert_card(parse_alert(doc)).summary)


def _mrkdwn(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
        return own + [t for v in node.values() for t in _mrkdwn(v)]
    if isinstance(node, list):
        return [t for v in node for t in _mrkdwn(v)]
    return []


def test_a_card_read_back_from_the_store_renders_the_same() -> None:
    card = alert_card(parse_alert(GOOD))
    again = AlertCard.from_json(card.to_json())
    assert again == card
    assert render(message_reply(message_state(again))) == render(message_reply(message_state(card)))


def test_a_card_stored_with_plain_strings_reads_them_as_words() -> None:
    data = alert_card(parse_alert(GOOD)).to_json()
    data.update(summary="<!channel> *x*", details=["a_b"], context="c", fields=[["Resource", "r"]])
    card = AlertCard.from_json(data)
    assert (card.summary, card.details, card.context, card.fields) == (
        rich("<!channel> *x*"),
        (rich("a_b"),),
        rich("c"),
        (("Resource", rich("r")),),
    )
