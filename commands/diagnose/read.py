"""Reading the estate for `/vpn diagnose`: every list in every subscription, then the far
ends of in-scope peerings that no list returned. Failures are kept beside what was read,
so the answer is partial and says what it could not read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from commands.core.estate import FactFailure, read_lists
from commands.core.fanout import gather
from commands.core.model import (
    Connection,
    DnsResolver,
    Gateway,
    LocalNetworkGateway,
    PrivateDnsZone,
    PrivateEndpoint,
    SqlServer,
    Subscription,
    VirtualNetwork,
    rid_key,
)
from commands.core.port import AzurePort
from commands.core.registry import Ctx
from commands.core.units import plural
from commands.diagnose.scope import Scope
from commands.findings.dns import facts as dnsf

LGW = "local_network_gateways"

# (kind, words, port call) — kinds shared with commands.findings.dns so its checks know what
# could not be read.
_LISTS: tuple[tuple[str, str, Callable[[AzurePort, str], Sequence[Any]]], ...] = (
    (dnsf.GATEWAYS, "virtual network gateways", lambda az, s: az.gateways(s)),
    (dnsf.VNETS, "virtual networks", lambda az, s: az.virtual_networks(s)),
    (dnsf.CONNECTIONS, "gateway connections", lambda az, s: az.connections(s)),
    (LGW, "local network gateways", lambda az, s: az.local_network_gateways(s)),
    (dnsf.PRIVATE_ENDPOINTS, "private endpoints", lambda az, s: az.private_endpoints(s)),
    (dnsf.ZONES, "private DNS zones", lambda az, s: az.private_dns_zones(s)),
    (dnsf.RESOLVERS, "DNS private resolvers", lambda az, s: az.dns_resolvers(s)),
    (dnsf.SQL_SERVERS, "SQL servers", lambda az, s: az.sql_servers(s)),
)
# kind -> what it is called in "list … failed".
LIST_WORDS = {k: w for k, w, _ in _LISTS}


@dataclass
class Estate:
    """Everything read in phase 1 and 2, and what could not be read."""

    subscriptions: list[Subscription]
    gateways: list[Gateway] = field(default_factory=list)
    vnets: list[VirtualNetwork] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    local_gateways: list[LocalNetworkGateway] = field(default_factory=list)
    private_endpoints: list[PrivateEndpoint] = field(default_factory=list)
    zones: list[PrivateDnsZone] = field(default_factory=list)
    resolvers: list[DnsResolver] = field(default_factory=list)
    sql_servers: list[SqlServer] = field(default_factory=list)
    failures: list[FactFailure] = field(default_factory=list)  # lists that failed
    remote_errors: dict[str, str] = field(default_factory=dict)  # vnet key -> why it could not be read

    def gateways_known(self, vnet_id: str) -> bool:
        """Were the gateways of this VNet's subscription listed? (Else "no gateway" is unknown.)"""
        sub = _sub_of(vnet_id)
        return any(s.id.lower() == sub for s in self.subscriptions) and not self.failed(dnsf.GATEWAYS, sub)

    def failed(self, kind: str, subscription_id: str) -> bool:
        return any(f.kind == kind and f.subscription_id.lower() == subscription_id.lower() for f in self.failures)


def _sub_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[2].lower() if len(parts) > 2 else ""


class Progress:
    """Progress through ctx.out.progress, at most every `progress_every_s` (Slack's budget)."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx, self.last = ctx, float("-inf")

    def say(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= self.ctx.settings.progress_every_s:
            self.last = now
            self.ctx.out.progress(text)


def read_estate(ctx: Ctx, subs: Sequence[Subscription], progress: Progress) -> Estate:
    """Phase 1: every list in every subscription, concurrently; failures kept per list."""
    progress.say(f"Reading {len(subs) * len(_LISTS)} lists in {plural(len(subs), 'subscription')}…", force=True)
    lists = read_lists(
        ctx,
        subs,
        {k: fn for k, _, fn in _LISTS},
        lambda done, total: progress.say(f"Reading the estate… {done} of {total} lists"),
    )
    found = lists.found
    return Estate(
        subscriptions=list(subs),
        gateways=found[dnsf.GATEWAYS],
        vnets=found[dnsf.VNETS],
        connections=found[dnsf.CONNECTIONS],
        local_gateways=found[LGW],
        private_endpoints=found[dnsf.PRIVATE_ENDPOINTS],
        zones=found[dnsf.ZONES],
        resolvers=found[dnsf.RESOLVERS],
        sql_servers=found[dnsf.SQL_SERVERS],
        failures=lists.failures,
    )


def read_remote_vnets(ctx: Ctx, est: Estate, scope: Scope, progress: Progress) -> None:
    """Phase 2: the far ends of in-scope peerings that no list returned (other subscriptions)."""
    known = {rid_key(v.id) for v in est.vnets}
    wanted: dict[str, str] = {}
    for v in est.vnets:
        if scope.vnet(v.id):
            for p in v.peerings:
                if p.remote_vnet_id and rid_key(p.remote_vnet_id) not in known:
                    wanted.setdefault(rid_key(p.remote_vnet_id), p.remote_vnet_id)
    if not wanted:
        return
    progress.say(f"Reading {plural(len(wanted), 'peered VNet')} outside the listed subscriptions…", force=True)
    ids = list(wanted.values())
    for vid, out in zip(
        ids, gather([partial(ctx.azure.virtual_network, i) for i in ids], ctx.settings.concurrency), strict=True
    ):
        if out.error is not None:
            est.remote_errors[rid_key(vid)] = f"{out.error}. {out.error.advice!s}"
        elif out.value is not None:
            est.vnets.append(out.value)
