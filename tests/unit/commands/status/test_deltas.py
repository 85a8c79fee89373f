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
