"""Reading the gateways in depth: phases 2 and 3 for the gateways a command looks at.

The reads go through `commands.core.fanout.gather`, at most `settings.concurrency` at a
time, one flat task list per phase so nothing waits gateway by gateway:

2. per gateway in scope: its connection list;
3. GET each connection (the list call leaves `connectionStatus` and the tunnels empty),
   the reverse halves of VNet-to-VNet pairs, and the shared-key digests of both halves.

Beside them, from the start, the diagnostic operations (`Diagnostics`): `getBgpPeerStatus`
when BGP is on, `getVpnclientConnectionHealth` when the gateway serves point-to-site, and
`getLearnedRoutes` when the command judges routes — long-running operations of seconds to
a minute each, all started at once on their own threads, so the answer waits for the
slowest of them, not their sum (nor for a pool of `concurrency` threads to free up). What
they answer joins the facts as it arrives (`ConnectionReading.reading`), so `/vpn status`
can show the rest first.

Phase 1 (the subscriptions and their gateways) comes first (`commands.judgement.estate`):
the scope is chosen from its result. A gateway or connection that fails is kept as a
`Failure` while the rest is gathered. Every command that looks at a gateway reads it
through here, so the same gateway is judged from the same facts whichever command asks.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hmac
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
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


def read_gateways(
    ctx: Ctx,
    label: str,
    scope: Callable[[Gateway], bool],
    gateways: list[Gateway],
    diagnostics: Diagnostics | None = None,
) -> GatewayReading:
    """Phases 2 and 3 for the gateways `scope` selects among `gateways` (phase 1's result),
    with their diagnostic operations (`Diagnostics`, started here unless given) waited for."""
    if diagnostics is None:
        diagnostics = Diagnostics(ctx, [g for g in gateways if is_vpn(g) and scope(g)], learned=False)
    base = read_connections(ctx, label, scope, gateways)
    diag = diagnostics
    diag.wait_all()
    return base.reading(diag.snapshot(), ctx.now())


@dataclass
class ConnectionReading:
    """Phases 2 and 3 without the diagnostic operations: the connections (GET), the reverse
    halves, the shared-key comparisons. `reading(diagnostics)` puts them together with what
    the diagnostic operations have answered so far."""

    selected: list[Gateway]
    known: dict[str, Gateway]
    listed: dict[str, list[Connection]]
    owner_of: dict[str, str]
    connections: dict[str, Connection]
    complete: frozenset[str]
    shared_keys: dict[frozenset[str], KeyCheck]
    failures: list[Failure]
    list_shape: dict[str, Connection]
    reverses: Mapping[str, Connection]

    def reading(self, diagnostics: Mapping[tuple[str, str], Outcome[Any]], now: datetime) -> GatewayReading:
        """The gateways' facts with the diagnostics' answers (`Diagnostics.snapshot`): one
        not answered yet is None (not read), and not a failure; one that failed is both."""
        lists = _Lists(listed=self.listed)
        failures = list(self.failures)
        for (kind, k), out in diagnostics.items():
            if k not in self.known or kind not in ("bgp", "p2s"):
                continue
            if out.error is not None:
                what = rich("gateway ", code(self.known[k].name))
                failures.append(Failure(_LIST_OPERATIONS[kind], what, out.error, k))
            elif kind == "bgp":
                lists.bgp[k] = tuple(out.value or [])
            else:
                lists.p2s[k] = tuple(out.value or [])
        facts = ConnectionFacts(
            gateways=_gateway_facts(self.selected, self.owner_of, self.connections, lists),
            connections=self.connections,
            known_gateways=self.known,
            complete=self.complete,
            shared_keys=self.shared_keys,
            now=now,
        )
        return GatewayReading(facts=facts, failures=failures, list_shape=self.list_shape, reverses=self.reverses)


def read_connections(
    ctx: Ctx, label: str, scope: Callable[[Gateway], bool], gateways: list[Gateway]
) -> ConnectionReading:
    """Phases 2 and 3 for the gateways in scope, without their diagnostic operations."""
    g = _Gathering(ctx, label, scope, gateways)
    lists = _list_phase(g)
    seen, owner_of = _connections_seen(g, lists.listed)
    reads = _read_phase(g, seen, owner_of, lists)
    connections: dict[str, Connection] = {**seen, **reads.got}
    reverses = reverse_index(connections.values())
    shared_keys = _compare_keys(g, connections, reverses, reads.digests)
    reads.digests.clear()  # compared; never kept
    return ConnectionReading(
        selected=g.selected,
        known=g.known,
        listed=lists.listed,
        owner_of=owner_of,
        connections=connections,
        complete=frozenset(reads.complete),
        shared_keys=shared_keys,
        failures=g.failures,
        list_shape=reads.list_shape,
        reverses=reverses,
    )


# --- the diagnostic operations: long-running, all at once ------------------------------------

# What each diagnostic operation is called in Azure, by kind.
DIAGNOSTIC_OPERATIONS = {
    "bgp": "getBgpPeerStatus",
    "p2s": "getVpnclientConnectionHealth",
    "learned": "getLearnedRoutes",
}
# Threads for the diagnostic operations at most: each waits on Azure (seconds to a minute),
# not on the CPU, and the adapter's in-flight limit bounds the HTTP requests they make.
MAX_DIAGNOSTIC_THREADS = 256


class Diagnostics:
    """The gateways' long-running diagnostic operations — BGP peers (when BGP is on), VPN
    clients (when the gateway serves point-to-site), learned routes (BGP, when asked) — all
    started at once, each on its own thread, so the answer waits for the slowest, not for
    their sum. Each answer is kept as it arrives (`snapshot`, `wait`)."""

    def __init__(self, ctx: Ctx, gateways: Sequence[Gateway], learned: bool = True) -> None:
        azure = ctx.azure
        self.tasks: list[tuple[str, Gateway]] = []
        vpn = [gw for gw in gateways if is_vpn(gw)]
        # The operations Azure takes longest on first (learned routes: up to a minute), so the
        # slowest is not also the last to start.
        if learned:
            self.tasks += [("learned", gw) for gw in vpn if gw.enable_bgp]
        self.tasks += [("bgp", gw) for gw in vpn if gw.enable_bgp]
        self.tasks += [("p2s", gw) for gw in vpn if gw.serves_p2s]
        calls: dict[str, Callable[[str], Any]] = {
            "bgp": azure.bgp_peer_status,
            "p2s": azure.vpn_client_health,
            "learned": azure.learned_routes,
        }
        self._results: dict[tuple[str, str], Outcome[Any]] = {}
        self._changed = threading.Condition()
        self._seen = 0
        self._bug: BaseException | None = None
        self._pool: ThreadPoolExecutor | None = None
        if self.tasks:
            self._pool = ThreadPoolExecutor(
                max_workers=min(len(self.tasks), MAX_DIAGNOSTIC_THREADS), thread_name_prefix="diagnostics"
            )
            for kind, gw in self.tasks:
                fn = partial(calls[kind], gw.id)
                self._pool.submit(contextvars.copy_context().run, self._run, kind, rid_key(gw.id), fn)
            self._pool.shutdown(wait=False)

    def _run(self, kind: str, key: str, fn: Callable[[], Any]) -> None:
        try:
            out: Outcome[Any] = Outcome(value=fn())
        except AzureFailure as exc:
            out = Outcome(error=exc)
        except BaseException as exc:  # noqa: BLE001 - a bug: re-raised by wait_all on the command's thread
            out = Outcome()
            with self._changed:
                self._bug = exc
        with self._changed:
            self._results[(kind, key)] = out
            self._changed.notify_all()

    @property
    def done(self) -> bool:
        with self._changed:
            return len(self._results) >= len(self.tasks)

    def pending(self) -> dict[str, int]:
        """Operations still running, counted by Azure's name."""
        with self._changed:
            left = [k for k, gw in self.tasks if (k, rid_key(gw.id)) not in self._results]
        counts: dict[str, int] = {}
        for k in left:
            counts[DIAGNOSTIC_OPERATIONS[k]] = counts.get(DIAGNOSTIC_OPERATIONS[k], 0) + 1
        return counts

    def snapshot(self) -> dict[tuple[str, str], Outcome[Any]]:
        """Every answer so far, by (kind, gateway key)."""
        with self._changed:
            return dict(self._results)

    def wait(self, timeout_s: float) -> bool:
        """Wait at most `timeout_s` for a new answer; True when one (or the last) came."""
        with self._changed:
            if len(self._results) != self._seen:
                self._seen = len(self._results)
                return True
            self._changed.wait(timeout_s)
            new = len(self._results) != self._seen
            self._seen = len(self._results)
            return new

    def wait_all(self) -> None:
        """Wait for every operation (each ends by the job's deadline: the adapter's rule)."""
        with self._changed:
            while len(self._results) < len(self.tasks):
                self._changed.wait(1.0)
        if self._bug is not None:
            raise self._bug


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
    """The connection lists of the gateways in scope (their diagnostic operations run apart,
    `Diagnostics`, from the start)."""
    azure = g.ctx.azure
    tasks = [_Task(partial(azure.gateway_connections, gw.id), "list", (rid_key(gw.id),), gw.id) for gw in g.selected]
    n = len(g.selected)
    g.progress.say(rich(f"reading {plural(n, 'gateway')} in ", g.label, "…"), force=True)
    results = g.run(tasks, lambda done, d, t: f"listed the connections of {done} of {n} gateways… ({d}/{t} calls)")

    lists = _Lists()
    for t, r in zip(tasks, results, strict=True):
        k = t.gateways[0]
        if r.error is not None:
            what = rich("gateway ", code(g.known[k].name))
            g.failures.append(Failure(_LIST_OPERATIONS[t.kind], what, r.error, k))
        else:
            lists.listed[k] = list(r.value or [])
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
    selected: list[Gateway], owner_of: dict[str, str], connections: dict[str, Connection], lists: _Lists
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
        for gw in selected
    )
