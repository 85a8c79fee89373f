"""What alerts keep in the store: posted messages, mutes, deliveries seen, threads.

Namespaces (commands.core.store: letters, digits, `_ . -`):

* `alert.msg` — message ref → {"card": …, "acked_by": …, "muted_until": …, "resolved": …}:
  a posted alert message, so its buttons can re-render it;
* `alert.mute` — rid_key(subject) → {"until": iso, "by": user, "at": iso, "label": name}:
  a mute silences the watch and the webhooks for that resource until it ends;
* `alert.seen` — delivery key → {}: a webhook delivered twice is posted once;
* `alert.thread` — thread key → {"ref": "C:TS"}: where a resolved alert answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from commands.alerts.card import AlertCard, message_state
from commands.core.model import rid_key
from commands.core.registry import Ctx
from commands.core.store import ANY_ETAG, Store, StoreError, update_state
from commands.watch.state import parse_time

NS_MESSAGE = "alert.msg"
NS_MUTE = "alert.mute"
NS_SEEN = "alert.seen"
NS_THREAD = "alert.thread"

MUTE_1H = timedelta(hours=1)
MUTE_24H = timedelta(hours=24)


def require_store(ctx: Ctx) -> Store:
    """The state store alerts live in; a StoreError (worded by the failure policy) without one."""
    if ctx.store is None:
        raise StoreError("no state store is configured (VPNOPS_STORE)")
    store: Store = ctx.store
    return store


def active_mutes(store: Store, now: datetime) -> dict[str, dict[str, Any]]:
    """Every mute still running: {rid_key(subject): record}."""
    out: dict[str, dict[str, Any]] = {}
    for rec in store.list_state(NS_MUTE):
        until = parse_time(rec.value.get("until"))
        if until is not None and until > now:
            out[rec.key] = dict(rec.value)
    return out


def mute_of(store: Store, subject: str, now: datetime) -> dict[str, Any] | None:
    """The running mute of `subject`, if any."""
    if not subject:
        return None
    rec = store.get_state(NS_MUTE, rid_key(subject))
    if rec is None:
        return None
    until = parse_time(rec.value.get("until"))
    return dict(rec.value) if until is not None and until > now else None


def remember_message(store: Store, ref: str, card: AlertCard, extra: Mapping[str, Any] | None = None) -> None:
    """Keep a posted alert message's card, so its buttons can re-render it."""
    value = message_state(card)
    value.update(extra or {})
    store.put_state(NS_MESSAGE, ref, value, ANY_ETAG)


def mark_resolved(store: Store, ref: str, note: str) -> dict[str, Any] | None:
    """Record on a posted alert message that it recovered; returns its state to re-render."""

    def change(v: dict[str, Any]) -> dict[str, Any] | None:
        if not v:
            return None
        v["resolved"] = note
        return v

    return update_state(store, NS_MESSAGE, ref, change)
