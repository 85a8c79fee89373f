"""Coverage, route selection and the P2S plan: pure functions over estate facts."""

from __future__ import annotations

import dataclasses
import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from commands.core.estate import EstateIndex
from commands.core.model import EffectiveRoute, rid_key
from commands.routes.coverage import (
    CoverageItem,
    CoverageTarget,
    compare_client_routes,
    coverage,
    learned_as_effective,
    match_gateway,
    p2s_expected_prefixes,
    p2s_plan,
    p2s_route_to,
    select_route,
)
from tests.fakes import FakeAzure
from tests.unit.commands.routes.estates import (
    RG,
    defaults,
    gateway,
    gw_id,
    hub_spoke,
    nic,
    peering,
    route,
    seed_transit,
    seed_v2v,
    spoke_routes,
    vnet,
)

# --- helpers ---------------------------------------------------------------------------------


def facts_of(az: FakeAzure) -> EstateIndex:
    return EstateIndex(
        vnets=tuple(az.vnets.values()),
        gateways=tuple(az.gws.values()),
        connections=tuple(az.conns.values()),
        local_gateways=tuple(az.lngs.values()),
        private_endpoints=tuple(az.pes.values()),
    )


def nic_target(
    az: FakeAzure, name: str, routes: list[EffectiveRoute] | None = None, unknown: bool = False
) -> CoverageTarget:
    """The NIC as a coverage target: `routes`, else the fake's effective routes; none if `unknown`."""
    n = az.nics[rid_key(f"{RG}/networkInterfaces/{name}")]
    r = routes if routes is not None else az.effective.get(rid_key(n.id))
    return CoverageTarget(n.vnet_ids[0], n.name, None if unknown else tuple(r or ()), n.subnet_ids)


def item(items: list[CoverageItem], prefix: str, kind: str | None = None) -> CoverageItem:
    found = [i for i in items if i.prefix == prefix and (kind is None or i.kind == kind)]
    assert found, f"no coverage item for {prefix}: {[(i.prefix, i.kind) for i in items]}"
    return found[0]


# --- route selection -----------------------------------------------------------------------------


def test_longest_prefix_wins() -> None:
    routes = [
        *defaults("10.1.0.0/16"),
        route("VirtualNetworkGateway", "10.0.0.0/16", "VirtualNetworkGateway", ("10.1.255.4",)),
    ]
    c = select_route(routes, "10.0.1.4")
    assert c.prefix == "10.0.0.0/16" and c.route is not None and c.route.next_hop_type == "VirtualNetworkGateway"
    assert "10.0.0.0/8" in c.explanation and "longest" in c.explanation
    assert not c.drops


def test_same_prefix_user_beats_bgp_beats_system() -> None:
    routes = [
        route("Default", "10.5.0.0/16", "VNetPeering"),
        route("VirtualNetworkGateway", "10.6.0.0/16", "VirtualNetworkGateway"),
        route("Default", "10.6.0.0/16", "VirtualAppliance", ("10.1.0.9",)),
        route("User", "10.6.0.0/16", "VirtualAppliance", ("10.1.0.4",), name="to-fw"),
    ]
    c = select_route(routes, "10.6.1.1")
    assert c.route is not None and c.route.source == "User"
    assert "User > BGP > System" in c.explanation
    bgp_vs_system = select_route(routes[1:3], "10.6.1.1")
    assert bgp_vs_system.route is not None and bgp_vs_system.route.source == "VirtualNetworkGateway"


def test_invalid_routes_are_ignored() -> None:
    routes = [
        *defaults("10.1.0.0/16"),
        route("User", "10.0.0.0/16", "VirtualAppliance", ("10.9.9.9",), state="Invalid"),
    ]
    c = select_route(routes, "10.0.1.4")
    assert c.prefix == "10.0.0.0/8" and c.drops
    assert "1 Invalid route ignored" in c.explanation


def test_vnet_and_peering_system_routes_beat_more_specific_bgp_routes() -> None:
    routes = [
        *defaults("10.1.0.0/16"),
        route("Default", "10.2.0.0/16", "VNetPeering"),
        route("VirtualNetworkGateway", "10.2.5.0/24", "VirtualNetworkGateway", ("10.1.255.4",)),
        route("VirtualNetworkGateway", "10.1.7.0/24", "VirtualNetworkGateway", ("10.1.255.4",)),
    ]
    peer = select_route(routes, "10.2.5.9")
    assert peer.route is not None and peer.route.next_hop_type == "VNetPeering"
    assert "system routes over gateway routes, even more specific ones (10.2.5.0/24)" in peer.explanation
    own = select_route(routes, "10.1.7.1")
    assert own.route is not None and own.route.next_hop_type == "VnetLocal"
    # Same prefix: the peering route is still preferred over the gateway route.
    same = select_route(
        [route("VirtualNetworkGateway", "10.2.0.0/16", "VirtualNetworkGateway"), routes[-3]], "10.2.0.1"
    )
    assert same.route is not None and same.route.next_hop_type == "VNetPeering"
    # A user route is not a system route: it still loses to the more specific BGP route.
    udr = [
        route("User", "10.3.0.0/16", "VirtualAppliance", ("10.1.0.4",)),
        route("VirtualNetworkGateway", "10.3.1.0/24", "VirtualNetworkGateway"),
    ]
    c = select_route(udr, "10.3.1.1")
    assert c.route is not None and c.route.source == "VirtualNetworkGateway"


def test_no_route_drops_and_a_prefix_lists_the_routes_inside_it() -> None:
    assert select_route([], "10.0.0.1").drops
    routes = [
        route("VirtualNetworkGateway", "10.0.0.0/16", "VirtualNetworkGateway"),
        route("User", "10.0.1.0/24", "None"),
    ]
    c = select_route(routes, "10.0.0.0/16")
    assert c.prefix == "10.0.0.0/16"
    assert [p for p, _ in c.inside] == ["10.0.1.0/24"]
    assert not select_route(routes, "not-an-ip").route


# --- the seed's two designs -----------------------------------------------------------------------


def test_seed_v2v_australia_reaches_europe_by_the_gateway_but_not_the_p2s_pool() -> None:
    az = seed_v2v()
    items = coverage(nic_target(az, "nic-vm-aue"), facts_of(az))
    eun = item(items, "10.0.0.0/16")
    assert eun.status == "reached" and eun.kind == "vnet2vnet"
    assert eun.route is not None and eun.route.route is not None
    assert eun.route.route.next_hop_type == "VirtualNetworkGateway"
    pool = item(items, "172.16.10.0/25")
    assert pool.status == "not_reached" and pool.kind == "p2s_pool"
    assert any("not vgw-eun's P2S pool: BGP is off on both gateways and both connections" in r for r in pool.reasons)
    assert any("BGP" in f for f in pool.fixes)
    assert item(items, "10.1.1.4/32").status == "reached"
    assert item(items, "10.0.1.4/32").status == "reached"


def test_seed_v2v_with_bgp_reaches_the_p2s_pool() -> None:
    az = seed_v2v(bgp=True)
    pool = item(coverage(nic_target(az, "nic-vm-aue"), facts_of(az)), "172.16.10.0/25")
    assert pool.status == "reached"
    assert pool.route is not None and pool.route.prefix == "172.16.10.0/25"


def test_seed_transit_australia_reaches_europe_by_peering_and_the_pool_by_transit() -> None:
    az = seed_transit()
    items = coverage(nic_target(az, "nic-vm-aue"), facts_of(az))
    eun = item(items, "10.0.0.0/16")
    assert eun.status == "reached" and eun.kind == "peering"
    pool = item(items, "172.16.10.0/25")
    assert pool.status == "reached" and "transit" in pool.via


def test_unknown_routes_still_report_what_the_estate_breaks() -> None:
    az = seed_v2v()
    items = coverage(nic_target(az, "nic-vm-aue", unknown=True), facts_of(az))
    assert item(items, "10.0.0.0/16").status == "unknown"
    assert item(items, "172.16.10.0/25").status == "not_reached"


# --- unseen topologies ------------------------------------------------------------------------------


def test_hub_spoke_spoke_reaches_branch_and_pool_through_transit_but_not_the_other_spoke() -> None:
    az = hub_spoke()
    items = coverage(nic_target(az, "nic-s1", spoke_routes("10.11.0.0/16")), facts_of(az))
    assert item(items, "10.10.0.0/16").status == "reached"
    assert item(items, "172.20.0.0/24").status == "reached"
    branch = item(items, "192.168.50.0/24")
    assert branch.status == "reached" and branch.kind == "s2s"
    assert any("route 10.11.0.0/16" in n or "spoke1's address space" in n for n in branch.notes)
    # Peering is not transitive: spoke2 is not something spoke1 should reach.
    assert not [i for i in items if i.prefix == "10.12.0.0/16"]
    assert item(items, "10.11.1.4/32").kind == "private_endpoint"


def test_spoke_without_use_remote_gateways_does_not_reach_the_pool_and_says_why() -> None:
    az = hub_spoke(spoke2_uses_gateway=False)
    items = coverage(nic_target(az, "nic-s2", spoke_routes("10.12.0.0/16", transit=False)), facts_of(az))
    pool = item(items, "172.20.0.0/24")
    assert pool.status == "not_reached"
    assert "useRemoteGateways is off on spoke2→hub" in pool.reasons[0]
    assert any("/vpn peering spoke2/spoke2-to-hub useRemoteGateways on" in f for f in pool.fixes)


def test_transit_flag_off_on_the_hub_is_named() -> None:
    az = hub_spoke()
    hub = az.vnets[rid_key(f"{RG}/virtualNetworks/hub")]
    no_transit = tuple(dataclasses.replace(p, allow_gateway_transit=False) for p in hub.peerings)
    az.vnets[rid_key(hub.id)] = dataclasses.replace(hub, peerings=no_transit)
    items = coverage(nic_target(az, "nic-s1", spoke_routes("10.11.0.0/16", transit=False)), facts_of(az))
    pool = item(items, "172.20.0.0/24")
    assert pool.status == "not_reached"
    assert any("allowGatewayTransit is off on hub→spoke1" in r for r in pool.reasons)


def test_gateway_route_propagation_off_is_the_likely_reason() -> None:
    rt = f"{RG}/routeTables/rt-spoke2"
    az = hub_spoke(route_table=rt)
    items = coverage(nic_target(az, "nic-s2", spoke_routes("10.12.0.0/16", transit=False)), facts_of(az))
    pool = item(items, "172.20.0.0/24")
    assert pool.status == "not_reached"
    assert "Propagate gateway routes" in pool.reasons[0] and "rt-spoke2" in pool.reasons[0]


def test_user_route_to_none_overrides_the_peering() -> None:
    az = hub_spoke()
    routes = [*spoke_routes("10.11.0.0/16"), route("User", "10.10.0.0/16", "None", name="blackhole")]
    routes[6] = dataclasses.replace(routes[6], state="Invalid")  # Azure marks the overridden system route Invalid
    items = coverage(nic_target(az, "nic-s1", routes), facts_of(az))
    hub = item(items, "10.10.0.0/16")
    assert hub.status == "not_reached"
    assert "user route 'blackhole' 10.10.0.0/16 → None" in hub.reasons[0]


def test_more_specific_drop_makes_a_destination_partial() -> None:
    az = hub_spoke()
    routes = [*spoke_routes("10.11.0.0/16"), route("User", "10.10.5.0/24", "None", name="no-mgmt")]
    hub = item(coverage(nic_target(az, "nic-s1", routes), facts_of(az)), "10.10.0.0/16")
    assert hub.status == "partial"
    assert "10.10.5.0/24 → None" in hub.reasons[0]


def test_one_sided_peering_is_not_reached() -> None:
    a = vnet("a", ("10.30.0.0/16",), (peering("a", "b", ("10.31.0.0/16",), state="Initiated"),))
    b = vnet("b", ("10.31.0.0/16",))
    az = FakeAzure(subscriptions=seed_v2v().subs, vnets=[a, b], nics=[nic("nic-a", "a")])
    items = coverage(nic_target(az, "nic-a", defaults("10.30.0.0/16")), facts_of(az))
    peer = item(items, "10.31.0.0/16")
    assert peer.status == "not_reached"
    assert "Initiated" in peer.reasons[0] and "no peering back from b" in peer.reasons[0]


def test_s2s_connection_down_blocks_even_with_a_route() -> None:
    az = hub_spoke()
    az.conns = {k: dataclasses.replace(c, status="NotConnected") for k, c in az.conns.items()}
    routes = [
        *defaults("10.10.0.0/16"),
        route("VirtualNetworkGateway", "192.168.50.0/24", "VirtualNetworkGateway", ("10.10.255.4",)),
    ]
    branch = item(coverage(nic_target(az, "nic-hub", routes), facts_of(az)), "192.168.50.0/24")
    assert branch.status == "not_reached"
    assert branch.reasons == ("connection conn-branch is NotConnected",)
    assert any("still lists a route" in n for n in branch.notes)


def test_missing_reverse_vnet2vnet_connection_is_named() -> None:
    az = seed_v2v()
    del az.conns[rid_key(f"{RG}/connections/conn-eun-aue")]
    eun = item(coverage(nic_target(az, "nic-vm-aue"), facts_of(az)), "10.0.0.0/16")
    assert eun.status == "not_reached"
    assert "no connection from vgw-eun back to vgw-aue" in eun.reasons[0]


def test_overlapping_prefixes_peering_wins_over_the_more_specific_gateway_route() -> None:
    az = hub_spoke()
    az.lngs = {k: dataclasses.replace(x, address_prefixes=("10.11.5.0/24",)) for k, x in az.lngs.items()}
    routes = [
        *defaults("10.10.0.0/16"),
        route("Default", "10.11.0.0/16", "VNetPeering"),
        route("Default", "10.12.0.0/16", "VNetPeering"),
        route("VirtualNetworkGateway", "10.11.5.0/24", "VirtualNetworkGateway", ("10.10.255.4",)),
    ]
    overlap = item(coverage(nic_target(az, "nic-hub", routes), facts_of(az)), "10.11.5.0/24", "s2s")
    assert overlap.status == "reached"
    assert overlap.route is not None and overlap.route.route is not None
    assert overlap.route.route.next_hop_type == "VNetPeering"
    assert "not through" in overlap.notes[0]


def test_gateway_target_checks_bgp_destinations_against_learned_routes() -> None:
    az = seed_v2v(bgp=True)
    gw = az.gws[rid_key(gw_id("vgw-eun"))]
    learned = learned_as_effective(az.learned[rid_key(gw.id)][:1])
    items = coverage(CoverageTarget(gw.vnet_id, gw.name, tuple(learned), kind="gateway"), facts_of(az))
    assert item(items, "10.0.0.0/16").status == "reached"
    aue = item(items, "10.1.0.0/16")
    assert aue.status == "not_reached" and "no Active route" in aue.reasons[0]


def test_gateway_target_takes_static_destinations_from_configuration() -> None:
    az = seed_v2v()
    gw = az.gws[rid_key(gw_id("vgw-eun"))]
    learned = learned_as_effective(az.learned[rid_key(gw.id)][:1])
    items = coverage(CoverageTarget(gw.vnet_id, gw.name, tuple(learned), kind="gateway"), facts_of(az))
    aue = item(items, "10.1.0.0/16")
    assert aue.status == "reached" and aue.route is None
    assert "VNet-to-VNet conn-eun-aue" in aue.via and not aue.reasons
    assert not [i for i in items if i.kind == "p2s_pool"]  # vgw-aue serves no P2S in this estate


def test_one_bgp_flag_missing_is_named() -> None:
    az = seed_v2v(bgp=True)
    k = rid_key(f"{RG}/connections/conn-aue-eun")
    az.conns[k] = dataclasses.replace(az.conns[k], enable_bgp=False)
    az.effective[rid_key(f"{RG}/networkInterfaces/nic-vm-aue")] = az.effective[
        rid_key(f"{RG}/networkInterfaces/nic-vm-aue")
    ][:-1]
    pool = item(coverage(nic_target(az, "nic-vm-aue"), facts_of(az)), "172.16.10.0/25")
    assert pool.status == "not_reached"
    assert pool.reasons[0].endswith("BGP is off on conn-aue-eun")
    assert pool.fixes[0].startswith("turn BGP on for conn-aue-eun")


def test_a_vnet_both_peered_and_connected_is_one_destination() -> None:
    az = seed_v2v()
    eun, aue = (az.vnets[rid_key(f"{RG}/virtualNetworks/{n}")] for n in ("vnet-eun", "vnet-aue"))
    az.vnets[rid_key(eun.id)] = dataclasses.replace(eun, peerings=(peering("vnet-eun", "vnet-aue"),))
    az.vnets[rid_key(aue.id)] = dataclasses.replace(aue, peerings=(peering("vnet-aue", "vnet-eun"),))
    items = coverage(nic_target(az, "nic-vm-aue"), facts_of(az))
    [eun_item] = [i for i in items if i.prefix == "10.0.0.0/16"]
    assert eun_item.status == "reached" and eun_item.kind == "vnet2vnet"
    assert not eun_item.notes


# --- point-to-site plan ----------------------------------------------------------------------------


def test_p2s_expected_prefixes_follow_the_transit_rules() -> None:
    az = hub_spoke(spoke2_uses_gateway=False)
    gw = az.gws[rid_key(gw_id("vgw-hub"))]
    expected = p2s_expected_prefixes(
        gw, az.vnets.values(), connections=az.conns.values(), local_gateways=az.lngs.values()
    )
    pairs = dict(expected)  # each item unpacks as (prefix, why)
    assert "10.10.0.0/16" in pairs and "10.11.0.0/16" in pairs
    assert "10.12.0.0/16" not in pairs
    assert "uses its gateway" in pairs["10.11.0.0/16"]
    branch = next(e for e in expected if e.prefix == "192.168.50.0/24")
    assert branch.certainty == "maybe" and "static" in branch.why
    never = [e for e in p2s_plan(gw, facts_of(az)) if e.certainty == "never"]
    assert [e.prefix for e in never] == ["10.12.0.0/16"]
    assert "useRemoteGateways is off on spoke2→hub" in never[0].why


def test_p2s_plan_includes_custom_routes_and_explains_a_spoke_with_its_own_gateway() -> None:
    az = seed_transit()
    gw = dataclasses.replace(az.gws[rid_key(gw_id("vgw-eun"))], p2s_custom_routes=("10.99.0.0/16",))
    aue = az.vnets[rid_key(f"{RG}/virtualNetworks/vnet-aue")]
    az.vnets[rid_key(aue.id)] = dataclasses.replace(
        aue, peerings=tuple(dataclasses.replace(p, use_remote_gateways=False) for p in aue.peerings)
    )
    az.gws[rid_key(gw_id("vgw-aue"))] = gateway("vgw-aue", "vnet-aue")
    plan = {e.prefix: e for e in p2s_plan(gw, facts_of(az))}
    assert plan["10.99.0.0/16"].certainty == "always"
    assert plan["10.1.0.0/16"].certainty == "never"
    assert "has its own gateway" in plan["10.1.0.0/16"].why


def test_p2s_route_to_an_endpoint() -> None:
    az = seed_v2v()
    gw = az.gws[rid_key(gw_id("vgw-eun"))]
    facts = facts_of(az)
    own = p2s_route_to("10.0.1.4", gw, facts)
    assert own is not None and own.certainty == "always" and own.prefix == "10.0.0.0/16"
    remote = p2s_route_to("10.1.1.4", gw, facts)
    assert remote is not None and remote.certainty == "maybe" and "dropped" in remote.caveat
    assert p2s_route_to("10.200.0.1", gw, facts) is None


def test_client_routes_compared_with_the_plan() -> None:
    az = seed_v2v()
    gw = az.gws[rid_key(gw_id("vgw-eun"))]
    plan = p2s_plan(gw, facts_of(az))
    checks = {c.prefix: c for c in compare_client_routes(plan, ["10.0.0.0/16", "10.1.0.0/16"], "172.16.10.0/25")}
    assert checks["10.0.0.0/16"].verdict == "ok"
    assert checks["10.1.0.0/16"].verdict == "ok" and "dropped" in checks["10.1.0.0/16"].caveat
    missing = {c.prefix: c.verdict for c in compare_client_routes(plan, ["10.1.0.0/16", "10.77.0.0/16"])}
    assert missing["10.0.0.0/16"] == "missing"
    assert missing["10.77.0.0/16"] == "unexpected"
    none_yet = {c.prefix: c.verdict for c in compare_client_routes(plan, ["10.0.0.0/16"])}
    assert none_yet["10.1.0.0/16"] == "not_pushed"


def test_matching_the_gateway_by_pool_then_profile() -> None:
    az = seed_v2v()
    facts = facts_of(az)
    gws = list(az.gws.values())
    assert (m := match_gateway("172.16.10.2", ("whatever",), gws, facts)).gateway is not None
    assert m.gateway.name == "vgw-eun" and "172.16.10.0/25" in m.how
    by_name = match_gateway("", ("hub-eun",), gws, facts)
    assert by_name.gateway is not None and by_name.gateway.name == "vgw-eun"
    # vgw-aue serves no P2S, and "vnet-aue" shares no distinctive word with vgw-eun / vnet-eun.
    assert match_gateway("", ("vnet-aue",), gws, facts).gateway is None
    twin = dataclasses.replace(gws[1], p2s_address_pool=("172.16.10.0/25",))
    both = match_gateway("172.16.10.2", ("vgw-aue",), [gws[0], twin], facts)
    assert both.gateway is not None and both.gateway.name == "vgw-aue" and len(both.candidates) == 2
    unclear = match_gateway("172.16.10.2", (), [gws[0], twin], facts)
    assert unclear.gateway is None and len(unclear.candidates) == 2


# --- Azure's selection rule as properties -------------------------------------------------------------

_SOURCES = st.sampled_from(["Default", "User", "VirtualNetworkGateway"])
_HOPS = st.sampled_from(["VnetLocal", "VNetPeering", "VirtualNetworkGateway", "VirtualAppliance", "None", "Internet"])


@st.composite
def _routes(draw: st.DrawFn) -> list[EffectiveRoute]:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        plen = draw(st.integers(8, 28))
        net = ipaddress.ip_network(f"10.{draw(st.integers(0, 3))}.{draw(st.integers(0, 3))}.0/{plen}", strict=False)
        state = draw(st.sampled_from(["Active", "Active", "Invalid"]))
        out.append(route(draw(_SOURCES), str(net), draw(_HOPS), state=state))
    return out


@settings(max_examples=200, deadline=None)
@given(_routes(), st.integers(0, 3), st.integers(0, 3), st.integers(0, 255))
def test_selection_follows_longest_prefix_then_source_priority(
    routes: list[EffectiveRoute], b: int, c: int, d: int
) -> None:
    dest = ipaddress.ip_address(f"10.{b}.{c}.{d}")
    choice = select_route(routes, str(dest))
    active = [
        (ipaddress.ip_network(r.address_prefixes[0]), r)
        for r in routes
        if r.state == "Active" and dest in ipaddress.ip_network(r.address_prefixes[0])
    ]
    if not active:
        assert choice.route is None and choice.drops
        return
    assert choice.route is not None and dest in ipaddress.ip_network(choice.prefix)
    protected = [n for n, r in active if r.source == "Default" and r.next_hop_type in ("VnetLocal", "VNetPeering")]
    eligible = [
        (n, r)
        for n, r in active
        if not (
            protected and r.source == "VirtualNetworkGateway" and n.prefixlen >= min(p.prefixlen for p in protected)
        )
    ]
    longest = max(n.prefixlen for n, _ in eligible)
    assert ipaddress.ip_network(choice.prefix).prefixlen == longest
    rank = {"User": 0, "VirtualNetworkGateway": 1, "Default": 2}
    best = min(rank[r.source] for n, r in eligible if n.prefixlen == longest)
    assert rank[choice.route.source] == best


def test_an_endpoint_behind_a_broken_peering_and_a_working_connection_is_reached() -> None:
    az = seed_v2v()
    aue = az.vnets[rid_key(f"{RG}/virtualNetworks/vnet-aue")]
    az.vnets[rid_key(aue.id)] = dataclasses.replace(aue, peerings=(peering("vnet-aue", "vnet-eun", state="Initiated"),))
    items = coverage(nic_target(az, "nic-vm-aue"), facts_of(az))
    [endpoint] = [i for i in items if i.prefix == "10.0.1.4/32"]
    assert endpoint.status == "reached" and "VNet-to-VNet" in endpoint.via
    assert any(n.startswith("the other path, peering vnet-aue→vnet-eun, is broken") for n in endpoint.notes)


def test_the_published_effective_route_table_selects_as_azure_does() -> None:
    from tests.shared_fixtures import real_json

    body = real_json("arm/NetworkInterfaceEffectiveRouteTableList.json")["responses"]["200"]["body"]
    routes = [
        EffectiveRoute(
            source=r["source"],
            state=r["state"],
            address_prefixes=tuple(r["addressPrefix"]),
            next_hop_type=r["nextHopType"],
            next_hop_ips=tuple(r["nextHopIpAddress"]),
        )
        for r in body["value"]
    ]
    own = select_route(routes, "172.20.2.9")
    assert own.route is not None and own.route.next_hop_type == "VnetLocal" and own.prefix == "172.20.2.0/24"
    assert "172.16.0.0/12 → None" in own.explanation  # the /24 beats the RFC 1918 drop route
    elsewhere = select_route(routes, "10.5.0.1")
    assert elsewhere.drops and elsewhere.prefix == "10.0.0.0/8"
    internet = select_route(routes, "20.1.2.3")
    assert internet.route is not None and internet.route.next_hop_type == "Internet"
