"""`/vpn routes <nic|vm|gateway|log …>`: the routes a machine or gateway really has, and a VPN client's view.

Gathering (every Azure call through `commands.core.fanout.gather`, at most
`settings.concurrency` at a time, progress shown while the long-running calls run):

1. every subscription's NICs, gateways, VNets, connections, local network gateways and
   private endpoints (one task per subscription and kind) — enough to resolve the name and
   to work out what the target should reach;
2. NIC / VM: `effectiveRouteTable` of each NIC together with a GET of every connection near
   it (the list call leaves `connectionStatus` empty);
   gateway: `getLearnedRoutes`, `getBgpPeerStatus` and the connection GETs, then
   `getAdvertisedRoutes` for every BGP peer (it needs the peer's address);
3. coverage (`commands.coverage`) and findings (`commands.findings.routing`), pure.

A part that fails is reported with `AzureFailure.advice` while the rest is shown.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from commands.core.errors import AzureFailure, UsageError
from commands.core.estate import EstateIndex, Reader, read_lists
from commands.core.fanout import Outcome, gather
from commands.core.lookup import by_name, matches
from commands.core.model import (
    BgpPeer,
    Connection,
    DnsResolver,
    EffectiveRoute,
    Gateway,
    GatewayRoute,
    LocalNetworkGateway,
    NetworkInterface,
    PrivateEndpoint,
    Subscription,
    VirtualNetwork,
    name_of,
    rid_key,
)
from commands.core.parse import normalise
from commands.core.registry import Ctx, command, shortcut
from commands.core.reply import Context, Fields, Finding, Header, Reply, Table, Text, code, error_reply, esc
from commands.core.units import plural
from commands.findings import ranked
from commands.findings.routing import (
    coverage_findings,
    invalid_route_findings,
    p2s_log_findings,
    words,
)
from commands.routes.coverage import CoverageItem, CoverageTarget, coverage
from commands.routes.p2s import (
    P2S_ROUTING_DOC,
    ExpectedPrefix,
    RouteCheck,
    compare_client_routes,
    match_gateway,
    p2s_plan,
)
from commands.routes.selection import (
    ROUTE_SELECTION_DOC,
    RouteChoice,
    describe_route,
    learned_as_effective,
    parse_net,
    select_route,
)
from commands.routes.vpnlog import looks_like_vpn_log, parse_vpn_client_log

USAGE = "routes <nic|vm|gateway|log …>"
USAGE_LONG = "/vpn routes <nic|vm|gateway> [ip …]"
EXAMPLE = "/vpn routes vm-aue"
SOURCE_ORDER = ("Default", "User", "VirtualNetworkGateway")
KIND_WORDS: dict[str, Literal["nic", "vm", "gateway"]] = {
    "nic": "nic",
    "nics": "nic",
    "interface": "nic",
    "vm": "vm",
    "machine": "vm",
    "gateway": "gateway",
    "gw": "gateway",
    "vgw": "gateway",
}
KIND_EXAMPLE = {"nic": "nic-vm-aue", "vm": "vm-aue", "gateway": "vgw-eun"}
STATUS_MARK = {"reached": "✅", "partial": "🟠", "not_reached": "❌", "unknown": "❔"}
EXPLAINED_MAX = 8  # route-choice explanations shown per NIC (the table holds everything)
LOG_HINT = (
    "Paste lines from the Azure VPN client's log (`AzureVpnCxn.log`; in the client: … → *Show logs*), such as "
    "`… [hub-eun] [Verbose] Received option: route 10.0.0.0 255.255.0.0` or "
    "`… Assigned IP address: 172.16.10.2 / 255.255.255.128`. A code block keeps Slack from changing them."
)
LOG_EXAMPLE = "/vpn routes log [3/23/2020 1:28:14 PM] PId:[1] TId:[2] [hub-eun] [Verbose] Received option: route 10.0.0.0 255.255.0.0"


# --- waiting on Azure, with progress ---------------------------------------------------------------


def _gather(ctx: Ctx, tasks: Sequence[Callable[[], Any]], label: str) -> list[Outcome[Any]]:
    """`gather` on a helper thread while this thread keeps the user informed.

    Long-running operations (effective routes, learned routes) take 5–60 s; Slack shows the
    "working on it" message meanwhile, which `ctx.out.progress` updates.
    """
    if not tasks:
        return []
    done = [0]
    result: list[Outcome[Any]] = []
    bug: list[BaseException] = []

    def on_progress(n: int, _total: int) -> None:
        done[0] = n

    def run() -> None:
        try:
            result.extend(gather(list(tasks), ctx.settings.concurrency, on_progress=on_progress))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the command's thread
            bug.append(exc)

    worker = threading.Thread(target=run, name="routes-gather", daemon=True)
    started = time.monotonic()
    ctx.out.progress(f"{label}…")
    worker.start()
    every = max(0.2, ctx.settings.progress_every_s)
    while True:
        worker.join(timeout=every)
        if not worker.is_alive():
            break
        ctx.out.progress(f"{label}… {done[0]} of {len(tasks)} done, {time.monotonic() - started:.0f} s so far")
    if bug:
        raise bug[0]
    return result


# --- the estate --------------------------------------------------------------------------------


@dataclass
class Estate:
    subscriptions: list[Subscription]
    nics: list[NetworkInterface] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    vnets: list[VirtualNetwork] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    local_gateways: list[LocalNetworkGateway] = field(default_factory=list)
    private_endpoints: list[PrivateEndpoint] = field(default_factory=list)
    resolvers: list[DnsResolver] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # mrkdwn: what could not be read, and what to do

    def facts(self, connections: Sequence[Connection] | None = None) -> EstateIndex:
        return EstateIndex(
            vnets=tuple(self.vnets),
            gateways=tuple(self.gateways),
            connections=tuple(self.connections if connections is None else connections),
            local_gateways=tuple(self.local_gateways),
            private_endpoints=tuple(self.private_endpoints),
        )


_KINDS: dict[str, tuple[str, str]] = {
    # kind -> (port method, words)
    "nics": ("network_interfaces", "network interfaces"),
    "gateways": ("gateways", "gateways"),
    "vnets": ("virtual_networks", "virtual networks"),
    "connections": ("connections", "connections"),
    "local_gateways": ("local_network_gateways", "local network gateways"),
    "private_endpoints": ("private_endpoints", "private endpoints"),
    "resolvers": ("dns_resolvers", "DNS private resolvers"),
}


def load_estate(ctx: Ctx, kinds: Sequence[str]) -> Estate:
    """Read `kinds` (keys of `_KINDS`) in every subscription, concurrently."""
    subs = ctx.azure.subscriptions()
    estate = Estate(subscriptions=subs)
    if not subs:
        estate.gaps.append("The bot sees no subscription: check `AZURE_SUBSCRIPTION_IDS` and its role assignments.")
        return estate
    n = len(subs)
    lists = read_lists(
        ctx,
        subs,
        {k: _reader(_KINDS[k][0]) for k in kinds},
        run=lambda tasks: _gather(ctx, tasks, f"Reading the estate in {plural(n, 'subscription')}"),
    )
    for kind, items in lists.found.items():
        getattr(estate, kind).extend(items)
    names = {s.id: s.name or s.id for s in subs}
    for f in lists.failures:
        estate.gaps.append(
            f"Could not list {_KINDS[f.kind][1]} in {esc(names[f.subscription_id])}: {esc(f.error)}. {f.error.advice}"
        )
    return estate


def _reader(method: str) -> Reader:
    """The port's list method called `method`, as a reader of one subscription."""
    return lambda azure, subscription_id: getattr(azure, method)(subscription_id)


def _near_connections(estate: Estate, vnet_ids: Sequence[str]) -> list[Connection]:
    """Connections whose status matters for `vnet_ids`: of gateways in them or their peers."""
    facts = estate.facts()
    near = {rid_key(v) for v in vnet_ids}
    for v in list(near):
        near.update(facts.peer_keys(v))
    gws = {rid_key(g.id) for g in estate.gateways if rid_key(g.vnet_id) in near}
    return [c for c in estate.connections if rid_key(c.gateway1_id) in gws or rid_key(c.gateway2_id) in gws]


def _with_status(
    estate: Estate, fetched: Sequence[Connection], outcomes: Sequence[Outcome[Any]], gaps: list[str]
) -> list[Connection]:
    """Every connection of the estate, those in `fetched` replaced by their GET (which has the
    status the list call leaves out); a failed GET keeps the list shape and is reported."""
    got: dict[str, Connection] = {}
    for c, out in zip(fetched, outcomes, strict=True):
        if out.ok and isinstance(out.value, Connection):
            got[rid_key(c.id)] = out.value
        elif out.error is not None:
            gaps.append(f"Could not read the status of connection {esc(c.name)}: {esc(out.error)}. {out.error.advice}")
    return [got.get(rid_key(c.id), c) for c in estate.connections]


# --- resolving the target ------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    kind: Literal["nic", "vm", "gateway"]
    name: str
    id: str
    nics: tuple[NetworkInterface, ...] = ()
    gateway: Gateway | None = None


def resolve(query: str, kind: str | None, estate: Estate) -> list[Resolved]:
    """Every NIC, VM (→ its NICs) or gateway named `query` (or with that resource id)."""
    out: list[Resolved] = []
    if kind in (None, "nic"):
        out += [Resolved("nic", n.name, n.id, (n,)) for n in by_name(estate.nics, query, groups=False)]
    if kind in (None, "vm"):
        vms: dict[str, list[NetworkInterface]] = {}
        for n in estate.nics:
            if n.vm_id and matches(name_of(n.vm_id), n.vm_id, query, groups=False):
                vms.setdefault(rid_key(n.vm_id), []).append(n)
        for nics in vms.values():
            out.append(Resolved("vm", name_of(nics[0].vm_id), nics[0].vm_id, tuple(nics)))
    if kind in (None, "gateway"):
        out += [Resolved("gateway", g.name, g.id, gateway=g) for g in by_name(estate.gateways, query, groups=False)]
    # A NIC found both by its own name and as its VM's only NIC is one target.
    if kind is None and len(out) > 1:
        nic_ids = {rid_key(r.id) for r in out if r.kind == "nic"}
        out = [r for r in out if not (r.kind == "vm" and {rid_key(n.id) for n in r.nics} <= nic_ids)]
    return out


def _unknown_reply(query: str, kind: str | None, estate: Estate) -> Reply:
    what = {"nic": "NIC", "vm": "VM", "gateway": "gateway"}.get(kind or "", "NIC, VM or gateway")
    # A private endpoint's NIC has no effective routes to show: not worth suggesting.
    pe_nics = {rid_key(x) for p in estate.private_endpoints for x in p.nic_ids}
    nics = sorted({n.name for n in estate.nics if rid_key(n.id) not in pe_nics})
    vms = sorted({name_of(n.vm_id) for n in estate.nics if n.vm_id})
    gws = sorted({g.name for g in estate.gateways})
    pool = {"nic": nics, "vm": vms, "gateway": gws}.get(kind or "", nics + vms + gws)
    close = difflib.get_close_matches(query.lower(), [p.lower() for p in pool], n=4, cutoff=0.5)
    close_names = [next(p for p in pool if p.lower() == c) for c in close]
    n = len(estate.subscriptions)
    r = error_reply(
        f"No {what} named {code(query)} in the {plural(n, 'subscription')} the bot can see.",
        ("Did you mean " + ", ".join(code(c) for c in close_names) + "?") if close_names else "",
        f"/vpn routes {close_names[0]}" if close_names else EXAMPLE,
    )
    vnet = next((v for v in estate.vnets if v.name.lower() == query.lower()), None)
    if vnet is not None:
        inside = [n for n in estate.nics if any(rid_key(x) == rid_key(vnet.id) for x in n.vnet_ids)]
        gw_in = [g for g in estate.gateways if rid_key(g.vnet_id) == rid_key(vnet.id)]
        names = [code(x.name) for x in inside[:8]] + [code(g.name) for g in gw_in]
        r.add(
            Text(
                f"{code(vnet.name)} is a virtual network; name a NIC, VM or gateway in it: "
                + (", ".join(names) or "it has none")
            )
        )
    for label, names in (("NICs", nics), ("VMs", vms), ("Gateways", gws)):
        if kind and {"NICs": "nic", "VMs": "vm", "Gateways": "gateway"}[label] != kind:
            continue
        if names:
            shown = ", ".join(code(x) for x in names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
            r.add(Context(f"{label}: {shown}"))
    for gap in estate.gaps[:3]:
        r.add(Context(f":warning: {gap}"))
    return r


def _ambiguous_reply(query: str, found: Sequence[Resolved]) -> Reply:
    lines = [f"• {r.kind} {code(r.name)} — {code(r.id)}" for r in found[:10]]
    if len(found) > 10:
        lines.append(f"…and {len(found) - 10} more")
    return error_reply(
        f"{code(query)} matches {len(found)} resources; which one?",
        "\n".join(lines) + "\nName the kind, or give the full resource id.",
        f"/vpn routes {found[0].kind} {found[0].id}",
    )


# --- the command -----------------------------------------------------------------------------------


@command("routes", usage=USAGE, example=EXAMPLE)
def routes(ctx: Ctx, args: str) -> Reply | None:
    """What routes a NIC, VM or gateway really has, whether every address space it should reach is covered, and what a VPN client was given.

    `/vpn routes <nic|vm>` shows a NIC's effective routes grouped by source (a VM's NICs each),
    with the route Azure picks for each destination that matters; `/vpn routes <gateway>` its
    learned routes and the routes advertised to each BGP peer. Both check coverage: the own
    VNet, peered VNets (and through gateway transit), VNet-to-VNet remotes, local network
    gateways, point-to-site pools and private endpoints — reached by which route, or why not.
    Add IPs to explain their route: `/vpn routes vm-aue 10.1.1.4`. `/vpn routes log <pasted
    log>` compares an Azure VPN client log with what the gateway should hand out.
    """
    raw = args or ""
    stripped = raw.strip()
    if not stripped:
        raise UsageError(
            "Which NIC, VM or gateway?",
            f"Usage: {code(USAGE_LONG)}. A VPN client's log works too: {code('/vpn routes log')} followed by the "
            "pasted lines.",
            EXAMPLE,
        )
    first, rest = [*stripped.split(maxsplit=1), ""][:2]
    if first.lower() in ("log", "logs", "log:"):
        return log_reply(ctx, rest)
    if looks_like_vpn_log(stripped):
        return log_reply(ctx, stripped)
    words_ = [w.strip("`'\"") for w in normalise(stripped).split(" ") if w.strip("`'\"")]
    kind: Literal["nic", "vm", "gateway"] | None = None
    if words_ and words_[0].lower() in KIND_WORDS:
        kind = KIND_WORDS[words_[0].lower()]
        words_ = words_[1:]
    if not words_:
        said = f"{kind} " if kind else ""
        raise UsageError(
            f"Which {kind or 'NIC, VM or gateway'}?",
            f"Name it: {code(f'/vpn routes {said}<name>')}.",
            f"/vpn routes {said}{KIND_EXAMPLE[kind or 'vm']}",
        )
    query, dests = words_[0], [w for w in words_[1:] if w.lower() not in ("to", "for", "via")]
    for d in dests:
        if parse_net(d) is None:
            raise UsageError(
                f"{code(d)} is not an IP address or prefix.",
                "After the name, give addresses or prefixes whose route you want explained.",
                f"/vpn routes {query} 10.1.1.4",
            )
    estate = load_estate(ctx, ["nics", "gateways", "vnets", "connections", "local_gateways", "private_endpoints"])
    found = resolve(query, kind, estate)
    if not found:
        return _unknown_reply(query, kind, estate)
    if len(found) > 1:
        return _ambiguous_reply(query, found)
    target = found[0]
    if target.gateway is not None:
        return gateway_reply(ctx, target.gateway, estate, dests)
    replies = nic_replies(ctx, target, estate, dests)
    for r in replies[:-1]:
        ctx.out.respond(r)
    return replies[-1]


@shortcut("check_vpn_client_log", "Check VPN client log")
def check_vpn_client_log(ctx: Ctx, message_text: str) -> Reply | None:
    """Message shortcut: read the Azure VPN client log in a message and compare it with the estate."""
    if not looks_like_vpn_log(message_text or ""):
        return error_reply("That message has no Azure VPN client log lines.", LOG_HINT, LOG_EXAMPLE)
    return log_reply(ctx, message_text)


# --- NIC / VM ----------------------------------------------------------------------------------------


def _effective_advice(failure: AzureFailure, vm: str) -> str:
    text = f"{failure.code} {failure.message}".lower()
    if any(w in text for w in ("running", "deallocat", "stopped", "notrunning", "powerstate")):
        return (
            f"Azure computes effective routes only while the VM runs: start {code(vm) if vm else 'the VM'} and ask again. "
            "The coverage below is worked out from the estate alone."
        )
    if failure.kind == "forbidden":
        return (
            failure.advice
            + " Reading effective routes needs `Microsoft.Network/networkInterfaces/effectiveRouteTable/action` on the NIC."
        )
    if failure.kind == "timeout":
        return failure.advice + " The VM must also be running: Azure computes effective routes from the running host."
    return failure.advice


def nic_replies(ctx: Ctx, target: Resolved, estate: Estate, dests: Sequence[str]) -> list[Reply]:
    nics = list(target.nics)
    vnet_ids = [v for n in nics for v in n.vnet_ids]
    near = _near_connections(estate, vnet_ids)
    names = ", ".join(n.name for n in nics)
    tasks: list[Callable[[], Any]] = [partial(ctx.azure.effective_routes, n.id) for n in nics]
    tasks += [partial(ctx.azure.connection, c.id) for c in near]
    outcomes = _gather(ctx, tasks, f"Asking Azure for the effective routes of {names} (it computes them: 5–60 s)")
    gaps = list(estate.gaps)
    facts = estate.facts(_with_status(estate, near, outcomes[len(nics) :], gaps))
    vm = name_of(nics[0].vm_id) if nics[0].vm_id else ""
    return [
        nic_reply(nic, vm, out.value if out.ok else None, out.error, facts, dests, gaps)
        for nic, out in zip(nics, outcomes[: len(nics)], strict=True)
    ]


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


def _learned_words(prefix: str, r: EffectiveRoute) -> str:
    """A learned route (see `learned_as_effective`): "10.1.0.0/16 (EBgp, next hop 10.1.255.30, from 10.1.255.30)"."""
    bits = [r.source]
    if r.next_hop_ips:
        bits.append("next hop " + ", ".join(r.next_hop_ips))
    if r.name:
        bits.append(f"from {r.name}")
    return f"{prefix} ({', '.join(bits)})"


def _coverage_lines(items: Sequence[CoverageItem], learned: bool = False) -> str:
    lines = []
    for it in items:
        mark = STATUS_MARK[it.status]
        head = f"{mark} *{esc(it.label)}* {code(it.prefix)}" if it.prefix != "—" else f"{mark} *{esc(it.label)}*"
        if it.status == "reached" and it.route is not None and it.route.route is not None:
            how = (_learned_words if learned else describe_route)(it.route.prefix, it.route.route)
            tail = ("learned: " if learned else "reached by ") + esc(how)
        elif it.status == "reached":
            tail = f"configured: {esc(it.via)} (static prefixes are not in the learned routes)"
        elif it.status == "unknown":
            tail = f"should be reached through {esc(it.via)}; the routes could not be read"
        else:
            tail = ("not reached: " if it.status == "not_reached" else "partly: ") + (
                words(it.reasons[0]) if it.reasons else "no route"
            )
        lines.append(f"{head} — {tail}")
    return "\n".join(lines)


def _verdict(items: Sequence[CoverageItem]) -> str:
    real = [i for i in items if i.prefix != "—"]
    reached = sum(1 for i in real if i.reached)
    unknown = sum(1 for i in real if i.status == "unknown")
    if unknown == len(real) and real:
        return f"{len(real)} destinations to check (routes unknown)"
    return f"{reached} of {len(real)} destinations reached"


# Azure's default system routes: every destination is also covered by one of these, which
# makes "several routes cover it" true of everything; a choice is worth explaining only when
# something else competed.
_CATCH_ALL = frozenset({"0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"})


def _interesting(choice: RouteChoice) -> bool:
    if choice.inside:
        return True
    return any(p not in _CATCH_ALL or (r.source or "").lower() != "default" for p, r in choice.losers)


def _explanations(routes: Sequence[EffectiveRoute], items: Sequence[CoverageItem], dests: Sequence[str]) -> list[str]:
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
        out.append(f"• {esc(c.explanation)}")
    return out


def nic_reply(
    nic: NetworkInterface,
    vm: str,
    routes: list[EffectiveRoute] | None,
    failure: AzureFailure | None,
    facts: EstateIndex,
    dests: Sequence[str],
    gaps: Sequence[str],
) -> Reply:
    vnet_id = nic.vnet_ids[0] if nic.vnet_ids else ""
    vnet_name = facts.vnet_name(vnet_id) if vnet_id else "?"
    target = CoverageTarget(
        vnet_id=vnet_id,
        name=nic.name,
        routes=tuple(routes) if routes is not None else None,
        subnet_ids=nic.subnet_ids,
    )
    items = coverage(target, facts) if vnet_id else []
    title = f"Routes of {nic.name}" + (f" ({vm})" if vm else "")
    fallback = f"{title}: {_verdict(items)}" + (f", {len(routes)} routes" if routes is not None else "")
    r = Reply(fallback=fallback).add(Header(title))
    where = [f"VNet {code(vnet_name)} {esc(' '.join(facts.vnet_prefixes(vnet_id)))}"]
    if nic.subnet_ids:
        where.append("subnet " + ", ".join(code(name_of(s)) for s in nic.subnet_ids))
    if nic.private_ips:
        where.append("IP " + ", ".join(code(ip) for ip in nic.private_ips))
    r.add(Context(" · ".join(where)))
    if items:
        r.add(Text(f"*Coverage — {_verdict(items)}*\n" + _coverage_lines(items)))
    findings: list[Finding] = []
    if failure is not None:
        findings.append(
            Finding(
                severity="warning",
                title=f"Azure did not return the effective routes of {esc(nic.name)}",
                evidence=f"{esc(failure)}",
                next_step=_effective_advice(failure, vm),
                key=f"routing:effective:{rid_key(nic.id)}",
            )
        )
    findings += coverage_findings(nic.name, rid_key(nic.id), items)
    if routes is not None:
        findings += invalid_route_findings(nic.name, rid_key(nic.id), routes)
    r.add(*ranked(findings))
    if routes is not None:
        explained = _explanations(routes, items, dests)
        if explained:
            r.add(
                Text(
                    "*How Azure picks the route* (longest prefix; same prefix: User > BGP > System)\n"
                    + "\n".join(explained)
                )
            )
        if routes:
            r.add(_source_fields(routes))
            r.add(
                Table(
                    columns=("Source", "State", "Prefix", "Next hop", "Next hop IP", "Name"),
                    rows=_route_rows(routes),
                    caption=f"*Effective routes of {esc(nic.name)}* ({len(routes)})",
                    filename=f"routes-{nic.name}.txt",
                )
            )
        else:
            r.add(Text(f"Azure returned no effective routes for {code(nic.name)}."))
    for gap in gaps[:5]:
        r.add(Context(f":warning: {gap}"))
    r.add(Context(f"Route selection: <{ROUTE_SELECTION_DOC}|how Azure selects a route>"))
    return r


# --- gateway ---------------------------------------------------------------------------------------


def gateway_reply(ctx: Ctx, gw: Gateway, estate: Estate, dests: Sequence[str]) -> Reply:
    near = _near_connections(estate, [gw.vnet_id])
    tasks: list[Callable[[], Any]] = [partial(ctx.azure.learned_routes, gw.id)]
    if gw.enable_bgp:
        tasks.append(partial(ctx.azure.bgp_peer_status, gw.id))
    first = len(tasks)
    tasks += [partial(ctx.azure.connection, c.id) for c in near]
    outs = _gather(ctx, tasks, f"Asking Azure for the learned routes of {gw.name} (5–60 s)")
    gaps = list(estate.gaps)
    learned_out = outs[0]
    learned: list[GatewayRoute] | None = learned_out.value if learned_out.ok else None
    peers: list[BgpPeer] = []
    failures: list[tuple[str, AzureFailure]] = []
    if learned_out.error is not None:
        failures.append(("getLearnedRoutes", learned_out.error))
    if gw.enable_bgp:
        if outs[1].ok:
            peers = list(outs[1].value or [])
        elif outs[1].error is not None:
            failures.append(("getBgpPeerStatus", outs[1].error))
    facts = estate.facts(_with_status(estate, near, outs[first:], gaps))
    advertised: dict[str, list[GatewayRoute]] = {}
    with_address = [p for p in peers if p.neighbor]
    if with_address:
        adv = _gather(
            ctx,
            [partial(ctx.azure.advertised_routes, gw.id, p.neighbor) for p in with_address],
            f"Asking Azure what {gw.name} advertises to {len(with_address)} BGP peer{'s' if len(with_address) != 1 else ''}",
        )
        for p, out in zip(with_address, adv, strict=True):
            if out.ok:
                advertised[p.neighbor] = list(out.value or [])
            elif out.error is not None:
                failures.append((f"getAdvertisedRoutes to {p.neighbor}", out.error))

    vname = facts.vnet_name(gw.vnet_id)
    title = f"Routes of gateway {gw.name}"
    r = Reply(fallback=f"{title}: {len(learned) if learned is not None else '?'} learned routes").add(Header(title))
    about = [f"VNet {code(vname)} {esc(' '.join(facts.vnet_prefixes(gw.vnet_id)))}"]
    if gw.location:
        about.append(esc(gw.location))
    if gw.sku:
        about.append(f"SKU {esc(gw.sku)}")
    about.append(f"BGP AS {gw.bgp_asn}" if gw.enable_bgp and gw.bgp_asn else ("BGP on" if gw.enable_bgp else "BGP off"))
    if gw.serves_p2s:
        about.append("P2S pool " + ", ".join(code(p) for p in gw.p2s_address_pool))
    r.add(Context(" · ".join(about)))

    target = CoverageTarget(
        vnet_id=gw.vnet_id,
        name=gw.name,
        routes=tuple(learned_as_effective(learned)) if learned is not None else None,
        kind="gateway",
    )
    items = coverage(target, facts) if gw.vnet_id else []
    if items:
        r.add(Text(f"*What {esc(gw.name)} knows — {_verdict(items)}*\n" + _coverage_lines(items, learned=True)))
    findings = [
        Finding(
            severity="warning",
            title=f"{esc(op)} on {esc(gw.name)} failed",
            evidence=esc(err),
            next_step=err.advice,
            key=f"routing:gwcall:{rid_key(gw.id)}:{op}",
        )
        for op, err in failures
    ]
    findings += coverage_findings(gw.name, rid_key(gw.id), items)
    plan = p2s_plan(gw, facts) if gw.serves_p2s else []
    findings += _plan_findings(gw, plan)
    r.add(*ranked(findings))
    if plan:
        r.add(Text(f"*What a point-to-site client of {esc(gw.name)} gets*\n" + _plan_lines(plan)))
    if dests and learned is not None:
        eff = learned_as_effective(learned)
        r.add(
            Text(
                "*Routes for the addresses asked*\n"
                + "\n".join(f"• {esc(select_route(eff, d).explanation)}" for d in dests)
            )
        )
    if peers:
        r.add(
            Text(
                "*BGP peers*\n"
                + "\n".join(
                    f"• {code(p.neighbor)} AS {p.asn if p.asn is not None else '?'} — {esc(p.state or '?')}"
                    + (f", {p.routes_received} routes received" if p.routes_received else "")
                    + (f", up {esc(p.connected_duration)}" if p.connected_duration else "")
                    for p in peers
                )
            )
        )
    elif gw.enable_bgp and not any(op == "getBgpPeerStatus" for op, _ in failures):
        r.add(Text(f"BGP is on, but {code(gw.name)} reports no BGP peers."))
    elif not gw.enable_bgp:
        r.add(
            Context(
                f"BGP is off on {code(gw.name)}: it learns only its own VNet and the static prefixes of its connections, "
                "and advertises nothing."
            )
        )
    if learned is not None:
        origins = Counter(x.origin or "?" for x in learned)
        if origins:
            r.add(Fields(tuple((o, str(n)) for o, n in origins.most_common(10))))
        r.add(
            Table(
                columns=("Network", "Next hop", "Origin", "AS path", "Source peer", "Weight"),
                rows=tuple(
                    (
                        x.network,
                        x.next_hop or "—",
                        x.origin or "—",
                        x.as_path or "—",
                        x.source_peer or "—",
                        "" if x.weight is None else str(x.weight),
                    )
                    for x in sorted(learned, key=_gw_route_key)
                ),
                caption=f"*Learned routes of {esc(gw.name)}* ({len(learned)})",
                filename=f"learned-{gw.name}.txt",
            )
        )
    for p in with_address:
        if p.neighbor not in advertised:
            continue
        routes = advertised[p.neighbor]
        r.add(
            Table(
                columns=("Network", "Next hop", "AS path"),
                rows=tuple((x.network, x.next_hop or "—", x.as_path or "—") for x in sorted(routes, key=_gw_route_key)),
                caption=f"*Advertised to {esc(p.neighbor)}* (AS {p.asn if p.asn is not None else '?'}, {esc(p.state or '?')}): {len(routes)}",
                filename=f"advertised-{gw.name}-{p.neighbor}.txt",
            )
        )
    for gap in gaps[:5]:
        r.add(Context(f":warning: {gap}"))
    return r


def _gw_route_key(x: GatewayRoute) -> tuple[int, int, int]:
    n = parse_net(x.network)
    return (n.version, int(n.network_address), n.prefixlen) if n else (9, 0, 0)


_CERTAINTY_MARK = {"always": "✅", "maybe": "❔", "never": "✖️"}


def _plan_lines(plan: Sequence[ExpectedPrefix]) -> str:
    lines = []
    for e in plan:
        if e.kind == "p2s_pool":
            continue
        word = {"always": "gets", "maybe": "may get", "never": "does not get"}[e.certainty]
        line = f"{_CERTAINTY_MARK[e.certainty]} {word} {code(e.prefix)} — {words(e.why)}"
        if e.caveat:
            line += f"\n      ↳ {words(e.caveat)}"
        lines.append(line)
    return "\n".join(lines) or "Only its own pool."


def _plan_findings(gw: Gateway, plan: Sequence[ExpectedPrefix]) -> list[Finding]:
    out = []
    for e in plan:
        if e.kind == "vnet2vnet" and e.caveat:
            out.append(
                Finding(
                    severity="warning",
                    title=f"Point-to-site clients of {esc(gw.name)} may get {esc(e.prefix)}, but traffic cannot get through",
                    evidence=f"• {words(e.caveat)}",
                    next_step="Enable BGP on both gateways and both connections, or peer the VNets with gateway transit "
                    "(then only one region's gateway serves the clients).",
                    doc_url=P2S_ROUTING_DOC,
                    key=f"routing:p2s_oneway:{rid_key(gw.id)}:{e.prefix}",
                )
            )
    return out


# --- VPN client log ------------------------------------------------------------------------------------


def log_reply(ctx: Ctx, text: str) -> Reply:
    """Read a pasted Azure VPN client log; compare it with what the serving gateway hands out."""
    if not text.strip():
        raise UsageError("Paste the VPN client's log after `/vpn routes log`.", LOG_HINT, LOG_EXAMPLE)
    log = parse_vpn_client_log(text)
    if log.empty:
        return error_reply("I could not find Azure VPN client log lines in that text.", LOG_HINT, LOG_EXAMPLE)
    estate = load_estate(ctx, ["gateways", "vnets", "connections", "local_gateways", "resolvers"])
    facts = estate.facts()
    match = match_gateway(log.assigned_ip, log.profiles, estate.gateways, facts)
    checks: list[RouteCheck] = []
    plan: list[ExpectedPrefix] = []
    gaps = list(estate.gaps)
    if match.gateway is not None:
        mine = [
            c
            for c in estate.connections
            if rid_key(match.gateway.id) in (rid_key(c.gateway1_id), rid_key(c.gateway2_id))
        ]
        outs = _gather(ctx, [partial(ctx.azure.connection, c.id) for c in mine], "Reading the gateway's connections")
        facts = estate.facts(_with_status(estate, mine, outs, gaps))
        plan = p2s_plan(match.gateway, facts)
        checks = compare_client_routes(plan, log.prefixes, log.assigned_prefix)

    profile = log.profiles[0] if log.profiles else ""
    title = "VPN client log" + (f" — {profile}" if profile else "")
    received = ", ".join(log.prefixes) or "none"
    r = Reply(fallback=f"{title}: routes {received}; address {log.assigned_ip or '?'}").add(Header(title))
    fields = [
        (
            "Assigned address",
            code(f"{log.assigned_ip}/{log.assigned_prefixlen}")
            if log.assigned_ip and log.assigned_prefixlen is not None
            else (code(log.assigned_ip) if log.assigned_ip else "not in the log"),
        ),
        ("Routes received", ", ".join(code(p) for p in log.prefixes) or "none"),
        ("Route gateway", code(log.route_gateway) if log.route_gateway else "—"),
        ("DNS servers", ", ".join(code(d) for d in log.dns_servers) or "*none pushed*"),
        (
            "Session",
            "disconnected"
            if log.disconnected
            else ("established" if log.established else "not established in this log"),
        ),
        ("Gateway", code(match.gateway.name) if match.gateway else "not identified"),
    ]
    if log.assigned_ipv6:
        fields.insert(1, ("IPv6 address", code(log.assigned_ipv6)))
    if len(log.profiles) > 1:
        fields.append(("Profiles in the log", ", ".join(code(p) for p in log.profiles)))
    r.add(Fields(tuple(fields)))
    findings: list[Finding] = []
    if match.gateway is None:
        cands = "\n".join(
            f"• {code(g.name)} pool {esc(', '.join(g.p2s_address_pool) or 'none')}" for g in match.candidates[:8]
        )
        findings.append(
            Finding(
                severity="warning",
                title="Could not tell which gateway served this client",
                evidence=esc(match.how) + (f"\n{cands}" if cands else ""),
                next_step="Check that the log is from a connection to one of the gateways the bot can see; the assigned "
                "address should fall inside a gateway's P2S address pool.",
                key="routing:p2s:nogateway",
            )
        )
        r.add(*findings)
    else:
        gw = match.gateway
        r.add(Context(f"Served by {code(gw.name)}: {esc(match.how)}."))
        if checks:
            r.add(Text(f"*Compared with what {esc(gw.name)} hands out*\n" + _check_lines(checks)))
        vnet = facts.vnet_by_key.get(rid_key(gw.vnet_id))
        findings += p2s_log_findings(log, checks, gw.name, vnet, estate.resolvers)
        r.add(*findings)
    if log.errors:
        r.add(Text("*Errors in the log*\n" + "\n".join(f"• line {n}: {esc(m[:200])}" for n, m in log.errors)))
    read = f"{log.records} log line{'s' if log.records != 1 else ''} read"
    if log.ignored:
        read += f", {log.ignored} without routing information"
    if log.unreadable:
        read += f", {len(log.unreadable)} unreadable"
    if log.first_time:
        read += f" · {esc(log.first_time)}" + (f" – {esc(log.last_time)}" if log.last_time != log.first_time else "")
    r.add(Context(f"{read} · <{P2S_ROUTING_DOC}|Azure's point-to-site routing>"))
    for gap in gaps[:5]:
        r.add(Context(f":warning: {gap}"))
    return r


_CHECK_MARK = {"ok": "✅", "missing": "❌", "not_pushed": "➖", "unexpected": "❓"}
_CHECK_WORD = {
    "ok": "received",
    "missing": "missing",
    "not_pushed": "not received (may be fine)",
    "unexpected": "received, not expected",
}


def _check_lines(checks: Sequence[RouteCheck]) -> str:
    lines = []
    for c in checks:
        if c.kind == "p2s_pool":
            lines.append(f"{_CHECK_MARK[c.verdict]} {code(c.prefix)} the client's own subnet — {words(c.why)}")
            continue
        line = f"{_CHECK_MARK[c.verdict]} {code(c.prefix)} {_CHECK_WORD[c.verdict]} — {words(c.why)}"
        if c.caveat:
            line += f"\n      ↳ {words(c.caveat)}"
        lines.append(line)
    return "\n".join(lines)


# Keep the module's public surface explicit for /vpn diagnose and the checklist.
__all__ = [
    "Estate",
    "Resolved",
    "check_vpn_client_log",
    "gateway_reply",
    "load_estate",
    "log_reply",
    "nic_replies",
    "resolve",
    "routes",
]
