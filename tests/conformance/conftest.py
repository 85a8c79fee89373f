"""The drives are shared by the tests of this folder: each estate is driven once a session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.drive import Drive, drive

_DRIVES: dict[Path, Drive] = {}


@pytest.fixture
def driven() -> object:
    """`driven(estate_path)` → the estate's Drive (run on first use, then reused)."""

    def get(path: Path) -> Drive:
        if path not in _DRIVES:
            _DRIVES[path] = drive(path)
        return _DRIVES[path]

    return get
