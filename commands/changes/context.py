"""What changed, and is it Azure: the context under a 🔴 finding and in an alert.

For each problem, the most relevant recent change to the resources it is about and their
neighbours (`commands.changes.scope.around`), one line under it ("🕒 name: 14 min before:
`allowGatewayTransit` `true` → `false` on peer-hub-to-app by alice@contoso.com …"), and
Azure's own word on it: the gateways' Resource Health when not Available, and Service Health
incidents or maintenance for their regions and services. The rest — every change found,
Resource Health's recent history of the gateways — goes in the thread.

Not every change explains a problem. A change is only shown under a problem when:

* it touched the problem's resources or their neighbours (a change elsewhere is not blamed);
* it happened before the problem was seen (and within `LOOKBACK`);
* it did change something that carries traffic: a change of tags only, or one Azure refused
  (Failed), changed nothing that could explain it;
* it is of a kind that can cause that kind of problem (`area_of`, `fits`): a tunnel's on its
  connections, gateways, local network gateways; a name's on DNS; a SQL port check's on the
  security groups on the client's way;
* for a problem about connections, it touched those connections or their reverse halves — a key
  set on another tunnel of the same gateway is not this tunnel's (`tunnels_of`);
* a private DNS record set is blamed only when it is a record of the problem's endpoints' own
  names that does not give their address now (`scope.around`, `near_enough`);

and changes to the problem's own resources rank before changes to neighbours, then newest first.

Costs: nothing is read when there is no 🔴 problem; otherwise one `read_history` (ONE
Resource Graph query, ONE Activity Log list and ONE Resource Health list per subscription),
plus Resource Health's history of at most `MAX_HISTORY` gateways, for the thread.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from commands.changes.read import History, read_history, request_approver
from commands.changes.scope import RECORD_TYPES, Involved, around, type_of
from commands.changes.words import NEITHER, change_line, health_line, service_line
from commands.core.fanout import gather
from commands.core.model import HealthStatus, ResourceChange, ServiceEvent, name_of, rid_key
from commands.core.regions import normalise
from commands.core.registry import Ctx
from commands.core.reply import Context, Finding, Header, Part, Reply, Text
from commands.core.text import Code, Icon, Rich, as_rich, code, join, rich, strong
from commands.judgement.causes import worst
from commands.judgement.estate import Estate
from commands.judgement.view import MAX_ROOTS

LOOKBACK = timedelta(hours=24)
# Marks the line under a 🔴 root cause that says what changed before it (not a symptom: ↳).
CHANGED_MARK = "🕒"
MAX_HISTORY = 3
MAX_IN_THREAD = 5
# Service Health's names of the services a VPN depends on.
VPN_SERVICES = frozenset(
    normalise(s) for s in ("VPN Gateway", "Virtual Network", "Virtual Network Gateway", "Network Infrastructure")
)
DNS_SERVICES = frozenset(normalise(s) for s in ("Azure DNS", "Azure Private Link", "Azure Private DNS"))
# Stages of a Service Health event that are over.
OVER = frozenset({"resolved", "complete", "completed", "rca"})


# What kind of change can explain what kind of problem, by the problem's finding keys
# (sandbox/estates/scenarios/vocabulary.json) and the changed resource's type: a tunnel's
# state depends on its connection, gateways and local network gateway; name resolution on
# private DNS, private endpoints and the VNet's DNS servers; ports a client may open on the
# security groups on its way (their rules, and which subnet or NIC they are on,
# https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works);
# reachability on all of the network (peerings, route tables, NSGs, gateways, connections).
# Checked in this order: `sql_policy` (item 7: ports, judged on the client VMs' effective
# rules) is a ports problem, not a DNS one.
_PORTS = ("sql_policy",)
_TUNNEL = (
    "down",
    "one_way",
    "tunnel_down",
    "connecting",
    "shared_key",
    "bgp_",
    "missing_reverse",
    "gateway_failed",
    "provisioning_failed",
)
_DNS = ("pe_", "p2s_dns", "sql_", "dns")
TUNNEL_TYPES = ("/connections", "/virtualnetworkgateways", "/localnetworkgateways")
DNS_TYPES = ("/privatednszones", "/privateendpoints", "/dnsresolvers", "/virtualnetworks")
PORT_TYPES = ("/networksecuritygroups", "/networksecuritygroups/securityrules", "/networkinterfaces")


def area_of(keys: Iterable[str]) -> str:
    """ "tunnel", "dns", "ports" or "network" (anything, for reachability and what is not known)."""
    areas = set()
    for k in keys:
        low = k.lower()
        if low.startswith(_PORTS):
            areas.add("ports")
        elif low.startswith(_TUNNEL):
            areas.add("tunnel")
        elif low.startswith(_DNS):
            areas.add("dns")
        else:
            areas.add("network")
    return areas.pop() if len(areas) == 1 else "network"


def fits(c: ResourceChange, area: str) -> bool:
    """Can a change to this kind of resource explain a problem of this area? A peering's
    change (or a VNet's change of its peerings) is a network change, not a VNet's own."""
    kind = type_of_change(c)
    if area == "tunnel":
        # The resource, or a child of it (a connection's shared key, a gateway's NAT rule).
        return any(kind.endswith(t) or f"{t}/" in kind for t in TUNNEL_TYPES)
    if area == "dns":
        return kind.endswith(DNS_TYPES) or "/privatednszones/" in kind
    if area == "ports":
        # A security group's rules, or which subnet or NIC it is on (a VNet's subnet's
        # `networkSecurityGroup`, a NIC's own).
        return kind.endswith(PORT_TYPES) or (
            kind.endswith("/virtualnetworks") and any("networksecuritygroup" in p.path.lower() for p in c.properties)
        )
    return True


def is_record(rid: str) -> bool:
    """A private DNS record set (`privateDnsZones/<zone>/A/<name>`), not the zone or a link."""
    kind = type_of(rid)
    return kind.startswith("microsoft.network/privatednszones/") and kind.rsplit("/", 1)[-1] in RECORD_TYPES


def near_enough(c: ResourceChange, near: Involved) -> bool:
    """The change is to one of these resources or a child of one. A record set only counts when
    it is itself one of them (a record the problem's names resolve through): another name's
    record in the same zone cannot explain it."""
    if is_record(c.resource_id):
        return rid_key(c.resource_id) in near.keys
    return near.covers(c.resource_id)


def type_of_change(c: ResourceChange) -> str:
    kind = type_of(c.resource_id)
    if kind.endswith("/virtualnetworks") and any("virtualnetworkpeerings" in p.path.lower() for p in c.properties):
        return kind + "/virtualnetworkpeerings"
    return kind


def explains(c: ResourceChange) -> bool:
    """Could this change explain a problem? Not when it only changed tags, nor when Azure
    refused it (nothing changed)."""
    if c.result.lower() in ("failed", "canceled", "cancelled"):
        return False
    props = [p for p in c.properties if p.category != "System"]
    return not (props and all(p.path.lower().startswith("tags") for p in props))


def relevant(
    hist: History,
    subjects: Iterable[str],
    near: Involved,
    at: datetime,
    window: timedelta = LOOKBACK,
    area: str = "network",
    tunnels: set[str] | None = None,
) -> list[ResourceChange]:
    """The changes that could explain a problem of `area` about `subjects` seen at `at`,
    most relevant first. `tunnels`: when the problem is about connections, their keys and
    their reverses' — a change to another connection (its shared key, its IPsec policy) cannot
    explain it, even on the same gateway."""
    own = Involved()
    for s in subjects:
        own.add(s)
    found = [
        c
        for c in hist.changes
        if near_enough(c, near)
        and (tunnels is None or not connection_of(c.resource_id) or connection_of(c.resource_id) in tunnels)
        and at - window <= c.at <= at + timedelta(minutes=1)
        and explains(c)
        and fits(c, area)
    ]
    return sorted(found, key=lambda c: (0 if own.covers(c.resource_id) else 1, -c.at.timestamp()))


def connection_of(rid: str) -> str:
    """The key of the connection a resource is or belongs to (`…/connections/c/sharedkey/reset`),
    "" for anything else."""
    k = rid_key(rid)
    marker = "/providers/microsoft.network/connections/"
    at = k.find(marker)
    if at < 0:
        return ""
    end = k.find("/", at + len(marker))
    return k if end < 0 else k[:end]


def tunnels_of(est: Estate, subjects: Iterable[str]) -> set[str] | None:
    """The connections a problem is about, with their reverse halves (a VNet-to-VNet pair's keys
    must match); None when it is about none (a gateway's problem: any of its connections)."""
    own = {connection_of(s) for s in subjects} - {""}
    if not own:
        return None
    for c in est.connections:
        for r in est.connections:
            if (
                rid_key(c.id) in own
                and c.gateway2_id
                and rid_key(r.gateway1_id) == rid_key(c.gateway2_id)
                and rid_key(r.gateway2_id) == rid_key(c.gateway1_id)
            ):
                own.add(rid_key(r.id))
    return own


def gateways_of(near: Involved) -> list[str]:
    return sorted(k for k in near.keys if type_of(k).endswith("/virtualnetworkgateways"))


def unhealthy(hist: History, keys: Iterable[str]) -> list[HealthStatus]:
    return [st for k in keys if (st := hist.health.get(rid_key(k))) is not None and st.state != "Available"]


def platform_events(
    hist: History, locations: Iterable[str], services: frozenset[str] = VPN_SERVICES
) -> list[ServiceEvent]:
    """Service Health events that are not over, in these regions, for these services."""
    where = {normalise(x) for x in locations if x}
    return [
        e
        for e in hist.service_events
        if e.stage.lower() not in OVER
        and {normalise(r) for r in e.regions} & where
        and (not e.services or {normalise(s) for s in e.services} & services)
    ]


@dataclass
class Context_:
    """The context of one problem: its best change line, Azure's lines, and the thread's."""

    first: list[Rich] = field(default_factory=list)
    thread: list[Rich] = field(default_factory=list)


def problem_context(
    ctx: Ctx,
    hist: History,
    est: Estate,
    subjects: Sequence[str],
    at: datetime,
    *,
    before: datetime | None = None,
    area: str = "network",
) -> Context_:
    """The lines for a problem about `subjects` seen at `at` (`before`: word times relative
    to it — an alert's start)."""
    near = around(est, subjects)
    now = ctx.now()
    out = Context_()
    found = relevant(hist, subjects, near, at, area=area, tunnels=tunnels_of(est, subjects))
    if found:
        best = found[0]
        approver = request_approver(ctx, best.request) if best.request else ""
        name = near.name(best.resource_id)
        out.first.append(change_line(best, now, name, before=before, approver=approver, compact=True))
        for c in found[1:MAX_IN_THREAD]:
            out.thread.append(change_line(c, now, near.name(c.resource_id), before=before))
    elif not hist.graph_read or not all(hist.log_read(s) for s in hist.subscriptions):
        out.first.append(rich(Icon.WARNING, " Could not read what changed before it: ", _unread(hist)))
    gws = gateways_of(near)
    locations = {g.location for g in est.gateways if rid_key(g.id) in set(gws)}
    for st in unhealthy(hist, gws):
        name = near.names.get(rid_key(st.resource_id), name_of(st.resource_id))
        out.first.append(rich("Is it Azure? ", health_line(st, name, now)))
    for e in platform_events(hist, locations):
        out.first.append(rich("Is it Azure? ", service_line(e, now)))
    return out


def _unread(hist: History) -> Rich:
    parts = []
    for u in hist.failures:
        if u.source == "Resource Health":
            continue
        where = f" of {u.subscription}" if u.subscription else ""
        parts.append(rich(u.source, where, f" ({u.failure.kind})"))
    return join("; ", parts) + rich(". Not the same as no change.")


def red_roots(roots: Sequence[Finding]) -> list[Finding]:
    """The 🔴 root causes among those the first message shows: the ones given a context."""
    return [f for f in roots[:MAX_ROOTS] if worst(f) == 0]


class EarlyHistory:
    """The change history, read while the rest of the answer is still being read.

    `/vpn status` of a large scope waits up to a minute for Azure's diagnostic operations;
    read only after them, the history (one Resource Graph query, one Activity Log and one
    Resource Health list per subscription: 1–2 s) came after the slowest of them. So it starts
    as soon as a version of the answer shows a 🔴 root cause (`offer`), and `annotate` takes
    it from here. Nothing is read while no version shows one. What it holds is as of then: a
    change in the minute the rest took is not in it — the Activity Log itself shows a change
    only minutes after it was made."""

    def __init__(self, ctx: Ctx, est: Estate) -> None:
        self._ctx = ctx
        self._est = est
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._at: datetime | None = None
        self._hist: History | None = None
        self._bug: BaseException | None = None

    def offer(self, roots: Sequence[Finding]) -> None:
        """A version of the answer shows these root causes: start reading if one is 🔴."""
        if not red_roots(roots):
            return
        with self._lock:
            if self._thread is not None:
                return
            self._at = self._ctx.now()
            # In this job's context: its deadline, its log fields.
            run = contextvars.copy_context().run
            self._thread = threading.Thread(target=run, args=(self._read,), name="early-history", daemon=True)
            self._thread.start()

    def _read(self) -> None:
        assert self._at is not None
        try:
            self._hist = read_history(self._ctx, self._est.subscriptions, self._at - LOOKBACK)
        except BaseException as exc:  # noqa: BLE001 - a bug: re-raised on the command's thread
            self._bug = exc

    def result(self) -> History | None:
        """The history read, once read; None when no reading was started."""
        with self._lock:
            thread = self._thread
        if thread is None:
            return None
        thread.join()
        if self._bug is not None:
            raise self._bug
        return self._hist


def annotate(
    ctx: Ctx,
    reply: Reply,
    est: Estate,
    roots: Sequence[Finding],
    subjects_of: dict[str, frozenset[str]],
    early: EarlyHistory | None = None,
) -> Reply:
    """Under the root causes of the reply's first message, for each 🔴 one (of the first
    `MAX_ROOTS` shown there): its most relevant recent change, one line; and once, Azure's
    own word when it reports a problem. Everything else found goes in the thread. `roots`:
    the root causes as the first message lists them; `subjects_of`: finding key → the
    resources it is about (the judgement's `subjects`); `early`: the history, when it was
    read while the rest of the answer was. Nothing is read when none is 🔴."""
    shown = red_roots(roots)
    hist = early.result() if early is not None else None  # read or not, never left running
    if not shown:
        return reply
    now = ctx.now()
    if hist is None:
        hist = read_history(ctx, est.subscriptions, now - LOOKBACK)
    first: list[Rich] = []
    azure: list[Rich] = []
    thread: list[Part] = []
    for f in shown:
        subjects = _subjects(f, subjects_of)
        if not subjects:
            continue
        c = problem_context(ctx, hist, est, subjects, now, area=area_of(x.key for x in f.every()))
        changed = [x for x in c.first if not is_azure(x)]
        azure += [x for x in c.first if is_azure(x) and str(x) not in {str(a) for a in azure}]
        if changed:
            first.append(rich(CHANGED_MARK, " ", _label(f), ": ", changed[0]))
        if c.thread or changed[1:]:
            thread.append(Text(rich(strong("Changed before: "), f.title)))
            thread.append(Context(join("\n", [*changed[1:], *c.thread])))
    involved = {g for f in shown for g in gateways_of(around(est, _subjects(f, subjects_of)))}
    names = {rid_key(g.id): g.name for g in est.gateways}
    past = history_lines(ctx, sorted(involved), names)
    if past:
        thread.append(Context(join("\n", past)))
    lines = first + azure[:1]
    if lines:
        at = _after_roots(reply)
        reply.parts.insert(at, Context(join("\n", lines)))
    unread = [u for u in hist.failures if u.source == "Resource Health"]
    if unread:
        # Not knowing whether Azure reports a problem is said, never taken for "no problem".
        thread.append(
            Context(
                rich(
                    Icon.WARNING,
                    " Resource Health could not be read (",
                    ", ".join(sorted({u.failure.kind for u in unread})),
                    "): whether Azure reports a problem with these gateways is not known.",
                )
            )
        )
    if thread or azure[1:]:
        extra: list[Part] = [Context(join("\n", azure[1:]))] if azure[1:] else []
        reply.thread = [
            *reply.thread,
            Header("What changed before these problems"),
            *thread,
            *extra,
            Context(rich(NEITHER)),
        ]
    return reply


def history_lines(ctx: Ctx, gateways: Sequence[str], names: dict[str, str]) -> list[Rich]:
    """Resource Health's recent history of at most `MAX_HISTORY` gateways, a line each when
    it holds anything but Available (one read per gateway, concurrently; a failed read is said)."""
    chosen = list(dict.fromkeys(rid_key(g) for g in gateways))[:MAX_HISTORY]
    outcomes = gather([partial(ctx.azure.resource_health_history, g) for g in chosen], ctx.settings.concurrency)
    out: list[Rich] = []
    for g, o in zip(chosen, outcomes, strict=True):
        name = names.get(g, name_of(g))
        if o.error is not None:
            out.append(
                rich(Icon.WARNING, " Resource Health history of ", code(name), f" could not be read ({o.error.kind}).")
            )
            continue
        steps = [
            rich(
                st.state,
                f" {st.occurred_at:%Y-%m-%d %H:%M} UTC" if st.occurred_at else "",
                f" ({st.reason_type})" if st.reason_type else "",
            )
            for st in (o.value or [])[:4]
        ]
        if steps and any(st.state != "Available" for st in (o.value or [])[:4]):
            out.append(rich("Resource Health of ", code(name), ", newest first: ", join(" ← ", steps)))
    return out


def is_azure(x: Rich) -> bool:
    return str(x).startswith("Is it Azure?")


def _subjects(f: Finding, subjects_of: dict[str, frozenset[str]]) -> list[str]:
    return sorted({s for x in f.every() for s in subjects_of.get(x.key, frozenset())})


def _label(f: Finding) -> Rich:
    """The problem's name, short: the first name in its title (a connection, a peering)."""
    spans = as_rich(f.title).spans
    first = next((x for x in spans if isinstance(x, Code)), None)
    if first is not None:
        return rich(first)
    t = str(f.title)
    return rich(t if len(t) <= 40 else t[:39].rstrip() + "…")


def _after_roots(reply: Reply) -> int:
    """Where the context goes in the first message: after the root causes' lines (the second
    part), before the "more in the thread" line."""
    texts = [i for i, p in enumerate(reply.parts) if isinstance(p, Text)]
    return texts[1] + 1 if len(texts) > 1 else len(reply.parts)
