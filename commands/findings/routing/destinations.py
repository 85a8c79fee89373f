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
from commands.findings.routing.links import and_, bgp_missing, bgp_off, connected, is_vnet2vnet, known
from commands.findings.routing.selection import GATEWAY_HOPS, PEERING_HOPS


@dataclass
class Destination:
    """An address space to reach, the path to it (`via`, and the next hops that path shows as),
    and what blocks the path (reason, fix) or is worth knowing about it."""

    prefixes: tuple[str, ...]
    label: str
    kind: str
    via: str
    hops: frozenset[str]
    source_id: str = ""
    blockers: list[tuple[str, str]] = field(default_factory=list)  # (reason, fix)
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
                    (
                        f"allowGatewayTransit is off on {vname}→{it.label}",
                        f"/vpn peering {vname}/{there.name} allowGatewayTransit on",
                    )
                )
            out.append(it)
    for g in facts.vpn_gateways_in(vnet_id):
        out += _through_gateway(facts, g, g.name, [], vnet_id, include_pool=False)
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
        if there is None:
            it.blockers.append(
                (
                    f"no peering from {vname} to {rname} (only {rname}→{vname} exists, {back.state if back else '?'})",
                    f"create the peering {vname}→{rname}; both directions are needed",
                )
            )
        else:
            if not connected(there.state):
                if back is None:
                    it.blockers.append(
                        (
                            f"peering {vname}→{rname} is {there.state or 'not Connected'}: there is no peering back from {rname}",
                            f"create the peering {rname}→{vname}",
                        )
                    )
                else:
                    it.blockers.append(
                        (
                            f"peering {vname}→{rname} is {there.state or 'not Connected'}",
                            "delete and re-create the side that is Disconnected; a peering is Connected only when both sides exist",
                        )
                    )
            if not there.allow_virtual_network_access:
                it.blockers.append(
                    (
                        f"allowVirtualNetworkAccess is off on {vname}→{rname}",
                        f"/vpn peering {vname}/{there.name} allowVirtualNetworkAccess on",
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
    base: Sequence[tuple[str, str]],
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
                (
                    f"connection {conn.name} is {conn.status}",
                    f"check the shared key and the remote side (/vpn status {gw.name})",
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
    blockers: list[tuple[str, str]],
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
            (
                f"there is no connection from {rgw.name} back to {gw.name}",
                f"create the VNet-to-VNet connection {rgw.name}→{gw.name} with the same shared key: each direction needs its own",
            )
        )
    elif known(back.status) and not connected(back.status):
        blockers.append((f"the reverse connection {back.name} is {back.status}", "check its shared key matches"))
    missing = bgp_missing(gw, rgw, conn, back)
    bgp = not missing and back is not None
    rvnet = rgw.vnet_id
    rname = facts.vnet_name(rvnet)
    vblock = list(blockers)
    if rid_key(target_vnet) != rid_key(gw.vnet_id) and not bgp:
        vblock.append(
            (
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
            pblock.append(
                (
                    f"{gw.name} learns only {rname}'s address space over {conn.name}, not {rgw.name}'s P2S "
                    f"pool: {bgp_off(missing)}",
                    "turn BGP on for "
                    + (and_(missing) if 0 < len(missing) < 4 else "both gateways and both connections")
                    + " (the pool is then advertised), or join the VNets by peering with gateway transit",
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
    blockers: list[tuple[str, str]],
    notes: list[str],
    target_vnet: str,
) -> list[Destination]:
    """The networks behind a site-to-site connection of `gw` (and its BGP peer address)."""
    lng = facts.lng_by_key.get(rid_key(conn.local_network_gateway_id))
    if lng is None:
        return []
    prefixes = list(lng.address_prefixes)
    if conn.enable_bgp and lng.bgp_peering_address:
        prefixes.append(f"{lng.bgp_peering_address}/32")
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


def _through_peer_gateway(facts: EstateIndex, vnet_id: str, rkey: str, own_gws: Sequence[Gateway]) -> list[Destination]:
    """What the gateway of the peered VNet `rkey` reaches, through gateway transit (or why not)."""
    vname, rname = facts.vnet_name(vnet_id), facts.vnet_name(rkey)
    there = facts.peering(vnet_id, rkey)
    hub_gws = facts.vpn_gateways_in(rkey)
    if not hub_gws:
        if there is None or not there.use_remote_gateways:
            return []
        blocker = (
            f"{vname}→{rname} uses remote gateways but {rname} has no VPN gateway",
            "turn useRemoteGateways off or deploy the gateway",
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
    return out


def _transit(
    facts: EstateIndex, vnet_id: str, rkey: str, own_gws: Sequence[Gateway], hub_gws: Sequence[Gateway]
) -> tuple[str, list[tuple[str, str]]] | None:
    """The path from `vnet_id` to the gateways of the peered VNet `rkey`, in words, and what
    blocks it; None when there is nothing more to say (a one-sided peering, reported already)."""
    vname, rname = facts.vnet_name(vnet_id), facts.vnet_name(rkey)
    there = facts.peering(vnet_id, rkey)
    back = facts.peering(rkey, vnet_id)
    base: list[tuple[str, str]] = []
    if there is not None and there.use_remote_gateways:
        if not (connected(there.state) and back is not None and connected(back.state)):
            base.append((f"peering {vname}↔{rname} is not Connected", "fix the peering first"))
        if back is None or not back.allow_gateway_transit:
            base.append(
                (
                    f"allowGatewayTransit is off on {rname}→{vname}"
                    if back is not None
                    else f"there is no peering {rname}→{vname} to allow gateway transit",
                    f"/vpn peering {rname}/{back.name} allowGatewayTransit on"
                    if back is not None
                    else f"create the peering {rname}→{vname} with allowGatewayTransit",
                )
            )
        return f"gateway transit through {rname}", base
    if own_gws:
        # Azure refuses useRemoteGateways on a VNet that has its own gateway: the seed's trade-off.
        base.append(
            (
                f"{vname} has its own gateway, so it cannot use {rname}'s (useRemoteGateways needs a VNet without one)",
                f"connect {own_gws[0].name} and {hub_gws[0].name} (VNet-to-VNet with BGP), or remove {own_gws[0].name} "
                f"and use gateway transit: clients near {vname} then go through {rname}",
            )
        )
        return f"{rname}'s gateway (not usable: {vname} has its own gateway)", base
    if there is None:
        return None  # the one-sided peering is already reported
    base.append(
        (
            f"useRemoteGateways is off on {vname}→{rname}, so {vname} does not learn {hub_gws[0].name}'s routes",
            f"/vpn peering {vname}/{there.name} useRemoteGateways on"
            + (
                ""
                if back is not None and back.allow_gateway_transit
                else f" (after allowGatewayTransit on {rname}→{vname})"
            ),
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
