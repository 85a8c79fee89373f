"""An Azure Monitor alert as the domain knows it: typed, whatever wire format carried it.

`bot/monitor/schema.py` decodes the webhook body (the common alert schema) into these;
the domain reads them to word the message (`card.py`) and to decide where it goes
(`deliver.py`): which firing a resolution belongs to, which delivery is a retry, which
thread later messages join.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from commands.core.model import rid_key


@dataclass(frozen=True)
class Criterion:
    """One `alertContext.condition.allOf[]` entry: what was measured and what it crossed."""

    metric: str = ""  # metricName, or the searchQuery of a log alert
    namespace: str = ""
    operator: str = ""  # GreaterThan, LessThan, …
    threshold: str = ""  # as sent (Azure sends it as a string)
    aggregation: str = ""  # timeAggregation: Average, Total, Count, …
    value: float | None = None  # metricValue: the value that crossed (or, resolved, the value now)
    dimensions: tuple[tuple[str, str], ...] = ()
    sensitivity: str = ""  # dynamic thresholds: alertSensitivity
    failing: tuple[int, int] | None = None  # (minFailingPeriodsToAlert, numberOfEvaluationPeriods)
    is_query: bool = False
    results_link: str = ""  # log alerts: linkToFilteredSearchResultsUI or linkToSearchResultsUI


@dataclass(frozen=True)
class ActivityInfo:
    """An activity log alert's event (administrative operations)."""

    operation: str = ""
    caller: str = ""
    status: str = ""
    level: str = ""
    category: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class HealthInfo:
    """A resource health event."""

    title: str = ""
    current: str = ""
    previous: str = ""
    kind: str = ""  # the health event's type: Downtime, …
    cause: str = ""  # PlatformInitiated | UserInitiated
    status: str = ""  # Active | Resolved
    details: str = ""


@dataclass(frozen=True)
class ServiceHealthInfo:
    """A service health communication (incident, maintenance, advisory)."""

    title: str = ""
    incident_type: str = ""
    tracking_id: str = ""
    stage: str = ""
    services: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    communication: str = ""  # plain text (Azure sends HTML)
    communication_id: str = ""
    impact_start: datetime | None = None
    impact_mitigated: datetime | None = None


@dataclass(frozen=True)
class Alert:
    """An Azure Monitor alert in the common schema, as far as the message needs it."""

    alert_id: str
    rule: str
    severity: str  # Sev0 … Sev4
    condition: str  # Fired | Resolved
    fired_at: datetime
    rule_id: str = ""
    signal_type: str = ""  # Metric | Log | Activity Log | ActivityLog
    monitoring_service: str = ""  # Platform | Log Alerts V2 | Resource Health | ServiceHealth | …
    targets: tuple[str, ...] = ()
    configuration_items: tuple[str, ...] = ()
    origin_id: str = ""
    resolved_at: datetime | None = None
    description: str = ""
    condition_type: str = ""  # SingleResourceMultipleMetricCriteria | DynamicThresholdCriteria | LogQueryCriteria
    window: str = ""  # ISO 8601 duration, e.g. PT5M
    criteria: tuple[Criterion, ...] = ()
    activity: ActivityInfo | None = None
    health: HealthInfo | None = None
    service_health: ServiceHealthInfo | None = None
    custom: tuple[tuple[str, str], ...] = ()  # customProperties

    @property
    def resolved(self) -> bool:
        return self.condition.lower() == "resolved"

    @property
    def ended(self) -> bool:
        """Resolved, or a stateless event that says it is over: activity-log based alerts
        (resource and service health) always arrive "Fired" and carry their own status."""
        if self.resolved:
            return True
        if self.health is not None and self.health.status.lower() == "resolved":
            return True
        return self.service_health is not None and self.service_health.stage.lower() == "resolved"

    @property
    def target(self) -> str:
        return self.targets[0] if self.targets else ""

    @property
    def fired_key(self) -> str:
        """The identity of one firing: a resolved alert carries the same alertId and
        firedDateTime as the fired one it resolves. Stateless alerts (activity log) reuse
        the rule's id as alertId, so the fire time is part of the key."""
        return _digest(rid_key(self.alert_id), self.fired_at.isoformat())

    @property
    def delivery_key(self) -> str:
        """The identity of one delivery: Azure Monitor retries a webhook it got no answer
        to, and a retry must not post twice."""
        extra = ""
        if self.service_health is not None:
            extra = self.service_health.communication_id or self.service_health.stage
        return _digest(
            rid_key(self.alert_id),
            self.condition.lower(),
            self.fired_at.isoformat(),
            self.resolved_at.isoformat() if self.resolved_at else "",
            extra,
        )

    @property
    def thread_key(self) -> str:
        """Where later messages about the same thing go: the fired message of this firing,
        or, for service health, the first message about the same incident (tracking id)."""
        sh = self.service_health
        if sh is not None and sh.tracking_id:
            return _digest("service-health", sh.tracking_id.lower())
        return self.fired_key


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]
