"""At most one run in effect per job: the queue's redeliveries, Slack's retries.

The Storage Queue delivers a message at least once, and Slack retries an interaction it
got no 200 for. `JobLedger` keeps one record per job id in the store; `TrackingMessenger`
tells it when the user has seen the job's first message, after which a redelivery must
not run the job again (it would answer, or apply, twice).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from bot.logging import get_logger
from bot.runtime.jobs import Job
from commands.core.store import ANY_ETAG, Store, StoreConflict

if TYPE_CHECKING:  # the Functions host imports this module at cold start: keep it light
    from commands.core.port import Messenger
    from commands.core.reply import Inline, Reply

log = get_logger(__name__)

Verdict = Literal["run", "duplicate", "interrupted"]


class JobLedger:
    """One record per job id in the store (namespace "jobs"), so a redelivered queue
    message runs at most once in effect.

    Life of a record: `begin` creates it as running (create-only write: of two deliveries
    racing, one wins) → `mark_answered` when the first message reached the user →
    `finish` as done. A delivery that finds

    * done → "duplicate": acknowledged, nothing posted, nothing applied;
    * running, nothing answered yet, and this is the same queue message delivered again →
      "run": the host redelivers a message only after the attempt holding it died
      (instance recycled, timeout) before the user saw anything, so running it again cannot
      post twice; a change it may have started is guarded by the approval state machine's
      etags;
    * running, but from another queue message with the same job id (Slack retried the
      request, and the ack path enqueued it again) → "duplicate": the first message is
      still being worked on, or will be redelivered itself if its attempt dies;
    * running, already answered → "interrupted": running again would post a second
      answer, so the caller tells the user once that the command was cut short.
    """

    NAMESPACE = "jobs"

    def __init__(self, store: Store) -> None:
        self.store = store

    def begin(self, job: Job, attempt: int = 1, message_id: str = "") -> Verdict:
        value = {
            "state": "running",
            "attempt": attempt,
            "answered": False,
            "kind": job.kind,
            "name": job.name,
            "message_id": message_id,
        }
        try:
            self.store.put_state(self.NAMESPACE, job.id, value, etag=None)
            return "run"
        except StoreConflict:
            pass
        rec = self.store.get_state(self.NAMESPACE, job.id)
        if rec is None:
            return "duplicate"  # finished and cleaned up meanwhile
        if rec.value.get("state") != "running":
            return "duplicate"
        if rec.value.get("answered"):
            return "interrupted"
        holder = rec.value.get("message_id") or ""
        if message_id and holder and holder != message_id:
            return "duplicate"  # a second message for a job another message is running
        try:
            self.store.put_state(self.NAMESPACE, job.id, {**rec.value, "attempt": attempt}, etag=rec.etag)
        except StoreConflict:
            return "duplicate"  # another delivery took it over this instant
        return "run"

    def mark_answered(self, job: Job) -> None:
        """Record that the user has seen output of this job (a redelivery must not rerun it)."""
        rec = self.store.get_state(self.NAMESPACE, job.id)
        if rec is None or rec.value.get("answered"):
            return
        self.store.put_state(self.NAMESPACE, job.id, {**rec.value, "answered": True}, etag=ANY_ETAG)

    def finish(self, job: Job, outcome: str = "done") -> None:
        rec = self.store.get_state(self.NAMESPACE, job.id)
        value: dict[str, Any] = dict(rec.value) if rec else {"kind": job.kind, "name": job.name}
        value.update(state="done", outcome=outcome, finished_at=time.time())
        self.store.put_state(self.NAMESPACE, job.id, value, etag=ANY_ETAG)

    def state(self, job_id: str) -> dict[str, Any] | None:
        rec = self.store.get_state(self.NAMESPACE, job_id)
        return dict(rec.value) if rec else None


class TrackingMessenger:
    """Delegates to the real messenger and calls `on_first` once, at the first message the
    user can see (an answer, a post, an update; not a progress line)."""

    def __init__(self, inner: Messenger, on_first: Callable[[], None]) -> None:
        self._inner = inner
        self._on_first = on_first
        self._done = False
        self._lock = threading.Lock()

    def _seen(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        try:
            self._on_first()
        except Exception as exc:  # noqa: BLE001 - the answer matters more than the ledger
            log.warning("job_ledger_mark_failed", error=type(exc).__name__)

    def respond(self, reply: Reply) -> None:
        self._inner.respond(reply)
        self._seen()

    def revise(self, reply: Reply, final: bool = True) -> None:
        self._inner.revise(reply, final)
        self._seen()

    def progress(self, text: Inline) -> None:
        self._inner.progress(text)

    def post(self, channel: str, reply: Reply, thread: str | None = None) -> str:
        ref = self._inner.post(channel, reply, thread)
        self._seen()
        return ref

    def update(self, ref: str, reply: Reply) -> None:
        self._inner.update(ref, reply)
        self._seen()

    def user_groups_members(self, group: str) -> set[str]:
        return self._inner.user_groups_members(group)

    @property
    def deferred(self) -> list[Any]:
        """What the inner messenger could not deliver yet (bot.runtime.delivery)."""
        return list(getattr(self._inner, "deferred", None) or [])

    @property
    def retry_after_s(self) -> float:
        return float(getattr(self._inner, "retry_after_s", 0.0) or 0.0)
