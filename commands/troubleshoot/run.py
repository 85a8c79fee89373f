"""A VPN troubleshoot run: started once, followed until Azure has the result, across restarts.

Azure takes minutes (longer than one Azure call's deadline, sometimes longer than one job),
and runs one troubleshoot at a time per subscription
(https://learn.microsoft.com/azure/network-watcher/vpn-troubleshoot-overview). So a run is a
durable record in the store (namespace `troubleshoot`, one per subscription: the one-at-a-time
rule, claimed with a create-only write), holding the operation's URL to poll, its own deadline
(`troubleshoot_deadline_s`), and a lease:

* the asking job claims the subscription, starts the run, and follows it while its own time
  lasts (`troubleshoot_wait_s`), renewing the lease and updating the message with progress;
* if the job ends first (its deadline, a restart, a crash), the lease runs out and the
  timer's sweep (`sweep`, called from `bot.runtime.timer.resume_troubleshoots`, as the change
  requests' sweep is) takes the run over: it polls the stored URL, and posts the result in
  the channel it was asked in — or, past the run's deadline, says it gave up and where the
  result can still be read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from commands.core.errors import AzureFailure
from commands.core.model import ResourceId
from commands.core.netwatch import TroubleshootPoll
from commands.core.registry import Ctx
from commands.core.reply import Reply
from commands.core.store import Store, StoreConflict, StoreError, update_state
from commands.core.text import rich

NAMESPACE = "troubleshoot"
# How long a holder's claim lasts without news: a job polls every POLL_CHUNK_S at most.
POLL_CHUNK_S = 20.0
LEASE = timedelta(seconds=90)


def key_of(target_id: str) -> str:
    """One run per subscription: the record's key is the subscription id."""
    return ResourceId.parse(target_id).subscription_id.lower()


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def running(store: Store, key: str, now: datetime) -> dict[str, Any] | None:
    """The run holding the subscription, unless it is past its deadline (then it is over)."""
    rec = store.get_state(NAMESPACE, key)
    if rec is None:
        return None
    if now > parse_time(str(rec.value.get("deadline_at"))):
        return None
    return dict(rec.value)


def claim(ctx: Ctx, key: str, record: dict[str, Any]) -> bool:
    """Claim the subscription for this run (create-only); a record past its deadline is
    replaced. False when another run holds it."""
    store: Store = ctx.store
    now = ctx.now()
    rec = store.get_state(NAMESPACE, key)
    try:
        if rec is None:
            store.put_state(NAMESPACE, key, record, etag=None)
            return True
        if now > parse_time(str(rec.value.get("deadline_at"))):
            store.put_state(NAMESPACE, key, record, etag=rec.etag)
            return True
    except StoreConflict:
        return False
    return False


def release(ctx: Ctx, key: str, started_at: str) -> None:
    """Drop the run's record (only this run's: another may have replaced it since)."""
    store: Store = ctx.store
    rec = store.get_state(NAMESPACE, key)
    if rec is not None and rec.value.get("started_at") == started_at:
        try:
            store.delete_state(NAMESPACE, key, rec.etag)
        except StoreConflict:
            pass


def renew(ctx: Ctx, key: str, started_at: str, poll_url: str) -> bool:
    """Keep the lease (and the newest URL to poll). False when the run is no longer ours."""
    until = (ctx.now() + LEASE).isoformat()

    def change(cur: dict[str, Any]) -> dict[str, Any] | None:
        if cur.get("started_at") != started_at:
            return None
        return {**cur, "poll_url": poll_url or cur.get("poll_url", ""), "lease_until": until}

    try:
        return update_state(ctx.store, NAMESPACE, key, change) is not None
    except StoreConflict:
        return False


def follow(
    ctx: Ctx,
    key: str,
    record: dict[str, Any],
    first: TroubleshootPoll,
    budget_s: float,
    on_progress: Callable[[float], None],
) -> TroubleshootPoll:
    """Poll the run until it is done or `budget_s` (this job's share) is spent; the lease is
    renewed between polls. Returns the last poll (done or not)."""
    started = time.monotonic()
    poll = first
    while not poll.done:
        left = budget_s - (time.monotonic() - started)
        if left <= 0:
            break
        if not renew(ctx, key, str(record["started_at"]), poll.poll_url):
            break  # the timer took the run over: it posts the result
        on_progress(time.monotonic() - started)
        poll = ctx.azure.poll_troubleshoot(poll.poll_url, wait_s=min(POLL_CHUNK_S, left))
    return poll


def sweep(ctx: Ctx, render: Callable[[dict[str, Any], TroubleshootPoll | None, str], Reply]) -> list[str]:
    """The timer's part: every run whose holder went quiet (lease over) is taken over and
    followed for up to POLL_CHUNK_S; a finished one is posted in its channel, one past its deadline is given up on (said so),
    and its record dropped. Returns what changed, for the log. Never raises for Azure,
    Slack or store trouble on one run: the next run of the timer tries again."""
    store: Store = ctx.store
    now = ctx.now()
    changed: list[str] = []
    for rec in store.list_state(NAMESPACE):
        v = rec.value
        if now < parse_time(str(v.get("lease_until") or v.get("started_at"))):
            continue  # its job is still following it
        try:
            # Take the run over (conditional: two timers never both post it).
            taken = {**v, "lease_until": (now + LEASE).isoformat()}
            store.put_state(NAMESPACE, rec.key, taken, etag=rec.etag)
        except (StoreConflict, StoreError):
            continue
        changed.append(_sweep_one(ctx, rec.key, taken, now, render))
    return [c for c in changed if c]


def _sweep_one(
    ctx: Ctx,
    key: str,
    v: dict[str, Any],
    now: datetime,
    render: Callable[[dict[str, Any], TroubleshootPoll | None, str], Reply],
) -> str:
    channel = str(v.get("channel") or ctx.settings.alert_channel)
    url = str(v.get("poll_url") or "")
    poll: TroubleshootPoll | None = None
    problem = ""
    if not url:
        problem = "the bot stopped before Azure accepted the run"
    else:
        try:
            poll = ctx.azure.poll_troubleshoot(url, wait_s=POLL_CHUNK_S)
        except AzureFailure as e:
            if e.kind in ("throttled", "unavailable", "timeout") and now <= parse_time(str(v["deadline_at"])):
                return ""  # try again on the next timer run
            problem = f"Azure answered {e.kind}{f' ({e.code})' if e.code else ''} when the bot asked for the result"
    if poll is not None and not poll.done:
        if now <= parse_time(str(v["deadline_at"])):
            renew(ctx, key, str(v["started_at"]), poll.poll_url)
            return ""
        problem = "it was still running at the bot's deadline"
    try:
        ctx.out.post(channel, render(v, poll if poll is not None and poll.done else None, problem))
    except Exception:  # noqa: BLE001 - Slack refused: keep the record, the next run posts it
        return ""
    release(ctx, key, str(v["started_at"]))
    return f"{v.get('target_name')}: {'result posted' if poll is not None and poll.done else 'given up: ' + problem}"


def progress_text(target_name: str, elapsed_s: float) -> Any:
    mins, secs = divmod(int(elapsed_s), 60)
    took = f"{mins} min {secs} s" if mins else f"{secs} s"
    return rich(f"VPN troubleshoot of {target_name}: running for {took} (Azure takes a few minutes)…")
