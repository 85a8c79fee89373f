"""One throughput judgement per gateway (`commands.findings.capacity.one_source`).

Rule: Microsoft's SKU table gives one aggregate throughput benchmark per SKU, shared by
site-to-site and point-to-site (https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus);
the gateway's bandwidth is measured by the "Gateway S2S Bandwidth" (AverageBandwidth) and
"Gateway P2S Bandwidth" (P2SBandwidth) metrics
(https://learn.microsoft.com/azure/vpn-gateway/monitor-vpn-gateway-reference). So Azure Monitor
is the source where it was read; the watch's counter samples only where it was not, and then
the finding says so. Never both kinds, never two verdicts, for one gateway.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from commands.core.errors import AzureFailure
from commands.core.metrics import MetricSeries
from commands.core.model import Connection, Gateway
from commands.core.reply import Finding
from commands.findings.capacity import one_source
from commands.findings.rates import RatesFailure, RatesReading, Window, gateway_from, rate_findings
from commands.findings.skus import sku_findings, usage

NET = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WINDOW = Window(NOW - timedelta(hours=1), NOW, timedelta(minutes=5))
GB = 1_000_000_000
G = Gateway(f"{NET}/virtualNetworkGateways/vgw", "vgw", "westeurope", sku="VpnGw1AZ")  # 650 Mbit/s
CONNS = [
    replace(
        Connection(f"{NET}/connections/cn-{i}", f"cn-{i}", connection_type="IPsec", gateway1_id=G.id),
        ingress_bytes=10 * GB,
        egress_bytes=10 * GB,
    )
    for i in range(2)
]


@dataclass(frozen=True)
class Sample:
    at: datetime
    ingress_bytes: int
    egress_bytes: int


# 5.5 GB each way per connection in five minutes: about 587 Mbit/s together (90 % of 650)
HIGH = {
    c.id.lower(): Sample(NOW - timedelta(minutes=5), 10 * GB - 5_500_000_000, 10 * GB - 5_500_000_000) for c in CONNS
}


def bandwidth(bytes_per_s: float | None) -> RatesReading:
    pts = tuple((WINDOW.start + i * WINDOW.interval, bytes_per_s) for i in range(12))
    r = RatesReading(WINDOW)
    r.gateways = {G.id.lower(): gateway_from(G.id, [MetricSeries(G.id, "AverageBandwidth", "BytesPerSecond", (), pts)])}
    return r


def unreadable() -> RatesReading:
    r = RatesReading(WINDOW)
    r.failures = [RatesFailure((G.id,), AzureFailure("forbidden", "no Microsoft.Insights/metrics/read"))]
    return r


def judged(reading: RatesReading | None) -> list[Finding]:
    """What the judgement composes: the rate findings and the SKU findings, one source kept."""
    found = rate_findings(reading, [G], CONNS, {}) if reading is not None else []
    return one_source(found + sku_findings(usage([G], CONNS, {}, HIGH, NOW)), reading)


def throughput(found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.key.split(":", 1)[0] in {"near_capacity", "sku_throughput"}]


def test_monitor_read_is_the_one_source_whether_it_agrees_with_the_samples_or_not() -> None:
    # Azure Monitor: 70 MB/s = 560 Mbit/s (86 %) — near; the samples say 90 %: one finding, Monitor's
    (f,) = throughput(judged(bandwidth(70e6)))
    assert f.key == f"near_capacity:{G.id.lower()}"
    # Azure Monitor: 1 MB/s — far from it; the samples' 90 % is not a second, contrary verdict
    assert throughput(judged(bandwidth(1e6))) == []


def test_samples_stand_in_only_where_monitor_could_not_be_read_and_say_so() -> None:
    (f,) = throughput(judged(unreadable()))
    assert f.key == f"sku_throughput:{G.id.lower()}"
    assert "could not be read (forbidden)" in str(f.evidence)
    (g,) = throughput(judged(None))  # not read in this request (no gateway in depth)
    assert g.key.startswith("sku_throughput:") and "was not read" in str(g.evidence)
    (h,) = throughput(judged(bandwidth(None)))  # read, but Azure had no bandwidth points
    assert h.key.startswith("sku_throughput:") and "no bandwidth points" in str(h.evidence)
