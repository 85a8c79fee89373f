"""`/vpn p2s <gateway>`: a gateway's point-to-site configuration and its clients.

Its own view, not part of `/vpn connection`: point-to-site has no connection resource
(clients attach to the gateway's `vpnClientConfiguration`), its questions are the
gateway's (how clients authenticate, over which protocols, from which pool, how many of the
SKU's seats are taken), and Network Watcher's VPN troubleshoot, which answers for
connections, does not support it. The findings are the one judgement's about the gateway's
point-to-site side (`commands.findings.p2s_config`, `skus`, `overlaps`, `routing`), so
`/vpn status` and `/vpn diagnose` show the same.
"""

from __future__ import annotations

from commands.core import regions
from commands.core.errors import UsageError
from commands.core.estate import subscriptions_in_scope
from commands.core.lookup import by_name
from commands.core.model import Gateway, rid_key
from commands.core.parse import unquote
from commands.core.registry import Ctx, command
from commands.core.reply import Reply, Text
from commands.core.text import code, join, rich, strong
from commands.judgement.estate import read_estate, read_in_depth, read_peered_vnets
from commands.judgement.gateways import is_vpn
from commands.judgement.judge import judge
from commands.judgement.progress import Progress
from commands.p2s.render import P2SView, render

EXAMPLE = "/vpn p2s vgw-eun"


@command("p2s", usage="p2s <gateway>", example=EXAMPLE)
def p2s(ctx: Ctx, args: str) -> Reply:
    """Point-to-site on one gateway: authentication against protocols (Entra ID needs OpenVPN), Entra ID tenant, audience and issuer, root certificates' expiry, revoked certificates, RADIUS servers, the address pool, and connected clients against the SKU's limit per protocol.

    A gateway's name, `resource-group/name` or its id.
    """
    target = unquote(args)
    if not target:
        raise UsageError("Which gateway?", "Give a VPN gateway's name, resource-group/name or id.", EXAMPLE)
    subs = subscriptions_in_scope(ctx, "VPN gateways")
    progress = Progress(ctx)
    est = read_estate(ctx, subs, progress)
    vpn = [g for g in est.gateways if is_vpn(g)]
    hits: list[Gateway] = by_name(vpn, target)
    if len({rid_key(h.id) for h in hits}) > 1:
        return _ambiguous(target, hits)
    if not hits:
        serving = sorted(g.name for g in vpn if g.serves_p2s)[:8]
        raise UsageError(
            rich("No VPN gateway named ", code(target), " in the subscriptions the bot can see."),
            rich(
                "Gateways with point-to-site: ",
                join(", ", [code(n) for n in serving]) if serving else "none",
                ".",
            ),
            EXAMPLE,
        )
    gw = hits[0]
    if not gw.serves_p2s:
        raise UsageError(
            rich(code(gw.name), " has no point-to-site configuration (no VPN client address pool)."),
            rich("Its site-to-site side: ", code(f"/vpn status {gw.name}"), "."),
            EXAMPLE,
        )
    read_peered_vnets(ctx, est, progress)
    read_in_depth(ctx, est, gw.name, lambda g: rid_key(g.id) == rid_key(gw.id))
    progress.say("Putting the findings together…", force=True)
    return render(P2SView(gw, est, judge(est), ctx.now()))


def _ambiguous(name: str, matches: list[Gateway]) -> Reply:
    lines = [
        rich("• ", code(m.name), " in ", regions.display_name(m.location) or "?", ": ", code(f"/vpn p2s {m.id}"))
        for m in matches
    ]
    text = rich("Several gateways are called ", code(name), ". Which one?")
    return Reply(fallback=text, visibility="ephemeral").add(Text(rich(strong(text), "\n", join("\n", lines))))


__all__ = ["p2s"]
