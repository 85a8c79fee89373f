"""What the timer runs: the watch cycle, and the change requests' housekeeping."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.logging import get_logger
from commands.core.errors import AzureFailure
from commands.core.port import Messenger, MessengerError
from commands.core.registry import Ctx
from commands.core.store import StoreError
from commands.watch.judge import DEFAULT_MIN_INTERVAL_S
from commands.watch.run import WatchResult, run_cycle

if TYPE_CHECKING:
    from bot.runtime.worker import Deps

log = get_logger(__name__)


def run_watch(
    deps: Deps,
    *,
    messenger: Messenger | None = None,
    now: Callable[[], datetime] | None = None,
    min_interval_s: float = DEFAULT_MIN_INTERVAL_S,
) -> WatchResult:
    """One watch cycle (`commands.watch.run`) with the ports of `deps`: Azure, the state
    store, Slack (or `messenger`) and the settings (the alert channel, the concurrency).
    Never raises for Azure, Slack or store trouble: the cycle logs it."""
    if messenger is None:
        from bot.slack.messenger import SlackMessenger

        messenger = SlackMessenger(deps.slack())
    from bot.arm.deadline import arm_deadline

    clock = now or (lambda: datetime.now(UTC))
    # The cycle's Azure calls wait (throttling, long-running operations) until its deadline.
    with arm_deadline(time.monotonic() + deps.settings.job_deadline_s * 0.9):
        result = run_cycle(
            deps.azure_port(),
            deps.store_port(),
            messenger,
            deps.settings.domain(),
            log,
            now=clock,
            min_interval_s=min_interval_s,
        )
    try:  # for /vpn health: when the watch last ran and what it could not read
        from commands.health import record_watch_run

        record_watch_run(deps.store_port(), clock(), result.summary, result.failures)
    except (StoreError, OSError) as exc:
        log.warning("watch_run_not_recorded", error=type(exc).__name__)
    return result


def sweep_requests(deps: Deps, messenger: Messenger | None = None) -> list[str]:
    """The timer's housekeeping for change requests (`commands.peering.sweep.sweep`): expire due
    requests, finish applies a crashed process left half done, post outcomes that were lost.
    Without it a request nobody touches again would stay "pending" past its expiry in the
    list, and an interrupted apply would wait for the next click. Never raises: the timer
    must keep its schedule, so a failure is logged and the next run tries again."""
    from commands.peering.sweep import sweep

    if messenger is None:
        from bot.slack.messenger import SlackMessenger

        messenger = SlackMessenger(deps.slack())
    try:
        ctx = Ctx(
            azure=deps.azure_port(),
            out=messenger,
            settings=deps.settings.domain(),
            store=deps.store_port(),
            blobs=deps.capture_blobs(),  # a capture past its end is stopped into its container
        )
        lines = sweep(ctx)
    except (AzureFailure, StoreError, MessengerError, OSError) as exc:
        log.error("sweep_failed", error_type=type(exc).__name__, error=str(exc))
        return []
    if lines:
        log.info("sweep_done", changed=len(lines), requests=lines)
    return lines


def resume_troubleshoots(deps: Deps, messenger: Messenger | None = None) -> list[str]:
    """The timer's part of VPN troubleshoot (`commands.troubleshoot.run.sweep`): runs whose job
    ended before Azure had the result (its deadline, a restart, a crash) are followed from
    the operation URL kept in the store, and their result posted in the channel they were
    asked in; runs past their own deadline are given up on, said so. Never raises: the timer
    must keep its schedule."""
    from commands.troubleshoot.render import result_reply
    from commands.troubleshoot.run import sweep

    if messenger is None:
        from bot.slack.messenger import SlackMessenger

        messenger = SlackMessenger(deps.slack())
    try:
        ctx = Ctx(azure=deps.azure_port(), out=messenger, settings=deps.settings.domain(), store=deps.store_port())
        lines = sweep(ctx, result_reply)
    except (AzureFailure, StoreError, MessengerError, OSError) as exc:
        log.error("troubleshoot_resume_failed", error_type=type(exc).__name__, error=str(exc))
        return []
    if lines:
        log.info("troubleshoot_resumed", changed=len(lines), runs=lines)
    return lines
