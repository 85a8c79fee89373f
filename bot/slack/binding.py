"""Every request from Slack is bound to this app's installation before a listener runs.

Bolt has verified the signature by the time this runs, so the body is Slack's. What the
signature does not say is that the request is for *this* installation: one signing secret
serves an app wherever it is installed, and a payload says which app and which
workspace it came with. What Slack sends (docs.slack.dev "block_actions payload",
"Slash commands"; bolt-python's `slack_bolt.request.internals`):

* `api_app_id` — the app the request is for, in slash commands and every interaction;
* slash commands: `team_id` (the workspace the command ran in) and `enterprise_id` /
  `is_enterprise_install` (org-wide installs). A command is only offered in workspaces
  where the app is installed, so one of them is the installation;
* interactions: `team` (`{id, domain, enterprise_id?}`, null for an org-wide install),
  `enterprise`, `is_enterprise_install`, `user.team_id`. In a Slack Connect channel the
  clicker's own workspace legitimately differs from the installation's (bolt-python
  issue #767: a user of another workspace clicking a button in a shared channel), so
  the clicked message's `team` — the workspace of the bot that posted it — counts too;
  and views carry `view.app_installed_team_id` for the same reason;
* Events API payloads carry `authorizations[]` (not used here: vpnops takes no events).

So a request is refused (no job, `slack_request_refused` in the log) when SLACK_APP_ID is
set and `api_app_id` differs, or SLACK_TEAM_ID is set and none of the ids above is it, or
its `response_url` is not on Slack's hooks host (`bot.slack.hooks`). Which request a
click may act on — its request's channel and message — is the domain's check
(`commands/peering/buttons.py`, `commands/alerts/buttons.py`), against what the bot posted.

On Functions a configuration error (`Settings.errors`, e.g. an approver id that is not a
Slack user id) is the answer to every slash command, instead of a job.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.logging import get_logger
from bot.settings import Settings
from bot.slack.hooks import response_url_problem

log = get_logger(__name__)


def _id(value: Any) -> str:
    return value if isinstance(value, str) else ""


def installation_ids(body: dict[str, Any]) -> set[str]:
    """Every workspace / org id a request names as where it comes from (see the module
    docstring): the installation is one of them."""
    ids = {_id(body.get("team_id")), _id(body.get("enterprise_id"))}
    team = body.get("team")
    if isinstance(team, dict):
        ids |= {_id(team.get("id")), _id(team.get("enterprise_id"))}
    else:
        ids.add(_id(team))
    enterprise = body.get("enterprise")
    if isinstance(enterprise, dict):
        ids.add(_id(enterprise.get("id")))
    user = body.get("user")
    if isinstance(user, dict):
        ids.add(_id(user.get("team_id")))
    message = body.get("message")
    if isinstance(message, dict):
        ids.add(_id(message.get("team")))
    view = body.get("view")
    if isinstance(view, dict):
        ids |= {_id(view.get("app_installed_team_id")), _id(view.get("team_id"))}
    ids.discard("")
    return ids


def refusal(body: dict[str, Any], settings: Settings) -> str | None:
    """Why this (verified) request is not for this installation, or None when it is."""
    app_id = _id(body.get("api_app_id"))
    if settings.slack_app_id and app_id != settings.slack_app_id:
        return "another_app"
    if settings.slack_team_id and settings.slack_team_id not in installation_ids(body):
        return "another_installation"
    if response_url_problem(_id(body.get("response_url")), settings.slack_api_url):
        return "response_url_not_slack"
    return None


def _is_command(body: dict[str, Any]) -> bool:
    return bool(body.get("command")) and "type" not in body


def _answer(text: str) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps({"response_type": "ephemeral", "text": text}),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def register(app: App, settings: Settings) -> None:
    """Add the binding as a global middleware (it runs after Bolt's signature check)."""

    def bind_to_installation(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        reason = refusal(body, settings)
        user = body.get("user_id") or (body.get("user") or {}).get("id") or ""
        if reason:
            log.warning(
                "slack_request_refused",
                reason=reason,
                app=_id(body.get("api_app_id")),
                teams=sorted(installation_ids(body)),
                user=str(user),
            )
            if _is_command(body):
                return _answer(
                    ":no_entry: vpnops does not answer requests from this app or workspace. Nothing was run."
                )
            return BoltResponse(status=200, body="")
        if settings.errors and _is_command(body):
            log.error("slash_command_refused_misconfigured", errors=len(settings.errors), user=str(user))
            return _answer(":x: vpnops is misconfigured, so nothing was run: " + " ".join(settings.errors))
        next()
        return None

    app.use(bind_to_installation)
