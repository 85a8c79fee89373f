"""Session-wide fixtures: the sandbox emulators and Azurite, started on ephemeral ports."""

from __future__ import annotations

# --- ARM emulator (sandbox/arm_emulator.py) ---------------------------------------------------
import pytest

from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate


@pytest.fixture
def arm_emulator():  # type: ignore[no-untyped-def]
    """A started ARM emulator serving a fresh copy of the seed estate (function scope: writes,
    faults and counters never leak between tests). `.base_url`, `.requests`, `.add_fault`…"""
    with ArmEmulator(load_estate(SEED_ESTATE)) as emu:
        yield emu


# --- every log line of the suite is checked for secrets (tests/secret_audit.py) ---------------
# --- Azurite runs once per session (tests/azurite.py): the Table store and the queue tests -----
from tests.azurite import azurite, azurite_connection_string  # noqa: E402, F401
from tests.secret_audit import secret_audit  # noqa: E402, F401
