"""The ARM emulator's reads, lists, paging, actions and errors, through the real Azure SDK clients."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import load_estate
from tests.integration import arm_sdk as S

SUB = S.SEED_SUB
EUN, AUE = "rg-vpn-eun", "rg-vpn-aue"
ZONE = "privatelink.database.windows.net"
CN_EUN = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/connections/cn-eun-to-aue"
GW_EUN = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/virtualNetworkGateways/vgw-eun"


def raw(
    emu: ArmEmulator, method: str, path: str, *, token: str | None = "t", body: Any = None
) -> tuple[int, dict[str, str], Any]:
    """A plain HTTP call (for headers and status codes the SDK hides)."""
    url = path if path.startswith("http") else emu.base_url + path
    data = json.dumps(body).encode() if body is not None else (b"" if method in ("POST", "PUT") else None)
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            payload = r.read()
            return r.status, dict(r.headers), json.loads(payload) if payload else None
    except urllib.error.HTTPError as e:
        payload = e.read()
        return e.code, dict(e.headers), json.loads(payload) if payload else None


# --- resources by id, children, lists -----------------------------------------------------------


def test_get_resource_ids_are_case_insensitive(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    gw = net.virtual_network_gateways.get("RG-VPN-EUN", "VGW-EUN")
    assert gw.name == "vgw-eun"
    assert gw.bgp_settings.asn == 65515
    assert gw.vpn_client_configuration.vpn_client_address_pool.address_prefixes == ["172.16.10.0/25"]


def test_connection_get_has_status_and_tunnels_but_list_omits_them(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    one = net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue")
    assert one.connection_status == "Connected"
    assert one.egress_bytes_transferred > 0 and one.ingress_bytes_transferred == 0
    assert one.tunnel_connection_status[0].connection_status == "Connected"
    listed = list(net.virtual_network_gateway_connections.list(EUN))
    assert [c.name for c in listed] == ["cn-eun-to-aue"]
    assert listed[0].connection_status is None and listed[0].tunnel_connection_status is None
    assert listed[0].egress_bytes_transferred == one.egress_bytes_transferred


def test_gateway_connections_list_has_both_directions(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    names = sorted(c.name for c in net.virtual_network_gateways.list_connections(AUE, "vgw-aue"))
    assert names == ["cn-aue-to-eun", "cn-eun-to-aue"]
    assert all(c.connection_status is None for c in net.virtual_network_gateways.list_connections(AUE, "vgw-aue"))


def test_vnet_get_and_list_embed_subnets_and_peerings(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    vnet = net.virtual_networks.get(EUN, "vnet-eun")
    assert [s.name for s in vnet.subnets] == ["GatewaySubnet", "snet-data", "snet-app"]
    assert [p.name for p in vnet.virtual_network_peerings] == ["peer-eun-to-aue"]
    assert vnet.virtual_network_peerings[0].allow_gateway_transit is True
    listed = {v.name: v for v in net.virtual_networks.list_all()}
    assert set(listed) == {"vnet-eun", "vnet-aue"}
    assert [p.name for p in listed["vnet-aue"].virtual_network_peerings] == ["peer-aue-to-eun"]


def test_child_collections_and_child_gets(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    assert [p.name for p in net.virtual_network_peerings.list(AUE, "vnet-aue")] == ["peer-aue-to-eun"]
    assert net.virtual_network_peerings.get(AUE, "vnet-aue", "peer-aue-to-eun").peering_state == "Connected"
    assert net.subnets.get(EUN, "vnet-eun", "snet-data").address_prefix == "10.0.1.0/24"
    assert [s.name for s in net.subnets.list(AUE, "vnet-aue")] == ["GatewaySubnet", "snet-data", "snet-app"]
    groups = list(net.private_dns_zone_groups.list("pe-sql-aue", AUE))
    assert groups[0].private_dns_zone_configs[0].record_sets[0].ip_addresses == ["10.1.1.4"]
    assert net.private_dns_zone_groups.get(AUE, "pe-sql-aue", "default").name == "default"


def test_private_dns_zone_records_and_links(arm_emulator: ArmEmulator) -> None:
    dns = S.privatedns(arm_emulator.base_url)
    assert [z.name for z in dns.private_zones.list()] == [ZONE]
    assert [z.name for z in dns.private_zones.list_by_resource_group(EUN)] == [ZONE]
    assert [r.name for r in dns.record_sets.list(EUN, ZONE)] == ["@", "sql-eun", "sql-aue"]
    assert [r.name for r in dns.record_sets.list_by_type(EUN, ZONE, "A")] == ["sql-eun", "sql-aue"]
    rec = dns.record_sets.get(EUN, ZONE, "A", "sql-aue")
    assert rec.a_records[0].ipv4_address == "10.1.1.4"
    links = list(dns.virtual_network_links.list(EUN, ZONE))
    assert [link.virtual_network.id.rsplit("/", 1)[-1] for link in links] == ["vnet-eun"]
    assert dns.virtual_network_links.get(EUN, ZONE, "link-vnet-eun").registration_enabled is False


def test_subscription_wide_and_group_lists(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    nics = list(net.network_interfaces.list_all())
    assert sorted(n.name for n in nics if n.virtual_machine) == ["nic-vm-aue", "nic-vm-eun"]
    assert sorted(n.private_endpoint.id.rsplit("/", 1)[-1] for n in nics if n.private_endpoint) == [
        "pe-sql-aue",
        "pe-sql-eun",
    ]
    assert sorted(n.name for n in net.network_interfaces.list(AUE) if n.virtual_machine) == ["nic-vm-aue"]
    assert sorted(p.name for p in net.private_endpoints.list_by_subscription()) == ["pe-sql-aue", "pe-sql-eun"]
    assert [p.name for p in net.private_endpoints.list(EUN)] == ["pe-sql-eun"]
    assert [g.name for g in net.virtual_network_gateways.list(AUE)] == ["vgw-aue"]
    assert list(net.local_network_gateways.list(EUN)) == []
    assert list(S.dnsresolver(arm_emulator.base_url).dns_resolvers.list()) == []


def test_dns_resolvers_and_inbound_endpoints(arm_emulator: ArmEmulator) -> None:
    rid = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/dnsResolvers/dnspr-eun"
    vnet = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/virtualNetworks/vnet-eun"
    arm_emulator.put_resource(
        {
            "id": rid,
            "name": "dnspr-eun",
            "type": "Microsoft.Network/dnsResolvers",
            "location": "northeurope",
            "properties": {
                "virtualNetwork": {"id": vnet},
                "dnsResolverState": "Connected",
                "provisioningState": "Succeeded",
            },
        }
    )
    arm_emulator.put_resource(
        {
            "id": rid + "/inboundEndpoints/in-eun",
            "name": "in-eun",
            "type": "Microsoft.Network/dnsResolvers/inboundEndpoints",
            "location": "northeurope",
            "properties": {
                "ipConfigurations": [
                    {
                        "subnet": {"id": vnet + "/subnets/snet-dns"},
                        "privateIpAddress": "10.0.3.4",
                        "privateIpAllocationMethod": "Dynamic",
                    }
                ],
                "provisioningState": "Succeeded",
            },
        }
    )
    client = S.dnsresolver(arm_emulator.base_url)
    assert [r.name for r in client.dns_resolvers.list()] == ["dnspr-eun"]
    assert [r.name for r in client.dns_resolvers.list_by_resource_group(EUN)] == ["dnspr-eun"]
    eps = list(client.inbound_endpoints.list(EUN, "dnspr-eun"))
    assert eps[0].ip_configurations[0].private_ip_address == "10.0.3.4"


def test_subscriptions_resource_groups_and_generic_resources(arm_emulator: ArmEmulator) -> None:
    subs = S.subscriptions(arm_emulator.base_url)
    assert [(s.subscription_id, s.display_name) for s in subs.subscriptions.list()] == [
        (SUB, "Contoso Analytics Production")
    ]
    assert subs.subscriptions.get(SUB).state == "Enabled"
    rm = S.resources(arm_emulator.base_url)
    # NetworkWatcherRG: where Azure creates the Network Watcher of each region (network-watcher-create).
    assert [g.name for g in rm.resource_groups.list()] == [EUN, AUE, "NetworkWatcherRG"]
    assert rm.resource_groups.get(AUE).location == "australiaeast"
    servers = list(rm.resources.list(filter="resourceType eq 'Microsoft.Sql/servers'"))
    assert sorted(s.name for s in servers) == ["sql-aue", "sql-eun"]
    assert all(s.properties is None for s in servers)  # ARM's generic list has no properties
    assert [
        s.name for s in rm.resources.list_by_resource_group(AUE, filter="resourceType eq 'Microsoft.Sql/servers'")
    ] == ["sql-aue"]
    srv = rm.resources.get_by_id(servers[0].id, api_version="2023-08-01")
    assert srv.properties["fullyQualifiedDomainName"] == f"{srv.name}.database.windows.net"
    policy = rm.resources.get_by_id(srv.id + "/connectionPolicies/default", api_version="2023-08-01")
    assert policy.properties["connectionType"] in ("Default", "Redirect")


# --- paging ------------------------------------------------------------------------------------


def test_lists_page_with_absolute_next_links_that_keep_api_version() -> None:
    with ArmEmulator(load_estate_seed(), page_size=2) as emu:
        net = S.network(emu.base_url)
        names = [n.name for n in net.network_interfaces.list_all()]
        assert len(names) == 4 and len(set(names)) == 4
        pages = [r for r in emu.requests if r.path.endswith("/networkInterfaces")]
        assert [r.query for r in pages] == ["api-version=2026-03-01", "api-version=2026-03-01&$skiptoken=2"]
        status, _, body = raw(
            emu, "GET", f"/subscriptions/{SUB}/providers/Microsoft.Network/networkInterfaces?api-version=2026-03-01"
        )
        assert status == 200 and len(body["value"]) == 2
        assert (
            body["nextLink"].startswith(emu.base_url + "/subscriptions/")
            and "api-version=2026-03-01" in body["nextLink"]
        )
        rm = S.resources(emu.base_url)
        everything = list(rm.resources.list())
        assert len(everything) == len({r.id for r in everything}) > 2


def load_estate_seed() -> dict[str, Any]:
    from sandbox.arm_emulator import SEED_ESTATE

    return load_estate(SEED_ESTATE)


# --- long-running actions ----------------------------------------------------------------------


def test_actions_run_as_long_running_operations_through_the_sdk(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    learned = net.virtual_network_gateways.begin_get_learned_routes(AUE, "vgw-aue").result()
    assert ("10.0.0.0/16", "Network") in {(r.network, r.origin) for r in learned.value}
    advertised = net.virtual_network_gateways.begin_get_advertised_routes(EUN, "vgw-eun", peer="10.1.255.30").result()
    assert {r.network for r in advertised.value} == {"10.0.0.0/16", "172.16.10.0/25"}
    peers = net.virtual_network_gateways.begin_get_bgp_peer_status(EUN, "vgw-eun").result()
    assert [(p.neighbor, p.state) for p in peers.value] == [("10.1.255.30", "Connecting")]
    assert net.virtual_network_gateways.begin_get_bgp_peer_status(EUN, "vgw-eun", peer="10.9.9.9").result().value == []
    health = net.virtual_network_gateways.begin_get_vpnclient_connection_health(EUN, "vgw-eun").result()
    assert [c.private_ip_address for c in health.value] == ["172.16.10.2", "172.16.10.3"]
    routes = net.network_interfaces.begin_get_effective_route_table(AUE, "nic-vm-aue").result()
    active = {(r.address_prefix[0], r.next_hop_type) for r in routes.value if r.state == "Active"}
    assert ("10.0.0.0/16", "VNetGlobalPeering") in active  # peering system routes beat gateway routes
    assert not any(p == "172.16.10.0/25" for p, _ in active)
    statuses = [
        (r.method, r.status) for r in arm_emulator.requests if "getLearnedRoutes" in r.path or "/operation" in r.path
    ]
    assert statuses[0] == ("POST", 202)


def test_action_answers_202_then_in_progress_then_succeeded_with_the_body(arm_emulator: ArmEmulator) -> None:
    status, headers, body = raw(arm_emulator, "POST", f"{GW_EUN}/getBgpPeerStatus?api-version=2026-03-01")
    assert status == 202 and body is None
    assert headers["Retry-After"] == "10"  # as ARM: never 0 (azure-core reads 0 as "wait 30 s")
    op, loc = headers["Azure-AsyncOperation"], headers["Location"]
    assert op.startswith(arm_emulator.base_url) and loc.startswith(arm_emulator.base_url)
    assert "api-version=2026-03-01" in op and "api-version=2026-03-01" in loc
    status, headers, body = raw(arm_emulator, "GET", op)
    assert (status, body, headers["Retry-After"]) == (200, {"status": "InProgress"}, "10")
    status, headers, body = raw(arm_emulator, "GET", op)
    assert (status, body, "Retry-After" in headers) == (200, {"status": "Succeeded"}, False)
    status, _, result = raw(arm_emulator, "GET", loc)
    assert status == 200 and result["value"][0]["neighbor"] == "10.1.255.30"


def test_action_without_estate_body_answers_an_empty_list_and_unknown_action_is_404(
    arm_emulator: ArmEmulator,
) -> None:
    net = S.network(arm_emulator.base_url)
    nic = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/networkInterfaces/nic-vm-eun"
    arm_emulator.put_resource(
        {**arm_emulator.resource(nic), "id": nic.replace("nic-vm-eun", "nic-new"), "name": "nic-new"}
    )  # type: ignore[dict-item]
    assert not net.network_interfaces.begin_get_effective_route_table(EUN, "nic-new").result().value
    # An EffectiveRouteListResult requires `value` (virtualNetwork.json 2025-03-01): an empty
    # table is `{"value": []}`; the gateway actions answer `{}` (their published examples).
    polls = [r for r in arm_emulator.requests if "/operationResults/" in r.path]
    status, _, body = raw(arm_emulator, "GET", f"{polls[-1].path}?{polls[-1].query}")
    assert (status, body) == (200, {"value": []})
    status, _, body = raw(arm_emulator, "POST", f"{GW_EUN}/rebootEverything?api-version=2026-03-01")
    assert status == 404 and body["error"]["code"] == "InvalidResourceType"
    status, _, body = raw(arm_emulator, "POST", f"{GW_EUN}/getAdvertisedRoutes?api-version=2026-03-01")
    assert status == 400 and "peer" in body["error"]["message"]


def test_shared_key_is_a_plain_get_and_keys_differ_between_the_pair(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    k1 = net.virtual_network_gateway_connections.get_shared_key(EUN, "cn-eun-to-aue").value
    k2 = net.virtual_network_gateway_connections.get_shared_key(AUE, "cn-aue-to-eun").value
    assert k1 and k2 and k1 != k2
    assert [r.status for r in arm_emulator.requests if r.path.endswith("/sharedkey")] == [200, 200]
    props = net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue").as_dict()["properties"]
    assert k1 not in json.dumps(props)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rg", "name", "code"),
    [(EUN, "vgw-missing", "ResourceNotFound"), ("rg-missing", "vgw-eun", "ResourceGroupNotFound")],
)
def test_missing_resource_or_group_is_404_with_arm_code(
    arm_emulator: ArmEmulator, rg: str, name: str, code: str
) -> None:
    net = S.network(arm_emulator.base_url)
    with pytest.raises(ResourceNotFoundError) as e:
        net.virtual_network_gateways.get(rg, name)
    assert e.value.error.code == code


def test_missing_subscription_is_404_subscription_not_found(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url, sub="00000000-0000-0000-0000-0000000000aa")
    with pytest.raises(ResourceNotFoundError) as e:
        list(net.virtual_networks.list_all())
    assert e.value.error.code == "SubscriptionNotFound"


def test_missing_parent_of_a_child_collection_is_404(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    with pytest.raises(ResourceNotFoundError) as e:
        list(net.virtual_network_peerings.list(EUN, "vnet-nope"))
    assert e.value.error.code == "ResourceNotFound" and "vnet-nope" in e.value.error.message


def test_request_without_api_version_is_400(arm_emulator: ArmEmulator) -> None:
    status, _, body = raw(arm_emulator, "GET", GW_EUN)
    assert status == 400 and body["error"]["code"] == "MissingApiVersionParameter"


@pytest.mark.parametrize("token", [None, " "])
def test_request_without_bearer_token_is_401(arm_emulator: ArmEmulator, token: str | None) -> None:
    status, headers, body = raw(arm_emulator, "GET", GW_EUN + "?api-version=2026-03-01", token=token)
    assert status == 401 and body["error"]["code"] == "AuthenticationFailed"
    assert "WWW-Authenticate" in headers


def test_denied_action_is_403_authorization_failed() -> None:
    estate = load_estate_seed()
    estate["denied"] = [
        "Microsoft.Network/connections/sharedKey/read",
        {
            "action": "Microsoft.Network/virtualNetworkGateways/getLearnedRoutes/action",
            "scope": f"/subscriptions/{SUB}/resourceGroups/{AUE}",
        },
    ]
    with ArmEmulator(estate) as emu:
        net = S.network(emu.base_url)
        with pytest.raises(HttpResponseError) as e:
            net.virtual_network_gateway_connections.get_shared_key(EUN, "cn-eun-to-aue")
        assert e.value.status_code == 403 and e.value.error.code == "AuthorizationFailed"
        assert "sharedKey/read" in e.value.error.message
        with pytest.raises(HttpResponseError) as e2:
            net.virtual_network_gateways.begin_get_learned_routes(AUE, "vgw-aue").result()
        assert e2.value.status_code == 403
        # the same action outside the denied scope is allowed
        assert net.virtual_network_gateways.begin_get_learned_routes(EUN, "vgw-eun").result().value
        emu.deny("Microsoft.Network/virtualNetworks/*")
        with pytest.raises(HttpResponseError) as e3:
            net.virtual_networks.get(EUN, "vnet-eun")
        assert e3.value.status_code == 403


def test_deletes_other_than_peerings_are_refused_with_405(arm_emulator: ArmEmulator) -> None:
    status, _, body = raw(arm_emulator, "DELETE", GW_EUN + "?api-version=2026-03-01")
    assert status == 405 and body["error"]["code"] == "OperationNotSupported"


def test_request_log_records_method_path_query_and_status(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    net.virtual_network_gateways.get(EUN, "vgw-eun")
    with pytest.raises(ResourceNotFoundError):
        net.virtual_network_gateways.get(EUN, "nope")
    log = arm_emulator.requests
    assert [(r.method, r.path.rsplit("/", 1)[-1], r.status) for r in log] == [
        ("GET", "vgw-eun", 200),
        ("GET", "nope", 404),
    ]
    assert log[0].query == "api-version=2026-03-01"
    arm_emulator.clear_requests()
    assert arm_emulator.requests == []
