"""The Functions host, as far as tests can play it: the `context` a function receives,
and the app's registered functions (`get_functions()` may run only once per process)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import azure.functions as func

ROOT = Path(__file__).resolve().parents[2]


class Invocation(func.Context):
    """The `context` argument the Functions worker passes (only its id matters here)."""

    def __init__(self, invocation_id: str = "inv-test", function_name: str = "") -> None:
        self._id = invocation_id
        self._name = function_name

    @property
    def invocation_id(self) -> str:
        return self._id

    @property
    def function_name(self) -> str:
        return self._name

    @property
    def function_directory(self) -> str:
        return str(ROOT)

    @property
    def trace_context(self) -> Any:
        return None

    @property
    def retry_context(self) -> Any:
        return None

    @property
    def thread_local_storage(self) -> Any:
        return None


@cache
def registered() -> dict[str, Any]:
    """The app's functions by name. `get_functions()` builds the app and may run only
    once per process, so it is cached here."""
    import function_app

    return {f.get_function_name(): f for f in function_app.app.get_functions()}
