"""`/vpn status <region|gateway>`: the command, and which gateways its words choose.

Phase 1 of the gathering is here: the subscriptions, then every subscription's gateways
(one task per subscription), because the scope is chosen from what they hold — a region,
a gateway by name, or the gateway of a connection. Phases 2 and 3 are `gather.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from commands.core import regions
from commands.core.estate import subscriptions_in_scope
from commands.core.fanout import gather
from commands.core.lookup import by_name
from commands.core.model import Connection, Gateway, Subscription, name_of, rid_key
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Reply, Text, error_reply
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.core.units import plural
from commands.status.deltas import earlier_samples
from commands.status.gather import gather_status, is_vpn
from commands.status.render import failure_lines, render_status
from commands.status.report import Failure

Scope = Callable[[Gateway], bool]


@command("status", usage="status <region|gateway>", example="/vpn status australia")
def status(ctx: Ctx, args: str) -> Reply:
    """Is every tunnel up, and does traffic flow both ways? Every VPN gateway of a region with its connections, tunnels, BGP peers and VPN clients — problems first, each with what to do next.

    `australia`, `europe`, `us`, `asia`, `all`… cover every region of an area; `australiaeast`
    or `Australia East` one region; a gateway's name (or `resource-group/name`, or its id)
    one gateway; a connection's name its gateway.
    """
    target = " ".join(args.split())
    if not target:
        raise regions.unknown_target("")
    subs = subscriptions_in_scope(ctx, "VPN gateways")
    listing = _list_gateways(ctx, subs)
    chosen = _choose(ctx, target, listing)
    if isinstance(chosen, Reply):
        return chosen
    label, scope = chosen
    if not any(is_vpn(g) and scope(g) for g in listing.gateways):
        return _no_gateways(label, listing.gateways, listing.failures)
    report = gather_status(ctx, label, scope, listing.gateways)
    report.failures[:0] = listing.failures
    report.subscriptions = list(subs)
    report.samples = earlier_samples(ctx)
    return render_status(report, ctx.now())


@dataclass
class _Listing:
    """Phase 1's result: every gateway of every subscription, and what could not be listed."""

    subs: list[Subscription]
    gateways: list[Gateway] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    unread: set[str] = field(default_factory=set)  # ids of subscriptions whose gateways could not be listed


def _list_gateways(ctx: Ctx, subs: list[Subscription]) -> _Listing:
    """Every subscription's gateways, one task per subscription."""
    ctx.out.progress(f"listing gateways in {plural(len(subs), 'subscription')}…")
    listing = _Listing(subs)
    outcomes = gather([partial(ctx.azure.gateways, s.id) for s in subs], ctx.settings.concurrency)
    for s, o in zip(subs, outcomes, strict=True):
        if o.error is not None:
            listing.failures.append(Failure("list gateways", _subscription(s), o.error))
            listing.unread.add(s.id)
        else:
            listing.gateways.extend(o.value or [])
    return listing


def _subscription(s: Subscription) -> Rich:
    return rich("subscription ", code(s.name or s.id), f" ({s.id})")


def _choose(ctx: Ctx, target: str, listing: _Listing) -> tuple[str, Scope] | Reply:
    """The scope the words choose and its label: a region or area, a gateway, or the gateway
    of a connection; a question when a name is ambiguous. Raises UsageError when nothing matches."""
    region = regions.match_regions(target)
    if region is not None:
        return region.label, _in_regions(region)
    vpn = [g for g in listing.gateways if is_vpn(g)]
    hits: list[Gateway] = by_name(vpn, target)
    if not hits:
        by_conn = _gateways_of_connection(ctx, target, listing)
        if isinstance(by_conn, Reply):
            return by_conn
        hits = by_conn
    if not hits:
        err = regions.unknown_target(target, tuple(g.name for g in vpn))
        if listing.failures:
            err.hint = rich(
                err.hint,
                " (Some subscriptions could not be read, so the gateway may be there: ",
                join("; ", [f.what for f in listing.failures]),
                ".)",
            )
        raise err
    if len({rid_key(h.id) for h in hits}) > 1:
        return _ambiguous(target, hits, "gateway")
    return hits[0].name, _is_gateway(hits[0].id)


def _in_regions(scope: regions.RegionScope) -> Scope:
    return lambda g: scope.contains(g.location)


def _is_gateway(gateway_id: str) -> Scope:
    key = rid_key(gateway_id)
    return lambda g: rid_key(g.id) == key


def _gateways_of_connection(ctx: Ctx, target: str, listing: _Listing) -> list[Gateway] | Reply:
    """A connection's name or id selects the gateway that owns it (alert buttons send those)."""
    subs = listing.subs
    outcomes = gather([partial(ctx.azure.connections, s.id) for s in subs], ctx.settings.concurrency)
    conns: list[Connection] = []
    for s, o in zip(subs, outcomes, strict=True):
        if o.error is None:
            conns.extend(o.value or [])
        elif s.id not in listing.unread:
            listing.failures.append(Failure("list connections", _subscription(s), o.error))
    hits = by_name(conns, target)
    if len({rid_key(h.id) for h in hits}) > 1:
        return _ambiguous(target, hits, "connection")
    if not hits:
        return []
    owner = rid_key(hits[0].gateway1_id)
    found = [g for g in listing.gateways if rid_key(g.id) == owner]
    if found:
        return found
    return error_reply(
        rich(
            "The connection ",
            code(hits[0].name),
            " belongs to gateway ",
            code(name_of(hits[0].gateway1_id)),
            ", which the bot could not read.",
        ),
        rich("Check the bot's access to that gateway's subscription."),
    )


def _ambiguous(name: str, matches: list[Gateway] | list[Connection], kind: str) -> Reply:
    lines = [
        rich("• ", code(m.name), " in ", regions.display_name(m.location), ": ", code(f"/vpn status {m.id}"))
        for m in matches
    ]
    text = rich(f"Several {kind}s are called ", code(name), ". Which one?")
    return Reply(fallback=text, visibility="ephemeral").add(Text(rich(strong(text), "\n", join("\n", lines))))


def _no_gateways(label: str, gateways: list[Gateway], failures: list[Failure]) -> Reply:
    where: dict[str, int] = {}
    for g in gateways:
        if is_vpn(g):
            where[g.location] = where.get(g.location, 0) + 1
    text = rich("No VPN gateways in ", label, ".")
    reply = Reply(fallback=text).add(Text(rich(strong(text))))
    if where:
        listing = ", ".join(
            f"{regions.display_name(loc)} ({n})" for loc, n in sorted(where.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        reply.add(Text(rich(f"Gateways exist in: {listing}.")))
        first = sorted(where, key=lambda loc: -where[loc])[0]
        reply.add(Context(rich("Example: ", code(f"/vpn status {regions.normalise(first)}"))))
    else:
        reply.add(Text(rich("No VPN gateway was found in any subscription the bot can read.")))
    if failures:
        reply.add(
            Text(
                rich(Icon.WARNING, " ", strong("Could not read everything:"), "\n", join("\n", failure_lines(failures)))
            )
        )
    return reply
