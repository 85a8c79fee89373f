"""Findings: pure functions from gathered Azure facts to `commands.core.reply.Finding`s.

One module per area (connections, routing, peerings, dns, topology). Each function takes
dataclasses (from `commands.core.model` or the area's own facts container) and returns findings
with a stable `key`, so `/vpn status`, `/vpn diagnose` and the watch can compose them.
"""

from __future__ import annotations

from commands.core.reply import SEVERITY_RANK, Finding


def ranked(findings: list[Finding]) -> list[Finding]:
    """Most severe first; the order within a severity is kept (callers add the most telling first)."""
    return sorted(findings, key=lambda f: SEVERITY_RANK.get(f.severity, 9))


def dedup(findings: list[Finding]) -> list[Finding]:
    """Drop findings whose `key` was already seen (first wins); keyless ones are kept."""
    seen: set[str] = set()
    out: list[Finding] = []
    for f in findings:
        if f.key and f.key in seen:
            continue
        if f.key:
            seen.add(f.key)
        out.append(f)
    return out
