"""`/vpn routes <gateway>`: learned routes, BGP peers, what each peer is sent, and a P2S client's view."""

from __future__ import annotations

from bot.slack.mrkdwn import mrkdwn
from commands.core.errors import AzureFailure
from commands.core.model import GatewayRoute, rid_key
from tests.unit.commands.routes.estates import gw_id, hub_bgp_peers, seed_v2v
from tests.unit.commands.routes.replies import run, tables, text_of


def test_gateway_shows_learned_routes_peers_and_what_each_peer_is_sent() -> None:
    az = seed_v2v(bgp=True)
    az.bgp = {rid_key(k): v for k, v in hub_bgp_peers().items()}
    az.advertised = {
        (rid_key(gw_id("vgw-eun")), "10.1.255.30"): [GatewayRoute("10.0.0.0/16", "10.0.255.30", "Igp", "65010")],
        (rid_key(gw_id("vgw-eun")), "192.168.255.1"): [],
    }
    [reply], out = run(az, "vgw-eun")
    text = text_of(reply)
    assert "Routes of gateway vgw-eun" in text
    # Each peer with the gateway instance its session starts from (active-active has two).
    assert "`10.1.255.30` AS 65020 from instance `10.0.255.30` — Connected" in text
    captions = [t.caption for t in tables(reply)]
    assert mrkdwn(captions[0]).startswith("*Learned routes of vgw-eun* (2)")
    assert any("Advertised to 10.1.255.30" in c for c in captions)
    assert any("Advertised to 192.168.255.1" in c for c in captions)
    assert [k for m, k in az.calls if m == "advertised_routes"] == [gw_id("vgw-eun")] * 2
    assert any("advertises to 2 BGP peers" in t for t in out.progress_texts)
    assert "What a point-to-site client of vgw-eun gets" in text


def test_gateway_without_bgp_skips_peer_status_and_warns_about_one_way_p2s() -> None:
    az = seed_v2v()
    [reply], _ = run(az, "gateway vgw-eun")
    assert not [m for m, _ in az.calls if m in ("bgp_peer_status", "advertised_routes")]
    assert "BGP is off" in text_of(reply)
    assert "learned: 10.1.0.0/16 (Network, from 10.0.255.4)" in text_of(reply)
    oneway = next(f for f in reply.findings if "10.1.0.0/16" in f.title)
    assert "replies from vnet-aue to P2S clients are dropped" in oneway.evidence


def test_learned_routes_timeout_is_reported_with_advice_and_the_rest_still_shows() -> None:
    az = seed_v2v()
    az.fail[("learned_routes", rid_key(gw_id("vgw-eun")))] = AzureFailure("timeout", "", "", gw_id("vgw-eun"))
    [reply], _ = run(az, "vgw-eun")
    failed = next(f for f in reply.findings if "getLearnedRoutes" in f.title)
    assert "did not answer in time" in failed.next_step
    assert "What a point-to-site client of vgw-eun gets" in text_of(reply)
