"""The answer of `/vpn diagnose`. The first message: the headline with where the problems
are, and the top root causes a line each. The thread: what could not be read, the top
findings in full, the rest (a long tail counted per area, never dropped silently), then
the design options.
"""

from __future__ import annotations

from collections.abc import Sequence

from commands.core import regions
from commands.core.reply import Context, Divider, Finding, Reply, Text
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.core.units import plural
from commands.diagnose.assess import Diagnosis
from commands.diagnose.options import options_parts
from commands.diagnose.scope import Scope
from commands.judgement.estate import Estate
from commands.judgement.view import head, problems

TOP_FINDINGS = 6  # shown in full first; the rest follow after a divider
REST_IN_FULL = 12  # beyond this the rest is counted per area with a few titles (never dropped silently)
OVERFLOW_TITLES = 3

# Finding key prefixes -> the area a person would file them under (the headline's summary).
_AREAS: tuple[tuple[str, str], ...] = (
    ("topology:far_hub:", "design"),
    ("topology:joined_twice:", "design"),
    ("topology:transit_unused:", "gateway transit"),
    ("topology:remote_gw_several:", "gateway transit"),
    ("topology:overlap", "address spaces"),
    ("topology:p2s_never:", "VPN client routes"),
    ("routing:", "VPN client routes"),
    ("topology:flags_differ:", "peerings"),
    ("peering_", "peerings"),
    ("pe_", "private endpoint DNS"),
    ("p2s_dns:", "private endpoint DNS"),
)

_MORE = rich(
    "More: ",
    code("/vpn status <region>"),
    " (tunnels and counters), ",
    code("/vpn routes <vm|gateway>"),
    ", ",
    code("/vpn peering <vnet>"),
    ", ",
    code("/vpn checklist <server>.database.windows.net"),
    ".",
)


def render(d: Diagnosis) -> Reply:
    """The first message (headline, where, top root causes); the thread (what could not be
    read, the findings in full, the design options)."""
    probs = problems(d.findings)
    headline = _headline(d, probs)
    reply = Reply(fallback=rich(headline))
    reply.add(*head(headline, probs, unread=len(d.failures), more=areas_line(probs) if probs else ""))
    looked = ", ".join(plural(n, w) for w, n in d.counts.items() if n)
    if d.failures:
        reply.more(_failures(d.failures, rich(strong("Could not read everything"), " — the rest is answered:")))
    top = probs[:TOP_FINDINGS]
    for f in top:
        reply.more(f)
    rest = [f for f in d.findings if f not in top]
    if rest:
        reply.more(Divider(), Text(rich(strong("The rest"), f" ({len(rest)})")))
        for f in rest[:REST_IN_FULL]:
            reply.more(f)
        if len(rest) > REST_IN_FULL:
            reply.more(Text(_overflow(rest[REST_IN_FULL:])))
    if d.options and d.situation is not None:
        reply.more(Divider(), *options_parts(d.situation, d.options))
    reply.more(Context(f"Looked at {looked or 'nothing'}."), Context(_MORE))
    return reply


def _headline(d: Diagnosis, problems: Sequence[Finding]) -> str:
    where = d.scope.label
    if problems:
        critical = sum(1 for f in problems if any(x.severity == "critical" for x in f.every()))
        mark = "🔴" if critical else "🟠"
        bits = [
            x
            for x in (
                f"{critical} critical" if critical else "",
                plural(len(problems) - critical, "warning") if len(problems) > critical else "",
            )
            if x
        ]
        return f"{mark} {plural(len(problems), 'problem')} in {where} ({', '.join(bits)})"
    if not d.complete:
        return f"⚠️ No problem found in what could be read in {where}; some reads failed"
    return f"🟢 Nothing wrong found in {where}"


def _failures(lines: Sequence[Rich], heading: Rich) -> Text:
    """What could not be read, one line per operation and kind of failure."""
    return Text(rich(Icon.WARNING, " ", heading, "\n", join("\n", lines)))


def area_of(f: Finding) -> str:
    for prefix, area in _AREAS:
        if f.key.startswith(prefix):
            return area
    return "gateways and connections"


def areas_line(findings: Sequence[Finding]) -> str:
    """ "🔴 gateways and connections 3 · 🟠 gateway transit 1": where the problems are, worst first."""
    by: dict[str, list[Finding]] = {}
    for f in findings:
        by.setdefault(area_of(f), []).append(f)
    order = sorted(by.items(), key=lambda kv: (not any(f.severity == "critical" for f in kv[1]), -len(kv[1])))
    return " · ".join(
        f"{'🔴' if any(f.severity == 'critical' for f in fs) else '🟠'} {area} {len(fs)}" for area, fs in order
    )


def _overflow(findings: Sequence[Finding]) -> Rich:
    """Findings past the ones shown in full: counted per area, a few titles each, so a large
    estate's long tail stays one short message and nothing is dropped without saying so."""
    by: dict[str, list[Finding]] = {}
    for f in findings:
        by.setdefault(area_of(f), []).append(f)
    out = rich(strong(f"{len(findings)} more:"))
    for area, fs in by.items():
        more = f"; and {len(fs) - OVERFLOW_TITLES} more" if len(fs) > OVERFLOW_TITLES else None
        out += rich(f"\n• {area} ({len(fs)}): ", join("; ", [f.title for f in fs[:OVERFLOW_TITLES]]), more)
    return out


def no_vnets(scope: Scope, est: Estate) -> Reply:
    """The scope holds no VNet: say where VNets are, and what could not be read."""
    text = f"No virtual networks in {scope.label}."
    reply = Reply(fallback=rich(text)).add(Text(rich(strong(text))))
    where: dict[str, int] = {}
    for v in est.vnets:
        where[v.location] = where.get(v.location, 0) + 1
    if where:
        listing = ", ".join(
            f"{regions.display_name(loc)} ({n})" for loc, n in sorted(where.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        reply.add(Text(rich(f"Virtual networks exist in: {listing}.")))
        first = max(where, key=lambda loc: where[loc])
        reply.add(Context(rich("Example: ", code(f"/vpn diagnose {regions.normalise(first)}"))))
    else:
        reply.add(Text("No virtual network was found in any subscription the bot can read."))
    lines = est.gap_lines()
    if lines:
        reply.add(_failures(lines, rich(strong("Could not read everything:"))))
    return reply
