"""Runs one Job after the ack: builds the command's Ctx, runs it, answers — always.

Whatever happens the user gets an answer: a UsageError becomes the usage message, an
AzureFailure an actionable message (`AzureFailure.advice`), a Slack refusal says what
Slack refused, and anything else "vpnops hit an internal error (id …)" with the details
(traceback included) only in the structured log, never in Slack.

The Azure adapter and the store are built lazily on first use: `/vpn help` never loads
the Azure SDK, and a job that only reads never opens the store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.jobs import Job
from bot.logging import bind, command_span, get_logger
from bot.settings import Settings
from commands.catalog import REGISTRY
from commands.core.errors import AzureFailure, UsageError
from commands.core.port import AzurePort, Messenger
from commands.core.registry import Ctx, Registry
from commands.core.reply import Context, Reply, Text, code, error_reply, esc
from commands.core.store import StoreError

log = get_logger(__name__)

_FAILURE_TITLE = {
    "forbidden": "Azure refused the bot access",
    "not_found": "Not found in Azure",
    "throttled": "Azure is throttling the bot",
    "unavailable": "Azure is not answering properly",
    "timeout": "Azure did not answer in time",
    "conflict": "Azure refused the change",
    "bad_request": "Azure refused the request",
    "unauthenticated": "The bot could not sign in to Azure",
    "failed": "An Azure operation failed",
}


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
    client: Any = None  # slack_sdk.WebClient
    azure: Any = None  # commands.core.port.AzurePort; built from settings when None
    store: Any = None  # commands.core.store.Store; opened from settings when None
    messenger_factory: Callable[[Job, Deps], Messenger] | None = None
    registry: Registry = REGISTRY  # the commands, buttons and shortcuts jobs may name
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Deps:
        return cls(settings=settings, **overrides)

    def slack(self) -> Any:
        with self._lock:
            if self.client is None:
                from slack_sdk.web import WebClient

                kwargs: dict[str, Any] = {"token": self.settings.bot_token or None}
                if self.settings.slack_api_url:
                    kwargs["base_url"] = self.settings.slack_api_url
                self.client = WebClient(**kwargs)
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

    def messenger_for(self, job: Job) -> Messenger:
        if self.messenger_factory is not None:
            return self.messenger_factory(job, self)
        from bot.slack.messenger import SlackMessenger

        return SlackMessenger(
            self.slack(),
            response_url=job.response_url,
            channel=job.channel,
            user=job.user,
            replace_ack=job.kind == "command",
            thread_ts=job.thread_ts,
            progress_every_s=self.settings.progress_every_s,
            created_at=job.created_at,
        )


def build_ctx(job: Job, deps: Deps, out: Messenger) -> Ctx:
    return Ctx(
        azure=deps.azure_port(),
        out=out,
        user=job.user,
        user_name=job.user_name,
        team=job.team,
        channel=job.channel,
        settings=deps.settings.domain(),
        store=deps.store_port(),
        registry=deps.registry,
    )


def run_job(job: Job, deps: Deps) -> None:
    """Run `job` and answer the user. Never raises: every failure becomes an answer."""
    with bind(job_id=job.id, kind=job.kind, user=job.user, team=job.team, channel=job.channel):
        out = deps.messenger_for(job)
        try:
            with command_span(log, command=job.name) as span:
                reply = _run(job, deps, out, span)
                if reply is not None:
                    out.respond(reply)
        except Exception as exc:  # the user still gets an answer; details go to the log
            log.exception("job_failed", error_id=job.id, error=type(exc).__name__)
            try:
                out.respond(internal_error_reply(job))
            except Exception:  # Slack itself failing: nothing more we can tell the user
                log.exception("job_failed_unanswered", error_id=job.id)


def _run(job: Job, deps: Deps, out: Messenger, span: dict[str, Any]) -> Reply | None:
    try:
        ctx = build_ctx(job, deps, out)
        if job.kind == "command":
            cmd = deps.registry.command(job.name)
            if cmd is None:
                span["outcome"] = "usage_error"
                return error_reply(f"Unknown command {code(job.name)}.", "Type `/vpn help` for the list.", "/vpn help")
            return cmd(ctx, job.text)
        if job.kind == "action":
            act = deps.registry.action(job.name)
            if act is None:
                span["outcome"] = "usage_error"
                return error_reply(
                    "This button is no longer handled by vpnops.",
                    "Run the command again to get a fresh message.",
                    "/vpn help",
                )
            return act(ctx, job.text, job.message_ref)
        sc = deps.registry.shortcut(job.name)
        if sc is None:
            span["outcome"] = "usage_error"
            return error_reply("This shortcut is no longer handled by vpnops.", "Type `/vpn help` for what it can do.")
        return sc(ctx, job.text)
    except UsageError as exc:
        span["outcome"] = "usage_error"
        return error_reply(exc.message, exc.hint, exc.example)
    except AzureFailure as exc:
        span.update(outcome="azure_failure", failure=exc.kind, code=exc.code)
        return azure_failure_reply(exc)
    except StoreError as exc:
        span.update(outcome="store_failure", error=type(exc).__name__)
        log.warning("store_failed", message=str(exc))
        return Reply(
            fallback="vpnops could not reach its state store",
            visibility="ephemeral",
        ).add(
            Text(f":x: *vpnops could not reach its state store*: {esc(exc)}"),
            Text("Nothing was changed. Try again shortly; if it persists, check the store setting `VPNOPS_STORE`."),
        )
    except SlackApiError as exc:
        error = str(getattr(exc, "response", {}).get("error", "unknown"))
        span.update(outcome="slack_failure", slack_error=error)
        return slack_failure_reply(error, job)


def azure_failure_reply(exc: AzureFailure) -> Reply:
    """An AzureFailure as an answer the user can act on."""
    title = _FAILURE_TITLE.get(exc.kind, _FAILURE_TITLE["failed"])
    head = f":x: *{title}*"
    if exc.target:
        head += f" — {code(exc.target)}"
    r = Reply(fallback=f"{title}: {exc.target or exc.code or exc.kind}", visibility="ephemeral").add(Text(head))
    detail = " ".join(x for x in (f"`{esc(exc.code)}`" if exc.code else "", esc(exc.message)) if x)
    if detail:
        r.add(Text(f"Azure said: {detail}"))
    r.add(Text(f"*What to do:* {exc.advice}"))
    return r


def slack_failure_reply(error: str, job: Job) -> Reply:
    advice = {
        "not_in_channel": "Invite the bot to the channel (`/invite @vpnops`) and try again.",
        "channel_not_found": "The channel does not exist or the bot cannot see it; check VPNOPS_ALERT_CHANNEL.",
        "missing_scope": "The Slack app lacks a permission (scope); reinstall it from deploy/slack/manifest.",
        "invalid_auth": "The bot token is wrong; check SLACK_BOT_TOKEN.",
        "ratelimited": "Slack is rate-limiting the bot; try again in a minute.",
    }.get(error, "Try again; if it persists, ask the workspace admin to check the vpnops app.")
    return Reply(fallback=f"Slack refused the bot's message: {error}", visibility="ephemeral").add(
        Text(f":x: *Slack refused the bot's message* (`{esc(error)}`)."), Text(advice)
    )


def internal_error_reply(job: Job) -> Reply:
    r = Reply(fallback=f"vpnops hit an internal error (id {job.id})", visibility="ephemeral").add(
        Text(f":x: vpnops hit an internal error (id `{job.id}`); nothing was changed by this error.")
    )
    if job.kind == "action":
        r.add(Context("If you clicked on a request, `/vpn requests` shows its current state."))
    else:
        r.add(Context("Try again; if it happens again, give the id to whoever runs the bot."))
    return r


def sweep_requests(deps: Deps, messenger: Messenger | None = None) -> list[str]:
    """The timer's housekeeping for change requests (`commands.approvals.sweep`): expire due
    requests, finish applies a crashed process left half done, post outcomes that were lost.
    Without it a request nobody touches again would stay "pending" past its expiry in the
    list, and an interrupted apply would wait for the next click. Never raises: the timer
    must keep its schedule, so a failure is logged and the next run tries again."""
    from commands.approvals import sweep

    if messenger is None:
        from bot.slack.messenger import SlackMessenger

        messenger = SlackMessenger(deps.slack())
    try:
        ctx = Ctx(azure=deps.azure_port(), out=messenger, settings=deps.settings.domain(), store=deps.store_port())
        lines = sweep(ctx)
    except (AzureFailure, StoreError, SlackApiError, OSError) as exc:
        log.error("sweep_failed", error_type=type(exc).__name__, error=str(exc))
        return []
    if lines:
        log.info("sweep_done", changed=len(lines), requests=lines)
    return lines
