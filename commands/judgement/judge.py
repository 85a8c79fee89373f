"""One judgement of the estate per request: every finding about everything read, computed
once, root causes first — what `/vpn status`, `routes`, `peering`, `checklist`, `diagnose`
and the watch show, each as a view of it, so two commands cannot disagree about one fact.

Composed, not copied, from `commands.findings`: the tunnels (`connections.assess`, for the
gateways read in depth), both sides of every peering (`peerings.health`), the shape of the
estate (`topology.assess`: transit, detours, overlaps, routes VPN clients never get), what a
point-to-site gateway hands its clients (`routing`), private endpoint DNS (`dns`), and a
gateway's learned routes where they were read. Then deduplicated, folded (a cause with
the symptoms it explains, `causes`) and ranked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from commands.core.model import Gateway, VirtualNetwork, rid_key
from commands.core.reply import SEVERITY_RANK, Finding
from commands.findings import dedup, topology
from commands.findings.capacity import one_source
from commands.findings.connections.assess import KIND_ORDER, assess
from commands.findings.connections.facts import Assessed, reverse_index
from commands.findings.connections.ipsec import connection_layer
from commands.findings.dns.findings import assess as dns_assess
from commands.findings.p2s_config import p2s_config_findings
from commands.findings.peerings import PeeringFacts, VnetFacts, find_reverse, gateways_in, health
from commands.findings.rates import rate_findings
from commands.findings.routing.coverage import CoverageItem, CoverageTarget, coverage
from commands.findings.routing.findings import coverage_findings, p2s_plan_findings
from commands.findings.routing.p2s import p2s_plan
from commands.findings.routing.selection import learned_as_effective
from commands.findings.skus import sku_findings, sstp_counts, usage
from commands.judgement.causes import fold, ids_in, kind_of, worst
from commands.judgement.estate import Estate
from commands.judgement.gateways import is_vpn

Subjects = frozenset[str]


@dataclass
class Judgement:
    """Every finding about the estate read, once: `roots` (ranked, each with the symptoms
    it explains), `by_key` every finding as judged (roots and symptoms, unfolded)."""

    estate: Estate
    roots: list[Finding]
    by_key: dict[str, Finding]
    subjects: dict[str, Subjects]  # finding key -> every resource it is about (ids, case-folded)
    assessed: list[Assessed] = field(default_factory=list)  # the tunnels' findings, with their ids
    # gateway key -> what it reaches, by its learned routes (where read): the routes view's,
    # whose gaps the judgement's findings explain (`with_own`)
    coverage: dict[str, list[CoverageItem]] = field(default_factory=dict)
    belongs: _Belongs | None = None

    def about(self, wanted: Callable[[Subjects], bool]) -> list[Finding]:
        """The root causes, ranked, about which something — the root or a symptom under
        it — concerns what `wanted` selects."""
        return [f for f in self.roots if any(wanted(self.subjects.get(x.key, frozenset())) for x in f.every())]

    def touching(self, ids: set[str] | frozenset[str]) -> list[Finding]:
        """The root causes about any of these resources (ids, any case)."""
        keys = {rid_key(i) for i in ids}
        return self.about(lambda s: bool(s & keys))

    def with_own(self, own: Sequence[Finding]) -> tuple[list[Finding], list[Finding]]:
        """A command's own findings (a NIC's or a gateway's coverage, read from routes only it
        reads) against the judgement: (the judgement's root causes that explain some of
        them, the ones nothing in the judgement explains). An explained gap is said by its
        cause — the same finding every command shows — and by the command's own lines (the
        coverage), never as a second verdict only that command gives."""
        present = {k for f in self.roots for x in f.every() for k in [x.key]}
        explained: set[str] = set()
        rest: list[Finding] = []
        for f in own:
            found = [c for c in (f.key, *f.causes) if c in present]
            if found:
                explained.update(found)
            else:
                rest.append(f)
        roots = [f for f in self.roots if any(x.key in explained for x in f.every())]
        return roots, rest

    def naming(self, ids: set[str] | frozenset[str]) -> list[Finding]:
        """The root causes whose own key (or a symptom's) names one of these resources."""
        keys = {rid_key(i) for i in ids}
        return [f for f in self.roots if any(ids_in(x.key) & keys for x in f.every())]


def judge(est: Estate) -> Judgement:
    """Every finding about `est`, composed from `commands.findings`, folded and ranked."""
    facts = est.index
    found: list[Finding] = []
    assessed: list[Assessed] = []
    if est.depth is not None:
        assessed = assess(est.depth.facts)
        found += [a.finding for a in assessed]
        if est.rates is not None:  # what Azure Monitor's metrics show (phase 5)
            gfs = est.depth.facts.gateways
            bgp = {rid_key(gf.gateway.id): gf.bgp_peers for gf in gfs}
            found += rate_findings(
                est.rates, [gf.gateway for gf in gfs], [c for gf in gfs for c in gf.connections], bgp
            )
    found += peering_findings(est)
    found += topology.assess(facts, None, est.p2s_clients(), est.gateways_known)
    for gw in est.gateways:
        if gw.serves_p2s and is_vpn(gw) and gw.vnet_id:
            found += p2s_plan_findings(gw, p2s_plan(gw, facts))
            found += p2s_config_findings(facts, gw, est.now)
    found += dns_assess(est.dns)
    sstp = sstp_counts(est.p2s_client_ids())
    used = usage(est.gateways, est.connections_now, est.p2s_clients(), est.samples, est.now, sstp)
    found += one_source(sku_findings(used), est.rates)  # throughput from Azure Monitor, else the samples
    reverses = reverse_index(facts.connections)
    for conn in facts.connections:
        found += connection_layer(facts, conn, reverses.get(rid_key(conn.id)))
    cover, covered = coverage_everywhere(est)
    found += covered
    drop = _superseded(found)
    kept = dedup([f for f in found if f.key not in drop and f.severity != "ok"])
    by_key = {f.key: f for f in kept if f.key}
    belongs = _Belongs(est)
    subjects = {k: belongs.subjects(k) for k in by_key}
    for a in assessed:  # a finding about many pairs names none in its key: its ids say which
        if a.finding.key in subjects:
            more = frozenset(rid_key(i) for i in (*a.gateway_ids, *a.connection_ids))
            subjects[a.finding.key] |= frozenset(x for i in more for x in belongs.subjects(i))
    roots = _ranked(fold(kept, facts))
    return Judgement(est, roots, by_key, subjects, assessed, cover, belongs)


def coverage_everywhere(est: Estate) -> tuple[dict[str, list[CoverageItem]], list[Finding]]:
    """What every VPN gateway and every VM's NIC should reach and does not
    (`commands.findings.routing.coverage`): a gateway against its learned routes where
    they were read (every BGP gateway read in depth), else the estate alone; a NIC against
    the estate (its subnet's route table included). `/vpn routes` shows these verdicts, and
    adds what a NIC's effective routes show. Returns each gateway's items, and the findings."""
    facts = est.index
    cover: dict[str, list[CoverageItem]] = {}
    out: list[Finding] = []
    for gw in est.gateways:
        if is_vpn(gw) and gw.vnet_id:
            usable = est.learned_routes(rid_key(gw.id))
            routes = tuple(learned_as_effective(usable)) if usable is not None else None
            items = coverage(CoverageTarget(gw.vnet_id, gw.name, routes, kind="gateway"), facts)
            cover[rid_key(gw.id)] = items
            out += coverage_findings(gw.name, rid_key(gw.id), items)
    per_subnet: dict[tuple[str, ...], list[CoverageItem]] = {}
    for nic in est.nics:
        if not nic.vm_id or not nic.vnet_ids:
            continue
        vnet = nic.vnet_ids[0]
        where = (rid_key(vnet), *sorted(rid_key(s) for s in nic.subnet_ids))
        if where not in per_subnet:
            per_subnet[where] = coverage(CoverageTarget(vnet, nic.name, None, nic.subnet_ids), facts)
        out += coverage_findings(nic.name, rid_key(nic.id), per_subnet[where])
    return cover, out


def peering_findings(est: Estate) -> list[Finding]:
    """`commands.findings.peerings.health` for every peering of every VNet read, both sides."""
    by_key = {rid_key(v.id): v for v in est.vnets}

    def side(v: VirtualNetwork) -> VnetFacts:
        return VnetFacts(v, gateways_in(v.id, est.gateways), gateways_known=est.gateways_known(v.id))

    out: list[Finding] = []
    for v in est.vnets:
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


def _ranked(roots: list[Finding]) -> list[Finding]:
    """Most severe first (a root counts as severe as the worst symptom it explains), then
    those that explain most, then by kind (the tunnels' order), then as found."""
    order = {id(f): i for i, f in enumerate(roots)}
    return sorted(
        roots,
        key=lambda f: (
            worst(f),
            SEVERITY_RANK.get(f.severity, 9),
            -len(f.every()),
            KIND_ORDER.get(kind_of(f.key), len(KIND_ORDER)),
            order[id(f)],
        ),
    )


class _Belongs:
    """What each resource belongs to: a connection's gateways, a gateway's VNet, a
    peering's two VNets, an endpoint's VNet, a local network gateway's VNets."""

    def __init__(self, est: Estate) -> None:
        facts = est.index
        self.up: dict[str, set[str]] = {}
        for c in facts.connections:
            self._add(c.id, c.gateway1_id, c.gateway2_id)
            g1 = facts.gateway_by_key.get(rid_key(c.gateway1_id))
            if c.local_network_gateway_id and g1 is not None:
                self._add(c.local_network_gateway_id, g1.vnet_id)
        for g in facts.gateways:
            self._add(g.id, g.vnet_id)
        for p in facts.all_peerings.values():
            self._add(p.id, p.vnet_id, p.remote_vnet_id)
        for pe in facts.private_endpoints:
            self._add(pe.id, pe.vnet_id)
        for z in est.zones:  # a private DNS zone serves the VNets it is linked to
            self._add(z.id, *(x.vnet_id for x in z.links))

    def _add(self, rid: str, *to: str) -> None:
        self.up.setdefault(rid_key(rid), set()).update(rid_key(x) for x in to if x)

    def subjects(self, key: str) -> Subjects:
        """Every resource a finding key is about: the ids it names and what they belong to."""
        out: set[str] = set()
        todo = list(ids_in(key))
        while todo:
            i = todo.pop()
            if i in out:
                continue
            out.add(i)
            todo += self.up.get(i, ())
        return frozenset(out)


def gateways_in_vnets(est: Estate, vnet_keys: set[str] | frozenset[str]) -> list[Gateway]:
    """The VPN gateways whose VNet is one of these."""
    return [g for g in est.gateways if is_vpn(g) and rid_key(g.vnet_id) in vnet_keys]


__all__ = ["Judgement", "gateways_in_vnets", "judge", "peering_findings"]
