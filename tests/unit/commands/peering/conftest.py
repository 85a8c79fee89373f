"""Fixtures of the /vpn peering tests: the small estate, a settable clock, a context on both."""

from __future__ import annotations

import pytest

from bot.store.sqlite import SqliteStore
from commands.core.registry import Ctx
from tests.fakes import FakeAzure
from tests.unit.commands.peering.peering_estate import Clock, estate, make_ctx


@pytest.fixture
def az() -> FakeAzure:
    return estate()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(az: FakeAzure, store: SqliteStore, clock: Clock) -> Ctx:
    return make_ctx(az, store, clock=clock)
