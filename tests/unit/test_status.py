"""`/vpn status` over the in-memory Azure fake: seed-like facts and estates never seen before."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store.sqlite import SqliteStore
from commands.catalog import REGISTRY
from commands.core.errors import AzureFailure
from commands.core.model import BgpPeer, Connection, Gateway, P2SClient, Subscription, Tunnel, rid_key
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Context, Finding, Reply, Text
from commands.status import counter_delta, status
from commands.watch.state import NS_CONN, Sample
from tests.fakes import FakeAzure, RecordingMessenger

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def net(sub: str = "sub1", rg: str = "rg-net") -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network"


def gw(name: str, location: str, sub: str = "sub1", **kw: object) -> Gateway:
    return Gateway(f"{net(sub)}/virtualNetworkGateways/{name}", name, location, sku="VpnGw2", **kw)  # type: ignore[arg-type]


def conn(name: str, a: Gateway, b: Gateway | None = None, **kw: object) -> Connection:
    sub = a.id.split("/")[2]
    fields: dict[str, object] = {"status": "Connected", "connection_type": "Vnet2Vnet" if b else "IPsec"}
    fields.update(kw)
    return Connection(
        f"{net(sub)}/connections/{name}",
        name,
        a.location,
        gateway1_id=a.id,
        gateway2_id=b.id if b else "",
        local_network_gateway_id="" if b else f"{net(sub)}/localNetworkGateways/lng-{name}",
        **fields,  # type: ignore[arg-type]
    )


def run(azure: FakeAzure, text: str, **overrides: object) -> tuple[Reply, RecordingMessenger]:
    out = RecordingMessenger()
    opts: dict[str, object] = {"progress_every_s": 0.0, **overrides}
    ctx = Ctx(azure, out, settings=DomainSettings(**opts), now=lambda: NOW)  # type: ignore[arg-type]
    reply = status(ctx, text)
    assert reply is not None
    return reply, out


def text_of(reply: Reply) -> str:
    bits = [reply.fallback]
    for p in reply.parts:
        if isinstance(p, Finding):
            bits += [p.title, p.evidence, p.next_step]
        elif isinstance(p, Text | Context):
            bits.append(p.text)
    return "\n".join(str(b) for b in bits)


def finding(reply: Reply, key_prefix: str) -> Finding:
    found = [f for f in reply.findings if f.key.startswith(key_prefix)]
    assert found, f"no {key_prefix} finding in {[f.key for f in reply.findings]}"
    return found[0]


# --- the seed problem's facts, built here (not the seed file) -------------------------------

EUN = gw("vgw-eun", "northeurope", p2s_address_pool=("172.16.10.0/25",), p2s_protocols=("OpenVPN",))
AUE = gw("vgw-aue", "australiaeast")
EUN_AUE = conn("eun-to-aue", EUN, AUE, egress_bytes=5_300_000_000, last_established=NOW - timedelta(hours=3))
AUE_EUN = conn("aue-to-eun", AUE, EUN, ingress_bytes=5_100_000_000, last_established=NOW - timedelta(hours=3))


def seed_like() -> FakeAzure:
    return FakeAzure(
        gateways=[EUN, AUE],
        connections=[EUN_AUE, AUE_EUN],
        shared_keys={EUN_AUE.id: "same-key", AUE_EUN.id: "same-key"},
        p2s={EUN.id: [P2SClient("analyst1", ingress_bytes=20_000_000, egress_bytes=1_000_000)]},
    )


def test_europe_names_the_one_way_connection_and_the_reverse_with_the_next_step() -> None:
    reply, _ = run(seed_like(), "europe")
    assert reply.fallback.startswith("🔴 1 problem in Europe: 1 connection")
    f = finding(reply, "one_way:")
    assert "`eun-to-aue` (vgw-eun → vgw-aue) sends but receives nothing" in f.title
    assert "`aue-to-eun`" in f.evidence and "5.1 GB in" in f.evidence
    assert "check the reverse connection `aue-to-eun` on `vgw-aue`" in f.next_step
    body = text_of(reply)
    assert "*vgw-eun* · North Europe" in body
    assert "🟢 `eun-to-aue` VNet-to-VNet → vgw-aue · Connected since 3 h ago · ↑ 5.3 GB ↓ 0 B since then" in body
    assert "reverse `aue-to-eun`: 🟢 Connected · ↑ 0 B ↓ 5.1 GB" in body
    assert "vgw-aue*" not in body  # the Australian gateway is not listed as in scope


def test_australia_shows_the_mirror_image() -> None:
    reply, _ = run(seed_like(), "australia")
    assert reply.fallback.startswith("🔴 1 problem in Australia: 1 connection")
    f = finding(reply, "one_way:")
    assert "`aue-to-eun` (vgw-aue → vgw-eun) receives but sends nothing back" in f.title
    assert "`eun-to-aue`" in f.evidence and "5.3 GB out" in f.evidence
    assert "`vgw-aue` gets traffic from `vgw-eun` but never answers" in f.next_step
    assert "172.16.10.0/25" in f.next_step  # the VPN client pool has no way back without BGP


def test_findings_come_before_the_gateways() -> None:
    reply, _ = run(seed_like(), "europe")
    kinds = [type(p).__name__ for p in reply.parts]
    assert kinds.index("Finding") < max(i for i, k in enumerate(kinds) if k == "Text")


def test_point_to_site_clients_and_busiest_users() -> None:
    az = seed_like()
    az.p2s[rid_key(EUN.id)] = [
        P2SClient("alice", ingress_bytes=900_000_000, egress_bytes=300_000_000),
        P2SClient("bob", ingress_bytes=10_000),
        P2SClient("alice", private_ip="172.16.10.3", ingress_bytes=5),
    ]
    reply, _ = run(az, "vgw-eun")
    assert "• VPN clients: 3 (2 users) · busiest: alice 1.2 GB, bob 10.0 KB" in text_of(reply)


def test_the_whole_pair_in_scope_reports_one_way_once() -> None:
    reply, _ = run(seed_like(), "all")
    assert len([f for f in reply.findings if f.key.startswith("one_way:")]) == 1
    assert "sends but receives nothing" in finding(reply, "one_way:").title


# --- unseen estates ------------------------------------------------------------------------


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
    assert reply.fallback.startswith("🟠 1 problem in West Europe: 1 connection")


def test_missing_reverse_when_the_remote_gateway_is_outside_the_scope() -> None:
    a, b = gw("hub", "eastus"), gw("spoke", "japaneast")
    only = conn("hub-to-spoke", a, b)
    az = FakeAzure(gateways=[a, b], connections=[only])
    reply, _ = run(az, "us")
    f = finding(reply, "missing_reverse:")
    assert "no reverse connection from `spoke` to `hub`" in f.title
    assert "--vnet-gateway1 spoke" in f.next_step
    # The remote side was read, not guessed.
    assert ("gateway_connections", rid_key(b.id)) in [(m, rid_key(k)) for m, k in az.calls]


def test_missing_reverse_is_not_claimed_when_the_remote_side_cannot_be_read() -> None:
    a, b = gw("hub", "eastus"), gw("spoke", "japaneast")
    az = FakeAzure(gateways=[a, b], connections=[conn("hub-to-spoke", a, b)])
    az.fail[("gateway_connections", rid_key(b.id))] = AzureFailure("forbidden", "no", "AuthorizationFailed", b.id, 403)
    reply, _ = run(az, "us")
    assert not [f for f in reply.findings if f.key.startswith("missing_reverse:")]
    assert "list connections failed for gateway `spoke` (reverse halves): forbidden" in text_of(reply)


class OwnedListsOnly(FakeAzure):
    """An ARM whose gateway connection list returns only the gateway's own connections."""

    def gateway_connections(self, gateway_id: str) -> list[Connection]:
        return [c for c in super().gateway_connections(gateway_id) if rid_key(c.gateway1_id) == rid_key(gateway_id)]


def test_reverse_half_outside_the_scope_is_fetched_and_compared() -> None:
    az = OwnedListsOnly(
        gateways=[EUN, AUE],
        connections=[EUN_AUE, AUE_EUN],
        shared_keys={EUN_AUE.id: "k1", AUE_EUN.id: "k2"},
    )
    reply, _ = run(az, "europe")
    assert not [f for f in reply.findings if f.key.startswith("missing_reverse:")]
    f = finding(reply, "shared_key:")
    assert "`eun-to-aue` and `aue-to-eun` use different shared keys" in f.title
    assert "k1" not in text_of(reply) and "k2" not in text_of(reply)
    assert "reverse `aue-to-eun`" in text_of(reply)


def test_different_shared_keys_are_found_and_never_printed() -> None:
    az = seed_like()
    az.shared_keys[rid_key(AUE_EUN.id)] = "another-key"
    reply, _ = run(az, "europe")
    assert finding(reply, "shared_key:").severity == "critical"
    assert "same-key" not in text_of(reply) and "another-key" not in text_of(reply)


def test_forbidden_shared_key_read_says_what_permission_is_missing() -> None:
    az = seed_like()
    az.fail[("shared_key_digest", "*")] = AzureFailure("forbidden", "denied", "AuthorizationFailed", "", 403)
    reply, _ = run(az, "europe")
    f = finding(reply, "shared_key_unreadable")
    assert f.title == ("Could not compare shared keys: the bot lacks `Microsoft.Network/connections/sharedKey/read`")
    assert "Could not read everything" not in text_of(reply)  # said once, as the finding


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


def test_the_list_leaves_status_empty_so_each_connection_is_read() -> None:
    az = seed_like()
    run(az, "europe")
    assert ("connection", rid_key(EUN_AUE.id)) in [(m, rid_key(k)) for m, k in az.calls]


def test_one_subscription_forbidden_the_rest_shown() -> None:
    g2 = gw("gw-two", "australiaeast", sub="sub2")
    g3 = gw("gw-three", "australiasoutheast", sub="sub3")
    az = FakeAzure(
        subscriptions=[Subscription("sub1", "Prod"), Subscription("sub2", "Two"), Subscription("sub3", "Three")],
        gateways=[g2, g3],
        connections=[conn("c2", g2, egress_bytes=1, ingress_bytes=1), conn("c3", g3, egress_bytes=1, ingress_bytes=2)],
    )
    az.fail[("gateways", "sub1")] = AzureFailure("forbidden", "no access", "AuthorizationFailed", "sub1", 403)
    reply, _ = run(az, "australia")
    body = text_of(reply)
    assert "list gateways failed for subscription `Prod` (sub1): forbidden (AuthorizationFailed) HTTP 403" in body
    assert AzureFailure("forbidden").advice in body
    assert "*gw-two*" in body and "*gw-three*" in body
    assert reply.fallback.startswith("⚠️ No problems in what could be read in Australia (2 gateways)")
    assert "across 3 subscriptions" in body


def test_a_gateway_whose_calls_fail_is_reported_and_the_others_shown() -> None:
    a, b = gw("gw-a", "uksouth", enable_bgp=True), gw("gw-b", "ukwest")
    az = FakeAzure(gateways=[a, b], connections=[conn("ca", a, egress_bytes=1, ingress_bytes=1), conn("cb", b)])
    az.fail[("bgp_peer_status", rid_key(a.id))] = AzureFailure("timeout", target=a.id)
    az.fail[("connection", rid_key(f"{net()}/connections/cb"))] = AzureFailure("unavailable", status=503)
    reply, _ = run(az, "uk")
    body = text_of(reply)
    assert "getBgpPeerStatus failed for gateway `gw-a`: timeout" in body
    assert "read connection failed for connection `cb`: unavailable HTTP 503" in body
    assert "BGP peers: could not be read" in body
    assert "⚪ `cb` site-to-site → lng-cb · status unknown (could not read it)" in body
    assert "↑ 1 B ↓ 1 B" in body  # gw-a's connection is still shown


def test_a_gateway_whose_connections_cannot_be_listed() -> None:
    a = gw("gw-a", "uksouth")
    az = FakeAzure(gateways=[a])
    az.fail[("gateway_connections", rid_key(a.id))] = AzureFailure("unavailable", status=500)
    reply, _ = run(az, "uk")
    assert "connections: could not be read" in text_of(reply)


def test_subscriptions_unreadable_answers_with_advice() -> None:
    az = FakeAzure()
    az.fail[("subscriptions", "*")] = AzureFailure("unauthenticated", "token", "InvalidAuthenticationToken", status=401)
    reply, _ = run(az, "europe")
    assert "Could not list the subscriptions: unauthenticated (InvalidAuthenticationToken)" in reply.fallback
    assert AzureFailure("unauthenticated").advice in text_of(reply)


def test_no_gateways_in_the_region_lists_where_gateways_are() -> None:
    reply, _ = run(seed_like(), "japan")
    body = text_of(reply)
    assert "No VPN gateways in Japan." in body
    assert "Gateways exist in: Australia East (1), North Europe (1)." in body


# --- targets ---------------------------------------------------------------------------------


def test_a_gateway_by_name_shows_only_that_gateway() -> None:
    reply, _ = run(seed_like(), "VGW-AUE")
    assert reply.fallback.startswith("🔴 1 problem in vgw-aue")
    assert "*vgw-aue*" in text_of(reply) and "*vgw-eun*" not in text_of(reply)


def test_a_gateway_by_id_and_by_resource_group_and_name() -> None:
    assert "*vgw-aue*" in text_of(run(seed_like(), AUE.id)[0])
    assert "*vgw-aue*" in text_of(run(seed_like(), "rg-net/vgw-aue")[0])


def test_same_gateway_name_in_two_subscriptions_asks_which_with_ids() -> None:
    a, b = gw("vgw-hub", "eastus", sub="sub1"), gw("vgw-hub", "westus", sub="sub2")
    az = FakeAzure(subscriptions=[Subscription("sub1"), Subscription("sub2")], gateways=[a, b])
    reply, _ = run(az, "vgw-hub")
    assert reply.visibility == "ephemeral"
    body = text_of(reply)
    assert "Several gateways are called `vgw-hub`" in body
    assert f"/vpn status {a.id}" in body and f"/vpn status {b.id}" in body


def test_a_connection_name_shows_its_gateway() -> None:
    reply, _ = run(seed_like(), "aue-to-eun")
    assert "*vgw-aue*" in text_of(reply)


def test_unknown_target_answers_with_choices_and_a_guess() -> None:
    reply, _ = run(seed_like(), "vgw-au")
    assert reply.visibility == "ephemeral"
    assert "Unknown region or gateway `vgw-au`." in reply.fallback
    assert "Did you mean `vgw-aue`?" in text_of(reply)


def test_atlantis_is_a_clear_error() -> None:
    reply, _ = run(seed_like(), "atlantis")
    body = text_of(reply)
    assert "Unknown region or gateway `atlantis`." in body and "`europe`" in body
    assert "Example: `/vpn status australia`" in body


def test_no_target_asks_for_one() -> None:
    reply, _ = run(seed_like(), "   ")
    assert "Which region or gateway?" in reply.fallback


# --- scale, progress, concurrency --------------------------------------------------------------


def big_estate(n: int, sick: int = 1) -> FakeAzure:
    gws = [gw(f"gw-{i:03}", "westus2") for i in range(n)]
    conns = [conn(f"c-{i:03}", g, egress_bytes=1, ingress_bytes=1) for i, g in enumerate(gws)]
    for i in range(sick):
        conns[i] = dataclasses.replace(conns[i], status="NotConnected")
    return FakeAzure(gateways=gws, connections=conns)


def test_progress_counts_checked_gateways() -> None:
    _, out = run(big_estate(30), "westus2", concurrency=4)
    assert out.progress_texts[0] == "listing gateways in 1 subscription…"
    assert "reading 30 gateways in West US 2…" in out.progress_texts
    checked = [t for t in out.progress_texts if t.startswith("checked ")]
    assert checked[-1].startswith("checked 30 of 30 gateways…")


def test_progress_is_throttled() -> None:
    _, out = run(big_estate(30), "westus2", progress_every_s=3600)
    assert len(out.progress_texts) == 2  # the two phase starts, none per call


def test_every_long_running_call_starts_before_any_connection_is_read() -> None:
    gws = [gw(f"gw-{i}", "eastus", enable_bgp=True, p2s_address_pool=("172.16.0.0/24",)) for i in range(8)]
    az = FakeAzure(gateways=gws, connections=[conn(f"c-{i}", g) for i, g in enumerate(gws)])
    run(az, "us", concurrency=3)
    methods = [m for m, _ in az.calls]
    lro = [i for i, m in enumerate(methods) if m in ("bgp_peer_status", "vpn_client_health")]
    gets = [i for i, m in enumerate(methods) if m == "connection"]
    assert len(lro) == 16 and len(gets) == 8
    assert max(lro) < min(gets)


def test_a_large_region_keeps_healthy_gateways_to_one_line() -> None:
    reply, _ = run(big_estate(40, sick=2), "westus2")
    body = text_of(reply)
    assert reply.fallback.startswith("🔴 2 problems in West US 2: 2 connections")
    assert "*Gateways with problems*" in body
    assert "*gw-000*" in body and "*gw-001*" in body and "*gw-002*" not in body
    assert "✅ 38 other gateways with no problem found: `gw-002`" in body and "and 13 more" in body


def test_a_large_region_shows_only_what_is_wrong_and_counts_the_rest() -> None:
    gws = [gw(f"gw-{i:03}", "westus2") for i in range(60)]
    conns = [conn(f"ok-{i:03}", g, egress_bytes=1, ingress_bytes=1) for i, g in enumerate(gws)]
    conns += [conn(f"down-{i:03}", g, status="NotConnected") for i, g in enumerate(gws[:45])]
    reply, _ = run(FakeAzure(gateways=gws, connections=conns), "westus2")
    body = text_of(reply)
    assert reply.fallback.startswith("🔴 45 problems in West US 2: 45 connections")
    assert len(reply.findings) == 8  # in full; the others by title, then counted
    assert "*37 more findings:*" in body and "• and 17 more: 17 NotConnected" in body
    assert "`ok-000`" not in body  # a healthy connection of a troubled gateway is left out
    assert "…and 35 more gateways with problems" in body
    assert "✅ 15 other gateways with no problem found" in body


def test_all_clear_headline() -> None:
    reply, _ = run(big_estate(3, sick=0), "westus2")
    assert reply.fallback == (
        "🟢 All clear in West US 2: 3 gateways, 3 connections, every tunnel up with traffic both ways"
    )


# --- names are escaped ---------------------------------------------------------------------------


def test_estate_names_cannot_mention_anyone() -> None:
    g = gw("<!channel>", "eastus")
    c = conn("<@U123|x>", g, status="NotConnected")
    reply, _ = run(FakeAzure(gateways=[g], connections=[c]), "us")
    body = text_of(reply)
    assert "<!channel>" not in body and "<@U123" not in body


# --- deltas since the watch's last sample ----------------------------------------------------------


def test_counter_delta_words() -> None:
    c = conn("c", EUN, egress_bytes=1_300_000_000, ingress_bytes=100)
    s = Sample(NOW - timedelta(minutes=5), ingress_bytes=100, egress_bytes=100_000_000)
    assert counter_delta(c, s, NOW) == "+1.2 GB out, +0 B in in the last 5 min (32.0 Mbit/s)"
    reset = Sample(NOW - timedelta(minutes=5), ingress_bytes=500, egress_bytes=0)
    assert counter_delta(c, reset, NOW).startswith("reconnected since the last sample")
    assert counter_delta(c, None, NOW) == ""


def test_status_shows_deltas_from_the_watchs_last_sample(store: SqliteStore) -> None:
    store.put_state(
        NS_CONN,
        rid_key(EUN_AUE.id),
        {"sample": {"at": (NOW - timedelta(minutes=5)).isoformat(), "ingress": 0, "egress": 5_000_000_000}},
        None,
    )
    out = RecordingMessenger()
    ctx = Ctx(seed_like(), out, settings=DomainSettings(progress_every_s=0), now=lambda: NOW, store=store)
    reply = status(ctx, "europe")
    assert reply is not None
    assert "+300 MB out, +0 B in in the last 5 min" in text_of(reply)


def test_a_failing_store_costs_only_the_deltas() -> None:
    class BrokenStore:
        def list_state(self, namespace: str) -> list[object]:
            raise RuntimeError("store down")

    ctx = Ctx(seed_like(), RecordingMessenger(), settings=DomainSettings(), now=lambda: NOW, store=BrokenStore())
    reply = status(ctx, "europe")
    assert reply is not None and reply.fallback.startswith("🔴 1 problem in Europe")


@pytest.mark.parametrize("target", ["europe", "australia", "all", "vgw-eun"])
def test_the_command_is_registered_with_usage_and_example(target: str) -> None:

    cmd = REGISTRY.command("status")
    assert cmd.usage == "status <region|gateway>" and cmd.example == "/vpn status australia"
    assert cmd.summary.startswith("Is every tunnel up")
    reply, _ = run(seed_like(), target)
    assert reply.visibility == "in_channel"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_any_target_text_gets_an_answer_never_an_exception(text: str) -> None:
    reply, _ = run(seed_like(), text)
    assert reply.fallback
    assert "<!" not in text_of(reply)  # what was typed is escaped: it never becomes a mention
