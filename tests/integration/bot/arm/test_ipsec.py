"""bot.arm.gateways: `getikesas` and the NAT rule list, through the real SDK over loopback HTTP
from the sandbox ARM emulator, and the published examples' shapes (a string for getikesas,
a bare array for the NatRule list) read in place.

The IKE SAs' fields inside getikesas's string have no definition in the OpenAPI spec (200 =
string); the emulator builds them from Azure PowerShell's Get-AzVirtualNetworkGatewayConnectionIkeSa
model (see sandbox/arm/ikesas.py), which these tests read back.
"""

from __future__ import annotations

import json

from bot.arm import convert
from bot.arm.client import ArmClient
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import CN_EUN_AUE, GW_EUN, failure_of, log_of
from tests.shared_fixtures import real_json

EXAMPLES = "specs/specification/network/resource-manager/Microsoft.Network/stable/2025-03-01/examples"


def test_ike_sas_of_a_connected_connection_follow_its_state(client: ArmClient) -> None:
    sas = client.ike_sas(CN_EUN_AUE)
    assert sas, "a Connected connection has an IKE SA"
    sa = sas[0]
    assert sa.encryption and sa.dh_group and sa.quick_mode
    # Route-based, no custom policy: Azure negotiates any-to-any selectors.
    assert sa.quick_mode[0].local_selectors == ("0.0.0.0/0",)


def test_ike_sas_of_a_connection_not_connected_are_none(client: ArmClient, emu: ArmEmulator) -> None:
    with emu.estate.lock:
        emu.estate.resources[CN_EUN_AUE.lower()]["properties"]["connectionStatus"] = "NotConnected"
    assert client.ike_sas(CN_EUN_AUE) == []


def test_ike_sas_given_by_the_estate_are_served_as_a_string(client: ArmClient, emu: ArmEmulator) -> None:
    with emu.estate.lock:
        emu.estate.actions[f"{CN_EUN_AUE.lower()}/getikesas"] = [
            {"localEndpoint": "20.1.1.1", "remoteEndpoint": "203.0.113.9", "encryption": "AES128", "quickModeSa": []}
        ]
    (sa,) = client.ike_sas(CN_EUN_AUE)
    assert (sa.remote_endpoint, sa.encryption, sa.quick_mode) == ("203.0.113.9", "AES128", ())
    posts = [r for r in log_of(emu) if r.method == "POST" and r.path.lower().endswith("/getikesas")]
    assert posts and posts[0].status == 202  # a long-running operation, as the spec says


def test_ike_sas_denied_is_a_forbidden_failure(client: ArmClient, emu: ArmEmulator) -> None:
    emu.deny("Microsoft.Network/connections/getikesas/action", "")
    assert failure_of(lambda: client.ike_sas(CN_EUN_AUE)).kind == "forbidden"


def test_the_published_getikesas_example_reads_as_no_sa() -> None:
    body = real_json(f"{EXAMPLES}/VirtualNetworkGatewayConnectionGetIkeSas.json")["responses"]["200"]["body"]
    assert convert.ike_sas(body) == []
    assert convert.ike_sas(json.dumps(body)) == []


def test_nat_rules_of_a_gateway_through_the_sdk(client: ArmClient) -> None:
    assert client.nat_rules(GW_EUN) == []


def test_the_published_nat_rule_list_is_a_bare_array_and_reads() -> None:
    body = real_json(f"{EXAMPLES}/VirtualNetworkGatewayNatRuleList.json")["responses"]["200"]["body"]
    assert isinstance(body, list)
    rules = convert.nat_rules(body)
    assert next((r.name, r.mode, r.internal, r.external) for r in rules) == (
        "natRule1",
        "EgressSnat",
        ("10.4.0.0/24",),
        ("192.168.21.0/24",),
    )
    assert convert.nat_rules({"value": body}) == rules
