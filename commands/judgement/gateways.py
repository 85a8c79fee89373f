"""Reading the gateways in depth: phases 2 and 3 for the gateways a command looks at.

Every call goes through `commands.core.fanout.gather`, at most `settings.concurrency` at a
time, one flat task list per phase so nothing waits gateway by gateway:

2. per gateway in scope: its connection list, `getBgpPeerStatus` when BGP is on and
   `getVpnclientConnectionHealth` when it serves point-to-site — the long-running
   operations start here, together with the lists;
3. GET each connection (the list call leaves `connectionStatus` and the tunnels empty),
   the reverse halves of VNet-to-VNet pairs, and the shared-key digests of both halves.

Phase 1 (the subscriptions and their gateways) comes first (`commands.judgement.estate`):
the scope is chosen from its result. A gateway or connection that fails is kept as a
`Failure` while the rest is gathered. Every command that looks at a gateway reads it
through here, so the same gateway is judged from the same facts whichever command asks.
"""

from __future__ import annotations

import dataclasses
import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from commands.core.errors import AzureFailure
from commands.core.fanout import Outcome, gather
from commands.core.model import BgpPeer, Connection, Gateway, P2SClient, name_of, rid_key
from commands.core.port import AzurePort
from commands.core.registry import Ctx
from commands.core.reply import Inline
from commands.core.text import Rich, code, rich
from commands.core.units import plural
from commands.findings.connections.facts import (
    ConnectionFacts,
    GatewayFacts,
    KeyCheck,
    is_v2v,
    pair_key,
    reverse_index,
)

_LIST_OPERATIONS = {"list": "list connections", "bgp": "getBgpPeerStatus", "p2s": "getVpnclientConnectionHealth"}


def is_vpn(gw: Gateway) -> bool:
    """A VPN gateway (not ExpressRoute); a gateway without a type is taken as one."""
    return (gw.gateway_type or "Vpn").lower() == "vpn"


@dataclass(frozen=True)
class Failure:
    """Something that could not be read: the operation, what it was read for, and why."""

    operation: str  # e.g. "list gateways", "getBgpPeerStatus"
    what: Rich  # e.g. "gateway `vgw-eun`", "subscription `Prod` (sub1)"
    error: AzureFailure
    gateway: str = ""  # rid_key of the gateway in scope it concerns, if any


@dataclass
class GatewayReading:
    """What was read about the gateways in depth, and what could not be read."""

    facts: ConnectionFacts
    failures: list[Failure]
    list_shape: dict[str, Connection] = field(default_factory=dict)  # connections whose GET failed
    reverses: Mapping[str, Connection] = field(default_factory=dict)  # connection key -> other half


def read_gateways(ctx: Ctx, label: str, scope: Callable[[Gateway], bool], gateways: list[Gateway]) -> GatewayReading:
    """Phases 2 and 3 for the gateways `scope` selects among `gateways` (phase 1's result)."""
    g = _Gathering(ctx, label, scope, gateways)
    lists = _list_phase(g)
    seen, owner_of = _connections_seen(g, lists.listed)
    reads = _read_phase(g, seen, owner_of, lists)
    connections: dict[str, Connection] = {**seen, **reads.got}
    reverses = reverse_index(connections.values())
    shared_keys = _compare_keys(g, connections, reverses, reads.digests)
    reads.digests.clear()  # compared; never kept
    facts = ConnectionFacts(
        gateways=_gateway_facts(g, owner_of, connections, lists),
        connections=connections,
        known_gateways=g.known,
        complete=frozenset(reads.complete),
        shared_keys=shared_keys,
        now=ctx.now(),
    )
    return GatewayReading(facts=facts, failures=g.failures, list_shape=reads.list_shape, reverses=reverses)


# --- running a phase --------------------------------------------------------------------------


class _Progress:
    """ "checked 12 of 40 gateways…" through ctx.out.progress, at most every few seconds."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.every = ctx.settings.progress_every_s
        self.last = float("-inf")

    def say(self, text: Inline, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        self.ctx.out.progress(text)


@dataclass
class _Task:
    fn: Callable[[], Any]
    kind: str  # list | bgp | p2s | get | key | remote
    gateways: tuple[str, ...]  # keys of the gateways in scope this task serves
    target: str  # id it reads


class _Gathering:
    """The gateways in scope and what failed so far, shared by the phases."""

    def __init__(self, ctx: Ctx, label: str, scope: Callable[[Gateway], bool], gateways: list[Gateway]) -> None:
        self.ctx = ctx
        self.label = label
        self.progress = _Progress(ctx)
        self.failures: list[Failure] = []
        self.selected = sorted(
            (g for g in gateways if is_vpn(g) and scope(g)), key=lambda g: (g.location, g.name.lower())
        )
        self.in_scope = {rid_key(g.id) for g in self.selected}
        self.known = {rid_key(g.id): g for g in gateways}

    def run(self, tasks: list[_Task], say: Callable[[int, int, int], str]) -> list[Outcome[Any]]:
        """Run one phase's flat task list; `say(gateways done, calls done, calls)` reports
        progress, a gateway being done when every task of this phase that serves it has finished."""
        lock = threading.Lock()
        left = dict.fromkeys(self.in_scope, 0)
        for t in tasks:
            for k in t.gateways:
                left[k] = left.get(k, 0) + 1

        def wrap(t: _Task) -> Callable[[], Any]:
            def run() -> Any:
                try:
                    return t.fn()
                finally:
                    with lock:
                        for k in t.gateways:
                            left[k] -= 1

            return run

        def on_progress(done: int, total: int) -> None:
            with lock:
                finished = sum(1 for n in left.values() if n <= 0)
            self.progress.say(say(finished, done, total))

        return gather([wrap(t) for t in tasks], self.ctx.settings.concurrency, on_progress)


# --- phase 2: the connection lists and the long-running operations ------------------------------


@dataclass
class _Lists:
    """Phase 2's result, by gateway key."""

    listed: dict[str, list[Connection]] = field(default_factory=dict)
    bgp: dict[str, tuple[BgpPeer, ...]] = field(default_factory=dict)
    p2s: dict[str, tuple[P2SClient, ...]] = field(default_factory=dict)


def _list_phase(g: _Gathering) -> _Lists:
    """The long-running operations and the connection lists, in one flat list. The LROs go
    first: each is several calls (POST, polls, result), so starting them early keeps every
    worker busy until the end instead of leaving a tail of long polls."""
    azure = g.ctx.azure
    tasks: list[_Task] = []
    for gw in g.selected:
        k = rid_key(gw.id)
        if gw.enable_bgp:
            tasks.append(_Task(partial(azure.bgp_peer_status, gw.id), "bgp", (k,), gw.id))
        if gw.serves_p2s:
            tasks.append(_Task(partial(azure.vpn_client_health, gw.id), "p2s", (k,), gw.id))
    tasks += [_Task(partial(azure.gateway_connections, gw.id), "list", (rid_key(gw.id),), gw.id) for gw in g.selected]
    n = len(g.selected)
    g.progress.say(rich(f"reading {plural(n, 'gateway')} in ", g.label, "…"), force=True)
    results = g.run(tasks, lambda done, d, t: f"listed the connections of {done} of {n} gateways… ({d}/{t} calls)")

    lists = _Lists()
    for t, r in zip(tasks, results, strict=True):
        k = t.gateways[0]
        if r.error is not None:
            what = rich("gateway ", code(g.known[k].name))
            g.failures.append(Failure(_LIST_OPERATIONS[t.kind], what, r.error, k))
        elif t.kind == "list":
            lists.listed[k] = list(r.value or [])
        elif t.kind == "bgp":
            lists.bgp[k] = tuple(r.value or [])
        else:
            lists.p2s[k] = tuple(r.value or [])
    return lists


def _connections_seen(
    g: _Gathering, listed: dict[str, list[Connection]]
) -> tuple[dict[str, Connection], dict[str, str]]:
    """Every connection seen in any list, by key (list shape), and for each one the
    in-scope gateway whose phase-3 task reads it."""
    seen: dict[str, Connection] = {}
    for gk, conns in listed.items():
        for c in conns:
            if not c.gateway1_id:
                # A list entry without gateway1 belongs to the gateway it was listed under.
                c = dataclasses.replace(c, gateway1_id=g.known[gk].id)
            seen.setdefault(rid_key(c.id), c)
    owner_of: dict[str, str] = {}
    for ck, c in seen.items():
        g1 = rid_key(c.gateway1_id)
        if g1 in g.in_scope:
            owner_of[ck] = g1
        elif is_v2v(c) and rid_key(c.gateway2_id) in g.in_scope:
            owner_of[ck] = rid_key(c.gateway2_id)  # the reverse half of an in-scope connection
    return seen, owner_of


# --- phase 3: each connection, the reverse halves, the shared-key digests ----------------------


@dataclass
class _Reads:
    """Phase 3's result, by connection key (`complete`: gateways whose connections are all known)."""

    complete: set[str]
    got: dict[str, Connection] = field(default_factory=dict)
    list_shape: dict[str, Connection] = field(default_factory=dict)  # connections whose GET failed
    digests: dict[str, str | AzureFailure] = field(default_factory=dict)


def _read_phase(g: _Gathering, seen: dict[str, Connection], owner_of: dict[str, str], lists: _Lists) -> _Reads:
    tasks = _read_tasks(g, seen, owner_of)
    n = len(g.selected)
    results = g.run(tasks, lambda done, d, t: f"checked {done} of {n} gateways… ({d}/{t} calls)")
    reads = _Reads(complete={k for k in g.in_scope if k in lists.listed})
    for t, r in zip(tasks, results, strict=True):
        if t.kind == "get":
            ck = rid_key(t.target)
            if r.error is not None:
                what = rich("connection ", code(name_of(t.target)))
                g.failures.append(Failure("read connection", what, r.error, t.gateways[0]))
                reads.list_shape[ck] = seen[ck]
            else:
                reads.got[ck] = cast(Connection, r.value)
        elif t.kind == "key":
            reads.digests[rid_key(t.target)] = r.error if r.error is not None else cast(str, r.value)
        elif r.error is not None:
            what = rich("gateway ", code(name_of(t.target)), " (reverse halves)")
            g.failures.append(Failure("list connections", what, r.error))
        else:
            _add_remote(g, reads, rid_key(t.target), cast(_Remote, r.value))
    return reads


def _read_tasks(g: _Gathering, seen: dict[str, Connection], owner_of: dict[str, str]) -> list[_Task]:
    """GET each connection, the missing reverse halves, the shared-key digests. The reverse
    halves behind a gateway outside the scope take three calls in a row (list, GET,
    sharedkey), so they go first, as the long-running operations did in phase 2."""
    azure = g.ctx.azure
    gets = [_Task(partial(azure.connection, seen[ck].id), "get", (gk,), seen[ck].id) for ck, gk in owner_of.items()]
    seen_reverse = reverse_index(seen.values())
    remote_wanted: dict[str, set[str]] = {}  # out-of-scope gateway -> in-scope gateways expecting a reverse
    digest_ids: dict[str, tuple[str, str]] = {}  # connection key -> (id, gateway key)
    for ck, gk in owner_of.items():
        c = seen[ck]
        if not is_v2v(c) or rid_key(c.gateway1_id) not in g.in_scope:
            continue
        rev = seen_reverse.get(ck)
        if rev is not None:
            digest_ids.setdefault(ck, (c.id, gk))
            digest_ids.setdefault(rid_key(rev.id), (rev.id, gk))
        elif rid_key(c.gateway2_id) not in g.in_scope and c.gateway2_id:
            remote_wanted.setdefault(rid_key(c.gateway2_id), set()).add(rid_key(c.gateway1_id))
            digest_ids.setdefault(ck, (c.id, gk))
    tasks: list[_Task] = []
    for rk, wanted in remote_wanted.items():
        remote_id = g.known[rk].id if rk in g.known else _gateway_id_from(seen, rk)
        fn = partial(_remote_reverses, azure, remote_id, frozenset(wanted))
        tasks.append(_Task(fn, "remote", tuple(sorted(wanted)), remote_id))
    tasks += gets
    tasks += [_Task(partial(azure.shared_key_digest, cid), "key", (gk,), cid) for cid, gk in digest_ids.values()]
    return tasks


def _gateway_id_from(seen: Mapping[str, Connection], gateway_key: str) -> str:
    for c in seen.values():
        for gid in (c.gateway1_id, c.gateway2_id):
            if rid_key(gid) == gateway_key:
                return gid
    return gateway_key


@dataclass
class _Remote:
    connections: list[Connection]
    digests: dict[str, str | AzureFailure]
    failures: list[Failure]


def _remote_reverses(azure: AzurePort, remote_id: str, wanted: frozenset[str]) -> _Remote:
    """For a gateway outside the scope: its connections back to `wanted` gateways, each
    read in full with its shared-key digest. Raises AzureFailure when the list fails, so the
    reverse is reported as unknown rather than missing."""
    listed = azure.gateway_connections(remote_id)
    out = _Remote([], {}, [])
    for c in listed:
        if not is_v2v(c) or rid_key(c.gateway2_id) not in wanted:
            continue
        if c.gateway1_id and rid_key(c.gateway1_id) != rid_key(remote_id):
            continue
        try:
            out.connections.append(azure.connection(c.id))
        except AzureFailure as exc:
            out.failures.append(Failure("read connection", rich("connection ", code(c.name)), exc))
            out.connections.append(c)
        try:
            out.digests[rid_key(c.id)] = azure.shared_key_digest(c.id)
        except AzureFailure as exc:
            out.digests[rid_key(c.id)] = exc
    return out


def _add_remote(g: _Gathering, reads: _Reads, remote_key: str, remote: _Remote) -> None:
    reads.complete.add(remote_key)
    for c in remote.connections:
        reads.got.setdefault(rid_key(c.id), c)
    reads.digests.update(remote.digests)
    g.failures.extend(remote.failures)


# --- what was read, put together -------------------------------------------------------------


def _compare_keys(
    g: _Gathering,
    connections: dict[str, Connection],
    reverses: Mapping[str, Connection],
    digests: Mapping[str, str | AzureFailure],
) -> dict[frozenset[str], KeyCheck]:
    """Shared keys compared pairwise by digest; the digests themselves are never kept or shown.
    A digest that could not be read for another reason than a permission is a failure."""
    key_checks: dict[frozenset[str], KeyCheck] = {}
    for c in connections.values():
        rev = reverses.get(rid_key(c.id))
        if rev is None:
            continue
        a, b = digests.get(rid_key(c.id)), digests.get(rid_key(rev.id))
        pk = pair_key(c, rev)
        if pk in key_checks:
            continue
        if isinstance(a, str) and isinstance(b, str):
            # Keyed digests (`AzurePort.shared_key_digest`), compared in constant time.
            key_checks[pk] = "same" if hmac.compare_digest(a, b) else "different"
        elif any(isinstance(x, AzureFailure) and x.kind == "forbidden" for x in (a, b)):
            key_checks[pk] = "unreadable"
    for ck, d in digests.items():
        if isinstance(d, AzureFailure) and d.kind != "forbidden":
            name = name_of(connections[ck].id if ck in connections else ck)
            g.failures.append(Failure("read shared key", rich("connection ", code(name)), d))
    return key_checks


def _gateway_facts(
    g: _Gathering, owner_of: dict[str, str], connections: dict[str, Connection], lists: _Lists
) -> tuple[GatewayFacts, ...]:
    """Each gateway in scope with the connections it owns (read in full where the GET worked)."""
    owned_by: dict[str, list[Connection]] = {}
    for ck, gk in owner_of.items():
        if rid_key(connections[ck].gateway1_id) == gk:
            owned_by.setdefault(gk, []).append(connections[ck])
    return tuple(
        GatewayFacts(
            gateway=gw,
            connections=tuple(sorted(owned_by.get(rid_key(gw.id), []), key=lambda c: c.name.lower())),
            connections_complete=rid_key(gw.id) in lists.listed,
            bgp_peers=lists.bgp.get(rid_key(gw.id)),
            p2s_clients=lists.p2s.get(rid_key(gw.id)),
        )
        for gw in g.selected
    )
