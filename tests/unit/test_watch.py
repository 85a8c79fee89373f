"""The watch: transitions judged from the last sample, once per incident, recoveries in the
thread, mutes, reconnects, and one cycle over small estates of our own (FakeAzure)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.runtime.worker import Deps
from bot.settings import Settings
from bot.slack.text import to_text
from bot.store.sqlite import SqliteStore
from bot.watch import WatchResult, run_watch
from commands.alerts.state import NS_MESSAGE, NS_MUTE
from commands.core.model import BgpPeer, Connection, Gateway, Subscription, Tunnel, rid_key
from commands.core.registry import Ctx, DomainSettings
from commands.status import status
from commands.watch.judge import Verdict, judge_bgp, judge_connection, judge_gone
from commands.watch.state import NS_CONN
from tests.fakes import FakeAzure, RecordingMessenger

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
NET = "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network"
GW_A = Gateway(f"{NET}/virtualNetworkGateways/gw-a", "gw-a", "westeurope", sku="VpnGw2", enable_bgp=True, bgp_asn=65001)
GW_B = Gateway(f"{NET}/virtualNetworkGateways/gw-b", "gw-b", "eastus", sku="VpnGw2", enable_bgp=True, bgp_asn=65002)


def conn(name: str, out: int = 0, inn: int = 0, status: str = "Connected", **kw: Any) -> Connection:
    base: dict[str, Any] = dict(
        id=f"{NET}/connections/{name}",
        name=name,
        location="westeurope",
        connection_type="IPsec",
        status=status,
        egress_bytes=out,
        ingress_bytes=inn,
        gateway1_id=GW_A.id,
        local_network_gateway_id=f"{NET}/localNetworkGateways/lng-{name}",
    )
    base.update(kw)
    return Connection(**base)


def step(prev: dict[str, Any] | None, c: Connection, at: datetime, **kw: Any) -> Verdict:
    kw.setdefault("min_interval_s", 60.0)
    return judge_connection(prev, c, at, **kw)


# --- one connection, judged -----------------------------------------------------------------------


def test_the_first_sample_is_a_baseline_for_traffic() -> None:
    v = step(None, conn("c", out=10_000), T0)
    assert v.fires == [] and v.recovers == []
    assert v.value["sample"]["egress"] == 10_000 and v.value["incidents"] == {}


def test_one_way_traffic_alerts_once_and_recovers_once_in_its_thread() -> None:
    v1 = step(None, conn("c", out=1_000, inn=500), T0)
    v2 = step(v1.value, conn("c", out=80_000_000, inn=500), T0 + STEP)
    assert [f.incident for f in v2.fires] == ["one_way"]
    card = v2.fires[0].card
    assert card.title == "🔴 c: traffic flows one way"
    assert "+80.0 MB out, +0 B in over the last 5 min" in card.summary
    assert "sends but receives nothing" in card.summary
    assert card.status_target == conn("c").id and card.subject == conn("c").id
    v2.value["incidents"]["one_way"]["ref"] = "C_ALERTS:1"  # what bot.watch records after posting

    v3 = step(v2.value, conn("c", out=160_000_000, inn=500), T0 + 2 * STEP)
    assert v3.fires == [] and v3.recovers == []  # still one way: the same incident

    v4 = step(v3.value, conn("c", out=170_000_000, inn=9_000_000), T0 + 3 * STEP)
    assert [(r.incident, r.ref) for r in v4.recovers] == [("one_way", "C_ALERTS:1")]
    text = to_text(v4.recovers[0].reply)
    assert "flows both ways again after 10 min" in text and "+10.0 MB out, +9.0 MB in" in text
    assert v4.value["incidents"] == {}


def test_receiving_without_sending_is_one_way_too() -> None:
    v1 = step(None, conn("c"), T0)
    v2 = step(v1.value, conn("c", inn=5_000), T0 + STEP)
    assert "receives but sends nothing back" in v2.fires[0].card.summary


def test_an_idle_interval_neither_alerts_nor_recovers() -> None:
    v1 = step(None, conn("c", out=100, inn=100), T0)
    assert step(v1.value, conn("c", out=100, inn=100), T0 + STEP).fires == []
    v2 = step(v1.value, conn("c", out=200, inn=100), T0 + STEP)
    v3 = step(v2.value, conn("c", out=200, inn=100), T0 + 2 * STEP)  # no traffic: cannot tell
    assert v3.fires == [] and v3.recovers == [] and "one_way" in v3.value["incidents"]


def test_a_counter_that_went_down_is_a_reconnect_not_negative_traffic() -> None:
    v1 = step(None, conn("c", out=9_000_000, inn=9_000_000), T0)
    # Reconnected: counters restarted; only egress has moved since. Not judged this time.
    v2 = step(v1.value, conn("c", out=4_000, inn=0), T0 + STEP)
    assert v2.fires == [] and v2.value["sample"]["egress"] == 4_000 and "reconnected_at" in v2.value
    # The next interval is judged from the new baseline.
    v3 = step(v2.value, conn("c", out=8_000, inn=0), T0 + 2 * STEP)
    assert [f.incident for f in v3.fires] == ["one_way"]
    assert "+4.0 KB out, +0 B in" in v3.fires[0].card.summary


def test_a_run_soon_after_the_last_keeps_the_older_baseline() -> None:
    v1 = step(None, conn("c", out=100, inn=100), T0)
    v2 = step(v1.value, conn("c", out=150, inn=100), T0 + timedelta(seconds=5))  # an overlap or a retry
    assert v2.fires == [] and v2.value["sample"]["at"] == v1.value["sample"]["at"]
    v3 = step(v2.value, conn("c", out=300, inn=250), T0 + STEP)
    assert v3.fires == []  # judged over the whole 5 min: both ways


def test_not_connected_alerts_once_and_recovers_when_connected_again() -> None:
    v1 = step(None, conn("c", out=100, inn=100), T0)
    v2 = step(v1.value, conn("c", out=100, inn=100, status="NotConnected"), T0 + STEP)
    assert [f.incident for f in v2.fires] == ["down"]
    assert v2.fires[0].card.title == "🔴 c: is NotConnected" and v2.fires[0].card.severity == "critical"
    v2.value["incidents"]["down"]["ref"] = "C:1"
    v3 = step(v2.value, conn("c", status="Connecting"), T0 + 2 * STEP)
    assert v3.fires == [] and v3.recovers == []
    v4 = step(v3.value, conn("c", out=10, inn=10), T0 + 3 * STEP)
    assert [r.incident for r in v4.recovers] == ["down"]
    assert "is Connected again after 10 min" in to_text(v4.recovers[0].reply)


def test_a_connection_already_down_when_first_seen_is_announced() -> None:
    v = step(None, conn("c", status="NotConnected"), T0)
    assert [f.incident for f in v.fires] == ["down"]


def pair(a: str, b: str) -> tuple[Tunnel, Tunnel]:
    return Tunnel("t-0", a, 100, 100), Tunnel("t-1", b, 100, 100)


def test_a_tunnel_of_an_active_active_pair_down_alerts_and_recovers() -> None:
    v1 = step(None, conn("c", out=1, inn=1, tunnels=pair("Connected", "Connected")), T0)
    assert v1.fires == []
    v2 = step(v1.value, conn("c", out=1, inn=1, tunnels=pair("Connected", "NotConnected")), T0 + STEP)
    assert [f.incident for f in v2.fires] == ["tunnel"]
    assert v2.fires[0].card.severity == "warning" and "redundancy lost" in v2.fires[0].card.summary
    v3 = step(v2.value, conn("c", out=1, inn=1, tunnels=pair("Connected", "NotConnected")), T0 + 2 * STEP)
    assert v3.fires == []
    v4 = step(v3.value, conn("c", out=1, inn=1, tunnels=pair("Connected", "Connected")), T0 + 3 * STEP)
    assert [r.incident for r in v4.recovers] == ["tunnel"]
    assert "Every tunnel of `c` is up again" in to_text(v4.recovers[0].reply)


def test_a_whole_connection_down_is_one_incident_not_a_tunnel_one_too() -> None:
    v1 = step(None, conn("c", tunnels=pair("Connected", "Connected")), T0)
    v2 = step(v1.value, conn("c", status="NotConnected", tunnels=pair("NotConnected", "NotConnected")), T0 + STEP)
    assert [f.incident for f in v2.fires] == ["down"]


def test_a_bgp_peer_leaving_connected_alerts_once_and_recovers() -> None:
    up = BgpPeer("10.2.0.30", 65002, "Connected", routes_received=4)
    idle = dataclasses.replace(up, state="Idle", routes_received=0)
    v1 = judge_bgp(None, GW_A, [up], T0)
    assert v1.fires == []
    v2 = judge_bgp(v1.value, GW_A, [idle], T0 + STEP)
    assert [f.incident for f in v2.fires] == ["bgp:10.2.0.30"]
    assert v2.fires[0].card.title == "🟠 gw-a: BGP peer 10.2.0.30 left Connected (Idle)"
    assert v2.fires[0].card.status_target == GW_A.id
    v3 = judge_bgp(v2.value, GW_A, [idle], T0 + 2 * STEP)
    assert v3.fires == []
    v4 = judge_bgp(v3.value, GW_A, [up], T0 + 3 * STEP)
    assert [r.incident for r in v4.recovers] == ["bgp:10.2.0.30"]
    assert "(4 routes received)" in to_text(v4.recovers[0].reply)


def test_a_bgp_peer_never_seen_connected_is_not_an_incident() -> None:
    connecting = BgpPeer("10.1.255.30", 65520, "Connecting")
    v1 = judge_bgp(None, GW_A, [connecting], T0)
    assert judge_bgp(v1.value, GW_A, [connecting], T0 + STEP).fires == []


def test_a_muted_incident_is_kept_quiet_and_announced_late_if_it_outlives_the_mute() -> None:
    v1 = step(None, conn("c"), T0)
    v2 = step(v1.value, conn("c", status="NotConnected"), T0 + STEP, muted=True)
    assert v2.fires == [] and v2.value["incidents"]["down"]["announced"] is False
    v3 = step(v2.value, conn("c", status="NotConnected"), T0 + 2 * STEP, muted=False)
    assert [(f.incident, f.late) for f in v3.fires] == [("down", True)]


def test_a_muted_incident_that_ends_during_the_mute_ends_silently() -> None:
    v1 = step(None, conn("c", status="NotConnected"), T0, muted=True)
    v2 = step(v1.value, conn("c"), T0 + STEP, muted=True)
    assert v2.fires == [] and v2.recovers == [] and v2.value["incidents"] == {}


def test_a_deleted_connection_closes_its_incidents() -> None:
    v1 = step(None, conn("c", status="NotConnected"), T0)
    v1.value["incidents"]["down"]["ref"] = "C:5"
    v2 = judge_gone(v1.value, T0 + STEP)
    assert [(r.incident, r.ref) for r in v2.recovers] == [("down", "C:5")]
    assert "no longer exists in Azure" in to_text(v2.recovers[0].reply)


# --- whole cycles over small estates of our own --------------------------------------------------


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
    deps = Deps(settings=Settings(alert_channel="C_ALERTS", concurrency=4), azure=az, store=store)
    return run_watch(deps, messenger=out, now=clock, min_interval_s=60)


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
    deps = Deps(settings=Settings(alert_channel=""), azure=az, store=store)
    assert run_watch(deps, messenger=out, now=clock).fired == [] and out.posts == []
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


def test_every_tunnel_down_under_a_connected_status_is_said_so() -> None:
    v1 = step(None, conn("c", tunnels=pair("Connected", "Connected")), T0)
    v2 = step(v1.value, conn("c", tunnels=pair("NotConnected", "NotConnected")), T0 + STEP)
    assert [(f.incident, f.card.title, f.card.severity) for f in v2.fires] == [
        ("tunnel", "🔴 c: every tunnel is down", "critical")
    ]


def test_vpn_alerts_lists_the_open_incidents(store: SqliteStore) -> None:
    from commands.alerts.command import alerts

    az, out, clock = estate(conn("c", status="NotConnected")), RecordingMessenger(), Clock()
    cycle(az, store, out, clock)
    ctx = Ctx(az, RecordingMessenger(), settings=DomainSettings(), store=store, now=clock)
    text = to_text(alerts(ctx, ""))
    assert "1 open incident" in text and "c: is NotConnected since 2026-03-02 09:00 UTC" in text
