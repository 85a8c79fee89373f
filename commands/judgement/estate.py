"""What was read of the estate, and what could not be: one reading per request.

Every command reads through here, in phases, each concurrent and each keeping its failures
beside what it read (a partial answer says what it could not read; "could not read" is
never "empty"):

1. every list in every subscription (`read_estate`): gateways, VNets with their peerings,
   connections, local network gateways, private endpoints, private DNS zones, DNS
   resolvers, SQL servers and NICs — one task per (kind, subscription);
2. the VNets at the far end of peerings that no list returned (`read_peered_vnets`);
3. the gateways a command looks at, in depth (`read_in_depth`, `commands.judgement.gateways`):
   each connection's GET (status, counters, tunnels), the reverse halves of VNet-to-VNet
   pairs, shared-key digests, BGP peers, VPN clients;
4. a gateway's learned routes when a command shows them (`read_learned`);
5. the last hour of Azure Monitor metrics of the gateways read in depth (`read_metrics`,
   `commands.judgement.rates`: the batch metrics API, 50 gateways a call).

`commands.judgement.judge` turns an `Estate` into the findings every command shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from typing import Any

from commands.core.errors import AzureFailure
from commands.core.estate import EstateIndex, FactFailure, read_lists
from commands.core.fanout import gather
from commands.core.model import (
    Connection,
    DnsResolver,
    Gateway,
    GatewayRoute,
    LocalNetworkGateway,
    NetworkInterface,
    PrivateDnsZone,
    PrivateEndpoint,
    RouteTable,
    SqlServer,
    Subscription,
    VirtualNetwork,
    name_of,
    rid_key,
)
from commands.core.netwatch import ClientRules
from commands.core.port import AzurePort
from commands.core.registry import Ctx
from commands.core.text import Rich, code, join, rich
from commands.core.units import plural
from commands.findings.dns import facts as dnsf
from commands.findings.rates import RatesReading
from commands.findings.routing.selection import learned_complete
from commands.findings.skus import Sample
from commands.judgement.gateways import (
    ConnectionReading,
    Diagnostics,
    Failure,
    GatewayReading,
    is_vpn,
    read_connections,
)
from commands.judgement.progress import Progress, gather_with_progress
from commands.judgement.rates import read_rates, window_ending

LGW = "local_network_gateways"
NICS = "network_interfaces"
ROUTE_TABLES = "route_tables"

# (kind, words, port call) — kinds shared with commands.findings.dns so its checks know what
# could not be read.
LISTS: tuple[tuple[str, str, Callable[[AzurePort, str], Sequence[Any]]], ...] = (
    (dnsf.GATEWAYS, "virtual network gateways", lambda az, s: az.gateways(s)),
    (dnsf.VNETS, "virtual networks", lambda az, s: az.virtual_networks(s)),
    (dnsf.CONNECTIONS, "gateway connections", lambda az, s: az.connections(s)),
    (LGW, "local network gateways", lambda az, s: az.local_network_gateways(s)),
    (dnsf.PRIVATE_ENDPOINTS, "private endpoints", lambda az, s: az.private_endpoints(s)),
    (dnsf.ZONES, "private DNS zones", lambda az, s: az.private_dns_zones(s)),
    (dnsf.RESOLVERS, "DNS private resolvers", lambda az, s: az.dns_resolvers(s)),
    (dnsf.SQL_SERVERS, "SQL servers", lambda az, s: az.sql_servers(s)),
    (NICS, "network interfaces", lambda az, s: az.network_interfaces(s)),
    (ROUTE_TABLES, "route tables", lambda az, s: az.route_tables(s)),
)
LIST_WORDS = {k: w for k, w, _ in LISTS}
ALL_KINDS = frozenset(LIST_WORDS)
# What judging the network needs: every kind (a VM's NIC is a place traffic starts from,
# whose coverage every command shares).
NETWORK_KINDS = ALL_KINDS

# Failures of one kind listed by name before the rest are counted.
FAILURES_NAMED = 5


@dataclass
class Estate:
    """Everything read for one request, and what could not be read."""

    subscriptions: list[Subscription]
    kinds: frozenset[str] = ALL_KINDS  # the lists that were asked for (one not asked is not "empty")
    gateways: list[Gateway] = field(default_factory=list)
    vnets: list[VirtualNetwork] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)  # as listed (no status)
    local_gateways: list[LocalNetworkGateway] = field(default_factory=list)
    private_endpoints: list[PrivateEndpoint] = field(default_factory=list)
    zones: list[PrivateDnsZone] = field(default_factory=list)
    resolvers: list[DnsResolver] = field(default_factory=list)
    sql_servers: list[SqlServer] = field(default_factory=list)
    nics: list[NetworkInterface] = field(default_factory=list)
    route_tables: list[RouteTable] = field(default_factory=list)
    failures: list[FactFailure] = field(default_factory=list)  # lists that failed
    remote_errors: dict[str, str] = field(default_factory=dict)  # vnet key -> why it could not be read
    depth: GatewayReading | None = None  # the gateways read in depth
    in_depth: frozenset[str] = frozenset()  # their keys
    learned: dict[str, list[GatewayRoute] | AzureFailure] = field(default_factory=dict)  # gateway key ->
    rates: RatesReading | None = None  # Azure Monitor metrics of the gateways in depth (phase 5)
    now: datetime | None = None  # when it was read (certificate expiry is judged against it)
    # connection key -> the watch's last reading of its counters (a command that has the store
    # sets it: `/vpn status`, `/vpn diagnose`, `/vpn connection`), for the rates against the SKU
    samples: Mapping[str, Sample] = field(default_factory=dict)
    # The client VMs' effective security rules per private endpoint key (commands.judgement.nsgs).
    client_rules: dict[str, tuple[ClientRules, ...]] = field(default_factory=dict)

    # -- what could not be read ---------------------------------------------------------------
    def failed(self, kind: str, subscription_id: str) -> bool:
        return any(f.kind == kind and f.subscription_id.lower() == subscription_id.lower() for f in self.failures)

    def gateways_known(self, vnet_id: str) -> bool:
        """Were the gateways of this VNet's subscription listed? (Else "no gateway" is unknown.)"""
        sub = _sub_of(vnet_id)
        return any(s.id.lower() == sub for s in self.subscriptions) and not self.failed(dnsf.GATEWAYS, sub)

    @property
    def gaps(self) -> list[Failure]:
        """The gateways' own read failures (phases 3 and 4)."""
        return list(self.depth.failures) if self.depth is not None else []

    def gap_lines(self) -> list[Rich]:
        """One line per (operation, kind of failure): what could not be read, and what to do."""
        groups: dict[tuple[str, str, str], list[tuple[Rich, AzureFailure | None]]] = {}
        names = {s.id.lower(): s.name or s.id for s in self.subscriptions}
        for f in self.failures:
            name = names.get(f.subscription_id.lower(), f.subscription_id)
            sub_id = f" ({f.subscription_id})" if name != f.subscription_id else None
            what = rich("subscription ", code(name), sub_id)
            key = (f"list {LIST_WORDS.get(f.kind, f.kind)}", f.error.kind, f.error.code)
            groups.setdefault(key, []).append((what, f.error))
        for vkey, why in self.remote_errors.items():
            groups.setdefault(("read the peered VNet", "", ""), []).append(
                (rich(code(name_of(vkey)), f" ({why})"), None)
            )
        for g in self.gaps:
            groups.setdefault((g.operation, g.error.kind, g.error.code), []).append((g.what, g.error))
        for gk, got in self.learned.items():
            if isinstance(got, AzureFailure):
                what = rich("gateway ", code(self.gateway_name(gk)))
                groups.setdefault(("getLearnedRoutes", got.kind, got.code), []).append((what, got))
        lines: list[Rich] = []
        for (op, kind, err_code), items in groups.items():
            shown = rich(
                join(", ", [w for w, _ in items[:FAILURES_NAMED]]),
                f" and {len(items) - FAILURES_NAMED} more" if len(items) > FAILURES_NAMED else None,
            )
            error = items[0][1]
            if error is None:
                lines.append(rich(f"• could not {op}: ", shown))
                continue
            detail = f" ({err_code})" if err_code else ""
            status = f" HTTP {error.status}" if error.status else ""
            lines.append(rich(f"• {op} failed for ", shown, f": {kind}{detail}{status}. ", error.advice))
        return lines

    @property
    def complete(self) -> bool:
        """Nothing failed to read."""
        return not (self.failures or self.remote_errors or self.gaps) and not any(
            isinstance(x, AzureFailure) for x in self.learned.values()
        )

    # -- lookups --------------------------------------------------------------------------------
    def gateway_name(self, key: str) -> str:
        g = next((g for g in self.gateways if rid_key(g.id) == key), None)
        return g.name if g else name_of(key)

    @property
    def vpn_gateways(self) -> list[Gateway]:
        return [g for g in self.gateways if is_vpn(g)]

    @cached_property
    def connections_now(self) -> list[Connection]:
        """Every connection: in its GET shape (status, counters, tunnels) where it was read in
        depth, as listed otherwise; the reverse halves read beyond the lists too."""
        conns = {rid_key(c.id): c for c in self.connections}
        if self.depth is not None:
            conns.update(self.depth.facts.connections)
        return list(conns.values())

    def learned_routes(self, gateway_key: str) -> list[GatewayRoute] | None:
        """A gateway's learned routes when they were read and can be read as a route table
        (`learned_complete`: an empty answer or one without its own VNet cannot); else None."""
        got = self.learned.get(gateway_key)
        if not isinstance(got, list):
            return None
        g = next((g for g in self.gateways if rid_key(g.id) == gateway_key), None)
        own = self.vnet_prefixes(g.vnet_id) if g is not None else ()
        return got if learned_complete(got, own) else None

    def vnet_prefixes(self, vnet_id: str) -> tuple[str, ...]:
        v = next((v for v in self.vnets if rid_key(v.id) == rid_key(vnet_id)), None)
        return v.address_prefixes if v is not None else ()

    @cached_property
    def index(self) -> EstateIndex:
        """The estate as `commands.core.estate.EstateIndex`."""
        learned = {k: r for k in self.learned if (r := self.learned_routes(k)) is not None}
        return EstateIndex(
            vnets=tuple(self.vnets),
            gateways=tuple(self.gateways),
            connections=tuple(self.connections_now),
            local_gateways=tuple(self.local_gateways),
            private_endpoints=tuple(self.private_endpoints),
            learned=learned,
            route_tables=tuple(self.route_tables),
        )

    @cached_property
    def dns(self) -> dnsf.DnsFacts:
        """What `commands.findings.dns` needs."""
        return dnsf.DnsFacts(
            subscriptions=tuple(s.id for s in self.subscriptions),
            subscription_names={s.id: s.name for s in self.subscriptions if s.name},
            sql_servers=tuple(self.sql_servers),
            private_endpoints=tuple(self.private_endpoints),
            zones=tuple(self.zones),
            vnets=tuple(self.vnets),
            gateways=tuple(self.gateways),
            resolvers=tuple(self.resolvers),
            connections=tuple(self.connections_now),
            failures=tuple(self.failures),
            client_rules=dict(self.client_rules),
        )

    def p2s_clients(self) -> dict[str, int]:
        """VPN clients connected now, per gateway read in depth (where the health call worked)."""
        if self.depth is None:
            return {}
        return {
            rid_key(gf.gateway.id): len(gf.p2s_clients)
            for gf in self.depth.facts.gateways
            if gf.p2s_clients is not None
        }

    def p2s_client_ids(self) -> dict[str, list[str]]:
        """Each connected client's `vpnConnectionId`, per gateway read in depth (where read)."""
        if self.depth is None:
            return {}
        return {
            rid_key(gf.gateway.id): [c.connection_id for c in gf.p2s_clients]
            for gf in self.depth.facts.gateways
            if gf.p2s_clients is not None
        }


def _sub_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[2].lower() if len(parts) > 2 else ""


# --- reading ----------------------------------------------------------------------------------


def read_estate(
    ctx: Ctx,
    subs: Sequence[Subscription],
    progress: Progress,
    kinds: Iterable[str] = NETWORK_KINDS,
    slow: bool = False,
) -> Estate:
    """Phase 1: every list of `kinds` in every subscription, concurrently; failures kept per
    list. `slow`: report progress from a helper thread (for answers that follow long waits)."""
    wanted = [k for k, _, _ in LISTS if k in set(kinds)]
    readers = {k: fn for k, _, fn in LISTS if k in wanted}
    label = f"Reading {len(subs) * len(readers)} lists in {plural(len(subs), 'subscription')}"
    progress.say(f"{label}…", force=True)
    lists = read_lists(
        ctx,
        subs,
        readers,
        lambda done, total: progress.say(f"Reading the estate… {done} of {total} lists"),
        run=(lambda tasks: gather_with_progress(ctx, tasks, label)) if slow else None,
    )
    found = lists.found
    return Estate(
        subscriptions=list(subs),
        kinds=frozenset(wanted),
        gateways=found.get(dnsf.GATEWAYS, []),
        vnets=found.get(dnsf.VNETS, []),
        connections=found.get(dnsf.CONNECTIONS, []),
        local_gateways=found.get(LGW, []),
        private_endpoints=found.get(dnsf.PRIVATE_ENDPOINTS, []),
        zones=found.get(dnsf.ZONES, []),
        resolvers=found.get(dnsf.RESOLVERS, []),
        sql_servers=found.get(dnsf.SQL_SERVERS, []),
        nics=found.get(NICS, []),
        route_tables=found.get(ROUTE_TABLES, []),
        failures=lists.failures,
        now=ctx.now(),
    )


def read_peered_vnets(ctx: Ctx, est: Estate, progress: Progress, of: Callable[[str], bool] | None = None) -> None:
    """Phase 2: the far ends of peerings (of the VNets `of` selects) that no list returned."""
    known = {rid_key(v.id) for v in est.vnets}
    wanted: dict[str, str] = {}
    for v in est.vnets:
        if of is None or of(v.id):
            for p in v.peerings:
                if p.remote_vnet_id and rid_key(p.remote_vnet_id) not in known:
                    wanted.setdefault(rid_key(p.remote_vnet_id), p.remote_vnet_id)
    if not wanted:
        return
    progress.say(f"Reading {plural(len(wanted), 'peered VNet')} outside the listed subscriptions…", force=True)
    ids = list(wanted.values())
    outcomes = gather([partial(ctx.azure.virtual_network, i) for i in ids], ctx.settings.concurrency)
    for vid, out in zip(ids, outcomes, strict=True):
        if out.error is not None:
            est.remote_errors[rid_key(vid)] = f"{out.error}. {out.error.advice!s}"
        elif out.value is not None:
            est.vnets.append(out.value)
    est.__dict__.pop("index", None)
    est.__dict__.pop("dns", None)


def read_in_depth(
    ctx: Ctx,
    est: Estate,
    label: str,
    scope: Callable[[Gateway], bool],
    on_partial: Callable[[Estate, dict[str, int]], None] | None = None,
    diagnostics: Diagnostics | None = None,
) -> None:
    """Phase 3: the VPN gateways `scope` selects, in depth (`commands.judgement.gateways`),
    and the learned routes of those that run BGP: what they learned from their peers is part
    of what every command judges (the networks a site advertises are destinations).

    The diagnostic operations (BGP peers, VPN clients, learned routes) start first and run
    beside the connection reads. `on_partial(est, still_running)` — when given — is called
    once the connections are read and again as diagnostic answers arrive (at most every
    `progress_every_s`), with `est` holding what is known so far and the operations still
    running counted by name; `est` is complete when this returns. `diagnostics`: the same
    operations, started earlier by the caller (from the gateway lists alone)."""
    selected = [g for g in est.gateways if is_vpn(g) and scope(g)]
    if not selected:
        return
    diag = diagnostics if diagnostics is not None else Diagnostics(ctx, selected, learned=True)
    base = read_connections(ctx, label, scope, est.gateways)
    _show_depth(ctx, est, base, diag)
    if on_partial is not None:
        on_partial(est, diag.pending())
    # Phase 5 (one batch call per 50 gateways) while the diagnostic operations run.
    read_metrics(ctx, est)
    if on_partial is not None:
        every = max(0.2, ctx.settings.progress_every_s)
        last = time.monotonic()
        while not diag.done:
            if diag.wait(every) and not diag.done and time.monotonic() - last >= every:
                _show_depth(ctx, est, base, diag)
                on_partial(est, diag.pending())
                last = time.monotonic()
    diag.wait_all()
    _show_depth(ctx, est, base, diag)


def _show_depth(ctx: Ctx, est: Estate, base: ConnectionReading, diag: Diagnostics) -> None:
    """Put what is read so far into `est` (the connections, and every diagnostic answer)."""
    answers = diag.snapshot()
    est.depth = base.reading(answers, ctx.now())
    est.in_depth = frozenset(rid_key(gf.gateway.id) for gf in est.depth.facts.gateways)
    for (kind, key), out in answers.items():
        if kind == "learned":
            est.learned[key] = out.error if out.error is not None else list(out.value or [])
    _rate_failures(est)
    for k in ("connections_now", "index", "dns"):
        est.__dict__.pop(k, None)


def read_metrics(ctx: Ctx, est: Estate) -> None:
    """Phase 5: the last hour of Azure Monitor metrics of the gateways read in depth
    (`commands.judgement.rates`); a batch that fails is a gap of its gateways."""
    if est.depth is None or not est.depth.facts.gateways:
        return
    gateways = [gf.gateway for gf in est.depth.facts.gateways]
    est.rates = read_rates(ctx, gateways, window_ending(ctx.now()))
    _rate_failures(est)


def _rate_failures(est: Estate) -> None:
    """The metrics batches that failed, as gaps of their gateways (again after each rebuild of
    `est.depth` while the diagnostic operations answer)."""
    if est.rates is None or est.depth is None:
        return
    for f in est.rates.failures:
        what = join(", ", [rich("gateway ", code(name_of(g))) for g in f.gateway_ids])
        est.depth.failures.append(Failure("read metrics (metrics:getBatch)", what, f.error, rid_key(f.gateway_ids[0])))


def read_learned(ctx: Ctx, est: Estate, gateways: Sequence[Gateway], label: str) -> None:
    """Phase 4: the learned routes of `gateways` (a long-running operation each)."""
    outs = gather_with_progress(ctx, [partial(ctx.azure.learned_routes, g.id) for g in gateways], label)
    for g, out in zip(gateways, outs, strict=True):
        est.learned[rid_key(g.id)] = out.error if out.error is not None else list(out.value or [])
    est.__dict__.pop("index", None)


__all__ = [
    "ALL_KINDS",
    "LGW",
    "LISTS",
    "LIST_WORDS",
    "NETWORK_KINDS",
    "NICS",
    "ROUTE_TABLES",
    "Estate",
    "read_estate",
    "read_in_depth",
    "read_learned",
    "read_metrics",
    "read_peered_vnets",
]
