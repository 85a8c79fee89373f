"""`/vpn connection <name|rg/name|id>`: one connection as Azure has it, with both ends compared.

The estate is read once (`commands.judgement.estate`), the connection's gateways in depth
(its GET, the reverse half and shared-key digests of a VNet-to-VNet pair, BGP peers,
learned routes), and then the two reads only this command makes: the connection's live
IKE SAs (`getikesas`, a long-running operation) and its gateway's NAT rules. The findings
are the one judgement's about this connection and its gateway (`/vpn status` and
`/vpn diagnose` show the same), plus what the live SAs say (`commands.findings.connections.live`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from commands.connection.render import ConnectionView, render
from commands.core import regions
from commands.core.errors import AzureFailure, UsageError
from commands.core.estate import subscriptions_in_scope
from commands.core.fanout import gather
from commands.core.lookup import by_name
from commands.core.model import Connection, IkeSa, NatRule, rid_key
from commands.core.parse import unquote
from commands.core.registry import Ctx, command
from commands.core.reply import Part, Reply, Text
from commands.core.text import code, join, rich, strong
from commands.judgement.estate import Estate, read_estate, read_in_depth, read_peered_vnets
from commands.judgement.judge import judge
from commands.judgement.progress import Progress
from commands.logs.ike import ike_failure_parts
from commands.metrics.view import rates_parts
from commands.status.deltas import earlier_samples

EXAMPLE = "/vpn connection cn-eun-to-aue"


@command("connection", usage="connection <name|rg/name|id>", example=EXAMPLE)
def connection(ctx: Ctx, args: str) -> Reply:
    """One connection's IKE/IPsec layer: live IKE SAs, protocol and IPsec/IKE policy, traffic selectors, who initiates, DPD, NAT rules, BGP addresses and shared keys — both ends compared, with what to set on the far device.

    A connection's name, `resource-group/name` or its id. When several connections share a
    name, the bot lists them with the command for each.
    """
    target = unquote(args)
    if not target:
        raise UsageError(
            "Which connection?",
            "Give a connection's name, resource-group/name or id.",
            EXAMPLE,
        )
    subs = subscriptions_in_scope(ctx, "gateway connections")
    progress = Progress(ctx)
    est = read_estate(ctx, subs, progress)
    hits: list[Connection] = by_name(est.connections, target)
    if len({rid_key(h.id) for h in hits}) > 1:
        return ambiguous(target, hits)
    if not hits:
        names = sorted({c.name for c in est.connections})[:8]
        unread = " Some subscriptions' connections could not be read." if est.failures else ""
        raise UsageError(
            rich("No connection named ", code(target), " in the subscriptions the bot can see."),
            rich(
                "Known connections: ",
                join(", ", [code(n) for n in names]) if names else "none",
                f".{unread}",
            ),
            EXAMPLE,
        )
    listed = hits[0]
    ends = {rid_key(listed.gateway1_id), rid_key(listed.gateway2_id)} - {""}
    read_peered_vnets(ctx, est, progress)
    read_in_depth(ctx, est, listed.name, lambda g: rid_key(g.id) in ends)
    progress.say(f"Asking the gateway for {listed.name}'s IKE SAs and NAT rules…", force=True)
    sas, rules = _live(ctx, listed)
    conn = next((c for c in est.connections_now if rid_key(c.id) == rid_key(listed.id)), listed)
    progress.say(f"Reading {listed.name}'s IKE logs…", force=True)
    rates, ike = _monitor(ctx, est, conn)
    progress.say("Putting the findings together…", force=True)
    est.samples = earlier_samples(ctx)  # the rates against the SKU's benchmark, as status has them
    return render(ConnectionView(conn, est, judge(est), sas, rules, ctx.now(), rates, ike))


def _monitor(ctx: Ctx, est: Estate, conn: Connection) -> tuple[list[Part], list[Part]]:
    """The last hour of Azure Monitor metrics of its gateway (read with the gateways in depth,
    `read_in_depth`'s phase 5, as `/vpn status` reads them: the judgement's rate findings are
    the same) and the connection's IKE failure reasons from Log Analytics: the thread's parts,
    "could not read" said as such."""
    gw = rid_key(conn.gateway1_id)
    facts = next((gf for gf in est.depth.facts.gateways if rid_key(gf.gateway.id) == gw), None) if est.depth else None
    if facts is None:
        return [], []
    rates = rates_parts(est.rates, facts, conn) if est.rates is not None else []
    lng = est.index.lng_by_key.get(rid_key(conn.local_network_gateway_id))
    ike = ike_failure_parts(ctx, facts.gateway, conn, lng, est.gateways)
    return rates, ike


def _live(ctx: Ctx, conn: Connection) -> tuple[list[IkeSa] | AzureFailure, list[NatRule] | AzureFailure | None]:
    """getikesas and the gateway's NAT rules, together; a failure is kept as what could not be read."""
    tasks: list[Callable[[], Any]] = [partial(ctx.azure.ike_sas, conn.id)]
    if conn.gateway1_id:
        tasks.append(partial(ctx.azure.nat_rules, conn.gateway1_id))
    outs = gather(tasks, ctx.settings.concurrency)
    sas: list[IkeSa] | AzureFailure = (
        outs[0].error if outs[0].error is not None else cast(list[IkeSa], list(outs[0].value or []))
    )
    rules: list[NatRule] | AzureFailure | None = None
    if len(outs) > 1:
        rules = outs[1].error if outs[1].error is not None else cast(list[NatRule], list(outs[1].value or []))
    return sas, rules


def ambiguous(name: str, matches: list[Connection]) -> Reply:
    """Several connections answer to `name`: each, where it is, and the command for it."""
    lines = [
        rich("• ", code(m.name), " in ", regions.display_name(m.location) or "?", ": ", code(f"/vpn connection {m.id}"))
        for m in matches
    ]
    text = rich("Several connections are called ", code(name), ". Which one?")
    return Reply(fallback=text, visibility="ephemeral").add(Text(rich(strong(text), "\n", join("\n", lines))))


__all__ = ["connection"]
