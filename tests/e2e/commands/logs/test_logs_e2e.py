"""`/vpn logs` through the whole real path: the gateway's diagnostic settings read over ARM, the
workspace's customerId, and a KQL query through azure-monitor-query's LogsQueryClient to the
emulator's Log Analytics API (`POST /v1/workspaces/{id}/query`, tables/columns/rows:
https://learn.microsoft.com/azure/azure-monitor/logs/api/response-format).

The rows are in the columns of Microsoft's sample queries for VPN gateway diagnostics
(https://learn.microsoft.com/azure/vpn-gateway/troubleshoot-vpn-with-azure-diagnostics); what an
IKE failure means follows IKEv2's notify types (RFC 7296 §3.10.1).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from bot.console.app import Console
from sandbox.estate import load_estate

ESTATES = Path(__file__).resolve().parents[4] / "sandbox" / "estates"
LAW = "6a1c2e4f-3b5d-4f7a-9c8e-1d2b3a4c5e6f"


@pytest.fixture
def seed() -> dict[str, Any]:
    return load_estate(ESTATES / "seed.json")


def run(estate: dict[str, Any], *lines: str) -> str:
    out = io.StringIO()
    con = Console(estate, out=out)
    try:
        con.run(list(lines))
    finally:
        con.close()
    return out.getvalue()


def rows(estate: dict[str, Any]) -> list[dict[str, Any]]:
    return estate["logs"]["workspaces"][LAW]["AzureDiagnostics"]  # type: ignore[no-any-return]


def test_a_shared_key_mismatch_is_said_in_plain_words_with_the_fix(seed: dict[str, Any]) -> None:
    out = run(seed, "/vpn logs cn-eun-to-aue")
    assert "IKE negotiation errors of cn-eun-to-aue (last 24 h, Log Analytics workspace `law-vpn-eun`)" in out
    assert "IKE with 20.211.64.33 failed: the shared keys differ (IKE authentication failed)" in out
    assert "3× in the logs" in out and "Set the same shared key on both ends" in out
    # The tunnel came back after the errors: said, so an old outage is not taken for today's.
    assert "The tunnel connected at" in out and "after these errors" in out
    assert "TunnelDisconnected" in out and "IKE SA expired and rekey failed" in out


def test_a_peer_that_does_not_answer_and_a_tunnel_still_down(seed: dict[str, Any]) -> None:
    seed["logs"]["workspaces"][LAW]["AzureDiagnostics"] = [
        r
        for r in rows(seed)
        if r.get("OperationName") != "TunnelConnected" and "established" not in r.get("Message", "")
    ] + [
        {
            **rows(seed)[1],
            "TimeGenerated": "-5m",
            "Message": "SESSION_ID :{0} Remote 20.211.64.33:500: Local 20.54.120.10:500: IKE_SA_INIT request timed out: no response from the remote peer",
        }
    ]
    out = run(seed, "/vpn logs cn-eun-to-aue")
    assert "the remote peer did not answer IKE (UDP 500/4500 blocked" in out
    assert "after these errors" not in out


def test_events_of_another_peer_are_not_this_connections(seed: dict[str, Any]) -> None:
    for r in rows(seed):
        r["remoteIP_s"] = "198.51.100.77"
        r["Message"] = r["Message"].replace("20.211.64.33", "198.51.100.77")
    out = run(seed, "/vpn logs cn-eun-to-aue")
    assert "No IKE or tunnel events for `cn-eun-to-aue`" in out


def test_without_a_diagnostic_setting_the_answer_says_how_to_add_one(seed: dict[str, Any]) -> None:
    out = run(seed, "/vpn logs vgw-aue")
    assert "no diagnostic setting sends IKEDiagnosticLog and TunnelDiagnosticLog to a Log Analytics workspace" in out
    assert "Monitoring → Diagnostic settings → Add diagnostic setting" in out
    assert "az monitor diagnostic-settings create --name vpnops-ike --resource /subscriptions/" in out
    assert '"category":"IKEDiagnosticLog","enabled":true' in out


def test_a_denied_query_is_could_not_read_never_no_errors(seed: dict[str, Any]) -> None:
    seed["denied"] = ["Microsoft.OperationalInsights/workspaces/query/read"]
    out = run(seed, "/vpn logs cn-eun-to-aue")
    assert "Could not query the Log Analytics workspace law-vpn-eun: forbidden" in out
    assert "No IKE" not in out


def test_a_denied_settings_read_is_could_not_read(seed: dict[str, Any]) -> None:
    seed["denied"] = ["Microsoft.Insights/diagnosticSettings/read"]
    out = run(seed, "/vpn logs cn-eun-to-aue")
    assert "Could not read the diagnostic settings of vgw-eun: forbidden" in out
    assert "Add one in the portal" not in out


def test_bad_input(seed: dict[str, Any]) -> None:
    out = run(seed, "/vpn logs", "/vpn logs nothing-here")
    assert "Which connection or gateway?" in out
    assert "No connection or gateway named `nothing-here`" in out
