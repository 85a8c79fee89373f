"""Message shortcuts (e.g. "Check VPN client log" on a pasted log): ack, then a Job.

One listener for every callback_id: the worker looks the shortcut up in the registry.
The message's text is handed on as the user wrote it (`from_slack`)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.logging import get_logger
from bot.runtime.jobs import Dispatcher, Job
from bot.slack.inbound import from_slack
from bot.slack.listeners.interactive import sender, submit_then_ack

log = get_logger(__name__)


def register(app: App, dispatcher: Dispatcher) -> None:
    def on_shortcut(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        handle_shortcut(ack, body, respond, dispatcher)

    app.message_shortcut(re.compile(r".+"))(on_shortcut)


def job_from_message_action(body: dict[str, Any]) -> Job:
    message = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str(body.get("message_ts") or message.get("ts") or "")
    return Job(
        kind="shortcut",
        name=str(body.get("callback_id") or ""),
        text=from_slack(str(message.get("text") or "")),
        channel=channel,
        message_ref=f"{channel}:{ts}" if channel and ts else "",
        thread_ts=str(message.get("thread_ts") or ""),
        **sender(body),
    )


def handle_shortcut(ack: Ack, body: dict[str, Any], respond: Respond, dispatcher: Dispatcher) -> None:
    submit_then_ack(
        ack,
        respond,
        dispatcher,
        job_from_message_action(body),
        log,
        ":x: vpnops could not start that shortcut; try again in a minute.",
    )
