"""ONE contract for every store: SQLite on a temp file and Azure Tables on a real Azurite.

Whatever the domain relies on — numbering, conditional writes, atomic audit rows,
append-only trail, keyed state with create-only / if-match / overwrite — is asserted
here once and run against both implementations.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import open_store
from bot.store.sqlite import SqliteStore
from bot.store.tables import TableStore
from commands.core.store import ANY_ETAG, AuditEntry, Store, StoreConflict, StoreError, claim
from tests.azurite import Azurite, unique_name

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "tables"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s: Store = SqliteStore(tmp_path / "contract.sqlite")
    else:
        az: Azurite = request.getfixturevalue("azurite")
        s = TableStore.from_connection_string(az.connection_string, unique_name("contract"))
    yield s
    s.close()


def entry(
    action: str, subject: str = "/sub/x/virtualNetworks/vn-a/virtualNetworkPeerings/p1", **kw: object
) -> AuditEntry:
    base: dict[str, object] = {"at": T0, "actor": "U_ALICE", "action": action, "subject": subject}
    base.update(kw)
    return AuditEntry(**base)  # type: ignore[arg-type]


# --- requests ------------------------------------------------------------------------------------


def test_requests_are_numbered_from_one_without_gaps(store: Store) -> None:
    numbers = [store.create_request("planned", {"i": i}).number for i in range(3)]
    assert numbers == [1, 2, 3]


def test_concurrent_creates_get_distinct_consecutive_numbers(store: Store) -> None:
    with ThreadPoolExecutor(10) as pool:
        numbers = list(pool.map(lambda i: store.create_request("planned", {"i": i}).number, range(20)))
    assert sorted(numbers) == list(range(1, 21))


def test_get_returns_what_was_stored(store: Store) -> None:
    rec = store.create_request("planned", {"flag": "allowForwardedTraffic", "value": True, "nested": {"a": [1, 2]}})
    got = store.get_request(rec.number)
    assert got is not None
    assert (got.number, got.state, got.body, got.etag) == (rec.number, "planned", rec.body, rec.etag)
    assert store.get_request(999) is None


def test_update_with_the_current_etag_wins_and_changes_the_etag(store: Store) -> None:
    rec = store.create_request("pending", {"v": 1})
    new = store.update_request(rec.number, "approved", {"v": 2}, rec.etag)
    assert new.etag != rec.etag and new.state == "approved"
    got = store.get_request(rec.number)
    assert got is not None and (got.state, got.body, got.etag) == ("approved", {"v": 2}, new.etag)


def test_update_with_a_stale_etag_is_a_conflict_and_changes_nothing(store: Store) -> None:
    rec = store.create_request("pending", {"v": 1})
    store.update_request(rec.number, "approved", {"v": 2}, rec.etag)
    with pytest.raises(StoreConflict):
        store.update_request(rec.number, "rejected", {"v": 3}, rec.etag, entry("rejected"))
    got = store.get_request(rec.number)
    assert got is not None and got.state == "approved"
    assert [e.action for e in store.recent_audit()] == []  # the loser's audit row was not written


def test_update_of_a_missing_request_is_a_conflict(store: Store) -> None:
    with pytest.raises(StoreConflict):
        store.update_request(42, "approved", {}, "whatever")


def test_of_many_concurrent_updates_from_one_read_exactly_one_wins(store: Store) -> None:
    rec = store.create_request("pending", {})
    wins: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            store.update_request(rec.number, "approved", {"by": i}, rec.etag, entry("approved", actor=f"U{i}"))
        except StoreConflict:
            return
        with lock:
            wins.append(f"U{i}")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(attempt, range(30)))
    assert len(wins) == 1
    trail = store.recent_audit()
    assert [(e.action, e.actor) for e in trail] == [("approved", wins[0])]


def test_list_requests_newest_first_and_by_state(store: Store) -> None:
    a = store.create_request("pending", {})
    b = store.create_request("applied", {})
    c = store.create_request("pending", {})
    assert [r.number for r in store.list_requests()] == [c.number, b.number, a.number]
    assert [r.number for r in store.list_requests({"pending"})] == [c.number, a.number]
    assert [r.number for r in store.list_requests({"pending", "applied"}, limit=2)] == [c.number, b.number]
    assert store.list_requests(set()) == []
    assert all(r.etag for r in store.list_requests())


# --- audit ---------------------------------------------------------------------------------------


def test_create_and_update_write_their_audit_rows_with_the_request_number(store: Store) -> None:
    rec = store.create_request("planned", {}, entry("requested", before={"f": False}, after={"f": True}))
    store.update_request(rec.number, "pending", {}, rec.etag, entry("pending", at=T0 + timedelta(seconds=1)))
    trail = store.recent_audit()
    assert [(e.action, e.request) for e in trail] == [("pending", rec.number), ("requested", rec.number)]
    assert trail[1].before == {"f": False} and trail[1].after == {"f": True}
    assert all(e.id for e in trail)


def test_audit_is_newest_first_limited_and_filtered(store: Store) -> None:
    for i in range(5):
        store.append_audit(entry(f"a{i}", at=T0 + timedelta(seconds=i), scope=f"/virtualNetworks/vn-{i % 2}"))
    assert [e.action for e in store.recent_audit(limit=3)] == ["a4", "a3", "a2"]
    assert [e.action for e in store.recent_audit(matching="VN-1")] == ["a3", "a1"]
    assert [e.action for e in store.recent_audit(matching="virtualnetworkpeerings/P1", limit=2)] == ["a4", "a3"]
    assert store.recent_audit(matching="nothing-like-this") == []


def test_audit_keeps_the_order_rows_were_written_even_with_equal_times(store: Store) -> None:
    for i in range(6):
        store.append_audit(entry(f"a{i}"))  # all at T0 (a coarse or injected clock)
    assert [e.action for e in store.recent_audit()] == ["a5", "a4", "a3", "a2", "a1", "a0"]


def test_audit_entries_round_trip(store: Store) -> None:
    e = entry("applied", actor="vpnops", scope="a b", request=7, before={"x": 1}, after={"x": 2}, note="n<>&'\"")
    stored = store.append_audit(e)
    [got] = store.recent_audit()
    assert got == stored and got.id and got.at == T0


# --- keyed state ---------------------------------------------------------------------------------

KEY = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/c#1?x\\y"


def test_state_create_only_then_conflict(store: Store) -> None:
    rec = store.put_state("watch", KEY, {"egress": 10}, etag=None)
    with pytest.raises(StoreConflict):
        store.put_state("watch", KEY, {"egress": 11}, etag=None)
    got = store.get_state("watch", KEY)
    assert got is not None and got.value == {"egress": 10} and got.etag == rec.etag and got.key == KEY


def test_state_if_match_wins_once(store: Store) -> None:
    rec = store.put_state("watch", KEY, {"n": 1}, etag=None)
    new = store.put_state("watch", KEY, {"n": 2}, etag=rec.etag)
    with pytest.raises(StoreConflict):
        store.put_state("watch", KEY, {"n": 3}, etag=rec.etag)
    got = store.get_state("watch", KEY)
    assert got is not None and got.value == {"n": 2} and got.etag == new.etag


def test_state_if_match_on_a_missing_key_is_a_conflict(store: Store) -> None:
    with pytest.raises(StoreConflict):
        store.put_state("watch", "absent", {"n": 1}, etag="stale")


def test_state_overwrite_with_any_etag(store: Store) -> None:
    store.put_state("watch", KEY, {"n": 1}, etag=ANY_ETAG)
    store.put_state("watch", KEY, {"n": 2}, etag=ANY_ETAG)
    got = store.get_state("watch", KEY)
    assert got is not None and got.value == {"n": 2}


def test_state_namespaces_are_separate_and_listed_in_key_order(store: Store) -> None:
    store.put_state("watch", "b", {"v": "b"}, etag=None)
    store.put_state("watch", "a", {"v": "a"}, etag=None)
    store.put_state("incident", "a", {"v": "other"}, etag=None)
    listed = store.list_state("watch")
    assert [(r.key, r.value) for r in listed] == [("a", {"v": "a"}), ("b", {"v": "b"})]
    assert all(r.etag for r in listed)
    assert store.list_state("empty") == []


def test_state_delete_conditional_and_unconditional(store: Store) -> None:
    rec = store.put_state("watch", KEY, {"n": 1}, etag=None)
    store.put_state("watch", KEY, {"n": 2}, etag=rec.etag)
    with pytest.raises(StoreConflict):
        store.delete_state("watch", KEY, etag=rec.etag)
    assert store.delete_state("watch", KEY) is True
    assert store.get_state("watch", KEY) is None
    assert store.delete_state("watch", KEY) is False
    assert store.delete_state("watch", KEY, etag="stale") is False


def test_of_many_concurrent_if_match_writers_exactly_one_wins(store: Store) -> None:
    rec = store.put_state("watch", "conn", {"n": 0}, etag=None)
    wins = []

    def attempt(i: int) -> None:
        try:
            store.put_state("watch", "conn", {"n": i}, etag=rec.etag)
            wins.append(i)
        except StoreConflict:
            pass

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(attempt, range(30)))
    assert len(wins) == 1


def test_claim_is_true_once_per_key(store: Store) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: claim(store, "seen", "delivery-1"), range(12)))
    assert results.count(True) == 1
    assert claim(store, "seen", "delivery-2") is True


def test_counters_increment_atomically_and_independently(store: Store) -> None:
    with ThreadPoolExecutor(8) as pool:
        values = list(pool.map(lambda _: store.next_number("incident"), range(15)))
    assert sorted(values) == list(range(1, 16))
    assert store.next_number("other") == 1
    assert store.create_request("planned", {}).number == 1  # requests have their own counter


def test_bad_namespace_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        store.put_state("bad/ns", "k", {}, etag=None)


def test_oversized_values_are_refused_clearly_or_stored_whole(store: Store) -> None:
    big = {"blob": "x" * 40_000}
    try:
        store.put_state("watch", "big", big, etag=None)
    except StoreError as exc:
        assert "too large" in str(exc)
    else:
        got = store.get_state("watch", "big")
        assert got is not None and got.value == big


# --- choosing a store ----------------------------------------------------------------------------


def test_open_store_picks_sqlite_by_default_path(tmp_path: Path) -> None:
    s = open_store(f"sqlite:{tmp_path / 'x' / 'v.sqlite'}")
    assert isinstance(s, SqliteStore) and (tmp_path / "x" / "v.sqlite").exists()
    s.close()


def test_open_store_table_with_a_connection_string(azurite: Azurite) -> None:
    s = open_store(f"table:{unique_name('pick')}", azurite.connection_string)
    assert isinstance(s, TableStore)
    assert s.create_request("planned", {}).number == 1
    s.close()


@pytest.mark.parametrize(
    ("url", "conn", "says"),
    [
        ("table", "", "VPNOPS_STORAGE_CONNECTION"),
        ("table:1bad", "UseDevelopmentStorage=true", "not a valid Azure table name"),
        ("redis://x", "", "sqlite:PATH or table"),
        ("sqlite:", "", "needs a path"),
    ],
)
def test_open_store_explains_bad_settings(url: str, conn: str, says: str) -> None:
    with pytest.raises(StoreError, match=says):
        open_store(url, conn)


def test_sqlite_audit_trail_cannot_be_rewritten(tmp_path: Path) -> None:
    import sqlite3

    s = SqliteStore(tmp_path / "a.sqlite")
    s.append_audit(entry("requested"))
    s.close()
    db = sqlite3.connect(tmp_path / "a.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET actor = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit")
    db.close()
