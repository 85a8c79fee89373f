"""Resource Graph change rows, Activity Log events and Resource Health statuses → the
domain's `ResourceChange`, `ServiceEvent` and `HealthStatus`.

Shapes, from Microsoft's documentation (no OpenAPI definition of them is in
../shared/fixtures/real/specs):

* `resourcechanges` rows: https://learn.microsoft.com/azure/governance/resource-graph/how-to/get-resource-changes
  — `properties.targetResourceId`, `.targetResourceType`, `.changeType` (Create | Update |
  Delete), `.changeAttributes` {`timestamp`, `changedBy`, `changedByType`, `clientType`,
  `operation`, `correlationId`, `changesCount`, snapshot ids}, `.changes` {path →
  {`previousValue`, `newValue`, `propertyChangeType`, `changeCategory`}}.
* Activity Log `EventData`: https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema
  — `caller`, `operationName`, `status`, `resourceId`, `correlationId`, `eventTimestamp`,
  `category` (Administrative, ServiceHealth …), and for ServiceHealth `properties` {`title`,
  `service`, `region`, `incidentType`, `stage`, `trackingId`, `impactStartTime`,
  `impactMitigationTime`, `communication`, `impactedServices`}.
* `availabilityStatuses`: https://learn.microsoft.com/rest/api/resourcehealth/availability-statuses
  — `properties.availabilityState` (Available | Unavailable | Degraded | Unknown), `summary`,
  `title`, `reasonType`, `occuredTime` (Azure's spelling), `reportedTime`.

Like every converter here: every field optional, nothing raises on data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.arm.convert.wire import json_obj, text, timestamp, wire
from commands.core.model import HealthStatus, PropertyChange, ResourceChange, ServiceEvent

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def resource_graph_change(row: object) -> ResourceChange | None:
    """One `resourcechanges` row; None when it names no resource or time."""
    d = json_obj(wire(row))
    props = json_obj(d.get("properties"))
    attrs = json_obj(props.get("changeAttributes"))
    target = text(props.get("targetResourceId"))
    at = timestamp(attrs.get("timestamp"))
    if not target or at is None:
        return None
    changes: list[PropertyChange] = []
    for path, c in json_obj(props.get("changes")).items():
        cd = json_obj(c)
        changes.append(
            PropertyChange(
                path=str(path),
                before=_value(cd.get("previousValue")),
                after=_value(cd.get("newValue")),
                kind=text(cd.get("propertyChangeType")) or "Update",
                category=text(cd.get("changeCategory")),
            )
        )
    return ResourceChange(
        resource_id=target,
        at=at,
        operation=text(attrs.get("operation")),
        change_type=text(props.get("changeType")),
        who=text(attrs.get("changedBy")),
        who_type=text(attrs.get("changedByType")),
        client=text(attrs.get("clientType")),
        properties=tuple(sorted(changes, key=lambda p: p.path)),
        correlation_id=text(attrs.get("correlationId")),
        source="resource-graph",
    )


def _value(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v, sort_keys=True)


def _localized(v: object) -> str:
    """A LocalizableString's `value` (or a plain string)."""
    if isinstance(v, Mapping):
        return text(v.get("value")) or text(v.get("localizedValue"))
    return text(v)


def event_category(ev: object) -> str:
    return _localized(json_obj(wire(ev)).get("category"))


def activity_change(ev: object) -> ResourceChange | None:
    """An Administrative Activity Log event about a resource; None for others."""
    d = json_obj(wire(ev))
    if _localized(d.get("category")).lower() != "administrative":
        return None
    rid = text(d.get("resourceId"))
    at = timestamp(d.get("eventTimestamp"))
    if not rid or at is None:
        return None
    return ResourceChange(
        resource_id=rid,
        at=at,
        operation=_localized(d.get("operationName")),
        who=text(d.get("caller")),
        result=_localized(d.get("status")),
        correlation_id=text(d.get("correlationId")),
        source="activity-log",
    )


def service_event(ev: object) -> ServiceEvent | None:
    """A ServiceHealth Activity Log event; None for others."""
    d = json_obj(wire(ev))
    if _localized(d.get("category")).lower() != "servicehealth":
        return None
    p = json_obj(d.get("properties"))
    services, regions = _impacted(p)
    return ServiceEvent(
        tracking_id=text(p.get("trackingId")) or text(d.get("correlationId")),
        title=text(p.get("title")) or text(p.get("defaultLanguageTitle")) or _localized(d.get("eventName")),
        kind=text(p.get("incidentType")),
        stage=text(p.get("stage")),
        services=services,
        regions=regions,
        at=timestamp(d.get("eventTimestamp")),
        start=timestamp(p.get("impactStartTime")),
        end=timestamp(p.get("impactMitigationTime")),
        summary=text(p.get("communication")) or text(p.get("defaultLanguageContent")),
    )


def _impacted(p: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Services and regions: `impactedServices` is a JSON string (the Activity Log's
    properties are strings) of [{ServiceName, ImpactedRegions: [{RegionName}]}]; `service`
    and `region` hold the first of each."""
    services: list[str] = []
    regions: list[str] = []
    raw = p.get("impactedServices")
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        parsed = None
    for s in parsed if isinstance(parsed, list) else ():
        sd = json_obj(s)
        if text(sd.get("ServiceName")):
            services.append(text(sd.get("ServiceName")))
        for r in sd.get("ImpactedRegions") or ():
            name = text(json_obj(r).get("RegionName"))
            if name:
                regions.append(name)
    if text(p.get("service")):
        services.append(text(p.get("service")))
    for r in text(p.get("region")).split(","):
        if r.strip():
            regions.append(r.strip())
    return tuple(dict.fromkeys(services)), tuple(dict.fromkeys(regions))


def health_status(st: object, resource_id: str = "") -> HealthStatus | None:
    """One availability status; None without an availabilityState."""
    d = json_obj(wire(st))
    p = json_obj(d.get("properties"))
    state = text(p.get("availabilityState"))
    if not state:
        return None
    rid = resource_id or _status_target(text(d.get("id")))
    return HealthStatus(
        resource_id=rid,
        state=state,
        summary=text(p.get("summary")),
        title=text(p.get("title")),
        reason_type=text(p.get("reasonType")),
        occurred_at=timestamp(p.get("occuredTime")) or timestamp(p.get("occurredTime")),
        reported_at=timestamp(p.get("reportedTime")),
    )


def _status_target(status_id: str) -> str:
    """The resource an availability status is about: its id up to
    `/providers/Microsoft.ResourceHealth/`."""
    low = status_id.lower()
    cut = low.find("/providers/microsoft.resourcehealth/")
    return status_id[:cut] if cut > 0 else status_id


def newest_first(statuses: list[HealthStatus]) -> list[HealthStatus]:
    return sorted(statuses, key=lambda s: s.occurred_at or s.reported_at or _EPOCH, reverse=True)
