"""The console on the seed estate (or another), driven as Slack drives it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.console.app import Console
from sandbox.arm_emulator import SEED_ESTATE
from sandbox.estate import load_estate

ROOT = Path(__file__).resolve().parents[4]
SCENARIOS = ROOT / "sandbox" / "estates" / "scenarios"


def run(console: Console, *lines: str) -> str:
    start = console.out.tell()  # type: ignore[union-attr]
    console.run(list(lines))
    console.out.seek(start)  # type: ignore[union-attr]
    return console.out.read().replace("\u200b", "")  # type: ignore[union-attr]


def actions_log(console: Console) -> list[dict[str, Any]]:
    """What the emulator carried out (resets, captures), in order."""
    return list(console.arm.estate.action_log)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    with Console(load_estate(SEED_ESTATE), out=io.StringIO(), state_dir=tmp_path / "state") as c:
        yield c


def console_on(estate: dict[str, Any], tmp_path: Path) -> Console:
    return Console(estate, out=io.StringIO(), state_dir=tmp_path / "state")
