"""`/vpn peering <vnet>/<peering> sync` end to end (the SDK's peering PUT with
`?syncRemoteAddressSpace=true` and If-Match against the ARM emulator).

Expectations from "Update the address space for a peered virtual network"
(https://learn.microsoft.com/azure/virtual-network/update-virtual-network-peering-address-space):
after a peered VNet's address space changes, the peering shows LocalNotInSync until it is
synced; the sync takes the remote VNet's new address space (example VirtualNetworkPeeringSync)."""

from __future__ import annotations

from bot.console.app import Console
from tests.e2e.commands.actions.conftest import run

SUB = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups"
VNET_AUE = f"{SUB}/rg-vpn-aue/providers/Microsoft.Network/virtualNetworks/vnet-aue"
PEERING = (
    f"{SUB}/rg-vpn-eun/providers/Microsoft.Network/virtualNetworks/vnet-eun/virtualNetworkPeerings/peer-eun-to-aue"
)


def _peering(console: Console) -> dict[str, object]:
    doc = console.arm.resource(PEERING)
    assert doc is not None
    return dict(doc["properties"])


def _out_of_sync(console: Console) -> None:
    console.arm.change_resource(VNET_AUE, {"properties.addressSpace.addressPrefixes": ["10.1.0.0/16", "10.2.0.0/16"]})
    console.arm.change_resource(PEERING, {"properties.peeringSyncLevel": "LocalNotInSync"})


def test_a_peering_in_sync_has_nothing_to_sync(console: Console) -> None:
    text = run(console, "/vpn peering vnet-eun/peer-eun-to-aue sync reason: x")
    assert "Not filed" in text and "Nothing to sync" in text and "FullyInSync" in text


def test_sync_takes_the_remote_address_space_after_approval(console: Console) -> None:
    _out_of_sync(console)
    text = run(console, "/vpn peering vnet-eun/peer-eun-to-aue sync reason: new prefix in Australia")
    assert "Peering sync #1: vnet-eun/peer-eun-to-aue" in text and "LocalNotInSync" in text
    assert "10.1.0.0/16, 10.2.0.0/16" in text and "Not revertible:" in text
    text = run(console, "/as U_BOB", "/approve 1")
    assert "Request #1 done: sync peering vnet-eun/peer-eun-to-aue" in text
    props = _peering(console)
    assert props["peeringSyncLevel"] == "FullyInSync"
    assert props["remoteAddressSpace"] == {"addressPrefixes": ["10.1.0.0/16", "10.2.0.0/16"]}
    puts = [r for r in console.arm.requests if r.method == "PUT" and r.path.endswith("/peer-eun-to-aue")]
    assert len(puts) == 1 and "syncRemoteAddressSpace=true" in puts[0].query and puts[0].if_match


def test_a_flag_change_does_not_sync_and_a_sync_waits_for_it(console: Console) -> None:
    _out_of_sync(console)
    assert "Peering change #1" in run(console, "/vpn peering vnet-eun/peer-eun-to-aue forwarded-traffic off reason: x")
    text = run(console, "/vpn peering vnet-eun/peer-eun-to-aue sync reason: y")
    assert "no second one was filed" in text  # one request per peering at a time
    run(console, "/as U_BOB", "/approve 1")
    assert _peering(console)["peeringSyncLevel"] == "LocalNotInSync"  # a plain PUT does not sync
    assert _peering(console)["remoteAddressSpace"] == {"addressPrefixes": ["10.1.0.0/16"]}
