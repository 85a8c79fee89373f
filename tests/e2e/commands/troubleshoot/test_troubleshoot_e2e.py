"""`/vpn troubleshoot` through the whole real path (signed slash command, Bolt, the worker, the
ARM pipeline against the emulator's Network Watcher, the Slack emulator), including a run that
outlives the job that asked: a second bot process with the same store picks it up from the
stored operation URL and posts the result.

Expectations follow Microsoft's documentation of VPN troubleshoot
(https://learn.microsoft.com/azure/network-watcher/vpn-troubleshoot-overview): route-based
gateways and their IPsec/VNet-to-VNet connections only; one run at a time per subscription;
the result is TroubleshootingResult (code, results[].summary/detail/recommendedActions) and
the logs go to the storage path given.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.console.app import Console
from bot.settings import Settings
from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import load_estate

ESTATES = Path(__file__).resolve().parents[4] / "sandbox" / "estates"
SUB = "3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13"
RG = f"/subscriptions/{SUB}/resourceGroups"
CONN = f"{RG}/rg-vpn-eun/providers/Microsoft.Network/connections/cn-eun-to-aue"
STORAGE = f"{RG}/rg-vpn-eun/providers/Microsoft.Storage/storageAccounts/stvpnopsdiag"
WATCHER = f"{RG}/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_northeurope"


@pytest.fixture
def seed() -> dict[str, Any]:
    return load_estate(ESTATES / "seed.json")


def run(estate: dict[str, Any] | None, *lines: str, **kw: Any) -> str:
    out = io.StringIO()
    con = Console(estate, out=out, **kw)
    try:
        con.run(list(lines))
    finally:
        con.close()
    return out.getvalue()


def test_a_healthy_connection_says_so_and_where_the_logs_are(seed: dict[str, Any]) -> None:
    out = run(seed, "/vpn troubleshoot cn-eun-to-aue")
    assert "VPN troubleshoot of cn-eun-to-aue: healthy" in out
    assert "https://stvpnopsdiag.blob.core.windows.net/vpn-troubleshoot" in out
    assert "Storage accounts → stvpnopsdiag → Containers → vpn-troubleshoot" in out


def test_an_unhealthy_result_reads_summary_detail_and_actions(seed: dict[str, Any]) -> None:
    # A TroubleshootingResult in the shape of Azure's published example (VipUnResponsive).
    seed["troubleshoot"] = {
        CONN: {
            "startTime": "2026-01-12T00:19:47.0442834Z",
            "endTime": "2026-01-12T00:23:09.914Z",
            "code": "UnHealthy",
            "results": [
                {
                    "id": "000000",
                    "reasonType": "VipUnResponsive",
                    "summary": "The VPN gateway cannot be reached from the Internet",
                    "detail": "Site-to-site tunnels to on-premises sites and other virtual networks are down meanwhile",
                    "recommendedActions": [
                        {
                            "actionText": "Check for a network security group on the GatewaySubnet",
                            "actionUri": "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub",
                            "actionUriText": "GatewaySubnet",
                        }
                    ],
                }
            ],
        }
    }
    out = run(seed, "/vpn troubleshoot cn-eun-to-aue")
    assert "VPN troubleshoot of cn-eun-to-aue: unhealthy (Network Watcher in 3 min 22 s)" in out
    assert "The VPN gateway cannot be reached from the Internet" in out
    assert "tunnels to on-premises sites and other virtual networks are down" in out
    assert "(reason: VipUnResponsive)" in out
    assert "Check for a network security group on the GatewaySubnet" in out


def test_policy_based_gateways_are_refused_with_the_reason(seed: dict[str, Any]) -> None:
    gw = next(r for r in seed["resources"] if r.get("name") == "vgw-eun")
    gw["properties"]["vpnType"] = "PolicyBased"
    out = run(seed, "/vpn troubleshoot vgw-eun", "/vpn troubleshoot cn-eun-to-aue")
    assert out.count("is a policy-based gateway, which VPN troubleshoot does not support") == 2


def test_a_point_to_site_only_gateway_is_refused(seed: dict[str, Any]) -> None:
    seed["resources"] = [r for r in seed["resources"] if r.get("type") != "Microsoft.Network/connections"]
    out = run(seed, "/vpn troubleshoot vgw-eun")
    assert "has only point-to-site clients, and VPN troubleshoot does not check point-to-site" in out


def test_without_storage_settings_the_answer_names_them(seed: dict[str, Any]) -> None:
    seed["resources"] = [r for r in seed["resources"] if r.get("type") != "Microsoft.Storage/storageAccounts"]
    out = run(seed, "/vpn troubleshoot cn-eun-to-aue")
    assert "`VPNOPS_TROUBLESHOOT_STORAGE_ID` must be a storage account's resource id (it is not set)" in out
    assert "`VPNOPS_TROUBLESHOOT_STORAGE_PATH` must be a blob container URL (it is not set)" in out


def test_without_a_network_watcher_the_answer_says_how_to_enable_it(seed: dict[str, Any]) -> None:
    seed["resources"] = [r for r in seed["resources"] if r.get("name") != "NetworkWatcher_northeurope"]
    out = run(seed, "/vpn troubleshoot cn-eun-to-aue")
    assert "Network Watcher is not enabled in North Europe" in out
    assert "--locations northeurope --enabled true" in out


def test_a_run_started_elsewhere_in_the_subscription_is_a_clear_answer(seed: dict[str, Any]) -> None:
    with ArmEmulator(seed) as emu:
        # Someone starts a troubleshoot from the CLI first: Azure runs one per subscription.
        r = requests.post(
            f"{emu.base_url}{WATCHER}/troubleshoot?api-version=2026-03-01",
            headers={"Authorization": "Bearer x"},
            json={
                "targetResourceId": CONN,
                "properties": {"storageId": STORAGE, "storagePath": "https://stvpnopsdiag.blob.core.windows.net/x"},
            },
            timeout=10,
        )
        assert r.status_code == 202
        base = dataclasses.replace(
            Settings(),
            troubleshoot_storage_id=STORAGE,
            troubleshoot_storage_path="https://stvpnopsdiag.blob.core.windows.net/x",
        )
        out = run(None, "/vpn troubleshoot vgw-aue", arm_url=emu.base_url, base_settings=base)
    assert "Azure refused to start VPN troubleshoot: another troubleshoot is running in this subscription" in out


def test_a_run_outlives_its_job_and_a_restarted_bot_posts_the_result(seed: dict[str, Any], tmp_path: Path) -> None:
    base = dataclasses.replace(
        Settings(),
        troubleshoot_storage_id=STORAGE,
        troubleshoot_storage_path="https://stvpnopsdiag.blob.core.windows.net/vpn-troubleshoot",
        troubleshoot_wait_s=0.0,  # the job stops following at once: the timer must take over
    )
    with ArmEmulator(seed) as emu:
        first = run(
            None,
            "/vpn troubleshoot cn-eun-to-aue",
            "/vpn troubleshoot vgw-aue",
            arm_url=emu.base_url,
            base_settings=base,
            state_dir=tmp_path,
        )
        assert "VPN troubleshoot of `cn-eun-to-aue`: it is still running" in first
        # The bot's own rule holds too: the second ask in the subscription waits for the first.
        assert "VPN troubleshoot of `cn-eun-to-aue` is running in this subscription (asked by @alice" in first
        # A new bot process on the same store (a restart). Its lease has to run out first.
        out = io.StringIO()
        con = Console(None, out=out, arm_url=emu.base_url, base_settings=base, state_dir=tmp_path)
        try:
            store = con.deps.store_port()
            (rec,) = store.list_state("troubleshoot")
            assert rec.value["poll_url"].startswith(emu.base_url + "/subscriptions/")
            store.put_state(
                "troubleshoot", rec.key, {**rec.value, "lease_until": "2000-01-01T00:00:00+00:00"}, etag=rec.etag
            )
            con.run(["/resume"])
            posted = [
                m
                for m in con.slack.messages("C_VPNOPS")
                if "VPN troubleshoot of cn-eun-to-aue" in json.dumps(m.blocks, ensure_ascii=False)
            ]
            assert posted, out.getvalue()
            assert store.list_state("troubleshoot") == []
            con.run(["/resume"])
        finally:
            con.close()
    assert "cn-eun-to-aue: result posted" in out.getvalue()
    assert "no troubleshoot run to follow" in out.getvalue()


def test_a_run_past_its_deadline_is_given_up_and_said_so(seed: dict[str, Any], tmp_path: Path) -> None:
    base = dataclasses.replace(
        Settings(),
        troubleshoot_storage_id=STORAGE,
        troubleshoot_storage_path="https://stvpnopsdiag.blob.core.windows.net/vpn-troubleshoot",
        troubleshoot_wait_s=0.0,
    )
    with ArmEmulator(seed) as emu:
        run(None, "/vpn troubleshoot cn-eun-to-aue", arm_url=emu.base_url, base_settings=base, state_dir=tmp_path)
        out = io.StringIO()
        con = Console(None, out=out, arm_url=emu.base_url, base_settings=base, state_dir=tmp_path)
        try:
            store = con.deps.store_port()
            (rec,) = store.list_state("troubleshoot")
            # Lost its URL (the job died before Azure answered) and past its deadline.
            store.put_state(
                "troubleshoot",
                rec.key,
                {
                    **rec.value,
                    "poll_url": "",
                    "lease_until": "2000-01-01T00:00:00+00:00",
                    "deadline_at": "2000-01-01T00:00:00+00:00",
                },
                etag=rec.etag,
            )
            con.run(["/resume"])
            texts = json.dumps([m.blocks for m in con.slack.messages("C_VPNOPS")], ensure_ascii=False)
        finally:
            con.close()
    assert "VPN troubleshoot of cn-eun-to-aue: no result" in texts
    assert "az network watcher troubleshooting show --resource" in texts


def test_bad_input(seed: dict[str, Any]) -> None:
    out = run(copy.deepcopy(seed), "/vpn troubleshoot", "/vpn troubleshoot cn-eun cn-aue", "/vpn troubleshoot cn-eun")
    assert "Which connection or gateway?" in out
    assert "is more than one name" in out
    assert "No connection or gateway named `cn-eun`" in out


def test_missing_rights_on_the_storage_account_are_named(seed: dict[str, Any]) -> None:
    seed["denied"] = ["Microsoft.Storage/storageAccounts/listKeys/action"]
    out = run(seed, "/vpn troubleshoot cn-eun-to-aue")
    assert "the bot's identity lacks rights on the storage account `stvpnopsdiag`" in out
    assert "docs/deploy.md" in out
