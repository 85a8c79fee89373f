"""Access to the published Azure/Slack payloads in ../shared/fixtures/real, read in place.

A user's clone has no ../shared: tests that need it skip with a reason instead of failing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL = SHARED / "fixtures" / "real"

needs_shared = pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/fixtures/real is absent (only the project's workspace has it)"
)


def real(path: str) -> Path:
    """Path of a published fixture, e.g. real("arm/VirtualNetworkGet.json"); skips when absent."""
    p = REAL / path
    if not p.exists():
        pytest.skip(f"published fixture {path} is absent (../shared not present)")
    return p


def real_json(path: str) -> Any:
    return json.loads(real(path).read_text(encoding="utf-8"))


def real_files(folder: str) -> list[Path]:
    """Every .json file of a fixtures folder ([] when ../shared is absent: parametrize then skips)."""
    d = REAL / folder
    return sorted(d.glob("*.json")) if d.is_dir() else []
