"""Fresh reads: what must come from Azure now, never from what another request read.

The Azure adapter shares reads between requests for a few seconds (`bot.arm.shared`). Some
reads must not be shared: the plan an approver approves, and the re-read that verifies a
write, must show Azure as it is now. Those run inside `fresh_reads()`:

    with fresh_reads():
        peering = ctx.azure.peering(pid)

A contextvar, so it holds for every call this request makes in this context (and in the
fan-out it starts: `commands.core.fanout.gather` runs tasks in a copy of the context).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_fresh: ContextVar[bool] = ContextVar("vpnops_fresh_reads", default=False)


@contextmanager
def fresh_reads() -> Iterator[None]:
    """Every Azure read in this context goes to Azure (and refreshes what is shared)."""
    token = _fresh.set(True)
    try:
        yield
    finally:
        _fresh.reset(token)


def wants_fresh() -> bool:
    """Whether the reads of this context must be fresh."""
    return _fresh.get()
