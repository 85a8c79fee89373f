"""`/vpn …`: parse, ack within Slack's 3 s, hand the work to the dispatcher.

Input that needs no Azure is answered in the ack itself: `/vpn`, `/vpn help [command]`,
and an unknown subcommand, in one line ("Unknown command `stauts`. Did you mean
`/vpn status <region|gateway>`? …", not the whole help).
Everything else acks "⏳ Working on …" (ephemeral) and becomes a Job.
"""

from __future__ import annotations

import time
from typing import Any

from slack_bolt import Ack, App

from bot.logging import get_logger
from bot.runtime.jobs import Dispatcher, Job, delivery_job_id
from bot.slack.inbound import from_slack
from bot.slack.mrkdwn import literal
from bot.slack.render import SlackMessage, render
from commands.core.parse import normalise, parse
from commands.core.registry import Registry
from commands.core.reply import Reply
from commands.help import help_reply, unknown_command

log = get_logger(__name__)

SLASH_COMMAND = "/vpn"


def register(app: App, dispatcher: Dispatcher, registry: Registry, notices: tuple[str, ...] = ()) -> None:
    @app.command(SLASH_COMMAND)
    def vpn_command(ack: Ack, body: dict[str, Any]) -> None:
        handle_command(ack, body, dispatcher, registry, notices)


def ack_body(msg: SlackMessage, visibility: str) -> dict[str, Any]:
    return {"text": msg.text, "blocks": msg.blocks, "response_type": visibility}


def _immediate(reply: Reply) -> dict[str, Any] | None:
    """The ack body answering `reply` at once, or None when it does not fit in one message."""
    rendered = render(reply)
    if len(rendered.messages) != 1 or rendered.files:
        return None
    return ack_body(rendered.messages[0], reply.visibility)


def handle_command(
    ack: Ack, body: dict[str, Any], dispatcher: Dispatcher, registry: Registry, notices: tuple[str, ...] = ()
) -> None:
    start = time.perf_counter()
    text = from_slack(str(body.get("text") or ""))
    user = str(body.get("user_id") or "")
    team = str(body.get("team_id") or body.get("enterprise_id") or "")
    parsed = parse(registry, text)
    fields = {"user": user, "team": team, "command": parsed.command or "unknown"}
    if not parsed.command:
        immediate = _immediate(unknown_command(registry, parsed.word, parsed.suggestion))
        if immediate is not None:
            ack(**immediate)
            log.info("slash_command_answered", outcome="unknown_command", typed=parsed.word[:40], **fields)
            return
    elif parsed.command == "help":
        immediate = _immediate(help_reply(registry, parsed.args, notices))
        if immediate is not None:
            ack(**immediate)
            log.info("slash_command_answered", outcome="help", **fields)
            return
    job = Job(
        kind="command",
        name=parsed.command or "help",
        text=parsed.args,
        user=user,
        user_name=str(body.get("user_name") or ""),
        team=team,
        channel=str(body.get("channel_id") or ""),
        response_url=str(body.get("response_url") or ""),
        id=delivery_job_id(str(body.get("trigger_id") or "")),
        app_id=str(body.get("api_app_id") or ""),
        enterprise=str(body.get("enterprise_id") or ""),
    )
    try:
        dispatcher.submit(job)
    except Exception as exc:  # the user must hear that nothing will happen
        log.exception("dispatch_failed", job_id=job.id, error=type(exc).__name__, **fields)
        ack(
            text=":x: vpnops could not start your command: its job queue is unavailable. Nothing was run; "
            "try again in a minute.",
            response_type="ephemeral",
        )
        return
    shown = normalise(text)
    shown = shown if len(shown) <= 120 else shown[:119] + "…"
    ack(text=f"⏳ Working on `{literal(f'{SLASH_COMMAND} {shown}')}`…", response_type="ephemeral")
    log.info("slash_command_acked", job_id=job.id, ack_ms=round((time.perf_counter() - start) * 1000, 1), **fields)
