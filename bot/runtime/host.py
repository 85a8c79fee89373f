"""The Functions host's side of vpnops, without the bindings: what each function does.

`bot/functions.py` only declares the bindings (HTTP routes, queue and timer triggers) and
calls in here. `Runtime` builds the HTTP side and the worker side once per process, each
on first use, so a worker-only instance never builds the Bolt app and an HTTP-only one
never opens the store or the Azure SDK. The commands (the catalog, and the worker with it)
are imported on first use too: importing the app stays cheap for a cold instance.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.logging import bind, configure, get_logger
from bot.runtime.jobs import Job
from bot.runtime.ledger import JobLedger
from bot.runtime.queue import QueueDispatcher, decode_job
from bot.runtime.signing import ForgedJob, JobSeal
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.worker import Deps

log = get_logger(__name__)


@dataclass
class _Ack:
    settings: Settings
    dispatcher: QueueDispatcher
    app: App


@dataclass
class _Work:
    settings: Settings
    deps: Deps
    ledger: JobLedger


class Runtime:
    """Builds the HTTP side and the worker side once per process, each on first use, so a
    worker-only instance never builds the Bolt app and an HTTP-only one never opens the
    store or the Azure SDK. `reset()` is for tests that change the environment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: Settings | None = None
        self._ack: _Ack | None = None
        self._work: _Work | None = None

    def settings(self) -> Settings:
        with self._lock:
            if self._settings is None:
                s = Settings.from_env()
                configure(s.log_level)
                self._settings = s
            return self._settings

    def ack(self) -> _Ack:
        settings = self.settings()
        with self._lock:
            if self._ack is None:
                from bot.slack.app import create_app

                dispatcher = QueueDispatcher(settings.storage_connection, settings.queue_name, seal=seal_of(settings))
                # Without the bot token: Bolt would otherwise call auth.test on Slack while
                # building the app (and again on the first request), a round trip paid on
                # every cold start inside Slack's 3 s. The listeners only verify, ack and
                # enqueue; the worker posts with the token.
                app = create_app(replace(settings, bot_token=""), dispatcher)
                self._ack = _Ack(settings, dispatcher, app)
            return self._ack

    def work(self) -> _Work:
        settings = self.settings()
        with self._lock:
            if self._work is None:
                from bot.runtime.worker import Deps

                deps = Deps.from_settings(settings)
                ledger = JobLedger(deps.store_port())
                deps.on_first_answer = ledger.mark_answered
                # A delivery Slack's rate limit held back goes back on the jobs queue (the
                # queue's client is built on the first such delivery).
                deps.requeue = _requeue_on_queue(settings)
                self._work = _Work(settings, deps, ledger)
            return self._work

    def reset(self) -> None:
        with self._lock:
            if self._ack is not None:
                self._ack.dispatcher.close()
            self._settings = self._ack = self._work = None


runtime = Runtime()


def _requeue_on_queue(settings: Settings) -> Callable[[Job, float], None]:
    made: list[QueueDispatcher] = []
    lock = threading.Lock()

    def requeue(job: Job, delay_s: float) -> None:
        with lock:
            if not made:
                made.append(QueueDispatcher(settings.storage_connection, settings.queue_name, seal=seal_of(settings)))
        made[0].submit(job, delay_s)

    return requeue


def seal_of(settings: Settings) -> JobSeal:
    """The seal of this deployment's jobs queue (VPNOPS_SECRET_KEY, VPNOPS_QUEUE)."""
    return JobSeal.for_settings(settings.secret_key, settings.queue_name)


def open_message(body: bytes, settings: Settings, where: str) -> Job | None:
    """The job in a queue message, or None (logged `job_forged` / `job_malformed`) when it
    must not run: its seal does not verify, or its response_url is not Slack's. The
    poison queue holds messages moved from the jobs queue, so both open with its seal."""
    from bot.slack.hooks import response_url_problem

    try:
        job = decode_job(body, seal_of(settings))
    except ForgedJob as exc:
        log.error("job_forged", reason=str(exc), queue=where, size=len(body))
        return None
    except ValueError as exc:
        log.error("job_malformed", error=str(exc), queue=where)
        return None
    problem = response_url_problem(job.response_url, settings.slack_api_url)
    if problem:
        log.error("job_forged", reason=f"response_url refused: {problem}", queue=where, **job.log_fields())
        return None
    return job


def health_report() -> tuple[dict[str, Any], int]:
    """Is this instance configured? Names what is missing, never a value; no Azure call."""
    report: dict[str, Any] = {"service": "vpnops"}
    try:
        settings = runtime.settings()
    except SettingsError as exc:
        report.update(status="misconfigured", problem=str(exc))
        return report, 503
    missing = settings.missing_for_slack()
    # App Service leaves the literal reference in place when it cannot resolve it
    # (identity not yet granted, vault renamed): a "secret" that would never verify.
    for name, value in (
        ("SLACK_SIGNING_SECRET", settings.signing_secret),
        ("SLACK_BOT_TOKEN", settings.bot_token),
        ("VPNOPS_ALERT_TOKEN", settings.alert_token),
    ):
        if value.startswith("@Microsoft.KeyVault("):
            missing.append(f"{name} (Key Vault reference not resolved)")
    if not settings.storage_connection:
        missing.append("VPNOPS_STORAGE_CONNECTION (or AzureWebJobsStorage)")
    if settings.secret_key.startswith("@Microsoft.KeyVault("):
        missing.append("VPNOPS_SECRET_KEY (Key Vault reference not resolved)")
    # Which settings are wrong, not their values (this endpoint is anonymous).
    missing.extend(f"{name} (invalid: see /vpn health)" for name in _named(settings.errors))
    report.update(
        status="misconfigured" if missing else "ok",
        missing=missing,
        jobs_queue=settings.queue_name,
        store=settings.store_url.partition(":")[0],
        azure="sandbox" if settings.sandbox else "azure",
    )
    return report, 503 if missing else 200


def _named(problems: tuple[str, ...]) -> list[str]:
    """The setting each problem is about (its first word)."""
    return sorted({p.split(" ", 1)[0].rstrip(":") for p in problems})


def tell(job: Job, settings: Settings, reason: str = "", reference: str = "") -> bool:
    """Tell the asker that `job` failed and will not be run (again)."""
    from bot.runtime import failures
    from bot.slack.client import web_client
    from bot.slack.notify import notify

    return notify(job, failures.failed_reply(job, reason, reference), web_client(settings, timeout_s=5))


def run_message(body: bytes, dequeue_count: int, invocation_id: str = "", message_id: str = "") -> str:
    """Run one queue message; returns what happened ("done", "duplicate", "interrupted",
    "forged", "misconfigured"). Raises only when the job could not be started (store
    unreachable), so the host retries it and, after maxDequeueCount, moves it to the
    poison queue. A forged or tampered message runs nothing and is not retried (a retry
    would fail the same way)."""
    with bind(invocation_id=invocation_id, function="worker"):
        settings = runtime.settings()
        job = open_message(body, settings, settings.queue_name)
        if job is None:
            return "forged"
        if settings.errors:
            with bind(**job.log_fields()):
                log.error("job_refused_misconfigured", errors=len(settings.errors))
                if job.kind != "delivery":
                    tell(job, settings, reason="vpnops is misconfigured: " + " ".join(settings.errors))
            return "misconfigured"
        work = runtime.work()
        with bind(**job.log_fields()):
            verdict = work.ledger.begin(job, attempt=dequeue_count, message_id=message_id)
            if verdict == "duplicate":
                log.info("job_duplicate", dequeue_count=dequeue_count)
                return "duplicate"
            if verdict == "interrupted":
                log.warning("job_interrupted", dequeue_count=dequeue_count)
                tell(
                    job,
                    work.settings,
                    reason="It stopped after it had started answering, so it was not run again (that could have "
                    "answered or applied twice).",
                    reference=job.id,
                )
                work.ledger.finish(job, "interrupted")
                return "interrupted"
            log.info("job_started", dequeue_count=dequeue_count, queued_s=round(time.time() - job.created_at, 3))
            from bot.runtime.worker import run_job

            run_job(job, work.deps)
            work.ledger.finish(job)
            return "done"


def handle_poison(body: bytes, invocation_id: str = "") -> str:
    """Tell the user their job failed for good. Never raises: a failure here would only
    move the message to yet another poison queue, where nobody looks."""
    with bind(invocation_id=invocation_id, function="poison"):
        try:
            settings = runtime.settings()
        except SettingsError as exc:
            log.error("poison_unanswered", error=str(exc))
            return "unanswered"
        job = open_message(body, settings, settings.queue_name + "-poison")
        if job is None:
            return "forged"
        with bind(**job.log_fields()):
            ledger = None
            try:
                ledger = runtime.work().ledger
                state = ledger.state(job.id)
                if state and state.get("state") == "done":
                    log.info("poison_already_answered", outcome=state.get("outcome"))
                    return "duplicate"
            except Exception as exc:  # noqa: BLE001 - the store may be why it failed; tell the user anyway
                log.warning("poison_ledger_unavailable", error=type(exc).__name__)
            told = tell(job, settings, reference=job.id)
            log.error("job_failed_permanently", user_told=told)
            if ledger is not None:
                try:
                    ledger.finish(job, "failed")
                except Exception as exc:  # noqa: BLE001 - best effort
                    log.warning("poison_ledger_unavailable", error=type(exc).__name__)
            return "notified" if told else "unanswered"
