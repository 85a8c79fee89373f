"""Refusals in the audit trail, at most one row per who-and-what per window.

A refused approval or mute is worth a row (someone tried), but a person — or a script
clicking through Slack — refusing a thousand times must not bury the trail: the first
refusal of a (actor, action, subject) writes its row; later ones within `WINDOW` only
count, and the next row written says how many were left out.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime, timedelta

from commands.core.store import ANY_ETAG, AuditEntry, Store, StoreConflict

NS_REFUSALS = "audit.refusals"
WINDOW = timedelta(minutes=10)


def _key(entry: AuditEntry) -> str:
    raw = "\x1f".join((entry.actor, entry.action, entry.subject, str(entry.request or "")))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def audit_refusal(store: Store, entry: AuditEntry, now: datetime, window: timedelta = WINDOW) -> bool:
    """Append `entry` unless one like it was written within `window`; True when written."""
    key = _key(entry)
    rec = store.get_state(NS_REFUSALS, key)
    if rec is not None and now < datetime.fromisoformat(str(rec.value.get("until") or "1970-01-01T00:00:00+00:00")):
        value = {**rec.value, "suppressed": int(rec.value.get("suppressed") or 0) + 1}
        try:
            store.put_state(NS_REFUSALS, key, value, rec.etag)
        except StoreConflict:
            pass  # counted by whoever won; the count is a hint, the row is what matters
        return False
    left_out = int(rec.value.get("suppressed") or 0) if rec is not None else 0
    try:
        # Conditional: of many refusals at once, one writes the row.
        store.put_state(
            NS_REFUSALS, key, {"until": (now + window).isoformat(), "suppressed": 0}, rec.etag if rec else None
        )
    except StoreConflict:
        return False
    if left_out:
        entry = dataclasses.replace(entry, note=f"{entry.note} ({left_out} more refused in the window before)".strip())
    store.append_audit(entry)
    return True


__all__ = ["ANY_ETAG", "NS_REFUSALS", "WINDOW", "audit_refusal"]
