"""Fixtures of the ArmClient integration tests: a fresh seed estate per test and a fast client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.arm.client import ArmClient
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.bot.arm.support import make_client


@pytest.fixture
def emu() -> Iterator[ArmEmulator]:
    with ArmEmulator(load_estate(SEED_ESTATE)) as e:
        yield e


@pytest.fixture
def client(emu: ArmEmulator) -> Iterator[ArmClient]:
    with make_client(emu) as c:
        yield c
