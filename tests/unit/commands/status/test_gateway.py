"""One gateway in `/vpn status`: its connections, tunnels, BGP peers and VPN clients."""

from __future__ import annotations

from datetime import timedelta

from commands.core.model import BgpPeer, P2SClient, Tunnel, rid_key
from tests.fakes import FakeAzure
from tests.unit.commands.status.support import EUN, NOW, conn, finding, gw, run, seed_like, text_of


def test_point_to_site_clients_and_busiest_users() -> None:
    az = seed_like()
    az.p2s[rid_key(EUN.id)] = [
        P2SClient("alice", ingress_bytes=900_000_000, egress_bytes=300_000_000),
        P2SClient("bob", ingress_bytes=10_000),
        P2SClient("alice", private_ip="172.16.10.3", ingress_bytes=5),
    ]
    reply, _ = run(az, "vgw-eun")
    assert "• VPN clients: 3 (2 users) · busiest: alice 1.2 GB, bob 10.0 KB" in text_of(reply)


def test_tunnel_down_in_an_active_active_pair() -> None:
    g = gw("gw-weu", "westeurope", active_active=True)
    c = conn(
        "to-dc1",
        g,
        egress_bytes=10,
        ingress_bytes=20,
        tunnels=(Tunnel("20.1.1.1", "Connected", 10, 20), Tunnel("20.1.1.2", "NotConnected")),
    )
    reply, _ = run(FakeAzure(gateways=[g], connections=[c]), "westeurope")
    f = finding(reply, "tunnel_down:")
    assert f.severity == "warning" and "20.1.1.2" in f.title and "redundancy lost" in f.title
    body = text_of(reply)
    assert "tunnels: 🟢 20.1.1.1 Connected · 🔴 20.1.1.2 NotConnected" in body
    assert "active-active" in body
    assert reply.fallback.startswith("🟠 1 problem in West Europe: 1 gateway, 1 connection")


def test_bgp_peer_idle() -> None:
    g = gw("gw-sea", "southeastasia", enable_bgp=True, bgp_asn=65010)
    c = conn("to-branch", g, egress_bytes=5, ingress_bytes=6, enable_bgp=True)
    peers = [
        BgpPeer("10.2.0.4", 65020, "Connected", connected_duration="03:12:00", routes_received=12),
        BgpPeer("10.3.0.4", 65030, "Idle", messages_sent=3),
    ]
    reply, _ = run(FakeAzure(gateways=[g], connections=[c], bgp={g.id: peers}), "asia")
    f = finding(reply, "bgp_peer:")
    assert "`10.3.0.4` (AS 65030) of `gw-sea` is Idle" in f.title
    body = text_of(reply)
    assert "🟢 10.2.0.4 AS 65020 Connected up 3 h 12 min, 12 routes" in body
    assert "🔴 10.3.0.4 AS 65030 Idle, 0 routes" in body
    assert reply.fallback.startswith("🟠 1 problem in Asia: 1 gateway")


def test_not_connected_connection() -> None:
    g = gw("gw-cus", "centralus")
    c = conn("to-office", g, status="NotConnected", last_established=NOW - timedelta(days=2))
    reply, _ = run(FakeAzure(gateways=[g], connections=[c]), "us")
    f = finding(reply, "down:")
    assert "`to-office`" in f.title and "NotConnected" in f.title
    assert "2 d ago" in f.evidence
    assert "🔴 `to-office` site-to-site → lng-to-office · NotConnected last up 2 d ago" in text_of(reply)
