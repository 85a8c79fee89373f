"""bot.alerts.deliver: where a parsed alert goes (channel, thread, nowhere) and only once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.alerts import deliver
from bot.slack.text import to_text
from bot.store.sqlite import SqliteStore
from commands.alerts import NS_MESSAGE, NS_MUTE, parse_alert
from tests.fakes import RecordingMessenger

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TARGET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/cn-x"


def doc(condition: str = "Fired", resolved: str | None = None, **context: Any) -> dict[str, Any]:
    ess: dict[str, Any] = {
        "alertId": "/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a1",
        "alertRule": "tunnel-bandwidth",
        "severity": "Sev2",
        "signalType": "Metric",
        "monitorCondition": condition,
        "monitoringService": "Platform",
        "firedDateTime": "2026-03-02T09:50:00Z",
        "alertTargetIDs": [TARGET],
    }
    if resolved:
        ess["resolvedDateTime"] = resolved
    return {"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": ess, "alertContext": context or None}}


def mute(store: SqliteStore) -> None:
    store.put_state(NS_MUTE, TARGET.lower(), {"until": "2999-01-01T00:00:00+00:00"}, "*")


def test_fired_then_resolved_lands_in_the_thread_and_marks_the_message(store: SqliteStore) -> None:
    out = RecordingMessenger()
    first = deliver(parse_alert(doc()), "C_ALERTS", store, out, NOW)
    ref = first.body["message"]
    second = deliver(parse_alert(doc("Resolved", "2026-03-02T10:20:00Z")), "C_ALERTS", store, out, NOW)
    assert second.body["outcome"] == "resolved_in_thread"
    assert out.posts[-1][2] == ref
    rec = store.get_state(NS_MESSAGE, ref)
    assert rec is not None and rec.value["resolved"].startswith("Resolved 2026-03-02 10:20 UTC after 30 min")
    assert "Resolved 2026-03-02 10:20 UTC after 30 min" in to_text(out.updates[-1][1])


def test_a_muted_resource_gets_no_new_message_fired_or_resolved(store: SqliteStore) -> None:
    mute(store)
    out = RecordingMessenger()
    assert deliver(parse_alert(doc()), "C_ALERTS", store, out, NOW).body["outcome"] == "muted"
    resolved = deliver(parse_alert(doc("Resolved", "2026-03-02T10:20:00Z")), "C_ALERTS", store, out, NOW)
    assert resolved.body["outcome"] == "muted" and out.posts == []


def test_a_resolution_of_a_posted_alert_is_answered_even_when_muted_since(store: SqliteStore) -> None:
    out = RecordingMessenger()
    ref = deliver(parse_alert(doc()), "C_ALERTS", store, out, NOW).body["message"]
    mute(store)
    resolved = deliver(parse_alert(doc("Resolved", "2026-03-02T10:20:00Z")), "C_ALERTS", store, out, NOW)
    assert resolved.body["outcome"] == "resolved_in_thread" and out.posts[-1][2] == ref


def service_health(stage: str, communication_id: str, fired: str) -> dict[str, Any]:
    d = doc(
        **{
            "properties": {
                "title": "VPN Gateway - West Europe",
                "trackingId": "AB-12C",
                "stage": stage,
                "communicationId": communication_id,
                "impactedServices": json.dumps(
                    [{"ServiceName": "VPN Gateway", "ImpactedRegions": [{"RegionName": "West Europe"}]}]
                ),
            }
        }
    )
    d["data"]["essentials"].update(
        signalType="ActivityLog",
        monitoringService="ServiceHealth",
        alertTargetIDs=["/subscriptions/s"],
        firedDateTime=fired,
    )
    return d


def test_service_health_updates_of_one_incident_share_its_thread(store: SqliteStore) -> None:
    out = RecordingMessenger()
    first = deliver(parse_alert(service_health("Active", "1", "2026-03-02T09:00:00Z")), "C_ALERTS", store, out, NOW)
    update = deliver(parse_alert(service_health("Active", "2", "2026-03-02T09:30:00Z")), "C_ALERTS", store, out, NOW)
    done = deliver(parse_alert(service_health("Resolved", "3", "2026-03-02T10:00:00Z")), "C_ALERTS", store, out, NOW)
    assert first.body["outcome"] == "posted"
    assert (update.body["outcome"], done.body["outcome"]) == ("in_thread", "in_thread")
    assert [p[2] for p in out.posts] == [None, first.body["message"], first.body["message"]]
    assert "✅ Service health · Resolved" in to_text(out.posts[-1][1])
    assert "VPN Gateway in West Europe" in to_text(out.posts[0][1])
