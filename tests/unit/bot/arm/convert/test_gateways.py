"""bot.arm.convert.gateways on Azure's published payloads: gateways, connections and the
gateway actions' results.

Each payload of ../shared/fixtures/real goes through the SDK's own model first (the hybrid
models take the REST JSON as their constructor argument, exactly what the operations do with a
response body), then through the converter. Tests skip with a reason when ../shared is absent.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.mgmt.network import models as net

from bot.arm import convert
from tests.unit.bot.arm.convert.published import body


def test_gateway_get_converts_bgp_sku_vnet_and_p2s() -> None:
    gw = convert.gateway(net.VirtualNetworkGateway(body("arm/VirtualNetworkGatewayGet.json")))
    assert gw.name == "vpngw"
    assert gw.location == "centralus"
    assert gw.gateway_type == "Vpn"
    assert gw.vpn_type == "RouteBased"
    assert gw.sku == "VpnGw1"
    assert gw.enable_bgp is False
    assert gw.active_active is False
    assert gw.bgp_asn == 65514
    # bgpPeeringAddress plus the per-IP-configuration default and APIPA addresses
    assert gw.bgp_peering_addresses == ("10.0.1.30", "10.3.1.254", "169.254.21.10")
    assert gw.vnet_id.endswith("/virtualNetworks/vnet1")
    assert gw.public_ip_ids == (
        "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/gwpip",
    )
    assert gw.p2s_protocols == ("OpenVPN",)
    assert gw.p2s_auth_types == ("Radius",)  # inferred from radiusServers: the payload has no vpnAuthenticationTypes
    assert gw.p2s_custom_routes == ("101.168.0.6/32",)
    assert gw.p2s_address_pool == () and not gw.serves_p2s
    assert gw.provisioning_state == "Succeeded"
    assert gw.etag.startswith('W/"')


def test_gateway_list_converts_each_gateway_of_the_page() -> None:
    page = body("arm/VirtualNetworkGatewayList.json")
    gws = [convert.gateway(net.VirtualNetworkGateway(v)) for v in page["value"]]
    assert [g.name for g in gws] == ["vpngw1", "vpngw2"]
    assert [g.vnet_id.rsplit("/", 1)[-1] for g in gws] == ["vnet1", "vnet2"]
    assert gws[0].p2s_protocols == () and gws[1].p2s_protocols == ("OpenVPN",)
    assert gws[1].bgp_peering_addresses == ("10.1.0.46",)


def test_active_active_comma_separated_bgp_peering_address_is_split() -> None:
    raw = copy.deepcopy(body("arm/VirtualNetworkGatewayGet.json"))
    raw["properties"]["activeActive"] = True
    raw["properties"]["bgpSettings"]["bgpPeeringAddress"] = "10.0.1.30,10.0.1.31"
    raw["properties"]["bgpSettings"]["bgpPeeringAddresses"] = []
    gw = convert.gateway(net.VirtualNetworkGateway(raw))
    assert gw.active_active is True
    assert gw.bgp_peering_addresses == ("10.0.1.30", "10.0.1.31")


def test_gateway_p2s_pool_and_declared_auth_types_are_read() -> None:
    raw = copy.deepcopy(body("arm/VirtualNetworkGatewayGet.json"))
    raw["properties"]["vpnClientConfiguration"]["vpnClientAddressPool"] = {"addressPrefixes": ["172.16.10.0/25"]}
    raw["properties"]["vpnClientConfiguration"]["vpnAuthenticationTypes"] = ["AAD", "Certificate"]
    gw = convert.gateway(net.VirtualNetworkGateway(raw))
    assert gw.p2s_address_pool == ("172.16.10.0/25",)
    assert gw.serves_p2s
    assert gw.p2s_auth_types == ("AAD", "Certificate")


def test_connection_get_has_status_type_protocol_and_both_ends() -> None:
    c = convert.connection(net.VirtualNetworkGatewayConnection(body("arm/VirtualNetworkGatewayConnectionGet.json")))
    assert c.name == "connS2S"
    assert c.status == "Connecting"
    assert c.connection_type == "IPsec"
    assert c.protocol == "IKEv2"
    assert (c.ingress_bytes, c.egress_bytes) == (0, 0)
    assert c.gateway1_id.endswith("/virtualNetworkGateways/vpngw")
    assert c.local_network_gateway_id.endswith("/localNetworkGateways/localgw")
    assert c.gateway2_id == ""
    assert c.enable_bgp is False
    assert c.tunnels == () and c.last_established is None


def test_connections_list_without_connection_status_reads_as_unknown() -> None:
    page = body("arm/VirtualNetworkGatewayConnectionsList.json")
    conns = [convert.connection(net.VirtualNetworkGatewayConnection(v)) for v in page["value"]]
    assert [c.name for c in conns] == ["conn1", "conn2"]
    assert [c.status for c in conns] == ["Unknown", "Unknown"]
    assert [c.protocol for c in conns] == ["IKEv1", "IKEv2"]
    assert [c.location for c in conns] == ["centralus", "eastus"]


def test_tunnel_status_and_last_established_in_iso_and_us_forms() -> None:
    raw = copy.deepcopy(body("arm/VirtualNetworkGatewayConnectionGet.json"))
    raw["properties"]["connectionStatus"] = "Connected"
    raw["properties"]["tunnelConnectionStatus"] = [
        {
            "tunnel": "vgw_52.1.1.1",
            "connectionStatus": "Connected",
            "ingressBytesTransferred": 1200,
            "egressBytesTransferred": 3400,
            "lastConnectionEstablishedUtcTime": "6/18/2020 3:53:46 PM",
        },
        {
            "tunnel": "vgw_52.1.1.2",
            "connectionStatus": "NotConnected",
            "ingressBytesTransferred": 0,
            "egressBytesTransferred": 0,
            "lastConnectionEstablishedUtcTime": "2020-06-19T01:02:03.1234567Z",
        },
    ]
    c = convert.connection(net.VirtualNetworkGatewayConnection(raw))
    assert [(t.name, t.status) for t in c.tunnels] == [("vgw_52.1.1.1", "Connected"), ("vgw_52.1.1.2", "NotConnected")]
    assert c.tunnels[0].ingress_bytes == 1200 and c.tunnels[0].egress_bytes == 3400
    assert c.tunnels[0].last_established == datetime(2020, 6, 18, 15, 53, 46, tzinfo=UTC)
    assert c.tunnels[1].last_established == datetime(2020, 6, 19, 1, 2, 3, 123456, tzinfo=UTC)
    assert c.last_established == c.tunnels[1].last_established  # the newest tunnel


@pytest.mark.parametrize(
    ("fixture", "model", "convert_fn"),
    [
        ("arm/VirtualNetworkGatewayLearnedRoutes.json", net.GatewayRouteListResult, convert.gateway_routes),
        ("arm/VirtualNetworkGatewayGetAdvertisedRoutes.json", net.GatewayRouteListResult, convert.gateway_routes),
        ("arm/VirtualNetworkGatewayGetBGPPeerStatus.json", net.BgpPeerStatusListResult, convert.bgp_peers),
    ],
)
def test_empty_object_action_result_converts_to_no_entries(fixture: str, model: Any, convert_fn: Any) -> None:
    raw = body(fixture)
    assert raw == {}
    assert convert_fn(model(raw)) == []


def test_learned_routes_and_bgp_peers_with_entries() -> None:
    routes = convert.gateway_routes(
        net.GatewayRouteListResult(
            {
                "value": [
                    {
                        "localAddress": "10.0.0.254",
                        "network": "10.1.0.0/16",
                        "nextHop": "10.1.0.254",
                        "sourcePeer": "10.1.0.254",
                        "origin": "EBgp",
                        "asPath": "65010",
                        "weight": 32768,
                    }
                ]
            }
        )
    )
    assert routes[0].network == "10.1.0.0/16" and routes[0].origin == "EBgp" and routes[0].weight == 32768
    peers = convert.bgp_peers(
        net.BgpPeerStatusListResult(
            {
                "value": [
                    {
                        "localAddress": "10.0.0.254",
                        "neighbor": "10.1.0.254",
                        "asn": 65010,
                        "state": "Connected",
                        "connectedDuration": "02:11:07.1234567",
                        "routesReceived": 2,
                        "messagesSent": 120,
                        "messagesReceived": 118,
                    }
                ]
            }
        )
    )
    assert peers[0].neighbor == "10.1.0.254" and peers[0].state == "Connected"
    assert (peers[0].asn, peers[0].routes_received, peers[0].messages_sent) == (65010, 2, 120)


def test_vpn_client_health_lists_clients_with_bytes_and_since() -> None:
    clients = convert.p2s_clients(
        net.VpnClientConnectionHealthDetailListResult(
            body("arm/VirtualNetworkGatewayGetVpnclientConnectionHealth.json")
        )
    )
    assert len(clients) == 2
    first = clients[0]
    assert first.user_name == "gwp2schildcert"
    assert first.private_ip == "192.168.210.2"
    assert first.public_ip == "167.220.2.232:45522"
    assert (first.ingress_bytes, first.egress_bytes) == (33420, 33420)
    assert first.connected_since == datetime(2019, 5, 2, 22, 26, 22, tzinfo=UTC)
    assert first.duration_s == 900
    assert first.connection_id.startswith("IKEv2_")
