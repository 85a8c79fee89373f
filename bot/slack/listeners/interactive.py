"""What buttons (block_actions) and message shortcuts (message_action) share.

Both interactive payloads name the user, team, response_url and trigger_id the same way,
and both must be acked within Slack's 3 s whether or not the job could be queued: a click
or shortcut whose job cannot start is told so (ephemeral), never left to time out.
"""

from __future__ import annotations

from typing import Any, TypedDict

from slack_bolt import Ack, Respond

from bot.runtime.jobs import Dispatcher, Job, delivery_job_id


class Sender(TypedDict):
    user: str
    user_name: str
    team: str
    response_url: str
    id: str
    app_id: str
    enterprise: str


def sender(body: dict[str, Any]) -> Sender:
    """The Job fields an interactive payload carries: who (and from which workspace: in a
    Slack Connect channel the clicker's own), which app and org, where to answer. The job
    id comes from trigger_id so Slack's retry of one click is one job."""
    user = body.get("user") or {}
    team = user.get("team_id") or (body.get("team") or {}).get("id") or (body.get("enterprise") or {}).get("id") or ""
    return Sender(
        user=str(user.get("id") or ""),
        user_name=str(user.get("username") or user.get("name") or ""),
        team=str(team),
        response_url=str(body.get("response_url") or ""),
        id=delivery_job_id(str(body.get("trigger_id") or "")),
        app_id=str(body.get("api_app_id") or ""),
        enterprise=str((body.get("enterprise") or {}).get("id") or ""),
    )


def submit_then_ack(
    ack: Ack, respond: Respond, dispatcher: Dispatcher, job: Job, log: Any, failure: str, **respond_args: Any
) -> None:
    """Queue `job`, then ack; when it cannot be queued, ack and answer `failure` (ephemeral)."""
    what = {job.kind: job.name}  # action=… / shortcut=… in the logs
    try:
        dispatcher.submit(job)
    except Exception as exc:  # tell the user nothing happened
        log.exception("dispatch_failed", job_id=job.id, **what, error=type(exc).__name__)
        ack()
        respond(text=failure, response_type="ephemeral", **respond_args)
        return
    ack()
    log.info(f"{job.kind}_acked", job_id=job.id, **what, user=job.user, team=job.team)
