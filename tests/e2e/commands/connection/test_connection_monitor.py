"""`/vpn connection` with the connection's Azure Monitor rates and its IKE failure reasons, in the
thread, through the real path: signed slash command into the Bolt app, the worker,
azure-monitor-querymetrics' MetricsClient to the emulator's batch metrics API and
azure-monitor-query's LogsQueryClient to its Log Analytics API.

Rules: the tunnel metrics live on the gateway, split by `ConnectionName`/`RemoteIP`
(https://learn.microsoft.com/azure/vpn-gateway/monitor-vpn-gateway-reference); the IKE errors
are `IKEDiagnosticLog` rows in `AzureDiagnostics`
(https://learn.microsoft.com/azure/vpn-gateway/troubleshoot-vpn-with-azure-diagnostics), an
AUTHENTICATION_FAILED notify being a failed authentication (RFC 7296 §3.10.1) — the seed's
cn-eun-to-aue has mismatched shared keys (docs seed-problem). What could not be read is said as
such, never as zero or "no errors" (the brief's rule).
"""

from __future__ import annotations

from bot.console.app import Console
from tests.e2e.commands.connection.test_connection import answer, first_message


def thread_of(text: str) -> str:
    return text.split("(thread of [2])", 1)[1]


def test_the_thread_has_the_rates_and_the_ike_reason_the_first_message_stays_short() -> None:
    cons: list[Console] = []
    text = answer("seed", "/vpn connection cn-eun-to-aue", cons.append)
    first, thread = first_message(text), thread_of(text)
    # the metrics are read once, with the gateways in depth: four batch calls (tunnel, BGP,
    # bandwidth, P2S) per subscription and region, and the two ends are in two regions
    assert len([r for r in cons[0].arm.requests if r.path.endswith("/metrics:getBatch")]) == 8
    # Azure Monitor: the connection's rates over the last hour, its figures and its chart
    assert "cn-eun-to-aue · the last hour: ↑" in thread and "Mbit/s" in thread
    assert "Selector mismatch out / in" in thread and "Remote IPs: 20.211.64.33" in thread
    assert "cn-eun-to-aue-traffic.png (PNG image" in text
    # Log Analytics: the last negotiation errors in plain words, with the fix
    assert "IKE negotiation errors of cn-eun-to-aue (last 24 h, Log Analytics workspace `law-vpn-eun`)" in thread
    assert "IKE with 20.211.64.33 failed: the shared keys differ (IKE authentication failed)" in thread
    # phone first: neither the rates nor the log rows in the first message
    assert "the last hour" not in first and "IKE negotiation errors" not in first
    assert len(first.splitlines()) <= 6


def test_unreadable_metrics_and_logs_are_said_as_such_never_zero_or_empty() -> None:
    def deny(con: Console) -> None:
        con.arm.deny("Microsoft.Insights/metrics/read")
        con.arm.deny("Microsoft.OperationalInsights/workspaces/query/read")

    text = answer("seed", "/vpn connection cn-eun-to-aue", deny)
    thread = thread_of(text)
    assert "Azure Monitor metrics of `vgw-eun` could not be read: forbidden" in thread
    assert "Could not query the Log Analytics workspace law-vpn-eun: forbidden" in thread
    assert "read failed" in first_message(text)  # the gap is counted on the phone
    assert "the last hour: ↑" not in text and "no metrics" not in text  # not zero, not "no data"
    assert "No IKE or tunnel events" not in text  # not "no errors"


def test_status_points_at_the_rates_and_for_a_tunnel_down_at_its_logs_and_troubleshoot() -> None:
    down = answer("responder-only-down", "/vpn status vgw-ro")
    line = next(x for x in down.splitlines() if "🔎 IKE/IPsec: `/vpn connection cn-ro-to-depot`" in x)
    assert "rates: `/vpn metrics vgw-ro`" in line
    assert "why down: `/vpn logs cn-ro-to-depot`, `/vpn troubleshoot cn-ro-to-depot`" in line
    up = answer("seed", "/vpn status vgw-eun")  # cn-eun-to-aue is Connected: no "why down"
    line = next(x for x in up.splitlines() if "🔎 IKE/IPsec: `/vpn connection cn-eun-to-aue`" in x)
    assert "rates: `/vpn metrics vgw-eun`" in line and "why down" not in line


def test_help_lists_every_command_once_in_the_catalog_order() -> None:
    from commands.catalog import REGISTRY

    text = answer("seed", "/vpn help")
    lines = [x.strip() for x in text.splitlines()]  # an entry's first line is its usage alone
    heads = [f"`/vpn {c.usage}`" for c in REGISTRY.visible()]
    assert all(lines.count(h) == 1 for h in heads), [h for h in heads if lines.count(h) != 1]
    at = [lines.index(h) for h in heads]
    assert at == sorted(at)
    assert len([x for x in lines if x.startswith("`/vpn ") and x.endswith("`")]) == len(heads)
    names = [c.name for c in REGISTRY.visible()]
    # the estate first, then one connection down through its layers, the actions last
    assert names[:2] == ["status", "diagnose"] and names[-1] == "help"
    assert names.index("connection") < names.index("metrics") < names.index("logs") < names.index("troubleshoot")
    assert names.index("troubleshoot") < names.index("reset")
