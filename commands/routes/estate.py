"""What `/vpn routes` reads from Azure, and the waiting while Azure computes routes.

Every Azure call goes through `commands.core.fanout.gather`, at most `settings.concurrency`
at a time, on a helper thread while the command's thread keeps the user informed:

1. every subscription's NICs, gateways, VNets, connections, local network gateways and
   private endpoints (one task per subscription and kind) — enough to resolve the name and
   to work out what the target should reach;
2. a GET of every connection near the target (the list call leaves `connectionStatus`
   empty), beside the target's own routes (`nic`, `gateway`).

A list or a GET that fails is kept as a gap (what could not be read, and what to do) while
the rest is shown.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from commands.core.estate import EstateIndex, Reader, read_lists, subscriptions_in_scope
from commands.core.fanout import Outcome, gather
from commands.core.model import (
    Connection,
    DnsResolver,
    Gateway,
    LocalNetworkGateway,
    NetworkInterface,
    PrivateEndpoint,
    Subscription,
    VirtualNetwork,
    rid_key,
)
from commands.core.registry import Ctx
from commands.core.text import Rich, rich
from commands.core.units import plural


def gather_with_progress(ctx: Ctx, tasks: Sequence[Callable[[], Any]], label: str) -> list[Outcome[Any]]:
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
    ctx.out.progress(rich(f"{label}…"))
    worker.start()
    every = max(0.2, ctx.settings.progress_every_s)
    while True:
        worker.join(timeout=every)
        if not worker.is_alive():
            break
        ctx.out.progress(rich(f"{label}… {done[0]} of {len(tasks)} done, {time.monotonic() - started:.0f} s so far"))
    if bug:
        raise bug[0]
    return result


@dataclass
class Estate:
    """The lists read in every subscription, and what could not be read (with what to do)."""

    subscriptions: list[Subscription]
    nics: list[NetworkInterface] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    vnets: list[VirtualNetwork] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    local_gateways: list[LocalNetworkGateway] = field(default_factory=list)
    private_endpoints: list[PrivateEndpoint] = field(default_factory=list)
    resolvers: list[DnsResolver] = field(default_factory=list)
    gaps: list[Rich] = field(default_factory=list)

    def facts(self, connections: Sequence[Connection] | None = None) -> EstateIndex:
        """The index of these lists, with `connections` (read one by one) in place of the listed ones."""
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
    """Read `kinds` (fields of `Estate`) in every subscription, concurrently."""
    subs = subscriptions_in_scope(ctx, "your NICs and gateways")
    estate = Estate(subscriptions=subs)
    n = len(subs)
    lists = read_lists(
        ctx,
        subs,
        {k: _reader(_KINDS[k][0]) for k in kinds},
        run=lambda tasks: gather_with_progress(ctx, tasks, f"Reading the estate in {plural(n, 'subscription')}"),
    )
    for kind, items in lists.found.items():
        getattr(estate, kind).extend(items)
    names = {s.id: s.name or s.id for s in subs}
    for f in lists.failures:
        estate.gaps.append(
            rich(
                f"Could not list {_KINDS[f.kind][1]} in {names[f.subscription_id]}: {f.error}. ",
                f.error.advice,
            )
        )
    return estate


def _reader(method: str) -> Reader:
    """The port's list method called `method`, as a reader of one subscription."""
    return lambda azure, subscription_id: getattr(azure, method)(subscription_id)


def near_connections(estate: Estate, vnet_ids: Sequence[str]) -> list[Connection]:
    """Connections whose status matters for `vnet_ids`: of gateways in them or their peers."""
    facts = estate.facts()
    near = {rid_key(v) for v in vnet_ids}
    for v in list(near):
        near.update(facts.peer_keys(v))
    gws = {rid_key(g.id) for g in estate.gateways if rid_key(g.vnet_id) in near}
    return [c for c in estate.connections if rid_key(c.gateway1_id) in gws or rid_key(c.gateway2_id) in gws]


def with_status(
    estate: Estate, fetched: Sequence[Connection], outcomes: Sequence[Outcome[Any]], gaps: list[Rich]
) -> list[Connection]:
    """Every connection of the estate, those in `fetched` replaced by their GET (which has the
    status the list call leaves out); a failed GET keeps the list shape and is reported."""
    got: dict[str, Connection] = {}
    for c, out in zip(fetched, outcomes, strict=True):
        if out.ok and isinstance(out.value, Connection):
            got[rid_key(c.id)] = out.value
        elif out.error is not None:
            gaps.append(
                rich(
                    f"Could not read the status of connection {c.name}: {out.error}. ",
                    out.error.advice,
                )
            )
    return [got.get(rid_key(c.id), c) for c in estate.connections]
