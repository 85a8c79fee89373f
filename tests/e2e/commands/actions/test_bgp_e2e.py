"""`/vpn bgp <connection> on|off` end to end (Bolt, worker, the real SDK's connection PUT with
If-Match against the ARM emulator, SQLite).

Expectations from Microsoft's BGP pages: BGP on a connection needs BGP on its gateway and on
the far end with a different ASN (https://learn.microsoft.com/azure/vpn-gateway/bgp-howto);
Azure reserves 8074, 8075, 12076, 65515, 65517-65520 for on-premises devices, IANA 23456,
64496-64511, 65535-65551 (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp).
A GET never returns the shared key, so the PUT must carry it: the key after the write is the
key before it."""

from __future__ import annotations

from pathlib import Path

from bot.console.app import Console
from sandbox.arm import ids
from sandbox.estate import load_estate
from tests.e2e.commands.actions.conftest import SCENARIOS, console_on, run

SUB = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups"
AUE_TO_EUN = f"{SUB}/rg-vpn-aue/providers/Microsoft.Network/connections/cn-aue-to-eun"
VGW_EUN = f"{SUB}/rg-vpn-eun/providers/Microsoft.Network/virtualNetworkGateways/vgw-eun"


def _props(console: Console, rid: str) -> dict[str, object]:
    doc = console.arm.resource(rid)
    assert doc is not None
    return dict(doc["properties"])


def test_bgp_on_keeps_the_shared_key_and_can_be_reverted(console: Console) -> None:
    key_before = console.arm.estate.shared_keys[ids.key(AUE_TO_EUN)]
    text = run(console, "/vpn bgp cn-aue-to-eun on reason: dynamic routes")
    assert "BGP change #1: cn-aue-to-eun" in text and "off" in text and "Revertible:" in text
    assert key_before not in text
    text = run(console, "/as U_BOB", "/approve 1")
    assert "Request #1 done: turn BGP on for connection cn-aue-to-eun" in text and "[ Revert ]" in text
    assert _props(console, AUE_TO_EUN)["enableBgp"] is True
    assert console.arm.estate.shared_keys[ids.key(AUE_TO_EUN)] == key_before
    puts = [r for r in console.arm.requests if r.method == "PUT" and r.path.lower().endswith("/cn-aue-to-eun")]
    assert len(puts) == 1 and puts[0].if_match  # one conditional write

    text = run(console, "/revert 1")
    assert "BGP change #2" in text and "Revert of #1" in text
    run(console, "/as U_CAROL", "/approve 2")
    assert _props(console, AUE_TO_EUN)["enableBgp"] is False
    assert console.arm.estate.shared_keys[ids.key(AUE_TO_EUN)] == key_before


def test_bgp_on_is_refused_when_the_gateway_has_no_bgp(console: Console) -> None:
    console.arm.change_resource(VGW_EUN, {"properties.enableBgp": False})
    text = run(console, "/vpn bgp cn-eun-to-aue off", "/vpn bgp cn-aue-to-eun on")
    assert "Not filed" in text and "has no BGP enabled" in text  # the far end vgw-eun
    assert "BGP change #2" not in text


def test_bgp_on_is_refused_for_the_same_or_a_reserved_asn(tmp_path: Path) -> None:
    estate = load_estate(SCENARIOS / "active-active-apipa-bgp.json")
    with console_on(estate, tmp_path) as c:
        text = run(c, "/vpn bgp cn-neu-to-dc-1 off reason: move to static")
        assert "BGP change #1" in text and "withdrawn" in text
        run(c, "/cancel 1")
        lng = next(r["id"] for r in c.arm.dump()["resources"] if r["name"] == "lgw-dc-1")
        conn = next(r["id"] for r in c.arm.dump()["resources"] if r["name"] == "cn-neu-to-dc-1")
        c.arm.change_resource(conn, {"properties.enableBgp": False})
        c.arm.change_resource(lng, {"properties.bgpSettings.asn": 65520})
        text = run(c, "/vpn bgp cn-neu-to-dc-1 on")
        assert "Not filed" in text and "reserved ASN (65520)" in text and "reserved by Azure" in text
        gw_asn = next(r for r in c.arm.dump()["resources"] if r["name"] == "vgw-neu")["properties"]["bgpSettings"][
            "asn"
        ]
        c.arm.change_resource(lng, {"properties.bgpSettings.asn": gw_asn})
        text = run(c, "/vpn bgp cn-neu-to-dc-1 on")
        assert "Not filed" in text and f"both use ASN {gw_asn}" in text


def test_a_change_made_after_the_plan_is_never_overwritten(console: Console) -> None:
    run(console, "/vpn bgp cn-aue-to-eun on reason: x")
    console.arm.change_resource(AUE_TO_EUN, {"properties.routingWeight": 7})
    text = run(console, "/as U_BOB", "/approve 1")
    assert "Not applied" in text and "changed since the plan" in text
    assert _props(console, AUE_TO_EUN)["enableBgp"] is False
    assert _props(console, AUE_TO_EUN)["routingWeight"] == 7
