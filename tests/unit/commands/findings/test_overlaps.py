"""Overlapping address spaces, ranked by how the networks are joined."""

from __future__ import annotations

from commands.core.estate import EstateIndex
from commands.findings.overlaps import overlaps
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
