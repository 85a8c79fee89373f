"""The answer for a NIC (a VM: one per NIC): its effective routes, grouped by source, whether
every address space it should reach is covered, and the route Azure picks where it matters.

Azure computes a NIC's effective routes on demand (`effectiveRouteTable`, 5–60 s) and only
while the VM runs; when it cannot, the coverage is worked out from the estate alone. The
gateways near the NIC are read in depth as every command reads them, and the BGP gateways
it uses tell what they learned; the NIC's coverage gaps are folded under the judgement's
root causes (a half peering explains the spoke the NIC does not reach).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from commands.core.errors import AzureFailure
from commands.core.estate import EstateIndex
from commands.core.model import EffectiveRoute, NetworkInterface, name_of, rid_key
from commands.core.registry import Ctx
from commands.core.reply import SEVERITY_RANK, Context, Fields, Finding, Header, Reply, Table, Text
from commands.core.text import Icon, Rich, code, join, link, rich, strong
from commands.findings.routing.coverage import CoverageItem, CoverageTarget, coverage
from commands.findings.routing.findings import coverage_findings, invalid_route_findings
from commands.findings.routing.selection import ROUTE_SELECTION_DOC, RouteChoice, parse_net, select_route
from commands.judgement.causes import worst
from commands.judgement.estate import Estate, read_in_depth, read_peered_vnets
from commands.judgement.judge import Judgement, judge
from commands.judgement.progress import Progress, gather_with_progress
from commands.judgement.view import head, problems
from commands.routes.estate import near_gateways, used_gateways
from commands.routes.lines import coverage_lines, verdict
from commands.routes.target import Resolved

SOURCE_ORDER = ("Default", "User", "VirtualNetworkGateway")
EXPLAINED_MAX = 8  # route-choice explanations shown per NIC (the table holds everything)


def nic_replies(ctx: Ctx, target: Resolved, est: Estate, dests: Sequence[str]) -> list[Reply]:
    """One answer per NIC of `target`, with the route for each address in `dests` explained."""
    nics = list(target.nics)
    vnet_ids = [v for n in nics for v in n.vnet_ids]
    progress = Progress(ctx)
    read_peered_vnets(ctx, est, progress)
    near = {rid_key(g.id) for g in near_gateways(est, vnet_ids)}
    read_in_depth(ctx, est, ", ".join(n.name for n in nics), lambda g: rid_key(g.id) in near)
    bgp = list({rid_key(g.id): g for v in vnet_ids for g in used_gateways(est, v) if g.enable_bgp}.values())
    names = ", ".join(n.name for n in nics)
    tasks: list[Callable[[], Any]] = [partial(ctx.azure.effective_routes, n.id) for n in nics]
    tasks += [partial(ctx.azure.learned_routes, g.id) for g in bgp]
    outcomes = gather_with_progress(
        ctx, tasks, f"Asking Azure for the effective routes of {names} (it computes them: 5–60 s)"
    )
    for g, out in zip(bgp, outcomes[len(nics) :], strict=True):
        est.learned[rid_key(g.id)] = out.error if out.error is not None else list(out.value or [])
    est.__dict__.pop("index", None)
    j = judge(est)
    vm = name_of(nics[0].vm_id) if nics[0].vm_id else ""
    return [
        nic_reply(nic, vm, out.value if out.ok else None, out.error, j, dests)
        for nic, out in zip(nics, outcomes[: len(nics)], strict=True)
    ]


def nic_reply(
    nic: NetworkInterface,
    vm: str,
    routes: list[EffectiveRoute] | None,
    failure: AzureFailure | None,
    j: Judgement,
    dests: Sequence[str],
) -> Reply:
    """The answer for one NIC; `routes` None when Azure did not return them (`failure` says why)."""
    facts = j.estate.index
    vnet_id = nic.vnet_ids[0] if nic.vnet_ids else ""
    target = CoverageTarget(
        vnet_id=vnet_id,
        name=nic.name,
        routes=tuple(routes) if routes is not None else None,
        subnet_ids=nic.subnet_ids,
    )
    items = coverage(target, facts) if vnet_id else []
    title = f"Routes of {nic.name}" + (f" ({vm})" if vm else "")
    fallback = f"{title}: {verdict(items)}" + (f", {len(routes)} routes" if routes is not None else "")
    own: list[Finding] = []
    if failure is not None:
        own.append(
            Finding(
                severity="warning",
                title=rich(f"Azure did not return the effective routes of {nic.name}"),
                evidence=rich(str(failure)),
                next_step=_effective_advice(failure, vm),
                key=f"routing:effective:{rid_key(nic.id)}",
            )
        )
    own += coverage_findings(nic.name, rid_key(nic.id), items)
    if routes is not None:
        own += invalid_route_findings(nic.name, rid_key(nic.id), routes)
    explaining, unexplained = j.with_own(own)
    near = [f for f in j.roots if vnet_id and rid_key(vnet_id) in _about(j, f) and not _dns_only(f)]
    roots = _ranked(list({id(f): f for f in [*explaining, *near]}.values()), unexplained)
    gaps = j.estate.gap_lines()
    r = Reply(fallback=rich(fallback))
    r.add(*head(rich(title, ": ", verdict(items)) if items else rich(title), problems(roots), unread=len(gaps)))
    r.more(Header(title))
    r.more(Context(_where(nic, vnet_id, facts)))
    if items:
        r.more(Text(rich(strong("Coverage — ", verdict(items)), "\n", coverage_lines(items))))
    r.more(*roots)
    if routes is not None:
        r.more(*_route_parts(nic, routes, items, dests))
    for gap in gaps[:5]:
        r.more(Context(rich(Icon.WARNING, " ", gap)))
    r.more(Context(rich("Route selection: ", link(ROUTE_SELECTION_DOC, "how Azure selects a route"))))
    return r


def _ranked(judged: list[Finding], own: list[Finding]) -> list[Finding]:
    """The judgement's causes and the NIC's own gaps nothing explains, most severe first."""
    return sorted([*judged, *own], key=lambda f: (worst(f), SEVERITY_RANK.get(f.severity, 9)))


def _dns_only(f: Finding) -> bool:
    """Private endpoint DNS (and the checklist's items it explains: the SQL name, policy and
    client) is the checklist's and diagnose's: a route answer leaves it out."""
    return all(x.key.startswith(("pe_", "p2s_dns:", "sql_")) for x in f.every())


def _about(j: Judgement, f: Finding) -> frozenset[str]:
    """Every resource a root and its symptoms are about."""
    return frozenset(s for x in f.every() for s in j.subjects.get(x.key, frozenset()))


def _where(nic: NetworkInterface, vnet_id: str, facts: EstateIndex) -> Rich:
    """ "VNet `vnet-aue` 10.1.0.0/16 · subnet `default` · IP `10.1.1.10`"."""
    vnet_name = facts.vnet_name(vnet_id) if vnet_id else "?"
    where = [rich("VNet ", code(vnet_name), " " + " ".join(facts.vnet_prefixes(vnet_id)))]
    if nic.subnet_ids:
        where.append(rich("subnet ", join(", ", [code(name_of(s)) for s in nic.subnet_ids])))
    if nic.private_ips:
        where.append(rich("IP ", join(", ", [code(ip) for ip in nic.private_ips])))
    if nic.private_prefixes:
        where.append(rich("prefix ", join(", ", [code(p) for p in nic.private_prefixes])))
    return join(" · ", where)


def _route_parts(
    nic: NetworkInterface, routes: Sequence[EffectiveRoute], items: Sequence[CoverageItem], dests: Sequence[str]
) -> list[Text | Fields | Table]:
    """How Azure picks the routes that matter, then the routes themselves by source."""
    parts: list[Text | Fields | Table] = []
    explained = _explanations(routes, items, dests)
    if explained:
        parts.append(
            Text(
                rich(
                    strong("How Azure picks the route"),
                    " (longest prefix; same prefix: User > BGP > System)\n",
                    join("\n", explained),
                )
            )
        )
    if not routes:
        return [*parts, Text(rich("Azure returned no effective routes for ", code(nic.name), "."))]
    parts.append(_source_fields(routes))
    parts.append(
        Table(
            columns=("Source", "State", "Prefix", "Next hop", "Next hop IP", "Name"),
            rows=_route_rows(routes),
            caption=rich(strong("Effective routes of ", nic.name), f" ({len(routes)})"),
            filename=f"routes-{nic.name}.txt",
        )
    )
    return parts


def _effective_advice(failure: AzureFailure, vm: str) -> Rich:
    text = f"{failure.code} {failure.message}".lower()
    if any(w in text for w in ("running", "deallocat", "stopped", "notrunning", "powerstate")):
        return rich(
            "Azure computes effective routes only while the VM runs: start ",
            code(vm) if vm else "the VM",
            " and ask again. The coverage below is worked out from the estate alone.",
        )
    if failure.kind == "forbidden":
        return rich(
            failure.advice,
            " Reading effective routes needs ",
            code("Microsoft.Network/networkInterfaces/effectiveRouteTable/action"),
            " on the NIC.",
        )
    if failure.kind == "timeout":
        return rich(
            failure.advice,
            " The VM must also be running: Azure computes effective routes from the running host.",
        )
    return failure.advice


def _route_sort_key(r: EffectiveRoute) -> tuple[int, int, int, int, int]:
    """Grouped by source (Default, User, VirtualNetworkGateway, others), Active before
    Invalid, then by address."""
    src = SOURCE_ORDER.index(r.source) if r.source in SOURCE_ORDER else len(SOURCE_ORDER)
    net = parse_net(r.address_prefixes[0]) if r.address_prefixes else None
    active = 0 if (r.state or "").lower() == "active" else 1
    if net is None:
        return (src, active, 9, 0, 0)
    return (src, active, net.version, int(net.network_address), net.prefixlen)


def _route_rows(routes: Sequence[EffectiveRoute]) -> tuple[tuple[str, ...], ...]:
    ordered = sorted(routes, key=_route_sort_key)
    return tuple(
        (
            r.source or "?",
            r.state or "?",
            ", ".join(r.address_prefixes) or "—",
            r.next_hop_type or "—",
            ", ".join(r.next_hop_ips) or "—",
            r.name or "",
        )
        for r in ordered
    )


def _source_fields(routes: Sequence[EffectiveRoute]) -> Fields:
    counts: Counter[tuple[str, str]] = Counter(((r.source or "Unknown"), (r.state or "Active").lower()) for r in routes)
    sources = sorted({s for s, _ in counts}, key=lambda s: SOURCE_ORDER.index(s) if s in SOURCE_ORDER else 9)
    items = []
    for s in sources:
        active, invalid = counts[(s, "active")], counts[(s, "invalid")]
        items.append((s, f"{active} active" + (f", {invalid} invalid" if invalid else "")))
    return Fields(tuple(items[:10]))


# Azure's default system routes: every destination is also covered by one of these, which
# makes "several routes cover it" true of everything; a choice is worth explaining only when
# something else competed.
_CATCH_ALL = frozenset({"0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"})


def _interesting(choice: RouteChoice) -> bool:
    if choice.inside:
        return True
    return any(p not in _CATCH_ALL or (r.source or "").lower() != "default" for p, r in choice.losers)


def _explanations(routes: Sequence[EffectiveRoute], items: Sequence[CoverageItem], dests: Sequence[str]) -> list[Rich]:
    """The route choice for the user's addresses, then for every destination several routes cover."""
    chosen: list[RouteChoice] = [select_route(routes, d) for d in dests]
    for it in items:
        if it.route is not None and _interesting(it.route) and len(chosen) < EXPLAINED_MAX + len(dests):
            chosen.append(it.route)
    seen: set[str] = set()
    out = []
    for c in chosen:
        if c.destination in seen:
            continue
        seen.add(c.destination)
        out.append(rich(f"• {c.explanation}"))
    return out
