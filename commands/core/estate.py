"""Reading the estate's lists: chosen kinds in every subscription, concurrently.

`/vpn diagnose`, `/vpn routes` and `/vpn checklist` each list several resource kinds in
every subscription the bot sees. One subscription denying one list (a missing role
assignment, throttling) must not hide the rest, so each (kind, subscription) is a task of
its own and its failure is kept beside what the others returned: the answer is partial and
says what it could not read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from commands.core.fanout import Outcome, gather
from commands.core.model import Subscription
from commands.core.port import AzurePort
from commands.core.registry import Ctx
from commands.findings.dns import FactFailure

# How one kind is listed in one subscription (a port call).
Reader = Callable[[AzurePort, str], Sequence[Any]]
# Runs the tasks and returns their outcomes in order (default: `gather` at ctx's concurrency).
Runner = Callable[[list[Callable[[], Sequence[Any]]]], Sequence[Outcome[Any]]]


@dataclass
class Lists:
    """What was read: every kind's items across the subscriptions (in subscription order),
    and the lists that failed (in the same order)."""

    found: dict[str, list[Any]]
    failures: list[FactFailure]


def read_lists(
    ctx: Ctx,
    subscriptions: Sequence[Subscription],
    readers: Mapping[str, Reader],
    on_progress: Callable[[int, int], None] | None = None,
    run: Runner | None = None,
) -> Lists:
    """Every kind of `readers` in every subscription; a failed list is kept as a FactFailure."""
    jobs = [(kind, s.id) for s in subscriptions for kind in readers]
    tasks: list[Callable[[], Sequence[Any]]] = [partial(readers[k], ctx.azure, sub) for k, sub in jobs]
    outcomes = run(tasks) if run is not None else gather(tasks, ctx.settings.concurrency, on_progress)
    lists = Lists(found={k: [] for k in readers}, failures=[])
    for (kind, sub), out in zip(jobs, outcomes, strict=True):
        if out.error is not None:
            lists.failures.append(FactFailure(kind, sub, out.error))
        else:
            lists.found[kind].extend(out.value or ())
    return lists


__all__ = ["Lists", "Reader", "Runner", "read_lists"]
