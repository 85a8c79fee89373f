"""The Table store's counters against a rival writer on a real Azurite: a conditional write
that loses the race re-reads and tries again (tenacity), up to 200 tries in all, with a short
random pause between; past that the caller gets a StoreError, not the last conflict."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError

from bot.store.tables import TableStore
from commands.core.store import AuditEntry, StoreConflict, StoreError
from tests.azurite import Azurite, unique_name


class RivalTable:
    """The real TableClient, with another writer that takes the counter's next value just
    before each of our next `rivals` batches, so Azurite answers them 409/412."""

    def __init__(self, real: Any, counter: str, rivals: float) -> None:
        self._real = real
        self._row = "c:" + counter
        self.rivals = rivals

    def submit_transaction(self, ops: Any) -> Any:
        if self.rivals > 0:
            self.rivals -= 1
            try:
                value = int(self._real.get_entity("vpnops", self._row)["value"]) + 1
            except ResourceNotFoundError:  # no counter yet: the rival creates it
                value = 1
            self._real.upsert_entity({"PartitionKey": "vpnops", "RowKey": self._row, "value": value})
        return self._real.submit_transaction(ops)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def tables(azurite: Azurite) -> Iterator[TableStore]:
    store = TableStore.from_connection_string(azurite.connection_string, unique_name("counters"))
    yield store
    store.close()


@pytest.fixture
def naps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses between tries, recorded instead of slept."""
    slept: list[float] = []
    for method in (TableStore._bump_counter, TableStore._claim_request_number):
        monkeypatch.setattr(method.retry, "sleep", slept.append)  # type: ignore[attr-defined]
    return slept


def test_a_counter_that_loses_the_race_takes_the_next_free_value(tables: TableStore, naps: list[float]) -> None:
    tables._t = RivalTable(tables._t, "incident", rivals=3)  # type: ignore[assignment]
    assert tables.next_number("incident") == 4  # the rival took 1, 2 and 3
    assert len(naps) == 3
    assert all(0 <= pause <= 0.005 * attempt for attempt, pause in enumerate(naps, start=1))


def test_a_request_number_lost_to_a_rival_is_claimed_again_with_its_audit_row(
    tables: TableStore, naps: list[float]
) -> None:
    tables._t = RivalTable(tables._t, "request", rivals=2)  # type: ignore[assignment]
    audit = AuditEntry(at=datetime(2025, 3, 1, 9, 0, tzinfo=UTC), actor="U_ALICE", action="requested", subject="/x")
    record = tables.create_request("planned", {"i": 1}, audit)
    assert record.number == 3 and len(naps) == 2
    assert tables.get_request(3) is not None
    assert [e.request for e in tables.recent_audit()] == [3]


def test_endless_contention_gives_up_after_200_tries_as_a_store_error(tables: TableStore, naps: list[float]) -> None:
    tables._t = RivalTable(tables._t, "incident", rivals=float("inf"))  # type: ignore[assignment]
    with pytest.raises(StoreError, match="could not increment counter incident: too much contention") as err:
        tables.next_number("incident")
    assert not isinstance(err.value, StoreConflict)
    assert len(naps) == 199  # a pause between tries, none after the last
    assert max(naps) <= 0.2
