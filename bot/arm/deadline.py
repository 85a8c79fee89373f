"""The job's deadline, as every ARM call sees it.

A job (one slash command, click or watch cycle) has one deadline (`VPNOPS_JOB_DEADLINE_S`,
set by `bot.runtime.worker.run_job` and the timer). Every wait on Azure — a Retry-After on a
429 or 503, a long-running operation's polls — runs until that deadline and no further, so a
command never fails because one wait was long, only when the job's time is spent; what is not
read by then is a partial answer ("could not read … : timeout"), never a silent gap.

A contextvar: `commands.core.fanout.gather` runs each task in a copy of the caller's context,
so the fan-out's threads see the deadline of the job that started them. Outside a job (a test,
a script) a call gets `default_s` of its own (`VPNOPS_ARM_TIMEOUT_S`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("vpnops_arm_deadline", default=None)


@contextmanager
def arm_deadline(at: float) -> Iterator[None]:
    """Every ARM call made in this context (and in the fan-out it starts) ends by `at`
    (`time.monotonic()`)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left(default_s: float) -> float:
    """Seconds until the job's deadline (never below 0); `default_s` outside a job."""
    at = _deadline.get()
    if at is None:
        return default_s
    return max(0.0, at - time.monotonic())


def in_job() -> bool:
    """Whether a job's deadline is set."""
    return _deadline.get() is not None
