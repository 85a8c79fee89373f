"""Overlapping address spaces: VNets, local network gateways' prefixes, P2S client pools.

A pure function over `commands.core.estate.EstateIndex`, composed by
`commands.findings.topology.assess`. How bad an overlap is depends on how the two networks
are joined, so the estate is read as a graph (peerings, gateway connections, a pool and its
VNet) and each overlapping pair is placed in it.

Azure's rules behind it:
https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview
(non-overlapping address spaces),
https://learn.microsoft.com/azure/vpn-gateway/point-to-site-certificate-gateway (the client
pool), https://learn.microsoft.com/azure/vpn-gateway/tutorial-site-to-site-portal (a local
network gateway's prefixes), https://learn.microsoft.com/azure/vpn-gateway/nat-overview (a
site translated by an IngressSnat rule is seen at its external mapping).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from commands.core.estate import EstateIndex
from commands.core.model import rid_key
from commands.core.reply import Finding, Severity
from commands.core.text import Rich, code, join, rich
from commands.core.units import plural
from commands.findings.joins import DOC_PEERING, VnetScope, components, touches
from commands.findings.routing.nat import site_prefixes
from commands.findings.routing.p2s import p2s_plan
from commands.findings.routing.selection import parse_net

DOC_P2S_POOL = "https://learn.microsoft.com/azure/vpn-gateway/point-to-site-certificate-gateway"
DOC_S2S = "https://learn.microsoft.com/azure/vpn-gateway/tutorial-site-to-site-portal"

# Unjoined overlaps are listed together past this many, so a sprawl of isolated VNets that
# reuse one range does not bury the answer.
OVERLAP_DETAIL = 8

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
        # As Azure sees them: an IngressSnat rule on its connection translates them
        # (routing.nat) — NAT exists to join overlapping networks.
        for p in site_prefixes(facts, lng):
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
            pool = "p2s:" + rid_key(g.id)
            links.add(frozenset({pool, rid_key(g.vnet_id)}))
            # A pool reaches what the gateway reaches: its connections' far ends, and every
            # VNet its clients are handed a route to (spokes using it through transit,
            # VNet-to-VNet remotes) — an overlap with any of those keeps the replies there.
            for c in facts.connections_from(g.id):
                if c.local_network_gateway_id:
                    links.add(frozenset({pool, rid_key(c.local_network_gateway_id)}))
            for e in p2s_plan(g, facts):
                if e.certainty != "never" and e.source_id and e.kind in ("transit_peering", "vnet2vnet"):
                    links.add(frozenset({pool, rid_key(e.source_id)}))
    return links


def _label(n: _Net) -> Rich:
    return rich(_KIND_WORDS[n.kind], " ", code(n.name), " ", code(n.prefix))


def overlaps(facts: EstateIndex, in_scope: VnetScope | None = None) -> list[Finding]:
    """Address spaces that overlap: VNets, local network gateways' prefixes, P2S client pools.

    Joined directly (peered, connected, a pool and its own VNet) → critical: traffic to the
    overlap goes the wrong way. Joined through others → warning. Not joined → info, listed
    together: they cannot be joined later without renumbering.
    """
    nets = _nets(facts)
    links = _links(facts)
    comp = components({n.node for n in nets}, links)
    direct: list[tuple[_Net, _Net]] = []
    indirect: list[tuple[_Net, _Net]] = []
    apart: list[tuple[_Net, _Net]] = []
    seen: set[tuple[str, str, str, str]] = set()
    # Each network as (version, first, last address) integers: the same test as
    # `ipaddress`'s `overlaps`, at a tenth of its cost over a 200-gateway estate's ~200k pairs.
    spans = [(n.net.version, int(n.net.network_address), int(n.net.broadcast_address)) for n in nets]
    for i, x in enumerate(nets):
        xv, xa, xb = spans[i]
        for j in range(i + 1, len(nets)):
            yv, ya, yb = spans[j]
            if xv != yv or xa > yb or ya > xb:
                continue
            y = nets[j]
            if x.node == y.node:
                continue
            if not touches(in_scope, x.vnet_id, y.vnet_id):
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
        out.append(_apart_finding(apart))
    return out


def _apart_finding(apart: list[tuple[_Net, _Net]]) -> Finding:
    """Overlaps between networks that are not joined at all, listed together."""
    lines: list[Rich | str] = [rich("• ", _label(x), " and ", _label(y)) for x, y in apart[:OVERLAP_DETAIL]]
    if len(apart) > OVERLAP_DETAIL:
        lines.append(f"• …and {len(apart) - OVERLAP_DETAIL} more pairs")
    return Finding(
        "info",
        f"{plural(len(apart), 'pair')} of unconnected networks overlap",
        evidence=join("\n", lines),
        next_step="Harmless while they stay apart; they cannot be peered or connected later without "
        "renumbering one of them.",
        doc_url=DOC_PEERING,
        key="topology:overlap_apart:" + "|".join(sorted(f"{x.node}>{y.node}" for x, y in apart))[:400],
    )


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
        rule = (
            "A point-to-site client pool must not overlap the VNets its clients reach or the networks they come "
            "from: Azure routes the overlapping addresses inside the VNet (VnetLocal, or the peering), so packets "
            "to the clients never reach the gateway"
        )
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
        rich(_label(x), " overlaps ", _label(y)),
        evidence=f"They are {joined}; {sev_why}. {rule}.",
        next_step=fix + ".",
        doc_url=doc,
        key=f"topology:overlap:{'|'.join(sorted((x.node + '>' + x.prefix, y.node + '>' + y.prefix)))}",
    )
