"""Each connection finding on its own: the facts that raise it, the facts that must not."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from commands.core.model import BgpPeer, Connection, Gateway, P2SClient, Tunnel, rid_key
from commands.findings.connections import (
    SHARED_KEY_PERMISSION,
    ConnectionFacts,
    GatewayFacts,
    assess,
    bgp_asn_clash,
    bgp_one_side,
    bgp_peer_not_connected,
    busiest,
    connection_state,
    find_reverse,
    gateway_state,
    missing_reverse,
    one_way,
    p2s_summary,
    reverse_index,
    shared_key_mismatch,
    shared_keys_unreadable,
    tunnel_down,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NET = "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network"


def gw(name: str, location: str = "northeurope", **kw: object) -> Gateway:
    return Gateway(f"{NET}/virtualNetworkGateways/{name}", name, location, **kw)  # type: ignore[arg-type]


def v2v(name: str, a: Gateway, b: Gateway, **kw: object) -> Connection:
    base: dict[str, object] = {"connection_type": "Vnet2Vnet", "status": "Connected"}
    base.update(kw)
    return Connection(f"{NET}/connections/{name}", name, a.location, gateway1_id=a.id, gateway2_id=b.id, **base)  # type: ignore[arg-type]


def s2s(name: str, a: Gateway, lng: str = "lng-office", **kw: object) -> Connection:
    base: dict[str, object] = {"connection_type": "IPsec", "status": "Connected"}
    base.update(kw)
    return Connection(
        f"{NET}/connections/{name}",
        name,
        a.location,
        gateway1_id=a.id,
        local_network_gateway_id=f"{NET}/localNetworkGateways/{lng}",
        **base,  # type: ignore[arg-type]
    )


EUN = gw("vgw-eun", p2s_address_pool=("172.16.10.0/25",))
AUE = gw("vgw-aue", "australiaeast")


# --- connection state ---------------------------------------------------------------------


def test_not_connected_is_critical_with_last_connected_time() -> None:
    c = s2s("to-office", EUN, status="NotConnected", last_established=NOW - timedelta(hours=5))
    f = connection_state(c, NOW)
    assert f is not None and f.severity == "critical"
    assert "NotConnected" in f.title and "`to-office`" in f.title
    assert "5 h ago" in f.evidence
    assert "lng-office" in f.next_step and "shared key" in f.next_step


def test_not_connected_vnet_to_vnet_points_at_the_reverse_connection() -> None:
    f = connection_state(v2v("eun-to-aue", EUN, AUE, status="NotConnected"), NOW)
    assert f is not None and "reverse connection" in f.next_step and "vgw-aue" in f.next_step


def test_connecting_is_a_warning_about_ike_or_key_mismatch() -> None:
    f = connection_state(s2s("to-office", EUN, status="Connecting"))
    assert f is not None and f.severity == "warning" and "Connecting" in f.title
    assert "shared key" in f.next_step


def test_connected_connection_raises_nothing() -> None:
    assert connection_state(s2s("to-office", EUN)) is None


def test_failed_provisioning_is_critical() -> None:
    f = connection_state(s2s("to-office", EUN, provisioning_state="Failed"))
    assert f is not None and f.severity == "critical" and "Failed" in f.title


def test_gateway_failed_provisioning_suggests_a_reset() -> None:
    f = gateway_state(gw("vgw-x", provisioning_state="Failed"))
    assert f is not None and "vnet-gateway reset" in f.next_step
    assert gateway_state(gw("vgw-y", provisioning_state="Succeeded")) is None


# --- tunnels --------------------------------------------------------------------------------


def test_one_tunnel_down_under_a_connected_connection_is_lost_redundancy() -> None:
    c = s2s(
        "to-office",
        EUN,
        tunnels=(Tunnel("tunnel-a", "Connected", 10, 20), Tunnel("tunnel-b", "NotConnected")),
    )
    f = tunnel_down(c)
    assert f is not None and f.severity == "warning"
    assert "tunnel-b" in f.title and "redundancy" in f.title
    assert "1 of 2 tunnels up" in f.evidence


def test_every_tunnel_down_while_the_connection_says_connected_is_critical() -> None:
    c = s2s("to-office", EUN, tunnels=(Tunnel("a", "NotConnected"), Tunnel("b", "Connecting")))
    f = tunnel_down(c)
    assert f is not None and f.severity == "critical" and "every tunnel" in f.title


def test_tunnels_all_up_or_connection_down_raise_no_tunnel_finding() -> None:
    up = s2s("x", EUN, tunnels=(Tunnel("a", "Connected"), Tunnel("b", "Connected")))
    assert tunnel_down(up) is None
    down = s2s("y", EUN, status="NotConnected", tunnels=(Tunnel("a", "NotConnected"),))
    assert tunnel_down(down) is None  # connection_state already says it is down


# --- one-way traffic ----------------------------------------------------------------------


def test_sends_but_receives_nothing_names_the_reverse_and_next_step() -> None:
    out = v2v("eun-to-aue", EUN, AUE, egress_bytes=5_300_000_000, last_established=NOW - timedelta(hours=3))
    back = v2v("aue-to-eun", AUE, EUN, ingress_bytes=5_100_000_000)
    f = one_way(out, back, {rid_key(EUN.id): EUN, rid_key(AUE.id): AUE}, NOW)
    assert f is not None and f.severity == "critical"
    assert f.title.startswith("`eun-to-aue` (vgw-eun → vgw-aue) sends but receives nothing")
    assert "5.3 GB out" in f.evidence and "0 B in" in f.evidence and "3 h ago" in f.evidence
    assert "`aue-to-eun`" in f.evidence and "5.1 GB in" in f.evidence
    assert "reverse connection `aue-to-eun` on `vgw-aue`" in f.next_step and "shared key" in f.next_step
    # The sender serves point-to-site without BGP: the VPN client pool has no way back.
    assert "172.16.10.0/25" in f.next_step


def test_receives_but_sends_nothing_is_the_mirror_image() -> None:
    out = v2v("eun-to-aue", EUN, AUE, egress_bytes=10)
    back = v2v("aue-to-eun", AUE, EUN, ingress_bytes=10)
    f = one_way(back, out, {rid_key(EUN.id): EUN}, NOW)
    assert f is not None and "receives but sends nothing back" in f.title
    assert "`vgw-aue` gets traffic from `vgw-eun`" in f.next_step
    # Same pair, same key from both sides: reported once when both are in view.
    g = one_way(out, back)
    assert g is not None and g.key == f.key


def test_pool_hint_is_left_out_when_bgp_is_on_for_both_halves() -> None:
    out = v2v("eun-to-aue", EUN, AUE, egress_bytes=10, enable_bgp=True)
    back = v2v("aue-to-eun", AUE, EUN, enable_bgp=True)
    f = one_way(out, back, {rid_key(EUN.id): EUN})
    assert f is not None and "172.16.10.0/25" not in f.next_step


def test_site_to_site_one_way_points_at_the_on_premises_device() -> None:
    f = one_way(s2s("to-office", EUN, egress_bytes=100))
    assert f is not None and "on-premises" in f.next_step and "lng-office" in f.title


def test_traffic_both_ways_or_none_is_not_one_way() -> None:
    assert one_way(s2s("a", EUN, egress_bytes=1, ingress_bytes=1)) is None
    assert one_way(s2s("b", EUN)) is None


# --- reverse connection and shared keys --------------------------------------------------


def test_missing_reverse_explains_the_two_resources_and_the_command() -> None:
    c = v2v("eun-to-aue", EUN, AUE)
    f = missing_reverse(c, None, remote_complete=True)
    assert f is not None and f.severity == "critical"
    assert "no reverse connection from `vgw-aue` to `vgw-eun`" in f.title
    assert "two connection resources, one per direction" in f.evidence
    assert "az network vpn-connection create" in f.next_step and "--vnet-gateway1 vgw-aue" in f.next_step


def test_missing_reverse_is_not_claimed_when_the_remote_side_was_not_read() -> None:
    assert missing_reverse(v2v("eun-to-aue", EUN, AUE), None, remote_complete=False) is None


def test_reverse_present_or_site_to_site_raise_no_missing_reverse() -> None:
    c = v2v("eun-to-aue", EUN, AUE)
    assert missing_reverse(c, v2v("aue-to-eun", AUE, EUN), True) is None
    assert missing_reverse(s2s("to-office", EUN), None, True) is None


def test_find_reverse_matches_swapped_gateways_case_insensitively() -> None:
    c = v2v("eun-to-aue", EUN, AUE)
    back = dataclasses.replace(v2v("aue-to-eun", AUE, EUN), gateway1_id=AUE.id.upper(), gateway2_id=EUN.id.lower())
    other = v2v("aue-to-x", AUE, gw("vgw-x"))
    assert find_reverse(c, [other, back, c]) == back
    assert find_reverse(s2s("s", EUN), [back]) is None


def test_reverse_index_pairs_every_half_and_nothing_else() -> None:
    c, back = v2v("eun-to-aue", EUN, AUE), v2v("aue-to-eun", AUE, EUN)
    lonely = v2v("aue-to-x", AUE, gw("vgw-x"))
    idx = reverse_index([c, back, lonely, s2s("s", EUN)])
    assert idx == {rid_key(c.id): back, rid_key(back.id): c}


def test_different_shared_keys_are_critical_and_never_show_a_key() -> None:
    a, b = v2v("eun-to-aue", EUN, AUE), v2v("aue-to-eun", AUE, EUN)
    f = shared_key_mismatch(a, b, "different")
    assert f is not None and f.severity == "critical" and "different shared keys" in f.title
    assert "shared-key update" in f.next_step and "&lt;the key of eun-to-aue&gt;" in f.next_step
    assert shared_key_mismatch(a, b, "same") is None
    assert shared_key_mismatch(a, b, None) is None


def test_unreadable_shared_keys_say_which_permission_is_missing() -> None:
    a, b = v2v("eun-to-aue", EUN, AUE), v2v("aue-to-eun", AUE, EUN)
    f = shared_keys_unreadable([(a, b)])
    assert f is not None and f.title.startswith("Could not compare shared keys: the bot lacks")
    assert SHARED_KEY_PERMISSION in f.title
    assert shared_keys_unreadable([]) is None


# --- BGP ------------------------------------------------------------------------------------


def test_bgp_on_one_connection_of_the_pair_only() -> None:
    a = v2v("eun-to-aue", EUN, AUE, enable_bgp=True)
    b = v2v("aue-to-eun", AUE, EUN, enable_bgp=False)
    f = bgp_one_side(a, b, EUN, AUE)
    assert f is not None and f.severity == "warning"
    assert "`aue-to-eun`" in f.evidence.split("BGP off:")[1]
    assert "-n aue-to-eun --enable-bgp true" in f.next_step


def test_bgp_on_both_connections_but_one_gateway_without_bgp() -> None:
    g1, g2 = gw("g1", enable_bgp=True, bgp_asn=65010), gw("g2", enable_bgp=False)
    a, b = v2v("a", g1, g2, enable_bgp=True), v2v("b", g2, g1, enable_bgp=True)
    f = bgp_one_side(a, b, g1, g2)
    assert f is not None and "gateway `g2`" in f.evidence.split("BGP off:")[1]


def test_bgp_off_everywhere_or_on_everywhere_is_fine() -> None:
    g1, g2 = gw("g1", enable_bgp=True, bgp_asn=1), gw("g2", enable_bgp=True, bgp_asn=2)
    assert bgp_one_side(v2v("a", g1, g2, enable_bgp=True), v2v("b", g2, g1, enable_bgp=True), g1, g2) is None
    assert bgp_one_side(v2v("a", EUN, AUE), v2v("b", AUE, EUN), EUN, AUE) is None


def test_same_asn_on_both_bgp_gateways_is_flagged() -> None:
    g1, g2 = gw("g1", enable_bgp=True, bgp_asn=65515), gw("g2", enable_bgp=True, bgp_asn=65515)
    f = bgp_asn_clash(v2v("a", g1, g2, enable_bgp=True), g1, g2)
    assert f is not None and "65515" in f.title
    g3 = gw("g3", enable_bgp=True, bgp_asn=65020)
    assert bgp_asn_clash(v2v("a", g1, g3, enable_bgp=True), g1, g3) is None


def test_bgp_peer_idle_is_a_warning_with_its_counters() -> None:
    f = bgp_peer_not_connected(EUN, BgpPeer("10.1.255.30", 65020, "Idle", messages_sent=4, messages_received=0))
    assert f is not None and f.severity == "warning"
    assert "`10.1.255.30` (AS 65020)" in f.title and "Idle" in f.title
    assert "Messages sent 4, received 0" in f.evidence


def test_bgp_peer_connected_with_routes_is_fine_without_routes_is_info() -> None:
    assert bgp_peer_not_connected(EUN, BgpPeer("10.1.255.30", 65020, "Connected", routes_received=3)) is None
    f = bgp_peer_not_connected(EUN, BgpPeer("10.1.255.30", 65020, "Connected", connected_duration="01:02:03"))
    assert f is not None and f.severity == "info" and "1 h 2 min" in f.evidence


# --- point-to-site --------------------------------------------------------------------------


def test_p2s_summary_counts_clients_and_names_the_busiest_users() -> None:
    clients = (
        P2SClient("alice", ingress_bytes=1_000_000_000, egress_bytes=200_000_000),
        P2SClient("bob", ingress_bytes=5_000),
        P2SClient("alice", ingress_bytes=1_000),
        P2SClient("carol", egress_bytes=300_000_000),
    )
    f = p2s_summary(EUN, clients)
    assert f is not None and f.severity == "info"
    assert "4 VPN clients" in f.title and "3 users" in f.title
    assert f.evidence.index("alice 1.2 GB") < f.evidence.index("carol 300 MB") < f.evidence.index("bob 5.0 KB")
    assert busiest(clients, 1) == [("alice", 1_200_001_000)]


def test_p2s_summary_with_no_clients_and_when_not_read() -> None:
    f = p2s_summary(EUN, ())
    assert f is not None and "No VPN clients" in f.title
    assert p2s_summary(EUN, None) is None


# --- names are escaped ----------------------------------------------------------------------


def test_estate_names_cannot_mention_or_link() -> None:
    evil = gw("<!channel>")
    c = v2v("<@U123>", evil, AUE, status="NotConnected")
    f = connection_state(c)
    assert f is not None
    assert "<!channel>" not in f.title and "<@U123>" not in f.title
    assert "&lt;!channel&gt;" in f.title


# --- assess ---------------------------------------------------------------------------------


def _facts(
    *gfs: GatewayFacts, extra: tuple[Connection, ...] = (), complete: tuple[Gateway, ...] = (), **kw: object
) -> ConnectionFacts:
    conns = {rid_key(c.id): c for gf in gfs for c in gf.connections}
    conns.update({rid_key(c.id): c for c in extra})
    done = {rid_key(gf.gateway.id) for gf in gfs} | {rid_key(g.id) for g in complete}
    return ConnectionFacts(gateways=gfs, connections=conns, complete=frozenset(done), now=NOW, **kw)  # type: ignore[arg-type]


def test_assess_ranks_critical_before_warning_and_reports_a_pair_once() -> None:
    out = v2v("eun-to-aue", EUN, AUE, egress_bytes=10, enable_bgp=True)
    back = v2v("aue-to-eun", AUE, EUN, ingress_bytes=10)
    facts = _facts(GatewayFacts(EUN, (out,)), GatewayFacts(AUE, (back,)))
    found = assess(facts)
    keys = [a.finding.key for a in found]
    assert sum(k.startswith("one_way:") for k in keys) == 1
    assert sum(k.startswith("bgp_one_side:") for k in keys) == 1
    sev = [a.finding.severity for a in found]
    assert sev == sorted(sev, key=["critical", "warning", "info", "ok"].index)
    # Both halves in view: spoken from the sending half.
    one = next(a for a in found if a.finding.key.startswith("one_way:"))
    assert "sends but receives nothing" in one.finding.title


def test_assess_finds_an_incoming_half_without_its_reverse() -> None:
    # vgw-aue (out of scope) connects to vgw-eun; vgw-eun (in scope, fully listed) has nothing back.
    incoming = v2v("aue-to-eun", AUE, EUN)
    found = assess(_facts(GatewayFacts(EUN, ()), extra=(incoming,)))
    assert [a.finding.key for a in found] == [f"missing_reverse:{rid_key(incoming.id)}"]


def test_assess_marks_unreadable_shared_keys_once_for_all_pairs() -> None:
    a, b = v2v("eun-to-aue", EUN, AUE), v2v("aue-to-eun", AUE, EUN)
    facts = _facts(
        GatewayFacts(EUN, (a,)), extra=(b,), shared_keys={frozenset({rid_key(a.id), rid_key(b.id)}): "unreadable"}
    )
    found = assess(facts)
    assert [x.finding.key for x in found] == ["shared_key_unreadable"]


def test_assess_on_a_healthy_estate_finds_nothing() -> None:
    a = v2v("eun-to-aue", EUN, AUE, egress_bytes=5, ingress_bytes=7)
    b = v2v("aue-to-eun", AUE, EUN, egress_bytes=7, ingress_bytes=5)
    peers = (BgpPeer("10.0.0.1", 65010, "Connected", routes_received=2),)
    facts = _facts(
        GatewayFacts(EUN, (a,), bgp_peers=peers, p2s_clients=(P2SClient("alice"),)),
        GatewayFacts(AUE, (b,)),
        shared_keys={frozenset({rid_key(a.id), rid_key(b.id)}): "same"},
    )
    assert assess(facts) == []
    assert [x.finding.key for x in assess(facts, summaries=True)] == [f"p2s:{rid_key(EUN.id)}"]


def test_assess_puts_what_the_user_sees_before_the_configuration_behind_it() -> None:
    out = v2v("eun-to-aue", EUN, AUE, egress_bytes=10)
    back = v2v("aue-to-eun", AUE, EUN, ingress_bytes=10)
    down = s2s("to-office", EUN, status="NotConnected")
    pk = frozenset({rid_key(out.id), rid_key(back.id)})
    found = assess(_facts(GatewayFacts(EUN, (out, down)), extra=(back,), shared_keys={pk: "different"}))
    kinds = [a.finding.key.split(":", 1)[0] for a in found]
    assert kinds == ["down", "one_way", "shared_key"]
