"""Findings about the shape of the estate: gateway transit, detours, VNets joined twice,
routes VPN clients never get — and, composed with `commands.findings.overlaps`, every
topology finding (`assess`).

Pure functions over `commands.core.estate.EstateIndex` (VNets with their peerings, gateways,
connections read with GET, local network gateways), so `/vpn diagnose` and any other
command can compose them. They cover what the other finding modules do not:

* peering pairs whose gateway transit is set up on one side only, several peerings of one
  VNet using remote gateways, and other flags that differ across a pair
  (`commands.findings.peerings` covers one-sided peerings and `useRemoteGateways` misuse);
* a spoke whose users must detour through a hub gateway in a far region (the distance comes
  from `commands.findings.distance`, never from invented numbers);
* two VNets joined twice (peering and VNet-to-VNet), and VPN clients that never get a
  peered VNet's routes.

Azure's rules behind them:
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit (a VNet
that uses a remote gateway cannot have its own; one such peering per VNet),
https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview (with
peering and gateway connections both in place, traffic between the VNets flows through the
peering), https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from commands.core.estate import EstateIndex
from commands.core.model import Connection, Gateway, Peering, VirtualNetwork, rid_key
from commands.core.reply import Finding, Severity
from commands.core.text import code, join, link, rich
from commands.core.units import plural
from commands.findings import dedup, ranked
from commands.findings.distance import Distance, gateway_location, region_distance, where
from commands.findings.joins import (
    DOC_PEERING,
    DOC_TRANSIT,
    VnetScope,
    connected,
    is_v2v,
    is_vpn,
    names,
    pair,
    touches,
)
from commands.findings.overlaps import overlaps
from commands.findings.peerings import change_code
from commands.findings.routing.p2s import P2S_ROUTING_DOC, p2s_plan

DOC_MANAGE_PEERING = "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering"
DOC_LATENCY = "https://learn.microsoft.com/azure/networking/azure-network-latency"


def _known(known: VnetScope | None, vnet_id: str) -> bool:
    return known is None or known(vnet_id)


# --- gateway transit -----------------------------------------------------------------------------


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
            if not p.allow_gateway_transit or not connected(p.state):
                continue
            back = facts.peering(p.remote_vnet_id, a.id)
            if back is None or back.use_remote_gateways or not touches(in_scope, a.id, p.remote_vnet_id):
                continue
            hub_gws = facts.any_gateways_in(a.id)
            if not hub_gws:
                continue  # commands.findings.peerings: "offers gateway transit but has no gateway"
            b_gws = facts.any_gateways_in(p.remote_vnet_id)
            key = f"topology:transit_unused:{pair(p.id, back.id)}"
            if b_gws:
                out.append(_transit_blocked_by_gateway(facts, a, p, back, hub_gws[0], b_gws, key))
            elif _known(known, p.remote_vnet_id):
                out.append(_transit_not_used(facts, a, p, back, hub_gws, key))
    return out


def _transit_not_used(
    facts: EstateIndex, a: VirtualNetwork, p: Peering, back: Peering, hub_gws: Sequence[Gateway], key: str
) -> Finding:
    """Transit offered to a VNet without a gateway that does not turn useRemoteGateways on."""
    b_name = facts.vnet_name(p.remote_vnet_id)
    hub = hub_gws[0]
    p2s = [g for g in hub_gws if g.serves_p2s]
    reach = (
        rich("VPN clients of ", names(g.name for g in p2s), " get no route to it")
        if p2s
        else rich(code(hub.name), "'s connections do not reach it")
    )
    return Finding(
        "warning",
        rich(code(b_name), " is peered with ", code(a.name), " but does not use its gateway ", code(hub.name)),
        evidence=rich(
            code(p.name),
            " allows gateway transit; ",
            code(back.name),
            " has useRemoteGateways off and ",
            code(b_name),
            " has no gateway of its own, so ",
            reach,
            ": a client gets a peered VNet's routes only when both sides of the peering use gateway transit.",
        ),
        next_step=rich(
            change_code(b_name, back.name, "useRemoteGateways", True),
            " (VPN clients of ",
            code(hub.name),
            " then download their profile again).",
        ),
        doc_url=DOC_TRANSIT,
        key=key,
    )


def _transit_blocked_by_gateway(
    facts: EstateIndex,
    a: VirtualNetwork,
    p: Peering,
    back: Peering,
    hub: Gateway,
    b_gws: Sequence[Gateway],
    key: str,
) -> Finding:
    """Transit offered to a VNet that cannot use it because it has a gateway of its own."""
    b_name = facts.vnet_name(p.remote_vnet_id)
    b = facts.vnet_by_key.get(rid_key(p.remote_vnet_id))
    b_loc = b.location if b else ""
    hub_loc = gateway_location(hub, facts)
    d = region_distance(hub_loc, b_loc) if b_loc else None
    p2s = [g for g in b_gws if g.serves_p2s]
    cost = rich("deleting ", names(g.name for g in b_gws))
    if p2s:
        pools = join(", ", [code(x) for g in p2s for x in g.p2s_address_pool])
        cost += rich(
            "; its VPN clients (pool ", pools, ") would then connect to ", code(hub.name), " in ", where(hub_loc)
        )
        if d is not None and d.apart:
            cost += rich(
                " — ", d.words, ", so users near ", where(b_loc), " would cross to ", d.a, " and back for every packet"
            )
    v2v = [c for c in facts.connections if is_v2v(c) and _joins(c, hub, b_gws)]
    other_path = (
        rich(
            f" The VNet-to-VNet connection{'s' if len(v2v) != 1 else ''} ",
            names(c.name for c in v2v),
            f" between the two gateways {'is' if len(v2v) == 1 else 'are'} the other design, tried at the same time.",
        )
        if v2v
        else None
    )
    far = d is not None and d.kind == "far"
    return Finding(
        "warning" if (p2s or hub.serves_p2s) and far else "info",
        rich(
            "Gateway transit from ",
            code(a.name),
            " to ",
            code(b_name),
            " is half set up: ",
            code(b_name),
            " has its own gateway",
        ),
        evidence=rich(
            code(p.name),
            " allows gateway transit, but ",
            code(back.name),
            " cannot use it: Azure allows useRemoteGateways only in a VNet without a gateway, and ",
            code(b_name),
            " has ",
            names(g.name for g in b_gws),
            ". So this peering hands nothing of ",
            code(b_name),
            " to ",
            code(hub.name),
            "'s VPN clients.",
            other_path,
        ),
        next_step=rich(
            "Finishing this design means ",
            cost,
            ". To keep a gateway per region instead, drop the leftover flag: ",
            change_code(a.name, p.name, "allowGatewayTransit", False),
            ". The design options below compare both.",
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
        if len(users) < 2 or not touches(in_scope, v.id):
            continue
        out.append(
            Finding(
                "critical",
                rich(code(v.name), f" uses remote gateways through {len(users)} peerings"),
                evidence=rich(
                    "useRemoteGateways is on for ",
                    names(p.name for p in users),
                    "; a VNet can use the gateway of only one peered VNet, so Azure refuses further changes to these "
                    "peerings until one is off.",
                ),
                next_step=rich(
                    "Keep the one whose gateway its users should use; turn the others off, e.g. ",
                    change_code(v.name, users[-1].name, "useRemoteGateways", False),
                    ".",
                ),
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
            if back is None or not touches(in_scope, a.id, p.remote_vnet_id):
                continue
            key = f"topology:flags_differ:{pair(p.id, back.id)}"
            if key in seen or p.allow_forwarded_traffic == back.allow_forwarded_traffic:
                continue
            seen.add(key)
            on, off = (p, back) if p.allow_forwarded_traffic else (back, p)
            on_vnet, off_vnet = facts.vnet_name(on.vnet_id), facts.vnet_name(off.vnet_id)
            out.append(
                Finding(
                    "info",
                    rich("Forwarded traffic is accepted into ", code(on_vnet), " but not into ", code(off_vnet)),
                    evidence=rich(
                        "allowForwardedTraffic is on for ",
                        code(on.name),
                        " and off for ",
                        code(off.name),
                        ". Packets that a gateway or appliance in ",
                        code(on_vnet),
                        " forwards (from on-premises, VPN clients or other spokes) are dropped on the way into ",
                        code(off_vnet),
                        ".",
                    ),
                    next_step=rich(
                        "If ",
                        code(off_vnet),
                        " should receive them: ",
                        change_code(off_vnet, off.name, "allowForwardedTraffic", True),
                        "; otherwise this is as meant.",
                    ),
                    doc_url=DOC_MANAGE_PEERING,
                    key=key,
                )
            )
    return out


# --- the detour through a far hub ---------------------------------------------------------------


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
            if not (p.use_remote_gateways and connected(p.state)):
                continue
            back = facts.peering(p.remote_vnet_id, s.id)
            if back is None or not back.allow_gateway_transit or facts.any_gateways_in(s.id):
                continue
            gws = facts.vpn_gateways_in(p.remote_vnet_id)
            if not gws or not s.location:
                continue
            d = region_distance(s.location, gateway_location(gws[0], facts))
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
        if not touches(in_scope, t.spoke.id, t.hub_vnet_id):
            continue
        gw, d = t.gateway, t.distance
        spoke = code(t.spoke.name)
        clients = (p2s_clients or {}).get(rid_key(gw.id))
        now = f" {plural(clients, 'VPN client')} {'is' if clients == 1 else 'are'} on it now." if clients else ""
        # Another continent is the seed's pain; a neighbouring country is worth knowing, no more.
        severity: Severity = "warning" if d.kind == "far" else "info"
        out.append(
            Finding(
                severity,
                rich("Users near ", d.a, " reach ", spoke, " only through ", code(gw.name), " in ", d.b),
                evidence=rich(
                    spoke,
                    f" ({d.a}) has no gateway and uses ",
                    code(facts.vnet_name(t.hub_vnet_id)),
                    "'s through ",
                    code(t.peering.name),
                    " (useRemoteGateways): a VPN client must connect to ",
                    code(gw.name),
                    ", so its packets to ",
                    spoke,
                    f" go {d.a} → {d.b} → {d.a}, and back the same way. {d.words}.{now} Azure allows no gateway in a "
                    "VNet that uses a remote one, so a nearer gateway for those users needs another design. ",
                    link(DOC_LATENCY, "Azure's measured round-trip times between regions"),
                    ".",
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
            pk = pair(a.id, b_id)
            if pk in seen or not connected(p.state) or not touches(in_scope, a.id, b_id):
                continue
            conns = _v2v_between(facts, a.id, b_id)
            if not conns:
                continue
            seen.add(pk)
            out.append(
                Finding(
                    "info",
                    rich(
                        code(a.name),
                        " and ",
                        code(facts.vnet_name(b_id)),
                        " are joined twice: peering and VNet-to-VNet",
                    ),
                    evidence=rich(
                        "Peering ",
                        code(p.name),
                        f" and the connection{'s' if len(conns) != 1 else ''} ",
                        names(c.name for c in sorted(conns, key=lambda c: c.name)),
                        ". When both exist, Azure sends traffic between the two VNets through the peering, so the "
                        "connections' byte counters do not show it, and two designs are half-active at once.",
                    ),
                    next_step="Choose one design (the options below) and remove the other's pieces.",
                    doc_url=DOC_PEERING,
                    key=f"topology:joined_twice:{pk}",
                )
            )
    return out


def _v2v_between(facts: EstateIndex, a_id: str, b_id: str) -> list[Connection]:
    """The VNet-to-VNet connections between the VPN gateways of two VNets, either way."""
    a_gws = {rid_key(g.id) for g in facts.vpn_gateways_in(a_id)}
    b_gws = {rid_key(g.id) for g in facts.vpn_gateways_in(b_id)}
    return [
        c
        for c in facts.connections
        if is_v2v(c)
        and (
            (rid_key(c.gateway1_id) in a_gws and rid_key(c.gateway2_id) in b_gws)
            or (rid_key(c.gateway1_id) in b_gws and rid_key(c.gateway2_id) in a_gws)
        )
    ]


def p2s_routes_missing(facts: EstateIndex, in_scope: VnetScope | None = None) -> list[Finding]:
    """VPN clients of a gateway that never get a peered VNet's routes (P2S routing rules)."""
    out: list[Finding] = []
    for gw in facts.gateways:
        if not gw.serves_p2s or not is_vpn(gw):
            continue
        # A peering neither side set up for transit keeps its VNet away from VPN clients on
        # purpose: that is no route "missing".
        never = [e for e in p2s_plan(gw, facts) if e.certainty == "never" and e.kind != "peering_plain"]
        if not never or not touches(in_scope, gw.vnet_id, *(e.source_id for e in never)):
            continue
        prefixes = list(dict.fromkeys(e.prefix for e in never))
        reasons = [f"• {r}" for r in dict.fromkeys(e.why for e in never)]
        out.append(
            Finding(
                "warning",
                rich(
                    "VPN clients of ",
                    code(gw.name),
                    " get no route to ",
                    join(", ", [code(p) for p in prefixes[:6]]),
                    f" and {len(prefixes) - 6} more" if len(prefixes) > 6 else None,
                ),
                evidence=join("\n", reasons[:6]),
                next_step="Turn gateway transit on for both sides of the peering (the spoke must have no gateway), "
                "or join the VNets through their gateways; then clients download the VPN profile again.",
                doc_url=P2S_ROUTING_DOC,
                key=f"topology:p2s_never:{rid_key(gw.id)}",
                # Folded under what breaks the peerings, when every route missing has such a cause.
                causes=tuple(dict.fromkeys(c for e in never for c in e.causes)) if all(e.causes for e in never) else (),
            )
        )
    return out


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
