"""One watch cycle: sample every connection, alert on transitions, post recoveries.

The timer (VPNOPS_WATCH_SCHEDULE, every 5 minutes by default) and the console's `/watch`
run `run_cycle` with the ports it needs (`bot/runtime/timer.py` wires them). A cycle:

1. gathers every VPN gateway of every subscription and, for each, exactly what
   `/vpn status` reads (`commands.judgement.gateways.read_gateways`: connections GET with
   status, counters and tunnels; BGP peers), concurrently and bounded by the concurrency
   setting, and judges them with the one judgement every command reads
   (`commands.judgement.judge`, root causes folded), so a card names the cause `/vpn status`
   names;
2. judges each connection and each BGP gateway against its record in the store
   (`judge.py`), and writes the new record *conditionally* (etag): when two runs
   overlap, only the run whose write wins posts, so nothing is announced twice. A
   VNet-to-VNet pair is one tunnel: one incident for both halves;
3. posts what the judgement says: new incidents to the alert channel (unless muted),
   recoveries in the thread of the incident's message (which is marked recovered).

A connection that can no longer be read keeps its record untouched; one that no longer
exists (every read complete) has its incidents closed and its record removed. A cycle
never raises for Azure, Slack or store trouble: it logs it and returns what it could do.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from commands.alerts.card import message_reply, message_state
from commands.alerts.state import active_mutes, mark_resolved, remember_message
from commands.changes.alerting import IncidentContext
from commands.core.errors import AzureFailure
from commands.core.fanout import gather
from commands.core.model import Gateway, ResourceId, Subscription, rid_key
from commands.core.port import AzurePort, Log, Messenger
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Finding, Inline, Reply
from commands.core.store import Store, StoreConflict, StoreError, update_state
from commands.core.text import join, rich
from commands.findings.connections.facts import reverse_index
from commands.judgement.estate import Estate
from commands.judgement.gateways import GatewayReading, read_gateways
from commands.judgement.judge import judge as judge_estate
from commands.watch.judge import (
    DEFAULT_MIN_INTERVAL_S,
    Fire,
    Recover,
    Verdict,
    judge_bgp,
    judge_connection,
    judge_gone,
)
from commands.watch.state import NS_BGP, NS_CONN

T = TypeVar("T")


def summary_line(fired: int, recovered: int, connections: int, gateways: int) -> str:
    """ "watch: 4 connections on 2 gateways checked; 2 alerts, 0 recoveries" """
    return (
        f"watch: {connections} connection{'s' if connections != 1 else ''} on {gateways} "
        f"gateway{'s' if gateways != 1 else ''} checked; {fired} alert{'s' if fired != 1 else ''}, "
        f"{recovered} recover{'ies' if recovered != 1 else 'y'}"
    )


@dataclass
class WatchResult:
    """What one cycle did (the console prints `summary`; tests assert on it)."""

    connections: int = 0
    gateways: int = 0
    fired: list[str] = field(default_factory=list)  # card titles
    recovered: list[str] = field(default_factory=list)
    conflicts: int = 0  # records another run wrote first (that run judged them)
    failures: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def summary(self) -> str:
        line = summary_line(len(self.fired), len(self.recovered), self.connections, self.gateways)
        if self.failures:
            line += f"; {len(self.failures)} could not be read: " + "; ".join(self.failures[:3])
        return line

    # The cycle's subjects run in threads: each records what it did through these.
    def failed(self, what: str) -> None:
        with self._lock:
            self.failures.append(what)

    def posted(self, title: str) -> None:
        with self._lock:
            self.fired.append(title)

    def recovered_one(self, incident: str) -> None:
        with self._lock:
            self.recovered.append(incident)

    def conflict(self) -> None:
        with self._lock:
            self.conflicts += 1


class _NoProgress:
    """The watch has no one waiting on a "working on it…" message: progress goes nowhere."""

    def __init__(self, inner: Messenger) -> None:
        self._inner = inner

    def respond(self, reply: Reply) -> None:
        self._inner.respond(reply)

    def revise(self, reply: Reply, final: bool = True) -> None:
        self._inner.revise(reply, final)

    def progress(self, text: Inline) -> None:
        return None

    def post(self, channel: str, reply: Reply, thread: str | None = None) -> str:
        return self._inner.post(channel, reply, thread)

    def update(self, ref: str, reply: Reply) -> None:
        self._inner.update(ref, reply)

    def user_groups_members(self, group: str) -> set[str]:
        return self._inner.user_groups_members(group)


def run_cycle(
    azure: AzurePort,
    store: Store,
    out: Messenger,
    settings: DomainSettings,
    log: Log,
    *,
    now: Callable[[], datetime],
    min_interval_s: float = DEFAULT_MIN_INTERVAL_S,
) -> WatchResult:
    """Run one watch cycle (see the module docstring): `out` posts to the alert channel
    (`settings.alert_channel`), `now` is the clock, `min_interval_s` the shortest interval
    one-way traffic is judged over."""
    started = time.perf_counter()
    channel = settings.alert_channel
    result = WatchResult()
    if not channel:
        # Still sample (so /vpn status shows deltas) and open incidents, unannounced: they
        # are posted by the first cycle after VPNOPS_ALERT_CHANNEL is set, if still open.
        log.warning("watch_no_channel", reason="VPNOPS_ALERT_CHANNEL not set; incidents are kept, not posted")
    ctx = Ctx(azure=azure, out=_NoProgress(out), settings=settings, store=store, now=now)
    try:
        gateways, complete = _gateways(ctx, result)
        report = read_gateways(ctx, "every region", lambda g: True, gateways)
    except AzureFailure as exc:
        result.failures.append(f"{exc.kind}: {exc.target or exc.code or 'subscriptions'}")
        log.error("watch_unreadable", failure=exc.kind, code=exc.code)
        return result
    for f in report.failures:
        result.failures.append(f"{f.operation} ({f.error.kind})")
    complete = complete and not report.failures
    at = now()
    try:
        mutes = active_mutes(store, at)
    except StoreError as exc:
        log.error("watch_store_failed", error=type(exc).__name__)
        result.failures.append("the state store")
        return result

    def muted(*ids: str) -> bool:
        return not channel or any(rid_key(i) in mutes for i in ids if i)

    facts = report.facts
    # Issue 22: what changed before each alert, and is it Azure (read once, on the first alert).
    known = Estate(
        subscriptions=[
            Subscription(s) for s in dict.fromkeys(ResourceId.parse(g.id).subscription_id for g in gateways)
        ],
        gateways=gateways,
        connections=[c for gf in facts.gateways for c in gf.connections],
    )
    cycle = _Cycle(store, out, channel, log, result, IncidentContext(ctx, known))
    reverses = reverse_index(facts.connections.values())
    watched = {rid_key(c.id) for gf in facts.gateways for c in gf.connections if rid_key(c.id) not in report.list_shape}
    causes = _causes(report, gateways)
    jobs: list[Callable[[], Verdict | None]] = []
    seen_conns: set[str] = set()
    seen_gws: set[str] = set()
    for gf in facts.gateways:
        gw = gf.gateway
        result.gateways += 1
        for conn in gf.connections:
            key = rid_key(conn.id)
            if key not in watched:
                continue  # its GET failed: no status to judge, keep the record as it is
            seen_conns.add(key)
            result.connections += 1
            rev = reverses.get(key)
            pair = rev is not None and rid_key(rev.id) in watched
            judge = partial(
                judge_connection,
                conn=conn,
                now=at,
                reverse=rev,
                gateways=facts.known_gateways,
                muted=muted(conn.id, conn.gateway1_id, *((rev.id, rev.gateway1_id) if pair and rev else ())),
                min_interval_s=min_interval_s,
                leads=not pair or key < rid_key(rev.id if rev else ""),
                causes=causes,
            )
            jobs.append(partial(cycle.subject, NS_CONN, key, judge))
        if gw.enable_bgp and gf.bgp_peers is not None:
            seen_gws.add(rid_key(gw.id))
            judge = partial(judge_bgp, gateway=gw, peers=gf.bgp_peers, now=at, muted=muted(gw.id))
            jobs.append(partial(cycle.subject, NS_BGP, rid_key(gw.id), judge))
    if complete:
        try:
            jobs.extend(cycle.gone_jobs(at, seen_conns, seen_gws))
        except StoreError as exc:
            log.error("watch_store_failed", error=type(exc).__name__)
            result.failures.append("the state store")

    # Records are judged and written concurrently; what they call for is posted afterwards,
    # in the order of the estate, so a cycle's alerts always appear in the same order.
    workers = max(1, min(settings.concurrency, len(jobs)))
    verdicts: list[Verdict | None] = []
    if jobs:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="watch") as pool:
            verdicts = [fut.result() for fut in [pool.submit(cycle.guarded, j) for j in jobs]]
    for verdict in verdicts:
        if verdict is not None:
            cycle.guarded(partial(cycle.post, verdict))
    log.info(
        "watch_cycle",
        connections=result.connections,
        gateways=result.gateways,
        fired=len(result.fired),
        recovered=len(result.recovered),
        conflicts=result.conflicts,
        failures=len(result.failures),
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return result


def _causes(reading: GatewayReading, gateways: list[Gateway]) -> dict[str, Finding]:
    """Finding key -> the root cause it is folded under, for every finding that has one (a
    NotConnected half under the different shared keys of its pair): the one judgement
    (`commands.judgement.judge`) of what the watch read — every gateway, its connections and
    BGP peers — so a card names the cause `/vpn status` names."""
    est = Estate(
        subscriptions=[],
        kinds=frozenset(),  # the watch lists gateways only: nothing else is said to be empty
        gateways=list(gateways),
        connections=list(reading.facts.connections.values()),
        depth=reading,
        in_depth=frozenset(rid_key(gf.gateway.id) for gf in reading.facts.gateways),
    )
    out: dict[str, Finding] = {}
    for root in judge_estate(est).roots:
        for f in root.every()[1:]:
            out[f.key] = root
    return out


def _gateways(ctx: Ctx, result: WatchResult) -> tuple[list[Gateway], bool]:
    """Every gateway of every subscription; False when some subscription could not be read."""
    subs = ctx.azure.subscriptions()
    outcomes = gather([partial(ctx.azure.gateways, s.id) for s in subs], ctx.settings.concurrency)
    gateways: list[Gateway] = []
    complete = True
    for s, o in zip(subs, outcomes, strict=True):
        if o.error is not None:
            complete = False
            result.failures.append(f"subscription {s.name or s.id} ({o.error.kind})")
            continue
        gateways.extend(o.value or [])
    return gateways, complete


@dataclass
class _Cycle:
    """The store, the messenger and the alert channel one cycle writes and posts with; its
    methods run concurrently, one subject (record) each."""

    store: Store
    out: Messenger
    channel: str
    log: Log
    result: WatchResult
    context: IncidentContext | None = None  # what changed before an alert (issue 22)

    def guarded(self, job: Callable[[], T]) -> T | None:
        """One subject's trouble (store, Slack, a bug) must not stop the others; all is logged."""
        try:
            return job()
        except StoreError as exc:
            self.log.error("watch_store_failed", error=type(exc).__name__)
            self.result.failed("the state store")
        except Exception as exc:  # logged in full (log.exception); the cycle goes on
            self.log.exception("watch_subject_failed", error=type(exc).__name__)
            self.result.failed(f"internal error ({type(exc).__name__})")
        return None

    def subject(self, namespace: str, key: str, judge: Callable[..., Verdict]) -> Verdict | None:
        """Judge one record and write it conditionally: what to post, if this run won."""
        rec = self.store.get_state(namespace, key)
        verdict = judge(rec.value if rec is not None else None)
        try:
            self.store.put_state(namespace, key, verdict.value, etag=rec.etag if rec is not None else None)
        except StoreConflict:
            # Another run wrote this record since we read it: it judged the same facts and
            # posts what they call for. Posting here too would announce twice.
            self.result.conflict()
            self.log.info("watch_conflict", namespace=namespace)
            return None
        return verdict

    def post(self, verdict: Verdict) -> None:
        for fire in verdict.fires:
            self.announce(fire)
        for rec in verdict.recovers:
            self.recover(rec)

    def announce(self, fire: Fire) -> None:
        card = fire.card
        if fire.late:
            card = dataclasses.replace(card, context=card.context + rich(" · posted now: it began while muted"))
        lines, thread = (
            self.context.lines([card.subject], self.context.now(), area="tunnel") if self.context else ([], [])
        )
        if lines:
            card = dataclasses.replace(card, details=(*card.details, join("\n", lines)))
        try:
            ref = self.out.post(self.channel, message_reply(message_state(card)))
        except Exception as exc:  # noqa: BLE001 - Slack refused or was unreachable: the next cycle retries
            self.log.error("watch_post_failed", error=type(exc).__name__, incident=fire.incident)
            # Un-announce it (with its card back), so the next cycle tries again.
            self.set_incident(
                fire.namespace, fire.key, fire.incident, {"announced": False, "card": fire.card.to_json()}
            )
            self.result.failed(f"posting an alert ({type(exc).__name__})")
            return
        self.result.posted(card.title)
        remember_message(self.store, ref, card, {"incident": [fire.namespace, fire.key, fire.incident]})
        self.set_incident(fire.namespace, fire.key, fire.incident, {"ref": ref})
        if thread:
            try:
                self.out.post(self.channel, Reply(fallback=rich("What changed before it"), parts=thread), thread=ref)
            except Exception as exc:  # noqa: BLE001 - the alert itself is posted; its detail is not vital
                self.log.warning("watch_context_post_failed", error=type(exc).__name__, incident=fire.incident)

    def recover(self, rec: Recover) -> None:
        try:
            self.out.post(self.channel, rec.reply, thread=rec.ref or None)
        except Exception as exc:  # noqa: BLE001 - a recovery not posted is logged, not retried
            self.log.error("watch_recovery_post_failed", error=type(exc).__name__, incident=rec.incident)
            self.result.failed(f"posting a recovery ({type(exc).__name__})")
            return
        self.result.recovered_one(rec.incident)
        if rec.ref:
            # Mark the incident's own message recovered (its Acknowledge button goes). The
            # recovery is already in its thread, so a message Slack no longer has costs only this.
            state = mark_resolved(self.store, rec.ref, rec.note)
            if state is not None:
                try:
                    self.out.update(rec.ref, message_reply(state))
                except Exception as exc:  # noqa: BLE001 - logged; the recovery itself was posted
                    self.log.warning("alert_message_update_failed", error=type(exc).__name__, incident=rec.incident)

    def set_incident(self, namespace: str, key: str, incident: str, changes: Mapping[str, Any]) -> None:
        """Record a posted message's ref (or un-announce after a failed post) on an open incident."""

        def change(v: dict[str, Any]) -> dict[str, Any] | None:
            inc = (v.get("incidents") or {}).get(incident)
            if inc is None:
                return None  # it already ended (another run saw the recovery)
            inc.update(changes)
            return v

        try:
            update_state(self.store, namespace, key, change)
        except StoreError as exc:
            self.log.error("watch_store_failed", error=type(exc).__name__, namespace=namespace)

    def gone_jobs(self, at: datetime, seen_conns: set[str], seen_gws: set[str]) -> list[Callable[[], Verdict | None]]:
        """Records of connections and BGP gateways that no longer exist (the estate was read
        in full): close their incidents and remove them."""
        jobs: list[Callable[[], Verdict | None]] = []
        for ns, seen in ((NS_CONN, seen_conns), (NS_BGP, seen_gws)):
            for rec in self.store.list_state(ns):
                if rec.key not in seen:
                    jobs.append(partial(self.gone, ns, rec.key, at))
        return jobs

    def gone(self, namespace: str, key: str, at: datetime) -> Verdict | None:
        cur = self.store.get_state(namespace, key)
        if cur is None:
            return None
        verdict = judge_gone(cur.value, at)
        try:
            self.store.delete_state(namespace, key, etag=cur.etag)
        except StoreConflict:
            return None  # written since: it exists again, or another run is on it
        return verdict
