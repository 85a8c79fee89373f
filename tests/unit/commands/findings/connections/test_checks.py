"""Each connection finding on its own: the facts that raise it, the facts that must not."""

from __future__ import annotations

from datetime import timedelta

from bot.slack.mrkdwn import mrkdwn
from commands.core.model import BgpPeer, P2SClient, Tunnel, rid_key
from commands.findings.connections.checks import (
    SHARED_KEY_PERMISSION,
    bgp_asn_clash,
    bgp_one_side,
    bgp_peer_not_connected,
    connection_state,
    gateway_state,
    missing_reverse,
    one_way,
    p2s_summary,
    shared_key_mismatch,
    shared_keys_unreadable,
    tunnel_down,
)
from commands.findings.connections.facts import busiest
from tests.unit.commands.findings.connections.support import AUE, EUN, NOW, gw, s2s, v2v

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


def test_different_shared_keys_are_critical_and_never_show_a_key() -> None:
    a, b = v2v("eun-to-aue", EUN, AUE), v2v("aue-to-eun", AUE, EUN)
    f = shared_key_mismatch(a, b, "different")
    assert f is not None and f.severity == "critical" and "different shared keys" in f.title
    assert "shared-key update" in f.next_step and "&lt;the key of eun-to-aue&gt;" in mrkdwn(f.next_step)
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
    assert "`aue-to-eun`" in str(f.evidence).split("BGP off:")[1]
    assert "-n aue-to-eun --enable-bgp true" in f.next_step


def test_bgp_on_both_connections_but_one_gateway_without_bgp() -> None:
    g1, g2 = gw("g1", enable_bgp=True, bgp_asn=65010), gw("g2", enable_bgp=False)
    a, b = v2v("a", g1, g2, enable_bgp=True), v2v("b", g2, g1, enable_bgp=True)
    f = bgp_one_side(a, b, g1, g2)
    assert f is not None and "gateway `g2`" in str(f.evidence).split("BGP off:")[1]


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
    evidence = str(f.evidence)
    assert evidence.index("alice 1.2 GB") < evidence.index("carol 300 MB") < evidence.index("bob 5.0 KB")
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
    title = mrkdwn(f.title)
    assert "<!channel>" not in title and "<@U123>" not in title
    assert "&lt;!channel&gt;" in title
