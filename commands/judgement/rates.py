"""Reading the gateways' Azure Monitor metrics: a phase after the gateways are read in depth.

The batch API reads up to 50 resources of one subscription, region and type per call
(`commands.core.metrics.DOC_BATCH`), so the gateways are grouped by (subscription, region)
and chunked by 50; each chunk takes four calls, one per set of dimensions the metrics are
split by (Azure refuses a filter on a dimension a metric has not):

* the tunnel metrics, split by `ConnectionName` and `RemoteIP`, each read in the aggregation
  Microsoft's table lists for it (bytes, packets and drops Total, bandwidth Average, peak
  packets Maximum: one call asks for the three, `MetricsQuery.per_metric`);
* `BgpPeerStatus` split by `BgpPeerAddress`;
* `AverageBandwidth` and `P2SBandwidth` (Average);
* `P2SConnectionCount` at its one-minute grain over the last five minutes (its Total
  summed over a longer grain would count each client once per minute).

Every call runs through `commands.core.fanout.gather`; a chunk that fails is kept as a
failure of its gateways ("could not read metrics", never zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from commands.core.errors import AzureFailure
from commands.core.fanout import gather
from commands.core.metrics import (
    BATCH_MAX_RESOURCES,
    BGP_PEER,
    CONNECTION_NAME,
    METRICS,
    REMOTE_IP,
    TUNNEL_METRICS,
    MetricSeries,
    MetricsQuery,
    split_filter,
)
from commands.core.model import Gateway, ResourceId, rid_key
from commands.core.registry import Ctx
from commands.findings.rates import RatesFailure, RatesReading, Window, gateway_from, tunnels_from

# The windows `/vpn metrics` offers, and the time grain each is read in (a chart of 12–24 points).
WINDOWS: dict[str, tuple[timedelta, timedelta]] = {
    "1h": (timedelta(hours=1), timedelta(minutes=5)),
    "6h": (timedelta(hours=6), timedelta(minutes=15)),
    "24h": (timedelta(hours=24), timedelta(hours=1)),
}
DEFAULT_WINDOW = "1h"


def window_ending(now: datetime, span: str = DEFAULT_WINDOW) -> Window:
    """The window of `span` that ends at the last whole time grain before `now`."""
    length, grain = WINDOWS[span]
    step = int(grain.total_seconds())
    end_s = int(now.timestamp()) // step * step
    end = now - timedelta(seconds=now.timestamp() - end_s)
    return Window(end - length, end, grain)


def _queries(sub: str, region: str, ids: tuple[str, ...], w: Window) -> list[tuple[str, MetricsQuery]]:
    base = MetricsQuery(sub, region, ids, (), "average", w.start, w.end, w.interval)
    p2s_end = w.end
    return [
        (
            "tunnel",
            replace(
                base,
                names=TUNNEL_METRICS,
                aggregation="total",
                per_metric=tuple((m, aggregation_of(m)) for m in TUNNEL_METRICS),
                filter=split_filter(CONNECTION_NAME, REMOTE_IP),
            ),
        ),
        ("bgp", replace(base, names=("BgpPeerStatus",), aggregation="average", filter=split_filter(BGP_PEER))),
        ("bandwidth", replace(base, names=("AverageBandwidth", "P2SBandwidth"), aggregation="average")),
        (
            "p2s",
            replace(
                base,
                names=("P2SConnectionCount",),
                aggregation="total",
                start=p2s_end - timedelta(minutes=5),
                interval=timedelta(minutes=1),
            ),
        ),
    ]


def read_rates(ctx: Ctx, gateways: Sequence[Gateway], window: Window) -> RatesReading:
    """The metrics of `gateways` over `window`, in as few batch calls as Azure allows."""
    reading = RatesReading(window)
    groups: dict[tuple[str, str], list[Gateway]] = {}
    for g in gateways:
        try:
            sub = ResourceId.parse(g.id).subscription_id
        except ValueError:
            continue
        groups.setdefault((sub.lower(), g.location.replace(" ", "").lower()), []).append(g)
    tasks: list[tuple[str, tuple[str, ...], MetricsQuery]] = []
    for (sub, region), gws in groups.items():
        for i in range(0, len(gws), BATCH_MAX_RESOURCES):
            ids = tuple(g.id for g in gws[i : i + BATCH_MAX_RESOURCES])
            tasks += [(kind, ids, q) for kind, q in _queries(sub, region, ids, window)]
    outcomes = gather([partial(ctx.azure.metrics_batch, q) for _, _, q in tasks], ctx.settings.concurrency)
    tunnel: list[MetricSeries] = []
    own: list[MetricSeries] = []
    failed: dict[tuple[str, ...], AzureFailure] = {}
    for (kind, ids, _q), out in zip(tasks, outcomes, strict=True):
        if out.error is not None:
            failed.setdefault(ids, _said(out.error))
            continue
        got = list(out.value or [])
        if kind == "tunnel":
            tunnel += got
        else:
            own += got
    reading.failures = [RatesFailure(ids, err) for ids, err in failed.items()]
    lost = {rid_key(i) for ids in failed for i in ids}
    reading.tunnels = {k: t for k, t in tunnels_from(tunnel).items() if k[0] not in lost}
    reading.gateways = {rid_key(g.id): gateway_from(g.id, own) for g in gateways if rid_key(g.id) not in lost}
    return reading


def aggregation_of(metric: str) -> str:
    """The aggregation Microsoft's table lists for a metric, as the API names it."""
    d = METRICS.get(metric)
    return (d.aggregation if d else "Average").lower()


def _said(e: AzureFailure) -> AzureFailure:
    """The batch API answers 401 when the identity lacks Monitoring Reader on the subscription
    ("401 authorization errors", DOC_BATCH): a missing permission, said as one."""
    if e.kind == "unauthenticated" and e.status == 401:
        return AzureFailure(
            "forbidden",
            "the batch metrics API needs Monitoring Reader (Microsoft.Insights/metrics/read) on the subscription"
            + (f": {e.message}" if e.message else ""),
            e.code,
            e.target,
            e.status,
        )
    return e


__all__ = ["DEFAULT_WINDOW", "WINDOWS", "aggregation_of", "read_rates", "window_ending"]
