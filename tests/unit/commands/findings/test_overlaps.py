"""Overlapping address spaces, ranked by how the networks are joined."""

from __future__ import annotations

from dataclasses import replace

from commands.core.estate import EstateIndex
from commands.core.model import NatRule
from commands.findings.overlaps import overlaps
from commands.findings.routing.nat import seen_through, site_prefixes
from tests.unit.commands.findings.topology_support import gw, lng, one, peer, s2s, two_regions_both_attempts, vnet


def test_peered_vnets_that_overlap_are_critical() -> None:
    a = vnet("vn-a", "eastus", "10.1.0.0/16", peerings=[peer("vn-a", "vn-b")])
    b = vnet("vn-b", "eastus", "10.1.128.0/17", peerings=[peer("vn-b", "vn-a")])
    f = one(overlaps(EstateIndex(vnets=(a, b))), "topology:overlap:")
    assert f.severity == "critical"
    assert str(f.title) == "VNet `vn-a` `10.1.0.0/16` overlaps VNet `vn-b` `10.1.128.0/17`"


def test_a_p2s_pool_inside_its_own_vnet_and_a_site_overlapping_its_vnet_are_critical() -> None:
    g = gw("gw-a", "vn-a", "eastus", ("10.1.200.0/24",))
    site = lng("lng-branch", "eastus", "10.1.5.0/24")
    a = vnet("vn-a", "eastus", "10.1.0.0/16")
    found = overlaps(
        EstateIndex(vnets=(a,), gateways=(g,), local_gateways=(site,), connections=(s2s("to-branch", g, site),))
    )
    titles = {str(f.title): f for f in found}
    pool = titles["VNet `vn-a` `10.1.0.0/16` overlaps point-to-site pool of `gw-a` `10.1.200.0/24`"]
    assert pool.severity == "critical" and "client pool" in pool.next_step
    site_f = titles["VNet `vn-a` `10.1.0.0/16` overlaps local network gateway `lng-branch` `10.1.5.0/24`"]
    assert site_f.severity == "critical" and site_f.doc_url.endswith("tutorial-site-to-site-portal")


def test_overlap_through_another_vnet_is_a_warning() -> None:
    a = vnet("vn-a", "eastus", "10.1.0.0/16", peerings=[peer("vn-a", "vn-hub")])
    hub = vnet("vn-hub", "eastus", "10.0.0.0/16", peerings=[peer("vn-hub", "vn-a"), peer("vn-hub", "vn-b")])
    b = vnet("vn-b", "eastus", "10.1.0.0/24", peerings=[peer("vn-b", "vn-hub")])
    f = one(overlaps(EstateIndex(vnets=(a, hub, b))), "topology:overlap:")
    assert f.severity == "warning" and "joined through other networks" in f.evidence


def test_unconnected_overlaps_are_listed_together_as_info() -> None:
    vnets = tuple(vnet(f"vn-dev{i}", "eastus", "10.0.0.0/16") for i in range(12))
    found = overlaps(EstateIndex(vnets=vnets))
    assert len(found) == 1
    f = found[0]
    assert f.severity == "info" and f.title == "66 pairs of unconnected networks overlap"
    assert "…and 58 more pairs" in f.evidence


def test_a_site_that_stands_for_another_azure_vnet_is_not_an_overlap() -> None:
    ga, gb = gw("gw-a", "vn-a", "eastus"), gw("gw-b", "vn-b", "westus")
    site_b = lng("lng-vn-b", "eastus", "10.2.0.0/16")
    a, b = vnet("vn-a", "eastus", "10.1.0.0/16"), vnet("vn-b", "westus", "10.2.0.0/16")
    found = overlaps(
        EstateIndex(vnets=(a, b), gateways=(ga, gb), local_gateways=(site_b,), connections=(s2s("a-b", ga, site_b),))
    )
    assert found == []


def test_no_overlap_no_finding() -> None:
    facts, _ = two_regions_both_attempts()
    assert overlaps(facts) == []


def _nat_estate(ingress: bool) -> EstateIndex:
    """nat-howto's topology: the VNet and two branches all on 10.0.1.0/24; EgressSnat shows
    the VNet to the branches as 100.0.1.0/24, IngressSnat shows Branch1 and Branch2 to Azure
    as 100.0.2.0/24 and 100.0.3.0/24 (https://learn.microsoft.com/azure/vpn-gateway/nat-howto)."""
    g = gw("gw-nat", "vn-nat", "eastus")
    rules = (
        NatRule(g.id + "/natRules/VNet", "VNet", "EgressSnat", "Static", ("10.0.1.0/24",), ("100.0.1.0/24",)),
        NatRule(g.id + "/natRules/Branch1", "Branch1", "IngressSnat", "Static", ("10.0.1.0/24",), ("100.0.2.0/24",)),
        NatRule(g.id + "/natRules/Branch2", "Branch2", "IngressSnat", "Static", ("10.0.1.0/24",), ("100.0.3.0/24",)),
    )
    g = replace(g, nat_rules=rules)
    b1, b2 = lng("lng-branch1", "eastus", "10.0.1.0/24"), lng("lng-branch2", "eastus", "10.0.1.0/24")
    conns = tuple(
        s2s(
            f"to-{b.name}",
            g,
            b,
            ingress_nat_rule_ids=(rules[i].id,) if ingress else (),
            egress_nat_rule_ids=(rules[0].id,),
        )
        for i, b in ((1, b1), (2, b2))
    )
    return EstateIndex(
        vnets=(vnet("vn-nat", "eastus", "10.0.1.0/24"),), gateways=(g,), local_gateways=(b1, b2), connections=conns
    )


def test_sites_translated_by_ingress_snat_do_not_overlap_the_vnet_or_each_other() -> None:
    # NAT exists to join networks whose addresses overlap (nat-overview): Azure sees each
    # branch at its IngressSnat external mapping, so nothing overlaps.
    assert overlaps(_nat_estate(ingress=True)) == []
    facts = _nat_estate(ingress=True)
    assert site_prefixes(facts, facts.local_gateways[0]) == ("100.0.2.0/24",)


def test_without_ingress_snat_the_same_sites_overlap_the_vnet() -> None:
    # EgressSnat alone only changes how the branches see the VNet: Azure still sees the
    # branches at 10.0.1.0/24, inside its own VNet, and keeps that traffic local.
    found = overlaps(_nat_estate(ingress=False))
    titles = {str(f.title) for f in found if f.severity == "critical"}
    assert "VNet `vn-nat` `10.0.1.0/24` overlaps local network gateway `lng-branch1` `10.0.1.0/24`" in titles


def test_static_nat_keeps_the_offset_inside_the_mapping() -> None:
    rule = NatRule("r", "r", "IngressSnat", "Static", ("10.0.0.0/16",), ("100.64.0.0/16",))
    assert seen_through(["10.0.5.0/24", "192.168.1.0/24"], [rule]) == ("100.64.5.0/24", "192.168.1.0/24")
    dynamic = replace(rule, rule_type="Dynamic", external=("100.64.9.0/28",))
    assert seen_through(["10.0.5.0/24"], [dynamic]) == ("100.64.9.0/28",)
