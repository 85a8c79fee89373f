"""The drives are shared by the tests of this folder: each estate is driven once a session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.drive import Drive, drive

_DRIVES: dict[Path, Drive] = {}


@pytest.fixture
def driven(request: pytest.FixtureRequest) -> object:
    """`driven(estate_path)` → the estate's Drive (run on first use, then reused). With
    Azurite at hand, packet captures are stopped into one of its containers."""

    def get(path: Path) -> Drive:
        if path not in _DRIVES:
            try:
                storage = str(request.getfixturevalue("azurite_connection_string"))
            except pytest.skip.Exception:
                storage = ""
            _DRIVES[path] = drive(path, capture_storage=storage)
        return _DRIVES[path]

    return get
