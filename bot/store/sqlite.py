"""The store in a local SQLite file: the default for the console and local runs.

Conditional writes are single `UPDATE … WHERE etag = ?` statements inside an immediate
transaction together with the audit row, so two writers (threads or processes sharing
the file) can never both win, and a state change never lands without its audit row.
WAL journal + `synchronous=FULL`: a committed write survives the process being killed
the next instant (durability of approvals matters more than write speed here).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commands.core.store import (
    ANY_ETAG,
    AuditEntry,
    RequestRecord,
    StateRecord,
    StoreConflict,
    StoreError,
    check_namespace,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    number INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_state ON requests(state);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    scope TEXT NOT NULL,
    request INTEGER,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TABLE IF NOT EXISTS state (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _etag() -> str:
    return uuid.uuid4().hex


class SqliteStore:
    """`commands.core.store.Store` on a SQLite file (":memory:" for a throwaway store)."""

    def __init__(self, path: str | Path, timeout_s: float = 30.0) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so the write lock is
            # taken before the read that decides the write (no lost update between processes).
            self._db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the SQLite store at {self.path}: {exc}") from exc
        # One connection shared by this process's threads: sqlite3 connections are not safe
        # for concurrent use, so calls are serialised here; other processes are kept out by
        # SQLite's own file lock (busy_timeout waits for it).
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite store {self.path} is busy or unreadable: {exc}") from exc
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            else:
                try:
                    db.execute("COMMIT")
                except sqlite3.Error as exc:
                    db.execute("ROLLBACK")
                    raise StoreError(f"SQLite store {self.path}: commit failed: {exc}") from exc

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._db.execute(sql, args).fetchall())
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite store {self.path}: read failed: {exc}") from exc

    # --- requests ----------------------------------------------------------------------
    def create_request(self, state: str, body: dict[str, Any], audit: AuditEntry | None = None) -> RequestRecord:
        etag, now = _etag(), _now()
        with self._tx() as db:
            number = self._increment(db, "request")
            db.execute(
                "INSERT INTO requests (number, state, body, etag, updated_at) VALUES (?, ?, ?, ?, ?)",
                (number, state, json.dumps(body), etag, now),
            )
            if audit is not None:
                self._insert_audit(db, _with_request(audit, number))
        return RequestRecord(number, state, dict(body), etag, now)

    def get_request(self, number: int) -> RequestRecord | None:
        rows = self._read("SELECT number, state, body, etag, updated_at FROM requests WHERE number = ?", (number,))
        return _request(rows[0]) if rows else None

    def update_request(
        self, number: int, state: str, body: dict[str, Any], etag: str, audit: AuditEntry | None = None
    ) -> RequestRecord:
        new_etag, now = _etag(), _now()
        with self._tx() as db:
            cur = db.execute(
                "UPDATE requests SET state = ?, body = ?, etag = ?, updated_at = ? WHERE number = ? AND etag = ?",
                (state, json.dumps(body), new_etag, now, number, etag),
            )
            if cur.rowcount != 1:
                raise StoreConflict(f"request #{number} changed since it was read (or does not exist)")
            if audit is not None:
                self._insert_audit(db, _with_request(audit, number))
        return RequestRecord(number, state, dict(body), new_etag, now)

    def list_requests(self, states: Collection[str] | None = None, limit: int = 100) -> list[RequestRecord]:
        sql = "SELECT number, state, body, etag, updated_at FROM requests"
        args: tuple[Any, ...] = ()
        if states is not None:
            wanted = sorted(set(states))
            if not wanted:
                return []
            sql += f" WHERE state IN ({','.join('?' * len(wanted))})"
            args = tuple(wanted)
        sql += " ORDER BY number DESC LIMIT ?"
        return [_request(r) for r in self._read(sql, (*args, max(0, limit)))]

    # --- audit -------------------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> AuditEntry:
        with self._tx() as db:
            return self._insert_audit(db, entry)

    def recent_audit(self, limit: int = 50, matching: str = "") -> list[AuditEntry]:
        sql = "SELECT id, at, actor, action, subject, scope, request, before, after, note FROM audit"
        args: tuple[Any, ...] = ()
        if matching:
            # instr on lower() = case-insensitive substring without LIKE's % and _ wildcards.
            sql += " WHERE instr(lower(subject), ?) > 0 OR instr(lower(scope), ?) > 0"
            args = (matching.lower(), matching.lower())
        sql += " ORDER BY seq DESC LIMIT ?"
        return [_audit(r) for r in self._read(sql, (*args, max(0, limit)))]

    def _insert_audit(self, db: sqlite3.Connection, entry: AuditEntry) -> AuditEntry:
        entry_id = entry.id or uuid.uuid4().hex
        db.execute(
            "INSERT INTO audit (id, at, actor, action, subject, scope, request, before, after, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry_id,
                entry.at.isoformat(),
                entry.actor,
                entry.action,
                entry.subject,
                entry.scope,
                entry.request,
                json.dumps(entry.before),
                json.dumps(entry.after),
                entry.note,
            ),
        )
        return _replace_id(entry, entry_id)

    # --- keyed state -------------------------------------------------------------------
    def next_number(self, counter: str) -> int:
        with self._tx() as db:
            return self._increment(db, "c:" + check_namespace(counter))

    @staticmethod
    def _increment(db: sqlite3.Connection, name: str) -> int:
        row = db.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1)"
            " ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
            (name,),
        ).fetchone()
        return int(row[0])

    def get_state(self, namespace: str, key: str) -> StateRecord | None:
        rows = self._read(
            "SELECT namespace, key, value, etag, updated_at FROM state WHERE namespace = ? AND key = ?",
            (check_namespace(namespace), key),
        )
        return _state(rows[0]) if rows else None

    def put_state(self, namespace: str, key: str, value: dict[str, Any], etag: str | None) -> StateRecord:
        check_namespace(namespace)
        new_etag, now, data = _etag(), _now(), json.dumps(value)
        with self._tx() as db:
            if etag is None:
                cur = db.execute(
                    "INSERT INTO state (namespace, key, value, etag, updated_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(namespace, key) DO NOTHING",
                    (namespace, key, data, new_etag, now),
                )
                if cur.rowcount != 1:
                    raise StoreConflict(f"{namespace}/{key} already exists")
            elif etag == ANY_ETAG:
                db.execute(
                    "INSERT INTO state (namespace, key, value, etag, updated_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(namespace, key) DO UPDATE SET value = excluded.value, etag = excluded.etag,"
                    " updated_at = excluded.updated_at",
                    (namespace, key, data, new_etag, now),
                )
            else:
                cur = db.execute(
                    "UPDATE state SET value = ?, etag = ?, updated_at = ? WHERE namespace = ? AND key = ? AND etag = ?",
                    (data, new_etag, now, namespace, key, etag),
                )
                if cur.rowcount != 1:
                    raise StoreConflict(f"{namespace}/{key} changed since it was read (or is gone)")
        return StateRecord(namespace, key, dict(value), new_etag, now)

    def delete_state(self, namespace: str, key: str, etag: str = ANY_ETAG) -> bool:
        check_namespace(namespace)
        with self._tx() as db:
            if etag == ANY_ETAG:
                cur = db.execute("DELETE FROM state WHERE namespace = ? AND key = ?", (namespace, key))
                return cur.rowcount == 1
            cur = db.execute("DELETE FROM state WHERE namespace = ? AND key = ? AND etag = ?", (namespace, key, etag))
            if cur.rowcount == 1:
                return True
            exists = db.execute("SELECT 1 FROM state WHERE namespace = ? AND key = ?", (namespace, key)).fetchone()
            if exists:
                raise StoreConflict(f"{namespace}/{key} changed since it was read")
            return False

    def list_state(self, namespace: str) -> list[StateRecord]:
        rows = self._read(
            "SELECT namespace, key, value, etag, updated_at FROM state WHERE namespace = ? ORDER BY key",
            (check_namespace(namespace),),
        )
        return [_state(r) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _request(row: tuple[Any, ...]) -> RequestRecord:
    return RequestRecord(int(row[0]), str(row[1]), json.loads(row[2]), str(row[3]), str(row[4]))


def _state(row: tuple[Any, ...]) -> StateRecord:
    return StateRecord(str(row[0]), str(row[1]), json.loads(row[2]), str(row[3]), str(row[4]))


def _audit(row: tuple[Any, ...]) -> AuditEntry:
    return AuditEntry(
        id=str(row[0]),
        at=datetime.fromisoformat(row[1]),
        actor=str(row[2]),
        action=str(row[3]),
        subject=str(row[4]),
        scope=str(row[5]),
        request=None if row[6] is None else int(row[6]),
        before=json.loads(row[7]),
        after=json.loads(row[8]),
        note=str(row[9]),
    )


def _with_request(entry: AuditEntry, number: int) -> AuditEntry:
    return replace(entry, request=number)


def _replace_id(entry: AuditEntry, entry_id: str) -> AuditEntry:
    return replace(entry, id=entry_id)
