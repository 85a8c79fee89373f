"""Rates and their findings from Azure Monitor series (`commands.findings.rates`).

Rules from Microsoft's metric reference (TunnelIngress/EgressPacketDropTSMismatch count
packets dropped for a traffic-selector mismatch; BgpPeerStatus is 1 when the session is up;
the SKU table's aggregate throughput is a benchmark shared by S2S and P2S)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commands.core.metrics import MetricSeries
from commands.core.model import BgpPeer, Connection, Gateway
from commands.findings.rates import (
    RatesReading,
    Window,
    gateway_from,
    gateway_words,
    rate_findings,
    rate_words,
    tunnels_from,
)

END = datetime(2026, 3, 23, 14, 0, tzinfo=UTC)
WINDOW = Window(END - timedelta(hours=1), END, timedelta(minutes=5))
GW = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/gw"
CONN = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/cn"


def series(name: str, per_grain: float | None, conn: str = "cn", ip: str = "198.51.100.1") -> MetricSeries:
    pts = tuple((WINDOW.start + i * WINDOW.interval, per_grain) for i in range(12))
    dims = (("ConnectionName", conn), ("RemoteIP", ip)) if conn else ()
    return MetricSeries(GW, name, "Count", dims, pts)


def reading(*ss: MetricSeries) -> RatesReading:
    r = RatesReading(WINDOW)
    tunnel = [s for s in ss if s.dimension("ConnectionName")]
    r.tunnels = tunnels_from(tunnel)
    r.gateways = {GW.lower(): gateway_from(GW, [s for s in ss if not s.dimension("ConnectionName")])}
    return r


def conn(status: str = "Connected") -> Connection:
    return Connection(CONN, "cn", connection_type="IPsec", status=status, gateway1_id=GW)


def gw(sku: str = "VpnGw1") -> Gateway:
    return Gateway(GW, "gw", sku=sku)


def keys(r: RatesReading, c: Connection | None = None, bgp: tuple[BgpPeer, ...] | None = ()) -> set[str]:
    found = rate_findings(r, [gw()], [c or conn()], {GW.lower(): bgp})
    return {f.key.split(":", 1)[0] for f in found}


def test_traffic_selector_mismatch_drops_are_a_finding() -> None:
    r = reading(series("TunnelIngressBytes", 1e6), series("TunnelIngressPacketDropTSMismatch", 3))
    assert "ts_mismatch" in keys(r)


def test_no_mismatch_no_finding() -> None:
    r = reading(series("TunnelIngressBytes", 1e6), series("TunnelIngressPacketDropTSMismatch", 0))
    assert keys(r) == set()


def test_drops_above_one_percent_are_a_finding_and_below_are_not() -> None:
    heavy = reading(series("TunnelIngressPackets", 1000), series("TunnelIngressPacketDropCount", 20))
    light = reading(series("TunnelIngressPackets", 100000), series("TunnelIngressPacketDropCount", 20))
    assert "tunnel_drops" in keys(heavy)
    assert "tunnel_drops" not in keys(light)


def test_connected_tunnel_without_traffic_is_idle_but_no_data_is_not() -> None:
    idle = reading(series("TunnelIngressBytes", 0), series("TunnelEgressBytes", 0))
    assert "idle_tunnel" in keys(idle)
    assert "idle_tunnel" not in keys(idle, conn("NotConnected"))  # down: the status says it
    unknown = reading(series("TunnelIngressBytes", None), series("TunnelEgressBytes", None))
    assert keys(unknown) == set()
    assert "no metrics" in rate_words(unknown.tunnels.get((GW.lower(), "cn")), WINDOW)


def test_rates_are_averaged_over_the_window_and_remote_ips_summed() -> None:
    r = reading(
        # 12 grains × 2 remote IPs × 18.75 MB = 450 MB in an hour = 125 kB/s
        series("TunnelEgressBytes", 18.75e6, ip="198.51.100.1"),
        series("TunnelEgressBytes", 18.75e6, ip="198.51.100.2"),
        series("TunnelIngressBytes", 0),
    )
    t = r.tunnels[(GW.lower(), "cn")]
    assert t.remote_ips == ("198.51.100.1", "198.51.100.2")
    words = rate_words(t, WINDOW)
    assert "↑ 1.0 Mbit/s ↓ 0 bit/s" in words  # 125 kB/s; 0 in, never "no data"


def test_bandwidth_near_the_sku_benchmark() -> None:
    near = reading(series("AverageBandwidth", 70e6, conn=""))  # 560 Mbit/s of VpnGw1's 650
    far = reading(series("AverageBandwidth", 1e6, conn=""))
    assert "near_capacity" in keys(near)
    assert "near_capacity" not in keys(far)
    assert "benchmark" in gateway_words(far.gateways[GW.lower()], gw(), WINDOW)


def test_bgp_metric_down_when_live_status_says_connected_or_is_unread() -> None:
    bgp = MetricSeries(
        GW,
        "BgpPeerStatus",
        "Count",
        (("BgpPeerAddress", "10.2.0.4"),),
        tuple((WINDOW.start + i * WINDOW.interval, 0.0 if i in (3, 4) else 1.0) for i in range(12)),
    )
    r = reading(bgp)
    up = (BgpPeer("10.2.0.4", state="Connected"),)
    down = (BgpPeer("10.2.0.4", state="Connecting"),)
    assert "bgp_metric" in keys(r, bgp=up)
    assert "bgp_metric" in keys(r, bgp=None)
    assert "bgp_metric" not in keys(r, bgp=down)  # the live bgp_peer finding says it
