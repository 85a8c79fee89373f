"""Coverage: whether a NIC or a gateway reaches every address space it should, by which route,
or why not (with the likely reasons and what to do).

`destinations` says what the target should reach and along which path; here each one is
checked against the target's routes with Azure's route selection (`selection`). A NIC is
checked against its effective routes, a gateway against its learned routes; when the routes
could not be read, the estate alone still says what is broken. Pure functions, reusable by
`/vpn routes`, `/vpn diagnose` and the checklist.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from commands.core.estate import EstateIndex
from commands.core.model import EffectiveRoute, name_of, rid_key
from commands.findings.routing.destinations import Blocker, Destination, destinations
from commands.findings.routing.links import connected
from commands.findings.routing.selection import (
    DROP_HOPS,
    GATEWAY_HOPS,
    RouteChoice,
    overlaps,
    parse_net,
    select_route,
)

GATEWAY_TRANSIT_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit"

Status = Literal["reached", "partial", "not_reached", "unknown"]


@dataclass(frozen=True)
class CoverageTarget:
    """Where traffic starts. `routes` None = the routes could not be read (status "unknown")."""

    vnet_id: str
    name: str = ""
    routes: tuple[EffectiveRoute, ...] | None = None
    subnet_ids: tuple[str, ...] = ()
    kind: Literal["nic", "gateway"] = "nic"


@dataclass(frozen=True)
class CoverageItem:
    prefix: str
    label: str  # "vnet-eun", "P2S pool of vgw-eun", "pe-sql-eun (sql-eun)"
    kind: str  # own_vnet | peering | transit | vnet2vnet | s2s | p2s_pool | private_endpoint
    via: str  # the path it should take, in words
    status: Status
    route: RouteChoice | None = None
    reasons: tuple[str, ...] = ()  # why it is not reached, most likely first
    fixes: tuple[str, ...] = ()  # what to do, for the reasons above
    notes: tuple[str, ...] = ()  # caveats even when reached
    source_id: str = ""
    causes: tuple[str, ...] = ()  # keys of the findings behind the reasons (their root causes)
    # What breaks the path in the estate itself (the reasons every command sees, routes or
    # not): the findings group on these, so they have one key whichever command shows them.
    blocked: tuple[str, ...] = ()

    @property
    def reached(self) -> bool:
        return self.status == "reached"


def _quoted(name: str) -> str:
    return f"'{name}' " if name else ""


def _route_reasons(choice: RouteChoice, prefix: str) -> list[tuple[str, str]]:
    r = choice.route
    if r is None:
        return [(f"no Active route covers {prefix}", "add the missing peering / connection, or a route to it")]
    hop = (r.next_hop_type or "").lower()
    if hop in DROP_HOPS and (r.source or "").lower() == "user":
        return [
            (
                f"user route {_quoted(r.name)}{choice.prefix} → None drops it, overriding Azure's routes",
                "remove that route from the subnet's route table or narrow it",
            )
        ]
    if hop in DROP_HOPS:
        return [
            (f"only Azure's default {choice.prefix} → None covers it (no peering, gateway or user route for it)", "")
        ]
    if hop == "internet":
        return [(f"only the Internet route {choice.prefix} covers it (private traffic is not sent into the VPN)", "")]
    return []


def _propagation_reason(facts: EstateIndex, target: CoverageTarget) -> tuple[str, str] | None:
    routes = target.routes or ()
    if any((r.source or "").lower() == "virtualnetworkgateway" for r in routes):
        return None
    for sid in target.subnet_ids:
        s = facts.subnet(sid)
        if s is not None and s.route_table_id:
            return (
                f"the NIC has no gateway routes at all and subnet {s.name} has route table {name_of(s.route_table_id)}: "
                "its 'Propagate gateway routes' is probably off (disableBgpRoutePropagation)",
                f"turn on gateway route propagation on {name_of(s.route_table_id)}, or add user routes to the gateway",
            )
    return None


def _overlap(facts: EstateIndex, target: CoverageTarget, it: Destination, prefix: str) -> Blocker | None:
    """A destination behind a gateway (a P2S pool, a remote VNet, a site) that overlaps the
    target's own VNet or a VNet peered with it: Azure's system route for that VNet (VnetLocal
    or the peering) is preferred over any gateway route, even a more specific one, so the
    traffic never leaves for the gateway (route selection, `selection.select_route`).
    Decided from the estate alone, so every command says the same with or without routes."""
    if target.kind != "nic" or it.kind not in ("p2s_pool", "vnet2vnet", "s2s") or not it.source_id:
        return None
    dest = parse_net(prefix)
    if dest is None:
        return None
    inside = [target.vnet_id]
    inside += [
        p.remote_vnet_id
        for (a, _), p in facts.all_peerings.items()
        if a == rid_key(target.vnet_id) and connected(p.state)
    ]
    for vid in inside:
        if rid_key(vid) == rid_key(it.source_id):
            continue  # the same VNet reached two ways (peered and connected): no overlap
        for p in facts.vnet_prefixes(vid):
            net = parse_net(p)
            if net is None or not overlaps(net, dest):
                continue
            node = ("p2s:" if it.kind == "p2s_pool" else "") + rid_key(it.source_id)
            key = "topology:overlap:" + "|".join(sorted((f"{node}>{prefix}", f"{rid_key(vid)}>{p}")))
            return Blocker(
                f"it overlaps {facts.vnet_name(vid)} {p}: Azure keeps traffic to the overlapping addresses in that "
                "virtual network (its own or peering route wins over any gateway route), so it never reaches "
                "the gateway",
                "give it an address range that overlaps no VNet its users reach",
                key,
            )
    return None


# Azure's default system routes every subnet has (UDR overview, "Default"): the public
# internet, and the private ranges dropped unless a more specific route carries them.
_SYSTEM_DEFAULTS = tuple(
    EffectiveRoute("Default", "Active", (p,), hop)
    for p, hop in (
        ("0.0.0.0/0", "Internet"),
        ("10.0.0.0/8", "None"),
        ("172.16.0.0/12", "None"),
        ("192.168.0.0/16", "None"),
        ("100.64.0.0/10", "None"),
    )
)


def _unpropagated(facts: EstateIndex, target: CoverageTarget, it: Destination, prefix: str) -> Blocker | None:
    """A NIC's subnet whose route table does not propagate gateway routes
    (disableBgpRoutePropagation): the gateway's routes never reach it, so a destination behind
    the gateway takes whatever the table's own routes and Azure's defaults say — carried on
    only by a route to the gateway or to an appliance
    (https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#border-gateway-protocol)."""
    if target.kind != "nic" or not (it.hops & GATEWAY_HOPS):
        return None
    for sid in target.subnet_ids:
        subnet = facts.subnet(sid)
        rt = facts.route_table_by_key.get(rid_key(subnet.route_table_id)) if subnet and subnet.route_table_id else None
        if subnet is None or rt is None or not rt.disable_bgp_route_propagation:
            continue
        user = [
            EffectiveRoute(
                "User", "Active", (r.prefix,), r.next_hop_type, (r.next_hop_ip,) if r.next_hop_ip else (), r.name
            )
            for r in rt.routes
        ]
        choice = select_route([*user, *_SYSTEM_DEFAULTS], prefix)
        hop = (choice.route.next_hop_type or "").lower() if choice.route else "none"
        if hop in ("virtualnetworkgateway", "virtualappliance"):
            continue
        return Blocker(
            f"subnet {subnet.name} uses route table {rt.name}, which does not propagate gateway routes, so "
            f"{choice.label} carries it instead of the gateway",
            f"turn on 'Propagate gateway routes' on {rt.name}, or add a route for {prefix} to the gateway",
        )
    return None


def _evaluate(facts: EstateIndex, target: CoverageTarget, it: Destination, prefix: str) -> CoverageItem:
    blockers = list(it.blockers)
    for extra in (_overlap(facts, target, it, prefix), _unpropagated(facts, target, it, prefix)):
        if extra is not None:
            blockers.append(extra)
    reasons = [b.reason for b in blockers]
    fixes = [b.fix for b in blockers if b.fix]
    causes = tuple(dict.fromkeys(b.cause for b in blockers if b.cause))
    blocked = tuple(reasons)
    notes = list(it.notes)
    if target.routes is None:
        return CoverageItem(
            prefix,
            it.label,
            it.kind,
            it.via,
            "not_reached" if reasons else "unknown",
            None,
            tuple(reasons),
            tuple(fixes),
            tuple(notes),
            it.source_id,
            causes,
            blocked,
        )
    choice = select_route(target.routes, prefix)
    route_reasons = _route_reasons(choice, prefix)
    if target.kind == "gateway" and it.static and route_reasons:
        # Static prefixes (peering, static connections) come from configuration, not from
        # routing protocol; the configuration is the evidence.
        return CoverageItem(
            prefix,
            it.label,
            it.kind,
            it.via,
            "not_reached" if reasons else "reached",
            None,
            tuple(reasons),
            tuple(fixes),
            tuple(notes),
            it.source_id,
            causes,
            blocked,
        )
    drops_inside = [(p, r) for p, r in choice.inside if (r.next_hop_type or "").lower() in DROP_HOPS]
    if route_reasons:
        status: Status = "not_reached"
        if not reasons:
            if it.hops and it.hops <= GATEWAY_HOPS and (prop := _propagation_reason(facts, target)):
                route_reasons.insert(0, prop)
            elif (choice.route is None or (choice.route.source or "").lower() != "user") and target.kind == "nic":
                route_reasons.append(
                    (
                        "the estate says it should be reachable, yet the NIC has no route: effective routes lag a few "
                        "minutes behind changes, or a route table on the subnet overrides it",
                        "check again in a few minutes",
                    )
                )
        if not blockers:  # the estate's own defect is the fix; the route only shows its effect
            fixes += [f for _, f in route_reasons if f]
        reasons += [r for r, _ in route_reasons]
    elif reasons:
        status = "not_reached"
        notes.insert(0, f"Azure still lists a route ({choice.label}), but the path behind it is broken")
    elif drops_inside:
        status = "partial"
        reasons += [f"{r.source} route {_quoted(r.name)}{p} → None drops part of it" for p, r in drops_inside]
        fixes.append("remove or narrow those routes")
    else:
        status = "reached"
        hop = (choice.route.next_hop_type or "").lower() if choice.route else ""
        if it.hops and hop not in it.hops:
            notes.insert(
                0, f"reached through {choice.route.next_hop_type if choice.route else '?'}, not through {it.via}"
            )
    return CoverageItem(
        prefix,
        it.label,
        it.kind,
        it.via,
        status,
        choice,
        tuple(reasons),
        tuple(dict.fromkeys(fixes)),
        tuple(notes),
        it.source_id,
        causes,
        blocked,
    )


_STATUS_RANK = {"reached": 0, "partial": 1, "unknown": 2, "not_reached": 3}


def _merge(paths: list[CoverageItem]) -> CoverageItem:
    """One destination expected along several paths (peering and VNet-to-VNet): the best
    path stands for it, and the broken ones are named."""
    best = min(paths, key=lambda i: (_STATUS_RANK[i.status], len(i.notes)))
    others = [
        f"the other path, {i.via}, is broken: {i.reasons[0]}"
        for i in paths
        if i is not best and i.status == "not_reached" and i.reasons and best.status != "not_reached"
    ]
    if best.status == "reached":
        # A route that matches one path's next hop is not "unexpected" for another path.
        hops_ok = [i for i in paths if not any(n.startswith("reached through ") for n in i.notes)]
        if hops_ok:
            best = min(hops_ok, key=lambda i: (_STATUS_RANK[i.status], len(i.notes)))
    return dataclasses.replace(best, notes=(*best.notes, *others)) if others else best


def coverage(target: CoverageTarget, facts: EstateIndex) -> list[CoverageItem]:
    """Every address space `target` should reach, each marked reached (by which route) or not
    (with the likely reasons and what to do). Order: own VNet, peerings, gateway paths, endpoints."""
    items: list[CoverageItem] = []
    by_dest: dict[tuple[str, str], list[CoverageItem]] = {}
    for it in destinations(facts, target.vnet_id, target.kind):
        for prefix in it.prefixes:
            evaluated = _evaluate(facts, target, it, prefix)
            key = (prefix, rid_key(it.source_id) or it.label)
            if key not in by_dest:
                by_dest[key] = []
                items.append(evaluated)
            by_dest[key].append(evaluated)
        if not it.prefixes and it.blockers:
            items.append(
                CoverageItem(
                    "—",
                    it.label,
                    it.kind,
                    it.via,
                    "not_reached",
                    None,
                    tuple(b.reason for b in it.blockers),
                    tuple(b.fix for b in it.blockers if b.fix),
                    tuple(it.notes),
                    it.source_id,
                    tuple(dict.fromkeys(b.cause for b in it.blockers if b.cause)),
                    tuple(b.reason for b in it.blockers),
                )
            )
    return [_merge(by_dest[(i.prefix, rid_key(i.source_id) or i.label)]) if i.prefix != "—" else i for i in items]
