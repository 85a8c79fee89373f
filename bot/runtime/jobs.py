"""The hand-off between Slack's 3-second ack and the work.

Slack drops a request it has not had an HTTP 200 for within 3 s, while ARM calls take
5–60 s. So the HTTP side only verifies, acks and `submit`s a `Job`; a worker runs it
(`bot.runtime.worker.run_job`). Locally the worker is a thread pool (`ThreadPoolDispatcher`); on
Azure Functions it is a Storage Queue and a queue-triggered function, which is why a Job
is plain JSON.

A Job carries the `response_url` (a credential for 30 minutes: anyone holding it can post
as the app into that conversation), so it is kept out of `repr()` and `log_fields()`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, Protocol

JobKind = Literal["command", "action", "shortcut", "delivery"]
JOB_KINDS = ("command", "action", "shortcut", "delivery")


@dataclass(frozen=True)
class Job:
    """One unit of work after the ack.

    kind:      "command" (a /vpn subcommand), "action" (a button), "shortcut" (message shortcut),
               "delivery" (the rest of an answer Slack's rate limit held back, bot/runtime/delivery.py)
    name:      the subcommand, the action_id or the shortcut's callback_id
    text:      the subcommand's arguments, the button's value or the shortcut's message text
    message_ref: "CHANNEL:TS" of the message a button / shortcut was on
    app_id, enterprise: the Slack app (api_app_id) and Enterprise org the request came with
    """

    kind: JobKind
    name: str
    text: str = ""
    user: str = ""
    user_name: str = ""
    team: str = ""
    channel: str = ""
    response_url: str = field(default="", repr=False)
    message_ref: str = ""
    thread_ts: str = ""
    trigger_id: str = field(default="", repr=False)
    app_id: str = ""
    enterprise: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created_at: float = field(default_factory=time.time)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, data: str | bytes) -> Job:
        """Parse a Job; unknown keys (from a newer producer) are ignored, so a queue
        message written by the next version still runs."""
        raw: Any = json.loads(data)
        if not isinstance(raw, dict) or raw.get("kind") not in JOB_KINDS or not raw.get("name"):
            raise ValueError("not a vpnops job: expected an object with kind and name")
        known = {f.name: f for f in fields(cls)}
        out: dict[str, Any] = {}
        for k, v in raw.items():
            if k not in known:
                continue
            want = float if k == "created_at" else str
            if want is float and isinstance(v, int | float) and not isinstance(v, bool):
                v = float(v)
            if not isinstance(v, want):
                raise ValueError(f"not a vpnops job: {k} must be a {want.__name__}")
            out[k] = v
        return cls(**out)

    def log_fields(self) -> dict[str, Any]:
        """What may be logged about a job (never the response_url or the trigger id)."""
        return {
            "job_id": self.id,
            "kind": self.kind,
            "command": self.name,
            "user": self.user,
            "team": self.team,
            "channel": self.channel,
        }


def delivery_job_id(trigger_id: str) -> str:
    """The Job id of one Slack interaction, derived from its `trigger_id`.

    Slack sends the same payload, trigger_id included, when it retries a request it got
    no 200 for within 3 s (X-Slack-Retry-Num), and a replayed copy carries it too; every
    copy thus becomes the same job id, which runs once: `ThreadPoolDispatcher` skips an
    id it has already taken, the queue worker's `JobLedger` one it has finished. Two real
    clicks are two interactions (two trigger_ids) and stay two jobs. Hashed, because a
    trigger_id can open a modal for a few seconds and ids are logged. A random id when the
    payload has no trigger_id.
    """
    if not trigger_id:
        return uuid.uuid4().hex[:12]
    return "t" + hashlib.sha256(trigger_id.encode()).hexdigest()[:15]


class Dispatcher(Protocol):
    """Runs jobs after the ack. `submit` must return quickly (it is on the 3 s path)."""

    def submit(self, job: Job, delay_s: float = 0) -> None: ...


# Slack retries within seconds and a replay is refused after 5 minutes: the last ten
# thousand ids cover far more than that window on one process.
_SEEN_MAX = 10_000


class ThreadPoolDispatcher:
    """The local dispatcher: jobs run on a small thread pool in this process.

    `wait_idle()` blocks until every submitted job (and any job they submitted) is done —
    the console calls it at end of input, tests call it before asserting.
    """

    def __init__(self, run: Callable[[Job], None], max_workers: int = 8) -> None:
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="vpnops-job")
        self._cond = threading.Condition()
        self._pending = 0
        self._held: list[Job] | None = None
        self.submitted: list[Job] = []
        # Ids taken so far (bounded): a second delivery of one interaction is skipped.
        self._seen: dict[str, None] = {}
        self.duplicates: list[Job] = []

    def submit(self, job: Job, delay_s: float = 0) -> None:
        """Run `job` on the pool (after `delay_s`: a re-queued delivery waits for Slack's
        Retry-After). A job id already taken is skipped."""
        with self._cond:
            if job.id in self._seen:
                self.duplicates.append(job)
                return
            self._seen[job.id] = None
            if len(self._seen) > _SEEN_MAX:
                del self._seen[next(iter(self._seen))]
            self._pending += 1
            self.submitted.append(job)
            if self._held is not None and delay_s <= 0:
                self._held.append(job)
                return
        if delay_s > 0:
            timer = threading.Timer(delay_s, self._start, args=(job,))
            timer.daemon = True
            timer.start()
            return
        self._start(job)

    def _start(self, job: Job) -> None:
        fut = self._pool.submit(self._run, job)
        fut.add_done_callback(self._done)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Start the jobs submitted inside the block only when it ends.

        Slack shows a command's ack before the job could possibly answer (the ack is the
        HTTP response the job is handed off from). In-process, a fast job can beat the ack
        back to the Slack emulator; the console and tests hold jobs until the ack has been
        delivered, which is the order Slack guarantees in practice.
        """
        with self._cond:
            self._held = []
        try:
            yield
        finally:
            with self._cond:
                held, self._held = self._held or [], None
            for job in held:
                self._start(job)

    def _done(self, _fut: Future[None]) -> None:
        # run_job never raises (it answers the user instead); a bug that escapes it is
        # still counted as finished so wait_idle() cannot hang forever.
        with self._cond:
            self._pending -= 1
            self._cond.notify_all()

    @property
    def pending(self) -> int:
        with self._cond:
            return self._pending

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no job is pending; True when idle, False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
