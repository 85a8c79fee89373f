"""What the connection checks look at, and the words they share.

The facts containers (`GatewayFacts`, `ConnectionFacts`) are filled by `/vpn status`'s
gathering; the helpers below pair VNet-to-VNet halves and name a connection's ends.
Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from commands.core.model import BgpPeer, Connection, Gateway, P2SClient, ResourceId, name_of, rid_key
from commands.core.reply import Finding
from commands.core.text import Rich, code, rich
from commands.core.units import ago, human_bytes

KeyCheck = Literal["same", "different", "unreadable"]


@dataclass(frozen=True)
class GatewayFacts:
    """What was read about one gateway in scope."""

    gateway: Gateway
    connections: tuple[Connection, ...] = ()  # owned (virtualNetworkGateway1 = this gateway), after GET
    connections_complete: bool = True  # False when the connection list could not be read
    bgp_peers: tuple[BgpPeer, ...] | None = None  # None: BGP off, or getBgpPeerStatus failed
    p2s_clients: tuple[P2SClient, ...] | None = None  # None: no P2S, or the health call failed


@dataclass(frozen=True)
class ConnectionFacts:
    """Everything the connection checks look at.

    `connections` holds every connection seen (in scope and the reverse halves of
    VNet-to-VNet pairs outside it), keyed by `rid_key`. `complete` holds the keys of
    gateways whose connections are known in full: a missing reverse is only claimed for
    those, never guessed. `shared_keys` maps a pair {key a, key b} to the comparison.
    """

    gateways: tuple[GatewayFacts, ...] = ()
    connections: Mapping[str, Connection] = field(default_factory=dict)
    known_gateways: Mapping[str, Gateway] = field(default_factory=dict)
    complete: frozenset[str] = frozenset()
    shared_keys: Mapping[frozenset[str], KeyCheck] = field(default_factory=dict)
    now: datetime | None = None


@dataclass(frozen=True)
class Assessed:
    """A finding and what it is about (ids of gateways and connections), for headlines."""

    finding: Finding
    gateway_ids: tuple[str, ...] = ()
    connection_ids: tuple[str, ...] = ()


# --- words --------------------------------------------------------------------------------


def remote_name(conn: Connection) -> str:
    """The far end of a connection: the remote gateway, local network gateway or circuit."""
    return name_of(conn.gateway2_id or conn.local_network_gateway_id or conn.peer_id) or "?"


def direction(conn: Connection) -> str:
    """ "vgw-eun → vgw-aue", in plain words."""
    return f"{name_of(conn.gateway1_id) or '?'} → {remote_name(conn)}"


def label(conn: Connection) -> Rich:
    """`name` (gw1 → gw2)."""
    return rich(code(conn.name), f" ({direction(conn)})")


def resource_group(rid: str) -> str:
    """The resource group of an ARM id, or a placeholder for a command to fill in."""
    try:
        return ResourceId.parse(rid).resource_group or "<resource group>"
    except ValueError:
        return "<resource group>"


def counters(conn: Connection, now: datetime | None) -> str:
    """ "↑ 5.3 GB out, ↓ 0 B in since 3 h ago" (the "since" only with `now`)."""
    since = f" since {ago(conn.last_established, now)}" if conn.last_established and now else ""
    return f"↑ {human_bytes(conn.egress_bytes)} out, ↓ {human_bytes(conn.ingress_bytes)} in{since}"


def arm_is(value: str, name: str) -> bool:
    """ARM enum values compared case-insensitively ("Connected" vs "connected")."""
    return (value or "").lower() == name.lower()


def is_v2v(conn: Connection) -> bool:
    return arm_is(conn.connection_type, "Vnet2Vnet")


def pair_key(a: Connection, b: Connection) -> frozenset[str]:
    return frozenset({rid_key(a.id), rid_key(b.id)})


# --- pairs and clients ----------------------------------------------------------------------


def find_reverse(conn: Connection, connections: Iterable[Connection]) -> Connection | None:
    """The other half of a VNet-to-VNet pair: gateway1/gateway2 swapped."""
    if not is_v2v(conn):
        return None
    g1, g2 = rid_key(conn.gateway1_id), rid_key(conn.gateway2_id)
    for c in connections:
        if rid_key(c.gateway1_id) == g2 and rid_key(c.gateway2_id) == g1 and rid_key(c.id) != rid_key(conn.id):
            return c
    return None


def reverse_index(connections: Iterable[Connection]) -> dict[str, Connection]:
    """connection key -> the other half of its VNet-to-VNet pair, for every pair present.

    One pass instead of `find_reverse` per connection (an estate has thousands)."""
    by_ends: dict[tuple[str, str], Connection] = {}
    v2v = [c for c in connections if is_v2v(c)]
    for c in v2v:
        by_ends.setdefault((rid_key(c.gateway1_id), rid_key(c.gateway2_id)), c)
    out: dict[str, Connection] = {}
    for c in v2v:
        rev = by_ends.get((rid_key(c.gateway2_id), rid_key(c.gateway1_id)))
        if rev is not None and rid_key(rev.id) != rid_key(c.id):
            out[rid_key(c.id)] = rev
    return out


def busiest(clients: Iterable[P2SClient], n: int = 3) -> list[tuple[str, int]]:
    """The users moving most bytes (in + out), summed over their sessions."""
    totals: dict[str, int] = {}
    for c in clients:
        who = c.user_name or c.private_ip or c.public_ip or "?"
        totals[who] = totals.get(who, 0) + c.ingress_bytes + c.egress_bytes
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
