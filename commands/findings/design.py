"""The design options, when VNets in several regions are joined for VPN users.

Three ways to join the regions — hub-and-spoke with gateway transit, a gateway per region
with VNet-to-VNet, Azure Virtual WAN with a hub per region — each with what it would change
in this estate (gateways, connections, peerings, where users connect, which client profiles
to download again), side by side. No prices are guessed.

Pure functions over `commands.core.estate.EstateIndex`: `multi_region` finds the joined
group spanning several regions with VPN users, `design_matters` says whether the findings
show that the design is what hurts, and `design_options` describes the three designs.

Azure's rules behind them:
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit (a VNet
that uses a remote gateway cannot have its own),
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal,
https://learn.microsoft.com/azure/virtual-wan/howto-connect-vnet-hub (a VNet connected to a
Virtual WAN hub cannot have a gateway).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from commands.core import regions
from commands.core.estate import EstateIndex
from commands.core.model import Connection, Gateway, Peering, ResourceId, VirtualNetwork, name_of, rid_key
from commands.core.reply import Finding
from commands.core.text import Code, Rich, code, join, link, rich
from commands.core.units import plural
from commands.findings.distance import region_distance, where
from commands.findings.joins import DOC_TRANSIT, VnetScope, components, is_v2v, is_vpn, names, touches
from commands.findings.peerings import change_code

DOC_V2V = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal"
DOC_P2S_CUSTOM_ROUTES = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-p2s-advertise-custom-routes"
DOC_VWAN = "https://learn.microsoft.com/azure/virtual-wan/virtual-wan-about"
DOC_VWAN_CONNECT = "https://learn.microsoft.com/azure/virtual-wan/howto-connect-vnet-hub"
DOC_VWAN_PROFILE = "https://learn.microsoft.com/azure/virtual-wan/global-hub-profile"


# --- the situation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One region of a multi-region estate: its VNets and VPN gateways."""

    location: str
    vnets: tuple[VirtualNetwork, ...]
    gateways: tuple[Gateway, ...]

    @property
    def label(self) -> str:
        return where(self.location)


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
        if not is_v2v(c):
            continue
        g1, g2 = facts.gateway_by_key.get(rid_key(c.gateway1_id)), facts.gateway_by_key.get(rid_key(c.gateway2_id))
        if g1 is None or g2 is None or not g1.vnet_id or not g2.vnet_id:
            continue
        if rid_key(g1.vnet_id) in facts.vnet_by_key and rid_key(g2.vnet_id) in facts.vnet_by_key:
            links.add(frozenset({rid_key(g1.vnet_id), rid_key(g2.vnet_id)}))
            v2v.append(c)
    comp = components(facts.vnet_by_key, links)
    groups: dict[str, list[VirtualNetwork]] = {}
    for v in facts.vnets:
        groups.setdefault(comp[rid_key(v.id)], []).append(v)
    best: Situation | None = None
    for members in groups.values():
        found = _situation(facts, members, v2v, in_scope)
        if found is not None and (best is None or len(found.vnets) > len(best.vnets)):
            best = found
    return best


def _situation(
    facts: EstateIndex, members: Sequence[VirtualNetwork], v2v: Sequence[Connection], in_scope: VnetScope | None
) -> Situation | None:
    """One joined group of VNets as a Situation, when it spans regions and has VPN users."""
    locations = list(dict.fromkeys(regions.normalise(v.location) for v in members if v.location))
    if len(locations) < 2 or not touches(in_scope, *(v.id for v in members)):
        return None
    keys = {rid_key(v.id) for v in members}
    gws = [g for g in facts.gateways if rid_key(g.vnet_id) in keys and is_vpn(g)]
    if not any(g.serves_p2s for g in gws):
        return None
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
    hub = _hub(facts, peerings, gws)
    ids = frozenset(keys | gw_keys | {rid_key(c.id) for c in conns + s2s} | {rid_key(p.id) for p in peerings})
    return Situation(sites, peerings, conns, s2s, hub, ids)


def _hub(facts: EstateIndex, peerings: Sequence[Peering], gws: Sequence[Gateway]) -> VirtualNetwork | None:
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


# --- the three designs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignOption:
    """One way to join the regions, and what it would change in this estate."""

    key: Literal["hub_spoke", "gateway_per_region", "virtual_wan"]
    name: str
    idea: Rich  # what it is, in one sentence
    users: Rich  # where each region's VPN users connect
    changes: tuple[Rich, ...]  # bullets: gateways, connections, peerings in this estate
    profiles: Rich  # client profiles to download again
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


def _gateway_or_new(gw: Gateway | None, vnet: VirtualNetwork) -> Code | Rich:
    """A gateway by name, or the one to create in `vnet`."""
    return code(gw.name) if gw else rich("the new gateway in ", code(vnet.name))


def _hub_spoke(s: Situation, facts: EstateIndex, p2s_clients: Mapping[str, int]) -> DesignOption:
    hub, hub_gw = _choose_hub(s, p2s_clients)
    hub_loc = hub.location
    spokes = [v for v in s.vnets if rid_key(v.id) != rid_key(hub.id)]
    spoke_keys = {rid_key(v.id) for v in spokes}
    removed = [g for g in facts.gateways if rid_key(g.vnet_id) in spoke_keys]
    gw_name = code(hub_gw.name) if hub_gw else rich("a gateway in ", code(hub.name))
    changes = [
        _hub_gateways(gw_name, removed),
        _hub_connections(s, gw_name, removed),
        rich("Peerings: ", join("; ", [_spoke_step(facts, hub, sp) for sp in spokes]) if spokes else "none"),
    ]
    far = [d for d in (region_distance(sp.location, hub_loc) for sp in spokes if sp.location) if d.apart]
    users = rich("everyone connects to ", gw_name, " in ", where(hub_loc))
    if far:
        users += "; " + join("; ", [f"users near {d.a} go {d.a} → {d.b} and back" for d in far])
    profiles = rich("users of ", gw_name, " download its profile again to get the spokes' routes")
    profiles += rich(_clients([hub_gw] if hub_gw else [], p2s_clients), ".")
    if removed:
        moved = rich("Users of ", names(g.name for g in removed), " download ", gw_name, "'s profile")
        profiles = rich(moved, _clients(removed, p2s_clients), "; ", profiles)
    cells = (
        f"1 ({hub_gw.name if hub_gw else hub.name})" + (f", -{len(removed)}" if removed else ""),
        f"0 V2V (-{len(s.connections)})" if s.connections else "0 V2V",
        f"transit x{len(spokes)}",
        where(hub_loc),
    )
    return DesignOption(
        "hub_spoke",
        "Hub-and-spoke with gateway transit",
        rich(
            "One gateway in ",
            code(hub.name),
            "; the other VNets peer with it and use it (allowGatewayTransit on the hub side, useRemoteGateways on "
            "each spoke).",
        ),
        users,
        tuple(changes),
        profiles,
        cells,
        DOC_TRANSIT,
        current=any(p.use_remote_gateways for p in s.peerings) or s.hub is not None,
    )


def _hub_gateways(gw_name: Code | Rich, removed: Sequence[Gateway]) -> Rich:
    """Hub-and-spoke: the hub's gateway stays, the spokes' go (with their client pools)."""
    if not removed:
        return rich("Gateways: ", gw_name, " only, as now")
    pools = [x for g in removed for x in g.p2s_address_pool]
    deleted = rich("Gateways: keep ", gw_name, "; delete ", names(g.name for g in removed))
    deleted += " (a VNet that uses a remote gateway cannot have its own)"
    if not pools:
        return deleted
    one = len(pools) == 1
    them = " with it" if len(removed) == 1 else " with them"
    return deleted + rich(
        "; the client pool " if one else "; client pools ", names(pools), " goes" if one else " go", them
    )


def _hub_connections(s: Situation, gw_name: Code | Rich, removed: Sequence[Gateway]) -> Rich:
    """Hub-and-spoke: no VNet-to-VNet; the spokes' site-to-site connections move to the hub."""
    moved = [c for c in s.site_connections if any(rid_key(c.gateway1_id) == rid_key(g.id) for g in removed)]
    if not s.connections and not moved:
        return rich("Connections: none between the regions")
    bits: list[Rich] = []
    if s.connections:
        bits.append(rich("delete the VNet-to-VNet connections ", names(c.name for c in s.connections)))
    if moved:
        bits.append(rich("re-create the site-to-site connections ", names(c.name for c in moved), " on ", gw_name))
    return rich("Connections: ", join("; ", bits))


def _spoke_step(facts: EstateIndex, hub: VirtualNetwork, sp: VirtualNetwork) -> Rich:
    """Hub-and-spoke: what a spoke's peering with the hub still needs."""
    out_p = facts.peering(hub.id, sp.id)
    back = facts.peering(sp.id, hub.id)
    if out_p is None or back is None:
        return rich("peer ", code(hub.name), " ↔ ", code(sp.name), " (transit does not pass through a second hop)")
    todo: list[Code | Rich] = []
    if not out_p.allow_gateway_transit:
        todo.append(change_code(hub.name, out_p.name, "allowGatewayTransit", True))
    if not back.use_remote_gateways:
        todo.append(rich(change_code(sp.name, back.name, "useRemoteGateways", True), " (after its gateway is gone)"))
    return rich(code(sp.name), ": ", join(", then ", todo) if todo else "already uses transit")


Regional = tuple[Site, Gateway | None, VirtualNetwork]  # a region, its gateway (if any), the VNet for one


def _per_region(s: Situation, facts: EstateIndex, key_checks: Mapping[frozenset[str], str]) -> DesignOption:
    regional: list[Regional] = []
    for site in s.sites:
        gw = next((g for g in site.gateways if g.serves_p2s), site.gateways[0] if site.gateways else None)
        vnet = next((v for v in site.vnets if gw is not None and rid_key(v.id) == rid_key(gw.vnet_id)), site.vnets[0])
        regional.append((site, gw, vnet))
    added = [(site, vnet) for site, gw, vnet in regional if gw is None]
    conn_bits = [
        _pair_status(ga, gb, va, vb, facts, key_checks)
        for i, (_, ga, va) in enumerate(regional)
        for _, gb, vb in regional[i + 1 :]
    ]
    pairs = len(conn_bits)
    changes = [
        _regional_gateways(regional),
        rich(
            f"Connections: two per pair of regions, one each way, same shared key, BGP on both ({2 * pairs} in all): ",
            join("; ", conn_bits),
        ),
    ]
    routes = _routes_to_hand_out(regional, facts)
    if routes is not None:
        changes.append(routes)
    transit = [p for p in s.peerings if p.allow_gateway_transit or p.use_remote_gateways]
    changes.append(
        rich(
            "Peerings: ",
            rich("turn gateway transit off on ", names(p.name for p in transit), "; ") if transit else None,
            "a plain peering may stay (traffic between the VNets themselves then uses it, not the gateways)",
        )
    )
    users = [rich(f"users near {site.label} connect to ", _gateway_or_new(gw, vnet)) for site, gw, vnet in regional]
    new_at = ", ".join(site.label for site, _ in added)
    return DesignOption(
        "gateway_per_region",
        "A gateway per region, joined by VNet-to-VNet",
        rich("Each region keeps its own VPN gateway; the gateways are joined by a pair of connections."),
        join("; ", users),
        tuple(changes),
        rich(
            "Every gateway's users download their profile again (new routes)",
            f"; users near {new_at} import the new gateway's profile." if added else ".",
        ),
        (
            f"{len(regional)}" + (f" (+{len(added)})" if added else ""),
            f"{2 * pairs} V2V",
            "plain or none",
            "own region",
        ),
        DOC_V2V,
        current=bool(s.connections),
    )


def _regional_gateways(regional: Sequence[Regional]) -> Rich:
    """A gateway per region: the gateways kept, and those to add where a region has none."""
    kept = [gw for _, gw, _ in regional if gw is not None]
    bits: list[Rich] = [rich("keep ", names(g.name for g in kept))] if kept else []
    for site, gw, vnet in regional:
        if gw is None:
            uses = [p for p in vnet.peerings if p.use_remote_gateways]
            after = rich(" after ", change_code(vnet.name, uses[0].name, "useRemoteGateways", False)) if uses else None
            bits.append(rich("add a VPN gateway with point-to-site in ", code(vnet.name), f" ({site.label})", after))
    return rich("Gateways: ", join("; ", bits), " — one per region, each with its own BGP ASN")


def _routes_to_hand_out(regional: Sequence[Regional], facts: EstateIndex) -> Rich | None:
    """A gateway per region: the other regions' prefixes each gateway's clients need, and for
    each existing gateway the command that adds the missing ones to its custom routes."""
    bits: list[Rich] = []
    commands: list[Code] = []
    in_place: list[Code] = []
    for _, gw, vnet in regional:
        others = [p for _, _, v in regional if rid_key(v.id) != rid_key(vnet.id) for p in facts.vnet_prefixes(v.id)]
        if not others:
            continue
        bits.append(rich(_gateway_or_new(gw, vnet), " → ", names(others)))
        if gw is None:
            continue
        missing = [p for p in others if p not in gw.p2s_custom_routes]
        if missing:
            commands.append(_custom_routes_command(gw, missing))
        else:
            in_place.append(code(gw.name))
    if not bits:
        return None
    said: list[Code | Rich] = [*commands, *([rich("in place on ", join(", ", in_place))] if in_place else [])]
    return rich(
        "Routes to hand out: each gateway's clients need the other regions' prefixes — ",
        join("; ", bits),
        ". With BGP everywhere non-Windows clients learn them; Windows clients need them as ",
        link(DOC_P2S_CUSTOM_ROUTES, "custom routes"),
        " on the gateway",
        rich(" (", join("; ", said), ")") if said else None,
    )


def _custom_routes_command(gw: Gateway, add: Sequence[str]) -> Code:
    """`az network vnet-gateway update … --custom-routes` with the gateway's custom routes kept:
    the option replaces the whole list."""
    try:
        rg = ResourceId.parse(gw.id).resource_group or "<resource group>"
    except ValueError:
        rg = "<resource group>"
    routes = " ".join([*gw.p2s_custom_routes, *add])
    return code(f"az network vnet-gateway update -g {rg} -n {gw.name} --custom-routes {routes}")


def _pair_status(
    ga: Gateway | None,
    gb: Gateway | None,
    va: VirtualNetwork,
    vb: VirtualNetwork,
    facts: EstateIndex,
    key_checks: Mapping[frozenset[str], str],
) -> Rich:
    """A gateway per region: what the connections between two regions' gateways still need."""
    if ga is None or gb is None:
        return rich("create both ", _gateway_or_new(ga, va), " → ", _gateway_or_new(gb, vb), " and back")
    ab, ba = facts.connection_between(ga.id, gb.id), facts.connection_between(gb.id, ga.id)
    todo: list[Rich] = []
    have = [c for c in (ab, ba) if c is not None]
    if ab is None:
        todo.append(rich("create ", code(ga.name), " → ", code(gb.name)))
    if ba is None:
        todo.append(rich("create ", code(gb.name), " → ", code(ga.name)))
    if ab is not None and ba is not None and key_checks.get(frozenset({rid_key(ab.id), rid_key(ba.id)})) == "different":
        todo.append(rich("give ", code(ab.name), " and ", code(ba.name), " the same shared key"))
    bgp_off = [c.name for c in have if not c.enable_bgp] + [g.name for g in (ga, gb) if not g.enable_bgp]
    if bgp_off:
        todo.append(rich("turn BGP on for ", names(bgp_off)))
    if not todo:
        return rich(names(c.name for c in have), " in place")
    return rich(code(ga.name), " ⇄ ", code(gb.name), ": ", join(", ", todo))


def _virtual_wan(s: Situation, facts: EstateIndex) -> DesignOption:
    gws = [g for g in facts.gateways if any(rid_key(g.vnet_id) == rid_key(v.id) for v in s.vnets)]
    transit = [p for p in s.peerings if p.allow_gateway_transit or p.use_remote_gateways]
    lngs = [name_of(c.local_network_gateway_id) for c in s.site_connections]
    hubs = join("; ", [rich(names(v.name for v in site.vnets), f" to the {site.label} hub") for site in s.sites])
    changes = [
        rich(
            "Add: one Virtual WAN, and a virtual hub with a point-to-site (User VPN) gateway in ",
            ", ".join(site.label for site in s.sites),
            " — each hub needs a free private range of /24 or more and its own client pool, neither overlapping "
            "any VNet or site",
        ),
        rich("Connect ", hubs, " (a VNet connects to one hub)"),
    ]
    remove: list[Rich] = []
    if gws:
        cannot = link(DOC_VWAN_CONNECT, "a VNet connected to a hub cannot have one")
        remove.append(
            rich(f"the gateway{'s' if len(gws) != 1 else ''} ", names(g.name for g in gws), " (", cannot, ")")
        )
    if s.connections:
        remove.append(rich("the VNet-to-VNet connections ", names(c.name for c in s.connections)))
    if transit:
        remove.append(rich("gateway transit on ", names(p.name for p in transit)))
    if remove:
        changes.append(rich("Remove: ", join("; ", remove)))
    if lngs:
        changes.append(
            rich("Sites: ", names(dict.fromkeys(lngs)), " become VPN sites on the nearest hub's site-to-site gateway")
        )
    return DesignOption(
        "virtual_wan",
        "Azure Virtual WAN with a hub per region",
        rich(
            "Microsoft-managed hubs, one per region, joined any-to-any over Microsoft's network; point-to-site in "
            "each hub."
        ),
        rich(
            "each user connects to the nearest hub (the ",
            link(DOC_VWAN_PROFILE, "global profile"),
            " picks it); hub-to-hub traffic stays on Microsoft's network",
        ),
        tuple(changes),
        rich(
            "Every user imports the new User VPN profile (global or per hub); the old gateways' profiles stop working."
        ),
        (f"{len(s.sites)} hubs (-{len(gws)} gw)", "hub links", "not needed", "nearest hub"),
        DOC_VWAN,
    )
