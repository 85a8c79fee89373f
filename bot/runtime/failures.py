"""The one policy that turns a failure into an answer, whatever raised it.

A command that cannot go on raises; the worker hands the exception to `reply_for`, which
words it the same way every time: what failed (and on what), what the service said, and
what the user can do. Failures that are part of an answer (one gateway of forty could not
be read) stay in that answer; this is for the job itself failing.

* `UsageError` — the input: what was wrong, what would be right, an example;
* `AzureFailure` — Azure refused or did not answer: its code and message, and the advice
  for that kind of failure (`AzureFailure.advice`);
* `StoreError` — the bot's own state store: nothing was changed;
* `MessengerError` — Slack refused a message: why, and what to fix;
* anything else — an internal error with an id; the traceback goes to the log only;
* a queued job that failed for good or was cut short (`failed_reply`).
"""

from __future__ import annotations

from bot.runtime.jobs import Job
from commands.core.errors import AzureFailure, UsageError
from commands.core.port import MessengerError
from commands.core.reply import Context, Reply, Text, error_reply
from commands.core.store import StoreError
from commands.core.text import Icon, code, rich, strong

_AZURE_TITLE = {
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

_SLACK_ADVICE = {
    "not_in_channel": rich("Invite the bot to the channel (", code("/invite @vpnops"), ") and try again."),
    "channel_not_found": rich("The channel does not exist or the bot cannot see it; check VPNOPS_ALERT_CHANNEL."),
    "missing_scope": rich("The Slack app lacks a permission (scope); reinstall it from deploy/slack/manifest."),
    "invalid_auth": rich("The bot token is wrong; check SLACK_BOT_TOKEN."),
    "ratelimited": rich("Slack is rate-limiting the bot; try again in a minute."),
}


def outcome_of(exc: BaseException) -> str:
    """The log's `outcome` for a job that ended with `exc`."""
    if isinstance(exc, UsageError):
        return "usage_error"
    if isinstance(exc, AzureFailure):
        return "azure_failure"
    if isinstance(exc, StoreError):
        return "store_failure"
    if isinstance(exc, MessengerError):
        return "slack_failure"
    return "internal_error"


def reply_for(exc: BaseException, job: Job) -> Reply:
    """The answer to a job that failed with `exc`."""
    if isinstance(exc, UsageError):
        return error_reply(exc.message, exc.hint, exc.example)
    if isinstance(exc, AzureFailure):
        return azure_failure_reply(exc)
    if isinstance(exc, StoreError):
        return store_failure_reply(exc)
    if isinstance(exc, MessengerError):
        return slack_failure_reply(exc.code)
    return internal_error_reply(job)


def azure_failure_reply(exc: AzureFailure) -> Reply:
    """An AzureFailure as an answer the user can act on."""
    title = _AZURE_TITLE.get(exc.kind, _AZURE_TITLE["failed"])
    head = rich(Icon.FAILED, " ", strong(title))
    if exc.target:
        head += rich(" — ", code(exc.target))
    r = Reply(fallback=f"{title}: {exc.target or exc.code or exc.kind}", visibility="ephemeral").add(Text(head))
    said = rich(code(exc.code) if exc.code else None, " " if exc.code and exc.message else None, exc.message or None)
    if said:
        r.add(Text(rich("Azure said: ", said)))
    r.add(Text(rich(strong("What to do:"), " ", exc.advice)))
    return r


def store_failure_reply(exc: StoreError) -> Reply:
    return Reply(fallback="vpnops could not reach its state store", visibility="ephemeral").add(
        Text(rich(Icon.FAILED, " ", strong("vpnops could not reach its state store"), f": {exc}")),
        Text(
            rich(
                "Nothing was changed. Try again shortly; if it persists, check the store setting ",
                code("VPNOPS_STORE"),
                ".",
            )
        ),
    )


def slack_failure_reply(error: str) -> Reply:
    advice = _SLACK_ADVICE.get(
        error, rich("Try again; if it persists, ask the workspace admin to check the vpnops app.")
    )
    return Reply(fallback=f"Slack refused the bot's message: {error}", visibility="ephemeral").add(
        Text(rich(Icon.FAILED, " ", strong("Slack refused the bot's message"), " (", code(error), ").")), Text(advice)
    )


def internal_error_reply(job: Job) -> Reply:
    r = Reply(fallback=f"vpnops hit an internal error (id {job.id})", visibility="ephemeral").add(
        Text(
            rich(
                Icon.FAILED, " vpnops hit an internal error (id ", code(job.id), "); nothing was changed by this error."
            )
        )
    )
    if job.kind == "action":
        r.add(Context(rich("If you clicked on a request, ", code("/vpn requests"), " shows its current state.")))
    else:
        r.add(Context("Try again; if it happens again, give the id to whoever runs the bot."))
    return r


def unknown_name(job: Job) -> UsageError:
    """A job naming a command, button or shortcut this version does not have (a message
    queued by an older or newer version, a button on an old message)."""
    if job.kind == "command":
        return UsageError(
            rich("Unknown command ", code(job.name), "."),
            rich("Type ", code("/vpn help"), " for the list."),
            "/vpn help",
        )
    if job.kind == "action":
        return UsageError(
            "This button is no longer handled by vpnops.", "Run the command again to get a fresh message.", "/vpn help"
        )
    return UsageError(
        "This shortcut is no longer handled by vpnops.", rich("Type ", code("/vpn help"), " for what it can do.")
    )


def log_fields(exc: BaseException) -> dict[str, str]:
    """What the job's log line says about how it failed (never a secret: ARM's code and
    Slack's reason are public identifiers)."""
    if isinstance(exc, AzureFailure):
        return {"failure": exc.kind, "code": exc.code}
    if isinstance(exc, MessengerError):
        return {"slack_error": exc.code}
    if isinstance(exc, StoreError):
        return {"error": type(exc).__name__}
    return {}


def describe(job: Job) -> str:
    """What the user asked for, in their words (for "…failed" messages)."""
    if job.kind == "command":
        return f"/vpn {job.name} {job.text}".strip()
    if job.kind == "shortcut":
        from commands.catalog import REGISTRY  # on first use: this module is on the cold-start path

        sc = REGISTRY.shortcut(job.name)
        return f"the “{sc.title if sc else job.name}” shortcut"
    if job.kind == "delivery":
        return "an answer of vpnops"
    return "the button you clicked"


def failed_reply(job: Job, reason: str = "", reference: str = "") -> Reply:
    """A queued job failed for good, or stopped after it had started answering."""
    tail = "Try again in a minute; if it keeps failing, ask the bot's operators"
    text = rich(
        Icon.FAILED,
        f" Sorry — {describe(job)} failed and was not completed. {reason or 'It failed several times in a row.'} ",
        rich(tail, " (reference ", code(reference), ").") if reference else f"{tail}.",
    )
    return Reply(fallback=f"Sorry — {describe(job)} failed.", visibility="ephemeral").add(Text(text))
