"""Network security group rules as Azure applies them to one flow.

Azure's rules (https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works):
rules are processed in priority order (lowest number first) and the first rule that matches
the flow decides; inbound traffic meets the subnet's NSG first, then the NIC's; outbound the
NIC's first, then the subnet's; a flow passes only if every group on its way allows it. The
effective rules Azure lists for a NIC (`effectiveNetworkSecurityGroups`) include the default
rules and expand service tags, so they are what the evaluation reads.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from commands.core.netwatch import EffectiveNsg, SecurityRule

NSG_DOC = "https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works"


@dataclass(frozen=True)
class Decision:
    """Allow or Deny, and the rule and group that decided ("" rule: no group applies)."""

    access: str
    rule: SecurityRule | None = None
    nsg_id: str = ""

    @property
    def allowed(self) -> bool:
        return self.access.lower() == "allow"


def in_order(groups: Sequence[EffectiveNsg], direction: str) -> list[EffectiveNsg]:
    """The groups in the order a flow meets them: inbound subnet → NIC, outbound NIC → subnet."""
    inbound = direction.lower() == "inbound"
    return sorted(groups, key=lambda g: (g.association == "subnet") != inbound)


def first_match(
    rules: Sequence[SecurityRule], direction: str, protocol: str, src: str, dst: str, port: int
) -> SecurityRule | None:
    for r in sorted(rules, key=lambda r: r.priority):
        if r.direction.lower() != direction.lower() or not r.covers_protocol(protocol):
            continue
        if not r.covers_address(src, source=True) or not r.covers_address(dst, source=False):
            continue
        if r.covers_port(port):
            return r
    return None


def decide(groups: Sequence[EffectiveNsg], direction: str, protocol: str, src: str, dst: str, port: int) -> Decision:
    """The verdict of every group on the flow's way (no group: allowed, nothing filters)."""
    verdict = Decision("Allow")
    for g in in_order(groups, direction):
        rule = first_match(g.rules, direction, protocol, src, dst, port)
        if rule is None:
            continue
        verdict = Decision(rule.access, rule, g.nsg_id)
        if not verdict.allowed:
            return verdict
    return verdict


def denied_ranges(
    groups: Sequence[EffectiveNsg], direction: str, protocol: str, src: str, dst: str, low: int, high: int
) -> list[tuple[int, int, Decision]]:
    """The destination port ranges within [low, high] the groups deny for this flow, each with
    the deciding rule. Ports are grouped at the rules' own range boundaries, so a whole range
    is judged by one port of each piece."""
    cuts = {low, high + 1}
    for g in groups:
        for r in g.rules:
            for a, b in r.port_ranges():
                cuts.update(x for x in (a, b + 1) if low < x <= high)
    edges = sorted(cuts)
    out: list[tuple[int, int, Decision]] = []
    for a, b in itertools.pairwise(edges):
        d = decide(groups, direction, protocol, src, dst, a)
        if d.allowed:
            continue
        if out and out[-1][1] == a - 1 and out[-1][2].rule == d.rule:
            out[-1] = (out[-1][0], b - 1, d)
        else:
            out.append((a, b - 1, d))
    return out
