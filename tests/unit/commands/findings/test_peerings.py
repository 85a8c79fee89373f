"""Health findings for peerings: what is wrong with a peering as it is, from both sides."""

from __future__ import annotations

import dataclasses

from commands.core.model import PEERING_FLAGS
from commands.findings.peerings import SHORT_NAMES, health
from tests.fakes import FakeAzure
from tests.unit.commands.peering.peering_estate import estate, facts, keys, vnet_id


def test_short_names_cover_exactly_the_changeable_flags() -> None:
    assert set(SHORT_NAMES) == set(PEERING_FLAGS)


def test_health_reports_a_half_configured_peering() -> None:
    f = facts("vn-half", "half-to-hub")
    assert "peering_half_configured" in keys(health(f))


def test_health_explains_the_gateway_transit_trade_off_with_alternatives() -> None:
    az = estate()
    spoke = az.vnets[vnet_id("vn-far").lower()]
    # vn-far without its gateway, using the hub's: the seed problem's first setup.
    del az.gws[next(k for k in az.gws if k.endswith("gw-far"))]
    az.vnets[spoke.id.lower()] = dataclasses.replace(
        spoke, peerings=tuple(dataclasses.replace(p, use_remote_gateways=True) for p in spoke.peerings)
    )
    found = health(facts("vn-far", "far-to-hub", az))
    tradeoff = next(f for f in found if f.key.startswith("peering_transit_in_use"))
    assert "gw-hub" in tradeoff.evidence and "cross regions twice" in tradeoff.evidence
    assert "Virtual WAN" in tradeoff.next_step


def test_health_flags_a_remote_gateways_peering_whose_remote_lost_its_gateway() -> None:
    az = estate()
    spoke = az.vnets[vnet_id("vn-spoke").lower()]
    az.vnets[spoke.id.lower()] = dataclasses.replace(
        spoke, peerings=tuple(dataclasses.replace(p, use_remote_gateways=True) for p in spoke.peerings)
    )
    del az.gws[next(k for k in az.gws if k.endswith("gw-hub"))]
    found = health(facts("vn-spoke", "spoke-to-hub", az))
    assert "peering_remote_gw_missing" in keys(found)


def test_health_of_a_clean_pair_is_quiet() -> None:
    assert [f for f in health(facts("vn-hub", "hub-to-far")) if f.severity != "info"] == []


def _far_uses_the_hub(state: str) -> FakeAzure:
    az = estate()
    spoke = az.vnets[vnet_id("vn-far").lower()]
    del az.gws[next(k for k in az.gws if k.endswith("gw-far"))]
    az.vnets[spoke.id.lower()] = dataclasses.replace(
        spoke, peerings=tuple(dataclasses.replace(p, use_remote_gateways=True, state=state) for p in spoke.peerings)
    )
    return az


def test_a_disconnected_peering_is_not_said_to_use_the_hubs_gateway() -> None:
    # Only a peering Connected on both sides carries traffic (Azure's peering rules): a
    # Disconnected one uses no gateway, whatever its useRemoteGateways says.
    az = _far_uses_the_hub("Disconnected")
    found = keys(health(facts("vn-far", "far-to-hub", az)))
    assert "peering_disconnected" in found
    assert "peering_transit_in_use" not in found
