"""A change, a Resource Health status, a Service Health event: each in one line.

    18:02 UTC (14 min ago) · peer-hub-to-app (peering of vnet-hub): allowGatewayTransit true → false
    · by alice@contoso.com (Azure Portal) · Succeeded · Resource Graph + Activity Log

Who is as Azure records it (a user's UPN, an app's client id). Values are Azure's strings;
a shared key's value is never in either source, so a key's set or reset says only that.
"""

from __future__ import annotations

import re
from datetime import datetime

from commands.core.model import HealthStatus, PropertyChange, ResourceChange, ServiceEvent, name_of
from commands.core.regions import display_name
from commands.core.text import Rich, channel, code, join, rich, thread, user
from commands.core.units import ago, human_duration

SOURCE_WORDS = {
    "resource-graph": "Resource Graph",
    "activity-log": "Activity Log",
    "both": "Resource Graph + Activity Log",
}
# Said wherever changes are listed: what neither source records.
NEITHER = (
    "Neither Resource Graph nor the Activity Log records a shared key's value (only that it was set or reset), "
    "nor any change on the on-premises device; Resource Graph keeps 14 days of before → after, the Activity Log 90 days of operations."
)
MAX_PROPERTIES = 3
_RECORD_WRITE = re.compile(r"^microsoft\.network/privatednszones/(a|aaaa|cname|mx|ptr|soa|srv|txt)/write$")


def short_path(path: str) -> str:
    """`properties.ipsecPolicies[0].ikeEncryption` → `ipsecPolicies[0].ikeEncryption`."""
    return path[len("properties.") :] if path.startswith("properties.") else path


def _value(v: str) -> str:
    if v == "":
        return "∅"
    return v if len(v) <= 60 else v[:57] + "…"


def property_words(p: PropertyChange) -> Rich:
    if p.kind == "Insert":
        return rich(code(short_path(p.path)), " set to ", code(_value(p.after)))
    if p.kind == "Remove":
        return rich(code(short_path(p.path)), " removed (was ", code(_value(p.before)), ")")
    return rich(code(short_path(p.path)), " ", code(_value(p.before)), " → ", code(_value(p.after)))


def what(c: ResourceChange, limit: int = MAX_PROPERTIES, *, compact: bool = False) -> Rich:
    """What changed: the properties (before → after) when Azure gives them, else the operation."""
    props = [p for p in c.properties if p.category != "System"] or list(c.properties)
    if props:
        shown = [property_words(p) for p in props[:limit]]
        more = len(props) - limit
        return join("; ", shown) + (rich(f"; and {more} more") if more > 0 else rich())
    op = c.operation.lower()
    if "sharedkey" in op:
        verb = "reset" if is_key_reset(c) else "set"
        return rich("shared key ", verb) if compact else rich("shared key ", verb, " (its value is in neither source)")
    if op.endswith("/delete") or c.change_type == "Delete":
        return rich("deleted")
    record = _RECORD_WRITE.match(op)
    if record is not None:
        # The Activity Log has the write of a private DNS record set, not its addresses.
        done = rich(f"{record.group(1).upper()} record set written")
        return done if compact else done + rich(" (the Activity Log records the write, not the addresses)")
    if c.change_type == "Create":
        return rich("created")
    return rich(code(c.operation or "write"), " (no property detail: ", _only(c), ")")


def is_key_reset(c: ResourceChange) -> bool:
    """A shared key's reset: the POST `connections/{c}/sharedkey/reset`
    (VirtualNetworkGatewayConnections_ResetSharedKey), recorded as the shared key's POST action
    `Microsoft.Network/connections/sharedkey/action` — the one POST action of a shared key
    (https://learn.microsoft.com/azure/role-based-access-control/resource-provider-operations#microsoftnetwork);
    a set is the PUT, `sharedKey/write`."""
    op = c.operation.lower()
    return "sharedkey" in op and (
        "reset" in op or op.endswith("/action") or "/sharedkey/reset" in c.resource_id.lower()
    )


def _only(c: ResourceChange) -> str:
    return "the Activity Log records operations, not values" if c.source == "activity-log" else "none given"


def who(c: ResourceChange) -> Rich:
    if not c.who:
        return rich("by an unrecorded caller")
    out = rich("by ", code(c.who))
    if c.client and c.client.lower() not in ("unspecified", "other"):
        out = out + rich(f" ({c.client})")
    return out


def own(c: ResourceChange, approver: str = "") -> Rich:
    """The bot's own change: its request, a link to the request's thread (where it was
    asked, approved and answered), and the channel."""
    if not c.request:
        return rich()
    label = f"request #{c.request}"
    bits = rich(thread(c.request_ref, label) or label)
    if c.request_channel and not c.request_ref:
        bits = bits + rich(", thread in ", channel(c.request_channel))
    if approver:
        bits = rich("approved by ", user(approver), ", ") + bits
    return rich(" (made by vpnops: ", bits, ")")


def change_line(
    c: ResourceChange,
    now: datetime,
    name: str = "",
    *,
    before: datetime | None = None,
    approver: str = "",
    compact: bool = False,
) -> Rich:
    """One change in one line. `before`: say "14 min before" that time (an alert's start)
    instead of "14 min ago"; `compact`: the short form a first message shows."""
    if before is not None:
        delta = (before - c.at).total_seconds()
        when = rich(f"{human_duration(delta)} before") if delta >= 60 else rich("at the same time")
    elif compact:
        when = rich(ago(c.at, now))
    else:
        when = rich(f"{c.at:%Y-%m-%d %H:%M} UTC ({ago(c.at, now)})")
    label = name or name_of(c.resource_id)
    result = rich(" · ", c.result) if c.result else rich()
    return rich(
        when,
        ": ",
        what(c, 1 if compact else MAX_PROPERTIES, compact=compact),
        " on ",
        code(label),
        " ",
        who(c),
        own(c, approver),
        result,
        " · ",
        SOURCE_WORDS.get(c.source, c.source),
    )


def health_line(st: HealthStatus, name: str, now: datetime) -> Rich:
    since = rich(f" since {st.occurred_at:%H:%M} UTC ({ago(st.occurred_at, now)})") if st.occurred_at else rich()
    reason = rich(f" ({st.reason_type})") if st.reason_type else rich()
    summary = rich(": ", st.summary) if st.summary and st.state != "Available" else rich()
    return rich("Resource Health: ", code(name), " ", st.state, since, reason, summary)


def service_line(e: ServiceEvent, now: datetime) -> Rich:
    kind = {"Incident": "incident", "Maintenance": "planned maintenance"}.get(e.kind, e.kind.lower() or "event")
    where = ", ".join(display_name(r) for r in e.regions) or "?"
    services = ", ".join(e.services) or "?"
    started = rich(f", since {e.start:%H:%M} UTC ({ago(e.start, now)})") if e.start else rich()
    return rich(
        "Service Health ",
        kind,
        f" ({e.stage or '?'}): ",
        e.title,
        f" — {services} in {where}",
        started,
        rich(" · tracking id ", code(e.tracking_id)) if e.tracking_id else rich(),
    )
