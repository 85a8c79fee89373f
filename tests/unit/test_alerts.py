"""Azure Monitor's common alert schema → typed Alert → the Slack message; the alert buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.slack.render import render
from bot.slack.text import to_text
from bot.store.sqlite import SqliteStore
from commands.alerts import (
    NS_MESSAGE,
    NS_MUTE,
    AlertSchemaError,
    alert_ack,
    alert_card,
    alert_mute_1h,
    alert_mute_24h,
    alert_status,
    alerts,
    iso_duration,
    message_reply,
    message_state,
    parse_alert,
    parse_body,
    portal_link,
    remember_message,
    resolved_reply,
)
from commands.catalog import REGISTRY
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Actions, Reply
from tests.fakes import FakeAzure, RecordingMessenger
from tests.shared_fixtures import needs_shared, real_files, real_json

NOW = datetime(2025, 4, 15, 18, 30, tzinfo=UTC)
SAMPLES = real_files("alerts")


def text_of(reply: Reply) -> str:
    return to_text(reply)


def buttons(reply: Reply) -> dict[str, str]:
    return {b.action_id: b.value for p in reply.parts if isinstance(p, Actions) for b in p.buttons}


def sample(name: str) -> dict[str, Any]:
    return real_json(f"alerts/{name}.json")  # type: ignore[no-any-return]


# --- every published sample ------------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_published_sample_parses_and_renders_within_slack_limits(path: Path) -> None:
    alert = parse_body(path.read_bytes())
    reply = message_reply(message_state(alert_card(alert)))
    rendered = render(reply)  # slack_sdk validates every block against Slack's limits
    assert len(rendered.messages) == 1
    text = text_of(reply)
    assert alert.rule in text
    assert alert.severity in text
    assert "portal.azure.com" in text  # the link to the alert
    assert "UTC" in text  # the start time, with its zone


def test_published_samples_are_all_there() -> None:
    if not SAMPLES:
        pytest.skip("../shared/fixtures/real is absent")
    assert len(SAMPLES) == 7


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
    assert "Total `Transactions` (ApiName = GetBlob) was *100* — threshold > 0, over 5 min." in card.summary
    assert card.status_target == ""  # a storage account: no /vpn status for it
    reply = message_reply(message_state(card))
    assert set(buttons(reply)) == {"alert_ack", "alert_mute_1h", "alert_mute_24h"}


@needs_shared
def test_dynamic_threshold_alert_names_sensitivity_and_failing_periods() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-metric-dynamic-threshold"))
    c = alert.criteria[0]
    assert (c.sensitivity, c.failing, c.value, c.dimensions) == ("Low", (3, 3), 78.09, ())
    summary = alert_card(alert).summary
    assert "was *78.09*" in summary
    assert "dynamic threshold > 0.3 (Low sensitivity), in 3 of 3 periods, over 15 min" in summary


@needs_shared
def test_log_alert_v2_shows_the_query_count_and_links_the_results() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-log-alert-v2"))
    c = alert.criteria[0]
    assert c.is_query and c.metric == "Heartbeat" and c.value == 3.0
    card = alert_card(alert)
    assert "Count of results of the query `Heartbeat` (Computer = test-computer) was *3*" in card.summary
    labels = [label for label, _ in card.links]
    assert labels == ["Open the alert in the Azure portal", "Query results"]
    assert all("|" not in url and ">" not in url for _, url in card.links)


@needs_shared
def test_activity_log_alert_links_the_rule_because_its_alert_id_is_the_rule() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-activity-log"))
    assert alert.activity is not None
    assert alert.activity.operation == "Microsoft.Compute/virtualMachines/restart/action"
    card = alert_card(alert)
    assert "by user@contoso.com: *Succeeded*" in card.summary
    portal = dict((label, url) for label, url in card.links)["Open the alert in the Azure portal"]
    assert portal.startswith("https://portal.azure.com/#resource/subscriptions/")
    assert portal.endswith("/activityLogAlerts/Test_Alert/overview")


@needs_shared
def test_resource_health_alert_shows_the_health_change() -> None:
    alert = parse_alert(sample("alerts-payload-samples.test-action-resource-health"))
    assert alert.health is not None and (alert.health.previous, alert.health.current) == ("Available", "Unavailable")
    summary = alert_card(alert).summary
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
    assert "subscription `aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e`" in dict(card.fields)["Resource"]


@needs_shared
def test_service_health_impacted_services_may_also_come_as_a_json_string() -> None:
    doc = sample("alerts-payload-samples.test-action-service-health")
    props = doc["data"]["alertContext"]["properties"]
    props["impactedServices"] = json.dumps(props["impactedServices"])
    sh = parse_alert(doc).service_health
    assert sh is not None and sh.services == ("AzureServiceName",) and sh.regions == ("Global",)


@needs_shared
def test_resolved_sample_renders_as_resolved_with_the_value_now_and_no_ack_button() -> None:
    alert = parse_alert(sample("alerts-common-schema.sample-alert-payload"))
    assert alert.resolved and alert.resolved_at == datetime(2019, 3, 22, 14, 3, 16, 224631, tzinfo=UTC)
    card = alert_card(alert)
    assert card.title == "✅ Resolved: WCUS-R2-Gen2"
    assert "Average `Percentage CPU` (ResourceId = a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1) is now *7.727*" in card.summary
    reply = message_reply(message_state(card))
    assert "alert_ack" not in buttons(reply)
    thread = text_of(resolved_reply(alert))
    assert "Resolved after 4 min" in thread


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

GOOD = {
    "schemaId": "azureMonitorCommonAlertSchema",
    "data": {
        "essentials": {
            "alertId": "/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a1",
            "alertRule": "vpn-tunnel-down",
            "severity": "Sev1",
            "monitorCondition": "Fired",
            "firedDateTime": "2025-04-15T18:17:12.8513245Z",
            "alertTargetIDs": ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/cn-a-to-b"],
        },
        "alertContext": None,
    },
}


def doc_with(**essentials: Any) -> dict[str, Any]:
    d = json.loads(json.dumps(GOOD))
    for k, v in essentials.items():
        if v is None:
            d["data"]["essentials"].pop(k, None)
        else:
            d["data"]["essentials"][k] = v
    return d


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


def test_a_minimal_alert_on_a_connection_offers_the_status_button() -> None:
    alert = parse_alert(GOOD)
    assert alert.fired_at == datetime(2025, 4, 15, 18, 17, 12, 851324, tzinfo=UTC)  # 7 digits read
    card = alert_card(alert)
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
        mrkdwn = [m.text] + [t for b in m.blocks for t in _mrkdwn(b)]
        assert mrkdwn and not any(x in t for t in mrkdwn for x in ("<!channel>", "<!here>", "<@U123>"))


def _mrkdwn(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
        return own + [t for v in node.values() for t in _mrkdwn(v)]
    if isinstance(node, list):
        return [t for v in node for t in _mrkdwn(v)]
    return []


@pytest.mark.parametrize("value", ["NaN", "Infinity", '"1e999"', '"abc"', "[1]", "true"])
def test_odd_metric_values_read_as_unknown(value: str) -> None:
    body = json.dumps(GOOD).replace(
        '"alertContext": null', '"alertContext": {"condition": {"allOf": [{"metricName": "m", "metricValue": VALUE}]}}'
    )
    alert = parse_body(body.replace("VALUE", value).encode())
    assert alert.criteria[0].value is None
    assert "was *?*" in alert_card(alert).summary


def test_words() -> None:
    assert [iso_duration(x) for x in ("PT5M", "PT1H", "P1D", "PT1H30M", "PT30S", "weird")] == [
        "5 min",
        "1 h",
        "1 d",
        "1 h 30 min",
        "30 s",
        "weird",
    ]
    link = portal_link("/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a|b>")
    assert "AlertDetailsTemplateBlade/alertId/%2Fsubscriptions%2Fs%2F" in link and "|" not in link and ">" not in link


# --- the buttons ------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.t = NOW

    def __call__(self) -> datetime:
        return self.t


def make_ctx(store: SqliteStore, user: str = "U_ALICE", clock: Clock | None = None) -> tuple[Ctx, RecordingMessenger]:
    out = RecordingMessenger()
    ctx = Ctx(
        FakeAzure(),
        out,
        user=user,
        channel="C_ALERTS",
        settings=DomainSettings(alert_channel="C_ALERTS", progress_every_s=0),
        store=store,
        now=clock or (lambda: NOW),
    )
    return ctx, out


def posted(store: SqliteStore, ref: str = "C_ALERTS:1") -> str:
    card = alert_card(parse_alert(GOOD))
    remember_message(store, ref, card)
    return card.subject


def test_the_alert_buttons_are_registered() -> None:
    assert {"alert_status", "alert_ack", "alert_mute_1h", "alert_mute_24h"} <= {a.action_id for a in REGISTRY.actions}
    assert REGISTRY.command("alerts").example == "/vpn alerts"


def test_acknowledge_updates_the_message_once_and_writes_the_audit_trail(store: SqliteStore) -> None:
    subject = posted(store)
    ctx, out = make_ctx(store)
    assert alert_ack(ctx, subject, "C_ALERTS:1") is None
    ref, reply = out.updates[-1]
    assert ref == "C_ALERTS:1"
    text = text_of(reply)
    assert "Acknowledged by" in text and "2025-04-15 18:30 UTC" in text
    assert "alert_ack" not in buttons(reply)  # no second acknowledgement from the message
    rows = store.recent_audit(matching="cn-a-to-b")
    assert [(r.actor, r.action) for r in rows] == [("U_ALICE", "alert_acknowledged")]

    bob, out2 = make_ctx(store, user="U_BOB")
    again = alert_ack(bob, subject, "C_ALERTS:1")
    assert again is not None and again.visibility == "ephemeral"
    assert "already acknowledged by <@U_ALICE>" in again.parts[0].text  # type: ignore[union-attr]
    assert out2.updates == [] and len(store.recent_audit(matching="cn-a-to-b")) == 1


def test_mute_records_the_mute_and_the_audit_row_and_shows_it_on_the_message(store: SqliteStore) -> None:
    subject = posted(store)
    ctx, out = make_ctx(store)
    answer = alert_mute_1h(ctx, subject, "C_ALERTS:1")
    assert answer is not None and "until 2025-04-15 19:30 UTC" in text_of(answer)
    rec = store.get_state(NS_MUTE, subject.lower())
    assert rec is not None and rec.value["until"] == (NOW + timedelta(hours=1)).isoformat()
    assert "muted by" in text_of(out.updates[-1][1])
    row = store.recent_audit(matching="cn-a-to-b")[0]
    assert (row.action, row.actor, row.after) == ("alert_muted", "U_ALICE", {"until": rec.value["until"]})

    alert_mute_24h(ctx, subject, "C_ALERTS:1")
    rec = store.get_state(NS_MUTE, subject.lower())
    assert rec is not None and rec.value["until"] == (NOW + timedelta(hours=24)).isoformat()


def test_vpn_alerts_lists_mutes_and_unmute_ends_one(store: SqliteStore) -> None:
    subject = posted(store)
    ctx, _ = make_ctx(store)
    alert_mute_24h(ctx, subject, "C_ALERTS:1")
    listing = text_of(alerts(ctx, ""))
    assert "1 mute" in listing and "cn-a-to-b" in listing
    done = alerts(ctx, "unmute CN-A-TO-B")
    assert "no longer muted" in text_of(done)
    assert "0 mutes" in text_of(alerts(ctx, ""))
    assert [r.action for r in store.recent_audit()][:1] == ["alert_unmuted"]
    missing = alerts(ctx, "unmute nothing-here")
    assert missing.visibility == "ephemeral" and "Nothing called `nothing-here` is muted" in text_of(missing)
    assert "does not understand" in text_of(alerts(ctx, "frobnicate"))


def test_an_expired_mute_is_not_listed(store: SqliteStore) -> None:
    subject = posted(store)
    clock = Clock()
    ctx, _ = make_ctx(store, clock=clock)
    alert_mute_1h(ctx, subject, "C_ALERTS:1")
    clock.t = NOW + timedelta(hours=2)
    assert "0 mutes" in text_of(alerts(ctx, ""))


def test_status_button_answers_in_the_alert_thread(store: SqliteStore) -> None:
    from commands.core.model import Connection, Gateway, Subscription

    sub = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"
    gw = Gateway(f"{sub}/virtualNetworkGateways/vgw-a", "vgw-a", "westeurope", sku="VpnGw1")
    conn = Connection(
        f"{sub}/connections/cn-a-to-b", "cn-a-to-b", "westeurope", "IPsec", "NotConnected", gateway1_id=gw.id
    )
    az = FakeAzure(subscriptions=[Subscription("s", "S")], gateways=[gw], connections=[conn])
    out = RecordingMessenger()
    ctx = Ctx(
        az,
        out,
        user="U_ALICE",
        channel="C_ALERTS",
        settings=DomainSettings(progress_every_s=0),
        store=store,
        now=lambda: NOW,
    )
    assert alert_status(ctx, conn.id, "C_ALERTS:7") is None
    channel, reply, thread, _ = out.posts[-1]
    assert (channel, thread) == ("C_ALERTS", "C_ALERTS:7")
    assert "cn-a-to-b" in text_of(reply) and "NotConnected" in text_of(reply)


def test_a_button_without_a_store_message_still_records_the_acknowledgement(store: SqliteStore) -> None:
    ctx, out = make_ctx(store)
    answer = alert_ack(ctx, "/subscriptions/s/x/connections/gone", "C_ALERTS:99")
    assert answer is not None and "recorded in the audit trail" in text_of(answer)
    assert out.updates == [] and store.get_state(NS_MESSAGE, "C_ALERTS:99") is None
    assert store.recent_audit()[0].action == "alert_acknowledged"
