"""The store port: durable state the domain keeps between jobs.

Three kinds of state live behind this one interface, implemented by
`bot.store.sqlite.SqliteStore` (local default) and `bot.store.tables.TableStore`
(Azure Table Storage in production, Azurite in tests); both pass the same contract
suite (tests/integration/bot/store/test_store_contract.py).

* **Requests** (peering change requests): numbered #1, #2… by the store itself, so two
  requests filed at the same instant never share a number. Every write is conditional
  on the etag read before it (optimistic concurrency): of two clicks that both read
  "pending", exactly one can write "approved"; the other gets `StoreConflict`.
* **Audit**: an append-only trail. A request's state change and its audit row are
  written in ONE atomic write (`create_request` / `update_request` take the row), so the
  trail can never miss a transition nor record one that did not happen.
* **Keyed state** (`get_state` / `put_state`), generic, in namespaces: the watch's last
  sample per connection, open incidents, "one open request per peering" locks,
  idempotency claims for duplicated deliveries. `put_state` is conditional too:
  `etag=None` creates only when absent, `etag=ANY_ETAG` overwrites, any other etag
  writes only if the record is unchanged since it was read.

Values are JSON-serialisable dicts. Implementations are thread-safe and safe across
processes (several Function instances share one storage account).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# Pass as `etag` to `put_state` / `delete_state` to write whatever is there.
ANY_ETAG = "*"

# Namespaces become Azure Table partition keys: keep them to a safe alphabet.
_NAMESPACE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class StoreError(Exception):
    """The store could not do what was asked (unreachable, refused, corrupt). The message
    says what was attempted; it never holds a connection string or key."""


class StoreConflict(StoreError):
    """A conditional write lost: the record changed since it was read (etag mismatch),
    or it already exists (create), or it is gone (update/delete with an etag)."""


@dataclass(frozen=True)
class RequestRecord:
    """A stored request: `state` is indexed (list by state); `body` is the domain's dict."""

    number: int
    state: str
    body: dict[str, Any]
    etag: str
    updated_at: str = ""  # ISO 8601 UTC, set by the store


@dataclass(frozen=True)
class AuditEntry:
    """One row of the append-only trail: who did what to which thing, with before/after.

    `subject` is the thing acted on (an ARM id, a connection id); `scope` holds other ids
    the row should be found by (e.g. both VNets of a peering), space-separated, so
    `/vpn audit <vnet>` finds it from either side. `id` is assigned by the store.
    """

    at: datetime
    actor: str  # Slack user id, or "vpnops" for the bot itself (expiry, recovery)
    action: str  # requested | approved | rejected | cancelled | expired | applying | applied | failed | …
    subject: str = ""
    scope: str = ""
    request: int | None = None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    id: str = ""

    def matches(self, needle: str) -> bool:
        """Case-insensitive substring match on subject and scope ("" matches all)."""
        n = needle.lower()
        return not n or n in self.subject.lower() or n in self.scope.lower()


@dataclass(frozen=True)
class StateRecord:
    namespace: str
    key: str
    value: dict[str, Any]
    etag: str
    updated_at: str = ""


class Store(Protocol):
    # --- requests ----------------------------------------------------------------------
    def create_request(self, state: str, body: dict[str, Any], audit: AuditEntry | None = None) -> RequestRecord:
        """Allocate the next request number (1, 2, …; never reused, no gaps) and store the
        request with it, plus `audit` (its `request` set to the number), atomically."""
        ...

    def get_request(self, number: int) -> RequestRecord | None: ...

    def update_request(
        self, number: int, state: str, body: dict[str, Any], etag: str, audit: AuditEntry | None = None
    ) -> RequestRecord:
        """Replace the request if its etag is still `etag`, and append `audit`, atomically.
        Raises StoreConflict when it changed (or is gone)."""
        ...

    def list_requests(self, states: Collection[str] | None = None, limit: int = 100) -> list[RequestRecord]:
        """Requests, newest first, optionally only those in `states`."""
        ...

    # --- audit -------------------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> AuditEntry:
        """Append one row (returned with its id). Rows are never changed or deleted."""
        ...

    def recent_audit(self, limit: int = 50, matching: str = "") -> list[AuditEntry]:
        """The newest `limit` rows (newest first) whose subject or scope contains
        `matching` (case-insensitive; "" = all)."""
        ...

    # --- keyed state -------------------------------------------------------------------
    def next_number(self, counter: str) -> int:
        """Atomically increment the named counter and return its new value (1 first)."""
        ...

    def get_state(self, namespace: str, key: str) -> StateRecord | None: ...

    def put_state(self, namespace: str, key: str, value: dict[str, Any], etag: str | None) -> StateRecord:
        """Write `value`: etag None = create only (StoreConflict if present); ANY_ETAG =
        overwrite; else only if unchanged since read (StoreConflict otherwise)."""
        ...

    def delete_state(self, namespace: str, key: str, etag: str = ANY_ETAG) -> bool:
        """Delete (conditionally unless ANY_ETAG). False when absent; StoreConflict when the
        etag no longer matches."""
        ...

    def list_state(self, namespace: str) -> list[StateRecord]:
        """Every record of a namespace, in key order."""
        ...

    def close(self) -> None: ...


def check_namespace(namespace: str) -> str:
    """Namespaces are identifiers (letters, digits, `_ . -`, ≤ 64): raise ValueError else."""
    if not _NAMESPACE.match(namespace):
        raise ValueError(f"bad state namespace {namespace!r}: use 1-64 of letters, digits, _ . -")
    return namespace


def claim(store: Store, namespace: str, key: str, value: dict[str, Any] | None = None) -> bool:
    """Claim `key` once: True for the first caller ever, False for every later one.

    The idempotency guard for duplicated deliveries (Slack retries a slash command or an
    interaction it got no 200 for within 3 s; a Storage Queue redelivers a message whose
    function crashed): run the job only when `claim(store, "seen", delivery_id)` is True.
    """
    try:
        store.put_state(namespace, key, value or {}, etag=None)
    except StoreConflict:
        return False
    return True


def update_state(
    store: Store,
    namespace: str,
    key: str,
    change: Callable[[dict[str, Any]], dict[str, Any] | None],
    attempts: int = 8,
) -> dict[str, Any] | None:
    """Read-modify-write one record with its etag, again when another writer got there
    first. `change` gets a copy of the current value ({} when absent) and returns the new
    one, or None to leave it. Returns what was written (None when nothing was); raises
    StoreConflict when the record kept changing for `attempts` tries."""
    from tenacity import retry, retry_if_exception_type, stop_after_attempt  # on first use: cold start

    @retry(retry=retry_if_exception_type(StoreConflict), stop=stop_after_attempt(attempts), reraise=True)
    def once() -> dict[str, Any] | None:
        rec = store.get_state(namespace, key)
        current = json.loads(json.dumps(rec.value)) if rec is not None else {}
        new = change(current)
        if new is None:
            return None
        store.put_state(namespace, key, new, etag=rec.etag if rec is not None else None)
        return new

    try:
        return once()
    except StoreConflict as exc:
        raise StoreConflict(f"{namespace}/{key} kept changing under {attempts} attempts to update it") from exc
