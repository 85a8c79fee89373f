"""bot.arm.netwatch: Network Watcher (watchers, next hop, IP flow verify) and a NIC's effective
security groups, through the real azure-mgmt-network over loopback HTTP to the emulator.

Expectations come from Microsoft's rules, not from the bot: NSG rules are processed by
priority and the first match decides, inbound subnet group then NIC group
(https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works); next
hop is the longest-prefix Active route
(https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview).
"""

from __future__ import annotations

import pytest

from bot.arm.client import ArmClient
from commands.core.errors import AzureFailure
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import RG_AUE, RG_EUN, SUB, make_client

NW_EUN = f"/subscriptions/{SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_northeurope"
VM_EUN = f"{RG_EUN}/providers/Microsoft.Compute/virtualMachines/vm-eun"
NIC_EUN = f"{RG_EUN}/providers/Microsoft.Network/networkInterfaces/nic-vm-eun"
NIC_AUE = f"{RG_AUE}/providers/Microsoft.Network/networkInterfaces/nic-vm-aue"


def test_network_watchers_are_listed_per_region(client: ArmClient) -> None:
    found = {w.location: w.name for w in client.network_watchers(SUB)}
    assert found == {"northeurope": "NetworkWatcher_northeurope", "australiaeast": "NetworkWatcher_australiaeast"}


def test_next_hop_is_the_longest_prefix_active_route(client: ArmClient) -> None:
    # 172.16.10.0/25 is the P2S pool, reached through the gateway (an Active route with two IPs).
    hop = client.next_hop(NW_EUN, VM_EUN, NIC_EUN, "10.0.2.4", "172.16.10.7")
    assert hop.next_hop_type == "VirtualNetworkGateway" and hop.next_hop_ip == "10.0.255.4"
    assert hop.route_table_id == "System Route"
    # 192.168.1.1 falls in Azure's default 192.168.0.0/16 → None (dropped).
    assert client.next_hop(NW_EUN, VM_EUN, NIC_EUN, "10.0.2.4", "192.168.1.1").next_hop_type == "None"


def test_ip_flow_verify_names_the_deciding_rule(client: ArmClient) -> None:
    ssh = client.verify_ip_flow(
        NW_EUN,
        VM_EUN,
        NIC_EUN,
        direction="Inbound",
        protocol="TCP",
        local_ip="10.0.2.4",
        local_port="22",
        remote_ip="172.16.10.9",
        remote_port="*",
    )
    assert (ssh.access, ssh.rule_name) == ("Allow", "securityRules/allow-ssh-from-vpn")
    rdp = client.verify_ip_flow(
        NW_EUN,
        VM_EUN,
        NIC_EUN,
        direction="Inbound",
        protocol="TCP",
        local_ip="10.0.2.4",
        local_port="3389",
        remote_ip="203.0.113.9",
        remote_port="*",
    )
    assert (rdp.access, rdp.rule_name) == ("Deny", "defaultSecurityRules/DenyAllInBound")


def test_effective_nsgs_keep_priorities_ranges_and_expanded_tags(client: ArmClient) -> None:
    (group,) = client.effective_nsgs(NIC_AUE)
    assert group.association == "subnet" and group.nsg_id.endswith("/nsg-snet-app-aue")
    vnet_out = next(r for r in group.rules if r.short_name == "AllowVnetOutBound")
    assert vnet_out.priority == 65000 and vnet_out.destination_prefixes == ("VirtualNetwork",)
    assert "10.0.0.0/16" in vnet_out.expanded_destination
    assert vnet_out.covers_address("10.0.1.4", source=False) is True


def test_a_watcher_in_the_wrong_place_is_a_clear_failure(client: ArmClient) -> None:
    missing = NW_EUN.replace("NetworkWatcher_northeurope", "NetworkWatcher_westus")
    with pytest.raises(AzureFailure) as e:
        client.next_hop(missing, VM_EUN, NIC_EUN, "10.0.2.4", "10.1.1.4")
    assert e.value.kind == "not_found"


def test_a_denied_action_is_forbidden(emu: ArmEmulator) -> None:
    emu.estate.denied.append(
        __import__("sandbox.arm.state", fromlist=["Deny"]).Deny("Microsoft.Network/networkWatchers/ipFlowVerify/action")
    )
    with make_client(emu) as c, pytest.raises(AzureFailure) as e:
        c.verify_ip_flow(
            NW_EUN,
            VM_EUN,
            NIC_EUN,
            direction="Outbound",
            protocol="TCP",
            local_ip="10.0.2.4",
            local_port="*",
            remote_ip="10.1.1.4",
            remote_port="1433",
        )
    assert e.value.kind == "forbidden" and e.value.code == "AuthorizationFailed"


def test_the_published_effective_nsg_example_converts() -> None:
    from bot.arm.credentials import StaticTokenCredential
    from sandbox.estate import estate_from_examples
    from tests.shared_fixtures import real

    path = real(
        "specs/specification/network/resource-manager/Microsoft.Network/stable/2025-03-01/examples/NetworkInterfaceEffectiveNSGList.json"
    )
    with (
        ArmEmulator(estate_from_examples([path])) as emu,
        ArmClient(StaticTokenCredential(), base_url=emu.base_url, poll_delay_scale=0.001) as c,
    ):
        groups = c.effective_nsgs(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic1"
        )
    (g,) = groups
    assert g.nsg_id.endswith("/test-nsg")
    rule1 = next(r for r in g.rules if r.short_name == "rule1")
    assert (rule1.priority, rule1.destination_ports, rule1.protocol) == (234, ("6579-6579",), "Tcp")
    assert rule1.covers_port(6579) and not rule1.covers_port(6580)
    internet = next(r for r in g.rules if r.short_name == "AllowInternetOutBound")
    assert "32.0.0.0/3" in internet.expanded_destination and internet.covers_address("33.1.1.1", source=False)
