"""Why IKE negotiation failed, from the gateway's diagnostic logs in Log Analytics.

A VPN gateway writes `IKEDiagnosticLog` (IKE control messages and events) and
`TunnelDiagnosticLog` (tunnel connect/disconnect, with a summary reason) to the
`AzureDiagnostics` table of a Log Analytics workspace when a diagnostic setting sends them
there (https://learn.microsoft.com/azure/vpn-gateway/troubleshoot-vpn-with-azure-diagnostics).
The columns read are those of Microsoft's sample queries on that page: `TimeGenerated`,
`Category`, `OperationName`, `Level`, `Message` (IKE lines as `SESSION_ID :{…} Remote
<ip>:500: Local <ip>:500: <event>`), `remoteIP_s`, `instance_s`, and a tunnel event's reason
when given (`stateChangeReason_s`).

`ike_failure_parts(ctx, …)` is the one entry point: it finds the workspace from the gateway's
diagnostic settings, queries the last hours, keeps the rows of the connection's remote peer,
and returns reply parts — the negotiation errors in plain words (IKEv2's notify types, RFC
7296 §3.10.1), the tunnel events — or, when no setting sends those categories, how to add one.
`/vpn logs` shows them; `/vpn connection` can add them to a connection's detail thread.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from commands.core.errors import AzureFailure
from commands.core.model import Connection, Gateway, LocalNetworkGateway, name_of, rid_key
from commands.core.netwatch import DiagnosticSetting, LogTable
from commands.core.registry import Ctx
from commands.core.reply import Context, Finding, Part, Table, Text
from commands.core.text import Icon, code, link, rich, strong

LOGS_DOC = "https://learn.microsoft.com/azure/vpn-gateway/troubleshoot-vpn-with-azure-diagnostics"
SETTINGS_DOC = "https://learn.microsoft.com/azure/azure-monitor/essentials/create-diagnostic-settings"
RFC_DOC = "https://www.rfc-editor.org/rfc/rfc7296#section-3.10.1"
CATEGORIES = ("IKEDiagnosticLog", "TunnelDiagnosticLog")
DEFAULT_HOURS = 24.0
MAX_ROWS = 300

# IKE failures in plain words: (pattern in the message, what it means, what to do). The notify
# types are IKEv2's (RFC 7296 §3.10.1); the rest are the gateway's own words for the same.
REASONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"AUTHENTICATION_FAILED|pre-?shared key|PSK", re.I),
        "the shared keys differ (IKE authentication failed)",
        "Set the same shared key on both ends (for VNet-to-VNet, on both connections).",
    ),
    (
        re.compile(r"NO_PROPOSAL_CHOSEN|no proposal|proposal mismatch", re.I),
        "no IKE/IPsec proposal in common (encryption, integrity, DH group or SA lifetime differ)",
        "Compare the connection's IPsec/IKE policy (or Azure's defaults) with the remote device's.",
    ),
    (
        re.compile(r"TS_UNACCEPTABLE|traffic selector", re.I),
        "the traffic selectors (address ranges) of the two ends do not match",
        "Make the remote device's local/remote ranges match Azure's (policy-based selectors, address spaces).",
    ),
    (
        re.compile(r"INVALID_KE_PAYLOAD|DH group|Diffie", re.I),
        "the Diffie-Hellman groups differ",
        "Use the same DH group (IKE) and PFS group (IPsec) on both ends.",
    ),
    (
        re.compile(r"INVALID_SYNTAX|INVALID_MESSAGE_ID|UNSUPPORTED_CRITICAL_PAYLOAD", re.I),
        "the remote device sent IKE messages the gateway cannot accept (IKE version or implementation)",
        "Check the IKE version (IKEv1/IKEv2) of the connection against the device's.",
    ),
    (
        re.compile(r"timed? ?out|no response|retransmi|unreachable|not responding", re.I),
        "the remote peer did not answer IKE (UDP 500/4500 blocked, wrong public IP, or the device is down)",
        "Check the remote public IP, firewalls on UDP 500 and 4500, and that the device is up.",
    ),
    (
        re.compile(r"\bDPD\b|dead peer", re.I),
        "dead peer detection gave up on the remote peer",
        "Check the device and the path between; a DPD timeout shorter than the path's outages drops tunnels.",
    ),
)
_REMOTE = re.compile(r"Remote\s+([0-9a-fA-F:.]+?):\d+")


@dataclass(frozen=True)
class LogRow:
    when: datetime | None
    category: str
    operation: str
    level: str
    message: str
    remote_ip: str
    reason: str


def _row(r: dict[str, object]) -> LogRow:
    message = str(r.get("Message") or "")
    remote = str(r.get("remoteIP_s") or "")
    if not remote:
        m = _REMOTE.search(message)
        remote = m.group(1) if m else ""
    raw_when = r.get("TimeGenerated")
    when = raw_when if isinstance(raw_when, datetime) else _parse_time(str(raw_when or ""))
    return LogRow(
        when=when,
        category=str(r.get("Category") or ""),
        operation=str(r.get("OperationName") or ""),
        level=str(r.get("Level") or ""),
        message=message,
        remote_ip=remote,
        reason=str(r.get("stateChangeReason_s") or ""),
    )


def _parse_time(text: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def explain(message: str) -> tuple[str, str] | None:
    """(what an IKE message means, what to do) when it is a known failure; None otherwise."""
    for pattern, means, fix in REASONS:
        if pattern.search(message):
            return means, fix
    return None


def query_for(gateway_id: str) -> str:
    """The KQL the bot runs (Microsoft's sample queries, narrowed to the gateway)."""
    cats = ", ".join(f'"{c}"' for c in CATEGORIES)
    return (
        f'AzureDiagnostics | where ResourceId =~ "{gateway_id}" | where Category in ({cats}) '
        f"| order by TimeGenerated desc | take {MAX_ROWS}"
    )


def add_setting_parts(gateway: str, gateway_id: str, settings: Sequence[DiagnosticSetting]) -> list[Part]:
    """No diagnostic setting sends the IKE/tunnel logs to a workspace: how to add one."""
    elsewhere = [s for s in settings if any(s.sends(c) for c in CATEGORIES) and not s.workspace_id]
    logs = ",".join(f'{{"category":"{c}","enabled":true}}' for c in CATEGORIES)
    cmd = (
        f"az monitor diagnostic-settings create --name vpnops-ike --resource {gateway_id} "
        f"--workspace <log-analytics-workspace-id> --logs '[{logs}]'"
    )
    why = (
        "its diagnostic setting sends them to storage or an event hub, not to a Log Analytics workspace"
        if elsewhere
        else "no diagnostic setting sends IKEDiagnosticLog and TunnelDiagnosticLog to a Log Analytics workspace"
    )
    return [
        Text(rich(Icon.WARNING, " The IKE logs of ", code(gateway), f" cannot be read: {why}.")),
        Text(
            rich(
                "Add one in the portal: the gateway → Monitoring → Diagnostic settings → Add diagnostic setting → "
                "tick IKEDiagnosticLog and TunnelDiagnosticLog → Send to Log Analytics workspace. Or: ",
                code(cmd),
            )
        ),
        Context(
            rich(
                "Logs appear after a few minutes, for negotiations from then on. ",
                link(SETTINGS_DOC, "Diagnostic settings"),
                " · ",
                link(LOGS_DOC, "VPN gateway diagnostic logs"),
            )
        ),
    ]


def _could_not(what: str, e: AzureFailure) -> Finding:
    detail = f" ({e.code})" if e.code else ""
    return Finding(
        "warning",
        rich(f"Could not {what}: {e.kind}{detail}"),
        rich(e.message) if e.message else "",
        e.advice,
        key=f"ike_logs_unread:{what}",
    )


def remote_ips(
    ctx: Ctx, connection: Connection, lng: LocalNetworkGateway | None, gateways: Sequence[Gateway]
) -> set[str]:
    """The public IPs the connection's IKE peer uses: the local network gateway's address, or
    (VNet-to-VNet) the remote gateway's public IPs (read; unreadable ones left out)."""
    if lng is not None and lng.gateway_ip:
        return {lng.gateway_ip}
    remote_gw = connection.gateway2_id
    g = next((x for x in gateways if rid_key(x.id) == rid_key(remote_gw)), None)
    found: set[str] = set()
    for pip in g.public_ip_ids if g is not None else ():
        try:
            ip = ctx.azure.public_ip_address(pip)
        except AzureFailure:
            continue
        if ip:
            found.add(ip)
    return found


def ike_failure_parts(
    ctx: Ctx,
    gateway: Gateway,
    connection: Connection | None = None,
    local_gateway: LocalNetworkGateway | None = None,
    gateways: Sequence[Gateway] = (),
    hours: float = DEFAULT_HOURS,
) -> list[Part]:
    """Reply parts with the last IKE negotiation errors and tunnel events of `connection` (or
    of the whole `gateway`), in plain words. Never raises AzureFailure: what could not be
    read is said in the parts. `gateways`: the estate's, to find a VNet-to-VNet peer's IPs."""
    try:
        settings = ctx.azure.diagnostic_settings(gateway.id)
    except AzureFailure as e:
        return [_could_not(f"read the diagnostic settings of {gateway.name}", e)]
    sending = [s for s in settings if s.workspace_id and all(s.sends(c) for c in CATEGORIES)]
    if not sending:
        return add_setting_parts(gateway.name, gateway.id, settings)
    setting = sending[0]
    try:
        workspace = ctx.azure.workspace_customer_id(setting.workspace_id)
        table = ctx.azure.query_logs(workspace, query_for(gateway.id), hours)
    except AzureFailure as e:
        return [_could_not(f"query the Log Analytics workspace {name_of(setting.workspace_id)}", e)]
    peers = remote_ips(ctx, connection, local_gateway, gateways) if connection is not None else set()
    return render_rows(table, gateway, connection, peers, setting, hours)


def render_rows(
    table: LogTable,
    gateway: Gateway,
    connection: Connection | None,
    peers: set[str],
    setting: DiagnosticSetting,
    hours: float,
) -> list[Part]:
    rows = [_row(r) for r in table.records()]
    if connection is not None and peers:
        rows = [r for r in rows if r.remote_ip in peers]
    subject = connection.name if connection is not None else gateway.name
    source = rich(" (last ", f"{hours:g} h, Log Analytics workspace ", code(name_of(setting.workspace_id)), ")")
    out: list[Part] = []
    if table.partial:
        out.append(Context(rich(Icon.WARNING, f" Log Analytics returned part of the result: {table.partial}")))
    if connection is not None and not peers:
        out.append(Context("The connection's remote IP could not be read: every IKE event of the gateway is shown."))
    failures = [(r, x) for r in rows if r.category == "IKEDiagnosticLog" and (x := explain(r.message)) is not None]
    tunnels = [r for r in rows if r.category == "TunnelDiagnosticLog"]
    if not rows:
        out.insert(0, Text(rich(Icon.INFO, " No IKE or tunnel events for ", code(subject), source, ".")))
        return out
    if not failures:
        out.insert(0, Text(rich(Icon.DONE, " No IKE negotiation errors for ", code(subject), source, ".")))
    else:
        out.insert(0, Text(rich(strong(f"IKE negotiation errors of {subject}"), source)))
        newest_up = next((t for t in tunnels if t.operation.lower() == "tunnelconnected"), None)
        latest_fail = failures[0][0]
        healed = (
            newest_up is not None
            and newest_up.when is not None
            and latest_fail.when is not None
            and newest_up.when > latest_fail.when
            and tunnels[0] is newest_up
        )
        if healed and newest_up is not None:
            out.insert(
                1,
                Context(
                    rich(
                        Icon.INFO,
                        f" The tunnel connected at {_hhmm(newest_up.when)}, after these errors, and has not "
                        "disconnected since: they explain the last outage, not the present.",
                    )
                ),
            )
        groups: dict[str, list[tuple[LogRow, tuple[str, str]]]] = {}
        for r, x in failures:
            groups.setdefault(x[0], []).append((r, x))
        for means, hits in groups.items():
            last = hits[0][0]  # rows are newest first
            out.append(
                Finding(
                    "warning" if healed else "critical",
                    rich(f"IKE with {last.remote_ip or 'the remote peer'} failed: {means}"),
                    rich(f"{len(hits)}× in the logs, last at {_hhmm(last.when)}: ", code(_event(last.message))),
                    hits[0][1][1],
                    RFC_DOC,
                    key=f"ike_failure:{means}:{subject}",
                )
            )
    if tunnels:
        out.append(
            Table(
                columns=("time (UTC)", "event", "remote", "reason"),
                rows=tuple(
                    (_hhmm(t.when), t.operation or "-", t.remote_ip or "-", t.reason or "-") for t in tunnels[:20]
                ),
                caption=rich("Tunnel events of ", code(subject), ", newest first"),
                filename=f"{subject}-tunnel-events.txt",
            )
        )
    return out


def _event(message: str) -> str:
    """The event of an IKE line, without its SESSION_ID / Remote / Local prefix."""
    m = re.search(r"Local\s+[0-9a-fA-F:.]+:\d+:\s*(.*)$", message)
    text = m.group(1) if m else message
    return text[:200]


def _hhmm(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if when is not None else "?"
