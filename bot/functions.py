"""The Azure Functions side of vpnops: one Blueprint, registered by `function_app.py`.

    POST /api/slack/events   slash commands, buttons and shortcuts (Slack signs them)
    GET  /api/health         is this instance configured (names of missing settings, no values)
    POST /api/alerts         Azure Monitor alert webhooks (function key + ?token=), see bot/alerts.py
    queue  %VPNOPS_QUEUE%          the worker: runs one Job per message
    queue  %VPNOPS_QUEUE%-poison   a Job that failed maxDequeueCount times: tell the user
    timer  %VPNOPS_WATCH_SCHEDULE% the watch, when bot.watch provides `run_watch`

Slack drops a request it has no HTTP 200 for within 3 s, and ARM calls take 5-60 s. So
the HTTP function only verifies, acks and enqueues (inside the Bolt app built by
`bot.slack.app.create_app` with a `QueueDispatcher`); the queue function does the work.
Nothing on the Slack HTTP side imports the Azure management SDK: the Bolt app and the
queue client are built on the first request, the Azure SDK only inside the worker's jobs,
the alert handler and the watch (each imported when its function first runs).

Each function binds the Functions invocation id to every log line it writes, so one KQL
query on `invocation_id` shows the whole story of a request.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import azure.functions as func

from bot.logging import bind, configure, get_logger
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.jobs import Job
    from bot.queue import JobLedger, QueueDispatcher
    from bot.worker import Deps
    from commands.core.port import Messenger
    from commands.core.reply import Reply

log = get_logger(__name__)

bp = func.Blueprint()

QUEUE_SETTING = "%VPNOPS_QUEUE%"
POISON_QUEUE_SETTING = "%VPNOPS_QUEUE%-poison"
# The Functions host's identity-based storage connection (AzureWebJobsStorage__accountName
# on Azure, a connection string locally): the same account the bot's own clients use.
STORAGE_CONNECTION = "AzureWebJobsStorage"


# ---------------------------------------------------------------------------------------
# Per-process runtime, built on first use
# ---------------------------------------------------------------------------------------


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


class _Runtime:
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
                from bot.queue import QueueDispatcher
                from bot.slack.app import create_app

                dispatcher = QueueDispatcher(settings.storage_connection, settings.queue_name)
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
                from bot.queue import JobLedger
                from bot.worker import Deps

                deps = Deps.from_settings(settings)
                ledger = JobLedger(deps.store_port())
                deps.messenger_factory = _tracking_messenger_factory(ledger)
                self._work = _Work(settings, deps, ledger)
            return self._work

    def reset(self) -> None:
        with self._lock:
            if self._ack is not None:
                self._ack.dispatcher.close()
            self._settings = self._ack = self._work = None


runtime = _Runtime()


# ---------------------------------------------------------------------------------------
# HTTP: Slack
# ---------------------------------------------------------------------------------------


def _invocation(context: func.Context | None) -> str:
    return getattr(context, "invocation_id", "") or ""


@bp.route(route="slack/events", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def slack_events(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Slack's Request URL for slash commands and interactivity.

    Anonymous at the Functions level because Slack cannot send a function key in a
    header; Bolt's request verification (signature over the raw body + a timestamp no
    older than 5 minutes) is the authentication, and runs before any listener.
    """
    started = time.perf_counter()
    with bind(invocation_id=_invocation(context), function="slack_events"):
        try:
            ack = runtime.ack()
        except SettingsError as exc:
            # Slack shows the user "dispatch_failed"; the operator finds the reason here.
            log.error("settings_invalid", error=str(exc))
            return func.HttpResponse("vpnops is misconfigured; see the Function logs", status_code=500)
        from bot.slack.adapter import handle_http

        status, headers, body = handle_http(ack.app, req.get_body(), dict(req.headers), urlencode(dict(req.params)))
        log.info("slack_http", status=status, ack_ms=round((time.perf_counter() - started) * 1000, 1))
        return func.HttpResponse(body=body, status_code=status, headers=headers)


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Is this instance configured? Names what is missing, never a value; no Azure call."""
    with bind(invocation_id=_invocation(context), function="health"):
        report: dict[str, Any] = {"service": "vpnops"}
        try:
            settings = runtime.settings()
        except SettingsError as exc:
            report.update(status="misconfigured", problem=str(exc))
            return _json(report, 503)
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
        report.update(
            status="misconfigured" if missing else "ok",
            missing=missing,
            jobs_queue=settings.queue_name,
            store=settings.store_url.partition(":")[0],
            azure="sandbox" if settings.sandbox else "azure",
        )
        return _json(report, 503 if missing else 200)


def _json(data: dict[str, Any], status: int) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(data), status_code=status, mimetype="application/json")


# ---------------------------------------------------------------------------------------
# Queue: the worker and its poison queue
# ---------------------------------------------------------------------------------------


class _TrackingMessenger:
    """Delegates to the real messenger and records, on the first message the user can
    see, that this job has answered: a redelivery after that must not run it again."""

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

    def progress(self, text: str) -> None:
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


def _tracking_messenger_factory(ledger: JobLedger) -> Callable[[Job, Deps], Messenger]:
    def factory(job: Job, deps: Deps) -> Messenger:
        deps.slack()  # share one WebClient between the copy below and later jobs
        plain = replace(deps, messenger_factory=None)
        return _TrackingMessenger(plain.messenger_for(job), lambda: ledger.mark_answered(job))

    return factory


def run_message(body: bytes, dequeue_count: int, invocation_id: str = "", message_id: str = "") -> str:
    """Run one queue message; returns what happened ("done", "duplicate", "interrupted",
    "malformed"). Raises only when the job could not be started (store unreachable), so
    the host retries it and, after maxDequeueCount, moves it to the poison queue."""
    from bot.queue import decode_job, notify_failed
    from bot.worker import run_job

    with bind(invocation_id=invocation_id, function="worker"):
        try:
            job = decode_job(body)
        except ValueError as exc:
            # Nobody to tell and nothing to retry: a retry would fail the same way.
            log.error("job_malformed", error=str(exc), dequeue_count=dequeue_count)
            return "malformed"
        work = runtime.work()
        with bind(**job.log_fields()):
            verdict = work.ledger.begin(job, attempt=dequeue_count, message_id=message_id)
            if verdict == "duplicate":
                log.info("job_duplicate", dequeue_count=dequeue_count)
                return "duplicate"
            if verdict == "interrupted":
                log.warning("job_interrupted", dequeue_count=dequeue_count)
                notify_failed(
                    job,
                    bot_token=work.settings.bot_token,
                    api_url=work.settings.slack_api_url,
                    reason="It stopped after it had started answering, so it was not run again (that could have "
                    "answered or applied twice).",
                    reference=job.id,
                )
                work.ledger.finish(job, "interrupted")
                return "interrupted"
            log.info("job_started", dequeue_count=dequeue_count, queued_s=round(time.time() - job.created_at, 3))
            run_job(job, work.deps)
            work.ledger.finish(job)
            return "done"


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE_SETTING, connection=STORAGE_CONNECTION)
def worker(msg: func.QueueMessage, context: func.Context) -> None:
    """Runs one Job (see `run_message`)."""
    run_message(msg.get_body(), msg.dequeue_count or 1, _invocation(context), msg.id or "")


def handle_poison(body: bytes, invocation_id: str = "") -> str:
    """Tell the user their job failed for good. Never raises: a failure here would only
    move the message to yet another poison queue, where nobody looks."""
    from bot.queue import decode_job, notify_failed

    with bind(invocation_id=invocation_id, function="poison"):
        try:
            job = decode_job(body)
        except ValueError as exc:
            log.error("poison_malformed", error=str(exc))
            return "malformed"
        with bind(**job.log_fields()):
            try:
                settings = runtime.settings()
            except SettingsError as exc:
                log.error("poison_unanswered", error=str(exc))
                return "unanswered"
            ledger = None
            try:
                ledger = runtime.work().ledger
                state = ledger.state(job.id)
                if state and state.get("state") == "done":
                    log.info("poison_already_answered", outcome=state.get("outcome"))
                    return "duplicate"
            except Exception as exc:  # noqa: BLE001 - the store may be why it failed; tell the user anyway
                log.warning("poison_ledger_unavailable", error=type(exc).__name__)
            told = notify_failed(job, bot_token=settings.bot_token, api_url=settings.slack_api_url, reference=job.id)
            log.error("job_failed_permanently", user_told=told)
            if ledger is not None:
                try:
                    ledger.finish(job, "failed")
                except Exception as exc:  # noqa: BLE001 - best effort
                    log.warning("poison_ledger_unavailable", error=type(exc).__name__)
            return "notified" if told else "unanswered"


@bp.queue_trigger(arg_name="msg", queue_name=POISON_QUEUE_SETTING, connection=STORAGE_CONNECTION)
def poison(msg: func.QueueMessage, context: func.Context) -> None:
    """The poison queue: jobs that failed maxDequeueCount (host.json) times."""
    handle_poison(msg.get_body(), _invocation(context))


# ---------------------------------------------------------------------------------------
# HTTP: Azure Monitor alerts (issue 7)
# ---------------------------------------------------------------------------------------


@bp.route(route="alerts", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def alerts(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Azure Monitor action-group webhooks (common alert schema) → the alert channel.

    FUNCTION level: the host refuses a call without the function key (`?code=`) before
    this runs; `bot.alerts.handle_webhook` then checks the shared `?token=` in constant
    time, the size, the schema, and posts once (see bot/alerts.py).
    """
    with bind(invocation_id=_invocation(context), function="alerts"):
        try:
            work = runtime.work()
        except SettingsError as exc:
            log.error("settings_invalid", error=str(exc))
            return _json({"ok": False, "error": "misconfigured", "reason": "see the Function logs"}, 500)
        from bot.alerts import handle_webhook

        resp = handle_webhook(req.get_body(), dict(req.params), work.deps, settings=work.settings)
        return _json(resp.body, resp.status)


# ---------------------------------------------------------------------------------------
# Timer: the watch
# ---------------------------------------------------------------------------------------


@bp.timer_trigger(arg_name="timer", schedule="%VPNOPS_WATCH_SCHEDULE%", run_on_startup=False, use_monitor=True)
def watch(timer: func.TimerRequest, context: func.Context) -> None:
    """One watch cycle (`bot.watch.run_watch`): sample every connection, alert on
    transitions, post recoveries. Overlapping runs are safe: the store's conditional
    writes decide which run announces a transition."""
    with bind(invocation_id=_invocation(context), function="watch"):
        from bot.watch import run_watch

        if timer.past_due:
            log.warning("watch_past_due")
        result = run_watch(runtime.work().deps)
        log.info("watch_done", summary=result.summary, failures=len(result.failures))
        # Same schedule for the change requests' housekeeping: expiry, interrupted applies.
        from bot.worker import sweep_requests

        sweep_requests(runtime.work().deps)


def register_functions(app: func.FunctionApp) -> None:
    """Register every vpnops function on `app` (the composition root calls this once)."""
    app.register_functions(bp)
