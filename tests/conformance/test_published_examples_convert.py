"""Every published example answer of an operation the bot calls goes through the bot's own
converter for it (bot/arm/convert), read first into the SDK's model as the bot reads it,
and keeps what the example says: each item's id and name.

The operations no definition here covers (tests/conformance/operations.py, `uncovered`)
have no published example in ../shared either; a test says so, so one that appears is fed
through its converter here instead of being missed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.arm import convert
from bot.arm.convert import netwatch as nwconvert
from tests.conformance.check import sdk_class, specs
from tests.conformance.examples import examples
from tests.conformance.operations import OPERATIONS
from tests.shared_fixtures import REAL, needs_shared

# operationId -> the converter the bot runs on one item of that answer.
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "VirtualNetworkGateways_List": convert.gateway,
    "VirtualNetworkGateways_Get": convert.gateway,
    "VirtualNetworkGateways_ListConnections": convert.connection,
    "VirtualNetworkGatewayConnections_List": convert.connection,
    "VirtualNetworkGatewayConnections_Get": convert.connection,
    "VirtualNetworkGatewayConnections_GetSharedKey": lambda m: convert.wire(m).get("value"),
    "VirtualNetworkGateways_GetBgpPeerStatus": convert.bgp_peers,
    "VirtualNetworkGateways_GetLearnedRoutes": convert.gateway_routes,
    "VirtualNetworkGateways_GetAdvertisedRoutes": convert.gateway_routes,
    "VirtualNetworkGateways_GetVpnclientConnectionHealth": convert.p2s_clients,
    "LocalNetworkGateways_List": convert.local_network_gateway,
    "VirtualNetworks_ListAll": convert.virtual_network,
    "VirtualNetworks_Get": convert.virtual_network,
    "VirtualNetworkPeerings_Get": convert.peering,
    "VirtualNetworkPeerings_CreateOrUpdate": convert.peering,
    "RouteTables_ListAll": convert.route_table,
    "NetworkInterfaces_ListAll": convert.network_interface,
    "NetworkInterfaces_Get": convert.network_interface,
    "NetworkInterfaces_GetEffectiveRouteTable": convert.effective_routes,
    "PrivateEndpoints_ListBySubscription": convert.private_endpoint,
    "PrivateDnsZoneGroups_List": convert.dns_zone_group,
    "PrivateZones_List": convert.private_dns_zone,
    "RecordSets_ListByType": convert.record_set,
    "VirtualNetworkLinks_List": convert.vnet_link,
    "Resources_List": convert.generic_resource,
    "Resources_GetById": convert.generic_resource,
    # 200 = string; the examples' bodies (a string, a bare array) are read by
    # tests/integration/bot/arm/test_ipsec.py, since the test below reads object bodies only.
    "VirtualNetworkGatewayConnections_GetIkeSas": convert.ike_sas,
    "VirtualNetworkGatewayNatRules_ListByVirtualNetworkGateway": lambda m: convert.nat_rules([convert.wire(m)])[0],
    # Network Watcher, effective security rules, a public IP (issue 19).
    "NetworkWatchers_ListAll": nwconvert.network_watcher,
    "NetworkWatchers_GetNextHop": nwconvert.next_hop,
    "NetworkWatchers_VerifyIPFlow": nwconvert.ip_flow,
    "NetworkWatchers_GetTroubleshooting": nwconvert.troubleshoot_result,
    "NetworkInterfaces_ListEffectiveNetworkSecurityGroups": nwconvert.effective_nsgs,
    "PublicIPAddresses_Get": nwconvert.public_ip,
    # The actions under approval (bot/arm/actions.py): what the bot keeps of each answer.
    "VirtualNetworkGateways_Reset": convert.gateway,
    "VirtualNetworkGatewayConnections_ResetConnection": lambda m: None,  # 202 only: no answer to read
    "VirtualNetworkGatewayConnections_CreateOrUpdate": convert.connection,
    "VirtualNetworkGatewayConnections_SetSharedKey": lambda m: None,  # the key echoed back is dropped unread
    "VirtualNetworkGateways_StartPacketCapture": str,  # a JSON string ({"Status", "Data"})
    "VirtualNetworkGateways_StopPacketCapture": str,
    "VirtualNetworkGatewayConnections_StartPacketCapture": str,
    "VirtualNetworkGatewayConnections_StopPacketCapture": str,
}


def _published() -> list[Any]:
    if not REAL.is_dir():
        return []
    rows = {r.operation_id for r in OPERATIONS if r.operation_id}
    return [e for e in examples(specs()) if e.operation.operation_id in rows]


def test_every_operation_of_the_table_has_its_converter_here() -> None:
    missing = sorted({r.operation_id for r in OPERATIONS if r.operation_id} - set(CONVERTERS))
    assert not missing, f"add the bot's converter for {missing}"


@needs_shared
@pytest.mark.parametrize("example", _published(), ids=lambda e: e.name)
def test_a_published_example_converts_and_keeps_ids_and_names(example: Any) -> None:
    op_id = example.operation.operation_id
    row = next(r for r in OPERATIONS if r.operation_id == op_id)
    for status, resp in example.body["responses"].items():
        body = resp.get("body")
        if not isinstance(body, dict) or not status.startswith("2"):
            continue
        cls = sdk_class(row)
        items = body.get("value", []) if row.page else [body]
        for item in items:
            got = CONVERTERS[op_id](cls(item))
            if isinstance(got, list):  # an action's result: one entry per item of its list
                assert len(got) == len(item.get("value") or []), f"{example.name}: {len(got)} converted"
            elif hasattr(got, "id") and item.get("id"):
                assert got.id == item["id"] and (not item.get("name") or got.name == item["name"]), example.name


@needs_shared
def test_no_published_example_exists_for_the_operations_no_definition_covers() -> None:
    names = {r.uncovered.split(":")[0] for r in OPERATIONS if r.uncovered and not r.operation_id}
    names |= {"Servers_Get", "ServerConnectionPolicies_Get"}
    found = []
    for f in REAL.resolve().rglob("*.json"):
        try:
            op = json.loads(f.read_text(encoding="utf-8")).get("operationId")
        except (ValueError, AttributeError):
            continue
        if op in names:
            found.append(f"{f.name}: {op}")
    assert not found, f"feed these through the bot's converters: {found}"
