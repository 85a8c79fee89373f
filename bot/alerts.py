"""`POST /api/alerts`: Azure Monitor action-group webhooks (common alert schema) into Slack.

Who may call: the Functions host enforces the function key (`?code=…`, AuthLevel.FUNCTION),
and this handler a shared token in the URL (`?token=…` = VPNOPS_ALERT_TOKEN), compared in
constant time. A body that is too large gets 413, one that is not JSON or not the common
alert schema gets 400 with the reason; nothing is posted for any of them.

What is posted: one message to VPNOPS_ALERT_CHANNEL per delivery — fired or resolved,
severity, resource, the condition with the values that crossed it, start time, a link to
the alert, and buttons (Status for a gateway or connection, Acknowledge, Mute). A resolved
alert answers in the thread of its fired message when the store knows it, and marks that
message resolved; service health updates of one incident (tracking id) share a thread.

Azure Monitor retries a webhook on 408, 429, 503 and 504 ("action groups" docs): a
delivery already posted is recognised (store claim) and answered 200 without posting
again, and a failure to post (Slack or the store down) answers 503 so it is retried.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.logging import get_logger
from commands.alerts import (
    NS_SEEN,
    NS_THREAD,
    Alert,
    AlertSchemaError,
    alert_card,
    mark_resolved,
    message_reply,
    message_state,
    mute_of,
    parse_body,
    remember_message,
    resolved_note,
    resolved_reply,
)
from commands.core.port import Messenger
from commands.core.store import ANY_ETAG, Store, StoreConflict, StoreError

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
        result = deliver(alert, settings.alert_channel, store, out, clock())
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


def _slack_messenger(deps: Deps) -> Messenger:
    from bot.slack.messenger import SlackMessenger

    return SlackMessenger(deps.slack())


def deliver(alert: Alert, channel: str, store: Store, out: Messenger, now: datetime) -> WebhookResponse:
    """Post a parsed alert once. Raises StoreError when the store cannot be used."""
    seen = alert.delivery_key
    try:
        store.put_state(NS_SEEN, seen, {"at": now.isoformat(), "rule": alert.rule[:200]}, etag=None)
    except StoreConflict:
        return WebhookResponse(200, {"ok": True, "outcome": "duplicate"})

    def release() -> None:
        # Posting failed: forget the delivery, so Azure Monitor's retry posts it.
        try:
            store.delete_state(NS_SEEN, seen)
        except StoreError as exc:
            log.warning("alert_release_failed", error=type(exc).__name__)

    card = alert_card(alert)
    thread_rec = store.get_state(NS_THREAD, alert.thread_key)
    thread = str(thread_rec.value.get("ref") or "") if thread_rec is not None else ""
    if not (alert.resolved and thread):
        # A resolution in a known thread is always answered (it is quiet good news); a new
        # message about a muted resource is not posted until the mute ends.
        muted = mute_of(store, card.subject, now)
        if muted is not None:
            return WebhookResponse(200, {"ok": True, "outcome": "muted", "until": muted.get("until")})
    try:
        if alert.resolved and thread:
            ref = out.post(channel, resolved_reply(alert), thread=thread)
        else:
            ref = out.post(channel, message_reply(message_state(card)), thread=thread or None)
    except Exception as exc:  # noqa: BLE001 - Slack refused or was unreachable: let Azure Monitor retry
        release()
        log.error("alert_post_failed", error=type(exc).__name__, detail=_slack_error(exc), rule=alert.rule)
        return _refuse(503, "slack_unavailable", "Slack did not take the message; the alert will be retried.")
    if alert.resolved and thread:
        state = mark_resolved(store, thread, resolved_note(alert.resolved_at or now, alert.fired_at))
        if state is not None:
            try:
                out.update(thread, message_reply(state))
            except Exception as exc:  # noqa: BLE001 - the answer is in the thread already
                log.warning("alert_message_update_failed", error=type(exc).__name__, detail=_slack_error(exc))
        return WebhookResponse(200, {"ok": True, "outcome": "resolved_in_thread", "message": ref})
    remember_message(store, ref, card)
    if not thread:
        store.put_state(NS_THREAD, alert.thread_key, {"ref": ref, "at": now.isoformat()}, ANY_ETAG)
    return WebhookResponse(200, {"ok": True, "outcome": "in_thread" if thread else "posted", "message": ref})


def _slack_error(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    try:
        return str(response.get("error", "")) if response is not None else ""
    except Exception:  # noqa: BLE001 - only for the log line
        return ""
