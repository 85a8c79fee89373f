"""The watch and the alert webhooks end to end: the console (real Bolt app, real worker, real
Azure SDK against the ARM emulator, real Slack Web API client against the Slack emulator,
real SQLite store), `python -m bot console` as a user runs it, and `--state` across runs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.console.app import Console
from bot.runtime.timer import run_watch
from commands.watch.run import WatchResult
from sandbox.arm_emulator import SEED_ESTATE
from sandbox.estate import load_estate
from tests.shared_fixtures import needs_shared, real_files

ROOT = Path(__file__).resolve().parents[4]
SEED_NET = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups/{rg}/providers/Microsoft.Network"
EUN_AUE = SEED_NET.format(rg="rg-vpn-eun") + "/connections/cn-eun-to-aue"
AUE_EUN = SEED_NET.format(rg="rg-vpn-aue") + "/connections/cn-aue-to-eun"
ONE_WAY = "traffic flows one way"
# A VNet-to-VNet pair is one tunnel: one incident for both halves, raised by the half whose
# id sorts first and naming both.
PAIR = "cn-aue-to-eun ⇄ cn-eun-to-aue"


def alerts_posted(con: Console) -> list[Any]:
    """Top-level messages in the alert channel."""
    return [m for m in con.slack.messages("C_ALERTS") if not m.thread_ts]


def titles(con: Console) -> list[str]:
    out = []
    for m in alerts_posted(con):
        heads = [b["text"]["text"] for b in m.blocks if b.get("type") == "header"]
        out.extend(heads)
    return out


def replies(con: Console) -> list[Any]:
    return [m for m in con.slack.messages("C_ALERTS") if m.thread_ts]


@pytest.fixture
def seed() -> Iterator[Console]:
    con = Console(load_estate(SEED_ESTATE), out=io.StringIO())
    try:
        yield con
    finally:
        con.close()


# --- the seed estate -----------------------------------------------------------------------------


def test_two_watch_cycles_raise_one_one_way_alert_per_tunnel_a_third_none(seed: Console) -> None:
    seed.run(["/watch"])
    assert alerts_posted(seed) == []
    seed.run(["/watch"])
    assert titles(seed) == [f"🔴 {PAIR}: {ONE_WAY}"]
    (card,) = alerts_posted(seed)
    assert "Cause: `cn-aue-to-eun` and `cn-eun-to-aue` use different shared keys" in json.dumps(
        card.blocks, ensure_ascii=False
    )
    seed.run(["/watch"])
    assert len(alerts_posted(seed)) == 1  # the same incident: nothing new
    out = seed.out.getvalue()  # type: ignore[attr-defined]
    assert "1 alert, 0 recoveries; counters advanced one cycle" in out


def test_a_recovery_is_posted_in_each_alert_thread_when_traffic_flows_both_ways(seed: Console) -> None:
    seed.run(["/watch", "/watch"])
    fired = {m.ref: m for m in alerts_posted(seed)}
    assert len(fired) == 1
    for cid in (EUN_AUE, AUE_EUN):
        seed.arm.set_counter_growth(cid, ingress=5_000_000, egress=6_000_000)
    # The cycle already counted before the change still flows one way; the next one both ways.
    seed.run(["/watch", "/watch", "/watch"])
    recovered = replies(seed)
    assert len(recovered) == 1
    assert {f"{m.channel}:{m.thread_ts}" for m in recovered} == set(fired)
    assert all("flows both ways again" in m.text for m in recovered)
    for ref in fired:
        msg = seed.slack.message(ref)
        assert msg is not None and "Recovered" in json.dumps(msg.blocks)
    assert len(alerts_posted(seed)) == 1


def test_status_after_a_watch_shows_the_change_since_its_sample(seed: Console) -> None:
    seed.run(["/watch", "/vpn status europe"])
    out = seed.out.getvalue()  # type: ignore[attr-defined]
    assert "+73.4 MB out, +0 B in in the last" in out


def test_alert_buttons_work_through_slack(seed: Console) -> None:
    seed.run(["/watch", "/watch"])
    msg = next(m for m in alerts_posted(seed) if "cn-aue-to-eun" in m.text)
    assert seed.click("alert_ack", AUE_EUN)
    acked = seed.slack.message(msg.ref)
    assert acked is not None and "Acknowledged by" in json.dumps(acked.blocks)
    assert "alert_ack" not in {b["action_id"] for b in acked.buttons()}

    seed.switch_user("bob", quiet=True)
    assert seed.click("alert_mute_1h", AUE_EUN)
    audit = seed.store.recent_audit(matching="cn-aue-to-eun")
    assert [(a.actor, a.action) for a in audit] == [("U_BOB", "alert_muted"), ("U_ALICE", "alert_acknowledged")]

    assert seed.click("alert_status", AUE_EUN)
    thread = seed.slack.thread(msg.ref)
    assert any("cn-aue-to-eun" in m.text or "vgw-aue" in m.text for m in thread), [m.text for m in thread]


def test_a_muted_connection_raises_nothing_until_the_mute_is_lifted(seed: Console) -> None:
    seed.run(["/watch", "/watch"])
    assert seed.switch_user("bob")  # muting is for approvers (the console's are bob and carol)
    # The tunnel's card is the half that leads the pair; muting it mutes the tunnel.
    assert seed.click("alert_mute_24h", AUE_EUN)
    seed.arm.set_connection_status(EUN_AUE, "NotConnected")
    seed.run(["/watch"])
    assert not any("NotConnected" in t for t in titles(seed))
    seed.run(["/vpn alerts unmute cn-aue-to-eun", "/watch"])
    # Only this half is down: it raises the tunnel's incident (its partner does not see it).
    assert "🔴 cn-eun-to-aue ⇄ cn-aue-to-eun: is NotConnected" in titles(seed)


@pytest.mark.parametrize("attempt", range(3))
def test_two_overlapping_watch_runs_never_double_alert(seed: Console, attempt: int) -> None:
    run_watch(seed.deps, min_interval_s=0)
    seed.arm.advance_counters(1)
    results: list[WatchResult] = []
    threads = [
        threading.Thread(target=lambda: results.append(run_watch(seed.deps, min_interval_s=0))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 2
    assert sorted(f for r in results for f in r.fired) == [f"🔴 {PAIR}: {ONE_WAY}"]
    assert len(alerts_posted(seed)) == 1


# --- estates never seen here -------------------------------------------------------------------------

SUB = "5b7e0c1d-2222-4a4a-9c9c-0123456789ab"
NET = f"/subscriptions/{SUB}/resourceGroups/rg-edge/providers/Microsoft.Network"
GW_X = f"{NET}/virtualNetworkGateways/gw-x"
GW_Y = f"{NET}/virtualNetworkGateways/gw-y"
CN_DC = f"{NET}/connections/cn-x-datacenter"
CN_BR = f"{NET}/connections/cn-y-branch"
CN_LAB = f"{NET}/connections/cn-y-lab"


def gateway(gid: str, location: str, bgp: bool, active_active: bool, asn: int) -> dict[str, Any]:
    return {
        "id": gid,
        "name": gid.rsplit("/", 1)[1],
        "type": "Microsoft.Network/virtualNetworkGateways",
        "location": location,
        "etag": 'W/"1"',
        "properties": {
            "provisioningState": "Succeeded",
            "gatewayType": "Vpn",
            "vpnType": "RouteBased",
            "sku": {"name": "VpnGw2", "tier": "VpnGw2"},
            "enableBgp": bgp,
            "activeActive": active_active,
            "bgpSettings": {"asn": asn, "bgpPeeringAddress": "10.20.255.4,10.20.255.5"},
            "ipConfigurations": [],
        },
    }


def connection(cid: str, gw: str, tunnels: list[str]) -> dict[str, Any]:
    name = cid.rsplit("/", 1)[1]
    return {
        "id": cid,
        "name": name,
        "type": "Microsoft.Network/connections",
        "location": "westeurope",
        "etag": 'W/"1"',
        "properties": {
            "provisioningState": "Succeeded",
            "virtualNetworkGateway1": {"id": gw, "properties": {}},
            "localNetworkGateway2": {"id": f"{NET}/localNetworkGateways/lng-{name}", "properties": {}},
            "connectionType": "IPsec",
            "connectionProtocol": "IKEv2",
            "enableBgp": gw == GW_X,
            "connectionStatus": "Connected",
            "ingressBytesTransferred": 1000,
            "egressBytesTransferred": 1000,
            "tunnelConnectionStatus": [
                {
                    "tunnel": t,
                    "connectionStatus": "Connected",
                    "ingressBytesTransferred": 500,
                    "egressBytesTransferred": 500,
                    "lastConnectionEstablishedUtcTime": "2026-03-01T08:00:00Z",
                }
                for t in tunnels
            ],
        },
    }


def peers(state: str) -> dict[str, Any]:
    return {
        "value": [
            {
                "localAddress": "10.20.255.4",
                "neighbor": "192.168.100.1",
                "asn": 65100,
                "state": state,
                "connectedDuration": "01:00:00" if state == "Connected" else "",
                "routesReceived": 12 if state == "Connected" else 0,
                "messagesSent": 100,
                "messagesReceived": 100,
            }
        ]
    }


def edge_estate() -> dict[str, Any]:
    return {
        "subscriptions": [{"subscriptionId": SUB, "displayName": "Edge"}],
        "resources": [
            gateway(GW_X, "westeurope", bgp=True, active_active=True, asn=65010),
            gateway(GW_Y, "westeurope", bgp=False, active_active=False, asn=65011),
            connection(CN_DC, GW_X, ["gw-x_inst0", "gw-x_inst1"]),
            connection(CN_BR, GW_Y, ["gw-y_inst0"]),
            connection(CN_LAB, GW_Y, ["gw-y_inst0"]),
        ],
        "actions": {f"{GW_X}/getBgpPeerStatus": peers("Connected")},
        "counterGrowth": {
            CN_DC: {"ingress": 4_000_000, "egress": 3_000_000},
            CN_BR: {"ingress": 2_000_000, "egress": 2_500_000},
            CN_LAB: {"ingress": 0, "egress": 900_000},
        },
    }


@pytest.fixture
def edge() -> Iterator[Console]:
    con = Console(edge_estate(), out=io.StringIO())
    try:
        yield con
    finally:
        con.close()


def test_an_estate_never_seen_raises_what_its_facts_call_for_and_no_more(edge: Console) -> None:
    edge.run(["/watch"])
    assert titles(edge) == []
    edge.run(["/watch"])
    # Only the lab link sends without receiving; the others flow both ways.
    assert titles(edge) == [f"🔴 cn-y-lab: {ONE_WAY}"]

    edge.arm.set_connection_status(CN_DC, "Connected", tunnels=["Connected", "NotConnected"])
    edge.arm.set_connection_status(CN_BR, "NotConnected")
    edge.arm.set_action(GW_X, "getBgpPeerStatus", peers("Idle"))
    edge.run(["/watch"])
    assert sorted(titles(edge)) == sorted(
        [
            f"🔴 cn-y-lab: {ONE_WAY}",
            "🟠 cn-x-datacenter: lost a tunnel",
            "🔴 cn-y-branch: is NotConnected",
            "🟠 gw-x: BGP peer 192.168.100.1 left Connected (Idle)",
        ]
    )
    edge.run(["/watch"])
    assert len(alerts_posted(edge)) == 4

    edge.arm.set_connection_status(CN_DC, "Connected")
    edge.arm.set_connection_status(CN_BR, "Connected")
    edge.arm.set_action(GW_X, "getBgpPeerStatus", peers("Connected"))
    edge.run(["/watch"])
    texts = [m.text for m in replies(edge)]
    assert len(texts) == 3, texts
    assert any("Every tunnel of" in t for t in texts)
    assert any("is Connected again" in t and "cn-y-branch" in t for t in texts)
    assert any("BGP peer" in t and "Connected again" in t for t in texts)
    assert len(alerts_posted(edge)) == 4


# --- webhooks from the console ------------------------------------------------------------------------


@needs_shared
def test_webhook_alerts_delivers_every_published_sample(seed: Console) -> None:
    samples = real_files("alerts")
    seed.run([f"/webhook alerts {p}" for p in samples])
    assert len(alerts_posted(seed)) == len(samples)
    out = seed.out.getvalue()  # type: ignore[attr-defined]
    assert out.count("/api/alerts answered HTTP 200") == len(samples)


def test_webhook_alerts_refuses_a_body_that_is_not_an_alert(seed: Console, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": "world"}', encoding="utf-8")
    seed.run([f"/webhook alerts {bad}", "/webhook alerts /no/such/file.json", "/webhook nope"])
    out = seed.out.getvalue()  # type: ignore[attr-defined]
    assert "/api/alerts answered HTTP 400" in out and "Not the common alert schema" in out
    assert "Cannot read /no/such/file.json" in out
    assert "Usage: /webhook alerts FILE" in out
    assert alerts_posted(seed) == []


# --- as a user runs it -----------------------------------------------------------------------------------


def console(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VPNOPS_", "SLACK_", "AZURE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_piped_watch_lines_alert_once_per_one_way_tunnel() -> None:
    proc = console("/watch\n/watch\n/watch\n")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count(ONE_WAY) == 1
    assert proc.stdout.count(f"■ 🔴 {PAIR}") == 1


def test_state_dir_keeps_the_sample_so_a_second_run_compares_with_the_first(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = console("/watch\n", "--state", str(state))
    assert first.returncode == 0, first.stderr[-2000:]
    assert ONE_WAY not in first.stdout
    second = console("/watch\n", "--state", str(state))
    assert second.returncode == 0, second.stderr[-2000:]
    assert second.stdout.count(ONE_WAY) == 1

    # The estate in the state dir may change: traffic now flows both ways.
    estate = json.loads((state / "estate.json").read_text(encoding="utf-8"))
    for growth in estate["counterGrowth"].values():
        growth.update(ingress=1_000_000, egress=1_000_000)
    (state / "estate.json").write_text(json.dumps(estate), encoding="utf-8")
    third = console("/watch\n/watch\n", "--state", str(state))
    assert third.returncode == 0, third.stderr[-2000:]
    assert third.stdout.count("flows both ways again") == 1
    assert third.stdout.count("(thread of [") == 1


# --- on Azure Table Storage (Azurite), as on Azure Functions ---------------------------------------


@pytest.mark.azurite
def test_overlapping_runs_on_table_storage_alert_once_and_status_reads_the_samples(azurite: Any) -> None:
    from bot.runtime.worker import Deps
    from bot.settings import Settings
    from bot.store.tables import TableStore
    from sandbox.arm_emulator import ArmEmulator
    from sandbox.slack_emulator import SlackEmulator
    from tests.azurite import unique_name

    store = TableStore.from_connection_string(azurite.connection_string, unique_name("watch"))
    with ArmEmulator(load_estate(SEED_ESTATE)) as arm, SlackEmulator(token="xoxb-watch-tables") as slack:
        settings = Settings(
            bot_token=slack.token,
            slack_api_url=slack.api_url,
            arm_url=arm.base_url,
            alert_channel="C_ALERTS",
            concurrency=8,
            # The counters jump a cycle (five minutes) in an instant here: no TTL follows that,
            # so no reads are shared between the runs (bot.arm.shared).
            arm_cache_ttl_s=0.0,
        )
        deps = Deps.from_settings(settings, store=store)
        assert run_watch(deps, min_interval_s=0).fired == []
        arm.advance_counters(1)
        results: list[WatchResult] = []
        threads = [threading.Thread(target=lambda: results.append(run_watch(deps, min_interval_s=0))) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(f for r in results for f in r.fired) == [f"🔴 {PAIR}: {ONE_WAY}"]
        assert len([m for m in slack.messages("C_ALERTS") if not m.thread_ts]) == 1

        from commands.watch.state import last_samples

        samples = last_samples(store)
        assert {k.rsplit("/", 1)[1] for k in samples} == {"cn-eun-to-aue", "cn-aue-to-eun"}
