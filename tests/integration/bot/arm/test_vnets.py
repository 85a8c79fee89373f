"""bot.arm.vnets: virtual networks, peerings and the peering update round trip, on the seed estate
(two regions, VNet-to-VNet connections with one-way counters, SQL private endpoints, a private
DNS zone linked to one VNet), read by the real SDKs over loopback HTTP from the sandbox ARM
emulator.
"""

from __future__ import annotations

import pytest

from bot.arm.client import ArmClient
from commands.core.errors import AzureFailure
from commands.core.model import rid_key
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import (
    PEER_AUE,
    PEER_EUN,
    SUB,
    failure_of,
    log_of,
)


def test_virtual_networks_with_subnets_and_peerings(client: ArmClient) -> None:
    vnets = {v.name: v for v in client.virtual_networks(SUB)}
    assert vnets["vnet-eun"].address_prefixes == ("10.0.0.0/16",)
    assert vnets["vnet-aue"].address_prefixes == ("10.1.0.0/16",)
    (peer,) = vnets["vnet-eun"].peerings
    assert peer.allow_gateway_transit is True and rid_key(peer.vnet_id) == rid_key(vnets["vnet-eun"].id)
    assert any(s.name == "GatewaySubnet" for s in vnets["vnet-eun"].subnets)
    one = client.virtual_network(vnets["vnet-aue"].id)
    assert one.name == "vnet-aue" and one.peerings[0].name == "peer-aue-to-eun"


def test_peering_update_round_trip_changes_only_the_given_flag(emu: ArmEmulator, client: ArmClient) -> None:
    before = client.peering(PEER_EUN)
    assert before.allow_forwarded_traffic is True and before.allow_gateway_transit is True
    after = client.update_peering(PEER_EUN, {"allowForwardedTraffic": False})
    assert after.allow_forwarded_traffic is False
    assert after.allow_gateway_transit is True  # untouched flags keep their value
    assert after.remote_vnet_id == before.remote_vnet_id
    assert after.etag != before.etag
    reread = client.peering(PEER_EUN)
    assert reread.allow_forwarded_traffic is False and reread.provisioning_state == "Succeeded"
    stored = emu.resource(PEER_EUN)
    assert stored is not None and stored["properties"]["allowForwardedTraffic"] is False
    puts = [r for r in log_of(emu) if r.method == "PUT"]
    assert len(puts) == 1 and puts[0].path.endswith("/virtualNetworkPeerings/peer-eun-to-aue")
    # Read-modify-write: a fresh GET right before the one PUT.
    methods = [r.method for r in log_of(emu) if r.path.endswith("peer-eun-to-aue")]
    assert methods.count("PUT") == 1 and methods[methods.index("PUT") - 1] == "GET"
    assert methods.index("PUT") >= 2  # not the GET of `before`: its own


def test_peering_update_refused_by_azure_keeps_arm_code(emu: ArmEmulator, client: ArmClient) -> None:
    # vnet-aue has its own gateway, so it cannot use the remote one.
    with pytest.raises(AzureFailure) as err:
        client.update_peering(PEER_AUE, {"useRemoteGateways": True})
    assert err.value.kind == "bad_request"
    assert err.value.code == "VirtualNetworkCannotUseRemoteGatewaysWhenItHasGateway"
    assert err.value.status == 400
    assert client.peering(PEER_AUE).use_remote_gateways is False


def test_unknown_peering_flag_is_refused_before_any_request(emu: ArmEmulator, client: ArmClient) -> None:
    emu.clear_requests()
    with pytest.raises(AzureFailure) as err:
        client.update_peering(PEER_EUN, {"allowEverything": True})
    assert err.value.kind == "bad_request" and "allowGatewayTransit" in err.value.message
    assert log_of(emu) == []


def test_peering_update_whose_operation_ends_failed_is_failed(emu: ArmEmulator, client: ArmClient) -> None:
    emu.add_fault("/virtualNetworkPeerings/", method="PUT", kind="lro_failed", code="InternalServerError")
    f = failure_of(lambda: client.update_peering(PEER_EUN, {"allowForwardedTraffic": False}))
    assert (f.kind, f.code) == ("failed", "InternalServerError")
    assert f.target == PEER_EUN
