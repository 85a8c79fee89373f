"""Coverage: what a NIC or a gateway should reach, and whether its routes do, over estate facts."""

from __future__ import annotations

import dataclasses

from commands.core.estate import EstateIndex
from commands.core.model import EffectiveRoute, RouteTable, UserRoute, rid_key
from commands.findings.routing.coverage import CoverageItem, CoverageTarget, coverage
from commands.findings.routing.selection import learned_as_effective
from tests.fakes import FakeAzure
from tests.unit.commands.routes.estates import (
    RG,
    defaults,
    facts_of,
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


def test_a_site_overlapping_a_peered_vnet_is_not_reached_the_peering_wins() -> None:
    # Azure prefers the peering's system route even over a more specific gateway route, so
    # traffic to the overlapping site never leaves for the gateway.
    az = hub_spoke()
    az.lngs = {k: dataclasses.replace(x, address_prefixes=("10.11.5.0/24",)) for k, x in az.lngs.items()}
    routes = [
        *defaults("10.10.0.0/16"),
        route("Default", "10.11.0.0/16", "VNetPeering"),
        route("Default", "10.12.0.0/16", "VNetPeering"),
        route("VirtualNetworkGateway", "10.11.5.0/24", "VirtualNetworkGateway", ("10.10.255.4",)),
    ]
    overlap = item(coverage(nic_target(az, "nic-hub", routes), facts_of(az)), "10.11.5.0/24", "s2s")
    assert overlap.status == "not_reached"
    assert overlap.route is not None and overlap.route.route is not None
    assert overlap.route.route.next_hop_type == "VNetPeering"
    assert overlap.reasons[-1].startswith("it overlaps spoke1 10.11.0.0/16: Azure keeps traffic")
    assert overlap.causes and overlap.causes[-1].startswith("topology:overlap:")


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


def test_an_endpoint_behind_a_broken_peering_and_a_working_connection_is_reached() -> None:
    az = seed_v2v()
    aue = az.vnets[rid_key(f"{RG}/virtualNetworks/vnet-aue")]
    az.vnets[rid_key(aue.id)] = dataclasses.replace(aue, peerings=(peering("vnet-aue", "vnet-eun", state="Initiated"),))
    items = coverage(nic_target(az, "nic-vm-aue"), facts_of(az))
    [endpoint] = [i for i in items if i.prefix == "10.0.1.4/32"]
    assert endpoint.status == "reached" and "VNet-to-VNet" in endpoint.via
    assert any(n.startswith("the other path, peering vnet-aue→vnet-eun, is broken") for n in endpoint.notes)


# --- route tables (UDRs), read from the estate ---------------------------------------------------


def _with_table(az: FakeAzure, *routes: UserRoute) -> EstateIndex:
    """spoke2's subnet uses rt-spoke2, which does not propagate gateway routes."""
    rt = RouteTable(
        f"{RG}/routeTables/rt-spoke2", "rt-spoke2", disable_bgp_route_propagation=True, routes=tuple(routes)
    )
    return dataclasses.replace(facts_of(az), route_tables=(rt,))


def test_a_route_table_without_gateway_routes_blocks_the_gateway_destinations_routes_or_not() -> None:
    # UDR overview, "Border gateway protocol": with propagation off the subnet gets none of the
    # gateway's routes, so the pool and the branch fall to Azure's defaults (10/8 → None).
    az = hub_spoke(route_table=f"{RG}/routeTables/rt-spoke2")
    items = coverage(nic_target(az, "nic-s2", unknown=True), _with_table(az))
    pool = item(items, "172.20.0.0/24")
    assert pool.status == "not_reached"
    assert any("rt-spoke2, which does not propagate gateway routes" in r for r in pool.blocked)
    assert any("turn on 'Propagate gateway routes' on rt-spoke2" in f for f in pool.fixes)
    # The hub itself is reached over the peering, which no route table removes.
    assert item(items, "10.10.0.0/16").status != "not_reached"


def test_forced_tunnelling_to_an_appliance_carries_the_gateway_destinations_routed_to_it() -> None:
    # The spoke sends 0.0.0.0/0 and the private ranges behind the gateway to an NVA in the
    # hub, propagation off (spoke-forced-tunnel-nva): the NVA carries them, no gap.
    az = hub_spoke(route_table=f"{RG}/routeTables/rt-spoke2")
    to_nva = [
        UserRoute(n, p, "VirtualAppliance", "10.10.3.4")
        for n, p in (("default", "0.0.0.0/0"), ("pool", "172.20.0.0/24"), ("branch", "192.168.50.0/24"))
    ]
    items = coverage(nic_target(az, "nic-s2", unknown=True), _with_table(az, *to_nva))
    assert not item(items, "172.20.0.0/24").blocked
    assert not item(items, "192.168.50.0/24").blocked


def test_a_default_route_to_an_appliance_does_not_carry_private_ranges() -> None:
    # Azure's default routes for 10/8, 172.16/12, 192.168/16 (next hop None) are more
    # specific than 0.0.0.0/0, so a 0/0 user route alone leaves the branch dropped
    # (https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#default).
    az = hub_spoke(route_table=f"{RG}/routeTables/rt-spoke2")
    only_default = UserRoute("default", "0.0.0.0/0", "VirtualAppliance", "10.10.3.4")
    items = coverage(nic_target(az, "nic-s2", unknown=True), _with_table(az, only_default))
    branch = item(items, "192.168.50.0/24")
    assert branch.status == "not_reached"
    assert any("192.168.0.0/16 → None" in r for r in branch.blocked)
