"""The shipped estates are consistent ARM estates, and the emulator serves each by its own facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from sandbox.arm import ids
from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import ESTATES, load_estate
from tests.integration import arm_sdk as S

ESTATE_FILES = sorted(ESTATES.glob("*.json"))
HUB_SUB = "9b7e4a52-1c3d-4f8e-a6b0-2d5c7e9f1a34"

# Reference targets that are stored as resources (sub-resources such as ipConfigurations are
# embedded in their parent and are not checked).
STORED = {
    "microsoft.network/virtualnetworks",
    "microsoft.network/virtualnetworks/subnets",
    "microsoft.network/virtualnetworkgateways",
    "microsoft.network/localnetworkgateways",
    "microsoft.network/connections",
    "microsoft.network/publicipaddresses",
    "microsoft.network/networkinterfaces",
    "microsoft.network/privateendpoints",
    "microsoft.network/privatednszones",
    "microsoft.compute/virtualmachines",
    "microsoft.sql/servers",
}


def references(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("id", "privateDnsZoneId", "privateLinkServiceId") and isinstance(v, str):
                out.append(v)
            else:
                out += references(v)
    elif isinstance(node, list):
        for v in node:
            out += references(v)
    return out


@pytest.mark.parametrize("path", ESTATE_FILES, ids=[p.stem for p in ESTATE_FILES])
def test_shipped_estate_references_only_resources_it_has(path: Path) -> None:
    estate = load_estate(path)
    with ArmEmulator(estate) as emu:
        known = set(emu.estate.resources)
        for doc in estate["resources"]:
            for ref in references(doc.get("properties", {})):
                p = ids.parse(ref)
                if p is not None and p.type_key in STORED:
                    assert ids.key(ref) in known, f"{doc['id']} refers to {ref}, which the estate lacks"
        for key in estate.get("actions", {}):
            target = key.partition("?")[0].rsplit("/", 1)[0]
            assert ids.key(target) in known, f"action {key} names a resource the estate lacks"
        for key in list(estate.get("sharedKeys", {})) + list(estate.get("counterGrowth", {})):
            assert ids.key(key) in known, f"{key} names a connection the estate lacks"
        assert all(k not in str(estate["resources"]) for k in estate.get("sharedKeys", {}).values())


def test_hub_spoke_estate_spoke_uses_the_hub_gateway_and_one_tunnel_is_down() -> None:
    with ArmEmulator(load_estate(ESTATES / "hub-spoke.json")) as emu:
        net = S.network(emu.base_url, sub=HUB_SUB)
        spoke = net.virtual_network_peerings.get("rg-spoke", "vnet-spoke", "spoke-to-hub")
        assert spoke.use_remote_gateways is True and spoke.peering_state == "Connected"
        conn = net.virtual_network_gateway_connections.get("rg-hub", "cn-hub-to-onprem")
        assert [t.connection_status for t in conn.tunnel_connection_status] == ["Connected", "NotConnected"]
        assert [g.name for g in net.local_network_gateways.list("rg-hub")] == ["lgw-onprem"]
        resolver = S.dnsresolver(emu.base_url, sub=HUB_SUB)
        assert [
            e.ip_configurations[0].private_ip_address for e in resolver.inbound_endpoints.list("rg-hub", "dnspr-hub")
        ] == ["10.10.4.4"]
        peers = net.virtual_network_gateways.begin_get_bgp_peer_status("rg-hub", "vgw-hub", peer="192.168.0.1").result()
        assert sorted(p.state for p in peers.value) == ["Connected", "Connecting"]
        # the rules hold on any estate: remote gateways of a VNet that has none are refused
        emu.put_resource(
            {
                "id": f"/subscriptions/{HUB_SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub2",
                "name": "vnet-hub2",
                "type": "Microsoft.Network/virtualNetworks",
                "location": "westeurope",
                "properties": {"addressSpace": {"addressPrefixes": ["10.30.0.0/16"]}},
            }
        )
        body = {
            "properties": {
                "remoteVirtualNetwork": {
                    "id": f"/subscriptions/{HUB_SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub2"
                },
                "useRemoteGateways": True,
            }
        }
        with pytest.raises(HttpResponseError) as e:
            net.virtual_network_peerings.begin_create_or_update(
                "rg-spoke", "vnet-spoke", "spoke-to-hub2", body
            ).result()
        assert e.value.error.code == "RemoteVnetHasNoGateways"
