"""The store in Azure Table Storage: production (the Function's own storage account) and
Azurite in tests.

Layout, one table (default "vpnops"):

* partition `vpnops`: requests (`r:<inverted number>`, so a plain scan lists the newest
  first), counters (`c:<name>`) and the audit trail (`a:<inverted ns>:<uuid>`, newest
  first). They share a partition on purpose: Table Storage only makes a *batch* atomic
  inside one partition (entity group transaction), and a request's state change, its
  audit row and — for a new request — the counter bump must commit together.
* partitions `s:<namespace>`: keyed state; the RowKey is the key in URL-safe base64,
  because RowKeys may not contain `/ \\ # ?` and ARM ids are full of `/`.

Every conditional write uses the entity's ETag with `MatchConditions.IfNotModified`
(HTTP `If-Match`), so the service — not this process — decides who wins.
"""

from __future__ import annotations

import base64
import json
import random
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, TableServiceClient, TableTransactionError, UpdateMode
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt

from commands.core.store import (
    ANY_ETAG,
    AuditEntry,
    RequestRecord,
    StateRecord,
    StoreConflict,
    StoreError,
    check_namespace,
)

T = TypeVar("T")

_P = "vpnops"  # the partition of requests, counters and audit
_REQ_MAX = 10**10
_AUDIT_MAX = 10**20
# A string property holds at most 64 KiB (32 K UTF-16 characters) in Table Storage.
_MAX_JSON = 30_000
# Retries of the counter's optimistic increment: each loser re-reads and tries again.
_COUNTER_ATTEMPTS = 200


def _lost_the_race(exc: BaseException) -> bool:
    """Another writer bumped the counter between our read and our conditional write."""
    return isinstance(exc, StoreConflict)


def _jittered_pause(retry_state: RetryCallState) -> float:
    """Up to 5 ms per attempt so far, at most 0.2 s; random, so that the losers of one round
    do not collide again in the next."""
    return random.uniform(0, min(0.2, 0.005 * retry_state.attempt_number))


# A try that loses the race is tried again, up to _COUNTER_ATTEMPTS in all; the last
# StoreConflict is re-raised for the caller to word.
_counter_retries = retry(
    retry=retry_if_exception(_lost_the_race),
    stop=stop_after_attempt(_COUNTER_ATTEMPTS),
    wait=_jittered_pause,
    reraise=True,
)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _req_row(number: int) -> str:
    return f"r:{_REQ_MAX - number:010d}"


def _state_pk(namespace: str) -> str:
    return "s:" + check_namespace(namespace)


def _state_rk(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii")


def _dump(value: Mapping[str, Any], what: str) -> str:
    data = json.dumps(value, separators=(",", ":"))
    if len(data) > _MAX_JSON:
        raise StoreError(f"{what} is too large for a table property ({len(data)} characters, limit {_MAX_JSON})")
    return data


def _check_etag(etag: str, what: str) -> None:
    """An etag this store never issued can never match: answer like any mismatch (Table
    Storage itself answers 400, not 412, to a malformed If-Match)."""
    if not (etag.startswith('W/"') or etag.startswith('"')):
        raise StoreConflict(f"{what}: changed since it was read (unknown etag)")


def _status(exc: HttpResponseError) -> int | None:
    return getattr(exc, "status_code", None)


class TableStore:
    """`commands.core.store.Store` on an Azure Table (Azure Storage or Azurite)."""

    def __init__(self, table: TableClient) -> None:
        self._t = table

    @classmethod
    def from_connection_string(cls, connection_string: str, table_name: str = "vpnops") -> TableStore:
        """A store on the account named by a connection string (Azurite in tests)."""
        service = TableServiceClient.from_connection_string(connection_string)
        return cls._open(service, table_name)

    @classmethod
    def from_account_url(cls, account_url: str, table_name: str = "vpnops") -> TableStore:
        """A store on `https://<account>.table.core.windows.net` with the managed identity
        (DefaultAzureCredential); needs the "Storage Table Data Contributor" role."""
        from azure.identity import DefaultAzureCredential

        service = TableServiceClient(endpoint=account_url, credential=DefaultAzureCredential())
        return cls._open(service, table_name)

    @classmethod
    def _open(cls, service: TableServiceClient, table_name: str) -> TableStore:
        try:
            service.create_table_if_not_exists(table_name)
        except AzureError as exc:
            raise StoreError(f"cannot open table {table_name!r}: {_short(exc)}") from exc
        return cls(service.get_table_client(table_name))

    def __repr__(self) -> str:
        return f"TableStore({self._t.table_name!r})"

    # --- plumbing ----------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except (ResourceModifiedError, ResourceExistsError) as exc:
            raise StoreConflict(f"{what}: changed since it was read, or already exists") from exc
        except HttpResponseError as exc:
            if _status(exc) in (409, 412):
                raise StoreConflict(f"{what}: changed since it was read, or already exists") from exc
            raise StoreError(f"{what}: {_short(exc)}") from exc
        except AzureError as exc:
            raise StoreError(f"{what}: {_short(exc)}") from exc

    def _get(self, pk: str, rk: str) -> dict[str, Any] | None:
        try:
            return dict(self._t.get_entity(pk, rk))
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise StoreError(f"read {pk}/{rk}: {_short(exc)}") from exc

    def _query(self, query: str, parameters: dict[str, Any] | None = None) -> Iterator[tuple[dict[str, Any], str]]:
        """Entities matching `query`, each with its ETag, page by page."""
        try:
            for entity in self._t.query_entities(query, parameters=parameters or {}):
                yield dict(entity), str(entity.metadata.get("etag", ""))
        except AzureError as exc:
            raise StoreError(f"query {self._t.table_name}: {_short(exc)}") from exc

    def _get_with_etag(self, pk: str, rk: str) -> tuple[dict[str, Any], str] | None:
        try:
            entity = self._t.get_entity(pk, rk)
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise StoreError(f"read {pk}/{rk}: {_short(exc)}") from exc
        return dict(entity), str(entity.metadata["etag"])

    def _transact(self, what: str, ops: list[tuple[Any, ...]]) -> list[Mapping[str, Any]]:
        try:
            return self._t.submit_transaction(ops)
        except TableTransactionError as exc:
            code = str(getattr(exc, "error_code", "") or "")
            if _status(exc) in (409, 412) or code in ("EntityAlreadyExists", "UpdateConditionNotSatisfied"):
                raise StoreConflict(f"{what}: changed since it was read, or already exists") from exc
            if _status(exc) == 404:
                raise StoreConflict(f"{what}: it no longer exists") from exc
            raise StoreError(f"{what}: {_short(exc)}") from exc
        except AzureError as exc:
            raise StoreError(f"{what}: {_short(exc)}") from exc

    def _counter_op(self, name: str) -> tuple[int, tuple[Any, ...]]:
        """The counter's next value and the batch operation that claims it."""
        found = self._get_with_etag(_P, "c:" + name)
        if found is None:
            return 1, ("create", {"PartitionKey": _P, "RowKey": "c:" + name, "value": 1})
        entity, etag = found
        value = int(entity.get("value", 0)) + 1
        return value, (
            "update",
            {"PartitionKey": _P, "RowKey": "c:" + name, "value": value},
            {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified},
        )

    # --- requests ----------------------------------------------------------------------
    def create_request(self, state: str, body: dict[str, Any], audit: AuditEntry | None = None) -> RequestRecord:
        data = _dump(body, "request body")
        try:
            return self._claim_request_number(state, body, data, audit)
        except StoreConflict:
            raise StoreError("could not allocate a request number: too much contention, try again") from None

    @_counter_retries
    def _claim_request_number(
        self, state: str, body: dict[str, Any], data: str, audit: AuditEntry | None
    ) -> RequestRecord:
        """One try: the next number, the request and its audit row in one batch."""
        number, counter_op = self._counter_op("request")
        now = _now()
        ops: list[tuple[Any, ...]] = [
            counter_op,
            (
                "create",
                {
                    "PartitionKey": _P,
                    "RowKey": _req_row(number),
                    "number": number,
                    "state": state,
                    "body": data,
                    "updated": now,
                },
            ),
        ]
        if audit is not None:
            ops.append(("create", _audit_entity(replace(audit, request=number))))
        meta = self._transact(f"create request #{number}", ops)
        return RequestRecord(number, state, dict(body), str(meta[1]["etag"]), now)

    def get_request(self, number: int) -> RequestRecord | None:
        found = self._get_with_etag(_P, _req_row(number))
        return None if found is None else _request(*found)

    def update_request(
        self, number: int, state: str, body: dict[str, Any], etag: str, audit: AuditEntry | None = None
    ) -> RequestRecord:
        _check_etag(etag, f"update request #{number}")
        now = _now()
        entity = {
            "PartitionKey": _P,
            "RowKey": _req_row(number),
            "number": number,
            "state": state,
            "body": _dump(body, "request body"),
            "updated": now,
        }
        ops: list[tuple[Any, ...]] = [
            (
                "update",
                entity,
                {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified},
            )
        ]
        if audit is not None:
            ops.append(("create", _audit_entity(replace(audit, request=number))))
        meta = self._transact(f"update request #{number}", ops)
        return RequestRecord(number, state, dict(body), str(meta[0]["etag"]), now)

    def list_requests(self, states: Collection[str] | None = None, limit: int = 100) -> list[RequestRecord]:
        query = "PartitionKey eq @p and RowKey ge 'r:' and RowKey lt 'r;'"
        params: dict[str, Any] = {"p": _P}
        if states is not None:
            wanted = sorted(set(states))
            if not wanted:
                return []
            names = [f"s{i}" for i in range(len(wanted))]
            # The SDK substitutes @names only between spaces: keep the parentheses apart.
            query += " and ( " + " or ".join(f"state eq @{n}" for n in names) + " )"
            params.update(dict(zip(names, wanted, strict=True)))
        out: list[RequestRecord] = []
        if limit <= 0:
            return out
        for entity, etag in self._query(query, params):
            out.append(_request(entity, etag))
            if len(out) >= limit:
                break
        return out

    # --- audit -------------------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> AuditEntry:
        entity = _audit_entity(entry)
        self._call("append audit", lambda: self._t.create_entity(entity))
        return replace(entry, id=str(entity["RowKey"]))

    def recent_audit(self, limit: int = 50, matching: str = "") -> list[AuditEntry]:
        out: list[AuditEntry] = []
        if limit <= 0:
            return out
        for entity, _etag in self._query("PartitionKey eq @p and RowKey ge 'a:' and RowKey lt 'a;'", {"p": _P}):
            entry = _audit_from(entity)
            if entry.matches(matching):
                out.append(entry)
                if len(out) >= limit:
                    break
        return out

    # --- keyed state -------------------------------------------------------------------
    def next_number(self, counter: str) -> int:
        name = check_namespace(counter)
        try:
            return self._bump_counter(name)
        except StoreConflict:
            raise StoreError(f"could not increment counter {name}: too much contention, try again") from None

    @_counter_retries
    def _bump_counter(self, name: str) -> int:
        """One try: read the counter, write it back one higher if nobody did in between."""
        value, op = self._counter_op(name)
        self._transact(f"counter {name}", [op])
        return value

    def get_state(self, namespace: str, key: str) -> StateRecord | None:
        found = self._get_with_etag(_state_pk(namespace), _state_rk(key))
        if found is None:
            return None
        entity, etag = found
        return StateRecord(namespace, key, json.loads(entity["value"]), etag, str(entity.get("updated", "")))

    def put_state(self, namespace: str, key: str, value: dict[str, Any], etag: str | None) -> StateRecord:
        now = _now()
        entity = {
            "PartitionKey": _state_pk(namespace),
            "RowKey": _state_rk(key),
            "key": key,
            "value": _dump(value, f"state {namespace}/{key}"),
            "updated": now,
        }
        what = f"state {namespace}/{key}"
        if etag is None:
            meta = self._call(what, lambda: self._t.create_entity(entity))
        elif etag == ANY_ETAG:
            meta = self._call(what, lambda: self._t.upsert_entity(entity, mode=UpdateMode.REPLACE))
        else:
            _check_etag(etag, what)
            try:
                meta = self._call(
                    what,
                    lambda: self._t.update_entity(
                        entity, mode=UpdateMode.REPLACE, etag=etag, match_condition=MatchConditions.IfNotModified
                    ),
                )
            except StoreError as exc:
                if isinstance(exc.__cause__, ResourceNotFoundError):
                    raise StoreConflict(f"{what}: it no longer exists") from exc
                raise
        return StateRecord(namespace, key, dict(value), str(meta["etag"]), now)

    def delete_state(self, namespace: str, key: str, etag: str = ANY_ETAG) -> bool:
        pk, rk = _state_pk(namespace), _state_rk(key)
        what = f"delete state {namespace}/{key}"
        if etag == ANY_ETAG:
            if self._get(pk, rk) is None:
                return False
            self._call(what, lambda: self._t.delete_entity(pk, rk))
            return True
        try:
            _check_etag(etag, what)
        except StoreConflict:
            if self._get(pk, rk) is None:
                return False
            raise
        try:
            self._t.delete_entity(pk, rk, etag=etag, match_condition=MatchConditions.IfNotModified)
        except ResourceNotFoundError:
            return False
        except ResourceModifiedError as exc:
            raise StoreConflict(f"{what}: changed since it was read") from exc
        except HttpResponseError as exc:
            if _status(exc) == 412:
                raise StoreConflict(f"{what}: changed since it was read") from exc
            raise StoreError(f"{what}: {_short(exc)}") from exc
        except AzureError as exc:
            raise StoreError(f"{what}: {_short(exc)}") from exc
        return True

    def list_state(self, namespace: str) -> list[StateRecord]:
        out = []
        for entity, etag in self._query("PartitionKey eq @p", {"p": _state_pk(namespace)}):
            value = json.loads(entity["value"])
            out.append(StateRecord(namespace, str(entity["key"]), value, etag, str(entity.get("updated", ""))))
        return sorted(out, key=lambda r: r.key)

    def close(self) -> None:
        self._t.close()


def _short(exc: BaseException) -> str:
    """The first line of an SDK error (its later lines repeat the request, never needed)."""
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _request(entity: dict[str, Any], etag: str) -> RequestRecord:
    return RequestRecord(
        int(entity["number"]), str(entity["state"]), json.loads(entity["body"]), etag, str(entity.get("updated", ""))
    )


def _audit_entity(entry: AuditEntry) -> dict[str, Any]:
    # Ordered by when the row is written (like SQLite's rowid), not by `entry.at`: a caller's
    # clock may be coarse or injected, and the trail must keep the order things happened in.
    row = f"a:{_AUDIT_MAX - time.time_ns():020d}:{uuid.uuid4().hex}"
    return {
        "PartitionKey": _P,
        "RowKey": row,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "scope": entry.scope,
        "request": -1 if entry.request is None else entry.request,
        "before": _dump(entry.before, "audit before"),
        "after": _dump(entry.after, "audit after"),
        "note": entry.note,
    }


def _audit_from(entity: dict[str, Any]) -> AuditEntry:
    request = int(entity.get("request", -1))
    return AuditEntry(
        id=str(entity["RowKey"]),
        at=datetime.fromisoformat(str(entity["at"])),
        actor=str(entity.get("actor", "")),
        action=str(entity.get("action", "")),
        subject=str(entity.get("subject", "")),
        scope=str(entity.get("scope", "")),
        request=None if request < 0 else request,
        before=json.loads(entity.get("before") or "{}"),
        after=json.loads(entity.get("after") or "{}"),
        note=str(entity.get("note", "")),
    )
