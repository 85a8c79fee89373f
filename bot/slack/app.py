"""The Bolt app: `/vpn`, every registered button and message shortcut.

Slack drops an interaction it has no HTTP 200 for within 3 seconds, so listeners only
parse, ack and hand a `bot.runtime.jobs.Job` to the dispatcher; the work runs in `bot.runtime.worker`.
`process_before_response=True` makes Bolt send the ack only when the listener returns —
required on Azure Functions (nothing may run after the response) and harmless here since
listeners return in milliseconds.

Request verification (the `X-Slack-Signature` HMAC and the 5-minute timestamp window) is
always on: there is no setting to disable it.

Nothing heavy is imported on this path: no Azure SDK (a test imports this module in a fresh
interpreter, handles a request, and checks `azure.mgmt.network` was never loaded).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web import WebClient

from bot.runtime.jobs import Dispatcher
from bot.settings import SLACK_SIGNING_SECRET, Settings, SettingsError
from bot.slack.listeners import register_listeners
from commands.catalog import REGISTRY
from commands.core.registry import Registry

SLASH_COMMAND = "/vpn"


def create_app(
    settings: Settings, dispatcher: Dispatcher, client: WebClient | None = None, registry: Registry = REGISTRY
) -> App:
    """The Bolt app for `settings`, handing work to `dispatcher`; `registry` says which
    commands `/vpn` knows (the catalog, or a test's extension of it).

    With a bot token the app uses it (and `SLACK_API_URL` as the Web API base when set, so
    the sandbox's Slack emulator answers `auth.test`). Without one it still verifies and
    acks (an `authorize` function supplies the team), which is all the ack side needs.
    """
    if not settings.signing_secret:
        raise SettingsError(
            f"{SLACK_SIGNING_SECRET} is not set. Every request from Slack is verified with it: copy it from "
            "your Slack app's Basic Information → App Credentials → Signing Secret."
        )
    kwargs: dict[str, Any] = {
        "signing_secret": settings.signing_secret,
        "process_before_response": True,
        "request_verification_enabled": True,
        "logger": logging.getLogger("vpnops.bolt"),
        "name": "vpnops",
    }
    if settings.bot_token:
        # Bolt takes the token from the client (passing both only logs a warning).
        if client is None:
            client_kwargs: dict[str, Any] = {"token": settings.bot_token}
            if settings.slack_api_url:
                client_kwargs["base_url"] = settings.slack_api_url
            client = WebClient(**client_kwargs)
        kwargs["client"] = client
    else:
        kwargs["authorize"] = _ack_only_authorize
    app = App(**kwargs)
    from bot.slack import binding

    binding.register(app, settings)  # before any listener: this installation, Slack's response_url
    register_listeners(app, dispatcher, registry, settings.domain().notices)
    return app


def _ack_only_authorize(enterprise_id: str | None, team_id: str | None, **_: Any) -> AuthorizeResult:
    # No bot token: the app can verify, ack and dispatch; the worker posts with its own token.
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id)
