"""The watch's judgement: transitions judged from the last sample, once per incident,
recoveries for the alert's thread, mutes, reconnects (no store, no Slack)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from bot.slack.text import to_text
from commands.core.model import BgpPeer, Connection
from commands.watch.judge import Verdict, judge_bgp, judge_connection, judge_gone
from tests.unit.commands.watch.support import GW_A, GW_B, STEP, T0, conn, pair


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
    v2.value["incidents"]["one_way"]["ref"] = "C_ALERTS:1"  # what the cycle records after posting

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


def test_every_tunnel_down_under_a_connected_status_is_said_so() -> None:
    v1 = step(None, conn("c", tunnels=pair("Connected", "Connected")), T0)
    v2 = step(v1.value, conn("c", tunnels=pair("NotConnected", "NotConnected")), T0 + STEP)
    assert [(f.incident, f.card.title, f.card.severity) for f in v2.fires] == [
        ("tunnel", "🔴 c: every tunnel is down", "critical")
    ]


# --- a VNet-to-VNet pair is one tunnel --------------------------------------------------------------


def _halves(out_a: int, in_a: int, out_b: int, in_b: int, status_b: str = "Connected") -> tuple[Connection, Connection]:
    a = conn(
        "a-to-b", out=out_a, inn=in_a, connection_type="Vnet2Vnet", local_network_gateway_id="", gateway2_id=GW_B.id
    )
    b = conn(
        "b-to-a",
        out=out_b,
        inn=in_b,
        status=status_b,
        connection_type="Vnet2Vnet",
        local_network_gateway_id="",
        gateway1_id=GW_B.id,
        gateway2_id=GW_A.id,
    )
    return a, b


def test_a_one_way_tunnel_is_one_incident_raised_by_the_half_that_leads_the_pair() -> None:
    a0, b0 = _halves(0, 0, 0, 0)
    a1, b1 = _halves(9_000_000, 0, 0, 9_000_000)
    lead = step(step(None, a0, T0).value, a1, T0 + STEP, reverse=b1, leads=True)
    follow = step(step(None, b0, T0).value, b1, T0 + STEP, reverse=a1, leads=False)
    assert [f.incident for f in lead.fires] == ["one_way"] and follow.fires == []
    card = lead.fires[0].card
    assert card.title == "🔴 a-to-b ⇄ b-to-a: traffic flows one way"
    assert any(label == "Reverse" for label, _ in card.fields)


def test_the_other_half_raises_what_the_leading_half_cannot_see() -> None:
    # Only b-to-a is NotConnected: a-to-b (leading, Connected) raises nothing for it.
    a, b = _halves(10, 10, 0, 0, status_b="NotConnected")
    assert step(None, a, T0, reverse=b, leads=True).fires == []
    follow = step(None, b, T0, reverse=a, leads=False)
    assert [f.incident for f in follow.fires] == ["down"]
    assert follow.fires[0].card.title == "🔴 b-to-a ⇄ a-to-b: is NotConnected"


def test_a_card_names_the_root_cause_first_and_its_next_step() -> None:
    from commands.core.reply import Finding

    a0, _ = _halves(0, 0, 0, 0)
    a1, b1 = _halves(9_000_000, 0, 0, 9_000_000)
    cause = Finding(
        "critical", "`a-to-b` and `b-to-a` use different shared keys", next_step="set the same key", key="shared_key:x"
    )
    from commands.findings.connections.checks import one_way

    one_way_key = one_way(a1, b1).key  # type: ignore[union-attr]
    v = step(step(None, a0, T0).value, a1, T0 + STEP, reverse=b1, leads=True, causes={one_way_key: cause})
    card = v.fires[0].card
    assert str(card.summary).startswith("Cause: `a-to-b` and `b-to-a` use different shared keys")
    assert any("set the same key" in str(d) for d in card.details)
