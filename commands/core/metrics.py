"""Azure Monitor metrics of VPN gateways, as Microsoft publishes them, and the batch query.

Sources:

* "Supported metrics for Microsoft.Network/virtualNetworkGateways"
  (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-network-virtualnetworkgateways-metrics)
  — the names in the REST API, units, aggregations and dimensions below; and "Monitoring
  Azure VPN Gateway data reference" (`DOC_METRICS`): metrics are collected every minute.
  The tunnel metrics live on the gateway, split by `ConnectionName` and `RemoteIP` (and
  `Instance`); a connection resource has no metrics of its own.
* "Migrate from the metrics API to the getBatch API" (`DOC_BATCH`): `metrics:getBatch` on
  the regional endpoint `https://{region}.metrics.monitor.azure.com` reads up to 50
  resources per call, all in one subscription, one region and of one type; paging is not
  supported; the caller needs Monitoring Reader (Microsoft.Insights/metrics/read) on the
  subscription.

The domain asks the port for one batch (`MetricsQuery`) and gets `MetricSeries` back: one
per (resource, metric, dimension values), each point the value of the query's aggregation
in one time grain, or None where Azure had no data — never 0 for "no data".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DOC_METRICS = "https://learn.microsoft.com/azure/vpn-gateway/monitor-vpn-gateway-reference"
DOC_SUPPORTED = (
    "https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/"
    "microsoft-network-virtualnetworkgateways-metrics"
)
DOC_BATCH = "https://learn.microsoft.com/azure/azure-monitor/metrics/migrate-to-batch-api"

GATEWAY_NAMESPACE = "Microsoft.Network/virtualNetworkGateways"
# The batch API's limit: "Up to 50 unique resource IDs can be specified in each call."
BATCH_MAX_RESOURCES = 50

CONNECTION_NAME = "ConnectionName"
REMOTE_IP = "RemoteIP"
BGP_PEER = "BgpPeerAddress"
INSTANCE = "Instance"
PROTOCOL = "Protocol"


@dataclass(frozen=True)
class MetricDef:
    """One metric as Microsoft's table lists it."""

    name: str  # the name in the REST API
    display: str  # the portal's name
    unit: str  # Bytes | BytesPerSecond | Count
    aggregation: str  # the one the table lists (Average | Total | Maximum)
    dimensions: tuple[str, ...]
    grain_minutes: int = 5  # the finest time grain


_TUNNEL = (CONNECTION_NAME, REMOTE_IP, INSTANCE)
_DEFS = (
    MetricDef("AverageBandwidth", "Gateway S2S Bandwidth", "BytesPerSecond", "Average", (INSTANCE,)),
    MetricDef("P2SBandwidth", "Gateway P2S Bandwidth", "BytesPerSecond", "Average", (INSTANCE,), 1),
    MetricDef("P2SConnectionCount", "P2S Connection Count", "Count", "Total", (PROTOCOL, INSTANCE), 1),
    MetricDef("BgpPeerStatus", "BGP Peer Status", "Count", "Average", (BGP_PEER, INSTANCE)),
    MetricDef("TunnelAverageBandwidth", "Tunnel Bandwidth", "BytesPerSecond", "Average", _TUNNEL),
    MetricDef("TunnelEgressBytes", "Tunnel Egress Bytes", "Bytes", "Total", _TUNNEL),
    MetricDef("TunnelIngressBytes", "Tunnel Ingress Bytes", "Bytes", "Total", _TUNNEL),
    MetricDef("TunnelEgressPackets", "Tunnel Egress Packets", "Count", "Total", _TUNNEL),
    MetricDef("TunnelIngressPackets", "Tunnel Ingress Packets", "Count", "Total", _TUNNEL),
    MetricDef("TunnelEgressPacketDropCount", "Tunnel Egress Packet Drop Count", "Count", "Total", _TUNNEL),
    MetricDef("TunnelIngressPacketDropCount", "Tunnel Ingress Packet Drop Count", "Count", "Total", _TUNNEL),
    MetricDef("TunnelEgressPacketDropTSMismatch", "Tunnel Egress TS Mismatch Packet Drop", "Count", "Total", _TUNNEL),
    MetricDef("TunnelIngressPacketDropTSMismatch", "Tunnel Ingress TS Mismatch Packet Drop", "Count", "Total", _TUNNEL),
    MetricDef("TunnelPeakPackets", "Tunnel Peak PPS", "Count", "Maximum", _TUNNEL),
)
METRICS: dict[str, MetricDef] = {d.name: d for d in _DEFS}

TUNNEL_METRICS = tuple(d.name for d in _DEFS if d.dimensions == _TUNNEL)


@dataclass(frozen=True)
class MetricsQuery:
    """One `metrics:getBatch` call: resources of one subscription, region and type (at most
    `BATCH_MAX_RESOURCES`), the metrics, one aggregation, the window and its time grain, and
    the dimension filter that splits the series (`"ConnectionName eq '*' and RemoteIP eq '*'"`;
    "" for one series per metric)."""

    subscription_id: str
    region: str  # the resources' location, e.g. "northeurope": it picks the regional endpoint
    resource_ids: tuple[str, ...]
    names: tuple[str, ...]
    aggregation: str  # average | total | maximum | minimum | count
    start: datetime
    end: datetime
    interval: timedelta
    namespace: str = GATEWAY_NAMESPACE
    filter: str = ""
    # metric -> the aggregation its points carry, when it is not `aggregation` (one call may
    # read Total bytes and Average bandwidth: Azure answers every aggregation asked for).
    per_metric: tuple[tuple[str, str], ...] = ()

    @property
    def aggregations(self) -> tuple[str, ...]:
        """Every aggregation the call asks for."""
        return tuple(dict.fromkeys([self.aggregation.lower(), *(a.lower() for _, a in self.per_metric)]))

    def aggregation_of(self, metric: str) -> str:
        return next((a.lower() for m, a in self.per_metric if m == metric), self.aggregation.lower())


@dataclass(frozen=True)
class MetricSeries:
    """One time series of one metric of one resource: `points` are (start of the time grain,
    the value of the query's aggregation, or None where Azure had no data)."""

    resource_id: str
    name: str
    unit: str
    dimensions: tuple[tuple[str, str], ...]  # (name, value) as Azure names them
    points: tuple[tuple[datetime, float | None], ...]

    def dimension(self, name: str) -> str:
        low = name.lower()
        return next((v for k, v in self.dimensions if k.lower() == low), "")

    @property
    def values(self) -> list[float]:
        """The points that have data."""
        return [v for _, v in self.points if v is not None]


def split_filter(*dimensions: str) -> str:
    """The filter that splits every series by these dimensions: "A eq '*' and B eq '*'"."""
    return " and ".join(f"{d} eq '*'" for d in dimensions)


__all__ = [
    "BATCH_MAX_RESOURCES",
    "BGP_PEER",
    "CONNECTION_NAME",
    "DOC_BATCH",
    "DOC_METRICS",
    "DOC_SUPPORTED",
    "GATEWAY_NAMESPACE",
    "INSTANCE",
    "METRICS",
    "PROTOCOL",
    "REMOTE_IP",
    "TUNNEL_METRICS",
    "MetricDef",
    "MetricSeries",
    "MetricsQuery",
    "split_filter",
]
