"""Virtual network peering writes in the ARM emulator behave as Azure's do: a new etag per
write, the long-running PUT, Azure's gateway-transit rules, both sides' states, and 403s."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from sandbox.arm_emulator import ArmEmulator
from tests.integration import arm_sdk as S
from tests.integration.sandbox.test_arm_emulator import raw

SUB = S.SEED_SUB
EUN, AUE = "rg-vpn-eun", "rg-vpn-aue"
VNET_EUN = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/virtualNetworks/vnet-eun"
VNET_AUE = f"/subscriptions/{SUB}/resourceGroups/{AUE}/providers/Microsoft.Network/virtualNetworks/vnet-aue"
GW_AUE = f"/subscriptions/{SUB}/resourceGroups/{AUE}/providers/Microsoft.Network/virtualNetworkGateways/vgw-aue"
PEER_AUE = f"{VNET_AUE}/virtualNetworkPeerings/peer-aue-to-eun"
PEER_EUN = f"{VNET_EUN}/virtualNetworkPeerings/peer-eun-to-aue"


def peering_body(remote: str, **flags: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "remoteVirtualNetwork": {"id": remote},
        "allowVirtualNetworkAccess": True,
        "allowForwardedTraffic": True,
        "allowGatewayTransit": False,
        "useRemoteGateways": False,
    }
    props.update(flags)
    return {"properties": props}


def update(net: Any, rg: str, vnet: str, name: str, **flags: bool) -> Any:
    """What the bot does: read the peering, change only the flags, PUT, wait for the LRO."""
    current = net.virtual_network_peerings.get(rg, vnet, name)
    for k, v in flags.items():
        setattr(current, k, v)
    return net.virtual_network_peerings.begin_create_or_update(rg, vnet, name, current).result()


def add_vnet(emu: ArmEmulator, rg: str, name: str, prefix: str) -> str:
    vid = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}"
    emu.put_resource(
        {
            "id": vid,
            "name": name,
            "type": "Microsoft.Network/virtualNetworks",
            "location": "northeurope",
            "properties": {"addressSpace": {"addressPrefixes": [prefix]}, "provisioningState": "Succeeded"},
        }
    )
    return vid


def test_flag_change_gets_a_new_etag_and_ends_succeeded(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    before = net.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue")
    result = update(net, EUN, "vnet-eun", "peer-eun-to-aue", allow_forwarded_traffic=False)
    assert result.allow_forwarded_traffic is False and result.allow_gateway_transit is True
    assert result.provisioning_state == "Succeeded"
    after = net.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue")
    assert after.etag != before.etag and after.etag == result.etag
    assert after.peering_state == "Connected"
    puts = [r for r in arm_emulator.requests if r.method == "PUT"]
    assert [r.status for r in puts] == [200]
    # the VNet's own GET embeds the new state
    assert net.virtual_networks.get(EUN, "vnet-eun").virtual_network_peerings[0].allow_forwarded_traffic is False


def test_put_answers_updating_with_async_operation_then_get_shows_succeeded(arm_emulator: ArmEmulator) -> None:
    path = PEER_EUN + "?api-version=2026-03-01"
    status, headers, body = raw(
        arm_emulator, "PUT", path, body=peering_body(VNET_AUE, allowGatewayTransit=True, allowForwardedTraffic=False)
    )
    assert status == 200
    assert body["properties"]["provisioningState"] == "Updating"
    assert headers["Azure-AsyncOperation"].startswith(arm_emulator.base_url) and "If-Match" not in headers
    assert raw(arm_emulator, "GET", path)[2]["properties"]["provisioningState"] == "Updating"
    assert raw(arm_emulator, "GET", path)[2]["properties"]["provisioningState"] == "Succeeded"
    assert raw(arm_emulator, "GET", headers["Azure-AsyncOperation"])[2] == {"status": "Succeeded"}


def test_every_write_has_a_new_etag_even_without_a_change(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    etags = {update(net, EUN, "vnet-eun", "peer-eun-to-aue").etag for _ in range(3)}
    assert len(etags) == 3


def test_use_remote_gateways_on_a_vnet_with_its_own_gateway_is_refused(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    before = net.virtual_network_peerings.get(AUE, "vnet-aue", "peer-aue-to-eun")
    with pytest.raises(HttpResponseError) as e:
        update(net, AUE, "vnet-aue", "peer-aue-to-eun", use_remote_gateways=True)
    assert e.value.status_code == 400
    assert e.value.error.code == "VirtualNetworkCannotUseRemoteGatewaysWhenItHasGateway"
    assert "vgw-aue" in e.value.error.message
    assert net.virtual_network_peerings.get(AUE, "vnet-aue", "peer-aue-to-eun").etag == before.etag


def test_use_remote_gateways_works_once_the_local_gateway_is_gone(arm_emulator: ArmEmulator) -> None:
    arm_emulator.remove_resource(GW_AUE)
    net = S.network(arm_emulator.base_url)
    result = update(net, AUE, "vnet-aue", "peer-aue-to-eun", use_remote_gateways=True)
    assert result.use_remote_gateways is True and result.provisioning_state == "Succeeded"


def test_use_remote_gateways_needs_allow_gateway_transit_on_the_remote_side(arm_emulator: ArmEmulator) -> None:
    arm_emulator.remove_resource(GW_AUE)
    net = S.network(arm_emulator.base_url)
    update(net, EUN, "vnet-eun", "peer-eun-to-aue", allow_gateway_transit=False)
    with pytest.raises(HttpResponseError) as e:
        update(net, AUE, "vnet-aue", "peer-aue-to-eun", use_remote_gateways=True)
    assert e.value.error.code == "RemotePeeringDoesNotAllowGatewayTransit"
    assert "AllowGatewayTransit flag set to false" in e.value.error.message


def test_use_remote_gateways_to_a_vnet_without_gateway_is_remote_vnet_has_no_gateways(
    arm_emulator: ArmEmulator,
) -> None:
    spoke_a = add_vnet(arm_emulator, EUN, "vnet-spoke-a", "10.20.0.0/16")
    spoke_b = add_vnet(arm_emulator, EUN, "vnet-spoke-b", "10.21.0.0/16")
    net = S.network(arm_emulator.base_url)
    net.virtual_network_peerings.begin_create_or_update(
        EUN, "vnet-spoke-b", "b-to-a", peering_body(spoke_a, allowGatewayTransit=True)
    ).result()
    with pytest.raises(HttpResponseError) as e:
        net.virtual_network_peerings.begin_create_or_update(
            EUN, "vnet-spoke-a", "a-to-b", peering_body(spoke_b, useRemoteGateways=True)
        ).result()
    assert e.value.status_code == 400 and e.value.error.code == "RemoteVnetHasNoGateways"
    assert "does not have any gateways" in e.value.error.message


def test_only_one_peering_of_a_vnet_may_use_remote_gateways(arm_emulator: ArmEmulator) -> None:
    arm_emulator.remove_resource(GW_AUE)
    net = S.network(arm_emulator.base_url)
    update(net, AUE, "vnet-aue", "peer-aue-to-eun", use_remote_gateways=True)
    hub2 = add_vnet(arm_emulator, EUN, "vnet-hub2", "10.30.0.0/16")
    hub2_gw = dict(arm_emulator.resource(GW_AUE.replace(AUE, EUN).replace("vgw-aue", "vgw-eun")) or {})
    hub2_gw["id"] = hub2_gw["id"].replace("vgw-eun", "vgw-hub2")
    hub2_gw["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"] = hub2 + "/subnets/GatewaySubnet"
    arm_emulator.put_resource(hub2_gw)
    net.virtual_network_peerings.begin_create_or_update(
        EUN, "vnet-hub2", "hub2-to-aue", peering_body(VNET_AUE, allowGatewayTransit=True)
    ).result()
    with pytest.raises(HttpResponseError) as e:
        net.virtual_network_peerings.begin_create_or_update(
            AUE, "vnet-aue", "aue-to-hub2", peering_body(hub2, useRemoteGateways=True)
        ).result()
    assert e.value.error.code == "AnotherPeeringAlreadyUsesRemoteGateways"
    assert "peer-aue-to-eun" in e.value.error.message


def test_creating_both_sides_connects_them_and_deleting_one_disconnects_the_other(arm_emulator: ArmEmulator) -> None:
    a = add_vnet(arm_emulator, EUN, "vnet-a", "10.40.0.0/16")
    b = add_vnet(arm_emulator, EUN, "vnet-b", "10.41.0.0/16")
    net = S.network(arm_emulator.base_url)
    first = net.virtual_network_peerings.begin_create_or_update(EUN, "vnet-a", "a-to-b", peering_body(b)).result()
    assert first.peering_state == "Initiated"
    assert first.remote_address_space.address_prefixes == ["10.41.0.0/16"]
    assert [r.status for r in arm_emulator.requests if r.method == "PUT"] == [201]
    etag_a = net.virtual_network_peerings.get(EUN, "vnet-a", "a-to-b").etag
    second = net.virtual_network_peerings.begin_create_or_update(EUN, "vnet-b", "b-to-a", peering_body(a)).result()
    assert second.peering_state == "Connected"
    side_a = net.virtual_network_peerings.get(EUN, "vnet-a", "a-to-b")
    assert side_a.peering_state == "Connected" and side_a.etag != etag_a
    net.virtual_network_peerings.begin_delete(EUN, "vnet-b", "b-to-a").result()
    assert net.virtual_network_peerings.get(EUN, "vnet-a", "a-to-b").peering_state == "Disconnected"
    assert [p.name for p in net.virtual_network_peerings.list(EUN, "vnet-b")] == []


def test_changing_the_remote_vnet_or_pointing_at_a_missing_one_is_refused(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    other = add_vnet(arm_emulator, EUN, "vnet-other", "10.50.0.0/16")
    with pytest.raises(HttpResponseError) as e:
        net.virtual_network_peerings.begin_create_or_update(
            EUN, "vnet-eun", "peer-eun-to-aue", peering_body(other)
        ).result()
    assert e.value.error.code == "ChangingRemoteVirtualNetworkNotAllowed"
    with pytest.raises(HttpResponseError) as e2:
        net.virtual_network_peerings.begin_create_or_update(
            EUN, "vnet-eun", "p-new", peering_body(other + "-gone")
        ).result()
    assert e2.value.error.code == "InvalidResourceReference"


def test_peering_write_denied_at_a_scope_is_403(arm_emulator: ArmEmulator) -> None:
    arm_emulator.deny(
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write", f"/subscriptions/{SUB}/resourceGroups/{AUE}"
    )
    net = S.network(arm_emulator.base_url)
    with pytest.raises(HttpResponseError) as e:
        update(net, AUE, "vnet-aue", "peer-aue-to-eun", allow_forwarded_traffic=False)
    assert e.value.status_code == 403
    update(net, EUN, "vnet-eun", "peer-eun-to-aue", allow_forwarded_traffic=False)  # other scope: allowed
