"""One reading of the estate's past: what changed, and what Azure says about its own health.

Costs (issue 22): ONE Resource Graph query for every subscription (`resource_changes`), ONE
Activity Log list per subscription (`activity_log`: the operations and the Service Health
events together), and for health ONE Resource Health list per subscription — never one call
per resource. A source that could not be read is said as such (`failures`): "could not read
changes" is never "no changes".

The two change sources overlap: an ARM write is one Resource Graph row (per-property before →
after, `changedBy`) and Activity Log events (`Started`, then `Succeeded` or `Failed`, with the
caller). They are merged into one change per operation: by the ARM correlation id both carry,
else by resource, operation and time (within `MERGE_WINDOW`). Resource Graph keeps top-level
resources: a peering's change is a change of its VNet at `properties.virtualNetworkPeerings[i]`,
which the Activity Log's event on the peering itself names.

The bot's own changes (approved peering requests) are found in the store's audit trail
(`applied` rows, by resource and time) and linked to their request and its thread.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from commands.core.errors import AzureFailure
from commands.core.fanout import gather
from commands.core.model import (
    ActivityLog,
    HealthStatus,
    ResourceChange,
    ServiceEvent,
    Subscription,
    rid_key,
)
from commands.core.registry import Ctx
from commands.core.store import AuditEntry, StoreError

# Two records of one operation are at most this far apart (Resource Graph's timestamp is when
# the change was detected; the Activity Log's when the operation ended).
MERGE_WINDOW = timedelta(minutes=5)
# An audit row of the bot's own change and Azure's record of it are at most this far apart.
OWN_WINDOW = timedelta(minutes=10)
RESOURCE_GRAPH_DAYS = 14
ACTIVITY_LOG_DAYS = 90
# The Activity Log's final statuses of an operation (the others: Started, Accepted).
FINAL = ("succeeded", "failed", "canceled", "cancelled")
# The lists ARM keeps child resources in, inside their parent's document: Resource Graph records
# a change of a peering, a subnet, an NSG's security rule or a route table's route on the parent,
# at `properties.<list>[i].…`.
_CHILD_PATH = re.compile(
    r"^properties\.(?:virtualNetworkPeerings|subnets|securityRules|routes)\[\d+\]\.", re.IGNORECASE
)


@dataclass(frozen=True)
class Unread:
    """A source that could not be read: which, where, why."""

    source: str  # "Resource Graph" | "the Activity Log" | "Resource Health"
    subscription: str
    failure: AzureFailure


@dataclass
class History:
    """The changes (merged, newest first), Service Health events, Resource Health's current
    statuses (by resource key), and what could not be read."""

    since: datetime
    changes: list[ResourceChange] = field(default_factory=list)
    service_events: list[ServiceEvent] = field(default_factory=list)
    health: dict[str, HealthStatus] = field(default_factory=dict)
    failures: list[Unread] = field(default_factory=list)
    health_read: bool = False
    subscriptions: list[str] = field(default_factory=list)

    @property
    def graph_read(self) -> bool:
        return not any(u.source == "Resource Graph" for u in self.failures)

    def log_read(self, subscription: str = "") -> bool:
        return not any(
            u.source == "the Activity Log" and (not subscription or u.subscription.lower() == subscription.lower())
            for u in self.failures
        )

    @property
    def nothing_read(self) -> bool:
        """Neither source of changes could be read, for any subscription."""
        return not self.graph_read and all(not self.log_read(s) for s in self.subscriptions)


def read_history(ctx: Ctx, subs: Sequence[Subscription], since: datetime, *, health: bool = True) -> History:
    """Read the changes since `since` (and, with `health`, Resource Health's current statuses)
    of these subscriptions, concurrently; merge; link the bot's own changes."""
    ids = [s.id for s in subs]
    tasks: list[Callable[[], Any]] = [partial(ctx.azure.resource_changes, ids, since)]
    tasks += [partial(ctx.azure.activity_log, s, since) for s in ids]
    if health:
        tasks += [partial(ctx.azure.resource_health, s) for s in ids]
    outcomes = gather(tasks, ctx.settings.concurrency)
    hist = History(since=since, health_read=health, subscriptions=ids)
    graph: list[ResourceChange] = []
    log: list[ResourceChange] = []
    first = outcomes[0]
    if first.error is not None:
        hist.failures.append(Unread("Resource Graph", "", first.error))
    else:
        graph = list(first.value or [])
    for sub, out in zip(ids, outcomes[1 : 1 + len(ids)], strict=True):
        if out.error is not None:
            hist.failures.append(Unread("the Activity Log", sub, out.error))
            continue
        al: ActivityLog = out.value or ActivityLog()
        log.extend(al.changes)
        hist.service_events.extend(al.service_events)
    if health:
        for sub, out in zip(ids, outcomes[1 + len(ids) :], strict=True):
            if out.error is not None:
                hist.failures.append(Unread("Resource Health", sub, out.error))
                continue
            for st in out.value or []:
                hist.health[rid_key(st.resource_id)] = st
    merged = merge(graph, collapse(log))
    hist.changes = link_own(ctx, [c for c in merged if c.at > since])
    hist.service_events = latest_events(hist.service_events)
    return hist


def collapse(events: Sequence[ResourceChange]) -> list[ResourceChange]:
    """One change per operation of the Activity Log: its final event (Succeeded, Failed…)
    when there is one, else the latest (Started, Accepted: still running). Reads are dropped."""
    by_op: dict[tuple[str, str, str], ResourceChange] = {}
    for e in events:
        if not is_write(e.operation):
            continue
        k = (e.correlation_id or e.at.isoformat(), rid_key(e.resource_id), e.operation.lower())
        cur = by_op.get(k)
        if cur is None or _rank(e) > _rank(cur):
            by_op[k] = e
    return list(by_op.values())


def _rank(e: ResourceChange) -> tuple[int, datetime]:
    return (1 if e.result.lower() in FINAL else 0, e.at)


def is_write(operation: str) -> bool:
    """An operation that changes something: a write, a delete, or a shared key's set or reset."""
    op = operation.lower()
    return op.endswith(("/write", "/delete")) or ("sharedkey" in op and op.endswith("/action"))


def merge(graph: Sequence[ResourceChange], log: Sequence[ResourceChange]) -> list[ResourceChange]:
    """Resource Graph's changes and the Activity Log's operations as one list, one change per
    operation, newest first."""
    unused = list(log)
    out: list[ResourceChange] = []
    for g in graph:
        match = _partner(g, unused)
        if match is None:
            out.append(g)
            continue
        unused.remove(match)
        out.append(_merged(g, match))
    out.extend(unused)
    return sorted(out, key=lambda c: c.at, reverse=True)


def _partner(g: ResourceChange, log: Sequence[ResourceChange]) -> ResourceChange | None:
    if g.correlation_id:
        for e in log:
            if e.correlation_id and e.correlation_id.lower() == g.correlation_id.lower() and _related(g, e):
                return e
    for e in log:
        if (
            _related(g, e)
            and (not g.operation or g.operation.lower() == e.operation.lower())
            and abs(g.at - e.at) <= MERGE_WINDOW
        ):
            return e
    return None


def _related(g: ResourceChange, e: ResourceChange) -> bool:
    """The Activity Log's resource is Resource Graph's, or a child of it (a peering of the VNet)."""
    gk, ek = rid_key(g.resource_id), rid_key(e.resource_id)
    return ek == gk or ek.startswith(gk + "/")


def _merged(g: ResourceChange, e: ResourceChange) -> ResourceChange:
    child = rid_key(e.resource_id) != rid_key(g.resource_id)
    props = g.properties
    if child:
        props = (
            tuple(
                dataclasses.replace(p, path=_CHILD_PATH.sub("", p.path))
                for p in g.properties
                if _CHILD_PATH.match(p.path)
            )
            or g.properties
        )
    return dataclasses.replace(
        g,
        resource_id=e.resource_id,
        operation=e.operation or g.operation,
        who=g.who or e.who,
        result=e.result,
        properties=props,
        source="both",
        at=max(g.at, e.at) if child else g.at,
    )


def latest_events(events: Sequence[ServiceEvent]) -> list[ServiceEvent]:
    """One Service Health event per tracking id: its latest update."""
    by_id: dict[str, ServiceEvent] = {}
    for e in events:
        cur = by_id.get(e.tracking_id)
        if cur is None or (e.at and (cur.at is None or e.at > cur.at)):
            by_id[e.tracking_id] = e
    return sorted(by_id.values(), key=lambda e: e.at or datetime.min, reverse=True)


def link_own(ctx: Ctx, changes: list[ResourceChange]) -> list[ResourceChange]:
    """Mark the changes the bot made itself with their request (#n) and its thread, from the
    store's audit trail (`applied` rows). Without a store, or when it cannot be read, the
    changes stay as Azure records them."""
    if ctx.store is None or not changes:
        return changes
    try:
        rows = [r for r in ctx.store.recent_audit(limit=200) if r.action == "applied" and r.request]
    except StoreError:
        return changes
    if not rows:
        return changes
    requests: dict[int, dict[str, Any]] = {}
    out: list[ResourceChange] = []
    used: set[int] = set()
    for c in changes:
        row = own_row(c, rows, used)
        if row is None or row.request is None:
            out.append(c)
            continue
        used.add(id(row))
        body = requests.get(row.request)
        if body is None:
            try:
                rec = ctx.store.get_request(row.request)
            except StoreError:
                rec = None
            body = dict(rec.body) if rec is not None else {}
            requests[row.request] = body
        out.append(
            dataclasses.replace(
                c,
                request=row.request,
                request_channel=str(body.get("channel") or ""),
                request_ref=str(body.get("message_ref") or ""),
            )
        )
    return out


def own_row(c: ResourceChange, rows: Sequence[AuditEntry], used: set[int]) -> AuditEntry | None:
    """The `applied` row of the bot's request behind this change: same resource, within
    `OWN_WINDOW`, not already given to another change; of those, one whose new values are
    the change's (`after` {flag: value} against the property's after), then the nearest in
    time. So two requests on one peering minutes apart each keep their own thread."""
    key = rid_key(c.resource_id)
    found = [r for r in rows if id(r) not in used and rid_key(r.subject) == key and abs(r.at - c.at) <= OWN_WINDOW]
    if not found:
        return None
    return min(found, key=lambda r: (0 if _same_values(c, r) else 1, abs(r.at - c.at)))


def _same_values(c: ResourceChange, r: AuditEntry) -> bool:
    after = {p.path.rsplit(".", 1)[-1].lower(): p.after.lower() for p in c.properties}
    return bool(r.after) and all(after.get(k.lower()) == str(v).lower() for k, v in r.after.items())


def request_approver(ctx: Ctx, number: int) -> str:
    """Who approved the bot's request #number ("" when unknown)."""
    if ctx.store is None or not number:
        return ""
    try:
        rec = ctx.store.get_request(number)
    except StoreError:
        return ""
    return str(rec.body.get("decided_by") or "") if rec is not None else ""
