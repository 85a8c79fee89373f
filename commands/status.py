"""`/vpn status <region|gateway>`: is every tunnel up, and does traffic flow both ways?

Gathering (every call through `commands.core.fanout.gather`, at most `settings.concurrency` at
a time, one flat task list per phase so nothing waits gateway by gateway):

1. the subscriptions, then every subscription's gateways (one task per subscription);
2. per gateway in scope: its connection list, `getBgpPeerStatus` when BGP is on and
   `getVpnclientConnectionHealth` when it serves point-to-site — the long-running
   operations start here, together with the lists;
3. GET each connection (the list call leaves `connectionStatus` and the tunnels empty),
   the reverse halves of VNet-to-VNet pairs, and the shared-key digests of both halves.

A subscription or gateway that fails is reported with `AzureFailure.advice` while the
rest is shown. Findings come from `commands.findings.connections` (pure functions).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, cast

from commands.core import regions
from commands.core.errors import AzureFailure, UsageError
from commands.core.fanout import Outcome, gather
from commands.core.lookup import by_name
from commands.core.model import BgpPeer, Connection, Gateway, P2SClient, Subscription, name_of, rid_key
from commands.core.port import AzurePort
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Finding, Reply, Text, code, error_reply, esc, literal
from commands.core.units import ago, human_bytes, human_duration, human_rate, parse_timespan, plural
from commands.findings.connections import (
    Assessed,
    ConnectionFacts,
    GatewayFacts,
    KeyCheck,
    assess,
    busiest,
    cli,
    is_v2v,
    pair_key,
    remote_name,
    reverse_index,
)
from commands.watch.state import CounterSample, last_samples

# A region with more gateways than this shows the healthy ones as one line of names, so
# the answer stays one message readable on a phone; problems are always shown in full.
DETAIL_GATEWAYS = 12
# Findings shown in full; the next ones by title; any beyond, counted by kind (never
# dropped silently: the count and the kinds are said).
DETAIL_FINDINGS = 8
TITLED_FINDINGS = 20
# In a large scope, gateways with problems shown in the compact form (problems only).
COMPACT_GATEWAYS = 10
NAMES_SHOWN = 25

# Connection, tunnel and BGP peer states (BGP: Idle/Stopped = down, Connecting = trying).
STATUS_EMOJI = {"connected": "🟢", "connecting": "🟡", "notconnected": "🔴", "idle": "🔴", "stopped": "🔴"}
TYPE_WORDS = {
    "vnet2vnet": "VNet-to-VNet",
    "ipsec": "site-to-site",
    "expressroute": "ExpressRoute",
    "vpnclient": "point-to-site",
}


# --- earlier samples (the watch's counters), for "+1.2 GB out in the last 5 min" ------------


def earlier_samples(ctx: Ctx) -> dict[str, CounterSample]:
    """The watch's last samples from `ctx.store`; {} without a store.

    A store that fails costs only the deltas: status must answer without them.
    """
    if ctx.store is None:
        return {}
    try:
        return {rid_key(k): v for k, v in last_samples(ctx.store).items()}
    except Exception:  # noqa: BLE001 - deltas are extra; a broken store must not hide the status
        return {}


def counter_delta(conn: Connection, sample: CounterSample | None, now: datetime) -> str:
    """ "+1.2 GB out, +0 B in in the last 5 min (9.6 Mbit/s)", or why there is none."""
    if sample is None:
        return ""
    seconds = (now - sample.at).total_seconds() if _comparable(now, sample.at) else 0.0
    if seconds <= 0:
        return ""
    d_out = conn.egress_bytes - sample.egress_bytes
    d_in = conn.ingress_bytes - sample.ingress_bytes
    if d_out < 0 or d_in < 0:
        # Counters restart at each reconnect: a drop is a reconnect, not negative traffic.
        return f"reconnected since the last sample {human_duration(seconds)} ago"
    rate = human_rate((d_out + d_in) / seconds)
    return f"+{human_bytes(d_out)} out, +{human_bytes(d_in)} in in the last {human_duration(seconds)} ({rate})"


def _comparable(a: datetime, b: datetime) -> bool:
    return (a.tzinfo is None) == (b.tzinfo is None)


# --- what was gathered ----------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """Something that could not be read: `what` is mrkdwn (already escaped)."""

    operation: str  # e.g. "list gateways", "getBgpPeerStatus"
    what: str
    error: AzureFailure
    gateway: str = ""  # rid_key of the gateway in scope it concerns, if any


@dataclass
class StatusReport:
    """Everything `/vpn status` gathered, before it is put into words."""

    label: str  # "Australia", "vgw-eun"
    facts: ConnectionFacts
    findings: list[Assessed]
    failures: list[Failure]
    all_gateways: list[Gateway]  # every gateway seen in every subscription
    subscriptions: list[Subscription]
    list_shape: dict[str, Connection] = field(default_factory=dict)  # connections whose GET failed
    samples: Mapping[str, CounterSample] = field(default_factory=dict)
    reverses: Mapping[str, Connection] = field(default_factory=dict)  # connection key -> other half


class _Progress:
    """ "checked 12 of 40 gateways…" through ctx.out.progress, at most every few seconds."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.every = ctx.settings.progress_every_s
        self.last = float("-inf")

    def say(self, text: str, force: bool = False) -> None:
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


def _is_vpn(gw: Gateway) -> bool:
    return (gw.gateway_type or "Vpn").lower() == "vpn"


def _run(
    ctx: Ctx, tasks: list[_Task], gateways: set[str], progress: _Progress, say: Callable[[int, int, int], str]
) -> list[Outcome[Any]]:
    """Run one phase's flat task list; `say(gateways done, calls done, calls)` reports progress,
    a gateway being done when every task of this phase that serves it has finished."""
    lock = threading.Lock()
    left = dict.fromkeys(gateways, 0)
    for t in tasks:
        for g in t.gateways:
            left[g] = left.get(g, 0) + 1

    def wrap(t: _Task) -> Callable[[], Any]:
        def run() -> Any:
            try:
                return t.fn()
            finally:
                with lock:
                    for g in t.gateways:
                        left[g] -= 1

        return run

    def on_progress(done: int, total: int) -> None:
        with lock:
            finished = sum(1 for n in left.values() if n <= 0)
        progress.say(say(finished, done, total))

    return gather([wrap(t) for t in tasks], ctx.settings.concurrency, on_progress)


def gather_status(ctx: Ctx, label: str, scope: Callable[[Gateway], bool], gateways: list[Gateway]) -> StatusReport:
    """Phases 2 and 3 for the gateways `scope` selects among `gateways` (phase 1's result)."""
    azure = ctx.azure
    progress = _Progress(ctx)
    failures: list[Failure] = []
    selected = [g for g in gateways if _is_vpn(g) and scope(g)]
    selected.sort(key=lambda g: (g.location, g.name.lower()))
    in_scope = {rid_key(g.id) for g in selected}
    known = {rid_key(g.id): g for g in gateways}

    # Phase 2: the long-running operations and the connection lists, in one flat list. The
    # LROs go first: each is several calls (POST, polls, result), so starting them early
    # keeps every worker busy until the end instead of leaving a tail of long polls.
    tasks: list[_Task] = []
    for g in selected:
        k = rid_key(g.id)
        if g.enable_bgp:
            tasks.append(_Task(partial(azure.bgp_peer_status, g.id), "bgp", (k,), g.id))
        if g.serves_p2s:
            tasks.append(_Task(partial(azure.vpn_client_health, g.id), "p2s", (k,), g.id))
    tasks += [_Task(partial(azure.gateway_connections, g.id), "list", (rid_key(g.id),), g.id) for g in selected]
    n = len(selected)
    progress.say(f"reading {plural(n, 'gateway')} in {label}…", force=True)
    results = _run(
        ctx,
        tasks,
        in_scope,
        progress,
        lambda g, d, t: f"listed the connections of {g} of {n} gateways… ({d}/{t} calls)",
    )

    listed: dict[str, list[Connection]] = {}
    bgp: dict[str, tuple[BgpPeer, ...]] = {}
    p2s: dict[str, tuple[P2SClient, ...]] = {}
    for t, r in zip(tasks, results, strict=True):
        gw = known[t.gateways[0]]
        if r.error is not None:
            op = {"list": "list connections", "bgp": "getBgpPeerStatus", "p2s": "getVpnclientConnectionHealth"}
            failures.append(Failure(op[t.kind], f"gateway {code(gw.name)}", r.error, t.gateways[0]))
            continue
        if t.kind == "list":
            listed[t.gateways[0]] = list(r.value or [])
        elif t.kind == "bgp":
            bgp[t.gateways[0]] = tuple(r.value or [])
        else:
            p2s[t.gateways[0]] = tuple(r.value or [])

    # Every connection seen in any list, by key (list shape).
    seen: dict[str, Connection] = {}
    owner_of: dict[str, str] = {}  # connection key -> in-scope gateway key whose task GETs it
    for gk, conns in listed.items():
        for c in conns:
            ck = rid_key(c.id)
            if not c.gateway1_id:
                # A list entry without gateway1 belongs to the gateway it was listed under.
                c = dataclasses.replace(c, gateway1_id=known[gk].id)
            seen.setdefault(ck, c)
    for ck, c in seen.items():
        g1 = rid_key(c.gateway1_id)
        if g1 in in_scope:
            owner_of[ck] = g1
        elif is_v2v(c) and rid_key(c.gateway2_id) in in_scope:
            owner_of[ck] = rid_key(c.gateway2_id)  # the reverse half of an in-scope connection

    # Phase 3: GET each connection, the missing reverse halves, the shared-key digests. The
    # reverse halves behind a gateway outside the scope take three calls in a row (list,
    # GET, sharedkey), so they go first, as the long-running operations did in phase 2.
    tasks = []
    gets = [_Task(partial(azure.connection, seen[ck].id), "get", (gk,), seen[ck].id) for ck, gk in owner_of.items()]
    seen_reverse = reverse_index(seen.values())
    remote_wanted: dict[str, set[str]] = {}  # out-of-scope gateway -> in-scope gateways expecting a reverse
    digest_ids: dict[str, tuple[str, str]] = {}  # connection key -> (id, gateway key)
    for ck, gk in owner_of.items():
        c = seen[ck]
        if not is_v2v(c) or rid_key(c.gateway1_id) not in in_scope:
            continue
        rev = seen_reverse.get(ck)
        if rev is not None:
            digest_ids.setdefault(ck, (c.id, gk))
            digest_ids.setdefault(rid_key(rev.id), (rev.id, gk))
        elif rid_key(c.gateway2_id) not in in_scope and c.gateway2_id:
            remote_wanted.setdefault(rid_key(c.gateway2_id), set()).add(rid_key(c.gateway1_id))
            digest_ids.setdefault(ck, (c.id, gk))
    for rk, wanted in remote_wanted.items():
        remote_id = known[rk].id if rk in known else _gateway_id_from(seen, rk)
        tasks.append(
            _Task(
                partial(_remote_reverses, azure, remote_id, frozenset(wanted)),
                "remote",
                tuple(sorted(wanted)),
                remote_id,
            )
        )
    tasks += gets
    tasks += [_Task(partial(azure.shared_key_digest, cid), "key", (gk,), cid) for cid, gk in digest_ids.values()]
    results = _run(ctx, tasks, in_scope, progress, lambda g, d, t: f"checked {g} of {n} gateways… ({d}/{t} calls)")

    got: dict[str, Connection] = {}
    list_shape: dict[str, Connection] = {}
    digests: dict[str, str | AzureFailure] = {}
    complete = {k for k in in_scope if k in listed}
    for t, r in zip(tasks, results, strict=True):
        if t.kind == "get":
            ck = rid_key(t.target)
            if r.error is not None:
                failures.append(
                    Failure("read connection", f"connection {code(name_of(t.target))}", r.error, t.gateways[0])
                )
                list_shape[ck] = seen[ck]
            else:
                got[ck] = cast(Connection, r.value)
        elif t.kind == "key":
            digests[rid_key(t.target)] = r.error if r.error is not None else cast(str, r.value)
        elif t.kind == "remote":
            if r.error is not None:
                failures.append(
                    Failure("list connections", f"gateway {code(name_of(t.target))} (reverse halves)", r.error)
                )
                continue
            remote = cast(_Remote, r.value)
            complete.add(rid_key(t.target))
            for c in remote.connections:
                got.setdefault(rid_key(c.id), c)
            for ck, d in remote.digests.items():
                digests[ck] = d
            for f in remote.failures:
                failures.append(f)

    connections: dict[str, Connection] = {**seen, **got}
    # Shared keys: compare digests pairwise; never keep or show the digests themselves.
    key_checks: dict[frozenset[str], KeyCheck] = {}
    reverses = reverse_index(connections.values())
    for c in connections.values():
        rev = reverses.get(rid_key(c.id))
        if rev is None:
            continue
        a, b = digests.get(rid_key(c.id)), digests.get(rid_key(rev.id))
        pk = pair_key(c, rev)
        if pk in key_checks:
            continue
        if isinstance(a, str) and isinstance(b, str):
            key_checks[pk] = "same" if a == b else "different"
        elif any(isinstance(x, AzureFailure) and x.kind == "forbidden" for x in (a, b)):
            key_checks[pk] = "unreadable"
    for ck, d in digests.items():
        if isinstance(d, AzureFailure) and d.kind != "forbidden":
            failures.append(
                Failure(
                    "read shared key", f"connection {code(name_of(connections[ck].id if ck in connections else ck))}", d
                )
            )
    digests.clear()

    owned_by: dict[str, list[Connection]] = {}
    for ck, gk in owner_of.items():
        if rid_key(connections[ck].gateway1_id) == gk:
            owned_by.setdefault(gk, []).append(connections[ck])
    gfacts = []
    for g in selected:
        k = rid_key(g.id)
        owned = sorted(owned_by.get(k, []), key=lambda c: c.name.lower())
        gfacts.append(
            GatewayFacts(
                gateway=g,
                connections=tuple(owned),
                connections_complete=k in listed,
                bgp_peers=bgp.get(k),
                p2s_clients=p2s.get(k),
            )
        )
    facts = ConnectionFacts(
        gateways=tuple(gfacts),
        connections=connections,
        known_gateways=known,
        complete=frozenset(complete),
        shared_keys=key_checks,
        now=ctx.now(),
    )
    return StatusReport(
        label=label,
        facts=facts,
        findings=assess(facts),
        failures=failures,
        all_gateways=gateways,
        subscriptions=[],
        list_shape=list_shape,
        reverses=reverses,
    )


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
            out.failures.append(Failure("read connection", f"connection {code(c.name)}", exc))
            out.connections.append(c)
        try:
            out.digests[rid_key(c.id)] = azure.shared_key_digest(c.id)
        except AzureFailure as exc:
            out.digests[rid_key(c.id)] = exc
    return out


# --- words ------------------------------------------------------------------------------------


def _emoji(status: str) -> str:
    return STATUS_EMOJI.get((status or "").lower(), "⚪")


def _type_word(conn: Connection) -> str:
    return TYPE_WORDS.get(conn.connection_type.lower(), conn.connection_type or "connection")


def _conn_line(conn: Connection, now: datetime, unread: bool) -> str:
    """One line: "🟢 `eun-to-aue` VNet-to-VNet → vgw-aue · Connected since 3 h ago · ↑ 1.2 GB ↓ 0 B since then".

    The byte counters restart at each reconnect, so they are "since" the last connect.
    """
    head = f"{_emoji('' if unread else conn.status)} {code(conn.name)} {_type_word(conn)} → {esc(remote_name(conn))}"
    if unread:
        return f"{head} · status unknown (could not read it)"
    status = esc(conn.status or "Unknown")
    counters = f"↑ {human_bytes(conn.egress_bytes)} ↓ {human_bytes(conn.ingress_bytes)}"
    if conn.last_established is not None:
        when = "since" if conn.status.lower() == "connected" else "last up"
        status += f" {when} {ago(conn.last_established, now)}"
        counters += " since then"
    return f"{head} · {status} · {counters}"


def _tunnels_line(conn: Connection) -> str:
    """The tunnels of an active-active connection, or of any connection whose tunnels
    disagree with it; nothing for the usual single tunnel that says what the connection says."""
    if not conn.tunnels:
        return ""
    same = all(t.status.lower() == conn.status.lower() for t in conn.tunnels)
    if len(conn.tunnels) < 2 and same:
        return ""
    bits = [f"{_emoji(t.status)} {esc(t.name)} {esc(t.status)}" for t in conn.tunnels]
    return "      tunnels: " + " · ".join(bits)


def _bgp_line(peers: tuple[BgpPeer, ...] | None, gw: Gateway) -> str:
    if not gw.enable_bgp:
        return ""
    if peers is None:
        return "• BGP peers: could not be read (see above)"
    if not peers:
        return "• BGP peers: none reported"
    bits = []
    for p in peers:
        up = parse_timespan(p.connected_duration)
        asn = f" AS {p.asn}" if p.asn is not None else ""
        extra = (
            f" up {human_duration(up.total_seconds())}, {p.routes_received} routes"
            if p.state.lower() == "connected" and up is not None
            else f", {p.routes_received} routes"
        )
        bits.append(f"{_emoji(p.state)} {esc(p.neighbor)}{asn} {esc(p.state or 'Unknown')}{extra}")
    return "• BGP peers: " + " · ".join(bits)


def _p2s_line(clients: tuple[P2SClient, ...] | None, gw: Gateway) -> str:
    if not gw.serves_p2s:
        return ""
    if clients is None:
        return "• VPN clients: could not be read (see above)"
    if not clients:
        return "• VPN clients: none connected"
    users = len({c.user_name or c.private_ip for c in clients})
    top = ", ".join(f"{esc(u)} {human_bytes(b)}" for u, b in busiest(clients))
    return f"• VPN clients: {len(clients)} ({users} user{'s' if users != 1 else ''}) · busiest: {top}"


def _gateway_text(gf: GatewayFacts, report: StatusReport, now: datetime, only: set[str] | None = None) -> str:
    """A gateway and its connections, BGP peers and VPN clients. With `only` (connection
    keys), just those connections and the BGP peers that are not Connected: the compact
    form for large scopes."""
    g = gf.gateway
    bits = [esc(regions.display_name(g.location) or "?")]
    if g.sku:
        bits.append(esc(g.sku))
    if g.active_active:
        bits.append("active-active")
    if g.enable_bgp:
        bits.append(f"BGP AS {g.bgp_asn}" if g.bgp_asn is not None else "BGP")
    if g.p2s_address_pool:
        bits.append("P2S " + ", ".join(esc(p) for p in g.p2s_address_pool))
    lines = [f"*{esc(g.name)}* · " + " · ".join(bits)]
    if not gf.connections_complete:
        lines.append("• connections: could not be read (see above)")
    elif not gf.connections:
        lines.append("• no connections")
    for c in gf.connections:
        ck = rid_key(c.id)
        if only is not None and ck not in only:
            continue
        lines.append("• " + _conn_line(c, now, ck in report.list_shape))
        t = _tunnels_line(c)
        if t:
            lines.append(t)
        rev = report.reverses.get(ck)
        if rev is not None and rid_key(rev.gateway1_id) != rid_key(g.id):
            unread = rid_key(rev.id) in report.list_shape
            rstatus = "?" if unread else esc(rev.status or "Unknown")
            lines.append(
                f"      reverse {code(rev.name)}: {_emoji('' if unread else rev.status)} {rstatus} · "
                f"↑ {human_bytes(rev.egress_bytes)} ↓ {human_bytes(rev.ingress_bytes)}"
            )
        delta = counter_delta(c, report.samples.get(ck), now)
        if delta:
            lines.append(f"      {delta}")
    if only is not None:
        peers = tuple(p for p in gf.bgp_peers or () if p.state.lower() != "connected")
        bgp = _bgp_line(peers, g) if peers or (g.enable_bgp and gf.bgp_peers is None) else ""
        if only and len(lines) == 1 and not bgp:
            lines.append("• its connections are fine; see the findings above")
        if bgp:
            lines.append(bgp)
        return "\n".join(lines)
    for line in (_bgp_line(gf.bgp_peers, g), _p2s_line(gf.p2s_clients, g)):
        if line:
            lines.append(line)
    return "\n".join(lines)


def _failure_lines(failures: list[Failure]) -> list[str]:
    """One line per kind of failure and operation, naming what failed (grouped: a missing
    permission on 200 gateways is one line, not 200)."""
    groups: dict[tuple[str, str, str], list[Failure]] = {}
    for f in failures:
        groups.setdefault((f.operation, f.error.kind, f.error.code), []).append(f)
    lines = []
    for (op, kind, err_code), fs in groups.items():
        names = ", ".join(f.what for f in fs[:5])
        more = f" and {len(fs) - 5} more" if len(fs) > 5 else ""
        detail = f" ({esc(err_code)})" if err_code else ""
        status = f" HTTP {fs[0].error.status}" if fs[0].error.status else ""
        lines.append(f"• {esc(op)} failed for {names}{more}: {esc(kind)}{detail}{status}. {fs[0].error.advice}")
    return lines


def _problem_counts(report: StatusReport) -> tuple[int, int, int, bool]:
    problems = [a for a in report.findings if a.finding.severity in ("critical", "warning")]
    in_scope_gws = {rid_key(gf.gateway.id) for gf in report.facts.gateways}
    in_scope_conns = {rid_key(c.id) for gf in report.facts.gateways for c in gf.connections}
    gws = {rid_key(g) for a in problems for g in a.gateway_ids} & in_scope_gws
    conns = {rid_key(c) for a in problems for c in a.connection_ids}
    scoped = conns & in_scope_conns
    critical = any(a.finding.severity == "critical" for a in problems)
    return len(problems), len(gws), len(scoped or conns), critical


# Finding keys (their prefix) in words, to count the findings not shown one by one.
KIND_WORDS = {
    "down": "NotConnected",
    "connecting": "stuck Connecting",
    "provisioning_failed": "failed provisioning",
    "gateway_failed": "failed gateway",
    "tunnel_down": "tunnel down",
    "one_way": "one-way traffic",
    "missing_reverse": "missing reverse connection",
    "shared_key": "shared key mismatch",
    "bgp_one_side": "BGP on one side only",
    "bgp_asn": "same BGP ASN",
    "bgp_peer": "BGP peer not Connected",
}


def _kinds(findings: list[Finding]) -> str:
    """ "12 NotConnected, 8 one-way traffic" — the findings not listed one by one."""
    counts: dict[str, int] = {}
    for f in findings:
        word = KIND_WORDS.get(f.key.split(":", 1)[0], "other")
        counts[word] = counts.get(word, 0) + 1
    return ", ".join(f"{n} {w}" for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _names(names: list[str]) -> str:
    shown = ", ".join(code(n) for n in names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


def render_status(report: StatusReport, now: datetime) -> Reply:
    """The answer: headline, what could not be read, ranked findings, then each gateway."""
    gfs = report.facts.gateways
    n_conns = sum(len(gf.connections) for gf in gfs)
    n_problems, n_gw, n_conn, critical = _problem_counts(report)
    where = esc(report.label)
    if n_problems:
        affected = [
            x for x in (plural(n_gw, "gateway") if n_gw else "", plural(n_conn, "connection") if n_conn else "") if x
        ]
        headline = f"{'🔴' if critical else '🟠'} {plural(n_problems, 'problem')} in {where}: {', '.join(affected)}"
    elif report.failures:
        headline = f"⚠️ No problems in what could be read in {where} ({plural(len(gfs), 'gateway')}); some reads failed"
    else:
        headline = (
            f"🟢 All clear in {where}: {plural(len(gfs), 'gateway')}, {plural(n_conns, 'connection')}, "
            "every tunnel up with traffic both ways"
        )
    reply = Reply(fallback=headline).add(Text(f"*{headline}*"))
    if report.failures:
        reply.add(
            Text(
                ":warning: *Could not read everything* — the rest is shown:\n"
                + "\n".join(_failure_lines(report.failures))
            )
        )

    shown = [a.finding for a in report.findings if a.finding.severity != "ok"]
    for f in shown[:DETAIL_FINDINGS]:
        reply.add(f)
    rest = shown[DETAIL_FINDINGS:]
    if rest:
        titled, counted = rest[:TITLED_FINDINGS], rest[TITLED_FINDINGS:]
        text = f"*{len(rest)} more findings:*\n" + "\n".join(f"• {f.title}" for f in titled)
        if counted:
            text += f"\n• and {len(counted)} more: " + _kinds(counted)
        reply.add(Text(text))

    problems = [a for a in report.findings if a.finding.severity in ("critical", "warning")]
    flagged = {rid_key(g) for a in problems for g in a.gateway_ids}
    flagged_conns = {rid_key(c) for a in problems for c in a.connection_ids}
    for gf in gfs:
        for c in gf.connections:
            if rid_key(c.id) in flagged_conns or c.status.lower() != "connected" or rid_key(c.id) in report.list_shape:
                flagged_conns.add(rid_key(c.id))
                flagged.add(rid_key(gf.gateway.id))
    failed_gws = {f.gateway for f in report.failures if f.gateway}
    small = len(gfs) <= DETAIL_GATEWAYS
    # Gateways with the most severe problems first (critical, then warnings).
    weight: dict[str, tuple[int, int]] = {}
    for a in problems:
        owners = {rid_key(g) for g in a.gateway_ids}
        for cid in a.connection_ids:
            owner = report.facts.connections.get(rid_key(cid))
            if owner is not None:
                owners.add(rid_key(owner.gateway1_id))
        for k in owners:
            crit, warn = weight.get(k, (0, 0))
            weight[k] = (crit + (a.finding.severity == "critical"), warn + (a.finding.severity == "warning"))
    ordered = list(gfs)
    if not small:
        ordered.sort(key=lambda gf: tuple(-x for x in weight.get(rid_key(gf.gateway.id), (0, 0))))
    troubled, healthy = [], []
    for gf in ordered:
        k = rid_key(gf.gateway.id)
        if small or k in flagged or not gf.connections_complete or k in failed_gws:
            troubled.append(gf)
        else:
            healthy.append(gf)
    if small:
        for gf in troubled:
            reply.add(Text(_gateway_text(gf, report, now)))
    elif troubled:
        reply.add(
            Text("*Gateways with problems* (only what is wrong; `/vpn status &lt;gateway&gt;` shows one in full):")
        )
        for gf in troubled[:COMPACT_GATEWAYS]:
            reply.add(Text(_gateway_text(gf, report, now, only=flagged_conns)))
        if len(troubled) > COMPACT_GATEWAYS:
            more = troubled[COMPACT_GATEWAYS:]
            reply.add(
                Text(
                    f"…and {plural(len(more), 'more gateway')} with problems (named in the findings above): "
                    + _names([gf.gateway.name for gf in more])
                )
            )
    if healthy:
        reply.add(
            Text(
                f"✅ {plural(len(healthy), 'other gateway')} with no problem found: "
                + _names([gf.gateway.name for gf in healthy])
                + ". `/vpn status &lt;gateway&gt;` shows one in full."
            )
        )
    subs = len(report.subscriptions)
    reply.add(
        Context(
            f"{plural(len(gfs), 'gateway')}, {plural(n_conns, 'connection')} in {where}"
            + (f" across {plural(subs, 'subscription')}" if subs > 1 else "")
            + ". Byte counters restart when a connection reconnects."
        )
    )
    return reply


# --- the command --------------------------------------------------------------------------------


def _failure_reply(what: str, exc: AzureFailure) -> Reply:
    return error_reply(
        f"Could not {what}: {esc(exc.kind)}{' (' + esc(exc.code) + ')' if exc.code else ''}.", exc.advice
    )


def _no_gateways(label: str, gateways: list[Gateway], failures: list[Failure]) -> Reply:
    where: dict[str, int] = {}
    for g in gateways:
        if _is_vpn(g):
            where[g.location] = where.get(g.location, 0) + 1
    text = f"No VPN gateways in {esc(label)}."
    reply = Reply(fallback=text).add(Text(f"*{text}*"))
    if where:
        listing = ", ".join(
            f"{esc(regions.display_name(loc))} ({n})"
            for loc, n in sorted(where.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        reply.add(Text(f"Gateways exist in: {listing}."))
        first = sorted(where, key=lambda loc: -where[loc])[0]
        reply.add(Context(f"Example: `/vpn status {literal(regions.normalise(first))}`"))
    else:
        reply.add(Text("No VPN gateway was found in any subscription the bot can read."))
    if failures:
        reply.add(Text(":warning: *Could not read everything:*\n" + "\n".join(_failure_lines(failures))))
    return reply


def _ambiguous(name: str, matches: list[Gateway] | list[Connection], kind: str) -> Reply:
    lines = [f"• {code(m.name)} in {esc(regions.display_name(m.location))}: `/vpn status {cli(m.id)}`" for m in matches]
    text = f"Several {kind}s are called {code(name)}. Which one?"
    return Reply(fallback=text, visibility="ephemeral").add(Text(f"*{text}*\n" + "\n".join(lines)))


@command("status", usage="status <region|gateway>", example="/vpn status australia")
def status(ctx: Ctx, args: str) -> Reply:
    """Is every tunnel up, and does traffic flow both ways? Every VPN gateway of a region with its connections, tunnels, BGP peers and VPN clients — problems first, each with what to do next.

    `australia`, `europe`, `us`, `asia`, `all`… cover every region of an area; `australiaeast`
    or `Australia East` one region; a gateway's name (or `resource-group/name`, or its id)
    one gateway; a connection's name its gateway.
    """
    target = " ".join(args.split())
    try:
        if not target:
            raise regions.unknown_target("")
        return _status(ctx, target)
    except UsageError as exc:
        return error_reply(exc.message, exc.hint, exc.example)


def _status(ctx: Ctx, target: str) -> Reply:
    try:
        subs = ctx.azure.subscriptions()
    except AzureFailure as exc:
        return _failure_reply("list the subscriptions", exc)
    if not subs:
        return error_reply(
            "The bot sees no subscription.",
            "Set AZURE_SUBSCRIPTION_IDS, or give its identity Reader on the subscriptions with VPN gateways.",
        )
    ctx.out.progress(f"listing gateways in {plural(len(subs), 'subscription')}…")
    outcomes = gather([partial(ctx.azure.gateways, s.id) for s in subs], ctx.settings.concurrency)
    failures: list[Failure] = []
    gateways: list[Gateway] = []
    for s, o in zip(subs, outcomes, strict=True):
        if o.error is not None:
            failures.append(Failure("list gateways", f"subscription {code(s.name or s.id)} ({esc(s.id)})", o.error))
        else:
            gateways.extend(o.value or [])

    scope = regions.match_regions(target)
    chosen: Callable[[Gateway], bool]
    if scope is not None:
        label = scope.label
        chosen = _in_regions(scope)
    else:
        vpn = [g for g in gateways if _is_vpn(g)]
        hits: list[Gateway] = by_name(vpn, target)
        if not hits:
            by_conn = _gateways_of_connection(ctx, subs, target, gateways, failures)
            if isinstance(by_conn, Reply):
                return by_conn
            hits = by_conn
        if not hits:
            names = tuple(g.name for g in vpn)
            err = regions.unknown_target(target, names)
            if failures and isinstance(err.hint, str):
                err.hint += (
                    " (Some subscriptions could not be read, so the gateway may be there: "
                    + "; ".join(f.what for f in failures)
                    + ".)"
                )
            raise err
        if len({rid_key(h.id) for h in hits}) > 1:
            return _ambiguous(target, hits, "gateway")
        label = hits[0].name
        chosen = _is_gateway(hits[0].id)
    if not any(_is_vpn(g) and chosen(g) for g in gateways):
        return _no_gateways(label, gateways, failures)
    report = gather_status(ctx, label, chosen, gateways)
    report.failures[:0] = failures
    report.subscriptions = list(subs)
    report.samples = earlier_samples(ctx)
    return render_status(report, ctx.now())


def _in_regions(scope: regions.RegionScope) -> Callable[[Gateway], bool]:
    return lambda g: scope.contains(g.location)


def _is_gateway(gateway_id: str) -> Callable[[Gateway], bool]:
    key = rid_key(gateway_id)
    return lambda g: rid_key(g.id) == key


def _gateways_of_connection(
    ctx: Ctx, subs: list[Subscription], target: str, gateways: list[Gateway], failures: list[Failure]
) -> list[Gateway] | Reply:
    """A connection's name or id selects the gateway that owns it (alert buttons send those)."""
    outcomes = gather([partial(ctx.azure.connections, s.id) for s in subs], ctx.settings.concurrency)
    conns: list[Connection] = []
    for s, o in zip(subs, outcomes, strict=True):
        if o.error is None:
            conns.extend(o.value or [])
        elif not any(s.id in f.what for f in failures):
            failures.append(Failure("list connections", f"subscription {code(s.name or s.id)} ({esc(s.id)})", o.error))
    hits = by_name(conns, target)
    if len({rid_key(h.id) for h in hits}) > 1:
        return _ambiguous(target, hits, "connection")
    if not hits:
        return []
    owner = rid_key(hits[0].gateway1_id)
    found = [g for g in gateways if rid_key(g.id) == owner]
    if found:
        return found
    return error_reply(
        f"The connection {code(hits[0].name)} belongs to gateway {code(name_of(hits[0].gateway1_id))}, "
        "which the bot could not read.",
        "Check the bot's access to that gateway's subscription.",
    )
