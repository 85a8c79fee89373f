"""One gateway in words: its heading, connections, tunnels, reverse halves, counter deltas,
BGP peers and VPN clients (in full, or only what is wrong for large scopes)."""

from __future__ import annotations

from datetime import datetime

from commands.core import regions
from commands.core.model import BgpPeer, Connection, Gateway, P2SClient, rid_key
from commands.core.text import Rich, code, join, rich, strong
from commands.core.units import ago, human_bytes, human_duration, parse_timespan
from commands.findings.connections.facts import GatewayFacts, busiest, remote_name
from commands.findings.rates import gateway_words, rate_words
from commands.status.deltas import counter_delta
from commands.status.report import StatusReport

# Connection, tunnel and BGP peer states (BGP: Idle/Stopped = down, Connecting = trying).
STATUS_EMOJI = {"connected": "🟢", "connecting": "🟡", "notconnected": "🔴", "idle": "🔴", "stopped": "🔴"}
TYPE_WORDS = {
    "vnet2vnet": "VNet-to-VNet",
    "ipsec": "site-to-site",
    "expressroute": "ExpressRoute",
    "vpnclient": "point-to-site",
}


def gateway_text(gf: GatewayFacts, report: StatusReport, now: datetime, only: set[str] | None = None) -> Rich:
    """A gateway and its connections, BGP peers and VPN clients. With `only` (connection
    keys), just those connections and the BGP peers that are not Connected: the compact
    form for large scopes."""
    g = gf.gateway
    lines = [_heading(g)]
    if not gf.connections_complete:
        lines.append(rich("• connections: could not be read (see above)"))
    elif not gf.connections:
        lines.append(rich("• no connections"))
    for c in gf.connections:
        if only is None or rid_key(c.id) in only:
            lines += _connection_lines(c, g, report, now)
    # The compact form (large scopes) names the commands of the connections it shows only.
    more = connection_commands(
        [c for c in gf.connections if only is None or rid_key(c.id) in only], g if only is None else None
    )
    if more:
        lines.append(more)
    if only is None:
        lines += [x for x in (bgp_line(gf.bgp_peers, g), p2s_line(gf.p2s_clients, g), metrics_line(g, report)) if x]
        return join("\n", lines)
    peers = tuple(p for p in gf.bgp_peers or () if p.state.lower() != "connected")
    bgp = bgp_line(peers, g) if peers or (g.enable_bgp and gf.bgp_peers is None) else rich()
    if only and len(lines) == 1 and not bgp:
        lines.append(rich("• its connections are fine; see the findings above"))
    if bgp:
        lines.append(bgp)
    return join("\n", lines)


def connection_commands(conns: list[Connection], g: Gateway | None = None) -> Rich:
    """ "🔎 IKE/IPsec: `/vpn connection a`, … · point-to-site: `/vpn p2s g` · rates: `/vpn metrics g`
    · why down: `/vpn logs a`, `/vpn troubleshoot a`": where each tunnel's own layer, the
    gateway's point-to-site configuration and its rates are shown, and — for the first tunnel
    not Connected — its IKE logs and Network Watcher's VPN troubleshoot (which does not run on
    policy-based gateways)."""
    tunnels = [c for c in conns if (c.connection_type or "").lower() in ("ipsec", "vnet2vnet")]
    parts: list[Rich] = []
    if tunnels:
        parts.append(rich("IKE/IPsec: ", join(", ", [code(f"/vpn connection {c.name}") for c in tunnels])))
    if g is not None and g.serves_p2s:
        parts.append(rich("point-to-site: ", code(f"/vpn p2s {g.name}")))
    if g is not None and (tunnels or g.serves_p2s):
        parts.append(rich("rates: ", code(f"/vpn metrics {g.name}")))
    down = next((c for c in tunnels if (c.status or "").lower() != "connected"), None)
    if down is not None:  # why a tunnel is down: its IKE logs, and Network Watcher where it can run
        why = [code(f"/vpn logs {down.name}")]
        if g is not None and (g.vpn_type or "RouteBased").lower() != "policybased":
            why.append(code(f"/vpn troubleshoot {down.name}"))  # not for policy-based gateways
        parts.append(rich("why down: ", join(", ", why)))
    return rich("🔎 ", join(" · ", parts)) if parts else rich()


def _heading(g: Gateway) -> Rich:
    """ "vgw-eun · North Europe · VpnGw2 · active-active · BGP AS 65010 · P2S 172.16.10.0/25"."""
    bits = [regions.display_name(g.location) or "?"]
    if g.sku:
        bits.append(g.sku)
    if g.active_active:
        bits.append("active-active")
    if g.enable_bgp:
        bits.append(f"BGP AS {g.bgp_asn}" if g.bgp_asn is not None else "BGP")
    if g.p2s_address_pool:
        bits.append("P2S " + ", ".join(g.p2s_address_pool))
    return rich(strong(g.name), " · ", " · ".join(bits))


def _connection_lines(c: Connection, g: Gateway, report: StatusReport, now: datetime) -> list[Rich]:
    """A connection's line, then its tunnels, its reverse half and its counter delta."""
    ck = rid_key(c.id)
    lines = [rich("• ", conn_line(c, now, ck in report.list_shape))]
    tunnels = tunnels_line(c)
    if tunnels:
        lines.append(tunnels)
    rev = report.reverses.get(ck)
    if rev is not None and rid_key(rev.gateway1_id) != rid_key(g.id):
        unread = rid_key(rev.id) in report.list_shape
        lines.append(
            rich(
                "      reverse ",
                code(rev.name),
                f": {_emoji('' if unread else rev.status)} {'?' if unread else rev.status or 'Unknown'} · "
                f"↑ {human_bytes(rev.egress_bytes)} ↓ {human_bytes(rev.ingress_bytes)}",
            )
        )
    delta = counter_delta(c, report.samples.get(ck), now, g.sku)
    if delta:
        lines.append(rich(f"      {delta}"))
    rates = report.estate.rates
    if rates is not None:
        why = rates.unread(g.id)
        said = "metrics could not be read (see above)" if why is not None else rate_words(rates.tunnel(c), rates.window)
        lines.append(rich(f"      {said}"))
    return lines


def metrics_line(g: Gateway, report: StatusReport) -> Rich:
    """ "• Azure Monitor, the last hour: peak 2.1 Mbit/s (0% of the VpnGw2AZ benchmark) · …"."""
    rates = report.estate.rates
    if rates is None:
        return rich()
    if rates.unread(g.id) is not None:
        return rich("• Azure Monitor metrics: could not be read (see above)")
    return rich("• Azure Monitor, ", gateway_words(rates.gateways.get(rid_key(g.id)), g, rates.window))


def _emoji(status: str) -> str:
    return STATUS_EMOJI.get((status or "").lower(), "⚪")


def _type_word(conn: Connection) -> str:
    return TYPE_WORDS.get(conn.connection_type.lower(), conn.connection_type or "connection")


def conn_line(conn: Connection, now: datetime, unread: bool) -> Rich:
    """One line: "🟢 `eun-to-aue` VNet-to-VNet → vgw-aue · Connected since 3 h ago · ↑ 1.2 GB ↓ 0 B since then".

    The byte counters restart at each reconnect, so they are "since" the last connect.
    """
    head = rich(
        _emoji("" if unread else conn.status), " ", code(conn.name), f" {_type_word(conn)} → {remote_name(conn)}"
    )
    if unread:
        return rich(head, " · status unknown (could not read it)")
    status = conn.status or "Unknown"
    counters = f"↑ {human_bytes(conn.egress_bytes)} ↓ {human_bytes(conn.ingress_bytes)}"
    if conn.last_established is not None:
        when = "since" if conn.status.lower() == "connected" else "last up"
        status += f" {when} {ago(conn.last_established, now)}"
        counters += " since then"
    return rich(head, f" · {status} · {counters}")


def tunnels_line(conn: Connection) -> Rich:
    """The tunnels of an active-active connection, or of any connection whose tunnels
    disagree with it; nothing for the usual single tunnel that says what the connection says."""
    if not conn.tunnels:
        return rich()
    same = all(t.status.lower() == conn.status.lower() for t in conn.tunnels)
    if len(conn.tunnels) < 2 and same:
        return rich()
    return rich("      tunnels: " + " · ".join(f"{_emoji(t.status)} {t.name} {t.status}" for t in conn.tunnels))


def bgp_line(peers: tuple[BgpPeer, ...] | None, gw: Gateway) -> Rich:
    """ "• BGP peers: 🟢 10.2.0.4 AS 65020 Connected up 3 h 12 min, 12 routes · …"."""
    if not gw.enable_bgp:
        return rich()
    if peers is None:
        return rich("• BGP peers: could not be read (see above)")
    if not peers:
        return rich("• BGP peers: none reported")
    bits = []
    for p in peers:
        up = parse_timespan(p.connected_duration)
        asn = f" AS {p.asn}" if p.asn is not None else ""
        extra = (
            f" up {human_duration(up.total_seconds())}, {p.routes_received} routes"
            if p.state.lower() == "connected" and up is not None
            else f", {p.routes_received} routes"
        )
        via = f" (from {p.local_address})" if p.local_address else ""
        bits.append(f"{_emoji(p.state)} {p.neighbor}{asn}{via} {p.state or 'Unknown'}{extra}")
    return rich("• BGP peers: " + " · ".join(bits))


def p2s_line(clients: tuple[P2SClient, ...] | None, gw: Gateway) -> Rich:
    """ "• VPN clients: 3 (2 users) · busiest: alice 1.2 GB, bob 10.0 KB"."""
    if not gw.serves_p2s:
        return rich()
    if clients is None:
        return rich("• VPN clients: could not be read (see above)")
    if not clients:
        return rich("• VPN clients: none connected")
    users = len({c.user_name or c.private_ip for c in clients})
    top = ", ".join(f"{u} {human_bytes(b)}" for u, b in busiest(clients))
    return rich(f"• VPN clients: {len(clients)} ({users} user{'s' if users != 1 else ''}) · busiest: {top}")
