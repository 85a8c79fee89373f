"""Counter deltas since the watch's last sample: "+1.2 GB out, +0 B in in the last 5 min"."""

from __future__ import annotations

from datetime import datetime

from commands.core.model import Connection, rid_key
from commands.core.registry import Ctx
from commands.core.units import human_bytes, human_duration, human_rate
from commands.watch.state import CounterSample, last_samples


def earlier_samples(ctx: Ctx) -> dict[str, CounterSample]:
    """The watch's last samples from `ctx.store`; {} without a store.

    A store that fails costs only the deltas: status must answer without them.
    """
    if ctx.store is None:
        return {}
    try:
        return {rid_key(k): v for k, v in last_samples(ctx.store).items()}
    except Exception:  # noqa: BLE001 - deltas are extra; a broken store must not hide the status
        return {}


def counter_delta(conn: Connection, sample: CounterSample | None, now: datetime) -> str:
    """ "+1.2 GB out, +0 B in in the last 5 min (9.6 Mbit/s)", or why there is none."""
    if sample is None:
        return ""
    seconds = (now - sample.at).total_seconds() if _comparable(now, sample.at) else 0.0
    if seconds <= 0:
        return ""
    d_out = conn.egress_bytes - sample.egress_bytes
    d_in = conn.ingress_bytes - sample.ingress_bytes
    if d_out < 0 or d_in < 0:
        # Counters restart at each reconnect: a drop is a reconnect, not negative traffic.
        return f"reconnected since the last sample {human_duration(seconds)} ago"
    rate = human_rate((d_out + d_in) / seconds)
    return f"+{human_bytes(d_out)} out, +{human_bytes(d_in)} in in the last {human_duration(seconds)} ({rate})"


def _comparable(a: datetime, b: datetime) -> bool:
    return (a.tzinfo is None) == (b.tzinfo is None)
