"""commands.logs.ike: IKE log lines in plain words (IKEv2 notify types, RFC 7296 §3.10.1), the
connection's peer only, and a tunnel that came back after the errors said as such."""

from __future__ import annotations

from commands.core.model import Connection, Gateway
from commands.core.netwatch import DiagnosticSetting, LogTable
from commands.core.reply import Context, Finding, Table
from commands.logs.ike import explain, query_for, render_rows

GW = Gateway("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworkGateways/vgw", "vgw")
CONN = Connection("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/connections/cn", "cn")
SETTING = DiagnosticSetting(
    "x",
    "to-law",
    workspace_id="/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/law",
)
COLS = ("TimeGenerated", "Category", "OperationName", "Message", "remoteIP_s")


def ike(when: str, message: str, remote: str = "203.0.113.1") -> tuple[object, ...]:
    return (when, "IKEDiagnosticLog", "", f"SESSION_ID :{{x}} Remote {remote}:500: Local 20.1.1.1:500: {message}", "")


def test_notify_types_read_as_plain_words() -> None:
    assert explain("Received NO_PROPOSAL_CHOSEN notify")[0].startswith("no IKE/IPsec proposal in common")  # type: ignore[index]
    assert "traffic selectors" in explain("TS_UNACCEPTABLE")[0]  # type: ignore[index]
    assert "Diffie-Hellman" in explain("INVALID_KE_PAYLOAD received")[0]  # type: ignore[index]
    assert explain("IKE_SA established") is None


def test_only_the_connections_peer_counts_and_a_reconnect_after_is_said() -> None:
    rows = (
        ("2026-01-01T10:05:00Z", "TunnelDiagnosticLog", "TunnelConnected", "", "203.0.113.1"),
        ike("2026-01-01T10:00:00Z", "NO_PROPOSAL_CHOSEN"),
        ike("2026-01-01T09:00:00Z", "AUTHENTICATION_FAILED", remote="198.51.100.9"),
    )
    parts = render_rows(LogTable(COLS, rows), GW, CONN, {"203.0.113.1"}, SETTING, 24)
    findings = [p for p in parts if isinstance(p, Finding)]
    assert len(findings) == 1 and "no IKE/IPsec proposal in common" in str(findings[0].title)
    assert findings[0].severity == "warning"  # the tunnel connected after it
    assert any(isinstance(p, Context) and "after these errors" in str(p.text) for p in parts)
    assert any(isinstance(p, Table) for p in parts)


def test_no_rows_is_said_as_no_events_never_as_healthy_state() -> None:
    parts = render_rows(LogTable(COLS, ()), GW, CONN, {"203.0.113.1"}, SETTING, 24)
    assert "No IKE or tunnel events" in str(parts[0].text)  # type: ignore[union-attr]


def test_the_query_is_narrowed_to_the_gateway_and_the_two_categories() -> None:
    q = query_for(GW.id)
    assert f'ResourceId =~ "{GW.id}"' in q and '"IKEDiagnosticLog", "TunnelDiagnosticLog"' in q
