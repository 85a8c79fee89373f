"""Composing the findings of every area for the part of the estate in scope.

Nothing is copied: the tunnels come from `commands.status.gather_status` (which runs
`commands.findings.connections`), the peerings from `commands.findings.peerings.health`,
private endpoint DNS from `commands.findings.dns.assess`, the shape of the estate from
`commands.findings.topology` — then ranked. When VNets in several regions are joined for
VPN users and the findings show that is what hurts, `commands.findings.design` describes
the options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from commands.core.errors import AzureFailure
from commands.core.estate import EstateIndex
from commands.core.model import VirtualNetwork, name_of, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Finding
from commands.core.text import Rich, code, join, rich
from commands.diagnose.read import LIST_WORDS, Estate, Progress
from commands.diagnose.scope import Scope
from commands.findings import dedup, design, ranked, topology
from commands.findings.dns import facts as dnsf
from commands.findings.dns.findings import assess as dns_findings
from commands.findings.peerings import PeeringFacts, VnetFacts, find_reverse, gateways_in, health
from commands.status.gather import gather_status
from commands.status.report import Failure, StatusReport

# Failures of one kind listed by name before the rest are counted.
FAILURES_NAMED = 5


@dataclass
class Diagnosis:
    """What `/vpn diagnose` found, before it is put into words."""

    scope: Scope
    findings: list[Finding]
    facts: EstateIndex
    failures: list[Rich]  # lines: what could not be read, with advice
    situation: design.Situation | None = None
    options: list[design.DesignOption] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def diagnose_estate(ctx: Ctx, est: Estate, scope: Scope, progress: Progress) -> Diagnosis:
    """Phase 3 and every finding, for an estate already read."""
    in_gws = [g for g in est.gateways if scope.gateway(g) and (g.gateway_type or "Vpn").lower() == "vpn"]
    report: StatusReport | None = None
    if in_gws:
        report = gather_status(ctx, scope.label, scope.gateway, est.gateways)
    facts = coverage_facts(est, report)
    p2s: dict[str, int] = {}
    if report is not None:
        for gf in report.facts.gateways:
            if gf.p2s_clients is not None:
                p2s[rid_key(gf.gateway.id)] = len(gf.p2s_clients)
    progress.say("Putting the findings together…", force=True)
    # Composed, most telling first within a severity: the design, then the tunnels, the
    # peerings, and private endpoint DNS.
    found: list[Finding] = topology.assess(facts, scope.vnet, p2s, est.gateways_known)
    if report is not None:
        found += [a.finding for a in report.findings]
    found += peering_findings(est, scope)
    found += dns_findings(dns_facts(est, facts), in_scope=lambda pe: scope.vnet(pe.vnet_id))
    drop = _superseded(found)
    findings = ranked(dedup([f for f in found if f.key not in drop and f.severity != "ok"]))
    situation = design.multi_region(facts, scope.vnet)
    options: list[design.DesignOption] = []
    if design.design_matters(situation, findings) and situation is not None:
        options = design.design_options(situation, facts, report.facts.shared_keys if report is not None else None, p2s)
    return Diagnosis(
        scope, findings, facts, failure_lines(est, report), situation, options, _counts(est, scope, facts, report)
    )


def coverage_facts(est: Estate, report: StatusReport | None) -> EstateIndex:
    """The estate as `commands.core.estate.EstateIndex`, connections in their GET shape where read."""
    conns = {rid_key(c.id): c for c in est.connections}
    if report is not None:
        conns.update(report.facts.connections)
    return EstateIndex(
        vnets=tuple(est.vnets),
        gateways=tuple(est.gateways),
        connections=tuple(conns.values()),
        local_gateways=tuple(est.local_gateways),
        private_endpoints=tuple(est.private_endpoints),
    )


def dns_facts(est: Estate, facts: EstateIndex) -> dnsf.DnsFacts:
    """What `commands.findings.dns` needs, from the estate read."""
    return dnsf.DnsFacts(
        subscriptions=tuple(s.id for s in est.subscriptions),
        subscription_names={s.id: s.name for s in est.subscriptions if s.name},
        sql_servers=tuple(est.sql_servers),
        private_endpoints=tuple(est.private_endpoints),
        zones=tuple(est.zones),
        vnets=tuple(est.vnets),
        gateways=tuple(est.gateways),
        resolvers=tuple(est.resolvers),
        connections=facts.connections,
        failures=tuple(est.failures),
    )


def peering_findings(est: Estate, scope: Scope) -> list[Finding]:
    """`commands.findings.peerings.health` for every peering of an in-scope VNet, both sides."""
    by_key = {rid_key(v.id): v for v in est.vnets}

    def side(v: VirtualNetwork) -> VnetFacts:
        return VnetFacts(v, gateways_in(v.id, est.gateways), gateways_known=est.gateways_known(v.id))

    out: list[Finding] = []
    for v in est.vnets:
        if not scope.vnet(v.id):
            continue
        for p in v.peerings:
            remote = by_key.get(rid_key(p.remote_vnet_id))
            if remote is None:
                err = est.remote_errors.get(
                    rid_key(p.remote_vnet_id), "the remote VNet was not in any list the bot read"
                )
                out += health(PeeringFacts(side(v), p, None, None, err))
            else:
                out += health(PeeringFacts(side(v), p, side(remote), find_reverse(p, remote)))
    return out


def _superseded(findings: Sequence[Finding]) -> set[str]:
    """Keys said better by another finding: a far-hub detour replaces the peering module's
    plain "uses the hub's gateway" note for the same peering."""
    far = {f.key.removeprefix("topology:far_hub:") for f in findings if f.key.startswith("topology:far_hub:")}
    return {f"peering_transit_in_use:{k}" for k in far}


def _counts(est: Estate, scope: Scope, facts: EstateIndex, report: StatusReport | None) -> dict[str, int]:
    """What was looked at, per kind (the answer's "Looked at …" line)."""
    in_vnets = {rid_key(v.id) for v in est.vnets if scope.vnet(v.id)}
    in_gw = {rid_key(g.id) for g in est.gateways if scope.gateway(g)}
    return {
        "VNet": len(in_vnets),
        "gateway": len(in_gw),
        "connection": len({rid_key(c.id) for gf in report.facts.gateways for c in gf.connections}) if report else 0,
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


def failure_lines(est: Estate, report: StatusReport | None) -> list[Rich]:
    """One line per (operation, kind of failure): what failed, and what to do about it."""
    groups: dict[tuple[str, str, str], list[tuple[Rich, AzureFailure]]] = {}
    names = {s.id.lower(): s.name or s.id for s in est.subscriptions}
    for f in est.failures:
        what = rich("subscription ", code(names.get(f.subscription_id.lower(), f.subscription_id)))
        groups.setdefault((f"list {LIST_WORDS.get(f.kind, f.kind)}", f.error.kind, f.error.code), []).append(
            (what, f.error)
        )
    for vkey, why in est.remote_errors.items():
        groups.setdefault(("read the peered VNet", "", ""), []).append(
            (rich(code(name_of(vkey)), f" ({why})"), AzureFailure("failed"))
        )
    status_failures: list[Failure] = report.failures if report is not None else []
    for sf in status_failures:
        groups.setdefault((sf.operation, sf.error.kind, sf.error.code), []).append((sf.what, sf.error))
    lines: list[Rich] = []
    for (op, kind, err_code), items in groups.items():
        shown = rich(
            join(", ", [w for w, _ in items[:FAILURES_NAMED]]),
            f" and {len(items) - FAILURES_NAMED} more" if len(items) > FAILURES_NAMED else None,
        )
        if not kind:
            lines.append(rich(f"• could not {op}: ", shown))
            continue
        detail = f" ({err_code})" if err_code else ""
        lines.append(rich(f"• {op} failed for ", shown, f": {kind}{detail}. ", items[0][1].advice))
    return lines
