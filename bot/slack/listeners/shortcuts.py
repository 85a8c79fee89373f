"""Message shortcuts (e.g. "Check VPN client log" on a pasted log): ack, then a Job."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.jobs import Dispatcher, Job, delivery_job_id
from bot.logging import get_logger
from commands.registry import SHORTCUTS

log = get_logger(__name__)


def register(app: App, dispatcher: Dispatcher) -> None:
    def on_shortcut(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        handle_shortcut(ack, body, respond, dispatcher)

    for callback_id in SHORTCUTS:
        app.message_shortcut(callback_id)(on_shortcut)
    app.message_shortcut(re.compile(r".+"))(on_shortcut)


def job_from_message_action(body: dict[str, Any]) -> Job:
    message = body.get("message") or {}
    user = body.get("user") or {}
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str(body.get("message_ts") or message.get("ts") or "")
    team = (body.get("team") or {}).get("id") or (body.get("enterprise") or {}).get("id") or user.get("team_id") or ""
    return Job(
        kind="shortcut",
        name=str(body.get("callback_id") or ""),
        text=str(message.get("text") or ""),
        user=str(user.get("id") or ""),
        user_name=str(user.get("username") or user.get("name") or ""),
        team=str(team),
        channel=channel,
        response_url=str(body.get("response_url") or ""),
        message_ref=f"{channel}:{ts}" if channel and ts else "",
        id=delivery_job_id(str(body.get("trigger_id") or "")),
        thread_ts=str(message.get("thread_ts") or ""),
    )


def handle_shortcut(ack: Ack, body: dict[str, Any], respond: Respond, dispatcher: Dispatcher) -> None:
    job = job_from_message_action(body)
    try:
        dispatcher.submit(job)
    except Exception as exc:  # tell the user nothing happened
        log.exception("dispatch_failed", job_id=job.id, shortcut=job.name, error=type(exc).__name__)
        ack()
        respond(text=":x: vpnops could not start that shortcut; try again in a minute.", response_type="ephemeral")
        return
    ack()
    log.info("shortcut_acked", job_id=job.id, shortcut=job.name, user=job.user, team=job.team)
