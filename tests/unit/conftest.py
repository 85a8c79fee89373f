"""Fixtures several domain unit tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A real SQLite store in a fresh file, closed after the test."""
    s = SqliteStore(tmp_path / "state.sqlite")
    try:
        yield s
    finally:
        s.close()
