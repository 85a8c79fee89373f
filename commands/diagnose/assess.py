"""What `/vpn diagnose` shows of the one judgement of the estate: the root causes that
concern the VNets in scope (or the gateways they use through transit), and — when VNets in
several regions are joined for VPN users and the findings show that is what hurts —
`commands.findings.design`'s options."""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.core.estate import EstateIndex
from commands.core.model import rid_key
from commands.core.reply import Finding
from commands.core.text import Rich
from commands.diagnose.scope import Scope
from commands.findings import design
from commands.judgement.estate import Estate
from commands.judgement.judge import Judgement


@dataclass
class Diagnosis:
    """What `/vpn diagnose` found, before it is put into words."""

    scope: Scope
    findings: list[Finding]  # root causes, ranked, each with the symptoms it explains
    facts: EstateIndex
    failures: list[Rich]  # lines: what could not be read, with advice
    situation: design.Situation | None = None
    options: list[design.DesignOption] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    complete: bool = True


def diagnose_view(est: Estate, j: Judgement, scope: Scope) -> Diagnosis:
    """The judgement's root causes about the scope, and the design options where they matter."""
    facts = est.index
    keys = {rid_key(v.id) for v in est.vnets if scope.vnet(v.id)} | set(scope.hub_keys)
    findings = j.about(lambda s: scope.whole or bool(s & keys))
    situation = design.multi_region(facts, scope.vnet)
    options: list[design.DesignOption] = []
    every = [x for f in findings for x in f.every()]
    if situation is not None and design.design_matters(situation, every):
        shared = est.depth.facts.shared_keys if est.depth is not None else None
        options = design.design_options(situation, facts, shared, est.p2s_clients())
    return Diagnosis(scope, findings, facts, est.gap_lines(), situation, options, _counts(est, scope), est.complete)


def _counts(est: Estate, scope: Scope) -> dict[str, int]:
    """What was looked at, per kind (the answer's "Looked at …" line)."""
    facts = est.index
    in_vnets = {rid_key(v.id) for v in est.vnets if scope.vnet(v.id)}
    in_gw = {rid_key(g.id) for g in est.gateways if scope.gateway(g)}
    deep = est.depth.facts.gateways if est.depth is not None else ()
    return {
        "VNet": len(in_vnets),
        "gateway": len(in_gw),
        "connection": len({rid_key(c.id) for gf in deep for c in gf.connections}),
        "local network gateway": len(
            {
                rid_key(c.local_network_gateway_id)
                for c in facts.connections
                if c.local_network_gateway_id and rid_key(c.gateway1_id) in in_gw
            }
        ),
        "private endpoint": len([p for p in est.private_endpoints if scope.vnet(p.vnet_id)]),
        "private DNS zone": len(
            [
                z
                for z in est.zones
                if scope.whole or z.links_failure is not None or any(rid_key(x.vnet_id) in in_vnets for x in z.links)
            ]
        ),
    }
