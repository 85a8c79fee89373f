"""Which address spaces a NIC or a gateway should reach, each along the path it should take,
and what in the estate breaks that path. Whether its routes agree is `coverage`'s part.

A NIC should reach its own VNet, the VNets peered with it, what its VNet's gateway reaches
(its P2S pool, VNet-to-VNet remotes, site-to-site networks), what a hub's gateway reaches
through gateway transit, and the private endpoints in all of those VNets. A gateway should
reach its VNet, the spokes that use it, and what its connections bring.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from commands.core.estate import EstateIndex
from commands.core.model import Connection, Gateway, name_of, rid_key
from commands.findings.peerings import pair_causes
from commands.findings.routing.links import and_, bgp_missing, bgp_off, connected, is_vnet2vnet, known, one_way_into
from commands.findings.routing.nat import site_prefixes_via
from commands.findings.routing.selection import GATEWAY_HOPS, PEERING_HOPS


@dataclass(frozen=True)
class Blocker:
    """What breaks a path: the reason, the fix, and the key of the finding that says so
    (its root cause in the judgement; "" when no finding does)."""

    reason: str
    fix: str = ""
    cause: str = ""


@dataclass
class Destination:
    """An address space to reach, the path to it (`via`, and the next hops that path shows as),
    and what blocks the path or is worth knowing about it."""

    prefixes: tuple[str, ...]
    label: str
    kind: str
    via: str
    hops: frozenset[str]
    source_id: str = ""
    blockers: list[Blocker] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Configured statically (peering, static connection): a gateway's learned routes need
    # not list it, so for a gateway target the configuration decides.
    static: bool = False


def destinations(facts: EstateIndex, vnet_id: str, kind: Literal["nic", "gateway"]) -> list[Destination]:
    """Everything a NIC (or the gateway) in `vnet_id` should reach. Order: own VNet, peerings,
    gateway paths, private endpoints."""
    vname = facts.vnet_name(vnet_id)
    own = Destination(
        facts.vnet_prefixes(vnet_id), vname, "own_vnet", f"its own VNet {vname}", frozenset({"vnetlocal"}), vnet_id
    )
    if kind == "gateway":
        return _of_gateway(facts, vnet_id, vname, own)
    own_gws = facts.vpn_gateways_in(vnet_id)
    out = [own, *_peerings(facts, vnet_id, vname)]
    for g in own_gws:
        out += _through_gateway(facts, g, f"its gateway {g.name}", [], vnet_id)
    for rkey in facts.peer_keys(vnet_id):
        out += _through_peer_gateway(facts, vnet_id, rkey, own_gws)
    return out + _endpoints(facts, out)


def _of_gateway(facts: EstateIndex, vnet_id: str, vname: str, own: Destination) -> list[Destination]:
    """A gateway reaches its VNet, the spokes that use it, and what its connections bring.
    Its learned routes carry no next hop types to compare, so no path expects any."""
    out = [own]
    for it in _peerings(facts, vnet_id, vname):
        back = facts.peering(it.source_id, vnet_id)
        there = facts.peering(vnet_id, it.source_id)
        if back is not None and back.use_remote_gateways:
            it.kind, it.via, it.hops = "transit", f"spoke {it.label} using {vname}'s gateway", frozenset()
            it.static = True
            if there is not None and not there.allow_gateway_transit:
                it.blockers.append(
                    Blocker(
                        f"allowGatewayTransit is off on {vname}→{it.label}",
                        f"/vpn peering {vname}/{there.name} allowGatewayTransit on",
                        f"peering_transit_not_offered:{rid_key(back.id)}",
                    )
                )
            out.append(it)
    for g in facts.vpn_gateways_in(vnet_id):
        out += _through_gateway(facts, g, g.name, [], vnet_id, include_pool=False)
        out += _incoming(facts, g, g.name)
    for it in out:
        it.hops = frozenset()
    return out


def _peerings(facts: EstateIndex, vnet_id: str, vname: str) -> list[Destination]:
    """Each VNet peered with `vnet_id`, and what breaks the peering."""
    out = []
    for rkey in facts.peer_keys(vnet_id):
        there = facts.peering(vnet_id, rkey)
        back = facts.peering(rkey, vnet_id)
        rid = (there.remote_vnet_id if there else back.vnet_id if back else rkey) or rkey
        rname = facts.vnet_name(rid)
        it = Destination(
            prefixes=facts.vnet_prefixes(rid) or (there.remote_address_prefixes if there else ()),
            label=rname,
            kind="peering",
            via=f"peering {vname}→{rname}",
            hops=PEERING_HOPS,
            source_id=rid,
        )
        causes = pair_causes(there, back)
        if there is None:
            it.blockers.append(
                Blocker(
                    f"no peering from {vname} to {rname} (only {rname}→{vname} exists, {back.state if back else '?'})",
                    f"create the peering {vname}→{rname}; both directions are needed",
                    causes[0] if causes else "",
                )
            )
        else:
            if not connected(there.state):
                if back is None:
                    it.blockers.append(
                        Blocker(
                            f"peering {vname}→{rname} is {there.state or 'not Connected'}: there is no peering back from {rname}",
                            f"create the peering {rname}→{vname}",
                            causes[0] if causes else "",
                        )
                    )
                else:
                    it.blockers.append(
                        Blocker(
                            f"peering {vname}→{rname} is {there.state or 'not Connected'}",
                            "delete and re-create the side that is Disconnected; a peering is Connected only when both sides exist",
                            causes[0] if causes else "",
                        )
                    )
            if not there.allow_virtual_network_access:
                it.blockers.append(
                    Blocker(
                        f"allowVirtualNetworkAccess is off on {vname}→{rname}",
                        f"/vpn peering {vname}/{there.name} allowVirtualNetworkAccess on",
                        f"peering_access_off:{rid_key(there.id)}",
                    )
                )
            if there.sync_level and there.sync_level.lower() not in ("fullyinsync", ""):
                it.notes.append(
                    f"peering {vname}→{rname} is {there.sync_level}: address spaces changed, sync the peering"
                )
        if back is not None and not back.allow_virtual_network_access:
            it.notes.append(
                f"allowVirtualNetworkAccess is off on {rname}→{vname}: {rname} cannot start connections to {vname}"
            )
        out.append(it)
    return out


def _through_gateway(
    facts: EstateIndex,
    gw: Gateway,
    via: str,
    base: Sequence[Blocker],
    target_vnet: str,
    include_pool: bool = True,
) -> list[Destination]:
    """What traffic reaches through gateway `gw` (own or remote via transit); `base` blocks
    every path through it (the transit that leads there is broken)."""
    out: list[Destination] = []
    if include_pool:
        for pool in gw.p2s_address_pool:
            out.append(Destination((pool,), f"P2S pool of {gw.name}", "p2s_pool", via, GATEWAY_HOPS, gw.id, list(base)))
    for conn in facts.connections_from(gw.id):
        blockers = list(base)
        notes: list[str] = []
        if known(conn.status) and not connected(conn.status):
            blockers.append(
                Blocker(
                    f"connection {conn.name} is {conn.status}",
                    f"check the shared key and the remote side (/vpn status {gw.name})",
                    f"{'down' if conn.status.lower() == 'notconnected' else 'connecting'}:{rid_key(conn.id)}",
                )
            )
        elif not known(conn.status):
            notes.append(f"the status of {conn.name} could not be read")
        if is_vnet2vnet(conn):
            out += _vnet2vnet(facts, gw, conn, f"{via}, VNet-to-VNet {conn.name}", blockers, notes, target_vnet)
        elif conn.local_network_gateway_id:
            out += _site_to_site(facts, gw, conn, f"{via}, site-to-site {conn.name}", blockers, notes, target_vnet)
    return out


def _vnet2vnet(
    facts: EstateIndex,
    gw: Gateway,
    conn: Connection,
    via: str,
    blockers: list[Blocker],
    notes: list[str],
    target_vnet: str,
) -> list[Destination]:
    """The remote VNet of a VNet-to-VNet connection of `gw`, and the remote gateway's P2S pool."""
    rgw = facts.gateway_by_key.get(rid_key(conn.gateway2_id))
    if rgw is None:
        return []
    back = facts.connection_between(rgw.id, gw.id)
    if back is None:
        blockers.append(
            Blocker(
                f"there is no connection from {rgw.name} back to {gw.name}",
                f"create the VNet-to-VNet connection {rgw.name}→{gw.name} with the same shared key: each direction needs its own",
                f"missing_reverse:{rid_key(conn.id)}",
            )
        )
    elif known(back.status) and not connected(back.status):
        blockers.append(
            Blocker(
                f"the reverse connection {back.name} is {back.status}",
                "check its shared key matches",
                f"down:{rid_key(back.id)}",
            )
        )
    missing = bgp_missing(gw, rgw, conn, back)
    bgp = not missing and back is not None
    if bgp and gw.bgp_asn is not None and gw.bgp_asn == rgw.bgp_asn:
        # eBGP between two gateways needs two ASNs: on the same one the session never
        # forms, so neither side learns the other's routes (vpn-gateway-bgp-overview).
        blockers.append(
            Blocker(
                f"{gw.name} and {rgw.name} both use BGP ASN {gw.bgp_asn}: the BGP session never forms, so neither "
                "learns the other's routes",
                f"give {rgw.name} another private ASN",
                "bgp_asn:" + "|".join(sorted({rid_key(gw.id), rid_key(rgw.id)})),
            )
        )
    rvnet = rgw.vnet_id
    rname = facts.vnet_name(rvnet)
    vblock = list(blockers)
    if rid_key(target_vnet) != rid_key(gw.vnet_id) and not bgp:
        vblock.append(
            Blocker(
                f"{rname} has no route back to {facts.vnet_name(target_vnet)}: {bgp_off(missing)}, and a static "
                f"VNet-to-VNet connection carries only {facts.vnet_name(gw.vnet_id)}'s address space",
                "enable BGP on both gateways and both connections, or peer the VNets directly",
            )
        )
    out = [
        Destination(
            facts.vnet_prefixes(rvnet),
            rname,
            "vnet2vnet",
            via,
            GATEWAY_HOPS,
            rvnet,
            vblock,
            list(notes),
            static=not bgp,
        )
    ]
    for pool in rgw.p2s_address_pool:
        pblock = list(blockers)
        if not bgp:
            own = facts.vnet_prefixes(gw.vnet_id)
            # The same fact from the pool's side: its clients' packets to this VNet get no reply.
            oneway = f"routing:p2s_oneway:{rid_key(rgw.id)}:{own[0]}" if own else ""
            pblock.append(
                Blocker(
                    f"{gw.name} learns only {rname}'s address space over {conn.name}, not {rgw.name}'s P2S "
                    f"pool: {bgp_off(missing)}",
                    "turn BGP on for "
                    + (and_(missing) if 0 < len(missing) < 4 else "both gateways and both connections")
                    + " (the pool is then advertised), or join the VNets by peering with gateway transit",
                    oneway,
                )
            )
        out.append(
            Destination((pool,), f"P2S pool of {rgw.name}", "p2s_pool", via, GATEWAY_HOPS, rgw.id, pblock, list(notes))
        )
    return out


def _site_to_site(
    facts: EstateIndex,
    gw: Gateway,
    conn: Connection,
    via: str,
    blockers: list[Blocker],
    notes: list[str],
    target_vnet: str,
) -> list[Destination]:
    """The networks behind a site-to-site connection of `gw`.

    Not the BGP peer's own address: a BGP session is judged by its state
    (`getBgpPeerStatus`), and an APIPA peer address (169.254.21.0–169.254.22.255, the
    custom BGP addresses Azure allows) lives on the tunnel and is in no route table. Azure
    asks a local network gateway with BGP for the peer's /32 only when it is not APIPA
    (https://learn.microsoft.com/azure/vpn-gateway/bgp-howto); the networks the peer
    advertises are what it learned (`learned_from`)."""
    lng = facts.lng_by_key.get(rid_key(conn.local_network_gateway_id))
    if lng is None:
        return []
    # As Azure sees them: translated by the connection's IngressSnat rules (routing.nat).
    prefixes = [p for p in site_prefixes_via(facts, conn, lng) if not _link_local(p)]
    learned = facts.learned.get(rid_key(gw.id))
    peer = lng.bgp_peering_address
    if conn.enable_bgp and peer and learned is not None:
        # What the peer really advertised: the gateway learned it over this session.
        heard = [
            r.network for r in learned if peer in (r.source_peer, r.next_hop) and (r.origin or "").lower() != "network"
        ]
        prefixes += [n for n in dict.fromkeys(heard) if n not in prefixes and not _link_local(n)]
    if not prefixes:
        return []
    if rid_key(target_vnet) != rid_key(gw.vnet_id):
        notes.append(
            f"the device behind {lng.name} must route {facts.vnet_name(target_vnet)}'s address space back through the tunnel"
        )
    return [
        Destination(
            tuple(prefixes),
            lng.name,
            "s2s",
            via,
            GATEWAY_HOPS,
            lng.id,
            blockers,
            notes,
            static=not (conn.enable_bgp and gw.enable_bgp),
        )
    ]


def _link_local(prefix: str) -> bool:
    """An IPv4 link-local (APIPA, 169.254.0.0/16) prefix: never routed."""
    return prefix.strip().startswith("169.254.")


def _incoming(facts: EstateIndex, gw: Gateway, via: str) -> list[Destination]:
    """The VNets of one-way VNet-to-VNet connections into `gw` (`links.one_way_into`):
    destinations `gw` should reach, each blocked by the missing connection back."""
    out: list[Destination] = []
    for c, far in one_way_into(facts, gw):
        rvnet = far.vnet_id
        out.append(
            Destination(
                facts.vnet_prefixes(rvnet),
                facts.vnet_name(rvnet),
                "vnet2vnet",
                f"{via}, VNet-to-VNet {c.name} (from {name_of(c.gateway1_id)})",
                GATEWAY_HOPS,
                rvnet,
                [
                    Blocker(
                        f"only {name_of(c.gateway1_id)}→{gw.name} exists ({c.name}); there is no connection from "
                        f"{gw.name} back to {name_of(c.gateway1_id)}",
                        f"create the VNet-to-VNet connection {gw.name}→{name_of(c.gateway1_id)} with the same shared key",
                        f"missing_reverse:{rid_key(c.id)}",
                    )
                ],
            )
        )
    return out


def _through_peer_gateway(facts: EstateIndex, vnet_id: str, rkey: str, own_gws: Sequence[Gateway]) -> list[Destination]:
    """What the gateway of the peered VNet `rkey` reaches, through gateway transit (or why not)."""
    vname, rname = facts.vnet_name(vnet_id), facts.vnet_name(rkey)
    there = facts.peering(vnet_id, rkey)
    hub_gws = facts.vpn_gateways_in(rkey)
    if not hub_gws:
        if there is None or not there.use_remote_gateways:
            return []
        blocker = Blocker(
            f"{vname}→{rname} uses remote gateways but {rname} has no VPN gateway",
            "turn useRemoteGateways off or deploy the gateway",
            f"peering_remote_gw_missing:{rid_key(there.id)}",
        )
        return [
            Destination(
                (), f"gateway of {rname}", "transit", f"gateway transit through {rname}", GATEWAY_HOPS, rkey, [blocker]
            )
        ]
    path = _transit(facts, vnet_id, rkey, own_gws, hub_gws)
    if path is None:
        return []
    via, base = path
    out: list[Destination] = []
    for g in hub_gws:
        if own_gws and any(facts.connection_between(o.id, g.id) for o in own_gws):
            continue  # reached through our own gateway's connection, listed above
        out += _through_gateway(facts, g, via, base, vnet_id)
        out += [_blocked_by(d, base) for d in _incoming(facts, g, via)]
    return out


def _blocked_by(d: Destination, base: Sequence[Blocker]) -> Destination:
    d.blockers[:0] = list(base)
    return d


def _transit(
    facts: EstateIndex, vnet_id: str, rkey: str, own_gws: Sequence[Gateway], hub_gws: Sequence[Gateway]
) -> tuple[str, list[Blocker]] | None:
    """The path from `vnet_id` to the gateways of the peered VNet `rkey`, in words, and what
    blocks it; None when there is nothing more to say (a one-sided peering, reported already)."""
    vname, rname = facts.vnet_name(vnet_id), facts.vnet_name(rkey)
    there = facts.peering(vnet_id, rkey)
    back = facts.peering(rkey, vnet_id)
    base: list[Blocker] = []
    if there is not None and there.use_remote_gateways:
        if not (connected(there.state) and back is not None and connected(back.state)):
            causes = pair_causes(there, back)
            base.append(
                Blocker(
                    f"peering {vname}↔{rname} is not Connected", "fix the peering first", causes[0] if causes else ""
                )
            )
        if back is None or not back.allow_gateway_transit:
            base.append(
                Blocker(
                    f"allowGatewayTransit is off on {rname}→{vname}"
                    if back is not None
                    else f"there is no peering {rname}→{vname} to allow gateway transit",
                    f"/vpn peering {rname}/{back.name} allowGatewayTransit on"
                    if back is not None
                    else f"create the peering {rname}→{vname} with allowGatewayTransit",
                    f"peering_transit_not_offered:{rid_key(there.id)}",
                )
            )
        return f"gateway transit through {rname}", base
    if back is None or not back.allow_gateway_transit:
        # A plain peering: neither side asks for transit, so what the hub's gateway reaches
        # is none of this VNet's business (a management VNet kept away from VPN users).
        return None
    # Transit offered and not taken: half of a design (topology:transit_unused says which).
    unused = "topology:transit_unused:" + "|".join(sorted((rid_key(back.id), rid_key(there.id) if there else rkey)))
    if own_gws:
        # Azure refuses useRemoteGateways on a VNet that has its own gateway: the seed's trade-off.
        base.append(
            Blocker(
                f"{vname} has its own gateway, so it cannot use {rname}'s (useRemoteGateways needs a VNet without one)",
                f"connect {own_gws[0].name} and {hub_gws[0].name} (VNet-to-VNet with BGP), or remove {own_gws[0].name} "
                f"and use gateway transit: clients near {vname} then go through {rname}",
                unused,
            )
        )
        return f"{rname}'s gateway (not usable: {vname} has its own gateway)", base
    if there is None:
        return None  # the one-sided peering is already reported
    base.append(
        Blocker(
            f"useRemoteGateways is off on {vname}→{rname}, so {vname} does not learn {hub_gws[0].name}'s routes",
            f"/vpn peering {vname}/{there.name} useRemoteGateways on",
            unused,
        )
    )
    return f"gateway transit through {rname}", base


def host_prefix(address: str) -> str:
    """The route prefix that covers exactly `address`: /32 for IPv4, /128 for IPv6; a block
    (a prefix ipconfig's "172.20.2.16/28") is its own prefix, never "…/28/32"."""
    try:
        return str(ipaddress.ip_network(address.strip(), strict=False))
    except ValueError:
        return address


def _endpoints(facts: EstateIndex, paths: Sequence[Destination]) -> list[Destination]:
    """Private endpoints in every VNet the target should reach: their /32 follows each path to
    that VNet (`coverage` keeps the best path per endpoint)."""
    out: list[Destination] = []
    for it in paths:
        if it.kind not in ("own_vnet", "peering", "vnet2vnet"):
            continue
        for pe in facts.endpoints_in(it.source_id):
            target_names = ", ".join(dict.fromkeys(name_of(c.target_id) for c in pe.connections if c.target_id))
            for ip in pe.private_ips:
                out.append(
                    Destination(
                        (host_prefix(ip),),
                        f"{pe.name}" + (f" ({target_names})" if target_names else ""),
                        "private_endpoint",
                        it.via,
                        it.hops | {"interfaceendpoint"},
                        pe.id,
                        list(it.blockers),
                        list(it.notes),
                    )
                )
    return out
