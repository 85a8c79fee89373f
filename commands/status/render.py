"""The answer of `/vpn status`. The first message: the headline and the root causes that
concern the gateways in scope (a line each, with the next step). The thread: what could
not be read, every finding in full, then each gateway (every one in a small scope; in a
large one, the troubled ones in the compact form and the healthy ones as one line of
names)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from commands.core.model import rid_key
from commands.core.reply import Context, Finding, Part, Reply, Text
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.core.units import plural
from commands.findings.connections.facts import GatewayFacts
from commands.judgement.view import head, problems
from commands.status.deltas import no_rate, no_rate_finding
from commands.status.gateway import gateway_text
from commands.status.report import StatusReport

# A region with more gateways than this shows the healthy ones as one line of names, so
# the thread stays readable on a phone; problems are always shown in full.
DETAIL_GATEWAYS = 12
# Findings shown in full in the thread; the next ones by title; any beyond, counted by kind
# (never dropped silently: the count and the kinds are said).
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
    "ts_mismatch": "selector-mismatch drops",
    "tunnel_drops": "packet drops",
    "idle_tunnel": "Connected but idle",
    "bgp_metric": "BGP peer down in the last hour",
    "near_capacity": "near the SKU benchmark",
}


def render_status(report: StatusReport, now: datetime) -> Reply:
    """The first message (headline, root causes), then the thread (what could not be read,
    every finding, each gateway)."""
    gfs = report.facts.gateways
    n_conns = sum(len(gf.connections) for gf in gfs)
    roots = report.findings
    headline = _headline(report, n_conns)
    gaps = report.estate.gap_lines()
    reply = Reply(fallback=headline)
    reply.add(*head(headline, problems(roots), unread=len(gaps)))
    if gaps:
        reply.more(
            Text(
                rich(
                    Icon.WARNING,
                    " ",
                    strong("Could not read everything"),
                    " — the rest is shown:\n",
                    join("\n", gaps),
                )
            )
        )
    reply.more(*_finding_parts(roots))
    reply.more(*_no_rates(report, now))
    reply.more(*_gateway_parts(report, now))
    subs = len(report.subscriptions)
    reply.more(
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


def _no_rates(report: StatusReport, now: datetime) -> list[Finding]:
    """Connections whose counters since the watch's last sample give no rate, and why."""
    out: list[Finding] = []
    for gf in report.facts.gateways:
        for c in gf.connections:
            why = no_rate(c, report.samples.get(rid_key(c.id)), now, gf.gateway.sku)
            if why:
                out.append(no_rate_finding(c, why))
    return out


def _headline(report: StatusReport, n_conns: int) -> Rich:
    """ "🔴 3 problems in Europe: 2 gateways, 3 connections", or why there is none."""
    gfs = report.facts.gateways
    probs = problems(report.findings)
    if probs:
        touched = {s for f in probs for s in report.subjects(f)}
        n_gw = len(touched & report.gateway_keys)
        n_conn = len(touched & report.connection_keys)
        affected = [
            x for x in (plural(n_gw, "gateway") if n_gw else "", plural(n_conn, "connection") if n_conn else "") if x
        ]
        mark = "🔴" if any(x.severity == "critical" for f in probs for x in f.every()) else "🟠"
        where = rich(f": {', '.join(affected)}") if affected else None
        return rich(f"{mark} {plural(len(probs), 'problem')} in ", report.label, where)
    if not report.estate.complete:
        # "Could not read" is never "no problems": a connection whose GET failed has no known
        # status, so the headline counts those first and claims nothing about them.
        unread = sum(1 for gf in gfs for c in gf.connections if rid_key(c.id) in report.list_shape)
        if unread and unread == n_conns:
            return rich(
                "⚠️ Could not read ",
                "the connection" if n_conns == 1 else f"any of the {n_conns} connections",
                " in ",
                report.label,
                f" ({plural(len(gfs), 'gateway')}): status unknown",
            )
        if unread:
            return rich(
                f"⚠️ {unread} of {n_conns} connections could not be read in ",
                report.label,
                "; nothing wrong found in the rest",
            )
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


def _finding_parts(findings: list[Finding]) -> list[Part]:
    """The first findings in full, the next ones by title, any beyond counted by kind."""
    shown = [f for f in findings if f.severity != "ok"]
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
    failed_gws = {f.gateway for f in report.estate.gaps if f.gateway}
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
    touched = {s for f in problems(report.findings) for s in report.subjects(f)}
    flagged = touched & report.gateway_keys
    flagged_conns = touched & report.connection_keys
    for gf in report.facts.gateways:
        for c in gf.connections:
            if rid_key(c.id) in flagged_conns or c.status.lower() != "connected" or rid_key(c.id) in report.list_shape:
                flagged_conns.add(rid_key(c.id))
                flagged.add(rid_key(gf.gateway.id))
    return flagged, flagged_conns


def _by_weight(report: StatusReport) -> Callable[[GatewayFacts], tuple[int, int]]:
    """Sort key: gateways with the most severe problems first (critical, then warnings)."""
    weight: dict[str, tuple[int, int]] = {}
    conns = report.facts.connections
    for f in problems(report.findings):
        subjects = report.subjects(f)
        owners = set(subjects & report.gateway_keys)
        for ck in subjects & report.connection_keys:
            owner = conns.get(ck)
            if owner is not None:
                owners.add(rid_key(owner.gateway1_id))
        crit = any(x.severity == "critical" for x in f.every())
        for k in owners:
            c, w = weight.get(k, (0, 0))
            weight[k] = (c + crit, w + (not crit))

    def key(gf: GatewayFacts) -> tuple[int, int]:
        crit, warn = weight.get(rid_key(gf.gateway.id), (0, 0))
        return -crit, -warn

    return key
