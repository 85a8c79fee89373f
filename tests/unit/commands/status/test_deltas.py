"""Counter deltas since the watch's last sample, and what a broken store costs (only them)."""

from __future__ import annotations

from datetime import timedelta

from bot.store.sqlite import SqliteStore
from commands.core.model import rid_key
from commands.core.registry import Ctx, DomainSettings
from commands.status.command import status
from commands.status.deltas import counter_delta
from commands.watch.state import NS_CONN, Sample
from tests.fakes import RecordingMessenger
from tests.unit.commands.status.support import EUN, EUN_AUE, NOW, conn, seed_like, text_of


def test_counter_delta_words() -> None:
    c = conn("c", EUN, egress_bytes=1_300_000_000, ingress_bytes=100)
    s = Sample(NOW - timedelta(minutes=5), ingress_bytes=100, egress_bytes=100_000_000)
    assert counter_delta(c, s, NOW, "VpnGw2") == "+1.2 GB out, +0 B in in the last 5 min (32.0 Mbit/s)"
    assert counter_delta(c, None, NOW) == ""


def test_no_rate_after_a_counter_went_backwards() -> None:
    c = conn("c", EUN, egress_bytes=1_300_000_000, ingress_bytes=100)
    reset = Sample(NOW - timedelta(minutes=5), ingress_bytes=500, egress_bytes=0)
    words = counter_delta(c, reset, NOW, "VpnGw2")
    assert words.startswith("no rate: the counters went backwards") and "reconnect or a failover" in words
    assert "bit/s" not in words


def test_no_rate_over_less_than_a_minute_the_bytes_are_still_said() -> None:
    # The "+210 MB out in the last 0 s (46.4 Gbit/s)": samples 0.4 s apart.
    c = conn("c", EUN, egress_bytes=310_000_000, ingress_bytes=0)
    s = Sample(NOW - timedelta(milliseconds=400), ingress_bytes=0, egress_bytes=100_000_000)
    words = counter_delta(c, s, NOW, "VpnGw2AZ")
    assert words.startswith("+210 MB out, +0 B in")
    assert "no rate: samples 0 s apart, a rate needs at least 60 s" in words
    assert "Gbit/s" not in words


def test_no_rate_above_twice_the_skus_published_estimate() -> None:
    # 210 GB in 60 s is 28 Gbit/s: more than twice VpnGw2AZ's aggregate benchmark (1.25 Gbit/s).
    c = conn("c", EUN, egress_bytes=210_000_000_000, ingress_bytes=0)
    s = Sample(NOW - timedelta(seconds=60), ingress_bytes=0, egress_bytes=0)
    words = counter_delta(c, s, NOW, "VpnGw2AZ")
    assert "no rate:" in words and "more than twice the VpnGw2AZ aggregate estimate (1.25 Gbit/s)" in words
    # Within the estimate (a tenth of it), the rate is shown.
    ok = conn("c", EUN, egress_bytes=937_500_000, ingress_bytes=0)
    assert counter_delta(ok, s, NOW, "VpnGw2AZ").endswith("(125 Mbit/s)")


def test_the_sku_table_is_microsofts_one_table() -> None:
    from commands.core.skus import DOC_SKUS, sku

    assert DOC_SKUS.startswith("https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus")
    assert sku("vpngw1").aggregate_mbps == 650  # type: ignore[union-attr]
    assert sku("VpnGw5AZ").aggregate_mbps == 10_000  # type: ignore[union-attr]
    assert sku("ErGw1AZ") is None  # an ExpressRoute SKU: no ceiling is guessed


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
