"""`/vpn status <region|gateway>`: the command, and which gateways its words choose.

The estate is read once (`commands.judgement.estate`): every list of every subscription,
because the scope is chosen from what they hold — a region, a gateway by name, or the
gateway of a connection — and because status shows what the one judgement of the estate
says about those gateways (`commands.judgement.judge`): the same findings `/vpn diagnose`,
`/vpn routes` and the watch show for them. The gateways in scope are then read in depth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from commands.changes.context import EarlyHistory, annotate
from commands.core import regions
from commands.core.estate import subscriptions_in_scope
from commands.core.lookup import by_name
from commands.core.model import Connection, Gateway, Subscription, name_of, rid_key
from commands.core.parse import unquote
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Reply, Text, error_reply
from commands.core.text import Icon, code, join, rich, strong
from commands.core.units import plural
from commands.findings.dns import facts as dnsf
from commands.judgement.estate import Estate, read_estate, read_in_depth, read_peered_vnets
from commands.judgement.gateways import is_vpn
from commands.judgement.judge import judge
from commands.judgement.progress import Progress
from commands.judgement.view import problems
from commands.status.deltas import earlier_samples
from commands.status.live import LiveAnswer, answer_once, render_partial
from commands.status.render import render_status
from commands.status.report import StatusReport

Scope = Callable[[Gateway], bool]


@command("status", usage="status <region|gateway>", example="/vpn status australia")
def status(ctx: Ctx, args: str) -> Reply | None:
    """Is every tunnel up, and does traffic flow both ways? Every VPN gateway of a region with its connections, tunnels, BGP peers and VPN clients — problems first, each with what to do next.

    `australia`, `europe`, `us`, `asia`, `all`… cover every region of an area; `australiaeast`
    or `Australia East` one region; a gateway's name (or `resource-group/name`, or its id)
    one gateway; a connection's name its gateway. A large scope answers at once with what is
    known and updates that message as Azure's slower answers (BGP peers, learned routes) arrive.
    """
    # Everyone asking the same in this channel meanwhile shares one reading (status/live.py).
    key = ("status", ctx.channel, unquote(args).lower())
    return answer_once(ctx, key, lambda publish: status_answer(ctx, args, progressive=True, publish=publish))


def status_answer(
    ctx: Ctx, args: str, progressive: bool = False, publish: Callable[[Reply, bool], None] | None = None
) -> Reply | None:
    """`/vpn status <args>`: the complete answer, returned; or, `progressive`, what is known
    posted first and revised in place as the rest arrives (None is then returned once the
    complete answer is posted; a scope read within a second is returned as one answer)."""
    target = unquote(args)
    if not target:
        raise regions.unknown_target("")
    subs = subscriptions_in_scope(ctx, "VPN gateways")
    progress = Progress(ctx)
    est = read_estate(ctx, subs, progress)
    chosen = _choose(target, est)
    if isinstance(chosen, Reply):
        return chosen
    label, scope = chosen
    if not any(is_vpn(g) and scope(g) for g in est.gateways):
        return _no_gateways(label, est)
    read_peered_vnets(ctx, est, progress)
    est.samples = earlier_samples(ctx)  # the rates against the SKU's benchmark: the same in every command
    if not progressive:
        read_in_depth(ctx, est, label, scope)
        progress.say("Putting the findings together…", force=True)
        return _complete(ctx, label, est, subs)
    # What is known is shown first and revised as Azure's slower answers arrive (status/live.py).
    live = LiveAnswer(ctx, publish=publish)
    in_scope = {rid_key(g.id) for g in est.gateways if scope(g)}
    n_conns = sum(1 for c in est.connections if rid_key(c.gateway1_id) in in_scope)
    reading = f"the status and counters of {plural(n_conns, 'connection')}"
    # What changed is read once a version shows a 🔴, beside the slower operations, not after them.
    early = EarlyHistory(ctx, est)
    live.offer(lambda: render_partial(label, est, scope, reading, {}, seen=early.offer))

    def partial(now: Estate, pending: dict[str, int]) -> None:
        live.offer(lambda: render_partial(label, now, scope, "", pending, seen=early.offer))

    read_in_depth(ctx, est, label, scope, on_partial=partial)
    progress.say("Putting the findings together…", force=True)
    return live.finish(_complete(ctx, label, est, subs, early))


def _complete(
    ctx: Ctx, label: str, est: Estate, subs: Sequence[Subscription], early: EarlyHistory | None = None
) -> Reply:
    """The complete answer: the one judgement of everything read, and under each 🔴 root
    cause what changed before it and whether Azure reports a problem (issue 22)."""
    report = StatusReport(label, est, judge(est), list(subs), est.samples)
    reply = render_status(report, ctx.now())
    return annotate(ctx, reply, est, problems(report.findings), report.judgement.subjects, early)


def _choose(target: str, est: Estate) -> tuple[str, Scope] | Reply:
    """The scope the words choose and its label: a region or area, a gateway, or the gateway
    of a connection; a question when a name is ambiguous. Raises UsageError when nothing matches."""
    region = regions.match_regions(target)
    if region is not None:
        return region.label, _in_regions(region)
    vpn = [g for g in est.gateways if is_vpn(g)]
    hits: list[Gateway] = by_name(vpn, target)
    if not hits:
        by_conn = _gateways_of_connection(target, est)
        if isinstance(by_conn, Reply):
            return by_conn
        hits = by_conn
    if not hits:
        err = regions.unknown_target(target, tuple(g.name for g in vpn))
        unread = [f for f in est.failures if f.kind in (dnsf.GATEWAYS, dnsf.CONNECTIONS)]
        if unread:
            names = {s.id.lower(): s.name or s.id for s in est.subscriptions}
            subs = dict.fromkeys(f.subscription_id for f in unread)
            err.hint = rich(
                err.hint,
                " (Some subscriptions could not be read, so the gateway may be there: ",
                join("; ", [rich("subscription ", code(names.get(s.lower(), s)), f" ({s})") for s in subs]),
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


def _gateways_of_connection(target: str, est: Estate) -> list[Gateway] | Reply:
    """A connection's name or id selects the gateway that owns it (alert buttons send those)."""
    hits: list[Connection] = by_name(est.connections, target)
    if len({rid_key(h.id) for h in hits}) > 1:
        return _ambiguous(target, hits, "connection")
    if not hits:
        return []
    owner = rid_key(hits[0].gateway1_id)
    found = [g for g in est.gateways if rid_key(g.id) == owner]
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


def _no_gateways(label: str, est: Estate) -> Reply:
    where: dict[str, int] = {}
    for g in est.gateways:
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
    lines = est.gap_lines()
    if lines:
        reply.add(Text(rich(Icon.WARNING, " ", strong("Could not read everything:"), "\n", join("\n", lines))))
    return reply
