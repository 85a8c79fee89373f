"""Buttons (block_actions): ack at once, then the action runs as a Job.

One listener for every action_id: the worker looks the action up in the registry, so a
button from an older message still gets an answer ("no longer handled") instead of
Slack's error icon.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.logging import get_logger
from bot.runtime.jobs import Dispatcher, Job
from bot.slack.listeners.interactive import sender, submit_then_ack

log = get_logger(__name__)


def register(app: App, dispatcher: Dispatcher) -> None:
    def on_action(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        handle_action(ack, body, respond, dispatcher)

    app.action(re.compile(r".+"))(on_action)


def job_from_block_actions(body: dict[str, Any]) -> Job:
    """The Job for a block_actions payload (the shape Slack posts as `payload=`)."""
    action = (body.get("actions") or [{}])[0]
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    ts = str(container.get("message_ts") or message.get("ts") or "")
    return Job(
        kind="action",
        name=str(action.get("action_id") or ""),
        text=str(action.get("value") or ""),
        channel=channel,
        message_ref=f"{channel}:{ts}" if channel and ts else "",
        thread_ts=str(message.get("thread_ts") or container.get("thread_ts") or ""),
        **sender(body),
    )


def handle_action(ack: Ack, body: dict[str, Any], respond: Respond, dispatcher: Dispatcher) -> None:
    submit_then_ack(
        ack,
        respond,
        dispatcher,
        job_from_block_actions(body),
        log,
        ":x: vpnops could not handle that click: its job queue is unavailable. Nothing was done; "
        "click again in a minute.",
        replace_original=False,
    )
