"""Counter deltas since the watch's last sample: "+1.2 GB out, +0 B in in the last 5 min"."""

from __future__ import annotations

from datetime import datetime

from commands.core.model import Connection, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Finding
from commands.core.skus import DOC_SKUS, sku
from commands.core.text import code, rich
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


# A rate needs at least this long between two samples: counters move in steps, and a rate
# over a few seconds says more about when ARM refreshed them than about the traffic.
MIN_RATE_INTERVAL_S = 60.0
# A rate above this many times the SKU's published aggregate estimate is not a rate: the
# samples are not comparable (a counter reset or a failover to the other instance).
CEILING_FACTOR = 2.0


def counter_delta(conn: Connection, sample: CounterSample | None, now: datetime, sku_name: str = "") -> str:
    """ "+1.2 GB out, +0 B in in the last 5 min (9.6 Mbit/s)", or the bytes and why there is
    no rate (`no_rate`)."""
    moved, why = _delta(conn, sample, now, sku_name)
    if why:
        return f"{moved}; no rate: {why}" if moved else f"no rate: {why}"
    return moved


def no_rate(conn: Connection, sample: CounterSample | None, now: datetime, sku_name: str = "") -> str:
    """Why the counters since `sample` give no rate ("" when they give one, or there is no
    sample):

    * less than `MIN_RATE_INTERVAL_S` between the samples;
    * a counter lower than in the sample: a reconnect or a failover restarted it;
    * a rate above `CEILING_FACTOR` × the SKU's aggregate benchmark
      (`commands.core.skus`): not a rate the gateway can carry."""
    return _delta(conn, sample, now, sku_name)[1]


def _delta(conn: Connection, sample: CounterSample | None, now: datetime, sku_name: str) -> tuple[str, str]:
    """(what moved, why there is no rate — "" when there is one)."""
    if sample is None or not _comparable(now, sample.at):
        return "", ""
    seconds = (now - sample.at).total_seconds()
    if seconds <= 0:
        return "", ""
    ago = human_duration(seconds)
    d_out = conn.egress_bytes - sample.egress_bytes
    d_in = conn.ingress_bytes - sample.ingress_bytes
    if d_out < 0 or d_in < 0:
        # Counters restart at each reconnect: a drop is a reconnect, not negative traffic.
        return "", f"the counters went backwards since the last sample {ago} ago (a reconnect or a failover)"
    moved = f"+{human_bytes(d_out)} out, +{human_bytes(d_in)} in in the last {ago}"
    if seconds < MIN_RATE_INTERVAL_S:
        return moved, f"samples {ago} apart, a rate needs at least {MIN_RATE_INTERVAL_S:.0f} s"
    bps = (d_out + d_in) * 8 / seconds
    ceiling = sku(sku_name)
    if ceiling is not None and bps > CEILING_FACTOR * ceiling.aggregate_bps:
        return moved, (
            f"{human_rate((d_out + d_in) / seconds)} would be more than twice the {ceiling.name} aggregate "
            f"estimate ({_mbps(ceiling.aggregate_mbps)}), so the samples are not comparable (a counter reset or "
            "a failover between them)"
        )
    return f"{moved} ({human_rate((d_out + d_in) / seconds)})", ""


def no_rate_finding(conn: Connection, why: str) -> Finding:
    """A connection whose counters give no rate, said as information (the traffic may be fine)."""
    return Finding(
        "info",
        rich("No rate for ", code(conn.name), " since the watch's last sample"),
        evidence=rich(why[:1].upper() + why[1:], "."),
        next_step="The next watch sample gives a rate again.",
        doc_url=DOC_SKUS,
        key=f"no_rate:{rid_key(conn.id)}",
    )


def _mbps(mbps: int) -> str:
    return f"{mbps / 1000:g} Gbit/s" if mbps >= 1000 else f"{mbps} Mbit/s"


def _comparable(a: datetime, b: datetime) -> bool:
    return (a.tzinfo is None) == (b.tzinfo is None)
