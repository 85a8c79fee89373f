"""bot.arm.convert.vnets on Azure's published payloads: virtual networks and peerings.

Each payload of ../shared/fixtures/real goes through the SDK's own model first (the hybrid
models take the REST JSON as their constructor argument, exactly what the operations do with a
response body), then through the converter. Tests skip with a reason when ../shared is absent.
"""

from __future__ import annotations

import pytest
from azure.mgmt.network import models as net

from bot.arm import convert
from tests.unit.bot.arm.convert.published import body


def test_virtual_network_get_with_subnet_and_no_peerings() -> None:
    v = convert.virtual_network(net.VirtualNetwork(body("arm/VirtualNetworkGet.json")))
    assert v.name == "test-vnet" and v.location == "westus"
    assert v.address_prefixes == ("10.0.0.0/16",)
    assert [(s.name, s.address_prefixes) for s in v.subnets] == [("subnet1", ("10.0.1.0/24",))]
    assert v.peerings == () and v.dns_servers == ()


def test_virtual_network_list_reads_custom_dns_servers() -> None:
    page = body("arm/VirtualNetworkList.json")
    vnets = [convert.virtual_network(net.VirtualNetwork(v)) for v in page["value"]]
    assert [v.dns_servers for v in vnets] == [(), ("8.8.8.8",)]
    assert vnets[1].subnets == ()


def test_peering_get_state_flags_and_remote_space() -> None:
    p = convert.peering(net.VirtualNetworkPeering(body("arm/VirtualNetworkPeeringGet.json")))
    assert p.name == "peer"
    assert p.vnet_id == "/subscriptions/subid/resourceGroups/peerTest/providers/Microsoft.Network/virtualNetworks/vnet1"
    assert p.remote_vnet_id.endswith("/virtualNetworks/vnet2")
    assert p.remote_address_prefixes == ("12.0.0.0/8",)
    assert (p.state, p.sync_level) == ("Initiated", "FullyInSync")
    assert p.allow_virtual_network_access and p.allow_forwarded_traffic
    assert not p.allow_gateway_transit and not p.use_remote_gateways
    assert p.flag("allowForwardedTraffic") is True


def test_peering_list_names_two_peerings_both_called_peer_by_their_ids() -> None:
    page = body("arm/VirtualNetworkPeeringList.json")
    assert [v["name"] for v in page["value"]] == ["peer", "peer"]  # as published
    peerings = [convert.peering(net.VirtualNetworkPeering(v)) for v in page["value"]]
    # ARM addresses a resource by its id: the second is `…/virtualNetworkPeerings/peer2`.
    assert [p.name for p in peerings] == ["peer", "peer2"]
    assert len({p.id for p in peerings}) == 2
    assert [p.remote_address_prefixes for p in peerings] == [("12.0.0.0/8",), ("13.0.0.0/8",)]


@pytest.mark.parametrize(
    "fixture",
    [
        "arm/VirtualNetworkPeeringCreate.json",
        "arm/VirtualNetworkPeeringCreateWithRemoteVirtualNetworkEncryption.json",
        "arm/VirtualNetworkPeeringSync.json",
    ],
)
@pytest.mark.parametrize("status", ["200", "201"])
def test_peering_put_responses_convert(fixture: str, status: str) -> None:
    p = convert.peering(net.VirtualNetworkPeering(body(fixture, status)))
    assert p.name == "peer" and p.state == "Initiated"
    assert p.allow_forwarded_traffic is True and p.allow_gateway_transit is False
    assert p.vnet_id.endswith("/virtualNetworks/vnet1")


def test_peering_flags_set_on_the_sdk_model_reach_the_put_body() -> None:
    # update_peering sets flags by attribute on the GET result, then PUTs it: the
    # attribute names of PEERING_FLAGS must be the SDK's flattened property names.
    from commands.core.model import PEERING_FLAGS

    model = net.VirtualNetworkPeering(body("arm/VirtualNetworkPeeringGet.json"))
    for attr in PEERING_FLAGS.values():
        setattr(model, attr, True)
    sent = convert.wire(model)["properties"]
    assert all(sent[arm] is True for arm in PEERING_FLAGS)
    assert convert.peering(model).use_remote_gateways is True


def test_virtual_network_keeps_its_provisioning_state() -> None:
    v = convert.virtual_network(net.VirtualNetwork(body("arm/VirtualNetworkGet.json")))
    assert v.provisioning_state == "Succeeded"


# An effective connectivity configuration as Get-AzNetworkManagerEffectiveConnectivityConfiguration
# documents it (no published example of the REST call is in ../shared): booleans travel as the
# strings "True" / "False".
HUB = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub"
NM = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/TestNMName"
EFFECTIVE = {
    "id": f"{NM}/connectivityConfigurations/TestConn",
    "properties": {
        "description": "",
        "connectivityTopology": "HubAndSpoke",
        "hubs": [{"resourceId": HUB, "resourceType": "Microsoft.Network/virtualNetworks"}],
        "isGlobal": "False",
        "appliesToGroups": [
            {"networkGroupId": f"{NM}/networkGroups/testNG", "useHubGateway": "False", "isGlobal": "True"}
        ],
        "provisioningState": "Succeeded",
        "deleteExistingPeering": "True",
    },
    "configurationGroups": [{"id": f"{NM}/networkGroups/testNG"}],
}


def test_effective_connectivity_configuration_converts_through_the_sdk_model() -> None:
    c = convert.connectivity_configuration(net.EffectiveConnectivityConfiguration(EFFECTIVE))
    assert (c.name, c.manager, c.topology) == ("TestConn", "TestNMName", "HubAndSpoke")
    assert c.hub_ids == (HUB,) and c.group_ids == (f"{NM}/networkGroups/testNG",)
    assert c.use_hub_gateway is False and c.delete_existing_peering is True


def test_effective_connectivity_configuration_of_odd_shapes_never_raises() -> None:
    c = convert.connectivity_configuration({"id": None, "properties": {"hubs": "x", "appliesToGroups": [None]}})
    assert (c.id, c.topology, c.hub_ids, c.use_hub_gateway) == ("", "", (), False)
