"""The design options when VNets in several regions are joined for VPN users, on small
estates invented here (not the seed)."""

from __future__ import annotations

from commands.core.estate import EstateIndex
from commands.core.model import rid_key
from commands.findings import design, topology
from tests.unit.commands.findings.topology_support import far_spoke, gw, nid, two_regions_both_attempts, v2v, vnet


def test_the_seed_situation_yields_three_options_with_this_estates_changes() -> None:
    facts, checks = two_regions_both_attempts()
    s = design.multi_region(facts)
    assert s is not None and [site.label for site in s.sites] == ["West Europe", "Japan East"]
    assert s.hub is not None and s.hub.name == "vn-ams"
    assert design.design_matters(s, topology.assess(facts))
    hub, per_region, vwan = design.design_options(
        s, facts, checks, {rid_key(nid("virtualNetworkGateways", "gw-tyo")): 4}
    )
    assert [o.key for o in (hub, per_region, vwan)] == ["hub_spoke", "gateway_per_region", "virtual_wan"]
    hub_text = "\n".join(map(str, hub.changes))
    assert "keep `gw-ams`; delete `gw-tyo`" in hub_text and "the client pool `172.21.0.0/24` goes with it" in hub_text
    assert "delete the VNet-to-VNet connections `ams-tyo`, `tyo-ams`" in hub_text
    assert "/vpn peering vn-tyo/vn-tyo-to-vn-ams useRemoteGateways on" in hub_text
    assert "Japan East → West Europe and back" in hub.users
    assert "Users of `gw-tyo` download `gw-ams`'s profile (4 clients connected now)" in hub.profiles
    pr_text = "\n".join(map(str, per_region.changes))
    assert "give `ams-tyo` and `tyo-ams` the same shared key" in pr_text
    assert "turn BGP on for `tyo-ams`" in pr_text
    assert "`gw-ams` → `10.60.0.0/16`" in pr_text and "`gw-tyo` → `10.50.0.0/16`" in pr_text
    assert "(2 in all)" in pr_text and per_region.current
    vw_text = "\n".join(map(str, vwan.changes))
    assert "West Europe, Japan East" in vw_text and "`gw-ams`, `gw-tyo`" in vw_text
    assert "/24" in vw_text and "global" in vwan.profiles
    for o in (hub, per_region, vwan):
        assert len(o.cells) == len(design.OPTION_ROWS)
        assert "$" not in " ".join(map(str, o.changes)) and "€" not in " ".join(
            map(str, o.changes)
        )  # no invented prices


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
    s = design.multi_region(facts)
    assert s is not None and len(s.sites) == 3
    per_region = design.design_options(s, facts)[1]
    text = "\n".join(map(str, per_region.changes))
    assert "(6 in all)" in text
    assert "`a-b`, `b-a` in place" in text
    assert "create `gw-c` → `gw-b`" in text and "create `gw-a` → `gw-c`" in text and "create `gw-c` → `gw-a`" in text


def test_a_far_spoke_yields_options_with_hub_and_spoke_as_the_current_design() -> None:
    facts = far_spoke()
    s = design.multi_region(facts)
    assert s is not None
    assert design.design_matters(s, topology.assess(facts))
    hub, per_region, _ = design.design_options(s, facts)
    assert hub.current and not per_region.current
    assert "Gateways: `gw-hub` only, as now" in [str(c) for c in hub.changes]
    assert "add a VPN gateway with point-to-site in `vn-spoke` (Australia East)" in per_region.changes[0]
    assert "/vpn peering vn-spoke/vn-spoke-to-vn-hub useRemoteGateways off" in per_region.changes[0]


def test_no_options_for_one_region_or_without_vpn_users() -> None:
    assert design.multi_region(far_spoke("westeurope")) is None
    no_p2s = EstateIndex(
        vnets=far_spoke().vnets,
        gateways=(gw("gw-hub", "vn-hub", "westeurope"),),
    )
    assert design.multi_region(no_p2s) is None


def test_a_mild_detour_alone_does_not_call_for_a_redesign() -> None:
    facts = far_spoke("uksouth")
    s = design.multi_region(facts)
    assert s is not None
    assert not design.design_matters(s, topology.assess(facts))


def test_routes_to_hand_out_give_a_runnable_command_per_gateway_keeping_its_custom_routes() -> None:
    """`--custom-routes` replaces the gateway's list (az network vnet-gateway update): the command
    names the gateway and its group, keeps what is there, adds what is missing; a gateway that
    already hands everything out gets none."""
    import dataclasses

    a = dataclasses.replace(
        gw("gw-a", "vn-a", "eastus", ("172.1.0.0/24",), asn=65001), p2s_custom_routes=("192.168.9.0/24",)
    )
    b = dataclasses.replace(
        gw("gw-b", "vn-b", "japaneast", ("172.2.0.0/24",), asn=65002), p2s_custom_routes=("10.1.0.0/16",)
    )
    facts = EstateIndex(
        vnets=(vnet("vn-a", "eastus", "10.1.0.0/16"), vnet("vn-b", "japaneast", "10.2.0.0/16")),
        gateways=(a, b),
        connections=(v2v("a-b", a, b, enable_bgp=True), v2v("b-a", b, a, enable_bgp=True)),
    )
    s = design.multi_region(facts)
    assert s is not None
    text = "\n".join(map(str, design.design_options(s, facts)[1].changes))
    rg = nid("virtualNetworkGateways", "gw-a").split("/")[4]
    assert f"`az network vnet-gateway update -g {rg} -n gw-a --custom-routes 192.168.9.0/24 10.2.0.0/16`" in text
    assert "-n gw-b" not in text and "in place on `gw-b`" in text
    assert "…" not in text
