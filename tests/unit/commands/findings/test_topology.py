"""Topology findings (gateway transit, detours, VNets joined twice, routes clients never
get) on small estates invented here (not the seed)."""

from __future__ import annotations

from commands.core.estate import EstateIndex
from commands.core.model import rid_key
from commands.findings import topology
from tests.unit.commands.findings.topology_support import (
    far_spoke,
    gw,
    nid,
    one,
    peer,
    two_regions_both_attempts,
    vid,
    vnet,
)

# --- gateway transit ------------------------------------------------------------------------------


def test_transit_offered_to_a_vnet_with_its_own_gateway_is_the_half_built_hub_and_spoke() -> None:
    facts, _ = two_regions_both_attempts()
    f = one(topology.transit_half_set_up(facts), "topology:transit_unused:")
    assert f.severity == "warning"
    assert "`vn-tyo` has its own gateway" in f.title
    assert "useRemoteGateways only in a VNet without a gateway" in f.evidence and "`gw-tyo`" in f.evidence
    assert "`ams-tyo`, `tyo-ams`" in f.evidence and "are the other design" in f.evidence
    # What finishing it would cost, from the region table: Tokyo's users would go to Amsterdam.
    assert "deleting `gw-tyo`" in f.next_step and "`172.21.0.0/24`" in f.next_step
    assert "West Europe is in Europe, Japan East in Asia" in f.next_step
    assert "/vpn peering vn-ams/vn-ams-to-vn-tyo allowGatewayTransit off" in f.next_step
    assert f.doc_url.startswith("https://learn.microsoft.com/")


def test_transit_offered_to_a_vnet_without_gateway_that_does_not_use_it() -> None:
    hub_gw = gw("gw-x", "vn-x", "eastus", ("172.30.0.0/24",))
    x = vnet("vn-x", "eastus", "10.1.0.0/16", peerings=[peer("vn-x", "vn-y", allow_gateway_transit=True)])
    y = vnet("vn-y", "eastus", "10.2.0.0/16", peerings=[peer("vn-y", "vn-x")])
    f = one(topology.transit_half_set_up(EstateIndex(vnets=(x, y), gateways=(hub_gw,))), "topology:transit_unused:")
    assert f.severity == "warning"
    assert "does not use its gateway `gw-x`" in f.title
    assert "VPN clients of `gw-x` get no route to it" in f.evidence
    assert "/vpn peering vn-y/vn-y-to-vn-x useRemoteGateways on" in f.next_step


def test_transit_in_use_or_without_a_hub_gateway_is_not_reported_here() -> None:
    assert topology.transit_half_set_up(far_spoke()) == []
    x = vnet("vn-x", "eastus", "10.1.0.0/16", peerings=[peer("vn-x", "vn-y", allow_gateway_transit=True)])
    y = vnet("vn-y", "eastus", "10.2.0.0/16", peerings=[peer("vn-y", "vn-x")])
    assert topology.transit_half_set_up(EstateIndex(vnets=(x, y))) == []  # no gateway: the peering module says so


def test_several_peerings_using_remote_gateways_is_critical() -> None:
    s = vnet(
        "vn-s",
        "eastus",
        "10.9.0.0/16",
        peerings=[peer("vn-s", "vn-a", use_remote_gateways=True), peer("vn-s", "vn-b", use_remote_gateways=True)],
    )
    f = one(topology.remote_gateways_on_several(EstateIndex(vnets=(s,))), "topology:remote_gw_several:")
    assert f.severity == "critical" and "2 peerings" in f.title
    assert "`vn-s-to-vn-a`, `vn-s-to-vn-b`" in f.evidence
    assert "useRemoteGateways off" in f.next_step


def test_forwarded_traffic_on_one_side_only_is_reported_once_per_pair() -> None:
    a = vnet("vn-a", "eastus", "10.1.0.0/16", peerings=[peer("vn-a", "vn-b", allow_forwarded_traffic=True)])
    b = vnet("vn-b", "eastus", "10.2.0.0/16", peerings=[peer("vn-b", "vn-a")])
    found = topology.flags_differ(EstateIndex(vnets=(a, b)))
    f = one(found, "topology:flags_differ:")
    assert f.severity == "info"
    assert "accepted into `vn-a` but not into `vn-b`" in f.title
    assert "/vpn peering vn-b/vn-b-to-vn-a allowForwardedTraffic on" in f.next_step


# --- the detour through a far hub -----------------------------------------------------------------


def test_a_spoke_in_australia_using_a_hub_gateway_in_europe_is_a_detour() -> None:
    f = one(
        topology.far_hub(far_spoke(), p2s_clients={rid_key(nid("virtualNetworkGateways", "gw-hub")): 3}),
        "topology:far_hub:",
    )
    assert f.severity == "warning"
    assert str(f.title) == "Users near Australia East reach `vn-spoke` only through `gw-hub` in West Europe"
    assert "Australia East → West Europe → Australia East" in f.evidence
    assert "Australia East is in Oceania, West Europe in Europe" in f.evidence
    assert "3 VPN clients are on it now" in f.evidence
    assert "learn.microsoft.com/azure/networking/azure-network-latency" in f.evidence
    assert " ms" not in f.evidence  # no invented latency figures


def test_a_spoke_nearby_is_a_mild_detour_and_one_in_the_same_region_none() -> None:
    assert one(topology.far_hub(far_spoke("uksouth")), "topology:far_hub:").severity == "info"
    assert topology.far_hub(far_spoke("westeurope")) == []


def test_far_hub_respects_the_scope() -> None:
    facts = far_spoke()
    assert topology.far_hub(facts, in_scope=lambda v: rid_key(v) == rid_key(vid("vn-other"))) == []
    assert topology.far_hub(facts, in_scope=lambda v: rid_key(v) == rid_key(vid("vn-spoke")))


# --- joined twice, routes clients never get -------------------------------------------------------


def test_vnets_both_peered_and_connected_are_joined_twice() -> None:
    facts, _ = two_regions_both_attempts()
    f = one(topology.joined_twice(facts), "topology:joined_twice:")
    assert "`vn-ams` and `vn-tyo` are joined twice" in f.title
    assert "`ams-tyo`, `tyo-ams`" in f.evidence and "through the peering" in f.evidence


def test_p2s_clients_never_get_a_spoke_that_asked_for_transit_without_getting_it() -> None:
    hub_gw = gw("gw-h", "vn-h", "eastus", ("172.31.0.0/24",))
    h = vnet("vn-h", "eastus", "10.1.0.0/16", peerings=[peer("vn-h", "vn-s")])
    s = vnet("vn-s", "eastus", "10.2.0.0/16", peerings=[peer("vn-s", "vn-h", use_remote_gateways=True)])
    f = one(topology.p2s_routes_missing(EstateIndex(vnets=(h, s), gateways=(hub_gw,))), "topology:p2s_never:")
    assert "VPN clients of `gw-h` get no route to `10.2.0.0/16`" in f.title
    assert "allowGatewayTransit is off" in f.evidence
    assert f.causes and f.causes[0].startswith("peering_transit_not_offered:")


def test_a_plain_peering_keeps_its_vnet_away_from_vpn_clients_by_design() -> None:
    # Neither side asks for gateway transit (a management VNet): no route is "missing".
    hub_gw = gw("gw-h", "vn-h", "eastus", ("172.31.0.0/24",))
    h = vnet("vn-h", "eastus", "10.1.0.0/16", peerings=[peer("vn-h", "vn-s")])
    s = vnet("vn-s", "eastus", "10.2.0.0/16", peerings=[peer("vn-s", "vn-h")])
    assert topology.p2s_routes_missing(EstateIndex(vnets=(h, s), gateways=(hub_gw,))) == []


def test_assess_ranks_and_scopes() -> None:
    facts, _ = two_regions_both_attempts()
    found = topology.assess(facts)
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=["critical", "warning", "info", "ok"].index)
    assert topology.assess(facts, in_scope=lambda v: False) == []
