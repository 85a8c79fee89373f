"""Azure's published example responses (../shared/fixtures/real), for the converter tests."""

from __future__ import annotations

from typing import Any

from tests.shared_fixtures import real_json


def body(path: str, status: str = "200") -> Any:
    """The body of the example's `status` response; skips the test when ../shared is absent."""
    return real_json(path)["responses"][status]["body"]
