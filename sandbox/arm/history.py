"""What the sandbox remembers of the estate's past: changes, Resource Health, Service Health.

Served in the shapes Microsoft documents (none of these has a definition in
../shared/fixtures/real/specs; tests/integration/sandbox/test_history.py checks the SDKs
deserialize them):

* Resource Graph — POST /providers/Microsoft.ResourceGraph/resources, table `resourcechanges`
  (https://learn.microsoft.com/azure/governance/resource-graph/how-to/get-resource-changes):
  one row per change, `properties.targetResourceId`, `.targetResourceType`, `.changeType`,
  `.changeAttributes` {timestamp, changedBy, changedByType, clientType, operation,
  correlationId, changesCount, previous/newResourceSnapshotId}, `.changes` {path →
  {previousValue, newValue, propertyChangeType, changeCategory}}; the answer
  {totalRecords, count, resultTruncated, data, facets, $skipToken}
  (https://learn.microsoft.com/rest/api/azureresourcegraph/resourcegraph/resources/resources).
  Resource Graph holds top-level resources: a peering's change is a change of its VNet
  (`properties.virtualNetworkPeerings[i].properties.<flag>`). A shared key is not a property
  Resource Graph sees: its set is in the Activity Log only.
* Activity Log — GET /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values
  (https://learn.microsoft.com/rest/api/monitor/activity-logs/list; `$filter` must bound
  eventTimestamp both ways; EventData as
  https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema, without the
  `channels` of the exported form, which the REST list's EventData does not carry): an
  operation writes a `Started` event and then its `Succeeded` or `Failed` one, sharing the
  correlationId; Service Health events are category `ServiceHealth` with string properties
  (`title`, `service`, `region`, `incidentType`, `stage`, `trackingId`, `impactStartTime`,
  `impactMitigationTime`, `communication`, `impactedServices` as a JSON string).
* Resource Health — GET …/providers/Microsoft.ResourceHealth/availabilityStatuses[/current]
  (https://learn.microsoft.com/rest/api/resourcehealth/availability-statuses): properties
  `availabilityState`, `title`, `summary`, `reasonType`, `occuredTime` (Azure's spelling),
  `reportedTime`. A resource with no recorded event is Available, with the summary Resource
  Health gives then.

The estate's sections (times are relative to when the emulator loads it: `"ago": "14m"`):

    "changes": [{"ago": "14m", "resource": ID, "operation": "Microsoft.Network/…/write",
                 "by": "alice@contoso.com", "byType": "User", "client": "Azure Portal",
                 "status": "Succeeded", "changeType": "Update",
                 "properties": {"properties.allowGatewayTransit": ["true", "false"]},
                 "in": ["resourceGraph", "activityLog"]}],
    "resourceHealth": {ID: [{"ago": "20m", "availabilityState": "Unavailable", "summary": …,
                             "reasonType": "Unplanned", "title": …}]},
    "serviceHealth": [{"ago": "30m", "title": …, "incidentType": "Incident", "stage": "Active",
                       "service": "VPN Gateway", "regions": ["North Europe"], "trackingId": …,
                       "communication": …}]

A write through the emulator (PUT, PATCH, DELETE, a shared key's PUT) is recorded as it
happens, with the caller's identity from the bearer token: a JWT's `upn` (a user) or `appid`
(an app); the bot's static sandbox token is the app `SANDBOX_APP_ID`.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.arm import ids
from sandbox.arm.state import DEFAULT_TENANT, PEERING, SUBNET, ArmError, Estate

# The application id the emulator records for a caller whose token is not a JWT (the bot's
# static sandbox token): Azure records an app by its client id.
SANDBOX_APP_ID = "7d3f2b9a-5c1e-4f80-9a6b-0b1c2d3e4f5a"
AVAILABLE_SUMMARY = "There aren't any known Azure platform problems affecting this resource."
# Resource Health's events are kept for this long by the emulator's history answer.
_IGNORED = ("provisioningState", "resourceGuid", "etag")
_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Child types ARM keeps inside their parent's document (the property that lists them): Resource
# Graph records their changes on the parent, `properties.<list>[i].…`.
_INLINE = {
    PEERING: "virtualNetworkPeerings",
    SUBNET: "subnets",
    "microsoft.network/networksecuritygroups/securityrules": "securityRules",
    "microsoft.network/routetables/routes": "routes",
}


def _ago(raw: Any, now: datetime) -> datetime:
    m = _AGO.match(str(raw or "0m"))
    if m is None:
        raise ValueError(f"an 'ago' is a number and a unit (s, m, h, d), e.g. '14m' (got {raw!r})")
    return now - timedelta(seconds=float(m.group(1)) * _UNIT[m.group(2)])


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Change:
    """One recorded change, the source of a Resource Graph row and Activity Log events."""

    resource: str
    at: datetime
    operation: str
    by: str
    by_type: str
    client: str = ""
    status: str = "Succeeded"
    change_type: str = "Update"
    properties: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # path → (before, after, kind)
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    in_graph: bool = True
    in_log: bool = True
    graph_target: str = ""  # where Resource Graph records it (a peering's VNet); "" = resource
    graph_prefix: str = ""  # the path prefix inside that target


@dataclass
class Health:
    resource: str
    at: datetime
    state: str
    summary: str = ""
    title: str = ""
    reason_type: str = ""


class History:
    def __init__(self, data: dict[str, Any], estate: Estate) -> None:
        self._lock = threading.Lock()
        self.loaded_at = datetime.now(UTC)
        self.changes: list[Change] = []
        self.health: dict[str, list[Health]] = {}
        self.service: list[dict[str, Any]] = []
        self._estate = estate
        for c in data.get("changes") or []:
            self.changes.append(self._authored(c))
        for rid, events in (data.get("resourceHealth") or {}).items():
            for e in events or []:
                self.health.setdefault(ids.key(rid), []).append(
                    Health(
                        rid,
                        _ago(e.get("ago"), self.loaded_at),
                        str(e.get("availabilityState") or "Unknown"),
                        str(e.get("summary") or ""),
                        str(e.get("title") or ""),
                        str(e.get("reasonType") or ""),
                    )
                )
        for s in data.get("serviceHealth") or []:
            self.service.append(dict(s, at=_ago(s.get("ago"), self.loaded_at)))

    def _authored(self, c: dict[str, Any]) -> Change:
        rid = str(c.get("resource") or "")
        if ids.parse(rid) is None:
            raise ValueError(f"a 'changes' entry needs a 'resource' id (got {rid!r})")
        where = [str(x) for x in c.get("in") or ("resourceGraph", "activityLog")]
        props = {
            str(k): (str(v[0]), str(v[1]), str(v[2]) if len(v) > 2 else "Update")
            for k, v in (c.get("properties") or {}).items()
        }
        ch = Change(
            resource=rid,
            at=_ago(c.get("ago"), self.loaded_at),
            operation=str(c.get("operation") or _write_operation(rid)),
            by=str(c.get("by") or ""),
            by_type=str(c.get("byType") or "User"),
            client=str(c.get("client") or ""),
            status=str(c.get("status") or "Succeeded"),
            change_type=str(c.get("changeType") or "Update"),
            properties=props,
            in_graph="resourceGraph" in where,
            in_log="activityLog" in where,
        )
        self._place(ch)
        return ch

    def _place(self, ch: Change) -> None:
        """A child kept inside its parent's document (a peering, a subnet, an NSG's security
        rule, a route table's route) is recorded by Resource Graph on its parent, at its index:
        Resource Graph holds the top-level resource (get-resource-changes)."""
        k = ids.key(ch.resource)
        p = ids.parse(ch.resource)
        inline = _INLINE.get(p.type_key) if p is not None else None
        if inline is None:
            return
        parent = ids.parent_key(k)
        if p is not None and p.type_key in (PEERING, SUBNET):
            docs = self._estate.children(parent, inline)
        else:
            with self._estate.lock:
                doc = self._estate.raw(parent) or {}
                docs = list((doc.get("properties") or {}).get(inline) or [])
        keys = [ids.key(d.get("id", "")) for d in docs]
        index = keys.index(k) if k in keys else len(keys)
        ch.graph_target = ch.resource.rstrip("/").rsplit("/", 2)[0]
        ch.graph_prefix = f"properties.{inline}[{index}]."

    # --- writes through the emulator ------------------------------------------------------------
    def record_write(
        self,
        method: str,
        path: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        status: int,
        auth: str,
    ) -> None:
        """Record one write request's outcome (2xx: done; 4xx/5xx: a Failed operation)."""
        p = ids.parse(path)
        if p is None or not p.namespace:
            return
        who, who_type = caller_of(auth)
        shared_key = p.types[-1].lower() == "sharedkey"
        resource = path.rstrip("/").rsplit("/", 1)[0] if shared_key else path
        rtype = ids.parse(resource)
        type_name = rtype.resource_type if rtype else p.resource_type
        verb = "delete" if method == "DELETE" else "write"
        operation = f"{type_name}/sharedKey/write" if shared_key else f"{type_name}/{verb}"
        ok = 200 <= status < 300
        props = {} if shared_key or not ok else _diff(before, after)
        change_type = "Delete" if method == "DELETE" else ("Create" if before is None else "Update")
        # Resource Graph records a done change it can see (not a shared key, not a no-op).
        in_graph = ok and not shared_key and not (change_type == "Update" and not props)
        ch = Change(
            resource=(before or after or {}).get("id", resource) if not shared_key else resource,
            at=datetime.now(UTC),
            operation=operation,
            by=who,
            by_type=who_type,
            client="",
            status="Succeeded" if ok else "Failed",
            change_type=change_type,
            properties=props,
            in_graph=in_graph,
            in_log=True,
        )
        with self._lock:
            self._place(ch)
            self.changes.append(ch)

    # --- Resource Graph ---------------------------------------------------------------------
    def resource_graph(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise ArmError(400, "BadRequest", "The request body must be a QueryRequest with a 'query'.")
        query = body["query"]
        table = query.strip().split("|", 1)[0].strip().lower()
        if table != "resourcechanges":
            raise ArmError(
                400,
                "BadRequest",
                f"The sandbox's Resource Graph serves the table 'resourcechanges' only (the query reads {table!r}).",
            )
        subs = {str(s).lower() for s in body.get("subscriptions") or []}
        since = _since(query)
        types = _types(query)
        with self._lock:
            changes = [c for c in self.changes if c.in_graph]
        rows = []
        for c in sorted(changes, key=lambda x: x.at, reverse=True):
            row = self._graph_row(c)
            target = row["properties"]["targetResourceId"]
            tp = ids.parse(target)
            if tp is None or (subs and tp.subscription.lower() not in subs):
                continue
            if since is not None and c.at <= since:
                continue
            if types and row["properties"]["targetResourceType"] not in types:
                continue
            rows.append(_project(row, query))
        options = body.get("options") or {}
        top = int(options.get("$top") or 1000)
        start = int(options.get("$skipToken") or options.get("$skip") or 0)
        page = rows[start : start + top]
        answer: dict[str, Any] = {
            "totalRecords": len(rows),
            "count": len(page),
            "resultTruncated": "false",
            "data": page,
            "facets": [],
        }
        if start + top < len(rows):
            answer["$skipToken"] = str(start + top)
        return answer

    def _graph_row(self, c: Change) -> dict[str, Any]:
        target = c.graph_target or c.resource
        tp = ids.parse(target)
        assert tp is not None
        changes = {
            f"{c.graph_prefix}{path}": {
                "newValue": after,
                "previousValue": before,
                "changeCategory": "User",
                "propertyChangeType": kind,
            }
            for path, (before, after, kind) in c.properties.items()
        }
        cid = str(uuid.uuid5(uuid.NAMESPACE_URL, c.correlation_id + c.resource))
        return {
            "id": f"{target}/providers/Microsoft.Resources/changes/{cid}",
            "name": cid,
            "type": "microsoft.resources/changes",
            "tenantId": DEFAULT_TENANT,
            "subscriptionId": tp.subscription,
            "resourceGroup": tp.resource_group.lower(),
            "location": "",
            "properties": {
                "targetResourceId": target,
                "targetResourceType": tp.type_key,
                "changeType": "Update" if c.graph_target else c.change_type,
                "changeAttributes": {
                    "previousResourceSnapshotId": _snapshot(c.at - timedelta(seconds=1)),
                    "newResourceSnapshotId": _snapshot(c.at),
                    "correlationId": c.correlation_id,
                    "changedByType": c.by_type,
                    "changesCount": len(changes),
                    "clientType": c.client or "Unspecified",
                    "changedBy": c.by,
                    "operation": c.operation.lower(),
                    "timestamp": _iso(c.at),
                },
                "changes": changes,
            },
        }

    # --- Activity Log -----------------------------------------------------------------------
    def activity_log(self, subscription: str, flt: str) -> list[dict[str, Any]]:
        start, end = _window(flt)
        sub = subscription.lower()
        out: list[dict[str, Any]] = []
        with self._lock:
            changes = [c for c in self.changes if c.in_log]
        for c in changes:
            p = ids.parse(c.resource)
            if p is None or p.subscription.lower() != sub:
                continue
            for status, at in (("Started", c.at - timedelta(seconds=2)), (c.status, c.at)):
                if start <= at <= end:
                    out.append(_event(c, status, at, p))
        for s in self.service:
            at = s["at"]
            if start <= at <= end:
                out.append(_service_event(s, subscription, at))
        out.sort(key=lambda e: e["eventTimestamp"], reverse=True)
        return out

    # --- Resource Health --------------------------------------------------------------------
    def statuses(self, resource_id: str, history: bool) -> list[dict[str, Any]]:
        events = sorted(self.health.get(ids.key(resource_id), []), key=lambda h: h.at, reverse=True)
        if not events:
            # Available since the day before the estate was loaded, at midnight: the same for
            # every emulator of a day, so two runs over one estate read alike.
            day = self.loaded_at.replace(hour=0, minute=0, second=0, microsecond=0)
            events = [Health(resource_id, day - timedelta(days=1), "Available", AVAILABLE_SUMMARY)]
        chosen = events if history else events[:1]
        return [_status(resource_id, h, i == 0) for i, h in enumerate(chosen)]

    def current_in(self, subscription: str, resource_ids: list[str]) -> list[dict[str, Any]]:
        sub = subscription.lower()
        out = []
        for rid in resource_ids:
            p = ids.parse(rid)
            if p is not None and p.subscription.lower() == sub:
                out.extend(self.statuses(rid, False))
        return out


def _write_operation(rid: str) -> str:
    p = ids.parse(rid)
    return f"{p.resource_type}/write" if p else ""


def _snapshot(t: datetime) -> str:
    return f"{int(t.timestamp() * 1000)}_{uuid.uuid4()}"


def _flatten(doc: Any, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in _IGNORED:
                continue
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.update(_flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = json.dumps(doc) if not isinstance(doc, str) else doc
        if isinstance(doc, bool):
            out[prefix] = "true" if doc else "false"
    return out


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, tuple[str, str, str]]:
    """The changed paths of `properties` and `tags`, as Resource Graph names them."""

    def flat(d: dict[str, Any] | None) -> dict[str, str]:
        d = d or {}
        return _flatten({"properties": d.get("properties") or {}, "tags": d.get("tags") or {}})

    b, a = flat(before), flat(after)
    out: dict[str, tuple[str, str, str]] = {}
    for path in sorted(set(b) | set(a)):
        if path in b and path in a:
            if b[path] != a[path]:
                out[path] = (b[path], a[path], "Update")
        elif path in a:
            out[path] = ("", a[path], "Insert")
        else:
            out[path] = (b[path], "", "Remove")
    return out


def caller_of(auth: str) -> tuple[str, str]:
    """(who, type) of a bearer token, as Azure records the caller: a JWT's upn (a user) or
    appid (an app); anything else is the sandbox app."""
    token = auth[7:].strip() if auth.startswith("Bearer ") else ""
    parts = token.split(".")
    if len(parts) == 3:
        try:
            padded = parts[1] + "=" * (-len(parts[1]) % 4)
            claims = json.loads(base64.urlsafe_b64decode(padded))
        except ValueError:
            claims = {}
        if isinstance(claims, dict):
            for name in ("upn", "unique_name", "preferred_username"):
                if claims.get(name):
                    return str(claims[name]), "User"
            if claims.get("appid") or claims.get("azp"):
                return str(claims.get("appid") or claims.get("azp")), "AppId"
    return SANDBOX_APP_ID, "AppId"


_DATETIME = re.compile(r"datetime\(\s*([0-9T:\-.Z+]+)\s*\)", re.IGNORECASE)
_AGO_KQL = re.compile(r"ago\(\s*(\d+)\s*([smhd])\s*\)", re.IGNORECASE)
_IN = re.compile(r"targetResourceType\s+in~?\s*\(([^)]*)\)", re.IGNORECASE)
_PROJECT = re.compile(r"\|\s*project\s+([^|]+)$", re.IGNORECASE)


def _since(query: str) -> datetime | None:
    m = _DATETIME.search(query)
    if m:
        t = datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
        return t if t.tzinfo else t.replace(tzinfo=UTC)
    a = _AGO_KQL.search(query)
    if a:
        return datetime.now(UTC) - timedelta(seconds=int(a.group(1)) * _UNIT[a.group(2).lower()])
    return None


def _types(query: str) -> set[str]:
    m = _IN.search(query)
    if not m:
        return set()
    return {t.strip().strip("'\"").lower() for t in m.group(1).split(",") if t.strip()}


def _project(row: dict[str, Any], query: str) -> dict[str, Any]:
    m = _PROJECT.search(query.strip())
    if not m:
        return row
    cols = [c.strip() for c in m.group(1).split(",") if c.strip()]
    return {c: row.get(c) for c in cols}


_BOUND = re.compile(r"eventTimestamp\s+(ge|le)\s+'([^']+)'", re.IGNORECASE)


def _window(flt: str) -> tuple[datetime, datetime]:
    """The `$filter`'s eventTimestamp bounds; ARM's 400 when either is missing."""
    bounds = {op.lower(): v for op, v in _BOUND.findall(flt or "")}
    if "ge" not in bounds or "le" not in bounds:
        raise ArmError(
            400,
            "BadRequest",
            "The $filter must give the time range: eventTimestamp ge '<start>' and eventTimestamp le '<end>'.",
        )
    try:
        start, end = (datetime.fromisoformat(bounds[k].replace("Z", "+00:00")) for k in ("ge", "le"))
    except ValueError:
        raise ArmError(400, "BadRequest", f"Invalid eventTimestamp in $filter: {flt!r}.") from None
    return (start if start.tzinfo else start.replace(tzinfo=UTC)), (end if end.tzinfo else end.replace(tzinfo=UTC))


def _localized(v: str) -> dict[str, str]:
    return {"value": v, "localizedValue": v}


def _event(c: Change, status: str, at: datetime, p: ids.Parsed) -> dict[str, Any]:
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{c.correlation_id}/{status}"))
    return {
        "authorization": {"action": c.operation, "scope": c.resource},
        "caller": c.by,
        "correlationId": c.correlation_id,
        "eventDataId": event_id,
        "eventName": _localized("BeginRequest" if status == "Started" else "EndRequest"),
        "category": _localized("Administrative"),
        "id": f"{c.resource}/events/{event_id}/ticks/{int(at.timestamp() * 10_000_000)}",
        "level": "Error" if status == "Failed" else "Informational",
        "resourceGroupName": p.resource_group,
        "resourceProviderName": _localized(p.namespace),
        "resourceId": c.resource,
        "resourceType": _localized(p.resource_type),
        "operationId": c.correlation_id,
        "operationName": _localized(c.operation),
        "properties": {
            "statusCode": "Accepted" if status == "Started" else ("OK" if status == "Succeeded" else "BadRequest")
        },
        "status": _localized(status),
        "subStatus": _localized(""),
        "eventTimestamp": _iso(at),
        "submissionTimestamp": _iso(at + timedelta(seconds=5)),
        "subscriptionId": p.subscription,
        "tenantId": DEFAULT_TENANT,
    }


def _service_event(s: dict[str, Any], subscription: str, at: datetime) -> dict[str, Any]:
    tracking = str(s.get("trackingId") or "")
    regions = [str(r) for r in s.get("regions") or []]
    service = str(s.get("service") or "")
    impacted = [{"ImpactedRegions": [{"RegionName": r} for r in regions], "ServiceName": service}]
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tracking}/{_iso(at)}"))
    props = {
        "title": str(s.get("title") or ""),
        "service": service,
        "region": ", ".join(regions),
        "communication": str(s.get("communication") or ""),
        "incidentType": str(s.get("incidentType") or "Incident"),
        "trackingId": tracking,
        "impactStartTime": _iso(_ago(s.get("startedAgo"), at) if s.get("startedAgo") else at),
        "impactedServices": json.dumps(impacted),
        "defaultLanguageTitle": str(s.get("title") or ""),
        "defaultLanguageContent": str(s.get("communication") or ""),
        "stage": str(s.get("stage") or "Active"),
        "communicationId": event_id,
        "version": "0.1.1",
    }
    if s.get("mitigatedAgo"):
        props["impactMitigationTime"] = _iso(at)
    return {
        "caller": "",
        "correlationId": str(uuid.uuid5(uuid.NAMESPACE_URL, tracking or event_id)),
        "description": props["communication"],
        "eventDataId": event_id,
        "eventName": _localized(props["title"]),
        "category": _localized("ServiceHealth"),
        "id": f"/subscriptions/{subscription}/events/{event_id}/ticks/{int(at.timestamp() * 10_000_000)}",
        "level": "Warning" if props["incidentType"] == "Incident" else "Informational",
        "resourceProviderName": _localized(""),
        "resourceType": _localized(""),
        "operationId": event_id,
        "operationName": _localized("Microsoft.ServiceHealth/incident/action"),
        "properties": props,
        "status": _localized(props["stage"]),
        "subStatus": _localized(""),
        "eventTimestamp": _iso(at),
        "submissionTimestamp": _iso(at),
        "subscriptionId": subscription,
        "tenantId": DEFAULT_TENANT,
    }


def _status(resource_id: str, h: Health, current: bool) -> dict[str, Any]:
    name = "current" if current else _iso(h.at).replace(":", "")
    return {
        "id": f"{resource_id}/providers/Microsoft.ResourceHealth/availabilityStatuses/{name}",
        "name": name,
        "type": "Microsoft.ResourceHealth/AvailabilityStatuses",
        "location": "global",
        "properties": {
            "availabilityState": h.state,
            "title": h.title or h.state,
            "summary": h.summary or (AVAILABLE_SUMMARY if h.state == "Available" else ""),
            "reasonType": h.reason_type,
            "occuredTime": _iso(h.at),
            "reportedTime": _iso(h.at + timedelta(seconds=30)),
        },
    }
