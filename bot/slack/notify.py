"""Telling a user their job failed when no job is running any more (the poison queue, a
job cut short): through the interaction's response_url, else an ephemeral message."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from bot.logging import get_logger
from bot.runtime.jobs import Job
from bot.slack.render import render
from commands.core.reply import Reply

log = get_logger(__name__)


def notify(job: Job, reply: Reply, client: WebClient) -> bool:
    """Show `reply` to the asker of `job`, once. Returns True when Slack accepted it.
    Never raises: this runs when everything else has already gone wrong."""
    msg = render(reply).messages[0]
    if job.response_url:
        try:
            resp = WebhookClient(job.response_url, timeout=5).send_dict(
                {"text": msg.text, "blocks": msg.blocks, "response_type": "ephemeral", "replace_original": False}
            )
            if resp.status_code == 200:
                return True
            log.warning("notify_failed_response_url_refused", status=resp.status_code, **job.log_fields())
        except Exception as exc:  # noqa: BLE001 - fall through to the Web API
            log.warning("notify_failed_response_url_error", error=type(exc).__name__, **job.log_fields())
    if job.channel and job.user and client.token:
        try:
            client.chat_postEphemeral(channel=job.channel, user=job.user, text=msg.text, blocks=msg.blocks)
            return True
        except SlackApiError as exc:
            log.error("notify_failed_undeliverable", error=exc.response.get("error", "unknown"), **job.log_fields())
        except Exception as exc:  # noqa: BLE001 - never raise from the poison handler
            log.error("notify_failed_undeliverable", error=type(exc).__name__, **job.log_fields())
    else:
        log.error("notify_failed_undeliverable", error="no response_url, channel or token", **job.log_fields())
    return False
