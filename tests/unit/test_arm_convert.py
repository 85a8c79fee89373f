"""bot.arm.convert on Azure's published payloads, deserialized by the real SDK models first.

Each payload of ../shared/fixtures/real/arm and /privatedns goes through the SDK's own model
(the hybrid models of azure-mgmt-network 33 / azure-mgmt-privatedns 2 take the REST JSON as
their constructor argument, exactly what the operations do with a response body), then
through the converter. Tests skip with a reason when ../shared is absent.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.mgmt.dnsresolver import models as dr_models
from azure.mgmt.network import models as net
from azure.mgmt.privatedns import models as pdns
from azure.mgmt.resource.resources import models as res_models
from azure.mgmt.resource.subscriptions import models as sub_models
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.arm import convert
from tests.shared_fixtures import real_json


def body(path: str, status: str = "200") -> Any:
    return real_json(path)["responses"][status]["body"]


# --- gateways ---------------------------------------------------------------------------------


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


# --- connections ------------------------------------------------------------------------------


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


# --- gateway actions (LRO results) ---------------------------------------------------------------


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


# --- virtual networks and peerings ---------------------------------------------------------------


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


def test_peering_list_keeps_two_peerings_with_the_same_name_apart() -> None:
    page = body("arm/VirtualNetworkPeeringList.json")
    peerings = [convert.peering(net.VirtualNetworkPeering(v)) for v in page["value"]]
    assert [p.name for p in peerings] == ["peer", "peer"]
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


# --- NICs, private endpoints, DNS ----------------------------------------------------------------


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


def test_private_endpoint_ips_from_static_configs_and_custom_dns() -> None:
    pe = convert.private_endpoint(net.PrivateEndpoint(body("arm/PrivateEndpointGet.json")))
    assert pe.name == "testPe" and pe.location == "eastus"
    assert pe.private_ips == ("192.168.0.6", "192.168.0.7", "192.168.0.4", "192.168.0.5")
    assert [(d.fqdn, d.ips) for d in pe.custom_dns] == [
        ("abc.cosmos.com", ("192.168.0.4",)),
        ("abc2.cosmos.com", ("192.168.0.5",)),
    ]
    assert pe.vnet_id.endswith("/virtualNetworks/myVnet")
    assert len(pe.connections) == 1
    link = pe.connections[0]
    assert (link.status, link.manual, link.group_ids) == ("Approved", False, ("groupIdFromResource",))
    assert link.target_id.endswith("/privateLinkServices/testPls")
    assert pe.nic_ids == (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/provders/Microsoft.Network/networkInterfaces/testPe.nic.abcd1234",
    )


def test_private_endpoint_without_own_ips_takes_its_nics() -> None:
    raw = copy.deepcopy(body("arm/PrivateEndpointGet.json"))
    raw["properties"]["ipConfigurations"] = []
    raw["properties"]["customDnsConfigs"] = []
    model = net.PrivateEndpoint(raw)
    assert convert.private_endpoint_ips(model) == ()
    pe = convert.private_endpoint(model, nic_ips=("10.0.1.4",))
    assert pe.private_ips == ("10.0.1.4",)


def test_manual_private_link_connection_is_marked_manual() -> None:
    raw = copy.deepcopy(body("arm/PrivateEndpointGet.json"))
    raw["properties"]["manualPrivateLinkServiceConnections"] = copy.deepcopy(
        raw["properties"]["privateLinkServiceConnections"]
    )
    raw["properties"]["manualPrivateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"][
        "status"
    ] = "Pending"
    pe = convert.private_endpoint(net.PrivateEndpoint(raw))
    assert [(c.status, c.manual) for c in pe.connections] == [("Approved", False), ("Pending", True)]


def test_dns_zone_group_configs_and_records() -> None:
    group = convert.dns_zone_group(net.PrivateDnsZoneGroup(body("arm/PrivateEndpointDnsZoneGroupGet.json")))
    assert group.name == "testPdnsgroup"
    assert [c.zone_id.rsplit("/", 1)[-1] for c in group.configs] == ["zone1.com", "zone2.com"]
    assert [(r.name, r.fqdn, r.ips) for r in group.configs[0].records] == [
        ("abc", "abc.zone1.com", ("10.0.0.4",)),
        ("abc2", "abc2.zone1.com", ("10.0.0.5",)),
    ]


def test_private_zone_with_records_and_links() -> None:
    zone = pdns.PrivateZone(body("privatedns/PrivateZoneGet.json"))
    records = [pdns.RecordSet(r) for r in body("privatedns/RecordSetALLList.json")["value"]]
    links = [pdns.VirtualNetworkLink(x) for x in body("privatedns/VirtualNetworkLinkList.json")["value"]]
    z = convert.private_dns_zone(zone, records, links)
    assert z.name == "privatezone1.com"
    assert [(r.name, r.record_type, r.fqdn, r.ips) for r in z.records] == [
        ("recorda", "A", "recorda.privatezone1.com", ("1.2.3.4",)),
        ("recordcname", "CNAME", "recordcname.privatezone1.com", ()),
        ("recordmx", "MX", "recordmx.privatezone1.com", ()),
    ]
    assert z.records[0].ttl == 3600
    assert [(x.name, x.registration_enabled, x.state) for x in z.links] == [
        ("virtualNetworkLink1", False, "Completed"),
        ("virtualNetworkLink2", True, "InProgress"),
    ]
    assert z.links[0].vnet_id.endswith("/virtualNetworks/virtualNetworkName")
    assert z.links[0].resolution_policy == ""  # absent in the published payload


def test_private_zone_list_and_single_record_and_link() -> None:
    zones = [
        convert.private_dns_zone(pdns.PrivateZone(z))
        for z in body("privatedns/PrivateZoneListInSubscription.json")["value"]
    ]
    assert [z.name for z in zones] == ["privatezone1.com", "privatezone2.com"]
    rec = convert.record_set(pdns.RecordSet(body("privatedns/RecordSetAGet.json")))
    assert (rec.name, rec.ips) == ("recorda", ("1.2.3.4",))
    link = convert.vnet_link(pdns.VirtualNetworkLink(body("privatedns/VirtualNetworkLinkGet.json")))
    assert (link.name, link.state, link.registration_enabled) == ("virtualNetworkLink1", "Completed", False)


def test_dns_resolver_from_msrest_models_with_inbound_ips() -> None:
    resolver = dr_models.DnsResolver.deserialize(
        {
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/dnsResolvers/res1",
            "name": "res1",
            "location": "northeurope",
            "properties": {
                "virtualNetwork": {
                    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1"
                },
                "dnsResolverState": "Connected",
                "provisioningState": "Succeeded",
            },
        }
    )
    inbound = dr_models.InboundEndpoint.deserialize(
        {
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/dnsResolvers/res1/inboundEndpoints/in1",
            "name": "in1",
            "location": "northeurope",
            "properties": {
                "ipConfigurations": [
                    {
                        "subnet": {"id": "/x/subnets/in"},
                        "privateIpAddress": "10.0.2.4",
                        "privateIpAllocationMethod": "Dynamic",
                    }
                ]
            },
        }
    )
    r = convert.dns_resolver(resolver, [inbound])
    assert (r.name, r.state, r.inbound_ips) == ("res1", "Connected", ("10.0.2.4",))
    assert r.vnet_id.endswith("/virtualNetworks/v1")


def test_sql_server_generic_resource_with_connection_policy() -> None:
    server = res_models.GenericResource(
        {
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/sql-eun",
            "name": "sql-eun",
            "type": "Microsoft.Sql/servers",
            "location": "northeurope",
            "properties": {
                "fullyQualifiedDomainName": "sql-eun.database.windows.net",
                "publicNetworkAccess": "Disabled",
                "privateEndpointConnections": [
                    {
                        "id": "/x/privateEndpointConnections/c1",
                        "properties": {
                            "privateEndpoint": {
                                "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1"
                            }
                        },
                    }
                ],
            },
        }
    )
    policy = res_models.GenericResource(
        {"id": "/x/connectionPolicies/default", "properties": {"connectionType": "Redirect"}}
    )
    s = convert.sql_server(server, policy)
    assert (s.name, s.fqdn, s.public_network_access, s.connection_policy) == (
        "sql-eun",
        "sql-eun.database.windows.net",
        "Disabled",
        "Redirect",
    )
    assert s.private_endpoint_ids == (
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1",
    )
    assert convert.sql_server(server).connection_policy == ""  # unreadable policy


def test_subscription_from_the_subscriptions_sdk_model() -> None:
    s = convert.subscription(
        sub_models.Subscription({"id": "/subscriptions/1111", "subscriptionId": "1111", "displayName": "Networks"})
    )
    assert (s.id, s.name) == ("1111", "Networks")
    assert convert.subscription({"id": "/subscriptions/2222"}).id == "2222"


# --- robustness -----------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
_keys = st.sampled_from(
    [
        "properties",
        "value",
        "id",
        "name",
        "bgpSettings",
        "ipConfigurations",
        "tunnelConnectionStatus",
        "addressPrefix",
        "nextHopIpAddress",
        "customDnsConfigs",
        "privateDnsZoneConfigs",
        "recordSets",
        "aRecords",
        "lastConnectionEstablishedUtcTime",
        "vpnConnectionTime",
        "connectionStatus",
    ]
)
_payload = st.dictionaries(_keys | st.text(max_size=8), _json, max_size=6).map(
    lambda d: {**d, "properties": d.get("properties") if isinstance(d.get("properties"), dict) else d}
)

_CONVERTERS = [
    convert.gateway,
    convert.connection,
    convert.local_network_gateway,
    convert.bgp_peers,
    convert.gateway_routes,
    convert.p2s_clients,
    convert.peering,
    convert.virtual_network,
    convert.network_interface,
    convert.effective_routes,
    convert.private_endpoint,
    convert.dns_zone_group,
    convert.record_set,
    convert.vnet_link,
    convert.private_dns_zone,
    convert.dns_resolver,
    convert.sql_server,
    convert.generic_resource,
    convert.subscription,
]


@settings(max_examples=150, deadline=None)
@given(payload=_payload)
def test_no_payload_shape_makes_a_converter_raise(payload: dict[str, Any]) -> None:
    for fn in _CONVERTERS:
        fn(payload)
        fn({"value": [payload, payload.get("properties")]})


def test_wire_of_none_and_non_mappings_is_empty() -> None:
    assert convert.wire(None) == {}
    assert convert.wire(42) == {}
    assert convert.items(None) == []
    assert convert.gateway_routes(None) == []
