"""Gathering for `/vpn status`: what is read, in which order, and what a failed read costs."""

from __future__ import annotations

from commands.core.errors import AzureFailure
from commands.core.model import Connection, rid_key
from tests.fakes import FakeAzure
from tests.unit.commands.status.support import (
    AUE,
    AUE_EUN,
    EUN,
    EUN_AUE,
    big_estate,
    conn,
    finding,
    gw,
    net,
    progress_of,
    run,
    seed_like,
    text_of,
)


def test_the_list_leaves_status_empty_so_each_connection_is_read() -> None:
    az = seed_like()
    run(az, "europe")
    assert ("connection", rid_key(EUN_AUE.id)) in [(m, rid_key(k)) for m, k in az.calls]


def test_the_whole_pair_in_scope_reports_one_way_once() -> None:
    reply, _ = run(seed_like(), "all")
    assert len([f for f in reply.findings if f.key.startswith("one_way:")]) == 1
    assert "sends but receives nothing" in finding(reply, "one_way:").title


# --- the reverse half outside the scope ----------------------------------------------------------


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


# --- shared keys -------------------------------------------------------------------------------


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
    assert str(f.title) == "Could not compare shared keys: the bot lacks `Microsoft.Network/connections/sharedKey/read`"
    assert "Could not read everything" not in text_of(reply)  # said once, as the finding


def test_a_shared_key_that_fails_otherwise_is_a_failure() -> None:
    az = seed_like()
    az.fail[("shared_key_digest", rid_key(AUE_EUN.id))] = AzureFailure("throttled", code="TooManyRequests")
    reply, _ = run(az, "europe")
    assert "read shared key failed for connection `aue-to-eun`: throttled (TooManyRequests)" in text_of(reply)
    assert not [f for f in reply.findings if f.key.startswith("shared_key")]


# --- failed reads ------------------------------------------------------------------------------


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


# --- progress and concurrency ----------------------------------------------------------------------


def test_progress_counts_checked_gateways() -> None:
    _, out = run(big_estate(30), "westus2", concurrency=4)
    said = progress_of(out)
    assert said[0] == "Reading 10 lists in 1 subscription…"
    assert "reading 30 gateways in West US 2…" in said
    checked = [t for t in said if t.startswith("checked ")]
    assert checked[-1].startswith("checked 30 of 30 gateways…")


def test_progress_is_throttled() -> None:
    _, out = run(big_estate(30), "westus2", progress_every_s=3600)
    # the phase starts (lists, gateways in depth) and the judgement, none per call
    assert len(out.progress_texts) == 3


def test_every_long_running_call_starts_before_any_connection_is_read() -> None:
    gws = [gw(f"gw-{i}", "eastus", enable_bgp=True, p2s_address_pool=("172.16.0.0/24",)) for i in range(8)]
    az = FakeAzure(gateways=gws, connections=[conn(f"c-{i}", g) for i, g in enumerate(gws)])
    run(az, "us", concurrency=3)
    methods = [m for m, _ in az.calls]
    lro = [i for i, m in enumerate(methods) if m in ("bgp_peer_status", "vpn_client_health")]
    gets = [i for i, m in enumerate(methods) if m == "connection"]
    assert len(lro) == 16 and len(gets) == 8
    assert max(lro) < min(gets)
