"""Peerings and connections as the routing rules read them: up or not, and where BGP is off.

A static VNet-to-VNet connection carries only the two VNets' address spaces: the remote
gateway learns neither the P2S pool nor spokes behind the local gateway without BGP, which
must be on for both gateways and both connections of the pair
(https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-resource-manager-ps).
"""

from __future__ import annotations

from collections.abc import Sequence

from commands.core.estate import EstateIndex
from commands.core.model import Connection, Gateway, rid_key

VNET2VNET_BGP_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-resource-manager-ps"


def connected(state: str) -> bool:
    """A peering's or connection's state is Connected."""
    return (state or "").lower() == "connected"


def known(state: str) -> bool:
    """The state was read (a connection listed without its GET has none)."""
    return (state or "unknown").lower() != "unknown"


def bgp_missing(a: Gateway, b: Gateway, conn: Connection, back: Connection | None) -> list[str]:
    """Where BGP is off between two gateways: it must be on for both gateways and both
    connections of a VNet-to-VNet pair, or no route is exchanged."""
    out = [g.name for g in (a, b) if not g.enable_bgp]
    out += [c.name for c in (conn, back) if c is not None and not c.enable_bgp]
    return out


def and_(names: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def bgp_off(missing: list[str]) -> str:
    """Where BGP is off (from `bgp_missing`), in words."""
    if len(missing) == 4 or not missing:
        return "BGP is off on both gateways and both connections"
    return "BGP is off on " + and_(missing)


def is_vnet2vnet(conn: Connection) -> bool:
    """A VNet-to-VNet connection (by type, or by its shape: a remote gateway, no local network gateway)."""
    return (conn.connection_type or "").lower() == "vnet2vnet" or bool(
        conn.gateway2_id and not conn.local_network_gateway_id
    )


def one_way_into(facts: EstateIndex, gateway: Gateway) -> list[tuple[Connection, Gateway]]:
    """VNet-to-VNet connections pointing AT `gateway` from another gateway (in a VNet) with no
    connection back, each with that other gateway: the far VNet is a destination `gateway`
    should reach, and the tunnel cannot come up (a VNet-to-VNet tunnel is a connection
    resource on each side)."""
    out: list[tuple[Connection, Gateway]] = []
    mine = rid_key(gateway.id)
    for c in facts.connections:
        if not is_vnet2vnet(c) or rid_key(c.gateway2_id) != mine or rid_key(c.gateway1_id) == mine:
            continue
        if facts.connection_between(gateway.id, c.gateway1_id) is not None:
            continue  # the pair is whole: listed from this side
        far = facts.gateway_by_key.get(rid_key(c.gateway1_id))
        if far is not None and far.vnet_id:
            out.append((c, far))
    return out
