"""bot.arm.convert.nics: network interfaces and effective routes, through the SDK's models."""

from __future__ import annotations

from azure.mgmt.network import models as net

from bot.arm import convert
from tests.unit.bot.arm.convert.published import body


def test_network_interface_ips_subnets_and_vm() -> None:
    nic = convert.network_interface(
        net.NetworkInterface(
            {
                "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic1",
                "name": "nic1",
                "location": "northeurope",
                "properties": {
                    "virtualMachine": {
                        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
                    },
                    "ipConfigurations": [
                        {
                            "name": "ipconfig1",
                            "properties": {
                                "privateIPAddress": "10.0.1.4",
                                "subnet": {
                                    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1/subnets/a"
                                },
                            },
                        }
                    ],
                },
            }
        )
    )
    assert nic.private_ips == ("10.0.1.4",)
    assert nic.vm_id.endswith("/virtualMachines/vm1")
    assert nic.vnet_ids == ("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1",)


def test_effective_routes_with_empty_next_hop_list() -> None:
    routes = convert.effective_routes(
        net.EffectiveRouteListResult(body("arm/NetworkInterfaceEffectiveRouteTableList.json"))
    )
    assert len(routes) == 6
    assert routes[0].address_prefixes == ("172.20.2.0/24",)
    assert routes[0].next_hop_type == "VnetLocal"
    assert all(r.next_hop_ips == () for r in routes)
    assert {r.source for r in routes} == {"Default"} and {r.state for r in routes} == {"Active"}
    assert [r.next_hop_type for r in routes].count("None") == 4


NIC_EXAMPLE = (
    "specs/specification/network/resource-manager/Microsoft.Network/stable/2025-03-01/examples/NetworkInterfaceGet.json"
)


def test_a_prefix_ipconfig_is_read_as_the_prefix_it_is_not_as_an_address() -> None:
    # The published NetworkInterfaces_Get example: ipconfig1 holds 172.20.2.4, ipconfig2 the
    # block 172.20.2.16/28 (privateIPAddressPrefixLength 28).
    nic = convert.network_interface(net.NetworkInterface(body(NIC_EXAMPLE)))
    assert nic.private_ips == ("172.20.2.4",)
    assert nic.private_prefixes == ("172.20.2.16/28",)


def test_a_prefix_length_without_a_slash_in_the_address_still_makes_a_prefix() -> None:
    nic = convert.network_interface(
        {
            "id": "/x/nic",
            "properties": {
                "ipConfigurations": [
                    {"properties": {"privateIPAddress": "10.0.0.37", "privateIPAddressPrefixLength": 28}}
                ]
            },
        }
    )
    assert nic.private_ips == () and nic.private_prefixes == ("10.0.0.32/28",)
