"""Buttons (block_actions): ack at once, then the registered action runs as a Job.

One listener per `commands.registry.ACTIONS` id, and a last catch-all so a button from an
older message still gets an answer ("no longer handled") instead of Slack's error icon.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.jobs import Dispatcher, Job, delivery_job_id
from bot.logging import get_logger
from commands.registry import ACTIONS

log = get_logger(__name__)


def register(app: App, dispatcher: Dispatcher) -> None:
    def on_action(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        handle_action(ack, body, respond, dispatcher)

    for action_id in ACTIONS:
        app.action(action_id)(on_action)
    app.action(re.compile(r".+"))(on_action)


def job_from_block_actions(body: dict[str, Any]) -> Job:
    """The Job for a block_actions payload (the shape Slack posts as `payload=`)."""
    action = (body.get("actions") or [{}])[0]
    container = body.get("container") or {}
    message = body.get("message") or {}
    user = body.get("user") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    ts = str(container.get("message_ts") or message.get("ts") or "")
    team = (body.get("team") or {}).get("id") or (body.get("enterprise") or {}).get("id") or user.get("team_id") or ""
    return Job(
        kind="action",
        name=str(action.get("action_id") or ""),
        text=str(action.get("value") or ""),
        user=str(user.get("id") or ""),
        user_name=str(user.get("username") or user.get("name") or ""),
        team=str(team),
        channel=channel,
        response_url=str(body.get("response_url") or ""),
        message_ref=f"{channel}:{ts}" if channel and ts else "",
        id=delivery_job_id(str(body.get("trigger_id") or "")),
        thread_ts=str(message.get("thread_ts") or container.get("thread_ts") or ""),
    )


def handle_action(ack: Ack, body: dict[str, Any], respond: Respond, dispatcher: Dispatcher) -> None:
    job = job_from_block_actions(body)
    try:
        dispatcher.submit(job)
    except Exception as exc:  # tell the clicker nothing happened
        log.exception("dispatch_failed", job_id=job.id, action=job.name, error=type(exc).__name__)
        ack()
        respond(
            text=":x: vpnops could not handle that click: its job queue is unavailable. Nothing was done; "
            "click again in a minute.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    ack()
    log.info("action_acked", job_id=job.id, action=job.name, user=job.user, team=job.team)
