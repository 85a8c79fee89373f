"""`/vpn health`: is the bot itself working — its watch, what it could not read, the jobs
that failed for good, and what is wrong with its configuration.

The watch's last run is kept in the store by whoever runs the watch (`record_watch_run`,
called by the timer after each cycle); the poison queue and the settings come from the
running bot (`Ctx.ops`, `commands.core.port.Operations`). Anything that cannot be read is
said as such, never as "none".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from commands.core.registry import Ctx, command
from commands.core.reply import Context, Header, Reply, Text
from commands.core.store import ANY_ETAG, Store, StoreError
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.core.units import when
from commands.watch.state import iso, parse_time

NS_HEALTH = "vpnops.health"
KEY_WATCH = "watch"
# How old the last watch run may be before it counts as stalled (the default schedule is
# every 5 minutes).
STALE_AFTER_S = 20 * 60


def record_watch_run(store: Store, at: datetime, summary: str, failures: Sequence[str]) -> None:
    """Keep what one watch cycle did, for `/vpn health` (the last one only)."""
    unreadable = [f for f in failures if f.startswith("subscription ") or f.endswith(": subscriptions")]
    store.put_state(
        NS_HEALTH,
        KEY_WATCH,
        {"at": iso(at), "summary": summary, "failures": list(failures)[:50], "subscriptions": unreadable[:50]},
        ANY_ETAG,
    )


def _watch_lines(ctx: Ctx, now: datetime) -> tuple[list[Rich], bool]:
    """The watch's part; True when something is wrong."""
    if ctx.store is None:
        return [rich(Icon.WARNING, " No state store is configured, so the watch keeps nothing (VPNOPS_STORE).")], True
    try:
        rec = ctx.store.get_state(NS_HEALTH, KEY_WATCH)
    except StoreError as exc:
        return [
            rich(Icon.FAILED, f" The state store could not be read ({exc}), so the watch's last run is unknown.")
        ], True
    if rec is None:
        return [rich(Icon.WARNING, " The watch has not run yet (it runs on VPNOPS_WATCH_SCHEDULE).")], True
    v: dict[str, Any] = rec.value
    at = parse_time(v.get("at"))
    age = (now - at).total_seconds() if at else None
    stale = age is None or age > STALE_AFTER_S
    head = rich(
        Icon.WARNING if stale else Icon.DONE,
        " ",
        strong("Watch:"),
        f" last run {when(at) if at else '?'}",
        f" ({int(age // 60)} min ago)" if age is not None else "",
        " — late: check the timer function and its schedule." if stale else "",
    )
    lines = [head, rich("  ", str(v.get("summary") or ""))]
    subs = [str(s) for s in v.get("subscriptions") or []]
    others = [str(f) for f in v.get("failures") or [] if str(f) not in subs]
    if subs:
        lines.append(rich(Icon.FAILED, " ", strong("Subscriptions that could not be read:"), " ", "; ".join(subs)))
    else:
        lines.append(rich(Icon.DONE, " Every subscription the watch looked at could be read."))
    if others:
        lines.append(rich(Icon.WARNING, f" {len(others)} other reads failed: ", "; ".join(others[:5])))
    return lines, stale or bool(subs)


def _ops_lines(ctx: Ctx) -> tuple[list[Rich], bool]:
    if ctx.ops is None:
        return [rich(Icon.WARNING, " The bot's own state is not available here.")], True
    lines: list[Rich] = []
    bad = False
    try:
        poison = ctx.ops.poison_queue_length()
    except OSError as exc:
        lines.append(rich(Icon.FAILED, " ", strong("Poison queue:"), f" could not be read ({exc})."))
        bad = True
    else:
        if poison is None:
            lines.append(rich(Icon.DONE, " ", strong("Poison queue:"), " none (jobs run in this process)."))
        else:
            bad = bad or poison > 0
            lines.append(
                rich(
                    Icon.WARNING if poison else Icon.DONE,
                    " ",
                    strong("Poison queue:"),
                    f" {poison} job{'s' if poison != 1 else ''} that failed for good",
                    " (their askers were told; the Function logs say why)." if poison else ".",
                )
            )
    problems = ctx.ops.settings_problems()
    if problems:
        bad = True
        lines.append(rich(Icon.WARNING, " ", strong("Settings:")))
        lines.extend(rich("  • ", p) for p in problems)
    else:
        lines.append(rich(Icon.DONE, " ", strong("Settings:"), " no problems found."))
    return lines, bad


@command("health", usage="health", example="/vpn health")
def health(ctx: Ctx, args: str) -> Reply:
    """Is vpnops itself healthy: the watch's last run, the subscriptions it could not read,
    jobs in the poison queue, and problems with its settings (such as no approvers)."""
    now = ctx.now()
    watch, watch_bad = _watch_lines(ctx, now)
    ops, ops_bad = _ops_lines(ctx)
    bad = watch_bad or ops_bad
    title = "vpnops needs attention" if bad else "vpnops is healthy"
    reply = Reply(fallback=title, visibility="ephemeral")
    reply.add(Header(title), Text(join("\n", watch)), Text(join("\n", ops)))
    reply.add(
        Context(
            rich("The watch's alerts: ", code("/vpn alerts"), ". Open change requests: ", code("/vpn requests"), ".")
        )
    )
    return reply
