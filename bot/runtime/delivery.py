"""Slack rate limits never lose an answer: what a job could not deliver goes back on the queue.

The Slack clients wait out a 429 while the job's deadline allows (`bot.slack.client`). What
still could not be delivered — an answer, a card update, the rest of a long reply — is
collected by the messenger (`SlackMessenger.deferred`) and put back on the jobs queue as a
`delivery` job (sealed like any job), hidden for Slack's Retry-After. Its parts carry
idempotency keys (`<job id>:<n>`): before posting one, the delivery claims its key in the
store (a create-only write), so a redelivered or re-queued delivery never posts a part
twice; a part Slack refused with 429 (so it was not posted) releases its claim and waits
for the next attempt. Parts keep their order: after one is held back, the rest wait too.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from bot.logging import get_logger
from bot.runtime.jobs import Job
from commands.core.store import claim

if TYPE_CHECKING:
    from bot.runtime.worker import Deps

log = get_logger(__name__)

NS_DELIVERED = "jobs.delivered"
MAX_ATTEMPTS = 12
DEFAULT_DELAY_S = 30.0


def _base(job_id: str) -> str:
    return job_id.rsplit("-d", 1)[0] if "-d" in job_id else job_id


def requeue(job: Job, parts: list[dict[str, Any]], delay_s: float, deps: Deps, attempt: int) -> bool:
    """Put `parts` back on the queue as delivery attempt `attempt` of `job`'s answer."""
    if deps.requeue is None:
        log.error("delivery_lost", parts=len(parts), reason="no queue to put it back on", job_id=job.id)
        return False
    if attempt > MAX_ATTEMPTS:
        log.error("delivery_abandoned", parts=len(parts), attempts=attempt - 1, job_id=job.id)
        return False
    payload = {"attempt": attempt, "parts": parts}
    delivery = Job(
        kind="delivery",
        name="deliver",
        text=json.dumps(payload, separators=(",", ":")),
        user=job.user,
        team=job.team,
        channel=job.channel,
        id=f"{_base(job.id)}-d{attempt}",
    )
    try:
        deps.requeue(delivery, max(delay_s, 1.0))
    except Exception as exc:  # noqa: BLE001 - logged: the queue itself failing is all that is left
        log.error("delivery_lost", parts=len(parts), error=type(exc).__name__, job_id=job.id)
        return False
    log.warning("delivery_requeued", parts=len(parts), attempt=attempt, delay_s=round(delay_s, 1), job_id=delivery.id)
    return True


def defer_rest(job: Job, out: Any, deps: Deps) -> None:
    """After a job ran: re-queue what its messenger could not deliver (nothing to do when
    it delivered everything)."""
    parts = list(getattr(out, "deferred", None) or [])
    if not parts:
        return
    keyed = [{**p, "key": f"{_base(job.id)}:{i}"} for i, p in enumerate(parts)]
    requeue(job, keyed, float(getattr(out, "retry_after_s", 0.0) or DEFAULT_DELAY_S), deps, attempt=1)


def run_delivery(job: Job, deps: Deps) -> None:
    """Deliver the parts of a delivery job, each at most once; re-queue what Slack still
    holds back."""
    payload: dict[str, Any] = json.loads(job.text)
    parts: list[dict[str, Any]] = list(payload.get("parts") or [])
    attempt = int(payload.get("attempt") or 1)
    from bot.slack.messenger import send_deferred

    client, store = deps.slack(), deps.store_port()
    left: list[dict[str, Any]] = []
    wait = 0.0
    for part in parts:
        if left:
            left.append(part)
            continue
        key = str(part["key"])
        if not claim(store, NS_DELIVERED, key, {"at": time.time()}):
            log.info("delivery_part_already_posted", key=key)
            continue
        if part.get("under_head") and not part.get("thread_ts"):
            # Its first message was not posted (refused): post it where it can be seen.
            log.warning("delivery_part_without_head", key=key)
        outcome, retry_after, detail = send_deferred(client, part)
        if outcome == "sent" and part.get("head") and detail:
            # The first message of a threaded answer: the parts after it hang off it, also
            # when they are re-queued (the ts travels with them).
            for later in parts[parts.index(part) + 1 :]:
                if later.get("under_head") and not later.get("thread_ts"):
                    later["thread_ts"] = detail
        if outcome == "ratelimited":
            store.delete_state(NS_DELIVERED, key)  # Slack posted nothing: free the key
            left.append(part)
            wait = retry_after
        elif outcome == "refused":
            log.error("delivery_part_refused", key=key, error=detail)
    if left:
        requeue(job, left, wait or DEFAULT_DELAY_S, deps, attempt + 1)
    else:
        log.info("delivery_done", parts=len(parts), attempt=attempt)
