"""Bounded concurrent fan-out for the domain.

The Azure port is synchronous (the SDK's sync clients); long-running operations block a
worker thread while they poll. `gather` starts every task at once on at most `limit`
threads and returns one `Outcome` per task, in order: a failure of one task never hides
the others' results ("partial answer, with what failed").
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Generic, TypeVar

from commands.core.errors import AzureFailure

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    value: T | None = None
    error: AzureFailure | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def gather(
    tasks: Sequence[Callable[[], T]],
    limit: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Outcome[T]]:
    """Run `tasks` with at most `limit` at a time; return their outcomes in order.

    AzureFailure becomes an Outcome with `error`; any other exception is a bug and is
    re-raised after all tasks have finished. `on_progress(done, total)` is called from
    the caller's thread after each completion.
    """
    total = len(tasks)
    results: list[Outcome[T]] = [Outcome() for _ in range(total)]
    if total == 0:
        return results
    workers = max(1, min(limit, total))
    if workers == 1:
        for i, task in enumerate(tasks):
            results[i] = _run(task)
            if on_progress:
                on_progress(i + 1, total)
        return results
    bug: list[BaseException] = []
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout") as pool:
        # Each task runs in a copy of the caller's context, so what the job set there (its
        # deadline for Azure calls, its log fields) holds in the workers too.
        futures = {pool.submit(contextvars.copy_context().run, _run, t): i for i, t in enumerate(tasks)}
        for done, fut in enumerate(as_completed(futures), start=1):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except BaseException as exc:  # noqa: BLE001 - re-raised below, after the rest
                with lock:
                    bug.append(exc)
            if on_progress:
                on_progress(done, total)
    if bug:
        raise bug[0]
    return results


def _run(task: Callable[[], T]) -> Outcome[T]:
    try:
        return Outcome(value=task())
    except AzureFailure as exc:
        return Outcome(error=exc)
