"""One watch cycle over small estates of our own (FakeAzure, a real SQLite store): each
alert posted once, recoveries in its thread, mutes, failures that raise nothing, and
overlapping runs that never alert twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.logging import get_logger
from bot.slack.text import to_text
from bot.store.sqlite import SqliteStore
from commands.alerts.command import alerts
from commands.alerts.state import NS_MESSAGE, NS_MUTE
from commands.core.model import BgpPeer, Connection, Subscription, rid_key
from commands.core.registry import Ctx, DomainSettings
from commands.status.command import status
from commands.watch.run import WatchResult, run_cycle
from commands.watch.state import NS_CONN
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.watch.support import GW_A, GW_B, STEP, T0, conn, pair

LOG = get_logger(__name__)


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> datetime:
        return self.t

    def tick(self) -> None:
        self.t += STEP


def estate(*conns: Connection, bgp: dict[str, list[BgpPeer]] | None = None) -> FakeAzure:
    return FakeAzure(subscriptions=[Subscription("sub1", "One")], gateways=[GW_A, GW_B], connections=conns, bgp=bgp)


def cycle(az: FakeAzure, store: SqliteStore, out: RecordingMessenger, clock: Clock) -> WatchResult:
    settings = DomainSettings(alert_channel="C_ALERTS", concurrency=4)
    return run_cycle(az, store, out, settings, LOG, now=clock, min_interval_s=60)


def set_conn(az: FakeAzure, c: Connection) -> None:
    az.conns[rid_key(c.id)] = c


def test_a_cycle_posts_each_alert_once_and_recoveries_in_the_alert_thread(store: SqliteStore) -> None:
    az, out, clock = estate(conn("up", 100, 100), conn("lopsided", 100, 0)), RecordingMessenger(), Clock()
    first = cycle(az, store, out, clock)
    assert (first.connections, first.fired, out.posts) == (2, [], [])

    clock.tick()
    set_conn(az, conn("up", 500, 400))
    set_conn(az, conn("lopsided", 900, 0))
    second = cycle(az, store, out, clock)
    assert second.fired == ["🔴 lopsided: traffic flows one way"]
    channel, _, thread, ref = out.posts[0]
    assert (channel, thread) == ("C_ALERTS", None)
    assert store.get_state(NS_MESSAGE, ref) is not None  # its buttons can re-render it

    clock.tick()
    set_conn(az, conn("lopsided", 1900, 0))
    assert cycle(az, store, out, clock).fired == []

    clock.tick()
    set_conn(az, conn("lopsided", 2900, 700))
    third = cycle(az, store, out, clock)
    assert third.recovered == ["one_way"]
    _, recovery, rthread, _ = out.posts[-1]
    assert rthread == ref and "flows both ways again" in to_text(recovery)
    updated_ref, updated = out.updates[-1]
    assert updated_ref == ref and "Recovered" in to_text(updated) and "Acknowledge" not in to_text(updated)


def test_a_cycle_on_an_estate_with_nothing_wrong_posts_nothing(store: SqliteStore) -> None:
    peers = {GW_A.id: [BgpPeer("10.2.0.30", 65002, "Connected", routes_received=3)]}
    az = estate(conn("x", 10, 10, tunnels=pair("Connected", "Connected")), bgp=peers)
    out, clock = RecordingMessenger(), Clock()
    for i in range(3):
        set_conn(az, conn("x", 10 + i * 1000, 10 + i * 900, tunnels=pair("Connected", "Connected")))
        assert cycle(az, store, out, clock).fired == []
        clock.tick()
    assert out.posts == []


def test_a_cycle_raises_what_changed_facts_call_for(store: SqliteStore) -> None:
    peers = {GW_A.id: [BgpPeer("10.2.0.30", 65002, "Connected", routes_received=3)]}
    az = estate(conn("aa", 10, 10, tunnels=pair("Connected", "Connected")), conn("s2s", 10, 10), bgp=peers)
    out, clock = RecordingMessenger(), Clock()
    cycle(az, store, out, clock)
    clock.tick()
    set_conn(az, conn("aa", 20, 20, tunnels=pair("NotConnected", "Connected")))
    set_conn(az, conn("s2s", 10, 10, status="NotConnected"))
    az.bgp[rid_key(GW_A.id)] = [BgpPeer("10.2.0.30", 65002, "Idle")]
    result = cycle(az, store, out, clock)
    assert sorted(result.fired) == sorted(
        [
            "🟠 aa: lost a tunnel",
            "🔴 s2s: is NotConnected",
            "🟠 gw-a: BGP peer 10.2.0.30 left Connected (Idle)",
        ]
    )


def test_a_muted_connection_is_not_posted(store: SqliteStore) -> None:
    az, out, clock = estate(conn("c", 10, 10)), RecordingMessenger(), Clock()
    cycle(az, store, out, clock)
    store.put_state(NS_MUTE, rid_key(conn("c").id), {"until": (T0 + timedelta(hours=1)).isoformat()}, "*")
    clock.tick()
    set_conn(az, conn("c", status="NotConnected"))
    assert cycle(az, store, out, clock).fired == [] and out.posts == []
    clock.t = T0 + timedelta(hours=2)  # the mute ended; still down: announced now
    late = cycle(az, store, out, clock)
    assert late.fired == ["🔴 c: is NotConnected"]
    assert "it began while muted" in to_text(out.posts[0][1])


def test_muting_a_gateway_mutes_its_connections(store: SqliteStore) -> None:
    az, out, clock = estate(conn("c", 10, 10)), RecordingMessenger(), Clock()
    store.put_state(NS_MUTE, rid_key(GW_A.id), {"until": (T0 + timedelta(hours=1)).isoformat()}, "*")
    set_conn(az, conn("c", status="NotConnected"))
    assert cycle(az, store, out, clock).fired == []


def test_without_an_alert_channel_incidents_are_kept_for_later(store: SqliteStore) -> None:
    az, out, clock = estate(conn("c", status="NotConnected")), RecordingMessenger(), Clock()
    assert run_cycle(az, store, out, DomainSettings(alert_channel=""), LOG, now=clock).fired == [] and out.posts == []
    clock.tick()
    assert cycle(az, store, out, clock).fired == ["🔴 c: is NotConnected"]


def test_a_failed_read_keeps_the_record_and_raises_nothing(store: SqliteStore) -> None:
    from commands.core.errors import AzureFailure

    az, out, clock = estate(conn("c", 10, 10)), RecordingMessenger(), Clock()
    cycle(az, store, out, clock)
    before = store.get_state(NS_CONN, rid_key(conn("c").id))
    clock.tick()
    az.fail[("connection", "*")] = AzureFailure("throttled", "slow down", status=429)
    result = cycle(az, store, out, clock)
    assert result.fired == [] and result.failures and out.posts == []
    assert store.get_state(NS_CONN, rid_key(conn("c").id)) == before


def test_a_deleted_connection_closes_its_incident_in_the_thread(store: SqliteStore) -> None:
    az, out, clock = estate(conn("c", status="NotConnected")), RecordingMessenger(), Clock()
    ref = out.posts[0][3] if cycle(az, store, out, clock).fired else ""
    del az.conns[rid_key(conn("c").id)]
    clock.tick()
    result = cycle(az, store, out, clock)
    assert result.recovered == ["down"] and out.posts[-1][2] == ref
    assert store.get_state(NS_CONN, rid_key(conn("c").id)) is None


class MeetingAzure(FakeAzure):
    """Two watch runs read every connection at the same moment (a real overlap)."""

    def __init__(self, parties: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.barrier = threading.Barrier(parties, timeout=10)

    def connection(self, connection_id: str) -> Connection:
        c = super().connection(connection_id)
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return c


@pytest.mark.parametrize("attempt", range(5))
def test_two_overlapping_runs_never_alert_twice(store: SqliteStore, attempt: int) -> None:
    kw: dict[str, Any] = dict(subscriptions=[Subscription("sub1", "One")], gateways=[GW_A])
    az = MeetingAzure(1, connections=[conn("l1", 100, 0), conn("l2", 0, 100), conn("ok", 10, 10)], **kw)
    out, clock = RecordingMessenger(), Clock()
    cycle(az, store, out, clock)
    clock.tick()
    set_conn(az, conn("l1", 900, 0))
    set_conn(az, conn("l2", 0, 900))
    set_conn(az, conn("ok", 900, 900))
    az.barrier = threading.Barrier(2, timeout=10)
    results: list[WatchResult] = []

    def run() -> None:
        results.append(cycle(az, store, out, clock))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 2
    fired = sorted(f for r in results for f in r.fired)
    assert fired == ["🔴 l1: traffic flows one way", "🔴 l2: traffic flows one way"]
    assert len(out.posts) == 2


def test_status_shows_the_change_since_the_watch_sample(store: SqliteStore) -> None:
    az, out, clock = estate(conn("c", 1_000_000_000, 5_000)), RecordingMessenger(), Clock()
    cycle(az, store, out, clock)
    set_conn(az, conn("c", 2_200_000_000, 5_000))
    ctx = Ctx(az, RecordingMessenger(), settings=DomainSettings(progress_every_s=0), store=store, now=lambda: T0 + STEP)
    reply = status(ctx, "gw-a")
    assert reply is not None
    assert "+1.2 GB out, +0 B in in the last 5 min" in to_text(reply)


class FlakyMessenger(RecordingMessenger):
    """Slack refuses the first `failures` posts (rate limited, say)."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def post(self, channel: str, reply: Any, thread: str | None = None) -> str:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("ratelimited")
        return super().post(channel, reply, thread)


def test_an_alert_slack_refused_is_posted_by_the_next_cycle(store: SqliteStore) -> None:
    az, out, clock = estate(conn("c", status="NotConnected")), FlakyMessenger(failures=1), Clock()
    first = cycle(az, store, out, clock)
    assert first.fired == [] and first.failures and out.posts == []
    clock.tick()
    second = cycle(az, store, out, clock)
    assert second.fired == ["🔴 c: is NotConnected"]
    assert "NotConnected" in to_text(out.posts[0][1]) and len(out.posts) == 1


def test_vpn_alerts_lists_the_open_incidents(store: SqliteStore) -> None:
    az, out, clock = estate(conn("c", status="NotConnected")), RecordingMessenger(), Clock()
    cycle(az, store, out, clock)
    ctx = Ctx(az, RecordingMessenger(), settings=DomainSettings(), store=store, now=clock)
    text = to_text(alerts(ctx, ""))
    assert "1 open incident" in text and "c: is NotConnected since 2026-03-02 09:00 UTC" in text
