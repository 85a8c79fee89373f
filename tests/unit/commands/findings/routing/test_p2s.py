"""What a point-to-site client is handed, compared with what its log shows, and which gateway served it."""

from __future__ import annotations

import dataclasses

from commands.core.model import rid_key
from commands.findings.routing.p2s import compare_client_routes, match_gateway, p2s_plan
from tests.unit.commands.routes.estates import RG, facts_of, gateway, gw_id, hub_spoke, seed_transit, seed_v2v


def test_p2s_plan_follows_the_transit_rules() -> None:
    az = hub_spoke(spoke2_uses_gateway=False)
    gw = az.gws[rid_key(gw_id("vgw-hub"))]
    plan = p2s_plan(gw, facts_of(az))
    given = {e.prefix: e for e in plan if e.certainty != "never"}
    assert "10.10.0.0/16" in given and "10.11.0.0/16" in given
    assert "10.12.0.0/16" not in given
    assert "uses its gateway" in given["10.11.0.0/16"].why
    branch = given["192.168.50.0/24"]
    assert branch.certainty == "maybe" and "static" in branch.why
    never = [e for e in plan if e.certainty == "never"]
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
