"""ArmClient (the real Azure SDKs) against the sandbox ARM emulator over loopback HTTP.

Every AzurePort method on the seed estate (the seed problem: two regions, VNet-to-VNet
connections with one-way counters, SQL private endpoints, a private DNS zone linked to one
VNet), paging, the call pattern of the subscription-wide gateway list, the peering update
round trip and concurrent use from commands.core.fanout.gather.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import pytest

from bot.arm.client import ArmClient
from commands.core.errors import AzureFailure
from commands.core.fanout import gather
from commands.core.model import rid_key
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.arm_client_support import (
    CN_AUE_EUN,
    CN_EUN_AUE,
    GW_AUE,
    GW_EUN,
    NET_AUE,
    NET_EUN,
    PEER_AUE,
    PEER_EUN,
    SUB,
    log_of,
    make_client,
)

# --- scope --------------------------------------------------------------------------------------


def test_subscriptions_lists_what_the_identity_sees(client: ArmClient) -> None:
    subs = client.subscriptions()
    assert [(s.id, s.name) for s in subs] == [(SUB, "Contoso Analytics Production")]


def test_configured_subscriptions_keep_their_order_and_get_names(emu: ArmEmulator) -> None:
    with make_client(emu, subscription_ids=["00000000-0000-0000-0000-00000000abcd", SUB]) as c:
        subs = c.subscriptions()
    assert [(s.id, s.name) for s in subs] == [
        ("00000000-0000-0000-0000-00000000abcd", ""),  # configured but not visible: kept, unnamed
        (SUB, "Contoso Analytics Production"),
    ]


def test_subscriptions_are_cached_between_commands(emu: ArmEmulator, client: ArmClient) -> None:
    client.subscriptions()
    client.subscriptions()
    assert sum(1 for r in log_of(emu) if r.path == "/subscriptions") == 1


# --- gateways and connections --------------------------------------------------------------------


def test_gateways_of_the_subscription(client: ArmClient) -> None:
    gws = {g.name: g for g in client.gateways(SUB)}
    assert set(gws) == {"vgw-eun", "vgw-aue"}
    eun = gws["vgw-eun"]
    assert eun.location == "northeurope"
    assert eun.vnet_id.lower().endswith("/virtualnetworks/vnet-eun")
    assert eun.p2s_address_pool == ("172.16.10.0/25",)
    assert "OpenVPN" in eun.p2s_protocols
    assert eun.bgp_peering_addresses  # BGP is configured on the seed gateways


def test_gateway_by_id_and_its_connections_in_list_shape(client: ArmClient) -> None:
    gw = client.gateway(GW_EUN)
    assert gw.name == "vgw-eun"
    conns = {c.name: c for c in client.gateway_connections(GW_EUN)}
    # A VNet-to-VNet gateway's connections include the one whose remote end it is.
    assert set(conns) == {"cn-eun-to-aue", "cn-aue-to-eun"}
    assert all(c.status == "Unknown" and c.tunnels == () for c in conns.values())


def test_connections_list_then_get_fills_in_status_and_one_way_counters(client: ArmClient) -> None:
    listed = {c.name: c for c in client.connections(SUB)}
    assert set(listed) == {"cn-eun-to-aue", "cn-aue-to-eun"}
    assert {c.status for c in listed.values()} == {"Unknown"}
    out = client.connection(CN_EUN_AUE)
    back = client.connection(CN_AUE_EUN)
    assert out.status == "Connected" and out.connection_type == "Vnet2Vnet"
    assert out.egress_bytes > 0 and out.ingress_bytes == 0
    assert back.ingress_bytes > 0 and back.egress_bytes == 0
    assert rid_key(out.gateway2_id) == rid_key(GW_AUE)
    assert out.tunnels and out.last_established is not None
    assert out.enable_bgp is True and back.enable_bgp is False


def test_shared_key_digest_is_sha256_of_the_key_and_tells_keys_apart(emu: ArmEmulator, client: ArmClient) -> None:
    keys = load_estate(SEED_ESTATE)["sharedKeys"]
    a = client.shared_key_digest(CN_EUN_AUE)
    b = client.shared_key_digest(CN_AUE_EUN)
    assert a == hashlib.sha256(keys[CN_EUN_AUE].encode()).hexdigest()
    assert a != b  # the seed's keys differ by one character
    emu.set_shared_key(CN_AUE_EUN, keys[CN_EUN_AUE])
    assert client.shared_key_digest(CN_AUE_EUN) == a


def test_gateway_actions_run_as_long_running_operations(emu: ArmEmulator, client: ArmClient) -> None:
    peers = client.bgp_peer_status(GW_EUN)
    assert peers and peers[0].neighbor
    learned = client.learned_routes(GW_AUE)
    assert learned and all(r.network for r in learned)
    advertised = client.advertised_routes(GW_EUN, peers[0].neighbor)
    assert advertised and all(r.network for r in advertised)
    clients = client.vpn_client_health(GW_EUN)
    assert clients and clients[0].user_name
    posts = [r for r in log_of(emu) if r.method == "POST"]
    assert {p.path.rsplit("/", 1)[-1].lower() for p in posts} == {
        "getbgppeerstatus",
        "getlearnedroutes",
        "getadvertisedroutes",
        "getvpnclientconnectionhealth",
    }
    assert any(r.query and "peer=" in r.query for r in posts if r.path.endswith("getAdvertisedRoutes"))
    assert all(r.status == 202 for r in posts)


def test_action_with_nothing_to_report_is_an_empty_list(client: ArmClient) -> None:
    # The seed has no P2S client on the Australian gateway and no BGP peer answer there.
    assert client.vpn_client_health(GW_AUE) == []


def test_local_network_gateways_none_in_the_seed(client: ArmClient) -> None:
    assert client.local_network_gateways(SUB) == []


def test_local_network_gateways_found_across_groups(emu: ArmEmulator, client: ArmClient) -> None:
    emu.put_resource(
        {
            "id": f"{NET_AUE}/localNetworkGateways/lng-office",
            "name": "lng-office",
            "type": "Microsoft.Network/localNetworkGateways",
            "location": "australiaeast",
            "properties": {
                "gatewayIpAddress": "198.51.100.7",
                "localNetworkAddressSpace": {"addressPrefixes": ["192.168.50.0/24"]},
                "bgpSettings": {"asn": 65050, "bgpPeeringAddress": "192.168.50.1"},
                "provisioningState": "Succeeded",
            },
        }
    )
    (lng,) = client.local_network_gateways(SUB)
    assert (lng.name, lng.gateway_ip, lng.address_prefixes, lng.bgp_asn) == (
        "lng-office",
        "198.51.100.7",
        ("192.168.50.0/24",),
        65050,
    )


# --- virtual networks and peerings ------------------------------------------------------------------


def test_virtual_networks_with_subnets_and_peerings(client: ArmClient) -> None:
    vnets = {v.name: v for v in client.virtual_networks(SUB)}
    assert vnets["vnet-eun"].address_prefixes == ("10.0.0.0/16",)
    assert vnets["vnet-aue"].address_prefixes == ("10.1.0.0/16",)
    (peer,) = vnets["vnet-eun"].peerings
    assert peer.allow_gateway_transit is True and rid_key(peer.vnet_id) == rid_key(vnets["vnet-eun"].id)
    assert any(s.name == "GatewaySubnet" for s in vnets["vnet-eun"].subnets)
    one = client.virtual_network(vnets["vnet-aue"].id)
    assert one.name == "vnet-aue" and one.peerings[0].name == "peer-aue-to-eun"


def test_peering_update_round_trip_changes_only_the_given_flag(emu: ArmEmulator, client: ArmClient) -> None:
    before = client.peering(PEER_EUN)
    assert before.allow_forwarded_traffic is True and before.allow_gateway_transit is True
    after = client.update_peering(PEER_EUN, {"allowForwardedTraffic": False})
    assert after.allow_forwarded_traffic is False
    assert after.allow_gateway_transit is True  # untouched flags keep their value
    assert after.remote_vnet_id == before.remote_vnet_id
    assert after.etag != before.etag
    reread = client.peering(PEER_EUN)
    assert reread.allow_forwarded_traffic is False and reread.provisioning_state == "Succeeded"
    stored = emu.resource(PEER_EUN)
    assert stored is not None and stored["properties"]["allowForwardedTraffic"] is False
    puts = [r for r in log_of(emu) if r.method == "PUT"]
    assert len(puts) == 1 and puts[0].path.endswith("/virtualNetworkPeerings/peer-eun-to-aue")
    # Read-modify-write: a fresh GET right before the one PUT.
    methods = [r.method for r in log_of(emu) if r.path.endswith("peer-eun-to-aue")]
    assert methods.count("PUT") == 1 and methods[methods.index("PUT") - 1] == "GET"
    assert methods.index("PUT") >= 2  # not the GET of `before`: its own


def test_peering_update_refused_by_azure_keeps_arm_code(emu: ArmEmulator, client: ArmClient) -> None:
    # vnet-aue has its own gateway, so it cannot use the remote one.
    with pytest.raises(AzureFailure) as err:
        client.update_peering(PEER_AUE, {"useRemoteGateways": True})
    assert err.value.kind == "bad_request"
    assert err.value.code == "VirtualNetworkCannotUseRemoteGatewaysWhenItHasGateway"
    assert err.value.status == 400
    assert client.peering(PEER_AUE).use_remote_gateways is False


def test_unknown_peering_flag_is_refused_before_any_request(emu: ArmEmulator, client: ArmClient) -> None:
    emu.clear_requests()
    with pytest.raises(AzureFailure) as err:
        client.update_peering(PEER_EUN, {"allowEverything": True})
    assert err.value.kind == "bad_request" and "allowGatewayTransit" in err.value.message
    assert log_of(emu) == []


@pytest.mark.parametrize(
    "bad_id",
    [
        "vgw-eun",
        f"{NET_EUN}/virtualNetworks/vnet-eun",  # the wrong type
        f"/subscriptions/{SUB}/providers/Microsoft.Network/virtualNetworkGateways/x",  # no group
    ],
)
def test_malformed_or_wrong_type_id_is_a_bad_request_without_a_call(
    emu: ArmEmulator, client: ArmClient, bad_id: str
) -> None:
    emu.clear_requests()
    with pytest.raises(AzureFailure) as err:
        client.gateway(bad_id)
    assert (err.value.kind, err.value.code) == ("bad_request", "InvalidResourceId")
    assert "virtualNetworkGateways" in err.value.message
    assert log_of(emu) == []


# --- NICs and routes -----------------------------------------------------------------------------------


def test_network_interfaces_and_effective_routes(client: ArmClient) -> None:
    nics = {n.name: n for n in client.network_interfaces(SUB)}
    vm_nic = nics["nic-vm-aue"]
    assert vm_nic.vm_id and vm_nic.private_ips == ("10.1.2.4",)
    assert client.network_interface(vm_nic.id).name == "nic-vm-aue"
    routes = client.effective_routes(vm_nic.id)
    assert any(r.address_prefixes == ("10.1.0.0/16",) and r.next_hop_type == "VnetLocal" for r in routes)
    assert all(isinstance(r.next_hop_ips, tuple) for r in routes)


# --- private endpoints and DNS ---------------------------------------------------------------------------


def test_private_endpoints_with_ips_zone_groups_and_link_state(client: ArmClient) -> None:
    pes = {p.name: p for p in client.private_endpoints(SUB)}
    assert pes["pe-sql-eun"].private_ips == ("10.0.1.4",)
    assert pes["pe-sql-aue"].private_ips == ("10.1.1.4",)
    eun = pes["pe-sql-eun"]
    assert eun.connections[0].status == "Approved" and eun.connections[0].group_ids == ("sqlServer",)
    assert eun.zone_groups and eun.zone_groups[0].configs[0].zone_id.endswith("privatelink.database.windows.net")
    assert client.dns_zone_groups(eun.id) == list(eun.zone_groups)


def test_private_endpoint_ip_known_only_to_its_nic_is_read_from_the_nic(emu: ArmEmulator, client: ArmClient) -> None:
    pe_id = f"{NET_EUN}/privateEndpoints/pe-sql-eun"
    doc = emu.resource(pe_id)
    assert doc is not None
    doc["properties"]["customDnsConfigs"] = []
    doc["properties"]["ipConfigurations"] = []
    emu.put_resource(doc)
    pes = {p.name: p for p in client.private_endpoints(SUB)}
    assert pes["pe-sql-eun"].private_ips == ("10.0.1.4",)
    nic_gets = [r for r in log_of(emu) if r.method == "GET" and "/networkInterfaces/pe-sql-eun.nic" in r.path]
    assert len(nic_gets) == 1


def test_private_dns_zone_records_and_links(client: ArmClient) -> None:
    (zone,) = client.private_dns_zones(SUB)
    assert zone.name == "privatelink.database.windows.net"
    assert {(r.name, r.ips) for r in zone.records} == {("sql-eun", ("10.0.1.4",)), ("sql-aue", ("10.1.1.4",))}
    assert [link.vnet_id.rsplit("/", 1)[-1] for link in zone.links] == ["vnet-eun"]  # linked to Europe only


def test_dns_resolvers_none_in_the_seed_and_inbound_ips_when_present(emu: ArmEmulator, client: ArmClient) -> None:
    assert client.dns_resolvers(SUB) == []
    resolver_id = f"{NET_EUN}/dnsResolvers/dnspr-eun"
    emu.put_resource(
        {
            "id": resolver_id,
            "name": "dnspr-eun",
            "type": "Microsoft.Network/dnsResolvers",
            "location": "northeurope",
            "properties": {
                "virtualNetwork": {"id": f"{NET_EUN}/virtualNetworks/vnet-eun"},
                "dnsResolverState": "Connected",
                "provisioningState": "Succeeded",
            },
        }
    )
    emu.put_resource(
        {
            "id": f"{resolver_id}/inboundEndpoints/in-eun",
            "name": "in-eun",
            "type": "Microsoft.Network/dnsResolvers/inboundEndpoints",
            "location": "northeurope",
            "properties": {
                "ipConfigurations": [
                    {
                        "subnet": {"id": f"{NET_EUN}/virtualNetworks/vnet-eun/subnets/snet-dns-in"},
                        "privateIpAddress": "10.0.3.4",
                        "privateIpAllocationMethod": "Dynamic",
                    }
                ],
                "provisioningState": "Succeeded",
            },
        }
    )
    (resolver,) = client.dns_resolvers(SUB)
    assert (resolver.name, resolver.inbound_ips, resolver.state) == ("dnspr-eun", ("10.0.3.4",), "Connected")
    assert resolver.vnet_id.endswith("/virtualNetworks/vnet-eun")


def test_sql_servers_with_fqdn_endpoints_and_connection_policy(emu: ArmEmulator, client: ArmClient) -> None:
    servers = {s.name: s for s in client.sql_servers(SUB)}
    assert servers["sql-eun"].fqdn == "sql-eun.database.windows.net"
    assert servers["sql-eun"].private_endpoint_ids[0].endswith("/privateEndpoints/pe-sql-eun")
    assert {s.connection_policy for s in servers.values()} <= {"Default", "Proxy", "Redirect"}
    gets = [r for r in log_of(emu) if r.method == "GET" and "/Microsoft.Sql/servers/" in r.path]
    assert all("api-version=" in r.query for r in gets)


def test_sql_server_connection_policy_unreadable_is_empty_not_a_failure(emu: ArmEmulator, client: ArmClient) -> None:
    emu.deny("Microsoft.Sql/servers/connectionPolicies/read")
    servers = client.sql_servers(SUB)
    assert servers and {s.connection_policy for s in servers} == {""}


def test_generic_resources_of_one_type(client: ArmClient) -> None:
    vms = client.resources(SUB, "Microsoft.Compute/virtualMachines")
    assert sorted(v.name for v in vms) == ["vm-aue", "vm-eun"]
    assert {v.type for v in vms} == {"Microsoft.Compute/virtualMachines"}


def test_generic_resources_refuse_a_filter_injection(emu: ArmEmulator, client: ArmClient) -> None:
    emu.clear_requests()
    with pytest.raises(AzureFailure) as err:
        client.resources(SUB, "Microsoft.Sql/servers' or name eq 'x")
    assert err.value.kind == "bad_request" and log_of(emu) == []


# --- paging and call pattern -----------------------------------------------------------------------


def _gateway_doc(rg: str, name: str, vnet: str) -> dict[str, Any]:
    base = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network"
    return {
        "id": f"{base}/virtualNetworkGateways/{name}",
        "name": name,
        "type": "Microsoft.Network/virtualNetworkGateways",
        "location": "westeurope",
        "properties": {
            "gatewayType": "Vpn",
            "vpnType": "RouteBased",
            "sku": {"name": "VpnGw1", "tier": "VpnGw1"},
            "ipConfigurations": [
                {
                    "name": "default",
                    "properties": {"subnet": {"id": f"{base}/virtualNetworks/{vnet}/subnets/GatewaySubnet"}},
                }
            ],
            "provisioningState": "Succeeded",
        },
    }


def test_lists_follow_next_link_across_pages(emu: ArmEmulator) -> None:
    with ArmEmulator(load_estate(SEED_ESTATE), page_size=1) as paged, make_client(paged) as c:
        assert len(c.virtual_networks(SUB)) == 2
        assert len(c.gateways(SUB)) == 2
        assert len(c.private_endpoints(SUB)) == 2
        assert len(c.private_dns_zones(SUB)[0].records) == 2
        assert any("$skiptoken=" in r.query for r in log_of(paged))


def test_subscription_wide_gateway_list_lists_only_groups_that_hold_gateways() -> None:
    # 7 gateways in 3 groups, 2 more groups without any, pages of 2.
    layout = {"rg-a": 3, "rg-b": 3, "rg-c": 1, "rg-empty-1": 0, "rg-empty-2": 0}
    resources = [_gateway_doc(rg, f"gw-{rg}-{i}", f"vnet-{rg}-{i}") for rg, n in layout.items() for i in range(n)]
    estate = {
        "subscriptions": [{"subscriptionId": SUB, "displayName": "paging"}],
        "resourceGroups": [
            {"id": f"/subscriptions/{SUB}/resourceGroups/{rg}", "location": "westeurope"} for rg in layout
        ],
        "resources": resources,
    }
    with ArmEmulator(estate, page_size=2) as e, make_client(e) as c:
        gws = c.gateways(SUB)
        assert sorted(g.name for g in gws) == sorted(d["name"] for d in resources)
        listed_groups = {
            r.path.split("/")[4].lower()
            for r in log_of(e)
            if r.path.lower().endswith("/providers/microsoft.network/virtualnetworkgateways")
        }
        assert listed_groups == {"rg-a", "rg-b", "rg-c"}  # never the groups without a gateway
        # No GET per gateway: the per-group list returns full bodies.
        assert not [r for r in log_of(e) if "/virtualNetworkGateways/gw-" in r.path]


def test_example_estate_of_azure_published_payloads_reads_through_the_client() -> None:
    from sandbox.estate import estate_from_examples
    from tests.shared_fixtures import real_files

    files = real_files("arm")
    if not files:
        pytest.skip("../shared/fixtures/real is absent (only the project's workspace has it)")
    estate = estate_from_examples(files)
    subs = {s["subscriptionId"] for s in estate["subscriptions"]}
    with ArmEmulator(estate) as e, make_client(e) as c:
        gateways = [g for s in subs for g in c.gateways(s)]
        connections = [x for s in subs for x in c.connections(s)]
        vnets = [v for s in subs for v in c.virtual_networks(s)]
    assert {g.name for g in gateways} >= {"vpngw"}
    assert connections and all(x.status for x in connections)
    assert vnets


# --- concurrency ------------------------------------------------------------------------------------


def test_concurrent_use_from_gather_shares_clients_without_pool_warnings(
    emu: ArmEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    ids = [CN_EUN_AUE, CN_AUE_EUN, GW_EUN, GW_AUE] * 15
    with make_client(emu, concurrency=4) as c, caplog.at_level(logging.WARNING, logger="urllib3"):

        def task(rid: str) -> str:
            return c.connection(rid).name if "/connections/" in rid else c.gateway(rid).name

        outcomes = gather([lambda r=r: task(r) for r in ids], limit=16)  # more threads than HTTP slots
    assert all(o.ok for o in outcomes)
    assert [o.value for o in outcomes[:4]] == ["cn-eun-to-aue", "cn-aue-to-eun", "vgw-eun", "vgw-aue"]
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_failure_of_one_task_does_not_hide_the_others(emu: ArmEmulator, client: ArmClient) -> None:
    missing = f"{NET_EUN}/connections/cn-gone"
    outcomes = gather([lambda: client.connection(CN_EUN_AUE), lambda: client.connection(missing)], limit=2)
    assert outcomes[0].ok and outcomes[1].error is not None and outcomes[1].error.kind == "not_found"
