"""What the alert tests share: Azure Monitor webhook bodies (a minimal fired alert on a
connection, the published samples by name), a clock, and a button's context."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.monitor.schema import parse_alert
from bot.store.sqlite import SqliteStore
from commands.alerts.card import alert_card
from commands.alerts.state import remember_message
from commands.core.registry import Ctx, DomainSettings
from tests.fakes import FakeAzure, RecordingMessenger
from tests.shared_fixtures import real_json

NOW = datetime(2025, 4, 15, 18, 30, tzinfo=UTC)

GOOD: dict[str, Any] = {
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
    """GOOD with essentials changed (None removes one)."""
    d = json.loads(json.dumps(GOOD))
    for k, v in essentials.items():
        if v is None:
            d["data"]["essentials"].pop(k, None)
        else:
            d["data"]["essentials"][k] = v
    return d


def sample(name: str) -> dict[str, Any]:
    """A published sample of ../shared/fixtures/real/alerts (skips when absent)."""
    return real_json(f"alerts/{name}.json")  # type: ignore[no-any-return]


class Clock:
    def __init__(self) -> None:
        self.t = NOW

    def __call__(self) -> datetime:
        return self.t


def make_ctx(
    store: SqliteStore, user: str = "U_ALICE", clock: Clock | None = None, channel: str = "C_ALERTS"
) -> tuple[Ctx, RecordingMessenger]:
    """A click's context; U_ALICE is an approver (approvers may mute), U_BOB is not."""
    out = RecordingMessenger()
    ctx = Ctx(
        FakeAzure(),
        out,
        user=user,
        channel=channel,
        settings=DomainSettings(alert_channel="C_ALERTS", progress_every_s=0, approvers=frozenset({"U_ALICE"})),
        store=store,
        now=clock or (lambda: NOW),
    )
    return ctx, out


def posted(store: SqliteStore, ref: str = "C_ALERTS:1") -> str:
    """GOOD posted as message `ref`; returns what its buttons name."""
    card = alert_card(parse_alert(GOOD))
    remember_message(store, ref, card)
    return card.subject
