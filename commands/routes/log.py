"""The answer to a pasted Azure VPN client log: what the client received, which gateway
served it, and how that compares with what the gateway hands out (`p2s`)."""

from __future__ import annotations

from collections.abc import Sequence

from commands.core.errors import UsageError
from commands.core.estate import EstateIndex, subscriptions_in_scope
from commands.core.model import Gateway, VirtualNetwork, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Context, Fields, Finding, Header, Inline, Reply, Text, error_reply
from commands.core.text import Icon, Rich, code, join, link, rich, strong
from commands.findings.routing.findings import p2s_log_findings, with_commands
from commands.findings.routing.p2s import (
    P2S_ROUTING_DOC,
    ExpectedPrefix,
    GatewayMatch,
    RouteCheck,
    compare_client_routes,
    match_gateway,
    p2s_plan,
)
from commands.findings.routing.vpnlog import VpnClientLog, parse_vpn_client_log
from commands.judgement.estate import read_estate, read_in_depth, read_peered_vnets
from commands.judgement.progress import Progress
from commands.judgement.view import head, problems

LOG_HINT = rich(
    "Paste lines from the Azure VPN client's log (",
    code("AzureVpnCxn.log"),
    "; in the client: … → ",
    strong("Show logs"),
    "), such as ",
    code("… [hub-eun] [Verbose] Received option: route 10.0.0.0 255.255.0.0"),
    " or ",
    code("… Assigned IP address: 172.16.10.2 / 255.255.255.128"),
    ". A code block keeps Slack from changing them.",
)
LOG_EXAMPLE = "/vpn routes log [3/23/2020 1:28:14 PM] PId:[1] TId:[2] [hub-eun] [Verbose] Received option: route 10.0.0.0 255.255.0.0"


def log_reply(ctx: Ctx, text: str) -> Reply:
    """Read a pasted Azure VPN client log; compare it with what the serving gateway hands out."""
    if not text.strip():
        raise UsageError(rich("Paste the VPN client's log after ", code("/vpn routes log"), "."), LOG_HINT, LOG_EXAMPLE)
    log = parse_vpn_client_log(text)
    if log.empty:
        return error_reply("I could not find Azure VPN client log lines in that text.", LOG_HINT, LOG_EXAMPLE)
    subs = subscriptions_in_scope(ctx, "your VPN gateways")
    progress = Progress(ctx)
    est = read_estate(ctx, subs, progress)
    match = match_gateway(log.assigned_ip, log.profiles, est.gateways, est.index)
    checks: list[RouteCheck] = []
    if match.gateway is not None:
        key = rid_key(match.gateway.id)
        read_peered_vnets(ctx, est, progress)
        read_in_depth(ctx, est, match.gateway.name, lambda g: rid_key(g.id) == key)
        plan: list[ExpectedPrefix] = p2s_plan(match.gateway, est.index)
        checks = compare_client_routes(plan, log.prefixes, log.assigned_prefix)
    facts = est.index
    gaps = est.gap_lines()

    profile = log.profiles[0] if log.profiles else ""
    title = "VPN client log" + (f" — {profile}" if profile else "")
    received = ", ".join(log.prefixes) or "none"
    r = Reply(fallback=rich(f"{title}: routes {received}; address {log.assigned_ip or '?'}"))
    findings: list[Finding] = []
    if match.gateway is None:
        findings.append(_no_gateway(match))
    else:
        findings += p2s_log_findings(log, checks, match.gateway.name, _vnet_of(match.gateway, facts), est.resolvers)
    served = rich(", served by ", code(match.gateway.name)) if match.gateway is not None else None
    r.add(*head(rich(title, served), problems(findings), unread=len(gaps)))
    r.more(Header(title), Fields(_fields(log, match)))
    if match.gateway is not None:
        gw = match.gateway
        r.more(Context(rich("Served by ", code(gw.name), f": {match.how}.")))
        if checks:
            r.more(Text(rich(strong("Compared with what ", gw.name, " hands out"), "\n", _check_lines(checks))))
    r.more(*findings)
    if log.errors:
        errors = [f"• line {n}: {m[:200]}" for n, m in log.errors]
        r.more(Text(rich(strong("Errors in the log"), "\n", join("\n", errors))))
    r.more(Context(rich(_read_words(log), " · ", link(P2S_ROUTING_DOC, "Azure's point-to-site routing"))))
    for gap in gaps[:5]:
        r.more(Context(rich(Icon.WARNING, " ", gap)))
    return r


def _fields(log: VpnClientLog, match: GatewayMatch) -> tuple[tuple[str, Inline], ...]:
    """What the log says, side by side: address, routes, DNS, session, and the gateway."""
    if log.assigned_ip and log.assigned_prefixlen is not None:
        assigned: Inline = code(f"{log.assigned_ip}/{log.assigned_prefixlen}")
    else:
        assigned = code(log.assigned_ip) if log.assigned_ip else "not in the log"
    if log.disconnected:
        session = "disconnected"
    else:
        session = "established" if log.established else "not established in this log"
    fields: list[tuple[str, Inline]] = [
        ("Assigned address", assigned),
        ("Routes received", _codes(log.prefixes) or "none"),
        ("Route gateway", code(log.route_gateway) if log.route_gateway else "—"),
        ("DNS servers", _codes(log.dns_servers) or strong("none pushed")),
        ("Session", session),
        ("Gateway", code(match.gateway.name) if match.gateway else "not identified"),
    ]
    if log.assigned_ipv6:
        fields.insert(1, ("IPv6 address", code(log.assigned_ipv6)))
    if len(log.profiles) > 1:
        fields.append(("Profiles in the log", _codes(log.profiles)))
    return tuple(fields)


def _no_gateway(match: GatewayMatch) -> Finding:
    """No gateway's P2S pool or name fits the log: the candidates, and what to check."""
    cands = [rich("• ", code(g.name), f" pool {', '.join(g.p2s_address_pool) or 'none'}") for g in match.candidates[:8]]
    return Finding(
        severity="warning",
        title=rich("Could not tell which gateway served this client"),
        evidence=join("\n", [rich(match.how), *cands]),
        next_step=rich(
            "Check that the log is from a connection to one of the gateways the bot can see; the assigned "
            "address should fall inside a gateway's P2S address pool."
        ),
        key="routing:p2s:nogateway",
    )


def _vnet_of(gw: Gateway, facts: EstateIndex) -> VirtualNetwork | None:
    return facts.vnet_by_key.get(rid_key(gw.vnet_id))


def _read_words(log: VpnClientLog) -> str:
    """ "5 log lines read, 1 without routing information · 3/23/2020 1:28:14 PM"."""
    read = f"{log.records} log line{'s' if log.records != 1 else ''} read"
    if log.ignored:
        read += f", {log.ignored} without routing information"
    if log.unreadable:
        read += f", {len(log.unreadable)} unreadable"
    if log.first_time:
        read += f" · {log.first_time}" + (f" – {log.last_time}" if log.last_time != log.first_time else "")
    return read


def _codes(values: Sequence[str]) -> Rich:
    return join(", ", [code(v) for v in values])


_CHECK_MARK = {"ok": "✅", "missing": "❌", "not_pushed": "➖", "unexpected": "❓"}
_CHECK_WORD = {
    "ok": "received",
    "missing": "missing",
    "not_pushed": "not received (may be fine)",
    "unexpected": "received, not expected",
}


def _check_lines(checks: Sequence[RouteCheck]) -> Rich:
    """The comparison, one prefix a line: received or not, and the rule behind it."""
    lines = []
    for c in checks:
        mark = _CHECK_MARK[c.verdict]
        if c.kind == "p2s_pool":
            lines.append(rich(f"{mark} ", code(c.prefix), " the client's own subnet — ", with_commands(c.why)))
            continue
        line = rich(f"{mark} ", code(c.prefix), f" {_CHECK_WORD[c.verdict]} — ", with_commands(c.why))
        if c.caveat:
            line += rich("\n      ↳ ", with_commands(c.caveat))
        lines.append(line)
    return join("\n", lines)
