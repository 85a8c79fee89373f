"""The drives are shared by the tests of this folder: each estate is driven once a session,
whichever xdist worker asks for it first (the others wait for it and read it from disk).

Four tests check each estate's drive (two here, two in test_emulator_responses.py). Driving it
once a worker drove most estates twice on two workers; grouping the tests on one worker
(`xdist_group`) does not work with pytest 9.2 (pytest-dev/pytest-xdist#1386: the group never
reaches the scheduler). So the drive is kept in the session's shared temporary folder, under a
file lock per estate.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from pathlib import Path

import pytest

from tests.conformance.drive import Drive, drive

_DRIVES: dict[Path, Drive] = {}


@pytest.fixture(scope="session")
def _drive_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every worker of this session sees (a worker's basetemp is one per worker,
    `popen-gwN`, under the session's)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "conformance-drives"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def driven(request: pytest.FixtureRequest, _drive_folder: Path) -> object:
    """`driven(estate_path)` → the estate's Drive (run on first use in the session, then
    reused). With Azurite at hand, packet captures are stopped into one of its containers."""

    def get(path: Path) -> Drive:
        if path in _DRIVES:
            return _DRIVES[path]
        kept = _drive_folder / f"{path.parent.name}-{path.stem}.pickle"
        with open(_drive_folder / f"{path.parent.name}-{path.stem}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker driving it: wait, then read it
            if kept.exists():
                _DRIVES[path] = pickle.loads(kept.read_bytes())
            else:
                try:
                    storage = str(request.getfixturevalue("azurite_connection_string"))
                except pytest.skip.Exception:
                    storage = ""
                _DRIVES[path] = drive(path, capture_storage=storage)
                part = kept.with_suffix(".part")
                part.write_bytes(pickle.dumps(_DRIVES[path]))
                part.replace(kept)
        return _DRIVES[path]

    return get
