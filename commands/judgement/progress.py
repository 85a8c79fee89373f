"""Keeping the asker informed while Azure works: throttled progress lines, and a fan-out
that reports while long-running operations (routes, BGP peers) are still polling."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from commands.core.fanout import Outcome, gather
from commands.core.registry import Ctx
from commands.core.reply import Inline
from commands.core.text import rich


class Progress:
    """Progress through `ctx.out.progress`, at most every `progress_every_s` (Slack's budget)."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx, self.last = ctx, float("-inf")

    def say(self, text: Inline, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= self.ctx.settings.progress_every_s:
            self.last = now
            self.ctx.out.progress(text)


def gather_with_progress(ctx: Ctx, tasks: Sequence[Callable[[], Any]], label: str) -> list[Outcome[Any]]:
    """`gather` on a helper thread while this thread keeps the user informed.

    Long-running operations (effective routes, learned routes) take 5–60 s; Slack shows the
    "working on it" message meanwhile, which `ctx.out.progress` updates.
    """
    if not tasks:
        return []
    done = [0]
    result: list[Outcome[Any]] = []
    bug: list[BaseException] = []

    def on_progress(n: int, _total: int) -> None:
        done[0] = n

    def run() -> None:
        try:
            result.extend(gather(list(tasks), ctx.settings.concurrency, on_progress=on_progress))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the command's thread
            bug.append(exc)

    worker = threading.Thread(target=run, name="judgement-gather", daemon=True)
    started = time.monotonic()
    ctx.out.progress(rich(f"{label}…"))
    worker.start()
    every = max(0.2, ctx.settings.progress_every_s)
    while True:
        worker.join(timeout=every)
        if not worker.is_alive():
            break
        ctx.out.progress(rich(f"{label}… {done[0]} of {len(tasks)} done, {time.monotonic() - started:.0f} s so far"))
    if bug:
        raise bug[0]
    return result
