"""bot.arm.gateways: gateways, connections, shared keys, the gateway actions and the subscription-
wide lists, on the seed estate (two regions, VNet-to-VNet connections with one-way counters,
SQL private endpoints, a private DNS zone linked to one VNet), read by the real SDKs over
loopback HTTP from the sandbox ARM emulator.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import pytest
from structlog.testing import capture_logs

from bot.arm.client import ArmClient
from commands.core.model import rid_key
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.bot.arm.support import (
    CN_AUE_EUN,
    CN_EUN_AUE,
    GW_AUE,
    GW_EUN,
    NET_AUE,
    SUB,
    failure_of,
    log_of,
    make_client,
)


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


def test_shared_key_digest_is_keyed_never_a_bare_hash_and_tells_keys_apart(emu: ArmEmulator) -> None:
    from bot.runtime.signing import digest_key

    keys = load_estate(SEED_ESTATE)["sharedKeys"]
    key = digest_key("deployment-secret-for-the-digest-test-0123456789")
    with make_client(emu, digest_key=key) as client, make_client(emu) as other_deployment:
        a = client.shared_key_digest(CN_EUN_AUE)
        b = client.shared_key_digest(CN_AUE_EUN)
        assert a == hmac.new(key, keys[CN_EUN_AUE].encode(), hashlib.sha256).hexdigest()
        assert a != hashlib.sha256(keys[CN_EUN_AUE].encode()).hexdigest()  # not testable offline against guesses
        assert a != b  # the seed's keys differ by one character
        assert other_deployment.shared_key_digest(CN_EUN_AUE) != a  # another key, another digest
        emu.set_shared_key(CN_AUE_EUN, keys[CN_EUN_AUE])
        assert client.shared_key_digest(CN_AUE_EUN) == a


def test_shared_key_never_reaches_a_log_or_a_failure(emu: ArmEmulator, caplog: pytest.LogCaptureFixture) -> None:
    keys = load_estate(SEED_ESTATE)["sharedKeys"].values()
    emu.deny("Microsoft.Network/connections/sharedKey/read", f"/subscriptions/{SUB}/resourceGroups/rg-vpn-aue")
    with caplog.at_level(logging.DEBUG), capture_logs() as events, make_client(emu) as c:
        digest = c.shared_key_digest(CN_EUN_AUE)
        failure = failure_of(lambda: c.shared_key_digest(CN_AUE_EUN))
    text = caplog.text + repr(events) + str(failure) + repr(failure) + digest
    assert events, "the failure is logged"
    for key in keys:
        assert key not in text


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


def test_failure_of_one_group_list_fails_the_subscription_list(emu: ArmEmulator, client: ArmClient) -> None:
    emu.deny("Microsoft.Network/virtualNetworkGateways/read", f"/subscriptions/{SUB}/resourceGroups/rg-vpn-aue")
    f = failure_of(lambda: client.gateways(SUB))
    assert f.kind == "forbidden" and "rg-vpn-aue" in f.target
