"""The port's changes and platform health: Resource Graph's `resourcechanges`, the Activity
Log, Resource Health.

Costs, by design (issue 22): ONE Resource Graph query per answer for every subscription in
scope (the subscriptions go in the query's body; paged by `$skipToken`), ONE Activity Log list
per subscription (administrative operations and Service Health events come from the same
list), ONE Resource Health list per subscription for the current statuses, and a history
read only for the gateways a finding or an alert is about.

* Resource Graph: POST /providers/Microsoft.ResourceGraph/resources (azure-mgmt-resourcegraph
  `ResourceGraphClient.resources`, https://learn.microsoft.com/rest/api/azureresourcegraph/resourcegraph/resources/resources),
  the documented `resourcechanges` table (https://learn.microsoft.com/azure/governance/resource-graph/how-to/get-resource-changes).
* Activity Log: GET /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values
  with `$filter=eventTimestamp ge '…' and eventTimestamp le '…'` (azure-mgmt-monitor
  `activity_logs.list`, https://learn.microsoft.com/rest/api/monitor/activity-logs/list: both
  bounds are required; 90 days are kept).
* Resource Health: GET …/providers/Microsoft.ResourceHealth/availabilityStatuses
  (azure-mgmt-resourcehealth `availability_statuses.list_by_subscription_id` / `.list`,
  https://learn.microsoft.com/rest/api/resourcehealth/availability-statuses).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.arm.calls import ArmCalls
from bot.arm.convert import changes as convert
from commands.core.model import ActivityLog, HealthStatus, ResourceChange, ServiceEvent

# The VPN estate's resource types, as Resource Graph spells them (lower case). Peerings,
# subnets, routes and NAT rules are inside their parents' documents there: a change to one is
# a change of the VNet, route table or gateway (`properties.virtualNetworkPeerings[0]…`).
VPN_TYPES = (
    "microsoft.network/virtualnetworkgateways",
    "microsoft.network/connections",
    "microsoft.network/localnetworkgateways",
    "microsoft.network/virtualnetworks",
    "microsoft.network/routetables",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/privatednszones",
    "microsoft.network/privatednszones/virtualnetworklinks",
    "microsoft.network/privateendpoints",
)
# Resource Graph answers at most 1000 rows per page.
PAGE_ROWS = 1000
# At most this many pages of one query (20 000 changes is far more than an answer shows).
MAX_PAGES = 20
RESOURCE_GRAPH_DAYS = 14
ACTIVITY_LOG_DAYS = 90
# The Activity Log fields the bot reads (`$select`): a smaller answer than every field.
ACTIVITY_SELECT = ",".join(
    (
        "eventTimestamp",
        "caller",
        "category",
        "operationName",
        "status",
        "resourceId",
        "correlationId",
        "eventName",
        "properties",
        "eventDataId",
    )
)


def changes_query(since: datetime) -> str:
    """The one KQL query of `resource_changes`: the VPN types' changes since `since`, newest first."""
    types = ", ".join(f"'{t}'" for t in VPN_TYPES)
    return (
        "resourcechanges"
        " | extend changeTime = todatetime(properties.changeAttributes.timestamp),"
        " targetResourceType = tostring(properties.targetResourceType)"
        f" | where changeTime > datetime({_iso(since)})"
        f" | where targetResourceType in~ ({types})"
        " | order by changeTime desc"
        " | project id, subscriptionId, resourceGroup, properties"
    )


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Changes(ArmCalls):
    """`resource_changes`, `activity_log`, `resource_health`, `resource_health_history`."""

    def resource_changes(self, subscription_ids: Sequence[str], since: datetime) -> list[ResourceChange]:
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        subs = [s for s in subscription_ids if s]
        if not subs:
            return []
        floor = datetime.now(UTC) - timedelta(days=RESOURCE_GRAPH_DAYS)
        query = changes_query(max(since, floor))
        client = self._pipeline.resourcegraph()

        def run() -> list[Any]:
            rows: list[Any] = []
            token: str | None = None
            for _ in range(MAX_PAGES):
                options = QueryRequestOptions(result_format="objectArray", top=PAGE_ROWS, skip_token=token)
                answer = client.resources(QueryRequest(subscriptions=subs, query=query, options=options))
                data = answer.data
                if not isinstance(data, list):
                    raise ValueError("Resource Graph answered without an objectArray of rows")
                rows.extend(data)
                token = answer.skip_token
                if not token:
                    break
            return rows

        rows = self._call("resource_changes", "Resource Graph resourcechanges", run)
        return [c for c in (convert.resource_graph_change(r) for r in rows) if c is not None]

    def activity_log(self, subscription_id: str, since: datetime) -> ActivityLog:
        now = datetime.now(UTC)
        start = max(since, now - timedelta(days=ACTIVITY_LOG_DAYS))
        flt = f"eventTimestamp ge '{_iso(start)}' and eventTimestamp le '{_iso(now + timedelta(minutes=1))}'"
        client = self._pipeline.monitor(subscription_id)
        events = self._call(
            "activity_log",
            f"Activity Log of {subscription_id}",
            lambda: list(client.activity_logs.list(filter=flt, select=ACTIVITY_SELECT)),
        )
        changes: list[ResourceChange] = []
        service: list[ServiceEvent] = []
        for ev in events:
            c = convert.activity_change(ev)
            if c is not None:
                changes.append(c)
                continue
            s = convert.service_event(ev)
            if s is not None:
                service.append(s)
        return ActivityLog(tuple(changes), tuple(service))

    def resource_health(self, subscription_id: str) -> list[HealthStatus]:
        client = self._pipeline.resourcehealth(subscription_id)
        raw = self._call(
            "resource_health",
            f"Resource Health of {subscription_id}",
            lambda: list(client.availability_statuses.list_by_subscription_id()),
        )
        return [s for s in (convert.health_status(x) for x in raw) if s is not None]

    def resource_health_history(self, resource_id: str) -> list[HealthStatus]:
        sub = resource_id.strip("/").split("/")[1] if resource_id.lower().startswith("/subscriptions/") else ""
        client = self._pipeline.resourcehealth(sub)
        raw = self._call(
            "resource_health_history",
            resource_id,
            lambda: list(client.availability_statuses.list(resource_id.lstrip("/"))),
        )
        found = [s for s in (convert.health_status(x, resource_id) for x in raw) if s is not None]
        return convert.newest_first(found)
