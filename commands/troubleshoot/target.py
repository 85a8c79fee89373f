"""Which gateway or connection the user means, and whether VPN troubleshoot can look at it.

VPN troubleshoot (https://learn.microsoft.com/azure/network-watcher/vpn-troubleshoot-overview,
"Supported gateway types" and "Supported connection types") checks route-based VPN gateways
and their site-to-site (IPsec) and VNet-to-VNet connections. It does not support
policy-based gateways, ExpressRoute, nor point-to-site (VPNClient): those are refused here
with the reason, before any call to Azure.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from commands.core.errors import UsageError
from commands.core.lookup import by_name
from commands.core.model import Connection, Gateway, rid_key
from commands.core.reply import Context, Reply, Text, error_reply
from commands.core.text import Icon, code, join, link, rich
from commands.judgement.estate import Estate

TROUBLESHOOT_DOC = "https://learn.microsoft.com/azure/network-watcher/vpn-troubleshoot-overview"


@dataclass(frozen=True)
class Target:
    kind: Literal["connection", "gateway"]
    id: str
    name: str
    location: str
    gateway: Gateway | None  # the gateway (of a connection: its virtualNetworkGateway1) when listed
    connection: Connection | None = None


def find(query: str, estate: Estate, command: str) -> Target | Reply:
    """The one connection or gateway named `query` (name, rg/name or id); a reply listing the
    candidates when several match, or the nearest names when none does."""
    conns = by_name(estate.connections, query)
    gws = by_name(estate.gateways, query)
    hits: list[Target] = [
        Target("connection", c.id, c.name, c.location, _gateway(estate, c.gateway1_id), c) for c in conns
    ] + [Target("gateway", g.id, g.name, g.location, g) for g in gws]
    if len(hits) == 1:
        return hits[0]
    if hits:
        lines = [rich(f"• {t.kind} ", code(t.name), " — ", code(t.id)) for t in hits[:10]]
        return error_reply(
            rich(code(query), f" matches {len(hits)} gateways and connections; which one?"),
            rich(join("\n", lines), "\nGive resource-group/name or the full resource id."),
            f"/vpn {command} {hits[0].id}",
        )
    names = sorted({c.name for c in estate.connections} | {g.name for g in estate.gateways})
    close = difflib.get_close_matches(query, names, n=3, cutoff=0.5)
    r = error_reply(
        rich("No connection or gateway named ", code(query), " in the subscriptions the bot can see."),
        rich("Did you mean ", join(", ", [code(c) for c in close]), "?") if close else "",
        f"/vpn {command} {close[0] if close else (names or ['cn-eun-to-aue'])[0]}",
    )
    if names:
        r.add(Context(rich("Connections and gateways: ", join(", ", [code(n) for n in names[:12]]))))
    for gap in estate.gap_lines()[:3]:
        r.add(Context(rich(Icon.WARNING, " ", gap)))
    return r


def _gateway(estate: Estate, gateway_id: str) -> Gateway | None:
    return next((g for g in estate.gateways if rid_key(g.id) == rid_key(gateway_id)), None)


def refusal(target: Target, estate: Estate) -> Reply | None:
    """Why VPN troubleshoot cannot look at this target (None when it can)."""
    gw = target.gateway
    c = target.connection
    if c is not None and c.connection_type.lower() in ("expressroute", "vpnclient"):
        return _refused(
            target, f"it is an {c.connection_type} connection; VPN troubleshoot checks IPsec and VNet-to-VNet ones"
        )
    if gw is not None and gw.gateway_type.lower() not in ("vpn", ""):
        return _refused(target, f"its gateway {gw.name} is an {gw.gateway_type} gateway, not a VPN gateway")
    if gw is not None and gw.vpn_type.lower() == "policybased":
        return _refused(
            target,
            f"{gw.name} is a policy-based gateway, which VPN troubleshoot does not support (route-based only)",
        )
    if target.kind == "gateway" and c is None:
        own = [x for x in estate.connections if rid_key(x.gateway1_id) == rid_key(target.id)]
        s2s = [x for x in own if x.connection_type.lower() in ("ipsec", "vnet2vnet")]
        if gw is not None and gw.serves_p2s and not s2s:
            return _refused(
                target,
                f"{gw.name} has only point-to-site clients, and VPN troubleshoot does not check point-to-site "
                "(read the P2S configuration and clients with /vpn status instead)",
            )
    return None


def _refused(target: Target, why: str) -> Reply:
    return Reply(
        fallback=f"VPN troubleshoot cannot check {target.name}",
        visibility="ephemeral",
        parts=[
            Text(rich(Icon.REFUSED, " VPN troubleshoot cannot check ", code(target.name), f": {why}.")),
            Context(rich("Supported gateways and connections: ", link(TROUBLESHOOT_DOC, "VPN troubleshoot overview"))),
        ],
    )


def need_target(args: str, command: str, example: str) -> str:
    query = (args or "").strip().strip("`'\"")
    if not query:
        raise UsageError(
            "Which connection or gateway?",
            rich("Usage: ", code(f"/vpn {command} <connection|gateway>"), " (a name, resource-group/name or id)."),
            example,
        )
    if len(query.split()) > 1:
        raise UsageError(
            rich(code(query), " is more than one name."),
            rich("Give one connection or gateway: ", code(f"/vpn {command} <connection|gateway>"), "."),
            example,
        )
    return query
