"""`/vpn status`'s answer: the headline, the ranked findings, and how much of each gateway a
large scope shows."""

from __future__ import annotations

from commands.core.reply import Reply
from tests.fakes import FakeAzure
from tests.unit.commands.status.support import big_estate, conn, finding, gw, run, seed_like, text_of


def test_europe_names_the_one_way_connection_and_the_reverse_with_the_next_step() -> None:
    reply, _ = run(seed_like(), "europe")
    assert reply.fallback.startswith("🔴 1 problem in Europe: 1 gateway, 1 connection")
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
    assert reply.fallback.startswith("🔴 1 problem in Australia: 1 gateway, 1 connection")
    f = finding(reply, "one_way:")
    assert "`aue-to-eun` (vgw-aue → vgw-eun) receives but sends nothing back" in f.title
    assert "`eun-to-aue`" in f.evidence and "5.3 GB out" in f.evidence
    assert "`vgw-aue` gets traffic from `vgw-eun` but never answers" in f.next_step
    assert "172.16.10.0/25" in f.next_step  # the VPN client pool has no way back without BGP


def test_the_first_message_is_the_root_causes_and_the_thread_has_findings_before_gateways() -> None:
    reply, _ = run(seed_like(), "europe")
    head = text_of(Reply(reply.fallback, reply.parts))
    assert "🔴 *`eun-to-aue` (vgw-eun → vgw-aue) sends but receives nothing*" in head
    assert "*vgw-eun* · North Europe" not in head  # the gateway's details are in the thread
    kinds = [type(p).__name__ for p in reply.thread]
    assert kinds.index("Finding") < max(i for i, k in enumerate(kinds) if k == "Text")


def test_a_large_region_keeps_healthy_gateways_to_one_line() -> None:
    reply, _ = run(big_estate(40, sick=2), "westus2")
    body = text_of(reply)
    assert reply.fallback.startswith("🔴 2 problems in West US 2: 2 gateways, 2 connections")
    assert "*Gateways with problems*" in body
    assert "*gw-000*" in body and "*gw-001*" in body and "*gw-002*" not in body
    assert "✅ 38 other gateways with no problem found: `gw-002`" in body and "and 13 more" in body


def test_a_large_region_shows_only_what_is_wrong_and_counts_the_rest() -> None:
    gws = [gw(f"gw-{i:03}", "westus2") for i in range(60)]
    conns = [conn(f"ok-{i:03}", g, egress_bytes=1, ingress_bytes=1) for i, g in enumerate(gws)]
    conns += [conn(f"down-{i:03}", g, status="NotConnected") for i, g in enumerate(gws[:45])]
    reply, _ = run(FakeAzure(gateways=gws, connections=conns), "westus2")
    body = text_of(reply)
    assert reply.fallback.startswith("🔴 45 problems in West US 2: 45 gateways, 45 connections")
    assert len(reply.findings) == 8  # in full; the others by title, then counted
    assert "*37 more findings:*" in body and "• and 17 more: 17 NotConnected" in body
    assert "`ok-000`" not in body  # a healthy connection of a troubled gateway is left out
    assert "…and 35 more gateways with problems" in body
    assert "✅ 15 other gateways with no problem found" in body


def test_all_clear_headline() -> None:
    reply, _ = run(big_estate(3, sick=0), "westus2")
    assert str(reply.fallback) == (
        "🟢 All clear in West US 2: 3 gateways, 3 connections, every tunnel up with traffic both ways"
    )


def test_estate_names_cannot_mention_anyone() -> None:
    g = gw("<!channel>", "eastus")
    c = conn("<@U123|x>", g, status="NotConnected")
    reply, _ = run(FakeAzure(gateways=[g], connections=[c]), "us")
    body = text_of(reply)
    assert "<!channel>" not in body and "<@U123" not in body
