"""One watch cycle: sample every connection, alert on transitions, post recoveries.

The timer function (VPNOPS_WATCH_SCHEDULE, every 5 minutes by default) calls `run_watch`;
the console's `/watch` does too. A cycle:

1. gathers every VPN gateway of every subscription and, for each, exactly what
   `/vpn status` reads (`commands.status.gather_status`: connections GET with status,
   counters and tunnels; BGP peers), concurrently and bounded by VPNOPS_CONCURRENCY;
2. judges each connection and each BGP gateway against its record in the store
   (`commands.watch`), and writes the new record *conditionally* (etag): when two runs
   overlap, only the run whose write wins posts, so nothing is announced twice;
3. posts what the judgement says: new incidents to VPNOPS_ALERT_CHANNEL (unless muted),
   recoveries in the thread of the incident's message (which is marked recovered).

A connection that can no longer be read keeps its record untouched; one that no longer
exists (every read complete) has its incidents closed and its record removed.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.logging import get_logger
from commands.alerts.card import message_reply, message_state
from commands.alerts.state import NS_MESSAGE, active_mutes, change_state, mark_resolved, remember_message
from commands.core.errors import AzureFailure
from commands.core.fanout import gather
from commands.core.model import Gateway, rid_key
from commands.core.port import Messenger
from commands.core.registry import Ctx
from commands.core.reply import Inline, Reply
from commands.core.store import Store, StoreConflict, StoreError
from commands.core.text import rich
from commands.findings.connections import find_reverse
from commands.status import gather_status
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

if TYPE_CHECKING:
    from bot.runtime.worker import Deps

log = get_logger(__name__)


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


class _NoProgress:
    """The watch has no one waiting on a "working on it…" message: progress goes nowhere."""

    def __init__(self, inner: Messenger) -> None:
        self._inner = inner

    def respond(self, reply: Reply) -> None:
        self._inner.respond(reply)

    def progress(self, text: Inline) -> None:
        return None

    def post(self, channel: str, reply: Reply, thread: str | None = None) -> str:
        return self._inner.post(channel, reply, thread)

    def update(self, ref: str, reply: Reply) -> None:
        self._inner.update(ref, reply)

    def user_groups_members(self, group: str) -> set[str]:
        return self._inner.user_groups_members(group)


def run_watch(
    deps: Deps,
    *,
    messenger: Messenger | None = None,
    now: Callable[[], datetime] | None = None,
    min_interval_s: float = DEFAULT_MIN_INTERVAL_S,
) -> WatchResult:
    """Run one watch cycle. Never raises for Azure, Slack or store trouble: it logs it and
    returns what it could do (an unreadable estate leaves every record as it was)."""
    started = time.perf_counter()
    clock = now or (lambda: datetime.now(UTC))
    settings = deps.settings
    channel = settings.alert_channel
    result = WatchResult()
    if not channel:
        # Still sample (so /vpn status shows deltas) and open incidents, unannounced: they
        # are posted by the first cycle after VPNOPS_ALERT_CHANNEL is set, if still open.
        log.warning("watch_no_channel", reason="VPNOPS_ALERT_CHANNEL not set; incidents are kept, not posted")
    if messenger is None:
        from bot.slack.messenger import SlackMessenger

        messenger = SlackMessenger(deps.slack())
    out: Messenger = messenger
    store: Store = deps.store_port()
    ctx = Ctx(
        azure=deps.azure_port(),
        out=_NoProgress(out),
        settings=settings.domain(),
        store=store,
        now=clock,
    )
    try:
        gateways, complete = _gateways(ctx, result)
        report = gather_status(ctx, "every region", lambda g: True, gateways)
    except AzureFailure as exc:
        result.failures.append(f"{exc.kind}: {exc.target or exc.code or 'subscriptions'}")
        log.error("watch_unreadable", failure=exc.kind, code=exc.code)
        return result
    for f in report.failures:
        result.failures.append(f"{f.operation} ({f.error.kind})")
    complete = complete and not report.failures
    at = clock()
    try:
        mutes = active_mutes(store, at)
    except StoreError as exc:
        log.error("watch_store_failed", error=type(exc).__name__)
        result.failures.append("the state store")
        return result

    def muted(*ids: str) -> bool:
        return not channel or any(rid_key(i) in mutes for i in ids if i)

    facts = report.facts
    everything = list(facts.connections.values())
    jobs: list[Callable[[], None]] = []
    seen_conns: set[str] = set()
    seen_gws: set[str] = set()
    for gf in facts.gateways:
        gw = gf.gateway
        result.gateways += 1
        for conn in gf.connections:
            key = rid_key(conn.id)
            if key in report.list_shape:
                continue  # its GET failed: no status to judge, keep the record as it is
            seen_conns.add(key)
            result.connections += 1
            judge = partial(
                judge_connection,
                conn=conn,
                now=at,
                reverse=find_reverse(conn, everything),
                gateways=facts.known_gateways,
                muted=muted(conn.id, conn.gateway1_id),
                min_interval_s=min_interval_s,
            )
            jobs.append(partial(_subject, store, out, channel, NS_CONN, key, judge, result))
        if gw.enable_bgp and gf.bgp_peers is not None:
            seen_gws.add(rid_key(gw.id))
            judge = partial(judge_bgp, gateway=gw, peers=gf.bgp_peers, now=at, muted=muted(gw.id))
            jobs.append(partial(_subject, store, out, channel, NS_BGP, rid_key(gw.id), judge, result))
    if complete:
        try:
            jobs.extend(_gone_jobs(store, out, channel, at, seen_conns, seen_gws, result))
        except StoreError as exc:
            log.error("watch_store_failed", error=type(exc).__name__)
            result.failures.append("the state store")

    workers = max(1, min(settings.concurrency, len(jobs)))
    if jobs:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="watch") as pool:
            for fut in [pool.submit(_guarded, j, result) for j in jobs]:
                fut.result()
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


def _guarded(job: Callable[[], None], result: WatchResult) -> None:
    """One subject's trouble (store, Slack, a bug) must not stop the others; all is logged."""
    try:
        job()
    except StoreError as exc:
        log.error("watch_store_failed", error=type(exc).__name__)
        with result._lock:
            result.failures.append("the state store")
    except Exception as exc:  # logged in full (log.exception); the cycle goes on
        log.exception("watch_subject_failed", error=type(exc).__name__)
        with result._lock:
            result.failures.append(f"internal error ({type(exc).__name__})")


def _subject(
    store: Store,
    out: Messenger,
    channel: str,
    namespace: str,
    key: str,
    judge: Callable[..., Verdict],
    result: WatchResult,
) -> None:
    """Judge one record, write it conditionally, then post what it says."""
    rec = store.get_state(namespace, key)
    verdict = judge(rec.value if rec is not None else None)
    try:
        store.put_state(namespace, key, verdict.value, etag=rec.etag if rec is not None else None)
    except StoreConflict:
        # Another run wrote this record since we read it: it judged the same facts and
        # posts what they call for. Posting here too would announce twice.
        with result._lock:
            result.conflicts += 1
        log.info("watch_conflict", namespace=namespace)
        return
    _post(store, out, channel, verdict, result)


def _post(store: Store, out: Messenger, channel: str, verdict: Verdict, result: WatchResult) -> None:
    for fire in verdict.fires:
        _announce(store, out, channel, fire, result)
    for rec in verdict.recovers:
        _recover(store, out, channel, rec, result)


def _announce(store: Store, out: Messenger, channel: str, fire: Fire, result: WatchResult) -> None:
    card = fire.card
    if fire.late:
        card = dataclasses.replace(card, context=card.context + rich(" · posted now: it began while muted"))
    try:
        ref = out.post(channel, message_reply(message_state(card)))
    except Exception as exc:  # noqa: BLE001 - Slack refused or was unreachable: the next cycle retries
        log.error("watch_post_failed", error=type(exc).__name__, incident=fire.incident)
        # Un-announce it (with its card back), so the next cycle tries again.
        _set_incident(store, fire.namespace, fire.key, fire.incident, {"announced": False, "card": fire.card.to_json()})
        with result._lock:
            result.failures.append(f"posting an alert ({type(exc).__name__})")
        return
    with result._lock:
        result.fired.append(card.title)
    remember_message(store, ref, card, {"incident": [fire.namespace, fire.key, fire.incident]})
    _set_incident(store, fire.namespace, fire.key, fire.incident, {"ref": ref})


def _recover(store: Store, out: Messenger, channel: str, rec: Recover, result: WatchResult) -> None:
    try:
        out.post(channel, rec.reply, thread=rec.ref or None)
    except Exception as exc:  # noqa: BLE001 - a recovery not posted is logged, not retried
        log.error("watch_recovery_post_failed", error=type(exc).__name__, incident=rec.incident)
        with result._lock:
            result.failures.append(f"posting a recovery ({type(exc).__name__})")
        return
    with result._lock:
        result.recovered.append(rec.incident)
    if rec.ref:
        # Mark the incident's own message recovered (its Acknowledge button goes). The
        # recovery is already in its thread, so a message Slack no longer has costs only this.
        state = mark_resolved(store, rec.ref, rec.note)
        if state is not None:
            try:
                out.update(rec.ref, message_reply(state))
            except Exception as exc:  # noqa: BLE001 - logged; the recovery itself was posted
                log.warning("alert_message_update_failed", error=type(exc).__name__, incident=rec.incident)


def _set_incident(store: Store, namespace: str, key: str, incident: str, changes: Mapping[str, Any]) -> None:
    """Record a posted message's ref (or un-announce after a failed post) on an open incident."""

    def change(v: dict[str, Any]) -> dict[str, Any] | None:
        inc = (v.get("incidents") or {}).get(incident)
        if inc is None:
            return None  # it already ended (another run saw the recovery)
        inc.update(changes)
        return v

    try:
        change_state(store, namespace, key, change)
    except StoreError as exc:
        log.error("watch_store_failed", error=type(exc).__name__, namespace=namespace)


def _gone_jobs(
    store: Store,
    out: Messenger,
    channel: str,
    at: datetime,
    seen_conns: set[str],
    seen_gws: set[str],
    result: WatchResult,
) -> list[Callable[[], None]]:
    """Records of connections and BGP gateways that no longer exist (the estate was read in
    full): close their incidents and remove them."""
    jobs: list[Callable[[], None]] = []
    for ns, seen in ((NS_CONN, seen_conns), (NS_BGP, seen_gws)):
        for rec in store.list_state(ns):
            if rec.key in seen:
                continue

            def gone(rec_key: str = rec.key, namespace: str = ns) -> None:
                cur = store.get_state(namespace, rec_key)
                if cur is None:
                    return
                verdict = judge_gone(cur.value, at)
                try:
                    store.delete_state(namespace, rec_key, etag=cur.etag)
                except StoreConflict:
                    return  # written since: it exists again, or another run is on it
                _post(store, out, channel, verdict, result)

            jobs.append(gone)
    return jobs


def message_of(store: Store, ref: str) -> dict[str, Any] | None:
    """The stored state of an alert message (for tests and tools)."""
    rec = store.get_state(NS_MESSAGE, ref)
    return dict(rec.value) if rec is not None else None
