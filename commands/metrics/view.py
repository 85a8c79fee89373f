"""One gateway's or one connection's Azure Monitor metrics in words and pictures.

`rates_parts` is what a command shows about one resource's rates: the rates over the window,
the findings they give (the same `commands.findings.rates` rules the one judgement applies,
so `/vpn status` and this agree), and a chart where a line says less than a picture. `/vpn
metrics` uses it, and so can `/vpn connection`:

    from commands.metrics.view import read_rates_of, rates_parts
    reading = read_rates_of(ctx, gateway, "1h")
    reply.more(*rates_parts(reading, gateway_facts, connection))
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from commands.core.model import Connection, Gateway, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Chart, ChartSeries, Fields, Finding, Part, Text
from commands.core.text import Icon, Rich, code, rich, strong
from commands.findings.connections.facts import GatewayFacts
from commands.findings.rates import (
    RatesReading,
    TunnelRates,
    gateway_words,
    rate_findings,
    rate_words,
)
from commands.judgement.rates import DEFAULT_WINDOW, read_rates, window_ending

Points = tuple[tuple[datetime, float | None], ...]


def read_rates_of(ctx: Ctx, gateway: Gateway, span: str = DEFAULT_WINDOW) -> RatesReading:
    """One gateway's metrics (its tunnels' included) over the window `span` ("1h", "6h", "24h")."""
    return read_rates(ctx, [gateway], window_ending(ctx.now(), span))


def findings_of(reading: RatesReading, gf: GatewayFacts, connection: Connection | None = None) -> list[Finding]:
    """The rate findings about the gateway (or only the connection), as the judgement makes them."""
    gw = gf.gateway
    found = rate_findings(reading, [gw], list(gf.connections), {rid_key(gw.id): gf.bgp_peers})
    if connection is None:
        return found
    return [f for f in found if rid_key(connection.id) in f.key]


def rates_parts(reading: RatesReading, gf: GatewayFacts, connection: Connection | None = None) -> list[Part]:
    """The parts that show the rates of a gateway (or one of its connections): a summary, the
    findings, the figures and a chart. "Could not read" is said as such, never as zero."""
    gw = gf.gateway
    w = reading.window
    why = reading.unread(gw.id)
    if why is not None:
        return [
            Text(
                rich(
                    Icon.WARNING,
                    " Azure Monitor metrics of ",
                    code(gw.name),
                    f" could not be read: {why.kind}",
                    f" ({why.code})" if why.code else None,
                    ". ",
                    why.message,
                    " ",
                    why.advice,
                )
            )
        ]
    parts: list[Part] = list(findings_of(reading, gf, connection))
    if connection is not None:
        t = reading.tunnel(connection)
        parts.append(Text(rich(strong(connection.name), " · ", rate_words(t, w))))
        if t is not None and t.has_data:
            parts.append(_tunnel_fields(t))
            chart = tunnel_chart(t, connection.name, w.words)
            if chart is not None:
                parts.append(chart)
        return parts
    g = reading.gateways.get(rid_key(gw.id))
    parts.append(Text(rich(strong(gw.name), " · ", gateway_words(g, gw, w))))
    lines = [rich("• ", code(c.name), " ", rate_words(reading.tunnel(c), w)) for c in gf.connections]
    if lines:
        parts.append(Text(rich(*[x for line in lines for x in (line, "\n")][:-1])))
    if g is not None:
        chart = gateway_chart(g.s2s_bandwidth, g.p2s_bandwidth, gw.name, w.words)
        if chart is not None:
            parts.append(chart)
    return parts


def _tunnel_fields(t: TunnelRates) -> Fields:
    def n(metric: str) -> str:
        v = t.total(metric)
        return "no data" if v is None else f"{v:,.0f}"

    def b(metric: str) -> str:
        from commands.core.units import human_bytes

        v = t.total(metric)
        return "no data" if v is None else human_bytes(v)

    items: Sequence[tuple[str, str]] = (
        ("Bytes out / in", f"{b('TunnelEgressBytes')} / {b('TunnelIngressBytes')}"),
        ("Packets out / in", f"{n('TunnelEgressPackets')} / {n('TunnelIngressPackets')}"),
        ("Dropped out / in", f"{n('TunnelEgressPacketDropCount')} / {n('TunnelIngressPacketDropCount')}"),
        (
            "Selector mismatch out / in",
            f"{n('TunnelEgressPacketDropTSMismatch')} / {n('TunnelIngressPacketDropTSMismatch')}",
        ),
        ("Remote IPs", ", ".join(t.remote_ips) or "?"),
    )
    return Fields(tuple((rich(k), rich(v)) for k, v in items))


def _mbps(points: Points, seconds: float) -> Points:
    """Bytes per grain → Mbit/s."""
    return tuple((t, None if v is None else v * 8 / seconds / 1e6) for t, v in points)


def _worth_a_picture(series: Sequence[ChartSeries]) -> bool:
    """A chart says more than the line of text only when something varies over the window."""
    values = [v for s in series for _, v in s.points if v is not None]
    return len(values) >= 3 and max(values) > 0 and max(values) != min(values)


def tunnel_chart(t: TunnelRates, name: str, words: str) -> Chart | None:
    """Traffic out and in, Mbit/s per time grain; drops on their own line when there are any."""
    pts = t.series.get("TunnelEgressBytes", ())
    if len(pts) < 2:
        return None
    grain = (pts[1][0] - pts[0][0]).total_seconds() or 300.0
    series = [
        ChartSeries("out", _mbps(t.series.get("TunnelEgressBytes", ()), grain)),
        ChartSeries("in", _mbps(t.series.get("TunnelIngressBytes", ()), grain)),
    ]
    if not _worth_a_picture(series):
        return None
    out = max((v for _, v in series[0].points if v is not None), default=0.0)
    inn = max((v for _, v in series[1].points if v is not None), default=0.0)
    return Chart(
        title=f"{name}: traffic, {words}",
        unit="Mbit/s",
        series=tuple(series),
        caption=f"peak {out:.1f} Mbit/s out and {inn:.1f} Mbit/s in per time grain",
        filename=f"{name}-traffic.png",
    )


def gateway_chart(s2s: Points, p2s: Points, name: str, words: str) -> Chart | None:
    """Site-to-site and point-to-site bandwidth (Mbit/s) of a gateway."""
    series = [
        ChartSeries("site-to-site", tuple((t, None if v is None else v * 8 / 1e6) for t, v in s2s)),
        ChartSeries("point-to-site", tuple((t, None if v is None else v * 8 / 1e6) for t, v in p2s)),
    ]
    series = [s for s in series if any(v is not None for _, v in s.points)]
    if not _worth_a_picture(series):
        return None
    top = max(v for s in series for _, v in s.points if v is not None)
    return Chart(
        title=f"{name}: gateway bandwidth, {words}",
        unit="Mbit/s",
        series=tuple(series),
        caption=f"peak {top:.1f} Mbit/s",
        filename=f"{name}-bandwidth.png",
    )


def headline(reading: RatesReading, gf: GatewayFacts, connection: Connection | None) -> Rich:
    """The first line: the resource and its rates in a few words."""
    w = reading.window
    if reading.unread(gf.gateway.id) is not None:
        return rich("⚠️ Could not read the metrics of ", code((connection or gf.gateway).name))
    if connection is not None:
        return rich("📈 ", code(connection.name), " — ", rate_words(reading.tunnel(connection), w))
    return rich(
        "📈 ", code(gf.gateway.name), " — ", gateway_words(reading.gateways.get(rid_key(gf.gateway.id)), gf.gateway, w)
    )


__all__ = ["findings_of", "gateway_chart", "headline", "rates_parts", "read_rates_of", "tunnel_chart"]
