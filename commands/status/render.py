"""The answer of `/vpn status`: headline, what could not be read, ranked findings, then
each gateway (every one in a small scope; in a large one, the troubled ones in the
compact form and the healthy ones as one line of names)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from commands.core.model import rid_key
from commands.core.reply import Context, Finding, Part, Reply, Text
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.core.units import plural
from commands.findings.connections.facts import Assessed, GatewayFacts
from commands.status.gateway import gateway_text
from commands.status.report import Failure, StatusReport

# A region with more gateways than this shows the healthy ones as one line of names, so
# the answer stays one message readable on a phone; problems are always shown in full.
DETAIL_GATEWAYS = 12
# Findings shown in full; the next ones by title; any beyond, counted by kind (never
# dropped silently: the count and the kinds are said).
DETAIL_FINDINGS = 8
TITLED_FINDINGS = 20
# In a large scope, gateways with problems shown in the compact form (problems only).
COMPACT_GATEWAYS = 10
NAMES_SHOWN = 25

# Finding keys (their prefix) in words, to count the findings not shown one by one.
KIND_WORDS = {
    "down": "NotConnected",
    "connecting": "stuck Connecting",
    "provisioning_failed": "failed provisioning",
    "gateway_failed": "failed gateway",
    "tunnel_down": "tunnel down",
    "one_way": "one-way traffic",
    "missing_reverse": "missing reverse connection",
    "shared_key": "shared key mismatch",
    "bgp_one_side": "BGP on one side only",
    "bgp_asn": "same BGP ASN",
    "bgp_peer": "BGP peer not Connected",
}


def render_status(report: StatusReport, now: datetime) -> Reply:
    """The answer: headline, what could not be read, ranked findings, then each gateway."""
    gfs = report.facts.gateways
    n_conns = sum(len(gf.connections) for gf in gfs)
    headline = _headline(report, n_conns)
    reply = Reply(fallback=headline).add(Text(rich(strong(headline))))
    if report.failures:
        reply.add(
            Text(
                rich(
                    Icon.WARNING,
                    " ",
                    strong("Could not read everything"),
                    " — the rest is shown:\n",
                    join("\n", failure_lines(report.failures)),
                )
            )
        )
    reply.add(*_finding_parts(report.findings))
    reply.add(*_gateway_parts(report, now))
    subs = len(report.subscriptions)
    reply.add(
        Context(
            rich(
                f"{plural(len(gfs), 'gateway')}, {plural(n_conns, 'connection')} in ",
                report.label,
                f" across {plural(subs, 'subscription')}" if subs > 1 else None,
                ". Byte counters restart when a connection reconnects.",
            )
        )
    )
    return reply


def failure_lines(failures: list[Failure]) -> list[Rich]:
    """One line per kind of failure and operation, naming what failed (grouped: a missing
    permission on 200 gateways is one line, not 200)."""
    groups: dict[tuple[str, str, str], list[Failure]] = {}
    for f in failures:
        groups.setdefault((f.operation, f.error.kind, f.error.code), []).append(f)
    lines = []
    for (op, kind, err_code), fs in groups.items():
        error = fs[0].error
        lines.append(
            rich(
                f"• {op} failed for ",
                join(", ", [f.what for f in fs[:5]]),
                f" and {len(fs) - 5} more" if len(fs) > 5 else None,
                f": {kind}",
                f" ({err_code})" if err_code else None,
                f" HTTP {error.status}" if error.status else None,
                ". ",
                error.advice,
            )
        )
    return lines


def _problems(findings: list[Assessed]) -> list[Assessed]:
    return [a for a in findings if a.finding.severity in ("critical", "warning")]


def _headline(report: StatusReport, n_conns: int) -> Rich:
    """ "🔴 3 problems in Europe: 2 gateways, 3 connections", or why there is none."""
    gfs = report.facts.gateways
    problems = _problems(report.findings)
    if problems:
        in_scope_gws = {rid_key(gf.gateway.id) for gf in gfs}
        in_scope_conns = {rid_key(c.id) for gf in gfs for c in gf.connections}
        n_gw = len({rid_key(g) for a in problems for g in a.gateway_ids} & in_scope_gws)
        conns = {rid_key(c) for a in problems for c in a.connection_ids}
        n_conn = len((conns & in_scope_conns) or conns)
        affected = [
            x for x in (plural(n_gw, "gateway") if n_gw else "", plural(n_conn, "connection") if n_conn else "") if x
        ]
        mark = "🔴" if any(a.finding.severity == "critical" for a in problems) else "🟠"
        return rich(f"{mark} {plural(len(problems), 'problem')} in ", report.label, f": {', '.join(affected)}")
    if report.failures:
        return rich(
            "⚠️ No problems in what could be read in ",
            report.label,
            f" ({plural(len(gfs), 'gateway')}); some reads failed",
        )
    return rich(
        "🟢 All clear in ",
        report.label,
        f": {plural(len(gfs), 'gateway')}, {plural(n_conns, 'connection')}, every tunnel up with traffic both ways",
    )


def _finding_parts(findings: list[Assessed]) -> list[Part]:
    """The first findings in full, the next ones by title, any beyond counted by kind."""
    shown = [a.finding for a in findings if a.finding.severity != "ok"]
    parts: list[Part] = list(shown[:DETAIL_FINDINGS])
    rest = shown[DETAIL_FINDINGS:]
    if rest:
        titled, counted = rest[:TITLED_FINDINGS], rest[TITLED_FINDINGS:]
        lines = [rich("• ", f.title) for f in titled]
        if counted:
            lines.append(rich(f"• and {len(counted)} more: ", _kinds(counted)))
        parts.append(Text(rich(strong(f"{len(rest)} more findings:"), "\n", join("\n", lines))))
    return parts


def _kinds(findings: list[Finding]) -> str:
    """ "12 NotConnected, 8 one-way traffic" — the findings not listed one by one."""
    counts: dict[str, int] = {}
    for f in findings:
        word = KIND_WORDS.get(f.key.split(":", 1)[0], "other")
        counts[word] = counts.get(word, 0) + 1
    return ", ".join(f"{n} {w}" for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _names(names: list[str]) -> Rich:
    more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else None
    return rich(join(", ", [code(n) for n in names[:NAMES_SHOWN]]), more)


def _gateway_parts(report: StatusReport, now: datetime) -> list[Part]:
    """Each gateway: all of them in full in a small scope; in a large one the troubled ones
    (most severe first) in the compact form, and the healthy ones as one line of names."""
    gfs = report.facts.gateways
    small = len(gfs) <= DETAIL_GATEWAYS
    flagged, flagged_conns = _flagged(report)
    failed_gws = {f.gateway for f in report.failures if f.gateway}
    ordered = list(gfs) if small else sorted(gfs, key=_by_weight(report))
    troubled: list[GatewayFacts] = []
    healthy: list[GatewayFacts] = []
    for gf in ordered:
        k = rid_key(gf.gateway.id)
        if small or k in flagged or not gf.connections_complete or k in failed_gws:
            troubled.append(gf)
        else:
            healthy.append(gf)
    parts: list[Part] = []
    if small:
        parts += [Text(gateway_text(gf, report, now)) for gf in troubled]
    elif troubled:
        parts.append(
            Text(
                rich(
                    strong("Gateways with problems"),
                    " (only what is wrong; ",
                    code("/vpn status <gateway>"),
                    " shows one in full):",
                )
            )
        )
        parts += [Text(gateway_text(gf, report, now, only=flagged_conns)) for gf in troubled[:COMPACT_GATEWAYS]]
        more = troubled[COMPACT_GATEWAYS:]
        if more:
            parts.append(
                Text(
                    rich(
                        f"…and {plural(len(more), 'more gateway')} with problems (named in the findings above): ",
                        _names([gf.gateway.name for gf in more]),
                    )
                )
            )
    if healthy:
        parts.append(
            Text(
                rich(
                    f"✅ {plural(len(healthy), 'other gateway')} with no problem found: ",
                    _names([gf.gateway.name for gf in healthy]),
                    ". ",
                    code("/vpn status <gateway>"),
                    " shows one in full.",
                )
            )
        )
    return parts


def _flagged(report: StatusReport) -> tuple[set[str], set[str]]:
    """The gateways and connections with a problem: a finding about them, or a connection
    that is not Connected or could not be read."""
    problems = _problems(report.findings)
    flagged = {rid_key(g) for a in problems for g in a.gateway_ids}
    flagged_conns = {rid_key(c) for a in problems for c in a.connection_ids}
    for gf in report.facts.gateways:
        for c in gf.connections:
            if rid_key(c.id) in flagged_conns or c.status.lower() != "connected" or rid_key(c.id) in report.list_shape:
                flagged_conns.add(rid_key(c.id))
                flagged.add(rid_key(gf.gateway.id))
    return flagged, flagged_conns


def _by_weight(report: StatusReport) -> Callable[[GatewayFacts], tuple[int, int]]:
    """Sort key: gateways with the most severe problems first (critical, then warnings)."""
    weight: dict[str, tuple[int, int]] = {}
    for a in _problems(report.findings):
        owners = {rid_key(g) for g in a.gateway_ids}
        for cid in a.connection_ids:
            owner = report.facts.connections.get(rid_key(cid))
            if owner is not None:
                owners.add(rid_key(owner.gateway1_id))
        for k in owners:
            crit, warn = weight.get(k, (0, 0))
            weight[k] = (crit + (a.finding.severity == "critical"), warn + (a.finding.severity == "warning"))

    def key(gf: GatewayFacts) -> tuple[int, int]:
        crit, warn = weight.get(rid_key(gf.gateway.id), (0, 0))
        return -crit, -warn

    return key
