"""Findings about the shape of the estate, and the design options when it is the seed's shape.

Pure functions over `commands.core.estate.EstateIndex` (VNets with their peerings, gateways,
connections read with GET, local network gateways), so `/vpn diagnose` and any other
command can compose them. They cover what the other finding modules do not:

* peering pairs whose gateway transit is set up on one side only, several peerings of one
  VNet using remote gateways, and other flags that differ across a pair
  (`commands.findings.peerings` covers one-sided peerings and `useRemoteGateways` misuse);
* a spoke whose users must detour through a hub gateway in a far region (the distance comes
  from `commands.core.regions` geographies and areas, never from invented numbers);
* two VNets joined twice (peering and VNet-to-VNet), and VPN clients that never get a
  peered VNet's routes;
* overlapping address spaces between VNets, local network gateways and P2S client pools;
* the design options side by side — hub-and-spoke with transit, a gateway per region with
  VNet-to-VNet, Azure Virtual WAN with a hub per region — each with what it would change in
  this estate, when VNets in several regions are joined for VPN users.

Azure's rules behind them:
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit (a VNet
that uses a remote gateway cannot have its own; one such peering per VNet),
https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview
(non-overlapping address spaces; with peering and gateway connections both in place,
traffic between the VNets flows through the peering),
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing,
https://learn.microsoft.com/azure/virtual-wan/howto-connect-vnet-hub (a VNet connected to a
Virtual WAN hub cannot have a gateway).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from commands.core import regions
from commands.core.estate import EstateIndex
from commands.core.model import Connection, Gateway, Peering, VirtualNetwork, name_of, rid_key
from commands.core.reply import Finding, Severity, code, esc
from commands.core.units import plural
from commands.coverage import P2S_ROUTING_DOC, p2s_plan, parse_net
from commands.findings import dedup, ranked
from commands.findings.peerings import change_command
from commands.findings.routing import words

DOC_TRANSIT = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit"
DOC_PEERING = "https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview"
DOC_MANAGE_PEERING = "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering"
DOC_LATENCY = "https://learn.microsoft.com/azure/networking/azure-network-latency"
DOC_V2V = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal"
DOC_P2S_POOL = "https://learn.microsoft.com/azure/vpn-gateway/point-to-site-certificate-gateway"
DOC_S2S = "https://learn.microsoft.com/azure/vpn-gateway/tutorial-site-to-site-portal"
DOC_P2S_CUSTOM_ROUTES = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-p2s-advertise-custom-routes"
DOC_VWAN = "https://learn.microsoft.com/azure/virtual-wan/virtual-wan-about"
DOC_VWAN_CONNECT = "https://learn.microsoft.com/azure/virtual-wan/howto-connect-vnet-hub"
DOC_VWAN_PROFILE = "https://learn.microsoft.com/azure/virtual-wan/global-hub-profile"

VnetScope = Callable[[str], bool]  # VNet id -> is it in the scope asked about?

# Unjoined overlaps are listed together past this many, so a sprawl of isolated VNets that
# reuse one range does not bury the answer.
OVERLAP_DETAIL = 8


def _connected(state: str) -> bool:
    return (state or "").lower() == "connected"


def _is_vpn(g: Gateway) -> bool:
    return (g.gateway_type or "Vpn").lower() == "vpn"


def _is_v2v(c: Connection) -> bool:
    return (c.connection_type or "").lower() == "vnet2vnet" or bool(c.gateway2_id and not c.local_network_gateway_id)


def _touches(in_scope: VnetScope | None, *vnet_ids: str) -> bool:
    return in_scope is None or any(v and in_scope(v) for v in vnet_ids)


def _pair(a: str, b: str) -> str:
    return "|".join(sorted((rid_key(a), rid_key(b))))


def _names(items: Iterable[str]) -> str:
    return ", ".join(code(x) for x in items)


# --- distance between regions ------------------------------------------------------------

DistanceKind = Literal["same_region", "same_geography", "same_area", "far", "unknown"]


@dataclass(frozen=True)
class Distance:
    """How far apart two Azure regions are, in words people use (no invented numbers)."""

    kind: DistanceKind
    a: str  # display names
    b: str
    words: str  # plain text, e.g. "North Europe is in Europe, Australia East in Oceania"

    @property
    def apart(self) -> bool:
        return self.kind != "same_region"


def region_distance(a: str, b: str) -> Distance:
    """Same region, same country/market, same area (continent), or far apart.

    From `commands.core.regions`' geography and area of each region; an unknown location is
    only said to be another region.
    """
    ra, rb = regions.BY_NAME.get(regions.normalise(a)), regions.BY_NAME.get(regions.normalise(b))
    da, db = regions.display_name(a), regions.display_name(b)
    if regions.normalise(a) == regions.normalise(b):
        return Distance("same_region", da, db, f"both in {da}")
    if ra is None or rb is None:
        return Distance("unknown", da, db, f"{da} and {db} are different regions")
    if ra.geography == rb.geography:
        return Distance("same_geography", da, db, f"{da} and {db} are both in {ra.geography}")
    if ra.area == rb.area:
        return Distance("same_area", da, db, f"{da} ({ra.geography}) and {db} ({rb.geography}) are both in {ra.area}")
    return Distance("far", da, db, f"{da} is in {ra.area}, {db} in {rb.area}")


def _where(location: str) -> str:
    return regions.display_name(location) if location else "an unknown region"


def _gw_location(g: Gateway, facts: EstateIndex) -> str:
    v = facts.vnet_by_key.get(rid_key(g.vnet_id))
    return g.location or (v.location if v else "")


# --- gateway transit -----------------------------------------------------------------------------


def _known(known: VnetScope | None, vnet_id: str) -> bool:
    return known is None or known(vnet_id)


def transit_half_set_up(
    facts: EstateIndex, in_scope: VnetScope | None = None, known: VnetScope | None = None
) -> list[Finding]:
    """Gateway transit offered on one side of a peering and not used on the other.

    `allowGatewayTransit` on A→B does nothing until B→A turns `useRemoteGateways` on, which
    Azure allows only while B has no gateway of its own. With a gateway in B it is the
    leftover of a hub-and-spoke attempt; without one, B is unreachable for A's VPN clients.
    `known(vnet id)` says whether that VNet's gateways were read: no gateway is never
    claimed for a VNet whose gateway list is unknown.
    """
    out: list[Finding] = []
    for a in facts.vnets:
        for p in a.peerings:
            if not p.allow_gateway_transit or not _connected(p.state):
                continue
            back = facts.peering(p.remote_vnet_id, a.id)
            if back is None or back.use_remote_gateways or not _touches(in_scope, a.id, p.remote_vnet_id):
                continue
            hub_gws = facts.any_gateways_in(a.id)
            if not hub_gws:
                continue  # commands.findings.peerings: "offers gateway transit but has no gateway"
            b_name = facts.vnet_name(p.remote_vnet_id)
            b = facts.vnet_by_key.get(rid_key(p.remote_vnet_id))
            b_gws = facts.any_gateways_in(p.remote_vnet_id)
            hub = hub_gws[0]
            key = f"topology:transit_unused:{_pair(p.id, back.id)}"
            if not b_gws and not _known(known, p.remote_vnet_id):
                continue
            if b_gws:
                out.append(_transit_blocked_by_gateway(facts, a, p, back, b_name, b, hub, b_gws, key))
            else:
                p2s = [g for g in hub_gws if g.serves_p2s]
                reach = (
                    f"VPN clients of {_names(g.name for g in p2s)} get no route to it"
                    if p2s
                    else f"{code(hub.name)}'s connections do not reach it"
                )
                out.append(
                    Finding(
                        "warning",
                        f"{code(b_name)} is peered with {code(a.name)} but does not use its gateway {code(hub.name)}",
                        evidence=(
                            f"{code(p.name)} allows gateway transit; {code(back.name)} has useRemoteGateways off and "
                            f"{code(b_name)} has no gateway of its own, so {reach}: a client gets a peered VNet's "
                            "routes only when both sides of the peering use gateway transit."
                        ),
                        next_step=f"{change_command(b_name, back.name, 'useRemoteGateways', True)} "
                        f"(VPN clients of {code(hub.name)} then download their profile again).",
                        doc_url=DOC_TRANSIT,
                        key=key,
                    )
                )
    return out


def _transit_blocked_by_gateway(
    facts: EstateIndex,
    a: VirtualNetwork,
    p: Peering,
    back: Peering,
    b_name: str,
    b: VirtualNetwork | None,
    hub: Gateway,
    b_gws: Sequence[Gateway],
    key: str,
) -> Finding:
    b_loc = b.location if b else ""
    d = region_distance(_gw_location(hub, facts), b_loc) if b_loc else None
    p2s = [g for g in b_gws if g.serves_p2s]
    cost = f"deleting {_names(g.name for g in b_gws)}"
    if p2s:
        pools = ", ".join(code(x) for g in p2s for x in g.p2s_address_pool)
        cost += f"; its VPN clients (pool {pools}) would then connect to {code(hub.name)} in {esc(_where(_gw_location(hub, facts)))}"
        if d is not None and d.apart:
            cost += f" — {esc(d.words)}, so users near {esc(_where(b_loc))} would cross to {esc(d.a)} and back for every packet"
    v2v = [c for c in facts.connections if _is_v2v(c) and _joins(c, hub, b_gws)]
    other_path = (
        f" The VNet-to-VNet connection{'s' if len(v2v) != 1 else ''} {_names(c.name for c in v2v)} between the "
        f"two gateways {'is' if len(v2v) == 1 else 'are'} the other design, tried at the same time."
        if v2v
        else ""
    )
    far = d is not None and d.kind == "far"
    return Finding(
        "warning" if (p2s or hub.serves_p2s) and far else "info",
        f"Gateway transit from {code(a.name)} to {code(b_name)} is half set up: {code(b_name)} has its own gateway",
        evidence=(
            f"{code(p.name)} allows gateway transit, but {code(back.name)} cannot use it: Azure allows "
            f"useRemoteGateways only in a VNet without a gateway, and {code(b_name)} has "
            f"{_names(g.name for g in b_gws)}. So this peering hands nothing of {code(b_name)} to "
            f"{code(hub.name)}'s VPN clients.{other_path}"
        ),
        next_step=(
            f"Finishing this design means {cost}. To keep a gateway per region instead, drop the leftover flag: "
            f"{change_command(a.name, p.name, 'allowGatewayTransit', False)}. The design options below compare both."
        ),
        doc_url=DOC_TRANSIT,
        key=key,
    )


def _joins(c: Connection, hub: Gateway, others: Sequence[Gateway]) -> bool:
    ends = {rid_key(c.gateway1_id), rid_key(c.gateway2_id)}
    return rid_key(hub.id) in ends and any(rid_key(g.id) in ends for g in others)


def remote_gateways_on_several(facts: EstateIndex, in_scope: VnetScope | None = None) -> list[Finding]:
    """A VNet with useRemoteGateways on more than one peering: Azure allows one."""
    out: list[Finding] = []
    for v in facts.vnets:
        users = [p for p in v.peerings if p.use_remote_gateways]
        if len(users) < 2 or not _touches(in_scope, v.id):
            continue
        out.append(
            Finding(
                "critical",
                f"{code(v.name)} uses remote gateways through {len(users)} peerings",
                evidence=(
                    f"useRemoteGateways is on for {_names(p.name for p in users)}; a VNet can use the gateway of "
                    "only one peered VNet, so Azure refuses further changes to these peerings until one is off."
                ),
                next_step=f"Keep the one whose gateway its users should use; turn the others off, e.g. "
                f"{change_command(v.name, users[-1].name, 'useRemoteGateways', False)}.",
                doc_url=DOC_MANAGE_PEERING,
                key=f"topology:remote_gw_several:{rid_key(v.id)}",
            )
        )
    return out


def flags_differ(facts: EstateIndex, in_scope: VnetScope | None = None) -> list[Finding]:
    """allowForwardedTraffic on one side of a peering pair only.

    (Gateway transit and vnet-access across a pair are reported elsewhere, with their
    consequences.) Each side's flag governs traffic *into* its own VNet that a gateway or
    appliance in the other VNet forwarded; traffic from the peer's own addresses is not affected.
    """
    out: list[Finding] = []
    seen: set[str] = set()
    for a in facts.vnets:
        for p in a.peerings:
            back = facts.peering(p.remote_vnet_id, a.id)
            if back is None or not _touches(in_scope, a.id, p.remote_vnet_id):
                continue
            key = f"topology:flags_differ:{_pair(p.id, back.id)}"
            if key in seen or p.allow_forwarded_traffic == back.allow_forwarded_traffic:
                continue
            seen.add(key)
            on, off = (p, back) if p.allow_forwarded_traffic else (back, p)
            on_vnet, off_vnet = facts.vnet_name(on.vnet_id), facts.vnet_name(off.vnet_id)
            out.append(
                Finding(
                    "info",
                    f"Forwarded traffic is accepted into {code(on_vnet)} but not into {code(off_vnet)}",
                    evidence=(
                        f"allowForwardedTraffic is on for {code(on.name)} and off for {code(off.name)}. Packets that a "
                        f"gateway or appliance in {code(on_vnet)} forwards (from on-premises, VPN clients or other "
                        f"spokes) are dropped on the way into {code(off_vnet)}."
                    ),
                    next_step=f"If {code(off_vnet)} should receive them: "
                    f"{change_command(off_vnet, off.name, 'allowForwardedTraffic', True)}; otherwise this is as meant.",
                    doc_url=DOC_MANAGE_PEERING,
                    key=key,
                )
            )
    return out


@dataclass(frozen=True)
class Detour:
    """A spoke that uses a hub's gateway in another region (gateway transit in use)."""

    spoke: VirtualNetwork
    peering: Peering  # spoke -> hub, useRemoteGateways on
    hub_vnet_id: str
    gateway: Gateway  # the hub gateway the spoke's users go through
    distance: Distance


def detours(facts: EstateIndex, known: VnetScope | None = None) -> list[Detour]:
    """Every spoke whose VPN and site-to-site traffic goes through a gateway in another region."""
    out: list[Detour] = []
    for s in facts.vnets:
        if not _known(known, s.id):
            continue
        for p in s.peerings:
            if not (p.use_remote_gateways and _connected(p.state)):
                continue
            back = facts.peering(p.remote_vnet_id, s.id)
            if back is None or not back.allow_gateway_transit or facts.any_gateways_in(s.id):
                continue
            gws = facts.vpn_gateways_in(p.remote_vnet_id)
            if not gws or not s.location:
                continue
            d = region_distance(s.location, _gw_location(gws[0], facts))
            if d.apart:
                out.append(Detour(s, p, p.remote_vnet_id, gws[0], d))
    return out


def far_hub(
    facts: EstateIndex,
    in_scope: VnetScope | None = None,
    p2s_clients: Mapping[str, int] | None = None,
    known: VnetScope | None = None,
) -> list[Finding]:
    """A spoke whose users must go through a hub gateway in another region (the seed's latency).

    Gateway transit works as designed, but every VPN client reaches the spoke through the
    hub's gateway: a user near the spoke crosses to the hub's region and back.
    """
    out: list[Finding] = []
    for t in detours(facts, known):
        if not _touches(in_scope, t.spoke.id, t.hub_vnet_id):
            continue
        gw, d = t.gateway, t.distance
        hub_name = facts.vnet_name(t.hub_vnet_id)
        clients = (p2s_clients or {}).get(rid_key(gw.id))
        now = f" {plural(clients, 'VPN client')} {'is' if clients == 1 else 'are'} on it now." if clients else ""
        # Another continent is the seed's pain; a neighbouring country is worth knowing, no more.
        severity: Severity = "warning" if d.kind == "far" else "info"
        out.append(
            Finding(
                severity,
                f"Users near {esc(d.a)} reach {code(t.spoke.name)} only through {code(gw.name)} in {esc(d.b)}",
                evidence=(
                    f"{code(t.spoke.name)} ({esc(d.a)}) has no gateway and uses {code(hub_name)}'s through "
                    f"{code(t.peering.name)} (useRemoteGateways): a VPN client must connect to {code(gw.name)}, "
                    f"so its packets to {code(t.spoke.name)} go {esc(d.a)} → {esc(d.b)} → {esc(d.a)}, and back the "
                    f"same way. {esc(d.words)}.{now} Azure allows no gateway in a VNet that uses a remote one, so "
                    f"a nearer gateway for those users needs another design. "
                    f"<{DOC_LATENCY}|Azure's measured round-trip times between regions>."
                ),
                next_step="If the detour hurts, give each region its own entry point: the design options below "
                "(a gateway per region joined by VNet-to-VNet, or Virtual WAN with a hub per region) say what "
                "each would change here.",
                doc_url=DOC_TRANSIT,
                key=f"topology:far_hub:{rid_key(t.peering.id)}",
            )
        )
    return out


# --- two ways at once, and routes clients never get ---------------------------------------------


def joined_twice(facts: EstateIndex, in_scope: VnetScope | None = None) -> list[Finding]:
    """Two VNets both peered and joined by VNet-to-VNet connections between their gateways."""
    out: list[Finding] = []
    seen: set[str] = set()
    for a in facts.vnets:
        for p in a.peerings:
            b_id = p.remote_vnet_id
            pk = _pair(a.id, b_id)
            if pk in seen or not _connected(p.state) or not _touches(in_scope, a.id, b_id):
                continue
            a_gws = {rid_key(g.id) for g in facts.vpn_gateways_in(a.id)}
            b_gws = {rid_key(g.id) for g in facts.vpn_gateways_in(b_id)}
            conns = [
                c
                for c in facts.connections
                if _is_v2v(c)
                and (
                    (rid_key(c.gateway1_id) in a_gws and rid_key(c.gateway2_id) in b_gws)
                    or (rid_key(c.gateway1_id) in b_gws and rid_key(c.gateway2_id) in a_gws)
                )
            ]
            if not conns:
                continue
            seen.add(pk)
            b_name = facts.vnet_name(b_id)
            out.append(
                Finding(
                    "info",
                    f"{code(a.name)} and {code(b_name)} are joined twice: peering and VNet-to-VNet",
                    evidence=(
                        f"Peering {code(p.name)} and the connection{'s' if len(conns) != 1 else ''} "
                        f"{_names(c.name for c in sorted(conns, key=lambda c: c.name))}. When both exist, Azure sends "
                        "traffic between the two VNets through the peering, so the connections' byte counters do not "
                        "show it, and two designs are half-active at once."
                    ),
                    next_step="Choose one design (the options below) and remove the other's pieces.",
                    doc_url=DOC_PEERING,
                    key=f"topology:joined_twice:{pk}",
                )
            )
    return out


def p2s_routes_missing(facts: EstateIndex, in_scope: VnetScope | None = None) -> list[Finding]:
    """VPN clients of a gateway that never get a peered VNet's routes (P2S routing rules)."""
    out: list[Finding] = []
    for gw in facts.gateways:
        if not gw.serves_p2s or not _is_vpn(gw):
            continue
        never = [e for e in p2s_plan(gw, facts) if e.certainty == "never"]
        if not never or not _touches(in_scope, gw.vnet_id, *(e.source_id for e in never)):
            continue
        prefixes = list(dict.fromkeys(e.prefix for e in never))
        reasons = list(dict.fromkeys(e.why for e in never))
        out.append(
            Finding(
                "warning",
                f"VPN clients of {code(gw.name)} get no route to {', '.join(code(p) for p in prefixes[:6])}"
                + (f" and {len(prefixes) - 6} more" if len(prefixes) > 6 else ""),
                evidence="\n".join(f"• {words(r)}" for r in reasons[:6]),
                next_step="Turn gateway transit on for both sides of the peering (the spoke must have no gateway), "
                "or join the VNets through their gateways; then clients download the VPN profile again.",
                doc_url=P2S_ROUTING_DOC,
                key=f"topology:p2s_never:{rid_key(gw.id)}",
            )
        )
    return out


# --- overlapping address spaces ---------------------------------------------------------------

NetKind = Literal["vnet", "lng", "p2s"]


@dataclass(frozen=True)
class _Net:
    kind: NetKind
    node: str  # graph node: vnet key, lng key or "p2s:<gateway key>"
    name: str  # what to call it: the VNet, the local network gateway, the gateway
    prefix: str
    net: ipaddress.IPv4Network | ipaddress.IPv6Network
    vnet_id: str  # the VNet it belongs to or is used from (scope)


_KIND_WORDS: dict[str, str] = {
    "vnet": "VNet",
    "lng": "local network gateway",
    "p2s": "point-to-site pool of",
}


def _nets(facts: EstateIndex) -> list[_Net]:
    out: list[_Net] = []
    for v in facts.vnets:
        for p in v.address_prefixes:
            n = parse_net(p)
            if n is not None:
                out.append(_Net("vnet", rid_key(v.id), v.name, p, n, v.id))
    lng_vnets = _lng_vnets(facts)
    for lng in facts.local_gateways:
        for p in lng.address_prefixes:
            n = parse_net(p)
            if n is not None:
                vnets = lng_vnets.get(rid_key(lng.id), [])
                out.append(_Net("lng", rid_key(lng.id), lng.name, p, n, vnets[0] if vnets else ""))
    for g in facts.gateways:
        for p in g.p2s_address_pool:
            n = parse_net(p)
            if n is not None:
                out.append(_Net("p2s", "p2s:" + rid_key(g.id), g.name, p, n, g.vnet_id))
    return out


def _lng_vnets(facts: EstateIndex) -> dict[str, list[str]]:
    """Local network gateway key -> the VNets whose gateways connect to it."""
    out: dict[str, list[str]] = {}
    for c in facts.connections:
        if c.local_network_gateway_id:
            g = facts.gateway_by_key.get(rid_key(c.gateway1_id))
            if g is not None and g.vnet_id:
                out.setdefault(rid_key(c.local_network_gateway_id), []).append(g.vnet_id)
    return out


def _links(facts: EstateIndex) -> set[frozenset[str]]:
    """Direct joins between graph nodes: peerings, gateway connections, pools and their VNet."""
    links: set[frozenset[str]] = set()
    for v in facts.vnets:
        for p in v.peerings:
            links.add(frozenset({rid_key(v.id), rid_key(p.remote_vnet_id)}))
    for c in facts.connections:
        g1 = facts.gateway_by_key.get(rid_key(c.gateway1_id))
        if g1 is None or not g1.vnet_id:
            continue
        if c.local_network_gateway_id:
            links.add(frozenset({rid_key(g1.vnet_id), rid_key(c.local_network_gateway_id)}))
        g2 = facts.gateway_by_key.get(rid_key(c.gateway2_id))
        if g2 is not None and g2.vnet_id:
            links.add(frozenset({rid_key(g1.vnet_id), rid_key(g2.vnet_id)}))
    for g in facts.gateways:
        if g.serves_p2s and g.vnet_id:
            links.add(frozenset({"p2s:" + rid_key(g.id), rid_key(g.vnet_id)}))
            # A pool reaches what the gateway reaches: its connections' far ends.
            for c in facts.connections_from(g.id):
                if c.local_network_gateway_id:
                    links.add(frozenset({"p2s:" + rid_key(g.id), rid_key(c.local_network_gateway_id)}))
    return links


def _components(nodes: Iterable[str], links: Iterable[frozenset[str]]) -> dict[str, str]:
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


def _label(n: _Net) -> str:
    return f"{_KIND_WORDS[n.kind]} {code(n.name)} {code(n.prefix)}"


def overlaps(facts: EstateIndex, in_scope: VnetScope | None = None) -> list[Finding]:
    """Address spaces that overlap: VNets, local network gateways' prefixes, P2S client pools.

    Joined directly (peered, connected, a pool and its own VNet) → critical: traffic to the
    overlap goes the wrong way. Joined through others → warning. Not joined → info, listed
    together: they cannot be joined later without renumbering.
    """
    nets = _nets(facts)
    links = _links(facts)
    comp = _components({n.node for n in nets}, links)
    direct: list[tuple[_Net, _Net]] = []
    indirect: list[tuple[_Net, _Net]] = []
    apart: list[tuple[_Net, _Net]] = []
    seen: set[tuple[str, str, str, str]] = set()
    for i, x in enumerate(nets):
        for y in nets[i + 1 :]:
            if x.node == y.node or x.net.version != y.net.version or not x.net.overlaps(y.net):
                continue
            if not _touches(in_scope, x.vnet_id, y.vnet_id):
                continue
            sig = (x.node, x.prefix, y.node, y.prefix)
            if sig in seen:
                continue
            seen.add(sig)
            if frozenset({x.node, y.node}) in links:
                direct.append((x, y))
            elif comp.get(x.node) == comp.get(y.node):
                indirect.append((x, y))
            elif not _describes(x, y, facts):
                apart.append((x, y))
    out: list[Finding] = []
    for x, y in direct:
        out.append(_overlap_finding("critical", x, y, joined="directly joined"))
    for x, y in indirect:
        out.append(_overlap_finding("warning", x, y, joined="joined through other networks"))
    if apart:
        lines = [f"• {_label(x)} and {_label(y)}" for x, y in apart[:OVERLAP_DETAIL]]
        if len(apart) > OVERLAP_DETAIL:
            lines.append(f"• …and {len(apart) - OVERLAP_DETAIL} more pairs")
        out.append(
            Finding(
                "info",
                f"{plural(len(apart), 'pair')} of unconnected networks overlap",
                evidence="\n".join(lines),
                next_step="Harmless while they stay apart; they cannot be peered or connected later without "
                "renumbering one of them.",
                doc_url=DOC_PEERING,
                key="topology:overlap_apart:" + "|".join(sorted(f"{x.node}>{y.node}" for x, y in apart))[:400],
            )
        )
    return out


def _describes(x: _Net, y: _Net, facts: EstateIndex) -> bool:
    """A local network gateway that stands for another Azure VNet (an IPsec connection to that
    VNet's gateway) carries its address space on purpose: not an overlap worth reporting."""
    pair = {x.kind: x for x in (x, y)}
    lng, vnet = pair.get("lng"), pair.get("vnet")
    if lng is None or vnet is None or len(pair) != 2:
        return False
    return bool(facts.vpn_gateways_in(vnet.vnet_id)) and lng.net.subnet_of(vnet.net)  # type: ignore[arg-type]


def _overlap_finding(severity: Severity, x: _Net, y: _Net, joined: str) -> Finding:
    kinds = {x.kind, y.kind}
    if "p2s" in kinds:
        doc = DOC_P2S_POOL
        rule = "A point-to-site client pool must not overlap the VNets its clients reach or the networks they come from"
    elif "lng" in kinds:
        doc = DOC_S2S
        rule = "A local network gateway's prefixes must not overlap the Azure address spaces it is connected to"
    else:
        doc = DOC_PEERING
        rule = "VNets that are peered or connected must have address spaces that do not overlap"
    sev_why = (
        "traffic to the overlapping addresses stays on one side and never reaches the other"
        if severity == "critical"
        else "traffic to the overlapping addresses can take the wrong way"
    )
    fix = {
        "p2s": "Change the gateway's client pool to an unused private range (clients then download the profile again)",
        "lng": "Correct the local network gateway's address prefixes, or renumber the on-premises range",
        "vnet": "Renumber one of the VNets (add a new address range, move the subnets, remove the old one)",
    }["p2s" if "p2s" in kinds else "lng" if "lng" in kinds else "vnet"]
    return Finding(
        severity,
        f"{_label(x)} overlaps {_label(y)}",
        evidence=f"They are {joined}; {sev_why}. {rule}.",
        next_step=fix + ".",
        doc_url=doc,
        key=f"topology:overlap:{'|'.join(sorted((x.node + '>' + x.prefix, y.node + '>' + y.prefix)))}",
    )


# --- all of it ---------------------------------------------------------------------------------


def assess(
    facts: EstateIndex,
    in_scope: VnetScope | None = None,
    p2s_clients: Mapping[str, int] | None = None,
    known: VnetScope | None = None,
) -> list[Finding]:
    """Every topology finding for the VNets `in_scope` selects (all when None), ranked.

    `p2s_clients`: VPN clients connected now per gateway key (when read); `known`: whether a
    VNet's gateway list was read (all when None).
    """
    found: list[Finding] = []
    found += far_hub(facts, in_scope, p2s_clients, known)
    found += transit_half_set_up(facts, in_scope, known)
    found += remote_gateways_on_several(facts, in_scope)
    found += overlaps(facts, in_scope)
    found += p2s_routes_missing(facts, in_scope)
    found += joined_twice(facts, in_scope)
    found += flags_differ(facts, in_scope)
    return ranked(dedup(found))


# --- the design options -----------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One region of a multi-region estate: its VNets and VPN gateways."""

    location: str
    vnets: tuple[VirtualNetwork, ...]
    gateways: tuple[Gateway, ...]

    @property
    def label(self) -> str:
        return _where(self.location)


@dataclass(frozen=True)
class Situation:
    """VNets in several regions joined (peering or VNet-to-VNet) for point-to-site users."""

    sites: tuple[Site, ...]
    peerings: tuple[Peering, ...]  # peerings between the VNets (both sides)
    connections: tuple[Connection, ...]  # VNet-to-VNet connections between their gateways
    site_connections: tuple[Connection, ...]  # site-to-site connections of those gateways
    hub: VirtualNetwork | None  # the VNet whose gateway is shared (or offered) through transit
    ids: frozenset[str]  # rid_keys of every resource involved (to match findings)

    @property
    def vnets(self) -> tuple[VirtualNetwork, ...]:
        return tuple(v for s in self.sites for v in s.vnets)

    @property
    def gateways(self) -> tuple[Gateway, ...]:
        return tuple(g for s in self.sites for g in s.gateways)


def multi_region(facts: EstateIndex, in_scope: VnetScope | None = None) -> Situation | None:
    """The joined group of VNets spanning several regions with VPN users, touching the scope."""
    links: set[frozenset[str]] = set()
    for v in facts.vnets:
        for p in v.peerings:
            if rid_key(p.remote_vnet_id) in facts.vnet_by_key:
                links.add(frozenset({rid_key(v.id), rid_key(p.remote_vnet_id)}))
    v2v: list[Connection] = []
    for c in facts.connections:
        if not _is_v2v(c):
            continue
        g1, g2 = facts.gateway_by_key.get(rid_key(c.gateway1_id)), facts.gateway_by_key.get(rid_key(c.gateway2_id))
        if g1 is None or g2 is None or not g1.vnet_id or not g2.vnet_id:
            continue
        if rid_key(g1.vnet_id) in facts.vnet_by_key and rid_key(g2.vnet_id) in facts.vnet_by_key:
            links.add(frozenset({rid_key(g1.vnet_id), rid_key(g2.vnet_id)}))
            v2v.append(c)
    comp = _components(facts.vnet_by_key, links)
    groups: dict[str, list[VirtualNetwork]] = {}
    for v in facts.vnets:
        groups.setdefault(comp[rid_key(v.id)], []).append(v)
    best: Situation | None = None
    for members in groups.values():
        locations = list(dict.fromkeys(regions.normalise(v.location) for v in members if v.location))
        if len(locations) < 2 or not _touches(in_scope, *(v.id for v in members)):
            continue
        keys = {rid_key(v.id) for v in members}
        gws = [g for g in facts.gateways if rid_key(g.vnet_id) in keys and _is_vpn(g)]
        if not any(g.serves_p2s for g in gws):
            continue
        sites = tuple(
            Site(
                loc,
                tuple(v for v in members if regions.normalise(v.location) == loc),
                tuple(
                    g
                    for g in gws
                    if any(rid_key(g.vnet_id) == rid_key(v.id) for v in members if regions.normalise(v.location) == loc)
                ),
            )
            for loc in locations
        )
        gw_keys = {rid_key(g.id) for g in gws}
        conns = tuple(c for c in v2v if rid_key(c.gateway1_id) in gw_keys and rid_key(c.gateway2_id) in gw_keys)
        s2s = tuple(c for c in facts.connections if c.local_network_gateway_id and rid_key(c.gateway1_id) in gw_keys)
        peerings = tuple(p for v in members for p in v.peerings if rid_key(p.remote_vnet_id) in keys)
        hub = _hub(facts, members, peerings, gws)
        ids = frozenset(keys | gw_keys | {rid_key(c.id) for c in conns + s2s} | {rid_key(p.id) for p in peerings})
        found = Situation(sites, peerings, conns, s2s, hub, ids)
        if best is None or len(found.vnets) > len(best.vnets):
            best = found
    return best


def _hub(
    facts: EstateIndex, members: Sequence[VirtualNetwork], peerings: Sequence[Peering], gws: Sequence[Gateway]
) -> VirtualNetwork | None:
    """The VNet whose gateway others use or are offered through gateway transit."""
    with_gw = {rid_key(g.vnet_id) for g in gws}
    for p in peerings:
        if p.use_remote_gateways and rid_key(p.remote_vnet_id) in with_gw:
            return facts.vnet_by_key.get(rid_key(p.remote_vnet_id))
    for p in peerings:
        if p.allow_gateway_transit and rid_key(p.vnet_id) in with_gw:
            return facts.vnet_by_key.get(rid_key(p.vnet_id))
    return None


# Keys of findings that show the multi-region design is what hurts.
_DESIGN_SIGNS = (
    "topology:far_hub:",
    "topology:transit_unused:",
    "topology:joined_twice:",
    "topology:p2s_never:",
    "one_way:",
    "missing_reverse:",
    "shared_key:",
    "bgp_one_side:",
    "down:",
    "connecting:",
    "routing:p2s_oneway:",
    "peering_transit_in_use:",
    "peering_remote_gw",
    "peering_transit_not_offered:",
)


def design_matters(situation: Situation | None, findings: Iterable[Finding]) -> bool:
    """True when findings about the multi-region joins show the design is the trouble."""
    if situation is None:
        return False
    for f in findings:
        relevant = f.key.startswith(_DESIGN_SIGNS) and any(i in f.key for i in situation.ids)
        if relevant and (f.severity in ("critical", "warning") or f.key.startswith("topology:joined_twice:")):
            return True
    return False


@dataclass(frozen=True)
class DesignOption:
    """One way to join the regions, and what it would change in this estate."""

    key: Literal["hub_spoke", "gateway_per_region", "virtual_wan"]
    name: str
    idea: str  # mrkdwn: what it is, in one sentence
    users: str  # mrkdwn: where each region's VPN users connect
    changes: tuple[str, ...]  # mrkdwn bullets: gateways, connections, peerings in this estate
    profiles: str  # mrkdwn: client profiles to download again
    cells: tuple[str, str, str, str]  # plain text for the side-by-side table
    doc_url: str
    current: bool = False  # the estate is (partly) built this way now


OPTION_ROWS: tuple[str, str, str, str] = ("Gateways", "Connections", "Peerings", "Users connect to")


def design_options(
    situation: Situation,
    facts: EstateIndex,
    key_checks: Mapping[frozenset[str], str] | None = None,
    p2s_clients: Mapping[str, int] | None = None,
) -> list[DesignOption]:
    """The three designs side by side, each with what it changes in this estate (no prices)."""
    return [
        _hub_spoke(situation, facts, p2s_clients or {}),
        _per_region(situation, facts, key_checks or {}),
        _virtual_wan(situation, facts),
    ]


def _choose_hub(s: Situation, p2s_clients: Mapping[str, int]) -> tuple[VirtualNetwork, Gateway | None]:
    if s.hub is not None:
        gws = [g for g in s.gateways if rid_key(g.vnet_id) == rid_key(s.hub.id)]
        return s.hub, (gws[0] if gws else None)
    ranked_gws = sorted(
        s.gateways,
        key=lambda g: (
            -p2s_clients.get(rid_key(g.id), 0),
            -sum(1 for c in s.site_connections if rid_key(c.gateway1_id) == rid_key(g.id)),
            not g.serves_p2s,
            g.name.lower(),
        ),
    )
    if ranked_gws:
        g = ranked_gws[0]
        v = next((v for v in s.vnets if rid_key(v.id) == rid_key(g.vnet_id)), s.vnets[0])
        return v, g
    return s.vnets[0], None


def _clients(gws: Iterable[Gateway], p2s_clients: Mapping[str, int]) -> str:
    n = sum(p2s_clients.get(rid_key(g.id), 0) for g in gws)
    return f" ({plural(n, 'client')} connected now)" if n else ""


def _hub_spoke(s: Situation, facts: EstateIndex, p2s_clients: Mapping[str, int]) -> DesignOption:
    hub, hub_gw = _choose_hub(s, p2s_clients)
    hub_loc = hub.location
    spokes = [v for v in s.vnets if rid_key(v.id) != rid_key(hub.id)]
    spoke_keys = {rid_key(v.id) for v in spokes}
    removed = [g for g in facts.gateways if rid_key(g.vnet_id) in spoke_keys]
    gw_name = code(hub_gw.name) if hub_gw else f"a gateway in {code(hub.name)}"
    changes: list[str] = []
    if removed:
        pools = [x for g in removed for x in g.p2s_address_pool]
        changes.append(
            f"Gateways: keep {gw_name}; delete {_names(g.name for g in removed)} (a VNet that uses a remote gateway "
            "cannot have its own)"
            + (
                f"; {'client pools' if len(pools) != 1 else 'the client pool'} {_names(pools)} "
                f"{'go' if len(pools) != 1 else 'goes'} with {'them' if len(removed) != 1 else 'it'}"
                if pools
                else ""
            )
        )
    else:
        changes.append(f"Gateways: {gw_name} only, as now")
    moved = [c for c in s.site_connections if any(rid_key(c.gateway1_id) == rid_key(g.id) for g in removed)]
    if s.connections or moved:
        bits = []
        if s.connections:
            bits.append(f"delete the VNet-to-VNet connections {_names(c.name for c in s.connections)}")
        if moved:
            bits.append(f"re-create the site-to-site connections {_names(c.name for c in moved)} on {gw_name}")
        changes.append("Connections: " + "; ".join(bits))
    else:
        changes.append("Connections: none between the regions")
    peer_steps: list[str] = []
    for sp in spokes:
        out_p = facts.peering(hub.id, sp.id)
        back = facts.peering(sp.id, hub.id)
        if out_p is None or back is None:
            peer_steps.append(f"peer {code(hub.name)} ↔ {code(sp.name)} (transit does not pass through a second hop)")
            continue
        todo = []
        if not out_p.allow_gateway_transit:
            todo.append(change_command(hub.name, out_p.name, "allowGatewayTransit", True))
        if not back.use_remote_gateways:
            todo.append(change_command(sp.name, back.name, "useRemoteGateways", True) + " (after its gateway is gone)")
        peer_steps.append(f"{code(sp.name)}: " + (", then ".join(todo) if todo else "already uses transit"))
    changes.append("Peerings: " + ("; ".join(peer_steps) if peer_steps else "none"))
    far = [
        (sp, region_distance(sp.location, hub_loc))
        for sp in spokes
        if sp.location and region_distance(sp.location, hub_loc).apart
    ]
    users = f"everyone connects to {gw_name} in {esc(_where(hub_loc))}"
    if far:
        users += "; " + "; ".join(f"users near {esc(d.a)} go {esc(d.a)} → {esc(d.b)} and back" for _, d in far)
    cells = (
        f"1 ({hub_gw.name if hub_gw else hub.name})" + (f", -{len(removed)}" if removed else ""),
        f"0 V2V (-{len(s.connections)})" if s.connections else "0 V2V",
        f"transit x{len(spokes)}",
        _where(hub_loc),
    )
    return DesignOption(
        "hub_spoke",
        "Hub-and-spoke with gateway transit",
        f"One gateway in {code(hub.name)}; the other VNets peer with it and use it (allowGatewayTransit on the hub "
        "side, useRemoteGateways on each spoke).",
        users,
        tuple(changes),
        (
            f"Users of {_names(g.name for g in removed)} download {gw_name}'s profile{_clients(removed, p2s_clients)}; "
            if removed
            else ""
        )
        + f"users of {gw_name} download its profile again to get the spokes' routes"
        + f"{_clients([hub_gw] if hub_gw else [], p2s_clients)}.",
        cells,
        DOC_TRANSIT,
        current=any(p.use_remote_gateways for p in s.peerings) or s.hub is not None,
    )


def _per_region(s: Situation, facts: EstateIndex, key_checks: Mapping[frozenset[str], str]) -> DesignOption:
    regional: list[tuple[Site, Gateway | None, VirtualNetwork]] = []
    for site in s.sites:
        gw = next((g for g in site.gateways if g.serves_p2s), site.gateways[0] if site.gateways else None)
        vnet = next((v for v in site.vnets if gw is not None and rid_key(v.id) == rid_key(gw.vnet_id)), site.vnets[0])
        regional.append((site, gw, vnet))
    changes: list[str] = []
    added = [(site, vnet) for site, gw, vnet in regional if gw is None]
    kept = [gw for _, gw, _ in regional if gw is not None]
    gw_bits = []
    if kept:
        gw_bits.append(f"keep {_names(g.name for g in kept)}")
    for site, vnet in added:
        uses = [p for p in vnet.peerings if p.use_remote_gateways]
        pre = f" after {change_command(vnet.name, uses[0].name, 'useRemoteGateways', False)}" if uses else ""
        gw_bits.append(f"add a VPN gateway with point-to-site in {code(vnet.name)} ({esc(site.label)}){pre}")
    changes.append("Gateways: " + "; ".join(gw_bits) + " — one per region, each with its own BGP ASN")
    conn_bits: list[str] = []
    pairs = 0
    for i, (_, ga, va) in enumerate(regional):
        for _, gb, vb in regional[i + 1 :]:
            pairs += 1
            conn_bits.append(_pair_status(ga, gb, va, vb, facts, key_checks))
    changes.append(
        f"Connections: two per pair of regions, one each way, same shared key, BGP on both ({2 * pairs} in all): "
        + "; ".join(conn_bits)
    )
    route_bits = []
    for _, gw, vnet in regional:
        others = [p for _, _, v in regional if rid_key(v.id) != rid_key(vnet.id) for p in facts.vnet_prefixes(v.id)]
        if others:
            route_bits.append(f"{code(gw.name) if gw else 'the new gateway in ' + code(vnet.name)} → {_names(others)}")
    if route_bits:
        changes.append(
            "Routes to hand out: each gateway's clients need the other regions' prefixes — "
            + "; ".join(route_bits)
            + ". With BGP everywhere non-Windows clients learn them; Windows clients need them as "
            f"<{DOC_P2S_CUSTOM_ROUTES}|custom routes> on the gateway (`az network vnet-gateway update --custom-routes …`)"
        )
    transit = [p for p in s.peerings if p.allow_gateway_transit or p.use_remote_gateways]
    changes.append(
        "Peerings: "
        + (f"turn gateway transit off on {_names(p.name for p in transit)}; " if transit else "")
        + "a plain peering may stay (traffic between the VNets themselves then uses it, not the gateways)"
    )
    users = "; ".join(
        f"users near {esc(site.label)} connect to {code(gw.name) if gw else 'the new gateway in ' + code(vnet.name)}"
        for site, gw, vnet in regional
    )
    n_gw = len(regional)
    cells = (
        f"{n_gw}" + (f" (+{len(added)})" if added else ""),
        f"{2 * pairs} V2V",
        "plain or none",
        "own region",
    )
    return DesignOption(
        "gateway_per_region",
        "A gateway per region, joined by VNet-to-VNet",
        "Each region keeps its own VPN gateway; the gateways are joined by a pair of connections.",
        users,
        tuple(changes),
        "Every gateway's users download their profile again (new routes)"
        + (
            "; users near " + ", ".join(esc(site.label) for site, _ in added) + " import the new gateway's profile."
            if added
            else "."
        ),
        cells,
        DOC_V2V,
        current=bool(s.connections),
    )


def _pair_status(
    ga: Gateway | None,
    gb: Gateway | None,
    va: VirtualNetwork,
    vb: VirtualNetwork,
    facts: EstateIndex,
    key_checks: Mapping[frozenset[str], str],
) -> str:
    if ga is None or gb is None:
        a_name = code(ga.name) if ga else f"the new gateway in {code(va.name)}"
        b_name = code(gb.name) if gb else f"the new gateway in {code(vb.name)}"
        return f"create both {a_name} → {b_name} and back"
    ab, ba = facts.connection_between(ga.id, gb.id), facts.connection_between(gb.id, ga.id)
    todo: list[str] = []
    have = [c for c in (ab, ba) if c is not None]
    if ab is None:
        todo.append(f"create {code(ga.name)} → {code(gb.name)}")
    if ba is None:
        todo.append(f"create {code(gb.name)} → {code(ga.name)}")
    if ab is not None and ba is not None and key_checks.get(frozenset({rid_key(ab.id), rid_key(ba.id)})) == "different":
        todo.append(f"give {code(ab.name)} and {code(ba.name)} the same shared key")
    bgp_off = [c.name for c in have if not c.enable_bgp] + [g.name for g in (ga, gb) if not g.enable_bgp]
    if bgp_off:
        todo.append(f"turn BGP on for {_names(bgp_off)}")
    if not todo:
        return f"{_names(c.name for c in have)} in place"
    return f"{code(ga.name)} ⇄ {code(gb.name)}: " + ", ".join(todo)


def _virtual_wan(s: Situation, facts: EstateIndex) -> DesignOption:
    gws = [g for g in facts.gateways if any(rid_key(g.vnet_id) == rid_key(v.id) for v in s.vnets)]
    transit = [p for p in s.peerings if p.allow_gateway_transit or p.use_remote_gateways]
    lngs = [name_of(c.local_network_gateway_id) for c in s.site_connections]
    changes = [
        "Add: one Virtual WAN, and a virtual hub with a point-to-site (User VPN) gateway in "
        + ", ".join(esc(site.label) for site in s.sites)
        + " — each hub needs a free private range of /24 or more and its own client pool, neither overlapping "
        "any VNet or site",
        "Connect "
        + "; ".join(f"{_names(v.name for v in site.vnets)} to the {esc(site.label)} hub" for site in s.sites)
        + " (a VNet connects to one hub)",
    ]
    remove = []
    if gws:
        remove.append(
            f"the gateway{'s' if len(gws) != 1 else ''} {_names(g.name for g in gws)} "
            f"(<{DOC_VWAN_CONNECT}|a VNet connected to a hub cannot have one>)"
        )
    if s.connections:
        remove.append(f"the VNet-to-VNet connections {_names(c.name for c in s.connections)}")
    if transit:
        remove.append(f"gateway transit on {_names(p.name for p in transit)}")
    if remove:
        changes.append("Remove: " + "; ".join(remove))
    if lngs:
        changes.append(
            f"Sites: {_names(dict.fromkeys(lngs))} become VPN sites on the nearest hub's site-to-site gateway"
        )
    return DesignOption(
        "virtual_wan",
        "Azure Virtual WAN with a hub per region",
        "Microsoft-managed hubs, one per region, joined any-to-any over Microsoft's network; point-to-site in each hub.",
        f"each user connects to the nearest hub (the <{DOC_VWAN_PROFILE}|global profile> picks it); hub-to-hub "
        "traffic stays on Microsoft's network",
        tuple(changes),
        "Every user imports the new User VPN profile (global or per hub); the old gateways' profiles stop working.",
        (f"{len(s.sites)} hubs (-{len(gws)} gw)", "hub links", "not needed", "nearest hub"),
        DOC_VWAN,
    )
