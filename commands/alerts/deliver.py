"""Posting an Azure Monitor alert to the alert channel: once, in the right thread, or not at all.

One message per delivery — fired or resolved, severity, resource, the condition with the
values that crossed it, start time, a link to the alert, and buttons. A resolved alert
answers in the thread of its fired message when the store knows it, and marks that message
resolved; service health updates of one incident (tracking id) share a thread. A new
message about a muted resource is not posted until the mute ends.

Azure Monitor retries a webhook it got no answer to: a delivery already posted is
recognised (a create-only claim in the store) and not posted again; when posting fails the
claim is released, so the retry posts it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from commands.alerts.alert import Alert
from commands.alerts.card import AlertCard, alert_card, message_reply, message_state, resolved_note, resolved_reply
from commands.alerts.state import NS_SEEN, NS_THREAD, mark_resolved, mute_of, remember_message
from commands.changes.alerting import IncidentContext
from commands.core.port import Log, Messenger, MessengerError
from commands.core.reply import Reply
from commands.core.store import ANY_ETAG, Store, StoreError, claim
from commands.core.text import join, rich

Outcome = Literal["duplicate", "muted", "posted", "in_thread", "resolved_in_thread", "not_posted"]


@dataclass(frozen=True)
class Delivery:
    """What became of one delivery. `not_posted`: the chat service did not take the message
    (the delivery is released, so a retry posts it)."""

    outcome: Outcome
    message: str = ""  # the posted message's ref
    until: str = ""  # muted: when the mute ends


def deliver(
    alert: Alert,
    channel: str,
    store: Store,
    out: Messenger,
    now: datetime,
    log: Log,
    context: IncidentContext | None = None,
) -> Delivery:
    """Post a parsed alert once. Raises StoreError when the store cannot be used. `context`:
    what changed before it and is it Azure (issue 22), added once the alert is posted."""
    seen = alert.delivery_key
    if not claim(store, NS_SEEN, seen, {"at": now.isoformat(), "rule": alert.rule[:200]}):
        return Delivery("duplicate")

    card = alert_card(alert)
    thread_rec = store.get_state(NS_THREAD, alert.thread_key)
    thread = str(thread_rec.value.get("ref") or "") if thread_rec is not None else ""
    if not (alert.resolved and thread):
        # A resolution in a known thread is always answered (it is quiet good news); a new
        # message about a muted resource is not posted until the mute ends.
        muted = mute_of(store, card.subject, now)
        if muted is not None:
            return Delivery("muted", until=str(muted.get("until")))
    try:
        if alert.resolved and thread:
            ref = out.post(channel, resolved_reply(alert), thread=thread)
        else:
            ref = out.post(channel, message_reply(message_state(card)), thread=thread or None)
    except Exception as exc:  # noqa: BLE001 - Slack refused or was unreachable: let Azure Monitor retry
        _release(store, seen, log)
        log.error("alert_post_failed", error=type(exc).__name__, detail=_refusal(exc), rule=alert.rule)
        return Delivery("not_posted")
    if alert.resolved and thread:
        state = mark_resolved(store, thread, resolved_note(alert.resolved_at or now, alert.fired_at))
        if state is not None:
            try:
                out.update(thread, message_reply(state))
            except Exception as exc:  # noqa: BLE001 - the answer is in the thread already
                log.warning("alert_message_update_failed", error=type(exc).__name__, detail=_refusal(exc))
        return Delivery("resolved_in_thread", message=ref)
    remember_message(store, ref, card)
    if not thread:
        store.put_state(NS_THREAD, alert.thread_key, {"ref": ref, "at": now.isoformat()}, ANY_ETAG)
    if context is not None and not alert.resolved and _is_network(card.subject or alert.target):
        _add_context(context, alert, card, ref, channel, store, out, now, log)
    return Delivery("in_thread" if thread else "posted", message=ref)


def _is_network(resource_id: str) -> bool:
    """The VPN estate is Microsoft.Network: an alert about one of its resources gets what
    changed around it; others (a VM's CPU) are posted as they are."""
    return "/providers/microsoft.network/" in resource_id.lower()


def _add_context(
    context: IncidentContext,
    alert: Alert,
    card: AlertCard,
    ref: str,
    channel: str,
    store: Store,
    out: Messenger,
    now: datetime,
    log: Log,
) -> None:
    """The posted alert gains its most relevant recent change (and Azure's word) as a line;
    the rest goes in its thread. The alert is already posted: this never fails it (Azure
    Monitor must not retry a delivery that was posted)."""
    try:
        lines, more = context.lines([card.subject or alert.target], alert.fired_at or now)
        if lines:
            card = dataclasses.replace(card, details=(*card.details, join("\n", lines)))
            remember_message(store, ref, card)
            out.update(ref, message_reply(message_state(card)))
        if more:
            out.post(channel, Reply(fallback=rich("What changed before it"), parts=more), thread=ref)
    except Exception as exc:  # noqa: BLE001 - logged; the alert itself is posted
        log.warning("alert_context_failed", error=type(exc).__name__, rule=alert.rule)


def _release(store: Store, seen: str, log: Log) -> None:
    """Posting failed: forget the delivery, so Azure Monitor's retry posts it."""
    try:
        store.delete_state(NS_SEEN, seen)
    except StoreError as exc:
        log.warning("alert_release_failed", error=type(exc).__name__)


def _refusal(exc: Exception) -> str:
    """The chat service's reason for refusing, for the log line ("" when it gave none)."""
    return exc.code if isinstance(exc, MessengerError) else ""
