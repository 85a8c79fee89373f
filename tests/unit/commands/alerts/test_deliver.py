"""commands.alerts.deliver: where a parsed alert goes (channel, thread, nowhere) and only once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.logging import get_logger
from bot.monitor.schema import parse_alert
from bot.slack.text import to_text
from bot.store.sqlite import SqliteStore
from commands.alerts.alert import Alert
from commands.alerts.deliver import Delivery, deliver
from commands.alerts.state import NS_MESSAGE, NS_MUTE
from commands.core.port import MessengerError
from commands.core.store import Store
from tests.fakes import RecordingMessenger

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TARGET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/cn-x"
LOG = get_logger(__name__)


def post(alert: Alert, store: Store, out: RecordingMessenger) -> Delivery:
    return deliver(alert, "C_ALERTS", store, out, NOW, LOG)


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
    first = post(parse_alert(doc()), store, out)
    ref = first.message
    second = post(parse_alert(doc("Resolved", "2026-03-02T10:20:00Z")), store, out)
    assert second.outcome == "resolved_in_thread"
    assert out.posts[-1][2] == ref
    rec = store.get_state(NS_MESSAGE, ref)
    assert rec is not None and rec.value["resolved"].startswith("Resolved 2026-03-02 10:20 UTC after 30 min")
    assert "Resolved 2026-03-02 10:20 UTC after 30 min" in to_text(out.updates[-1][1])


def test_a_muted_resource_gets_no_new_message_fired_or_resolved(store: SqliteStore) -> None:
    mute(store)
    out = RecordingMessenger()
    assert post(parse_alert(doc()), store, out).outcome == "muted"
    resolved = post(parse_alert(doc("Resolved", "2026-03-02T10:20:00Z")), store, out)
    assert resolved.outcome == "muted" and out.posts == []


def test_a_resolution_of_a_posted_alert_is_answered_even_when_muted_since(store: SqliteStore) -> None:
    out = RecordingMessenger()
    ref = post(parse_alert(doc()), store, out).message
    mute(store)
    resolved = post(parse_alert(doc("Resolved", "2026-03-02T10:20:00Z")), store, out)
    assert resolved.outcome == "resolved_in_thread" and out.posts[-1][2] == ref


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
    first = post(parse_alert(service_health("Active", "1", "2026-03-02T09:00:00Z")), store, out)
    update = post(parse_alert(service_health("Active", "2", "2026-03-02T09:30:00Z")), store, out)
    done = post(parse_alert(service_health("Resolved", "3", "2026-03-02T10:00:00Z")), store, out)
    assert first.outcome == "posted"
    assert (update.outcome, done.outcome) == ("in_thread", "in_thread")
    assert [p[2] for p in out.posts] == [None, first.message, first.message]
    assert "✅ Service health · Resolved" in to_text(out.posts[-1][1])
    assert "VPN Gateway in West Europe" in to_text(out.posts[0][1])


class RefusingMessenger(RecordingMessenger):
    """The chat service refuses the first post."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse = True

    def post(self, channel: str, reply: Any, thread: str | None = None) -> str:
        if self.refuse:
            self.refuse = False
            raise MessengerError("ratelimited")
        return super().post(channel, reply, thread)


def test_a_delivery_the_chat_refused_is_not_posted_and_its_retry_is(store: SqliteStore) -> None:
    out = RefusingMessenger()
    assert post(parse_alert(doc()), store, out).outcome == "not_posted"
    assert post(parse_alert(doc()), store, out).outcome == "posted"
    assert post(parse_alert(doc()), store, out).outcome == "duplicate"
    assert len(out.posts) == 1
