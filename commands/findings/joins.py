"""What the topology findings, the overlaps and the design options share: how networks are
joined (peerings, VNet-to-VNet connections), groups of joined networks, the scope
predicate, and the words for names and peering changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from commands.core.model import Connection, Gateway, rid_key
from commands.core.text import Rich, code, join

DOC_TRANSIT = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit"
DOC_PEERING = "https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview"

VnetScope = Callable[[str], bool]  # VNet id -> is it in the scope asked about?


def connected(state: str) -> bool:
    return (state or "").lower() == "connected"


def is_vpn(g: Gateway) -> bool:
    return (g.gateway_type or "Vpn").lower() == "vpn"


def is_v2v(c: Connection) -> bool:
    """A VNet-to-VNet connection (between two Azure gateways)."""
    return (c.connection_type or "").lower() == "vnet2vnet" or bool(c.gateway2_id and not c.local_network_gateway_id)


def touches(in_scope: VnetScope | None, *vnet_ids: str) -> bool:
    """Does any of these VNets fall in the scope (everything when there is none)?"""
    return in_scope is None or any(v and in_scope(v) for v in vnet_ids)


def pair(a: str, b: str) -> str:
    """One key for two resources, whichever order they come in."""
    return "|".join(sorted((rid_key(a), rid_key(b))))


def names(items: Iterable[str]) -> Rich:
    """Names as code, comma-separated."""
    return join(", ", [code(x) for x in items])


def components(nodes: Iterable[str], links: Iterable[frozenset[str]]) -> dict[str, str]:
    """Node -> a representative of its group of joined nodes (union-find over `links`)."""
    parent: dict[str, str] = {n: n for n in nodes}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        ends = sorted(link)
        if len(ends) == 2:
            parent[find(ends[0])] = find(ends[1])
    return {n: find(n) for n in list(parent)}
