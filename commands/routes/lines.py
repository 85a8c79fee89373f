"""How coverage reads in an answer, for a NIC and a gateway alike: the verdict, and one line
per destination saying by which route it is reached, or why not."""

from __future__ import annotations

from collections.abc import Sequence

from commands.core.model import EffectiveRoute
from commands.core.text import Rich, code, join, rich, strong
from commands.findings.routing.coverage import CoverageItem
from commands.findings.routing.findings import with_commands
from commands.findings.routing.selection import describe_route

STATUS_MARK = {"reached": "✅", "partial": "🟠", "not_reached": "❌", "unknown": "❔"}


def verdict(items: Sequence[CoverageItem]) -> str:
    """ "4 of 5 destinations reached" (a path without an address space, such as transit to a
    VNet without a gateway, is not a destination)."""
    real = [i for i in items if i.prefix != "—"]
    reached = sum(1 for i in real if i.reached)
    unknown = sum(1 for i in real if i.status == "unknown")
    if unknown == len(real) and real:
        return f"{len(real)} destinations to check (routes unknown)"
    return f"{reached} of {len(real)} destinations reached"


def coverage_lines(items: Sequence[CoverageItem], learned: bool = False) -> Rich:
    """One line per destination; `learned` for a gateway (its routes are learned, not effective)."""
    return join("\n", [_line(it, learned) for it in items])


def _line(it: CoverageItem, learned: bool) -> Rich:
    mark = STATUS_MARK[it.status]
    head = rich(f"{mark} ", strong(it.label), rich(" ", code(it.prefix)) if it.prefix != "—" else None)
    if it.status == "reached" and it.route is not None and it.route.route is not None:
        how = (learned_words if learned else describe_route)(it.route.prefix, it.route.route)
        tail = rich(("learned: " if learned else "reached by ") + how)
    elif it.status == "reached":
        tail = rich(f"configured: {it.via} (static prefixes are not in the learned routes)")
    elif it.status == "unknown":
        tail = rich(f"should be reached through {it.via}; the routes could not be read")
    else:
        tail = rich(
            "not reached: " if it.status == "not_reached" else "partly: ",
            with_commands(it.reasons[0]) if it.reasons else "no route",
        )
    return rich(head, " — ", tail)


def learned_words(prefix: str, r: EffectiveRoute) -> str:
    """A learned route (see `learned_as_effective`): "10.1.0.0/16 (EBgp, next hop 10.1.255.30, from 10.1.255.30)"."""
    bits = [r.source]
    if r.next_hop_ips:
        bits.append("next hop " + ", ".join(r.next_hop_ips))
    if r.name:
        bits.append(f"from {r.name}")
    return f"{prefix} ({', '.join(bits)})"
