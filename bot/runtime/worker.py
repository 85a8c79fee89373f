"""Runs one Job after the ack: builds the command's Ctx, runs it, answers — always.

Whatever happens the user gets an answer, worded by one policy (`bot.runtime.failures`):
a UsageError becomes the usage message, an AzureFailure an actionable message, a Slack
refusal says what Slack refused, and anything else "vpnops hit an internal error (id …)"
with the details (traceback included) only in the structured log, never in Slack.

The Azure adapter and the store are built lazily on first use: `/vpn help` never loads
the Azure SDK, and a job that only reads never opens the store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.logging import bind, command_span, get_logger
from bot.runtime import failures
from bot.runtime.health import RuntimeOps
from bot.runtime.jobs import Job
from bot.runtime.ledger import TrackingMessenger
from bot.settings import Settings
from commands.catalog import REGISTRY
from commands.core.port import AzurePort, Messenger
from commands.core.registry import Ctx, Registry
from commands.core.reply import Reply

log = get_logger(__name__)


class _Lazy:
    """Builds the real object on first attribute access, once, thread-safely."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._obj: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._obj is None:
            with self._lock:
                if self._obj is None:
                    self._obj = self._build()
        return self._obj

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


@dataclass
class Deps:
    """What jobs run with. Build once per process (`Deps.from_settings`) and share."""

    settings: Settings
    client: Any = None  # slack_sdk.WebClient; built from settings when None
    azure: Any = None  # commands.core.port.AzurePort; built from settings when None
    store: Any = None  # commands.core.store.Store; opened from settings when None
    registry: Registry = REGISTRY  # the commands, buttons and shortcuts jobs may name
    # Called once per job at its first message the user sees (the queue worker's ledger
    # records it, so a redelivery after that is not run again).
    on_first_answer: Callable[[Job], None] | None = None
    # Puts a job back to run later (`delay_s`): the dispatcher's submit. A delivery Slack's
    # rate limit held back goes back this way (bot/runtime/delivery.py).
    requeue: Callable[[Job, float], None] | None = None
    blobs: Any = None  # bot.store.blobs.CaptureBlobs; built from settings when None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Deps:
        return cls(settings=settings, **overrides)

    def slack(self) -> Any:
        """The Slack Web API client (one per process, shared by every job)."""
        with self._lock:
            if self.client is None:
                from bot.slack.client import web_client

                self.client = web_client(self.settings)
            return self.client

    def azure_port(self) -> AzurePort:
        with self._lock:
            if self.azure is None:
                settings = self.settings

                def build() -> AzurePort:
                    # Imported here: the Azure SDK is heavy and never needed on the ack path.
                    from bot.arm.factory import azure_from_settings

                    return azure_from_settings(settings)

                self.azure = _Lazy(build)
            return self.azure  # type: ignore[no-any-return]

    def store_port(self) -> Any:
        with self._lock:
            if self.store is None:
                settings = self.settings

                def build() -> Any:
                    from bot.store import store_from_settings

                    return store_from_settings(settings)

                self.store = _Lazy(build)
            return self.store

    def capture_blobs(self) -> Any:
        """Where packet captures go (VPNOPS_CAPTURE_STORAGE), None when not configured."""
        with self._lock:
            if self.blobs is None and self.settings.capture_storage:
                from bot.store.blobs import capture_blobs

                self.blobs = capture_blobs(self.settings.capture_storage, self.settings.capture_container)
            return self.blobs

    def messenger_for(self, job: Job) -> Messenger:
        """How `job` answers: on Slack, through its response_url or the Web API."""
        from bot.slack.messenger import SlackMessenger

        messenger = SlackMessenger(
            self.slack(),
            response_url=job.response_url,
            channel=job.channel,
            user=job.user,
            replace_ack=job.kind == "command",
            thread_ts=job.thread_ts,
            progress_every_s=self.settings.progress_every_s,
            created_at=job.created_at,
        )
        on_first = self.on_first_answer
        if on_first is None:
            return messenger
        return TrackingMessenger(messenger, lambda: on_first(job))


def build_ctx(job: Job, deps: Deps, out: Messenger) -> Ctx:
    """The Ctx a job runs with: its Azure port limited to what the job's channel may read
    (VPNOPS_CHANNEL_SCOPES, `bot.runtime.scope`), so no command can forget the scope."""
    from bot.runtime.scope import scoped

    return Ctx(
        azure=scoped(deps.azure_port(), deps.settings.scope_for(job.channel), job.channel),
        out=out,
        user=job.user,
        user_name=job.user_name,
        team=job.team,
        channel=job.channel,
        settings=deps.settings.domain(),
        store=deps.store_port(),
        registry=deps.registry,
        ops=RuntimeOps(deps.settings),
        blobs=deps.capture_blobs(),
        schedule=_scheduler(job, deps),
    )


def _scheduler(job: Job, deps: Deps) -> Callable[[str, str, str, float], None] | None:
    """Ctx.schedule: a button's job run later, through the dispatcher (a delayed Storage
    Queue message on Functions, sealed like every job)."""
    requeue = deps.requeue
    if requeue is None:
        return None

    def schedule(action_id: str, value: str, channel: str, delay_s: float) -> None:
        later = Job(
            kind="action",
            name=action_id,
            text=value,
            channel=channel,
            team=job.team,
            app_id=job.app_id,
            enterprise=job.enterprise,
        )
        requeue(later, delay_s)

    return schedule


def run_job(job: Job, deps: Deps) -> None:
    """Run `job` and answer the user. Never raises: every failure becomes an answer. Slack
    calls wait out rate limits only until the job's deadline (VPNOPS_JOB_DEADLINE_S); what
    is still held back then goes back on the queue (`bot.runtime.delivery`)."""
    from bot.arm.deadline import arm_deadline
    from bot.runtime import delivery
    from bot.slack.client import job_deadline

    started = time.monotonic()
    with (
        bind(job_id=job.id, kind=job.kind, user=job.user, team=job.team, channel=job.channel),
        job_deadline(started + deps.settings.job_deadline_s),
        # Azure gets the job's time less a tenth, kept for delivering the (partial) answer.
        arm_deadline(started + deps.settings.job_deadline_s * 0.9),
    ):
        if job.kind == "delivery":
            try:
                delivery.run_delivery(job, deps)
            except Exception as exc:  # a bug: logged, and the queue's redelivery may try again
                log.exception("delivery_failed", error=type(exc).__name__)
            return
        out = deps.messenger_for(job)
        try:
            _answer_job(job, deps, out)
        finally:
            delivery.defer_rest(job, out, deps)


def _answer_job(job: Job, deps: Deps, out: Messenger) -> None:
    try:
        with command_span(log, command=job.name) as span:
            reply = _answer(job, deps, out, span)
            if reply is not None:
                out.respond(reply)
    except Exception as exc:  # the user still gets an answer; details go to the log
        log.exception("job_failed", error_id=job.id, error=type(exc).__name__)
        try:
            out.respond(failures.internal_error_reply(job))
        except Exception:  # Slack itself failing: nothing more we can tell the user
            log.exception("job_failed_unanswered", error_id=job.id)


def _answer(job: Job, deps: Deps, out: Messenger, span: dict[str, Any]) -> Reply | None:
    """The job's answer: the command's own, or the policy's for how it failed. A failure
    the policy does not know (a bug) propagates to `run_job`, which logs its traceback."""
    try:
        return _run(job, build_ctx(job, deps, out), deps.registry)
    except Exception as exc:
        outcome = failures.outcome_of(exc)
        if outcome == "internal_error":
            raise
        span["outcome"] = outcome
        span.update(failures.log_fields(exc))
        if outcome == "store_failure":
            log.warning("store_failed", message=str(exc))
        return failures.reply_for(exc, job)


def _run(job: Job, ctx: Ctx, registry: Registry) -> Reply | None:
    if job.kind == "command":
        cmd = registry.command(job.name)
        if cmd is None:
            raise failures.unknown_name(job)
        return cmd(ctx, job.text)
    if job.kind == "action":
        act = registry.action(job.name)
        if act is None:
            raise failures.unknown_name(job)
        return act(ctx, job.text, job.message_ref)
    sc = registry.shortcut(job.name)
    if sc is None:
        raise failures.unknown_name(job)
    return sc(ctx, job.text)
