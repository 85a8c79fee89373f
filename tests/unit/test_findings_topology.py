"""Topology findings and the design options, on small estates invented here (not the seed).

The builders below are shared with tests/unit/test_diagnose.py: names, regions and address
ranges differ from the sandbox seed on purpose, so the logic is shown to follow the facts.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from commands.core.estate import EstateIndex
from commands.core.model import Connection, Gateway, LocalNetworkGateway, Peering, VirtualNetwork, rid_key
from commands.core.reply import Finding
from commands.findings import topology
from commands.findings.topology import region_distance

SUB = "sub-a"


def nid(kind: str, name: str, sub: str = SUB, rg: str = "rg-net") -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{name}"


def vid(name: str, sub: str = SUB) -> str:
    return nid("virtualNetworks", name, sub)


def peer(
    a: str, b: str, b_prefixes: tuple[str, ...] = (), sub: str = SUB, remote_sub: str = SUB, **flags: object
) -> Peering:
    fields: dict[str, object] = {"state": "Connected", "sync_level": "FullyInSync", "provisioning_state": "Succeeded"}
    fields.update(flags)
    return Peering(
        id=f"{vid(a, sub)}/virtualNetworkPeerings/{a}-to-{b}",
        name=f"{a}-to-{b}",
        vnet_id=vid(a, sub),
        remote_vnet_id=vid(b, remote_sub),
        remote_address_prefixes=b_prefixes,
        etag='W/"1"',
        **fields,  # type: ignore[arg-type]
    )


def vnet(name: str, location: str, *prefixes: str, peerings: Iterable[Peering] = (), sub: str = SUB) -> VirtualNetwork:
    return VirtualNetwork(vid(name, sub), name, location, tuple(prefixes), peerings=tuple(peerings))


def gw(
    name: str, vnet_name: str, location: str, pool: tuple[str, ...] = (), asn: int | None = None, sub: str = SUB
) -> Gateway:
    return Gateway(
        nid("virtualNetworkGateways", name, sub),
        name,
        location,
        vpn_type="RouteBased",
        sku="VpnGw2",
        enable_bgp=asn is not None,
        bgp_asn=asn,
        vnet_id=vid(vnet_name, sub),
        p2s_address_pool=pool,
        provisioning_state="Succeeded",
    )


def v2v(name: str, a: Gateway, b: Gateway, **kw: object) -> Connection:
    fields: dict[str, object] = {
        "status": "Connected",
        "connection_type": "Vnet2Vnet",
        "provisioning_state": "Succeeded",
    }
    fields.update(kw)
    sub = a.id.split("/")[2]
    return Connection(nid("connections", name, sub), name, a.location, gateway1_id=a.id, gateway2_id=b.id, **fields)  # type: ignore[arg-type]


def lng(name: str, location: str, *prefixes: str) -> LocalNetworkGateway:
    return LocalNetworkGateway(
        nid("localNetworkGateways", name), name, location, "203.0.113.7", address_prefixes=prefixes
    )


def s2s(name: str, g: Gateway, site: LocalNetworkGateway, **kw: object) -> Connection:
    fields: dict[str, object] = {
        "status": "Connected",
        "connection_type": "IPsec",
        "ingress_bytes": 10,
        "egress_bytes": 10,
    }
    fields.update(kw)
    return Connection(
        nid("connections", name), name, g.location, gateway1_id=g.id, local_network_gateway_id=site.id, **fields
    )  # type: ignore[arg-type]


# --- two estates used by both test files -------------------------------------------------------


def two_regions_both_attempts() -> tuple[EstateIndex, dict[frozenset[str], str]]:
    """Amsterdam and Tokyo, each with a P2S gateway; gateway transit offered but unusable, and
    VNet-to-VNet with one-way counters, different keys and BGP on one connection only."""
    ams_gw = gw("gw-ams", "vn-ams", "westeurope", ("172.20.0.0/24",), asn=65001)
    tyo_gw = gw("gw-tyo", "vn-tyo", "japaneast", ("172.21.0.0/24",), asn=65002)
    ams = vnet(
        "vn-ams",
        "westeurope",
        "10.50.0.0/16",
        peerings=[peer("vn-ams", "vn-tyo", ("10.60.0.0/16",), allow_gateway_transit=True)],
    )
    tyo = vnet("vn-tyo", "japaneast", "10.60.0.0/16", peerings=[peer("vn-tyo", "vn-ams", ("10.50.0.0/16",))])
    out = v2v("ams-tyo", ams_gw, tyo_gw, egress_bytes=9_000_000, enable_bgp=True)
    back = v2v("tyo-ams", tyo_gw, ams_gw, ingress_bytes=8_000_000)
    facts = EstateIndex(vnets=(ams, tyo), gateways=(ams_gw, tyo_gw), connections=(out, back))
    return facts, {frozenset({rid_key(out.id), rid_key(back.id)}): "different"}


def far_spoke(spoke_location: str = "australiaeast") -> EstateIndex:
    """A hub in West Europe whose gateway a spoke elsewhere uses through gateway transit."""
    hub_gw = gw("gw-hub", "vn-hub", "westeurope", ("192.168.50.0/24",))
    hub = vnet(
        "vn-hub", "westeurope", "10.70.0.0/16", peerings=[peer("vn-hub", "vn-spoke", allow_gateway_transit=True)]
    )
    spoke = vnet(
        "vn-spoke", spoke_location, "10.71.0.0/16", peerings=[peer("vn-spoke", "vn-hub", use_remote_gateways=True)]
    )
    return EstateIndex(vnets=(hub, spoke), gateways=(hub_gw,))


def keys(findings: Iterable[Finding]) -> list[str]:
    return [f.key for f in findings]


def one(findings: Iterable[Finding], prefix: str) -> Finding:
    found = [f for f in findings if f.key.startswith(prefix)]
    assert len(found) == 1, f"expected one {prefix} finding in {keys(findings)}"
    return found[0]


# --- distance -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("northeurope", "North Europe", "same_region"),
        ("australiaeast", "australiasoutheast", "same_geography"),
        ("uksouth", "westeurope", "same_area"),
        ("northeurope", "australiaeast", "far"),
        ("northeurope", "marsnorth", "unknown"),
    ],
)
def test_region_distance_comes_from_the_region_table(a: str, b: str, kind: str) -> None:
    d = region_distance(a, b)
    assert d.kind == kind
    assert not any(ch.isdigit() for ch in d.words.replace("2", "")), "no invented numbers in the words"


def test_far_regions_are_named_by_their_areas() -> None:
    assert (
        region_distance("northeurope", "australiaeast").words == "North Europe is in Europe, Australia East in Oceania"
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
    assert f.title == "Users near Australia East reach `vn-spoke` only through `gw-hub` in West Europe"
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


def test_p2s_clients_never_get_a_peered_vnet_without_transit() -> None:
    hub_gw = gw("gw-h", "vn-h", "eastus", ("172.31.0.0/24",))
    h = vnet("vn-h", "eastus", "10.1.0.0/16", peerings=[peer("vn-h", "vn-s")])
    s = vnet("vn-s", "eastus", "10.2.0.0/16", peerings=[peer("vn-s", "vn-h")])
    f = one(topology.p2s_routes_missing(EstateIndex(vnets=(h, s), gateways=(hub_gw,))), "topology:p2s_never:")
    assert "VPN clients of `gw-h` get no route to `10.2.0.0/16`" in f.title
    assert "allowGatewayTransit is off" in f.evidence


# --- overlapping address spaces -------------------------------------------------------------------


def test_peered_vnets_that_overlap_are_critical() -> None:
    a = vnet("vn-a", "eastus", "10.1.0.0/16", peerings=[peer("vn-a", "vn-b")])
    b = vnet("vn-b", "eastus", "10.1.128.0/17", peerings=[peer("vn-b", "vn-a")])
    f = one(topology.overlaps(EstateIndex(vnets=(a, b))), "topology:overlap:")
    assert f.severity == "critical"
    assert f.title == "VNet `vn-a` `10.1.0.0/16` overlaps VNet `vn-b` `10.1.128.0/17`"


def test_a_p2s_pool_inside_its_own_vnet_and_a_site_overlapping_its_vnet_are_critical() -> None:
    g = gw("gw-a", "vn-a", "eastus", ("10.1.200.0/24",))
    site = lng("lng-branch", "eastus", "10.1.5.0/24")
    a = vnet("vn-a", "eastus", "10.1.0.0/16")
    found = topology.overlaps(
        EstateIndex(vnets=(a,), gateways=(g,), local_gateways=(site,), connections=(s2s("to-branch", g, site),))
    )
    titles = {f.title: f for f in found}
    pool = titles["VNet `vn-a` `10.1.0.0/16` overlaps point-to-site pool of `gw-a` `10.1.200.0/24`"]
    assert pool.severity == "critical" and "client pool" in pool.next_step
    site_f = titles["VNet `vn-a` `10.1.0.0/16` overlaps local network gateway `lng-branch` `10.1.5.0/24`"]
    assert site_f.severity == "critical" and site_f.doc_url.endswith("tutorial-site-to-site-portal")


def test_overlap_through_another_vnet_is_a_warning() -> None:
    a = vnet("vn-a", "eastus", "10.1.0.0/16", peerings=[peer("vn-a", "vn-hub")])
    hub = vnet("vn-hub", "eastus", "10.0.0.0/16", peerings=[peer("vn-hub", "vn-a"), peer("vn-hub", "vn-b")])
    b = vnet("vn-b", "eastus", "10.1.0.0/24", peerings=[peer("vn-b", "vn-hub")])
    f = one(topology.overlaps(EstateIndex(vnets=(a, hub, b))), "topology:overlap:")
    assert f.severity == "warning" and "joined through other networks" in f.evidence


def test_unconnected_overlaps_are_listed_together_as_info() -> None:
    vnets = tuple(vnet(f"vn-dev{i}", "eastus", "10.0.0.0/16") for i in range(12))
    found = topology.overlaps(EstateIndex(vnets=vnets))
    assert len(found) == 1
    f = found[0]
    assert f.severity == "info" and f.title == "66 pairs of unconnected networks overlap"
    assert "…and 58 more pairs" in f.evidence


def test_a_site_that_stands_for_another_azure_vnet_is_not_an_overlap() -> None:
    ga, gb = gw("gw-a", "vn-a", "eastus"), gw("gw-b", "vn-b", "westus")
    site_b = lng("lng-vn-b", "eastus", "10.2.0.0/16")
    a, b = vnet("vn-a", "eastus", "10.1.0.0/16"), vnet("vn-b", "westus", "10.2.0.0/16")
    found = topology.overlaps(
        EstateIndex(vnets=(a, b), gateways=(ga, gb), local_gateways=(site_b,), connections=(s2s("a-b", ga, site_b),))
    )
    assert found == []


def test_no_overlap_no_finding() -> None:
    facts, _ = two_regions_both_attempts()
    assert topology.overlaps(facts) == []


# --- the design options -----------------------------------------------------------------------------


def test_the_seed_situation_yields_three_options_with_this_estates_changes() -> None:
    facts, checks = two_regions_both_attempts()
    s = topology.multi_region(facts)
    assert s is not None and [site.label for site in s.sites] == ["West Europe", "Japan East"]
    assert s.hub is not None and s.hub.name == "vn-ams"
    assert topology.design_matters(s, topology.assess(facts))
    hub, per_region, vwan = topology.design_options(
        s, facts, checks, {rid_key(nid("virtualNetworkGateways", "gw-tyo")): 4}
    )
    assert [o.key for o in (hub, per_region, vwan)] == ["hub_spoke", "gateway_per_region", "virtual_wan"]
    hub_text = "\n".join(hub.changes)
    assert "keep `gw-ams`; delete `gw-tyo`" in hub_text and "the client pool `172.21.0.0/24` goes with it" in hub_text
    assert "delete the VNet-to-VNet connections `ams-tyo`, `tyo-ams`" in hub_text
    assert "/vpn peering vn-tyo/vn-tyo-to-vn-ams useRemoteGateways on" in hub_text
    assert "Japan East → West Europe and back" in hub.users
    assert "Users of `gw-tyo` download `gw-ams`'s profile (4 clients connected now)" in hub.profiles
    pr_text = "\n".join(per_region.changes)
    assert "give `ams-tyo` and `tyo-ams` the same shared key" in pr_text
    assert "turn BGP on for `tyo-ams`" in pr_text
    assert "`gw-ams` → `10.60.0.0/16`" in pr_text and "`gw-tyo` → `10.50.0.0/16`" in pr_text
    assert "(2 in all)" in pr_text and per_region.current
    vw_text = "\n".join(vwan.changes)
    assert "West Europe, Japan East" in vw_text and "`gw-ams`, `gw-tyo`" in vw_text
    assert "/24" in vw_text and "global" in vwan.profiles
    for o in (hub, per_region, vwan):
        assert len(o.cells) == len(topology.OPTION_ROWS)
        assert "$" not in " ".join(o.changes) and "€" not in " ".join(o.changes)  # no invented prices


def test_three_regions_need_six_connections_and_missing_halves_are_named() -> None:
    g = {
        r: gw(f"gw-{r}", f"vn-{r}", loc, (f"172.{n}.0.0/24",), asn=65000 + n)
        for n, (r, loc) in enumerate([("a", "eastus"), ("b", "westeurope"), ("c", "japaneast")], start=1)
    }
    vnets = tuple(vnet(f"vn-{r}", g[r].location, f"10.{n}.0.0/16") for n, r in enumerate("abc", start=1))
    conns = (
        v2v("a-b", g["a"], g["b"], enable_bgp=True),
        v2v("b-a", g["b"], g["a"], enable_bgp=True),
        v2v("b-c", g["b"], g["c"], enable_bgp=True),
    )
    facts = EstateIndex(vnets=vnets, gateways=tuple(g.values()), connections=conns)
    s = topology.multi_region(facts)
    assert s is not None and len(s.sites) == 3
    per_region = topology.design_options(s, facts)[1]
    text = "\n".join(per_region.changes)
    assert "(6 in all)" in text
    assert "`a-b`, `b-a` in place" in text
    assert "create `gw-c` → `gw-b`" in text and "create `gw-a` → `gw-c`" in text and "create `gw-c` → `gw-a`" in text


def test_a_far_spoke_yields_options_with_hub_and_spoke_as_the_current_design() -> None:
    facts = far_spoke()
    s = topology.multi_region(facts)
    assert s is not None
    assert topology.design_matters(s, topology.assess(facts))
    hub, per_region, _ = topology.design_options(s, facts)
    assert hub.current and not per_region.current
    assert "Gateways: `gw-hub` only, as now" in hub.changes
    assert "add a VPN gateway with point-to-site in `vn-spoke` (Australia East)" in per_region.changes[0]
    assert "/vpn peering vn-spoke/vn-spoke-to-vn-hub useRemoteGateways off" in per_region.changes[0]


def test_no_options_for_one_region_or_without_vpn_users() -> None:
    assert topology.multi_region(far_spoke("westeurope")) is None
    no_p2s = EstateIndex(
        vnets=far_spoke().vnets,
        gateways=(gw("gw-hub", "vn-hub", "westeurope"),),
    )
    assert topology.multi_region(no_p2s) is None


def test_a_mild_detour_alone_does_not_call_for_a_redesign() -> None:
    facts = far_spoke("uksouth")
    s = topology.multi_region(facts)
    assert s is not None
    assert not topology.design_matters(s, topology.assess(facts))


def test_assess_ranks_and_scopes() -> None:
    facts, _ = two_regions_both_attempts()
    found = topology.assess(facts)
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=["critical", "warning", "info", "ok"].index)
    assert topology.assess(facts, in_scope=lambda v: False) == []
