"""`POST /api/alerts`: Azure Monitor action-group webhooks (common alert schema) into Slack.

Who may call: the Functions host enforces the function key (`?code=…`, AuthLevel.FUNCTION),
and this handler a shared token in the URL (`?token=…` = VPNOPS_ALERT_TOKEN), compared in
constant time. A body that is too large gets 413, one that is not JSON or not the common
alert schema gets 400 with the reason; nothing is posted for any of them.

A body that passes is decoded (`schema.py`) and handed to the domain's delivery
(`commands.alerts.deliver`): one message to VPNOPS_ALERT_CHANNEL per delivery, a
resolution in its fired message's thread, nothing for a muted resource or a retry.

Azure Monitor retries a webhook on 408, 429, 503 and 504 ("action groups" docs): a
delivery already posted is answered 200 without posting again, and a failure to post
(Slack or the store down) answers 503 so it is retried.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.logging import get_logger
from bot.monitor.schema import AlertSchemaError, parse_body
from commands.alerts.deliver import Delivery, deliver
from commands.changes.alerting import IncidentContext
from commands.core.port import Messenger
from commands.core.registry import Ctx
from commands.core.store import Store, StoreError

if TYPE_CHECKING:
    from bot.runtime.worker import Deps
    from bot.settings import Settings

log = get_logger(__name__)

# Azure Monitor's common-schema bodies are a few KB; the largest (log alerts with search
# results) stay well under this. Anything bigger is refused before it is parsed.
MAX_BODY_BYTES = 256 * 1024
TOKEN_PARAM = "token"


@dataclass(frozen=True)
class WebhookResponse:
    """What the HTTP function answers: a status and a small JSON document."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


def _refuse(status: int, error: str, reason: str) -> WebhookResponse:
    return WebhookResponse(status, {"ok": False, "error": error, "reason": reason})


def check_token(given: str, expected: str) -> bool:
    """The shared token, compared in constant time (hmac.compare_digest) so its value
    cannot be guessed byte by byte from response times."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def handle_webhook(
    body: bytes,
    query: Mapping[str, str],
    deps: Deps,
    *,
    settings: Settings | None = None,
    messenger: Messenger | None = None,
    now: Callable[[], datetime] | None = None,
) -> WebhookResponse:
    """Handle one delivery. Never raises: every outcome is a status and a reason.

    `settings` defaults to `deps.settings` (the console passes a copy with its own token);
    `messenger` to a Slack messenger on `deps.slack()`.
    """
    started = time.perf_counter()
    settings = settings or deps.settings
    clock = now or (lambda: datetime.now(UTC))
    if not settings.alert_token:
        log.error("alert_refused", reason="VPNOPS_ALERT_TOKEN not set")
        return _refuse(
            500,
            "misconfigured",
            "The alert endpoint has no VPNOPS_ALERT_TOKEN configured, so it accepts no alert. "
            "Set it, and append ?token=<the same value> to the webhook URL in the action group.",
        )
    if not check_token(str(query.get(TOKEN_PARAM) or ""), settings.alert_token):
        log.warning("alert_refused", reason="bad or missing token", status=401)
        return _refuse(
            401,
            "unauthorized",
            "Missing or wrong `token` query parameter. The action group's webhook URL must end with "
            "&token=<VPNOPS_ALERT_TOKEN>.",
        )
    if len(body) > MAX_BODY_BYTES:
        log.warning("alert_refused", reason="too large", size=len(body), status=413)
        return _refuse(
            413,
            "too_large",
            f"The body is {len(body)} bytes; alerts are accepted up to {MAX_BODY_BYTES} bytes.",
        )
    try:
        alert = parse_body(body)
    except AlertSchemaError as exc:
        log.warning("alert_refused", reason=exc.reason[:200], status=400)
        return _refuse(400, "bad_request", exc.reason)
    if not settings.alert_channel:
        log.error("alert_refused", reason="VPNOPS_ALERT_CHANNEL not set", rule=alert.rule)
        return _refuse(
            500,
            "misconfigured",
            "No alert channel is configured: set VPNOPS_ALERT_CHANNEL to the Slack channel id (e.g. C0123456789).",
        )
    try:
        store: Store = deps.store_port()
        out = messenger or _slack_messenger(deps)
        result = _response(
            deliver(alert, settings.alert_channel, store, out, clock(), log, _incident_context(deps, store, out, clock))
        )
    except StoreError as exc:
        log.error("alert_store_failed", error=type(exc).__name__, rule=alert.rule)
        return _refuse(503, "unavailable", "The bot's state store is unavailable; the alert will be retried.")
    log.info(
        "alert_handled",
        rule=alert.rule,
        condition=alert.condition,
        severity=alert.severity,
        outcome=result.body.get("outcome"),
        status=result.status,
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return result


def _incident_context(
    deps: Deps, store: Store, out: Messenger, clock: Callable[[], datetime]
) -> IncidentContext | None:
    """What changed before an alert and is it Azure (issue 22), read with the bot's Azure
    identity; None when the bot has no Azure port configured."""
    try:
        azure = deps.azure_port()
    except Exception as exc:  # noqa: BLE001 - no Azure: the alert is posted without its context
        log.warning("alert_context_unavailable", error=type(exc).__name__)
        return None
    return IncidentContext(Ctx(azure=azure, out=out, store=store, now=clock))


def _response(d: Delivery) -> WebhookResponse:
    """A delivery's outcome as the answer Azure Monitor gets (503 makes it retry)."""
    if d.outcome == "not_posted":
        return _refuse(503, "slack_unavailable", "Slack did not take the message; the alert will be retried.")
    body: dict[str, Any] = {"ok": True, "outcome": d.outcome}
    if d.outcome == "muted":
        body["until"] = d.until
    elif d.message:
        body["message"] = d.message
    return WebhookResponse(200, body)


def _slack_messenger(deps: Deps) -> Messenger:
    from bot.slack.messenger import SlackMessenger

    return SlackMessenger(deps.slack())
