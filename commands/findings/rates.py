"""Rates from Azure Monitor metrics, not counters since the last reconnect: what a gateway and
each of its tunnels carried over a window (the last hour by default), and the findings they
show.

The tunnel metrics live on the gateway, split by `ConnectionName` and `RemoteIP`
(`commands.core.metrics`); a connection's rates are its series summed over its remote IPs.
"No data" stays None all the way to the words: a connection Azure has no points for is
"no metrics", never "0 B/s", and a batch that could not be read is a failure said as such.

Findings (each from a documented metric, `commands.core.metrics.DOC_SUPPORTED`):

* `ts_mismatch:<connection>` — packets dropped for a traffic-selector mismatch
  (TunnelIngressPacketDropTSMismatch / TunnelEgressPacketDropTSMismatch);
* `tunnel_drops:<connection>` — packet drops (Tunnel*PacketDropCount) at or above
  `DROP_RATIO` of the tunnel's packets;
* `idle_tunnel:<connection>` — Connected, yet no byte either way in the whole window;
* `bgp_metric:<gateway>:<peer>` — BgpPeerStatus below 1 (down on an instance) during the
  window while `getBgpPeerStatus` says every session to the peer is Connected (it went down
  and came back) or could not be read (else the live `bgp_peer` finding says it);
* `near_capacity:<gateway>` — site-to-site plus point-to-site bandwidth at or above
  `CAPACITY_SHARE` of the SKU's aggregate throughput benchmark (`commands.core.skus`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from commands.core.errors import AzureFailure
from commands.core.metrics import (
    BGP_PEER,
    CONNECTION_NAME,
    DOC_SUPPORTED,
    MetricSeries,
)
from commands.core.model import BgpPeer, Connection, Gateway, rid_key
from commands.core.reply import Finding
from commands.core.skus import DOC_SKUS, sku
from commands.core.text import Rich, code, rich
from commands.core.units import human_bytes, human_duration, human_rate

DOC_SELECTORS = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-connect-multiple-policybased-rm-ps"

# Drops worth a finding: at least this share of the tunnel's packets, and at least this many.
DROP_RATIO = 0.01
MIN_DROPS = 10
# Bandwidth worth a finding: this share of the SKU's aggregate throughput benchmark.
CAPACITY_SHARE = 0.8


@dataclass(frozen=True)
class Window:
    """The time the rates cover: [start, end), in grains of `interval`."""

    start: datetime
    end: datetime
    interval: timedelta

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def words(self) -> str:
        """ "the last hour", "the last 6 h"."""
        s = self.seconds
        if abs(s - 3600) < 1:
            return "the last hour"
        return f"the last {s / 3600:g} h" if s % 3600 == 0 else f"the last {human_duration(s)}"


@dataclass(frozen=True)
class TunnelRates:
    """One connection's tunnel metrics over the window (its remote IPs summed)."""

    gateway_id: str
    connection: str  # the ConnectionName dimension (the connection's name)
    series: dict[str, tuple[tuple[datetime, float | None], ...]]  # metric -> points (summed)
    remote_ips: tuple[str, ...] = ()

    def total(self, metric: str) -> float | None:
        """The sum over the window; None when Azure had no point for it."""
        vals = [v for _, v in self.series.get(metric, ()) if v is not None]
        return float(sum(vals)) if vals else None

    def peak(self, metric: str) -> float | None:
        vals = [v for _, v in self.series.get(metric, ()) if v is not None]
        return max(vals) if vals else None

    @property
    def has_data(self) -> bool:
        return any(v is not None for pts in self.series.values() for _, v in pts)


@dataclass(frozen=True)
class GatewayRates:
    """A gateway's own metrics over the window."""

    gateway_id: str
    s2s_bandwidth: tuple[tuple[datetime, float | None], ...] = ()  # AverageBandwidth, bytes/s
    p2s_bandwidth: tuple[tuple[datetime, float | None], ...] = ()  # P2SBandwidth, bytes/s
    p2s_connections: float | None = None  # P2SConnectionCount, latest minute
    bgp: dict[str, tuple[tuple[datetime, float | None], ...]] = field(default_factory=dict)  # peer -> status

    def peak_bps(self) -> float | None:
        """The highest site-to-site + point-to-site bandwidth of a grain, bits/s."""
        s2s = dict(self.s2s_bandwidth)
        p2s = dict(self.p2s_bandwidth)
        sums = [
            (s2s.get(t) or 0.0) + (p2s.get(t) or 0.0)
            for t in {*s2s, *p2s}
            if s2s.get(t) is not None or p2s.get(t) is not None
        ]
        return max(sums) * 8 if sums else None


@dataclass(frozen=True)
class RatesFailure:
    """A batch that could not be read: the gateways it was for, and why."""

    gateway_ids: tuple[str, ...]
    error: AzureFailure


@dataclass
class RatesReading:
    """What Azure Monitor said about the gateways read in depth, and what it could not."""

    window: Window
    gateways: dict[str, GatewayRates] = field(default_factory=dict)  # gateway key ->
    tunnels: dict[tuple[str, str], TunnelRates] = field(default_factory=dict)  # (gateway key, name lower) ->
    failures: list[RatesFailure] = field(default_factory=list)

    def unread(self, gateway_id: str) -> AzureFailure | None:
        """Why this gateway's metrics could not be read (None when they were)."""
        k = rid_key(gateway_id)
        return next((f.error for f in self.failures if k in {rid_key(g) for g in f.gateway_ids}), None)

    def tunnel(self, conn: Connection) -> TunnelRates | None:
        """The tunnel metrics of a connection (on its own gateway, gateway1)."""
        return self.tunnels.get((rid_key(conn.gateway1_id), conn.name.lower()))


# --- series → rates ------------------------------------------------------------------------


def _summed(series: Iterable[MetricSeries]) -> tuple[tuple[datetime, float | None], ...]:
    """Several series of one metric summed per time grain (None where none has data)."""
    acc: dict[datetime, float | None] = {}
    for s in series:
        for t, v in s.points:
            if v is None:
                acc.setdefault(t, None)
            else:
                acc[t] = (acc.get(t) or 0.0) + v
    return tuple(sorted(acc.items()))


def tunnels_from(series: Sequence[MetricSeries]) -> dict[tuple[str, str], TunnelRates]:
    """Tunnel series (split by ConnectionName, RemoteIP) → one `TunnelRates` per connection."""
    by: dict[tuple[str, str], dict[str, list[MetricSeries]]] = {}
    names: dict[tuple[str, str], tuple[str, str]] = {}
    ips: dict[tuple[str, str], set[str]] = {}
    for s in series:
        conn = s.dimension(CONNECTION_NAME)
        if not conn:
            continue
        k = (rid_key(s.resource_id), conn.lower())
        names[k] = (s.resource_id, conn)
        by.setdefault(k, {}).setdefault(s.name, []).append(s)
        ip = s.dimension("RemoteIP")
        if ip:
            ips.setdefault(k, set()).add(ip)
    return {
        k: TunnelRates(
            gateway_id=names[k][0],
            connection=names[k][1],
            series={m: _summed(ss) for m, ss in per.items()},
            remote_ips=tuple(sorted(ips.get(k, set()))),
        )
        for k, per in by.items()
    }


def gateway_from(gateway_id: str, series: Sequence[MetricSeries]) -> GatewayRates:
    """A gateway's own series (bandwidths, P2S count, BGP peer status) → `GatewayRates`."""
    mine = [s for s in series if rid_key(s.resource_id) == rid_key(gateway_id)]
    bgp: dict[str, list[MetricSeries]] = {}
    for s in mine:
        if s.name == "BgpPeerStatus" and s.dimension(BGP_PEER):
            bgp.setdefault(s.dimension(BGP_PEER), []).append(s)
    count = [v for s in mine if s.name == "P2SConnectionCount" for v in s.values[-1:]]
    return GatewayRates(
        gateway_id=gateway_id,
        s2s_bandwidth=_summed(s for s in mine if s.name == "AverageBandwidth"),
        p2s_bandwidth=_summed(s for s in mine if s.name == "P2SBandwidth"),
        p2s_connections=float(sum(count)) if count else None,
        bgp={peer: _averaged(ss) for peer, ss in bgp.items()},
    )


def _averaged(series: list[MetricSeries]) -> tuple[tuple[datetime, float | None], ...]:
    acc: dict[datetime, list[float]] = {}
    for s in series:
        for t, v in s.points:
            acc.setdefault(t, [])
            if v is not None:
                acc[t].append(v)
    return tuple((t, (sum(vs) / len(vs)) if vs else None) for t, vs in sorted(acc.items()))


# --- words -----------------------------------------------------------------------------------


def rate_words(t: TunnelRates | None, window: Window) -> str:
    """ "↑ 1.9 Mbit/s ↓ 0 bit/s · 12 k packets/min · 0 drops" averaged over the window, or why not."""
    if t is None or not t.has_data:
        return f"no metrics from Azure Monitor for {window.words}"
    secs = window.seconds or 1.0
    out, inn = t.total("TunnelEgressBytes"), t.total("TunnelIngressBytes")
    bits = [
        f"↑ {_rate(out, secs)} ↓ {_rate(inn, secs)}",
    ]
    peak = t.peak("TunnelPeakPackets")
    if peak is not None:
        bits.append(f"peak {peak:,.0f} packets/s")
    drops = _sum(t.total("TunnelEgressPacketDropCount"), t.total("TunnelIngressPacketDropCount"))
    ts = _sum(t.total("TunnelEgressPacketDropTSMismatch"), t.total("TunnelIngressPacketDropTSMismatch"))
    if drops is not None:
        bits.append(f"{drops:,.0f} dropped")
    if ts:
        bits.append(f"{ts:,.0f} selector-mismatch drops")
    return f"{window.words}: " + " · ".join(bits)


def _rate(total: float | None, seconds: float) -> str:
    return "no data" if total is None else human_rate(total / seconds)


def _sum(*xs: float | None) -> float | None:
    have = [x for x in xs if x is not None]
    return float(sum(have)) if have else None


def gateway_words(g: GatewayRates | None, gw: Gateway, window: Window) -> str:
    """ "peak 2.1 Mbit/s of the VpnGw2AZ's 1.25 Gbit/s · 2 VPN clients now"."""
    if g is None:
        return f"no metrics from Azure Monitor for {window.words}"
    bits = []
    peak = g.peak_bps()
    ceiling = sku(gw.sku)
    if peak is None:
        bits.append("bandwidth: no data")
    elif ceiling is not None:
        share = peak / ceiling.aggregate_bps
        said = "under 1%" if 0 < share < 0.005 else f"{share:.0%}"
        bits.append(f"peak {human_rate(peak / 8)} ({said} of the {ceiling.name} throughput benchmark)")
    else:
        bits.append(f"peak {human_rate(peak / 8)}")
    if gw.serves_p2s and g.p2s_connections is not None:
        bits.append(f"{g.p2s_connections:.0f} VPN client{'s' if g.p2s_connections != 1 else ''} connected")
    return f"{window.words}: " + " · ".join(bits)


# --- findings ---------------------------------------------------------------------------------


def rate_findings(
    reading: RatesReading,
    gateways: Sequence[Gateway],
    connections: Sequence[Connection],
    bgp_live: dict[str, tuple[BgpPeer, ...] | None],
) -> list[Finding]:
    """Every finding the rates show, for the gateways and connections read in depth.
    `bgp_live`: gateway key -> what getBgpPeerStatus said (None: could not be read)."""
    out: list[Finding] = []
    w = reading.window
    for c in connections:
        t = reading.tunnel(c)
        if t is None or not t.has_data:
            continue
        out += [f for f in (_ts_mismatch(c, t, w), _drops(c, t, w), _idle(c, t, w)) if f is not None]
    for gw in gateways:
        g = reading.gateways.get(rid_key(gw.id))
        if g is None:
            continue
        f = _near_capacity(gw, g, w)
        if f is not None:
            out.append(f)
        out += _bgp(gw, g, w, bgp_live.get(rid_key(gw.id)))
    return out


def _ts_mismatch(c: Connection, t: TunnelRates, w: Window) -> Finding | None:
    inn = t.total("TunnelIngressPacketDropTSMismatch") or 0.0
    out = t.total("TunnelEgressPacketDropTSMismatch") or 0.0
    if inn + out <= 0:
        return None
    return Finding(
        "warning",
        rich(code(c.name), f" drops packets that match no traffic selector ({inn + out:,.0f} in {w.words})"),
        evidence=rich(
            f"Azure Monitor counted {inn:,.0f} incoming and {out:,.0f} outgoing packets dropped for a "
            "traffic-selector mismatch (TunnelIngressPacketDropTSMismatch, TunnelEgressPacketDropTSMismatch): "
            "they came from or went to addresses outside the ranges the two ends negotiated for the tunnel."
        ),
        next_step=rich(
            "Make both ends' selectors the same ranges: the local network gateway's address space (and "
            "policy-based traffic selectors, if set) on Azure's side, the far device's local and remote "
            "networks on the other; ",
            code(f"/vpn metrics {c.name}"),
            " shows when they happen.",
        ),
        doc_url=DOC_SELECTORS,
        key=f"ts_mismatch:{rid_key(c.id)}",
    )


def _drops(c: Connection, t: TunnelRates, w: Window) -> Finding | None:
    drops = (t.total("TunnelIngressPacketDropCount") or 0.0) + (t.total("TunnelEgressPacketDropCount") or 0.0)
    packets = (t.total("TunnelIngressPackets") or 0.0) + (t.total("TunnelEgressPackets") or 0.0)
    if drops < MIN_DROPS or drops < DROP_RATIO * (packets + drops):
        return None
    share = drops / (packets + drops) if packets + drops else 1.0
    return Finding(
        "warning",
        rich(code(c.name), f" drops {share:.1%} of its packets ({drops:,.0f} in {w.words})"),
        evidence=rich(
            f"Tunnel{{Ingress,Egress}}PacketDropCount: {drops:,.0f} dropped, {packets:,.0f} carried. "
            "Drops beyond the selector mismatches come from the tunnel being renegotiated, MTU/MSS "
            "(fragments over 1400 bytes) or a gateway at its limits."
        ),
        next_step=rich(
            "Clamp TCP MSS to 1350 on the far device and check the peak against the SKU; ",
            code(f"/vpn metrics {c.name} 6h"),
            " shows whether it is steady or a burst.",
        ),
        doc_url=DOC_SUPPORTED,
        key=f"tunnel_drops:{rid_key(c.id)}",
    )


def _idle(c: Connection, t: TunnelRates, w: Window) -> Finding | None:
    if c.status.lower() != "connected":
        return None
    out, inn = t.total("TunnelEgressBytes"), t.total("TunnelIngressBytes")
    if out is None or inn is None or out + inn > 0:
        return None
    return Finding(
        "warning",
        rich(code(c.name), f" is Connected but carried no traffic in {w.words}"),
        evidence=rich(
            "Azure Monitor's TunnelIngressBytes and TunnelEgressBytes are 0 for every time grain: the IPsec "
            "tunnel is up, yet nothing is routed into it (or the far side sends nothing)."
        ),
        next_step=rich(
            "If something should use this tunnel, check that its destinations are routed to the gateway (",
            code(f"/vpn routes {name_of_gateway(c)}"),
            ") and that the far side routes the Azure ranges into the tunnel; if nothing should, ignore this.",
        ),
        doc_url=DOC_SUPPORTED,
        key=f"idle_tunnel:{rid_key(c.id)}",
    )


def name_of_gateway(c: Connection) -> str:
    return c.gateway1_id.rstrip("/").rsplit("/", 1)[-1] if c.gateway1_id else "<gateway>"


def _near_capacity(gw: Gateway, g: GatewayRates, w: Window) -> Finding | None:
    ceiling = sku(gw.sku)
    peak = g.peak_bps()
    if ceiling is None or peak is None or peak < CAPACITY_SHARE * ceiling.aggregate_bps:
        return None
    return Finding(
        "warning",
        rich(
            code(gw.name),
            f" peaked at {peak / ceiling.aggregate_bps:.0%} of the {ceiling.name} throughput benchmark in {w.words}",
        ),
        evidence=rich(
            f"AverageBandwidth + P2SBandwidth peaked at {human_rate(peak / 8)}; Microsoft's aggregate "
            f"benchmark for {ceiling.name} is {ceiling.aggregate_mbps:,} Mbit/s (site-to-site and "
            "point-to-site share it; a benchmark, not a guarantee)."
        ),
        next_step=rich("Resize to a larger SKU before users feel it, or move traffic to another gateway."),
        doc_url=DOC_SKUS,
        key=f"near_capacity:{rid_key(gw.id)}",
    )


def _bgp(gw: Gateway, g: GatewayRates, w: Window, live: tuple[BgpPeer, ...] | None) -> list[Finding]:
    out: list[Finding] = []
    for peer, points in g.bgp.items():
        down = [t for t, v in points if v is not None and v < 1.0]
        if not down:
            continue
        states = [p.state.lower() for p in live or () if p.neighbor == peer]
        if any(s != "connected" for s in states):
            continue  # getBgpPeerStatus says a session is down now: the `bgp_peer` finding says it
        minutes = len(down) * w.interval.total_seconds() / 60
        now_down = points[-1][1] is not None and (points[-1][1] or 0.0) < 1.0
        title: Rich = rich(
            "BGP peer ",
            code(peer),
            " of ",
            code(gw.name),
            " is down on an instance" if now_down else f" was down for about {minutes:.0f} min of {w.words}",
        )
        out.append(
            Finding(
                "warning",
                title,
                evidence=rich(
                    f"BgpPeerStatus (1 = up, averaged over instances) was below 1 in {len(down)} of "
                    f"{len(points)} time grains"
                    + (", and getBgpPeerStatus could not be read." if live is None else ".")
                ),
                next_step=rich(
                    "Check the peer's session on both gateway instances and the far device's BGP log; ",
                    code(f"/vpn routes {gw.name}"),
                    " shows what is learned now.",
                ),
                doc_url=DOC_SUPPORTED,
                key=f"bgp_metric:{rid_key(gw.id)}:{peer}",
            )
        )
    return out


def bytes_words(total: float | None) -> str:
    return "no data" if total is None else human_bytes(total)


__all__ = [
    "CAPACITY_SHARE",
    "DROP_RATIO",
    "GatewayRates",
    "RatesFailure",
    "RatesReading",
    "TunnelRates",
    "Window",
    "gateway_from",
    "gateway_words",
    "rate_findings",
    "rate_words",
    "tunnels_from",
]
