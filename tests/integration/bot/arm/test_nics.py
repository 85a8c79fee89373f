"""bot.arm.nics: network interfaces and effective routes, on the seed estate (two regions, VNet-
to-VNet connections with one-way counters, SQL private endpoints, a private DNS zone linked to
one VNet), read by the real SDKs over loopback HTTP from the sandbox ARM emulator.
"""

from __future__ import annotations

from bot.arm.client import ArmClient
from tests.integration.bot.arm.support import (
    SUB,
)


def test_network_interfaces_and_effective_routes(client: ArmClient) -> None:
    nics = {n.name: n for n in client.network_interfaces(SUB)}
    vm_nic = nics["nic-vm-aue"]
    assert vm_nic.vm_id and vm_nic.private_ips == ("10.1.2.4",)
    assert client.network_interface(vm_nic.id).name == "nic-vm-aue"
    routes = client.effective_routes(vm_nic.id)
    assert any(r.address_prefixes == ("10.1.0.0/16",) and r.next_hop_type == "VnetLocal" for r in routes)
    assert all(isinstance(r.next_hop_ips, tuple) for r in routes)


def test_a_published_nic_with_a_prefix_ipconfig_through_the_sdk() -> None:
    from bot.arm.credentials import StaticTokenCredential
    from sandbox.arm_emulator import ArmEmulator
    from sandbox.estate import estate_from_examples
    from tests.shared_fixtures import real

    path = real(
        "specs/specification/network/resource-manager/Microsoft.Network/stable/2025-03-01/examples/NetworkInterfaceGet.json"
    )
    with (
        ArmEmulator(estate_from_examples([path])) as emu,
        ArmClient(StaticTokenCredential(), base_url=emu.base_url) as c,
    ):
        nic = c.network_interface(
            "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/test-nic"
        )
    assert nic.private_ips == ("172.20.2.4",) and nic.private_prefixes == ("172.20.2.16/28",)
