"""`/vpn changes [region|vnet|gateway|connection] [since 2h|1d|…]`: what changed in the VPN
estate, newest first, and whether Azure itself reports a problem.

The scope is chosen from the estate read once (`commands.judgement.estate.read_estate`, the
lists only): a region or area, a VNet, a gateway or a connection, with their neighbours
(`commands.changes.scope`); nothing = the whole VPN estate read. The changes come from one
`read_history` (ONE Resource Graph query, ONE Activity Log list per subscription).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from commands.changes.context import DNS_SERVICES, VPN_SERVICES, gateways_of, history_lines, platform_events, unhealthy
from commands.changes.read import ACTIVITY_LOG_DAYS, RESOURCE_GRAPH_DAYS, History, read_history, request_approver
from commands.changes.scope import Involved, around, everything
from commands.changes.words import NEITHER, change_line, health_line, service_line
from commands.core import regions
from commands.core.errors import UsageError
from commands.core.estate import subscriptions_in_scope
from commands.core.lookup import by_name
from commands.core.model import ResourceChange, rid_key
from commands.core.parse import unquote
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Reply, Text
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.core.units import human_duration, plural
from commands.findings.dns import facts as dnsf
from commands.judgement.estate import LGW, ROUTE_TABLES, Estate, read_estate
from commands.judgement.progress import Progress

USAGE = "changes [region|vnet|gateway|connection] [since 2h|1d|…]"
EXAMPLE = "/vpn changes vgw-eun since 2h"
DEFAULT_SINCE = timedelta(days=1)
FIRST_LINES = 3  # changes in the first message (phone-sized); the rest in the thread
THREAD_LINES = 40
KINDS = (dnsf.GATEWAYS, dnsf.VNETS, dnsf.CONNECTIONS, LGW, dnsf.PRIVATE_ENDPOINTS, dnsf.ZONES, ROUTE_TABLES)
_SPAN = re.compile(r"^(\d+)\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$", re.IGNORECASE)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@command("changes", usage=USAGE, example=EXAMPLE, aliases=("changed", "what-changed"))
def changes(ctx: Ctx, args: str) -> Reply:
    """What changed in the VPN estate, newest first — gateways, connections (shared key set or reset, IPsec policy, BGP, traffic selectors, NAT rules), local network gateways, peerings, route tables, NSGs, private DNS zones and links, private endpoints: when, who (as Azure records it), before → after, and the result — and whether Azure itself reports a problem (Resource Health, Service Health).

    `vgw-eun`, a VNet, a connection or a region/area (`europe`) narrows it to those resources
    and their neighbours; nothing looks at everything. `since 2h`, `since 1d`, `since 2w`
    (default 1 d; Resource Graph keeps 14 days of before → after, the Activity Log 90 days of
    operations). Each line says which source it came from; a change the bot made names its
    approver and links to its request's thread.
    """
    target, span = parse_args(unquote(args))
    subs = subscriptions_in_scope(ctx, "your VPN gateways")
    progress = Progress(ctx)
    est = read_estate(ctx, subs, progress, kinds=KINDS)
    label, near = choose(target, est)
    progress.say("Reading Resource Graph and the Activity Log…", force=True)
    now = ctx.now()
    hist = read_history(ctx, subs, now - span)
    return render(ctx, label, near, est, hist, span, now)


def parse_args(text: str) -> tuple[str, timedelta]:
    """(target words, how far back). Raises UsageError on a bad `since`."""
    words = text.split()
    span = DEFAULT_SINCE
    low = [w.lower() for w in words]
    if "since" in low:
        i = low.index("since")
        spec = " ".join(words[i + 1 :])
        span = parse_span(spec)
        words = words[:i]
    elif words and _SPAN.match(words[-1]):
        span = parse_span(words[-1])
        words = words[:-1]
    return " ".join(words).strip(), span


def parse_span(spec: str) -> timedelta:
    m = _SPAN.match(spec.strip())
    if not m:
        raise UsageError(
            rich("`since` takes a length of time, not ", code(spec.strip()[:40] or "nothing"), "."),
            rich("Give a number and a unit: ", code("30m"), ", ", code("2h"), ", ", code("1d"), ", ", code("2w"), "."),
            example=EXAMPLE,
        )
    seconds = int(m.group(1)) * _UNITS[m.group(2)[0].lower()]
    if seconds <= 0:
        raise UsageError(
            rich("`since` must be longer than zero."), rich("For example ", code("since 2h"), "."), EXAMPLE
        )
    if seconds > ACTIVITY_LOG_DAYS * 86400:
        raise UsageError(
            rich(f"The Activity Log keeps {ACTIVITY_LOG_DAYS} days, so ", code(spec.strip()), " is too far back."),
            rich(f"Use at most {ACTIVITY_LOG_DAYS}d (Resource Graph's before → after covers {RESOURCE_GRAPH_DAYS}d)."),
            example="/vpn changes since 30d",
        )
    return timedelta(seconds=seconds)


def choose(target: str, est: Estate) -> tuple[str, Involved]:
    """The label and the resources the words choose. Raises UsageError when nothing matches
    or a name is ambiguous."""
    if not target:
        return "the VPN estate", everything(est)
    region = regions.match_regions(target)
    if region is not None:
        ids = [g.id for g in est.gateways if region.contains(g.location)]
        ids += [v.id for v in est.vnets if region.contains(v.location)]
        return region.label, around(est, ids)
    hits: list[tuple[str, str, str]] = []  # (kind, name, id)
    hits += [("gateway", x.name, x.id) for x in by_name(est.gateways, target)]
    hits += [("connection", x.name, x.id) for x in by_name(est.connections, target)]
    hits += [("VNet", x.name, x.id) for x in by_name(est.vnets, target)]
    if len({rid_key(h[2]) for h in hits}) > 1:
        choices = join(", ", [rich(k, " ", code(i)) for k, _, i in hits[:5]])
        raise UsageError(
            rich("Several resources are called ", code(target), "."),
            rich("Give its id: ", choices, "."),
            example=f"/vpn changes {hits[0][2]}",
        )
    if not hits:
        names = tuple(g.name for g in est.gateways) + tuple(c.name for c in est.connections)
        names += tuple(v.name for v in est.vnets)
        err = regions.unknown_target(target, names, what="region, VNet, gateway or connection")
        err.example = "/vpn changes " + (regions.nearest_names(target, names, 1) or ["europe"])[0]
        raise err
    kind, name, rid = hits[0]
    return f"{kind} {name}", around(est, [rid])


def _headline(label: str, n: int, hist: History, span: timedelta) -> Rich:
    window = f"in the last {human_duration(span.total_seconds())}"
    if hist.nothing_read:
        return rich(Icon.FAILED, f" Could not read the changes to {label}: ", _unread_words(hist))
    partial = not hist.graph_read or not all(hist.log_read(s) for s in hist.subscriptions)
    if n == 0 and not partial:
        return rich(f"No change to {label} {window} (Resource Graph and the Activity Log both read).")
    if n == 0:
        return rich(
            Icon.WARNING, f" No change found to {label} {window}, but ", _unread_words(hist), " — not the same as none."
        )
    head = rich(f"{plural(n, 'change')} to {label} {window}, newest first.")
    return head if not partial else rich(head, " ", Icon.WARNING, " ", _unread_words(hist), ".")


def _unread_words(hist: History) -> Rich:
    bits = [
        rich(u.source, f" of {u.subscription}" if u.subscription else "", f" could not be read ({u.failure.kind})")
        for u in hist.failures
        if u.source != "Resource Health"
    ]
    return join("; ", bits)


def render(ctx: Ctx, label: str, near: Involved, est: Estate, hist: History, span: timedelta, now: datetime) -> Reply:
    found = [c for c in hist.changes if near.covers(c.resource_id)]
    head = _headline(label, len(found), hist, span)
    reply = Reply(fallback=head).add(Text(rich(strong(head))))
    approvers = {c.request: request_approver(ctx, c.request) for c in found if c.request}

    def line(c: ResourceChange) -> Rich:
        return rich("• ", change_line(c, now, near.name(c.resource_id), approver=approvers.get(c.request, "")))

    if found:
        reply.add(Text(join("\n", [line(c) for c in found[:FIRST_LINES]])))
    azure = _azure_lines(hist, near, est, now)
    if azure:
        reply.add(Context(azure[0]))
    more = len(found) - FIRST_LINES
    if more > 0:
        reply.add(Context(rich(f"{plural(more, 'older change')} in the thread.")))
    if found[FIRST_LINES:]:
        shown = found[FIRST_LINES : FIRST_LINES + THREAD_LINES]
        reply.more(Text(join("\n", [line(c) for c in shown])))
        rest = len(found) - FIRST_LINES - len(shown)
        if rest > 0:
            reply.more(Context(rich(f"…and {rest} older: narrow it with a target or ", code("since 2h"), ".")))
    past = history_lines(ctx, gateways_of(near), {rid_key(g.id): g.name for g in est.gateways})
    if azure[1:] or past:
        reply.more(Text(rich(strong("Is it Azure?"), "\n", join("\n", [*azure[1:], *past]))))
    notes = [rich(NEITHER)]
    if span > timedelta(days=RESOURCE_GRAPH_DAYS):
        notes.append(
            rich(f"Older than {RESOURCE_GRAPH_DAYS} days: the Activity Log's operations only (no before → after).")
        )
    for u in hist.failures:
        notes.append(
            rich(Icon.WARNING, " ", u.source, f" of {u.subscription}" if u.subscription else "", ": ", u.failure.advice)
        )
    gaps = est.gap_lines()
    if gaps:
        notes.append(
            rich(Icon.WARNING, " Some lists could not be read, so the scope may miss resources: ", join("; ", gaps))
        )
    reply.more(Context(join("\n", notes)))
    return reply


def _azure_lines(hist: History, near: Involved, est: Estate, now: datetime) -> list[Rich]:
    """First: one summary line ("Is it Azure? …"); then the details."""
    gws = gateways_of(near)
    locations = {g.location for g in est.gateways if rid_key(g.id) in set(gws)}
    locations |= {v.location for v in est.vnets if near.covers(v.id)}
    bad = unhealthy(hist, gws)
    events = platform_events(hist, locations, VPN_SERVICES | DNS_SERVICES)
    details = [health_line(st, near.names.get(rid_key(st.resource_id), ""), now) for st in bad]
    details += [service_line(e, now) for e in events]
    if not hist.health_read or any(u.source == "Resource Health" for u in hist.failures):
        summary = rich("Is it Azure? Resource Health could not be read.")
    elif bad or events:
        summary = rich(
            "Is it Azure? ", details[0], f" (+{len(details) - 1} more in the thread)" if len(details) > 1 else ""
        )
    elif gws:
        where = ", ".join(sorted(regions.display_name(x) for x in locations if x))
        ok = [k for k in gws if (st := hist.health.get(k)) is not None and st.state == "Available"]
        summary = rich(
            f"Is it Azure? Resource Health: {len(ok)} of {plural(len(gws), 'gateway')} Available; "
            f"no open Service Health event in {where or 'these regions'}."
        )
    else:
        return []
    return [summary, *details[1:]] if (bad or events) else [summary]


__all__ = ["changes", "choose", "parse_args"]
