"""Faults, concurrency, counters, dump and the stand-alone entry point of the ARM emulator."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator, main
from sandbox.estate import load_estate
from tests.integration import arm_sdk as S
from tests.integration.sandbox.test_arm_emulator import raw

SUB = S.SEED_SUB
EUN, AUE = "rg-vpn-eun", "rg-vpn-aue"
CN_EUN = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/connections/cn-eun-to-aue"
CN_AUE = f"/subscriptions/{SUB}/resourceGroups/{AUE}/providers/Microsoft.Network/connections/cn-aue-to-eun"
ROOT = Path(__file__).resolve().parents[3]


def test_throttle_answers_429_with_retry_after_and_the_sdk_retries(arm_emulator: ArmEmulator) -> None:
    fault = arm_emulator.add_fault("virtualNetworkGateways/vgw-eun$", kind="throttle", retry_after=0, count=1)
    net = S.network(arm_emulator.base_url)
    assert net.virtual_network_gateways.get(EUN, "vgw-eun").name == "vgw-eun"
    assert [r.status for r in arm_emulator.requests] == [429, 200]
    assert fault.hits == 1
    arm_emulator.add_fault("vgw-eun$", kind="throttle", retry_after=7, count=1)
    status, headers, body = raw(
        arm_emulator,
        "GET",
        f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/virtualNetworkGateways/vgw-eun?api-version=2026-03-01",
    )
    assert status == 429 and headers["Retry-After"] == "7" and body["error"]["code"] == "TooManyRequests"


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_reach_the_client_when_retries_are_off(arm_emulator: ArmEmulator, status: int) -> None:
    arm_emulator.add_fault("/connections/", method="GET", status=status)
    net = S.network(arm_emulator.base_url, retry_total=0)
    with pytest.raises(HttpResponseError) as e:
        net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue")
    assert e.value.status_code == status
    assert net.virtual_network_gateways.get(EUN, "vgw-eun").name == "vgw-eun"  # other routes unaffected
    arm_emulator.clear_faults()
    assert net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue").name == "cn-eun-to-aue"


def test_hang_holds_the_request_until_the_client_times_out(arm_emulator: ArmEmulator) -> None:
    arm_emulator.add_fault("vgw-aue$", kind="hang", hold_s=5)
    net = S.network(arm_emulator.base_url, retry_total=0, read_timeout=0.3)
    with pytest.raises((ServiceResponseError, ServiceRequestError)):
        net.virtual_network_gateways.get(AUE, "vgw-aue")
    assert net.virtual_network_gateways.get(EUN, "vgw-eun").name == "vgw-eun"


def test_stop_releases_held_requests() -> None:
    emu = ArmEmulator(load_estate(SEED_ESTATE))
    emu.start()
    emu.add_fault(".*", kind="hang", hold_s=60)
    outcome: list[str] = []

    def call() -> None:
        try:
            raw(emu, "GET", f"/subscriptions/{SUB}?api-version=2022-12-01")
            outcome.append("answered")
        except OSError as e:  # the connection is dropped without an answer
            outcome.append(type(e).__name__)

    t = threading.Thread(target=call, daemon=True)
    t.start()
    while not emu.faults.all()[0].hits:
        time.sleep(0.01)
    emu.stop()
    t.join(timeout=15)
    assert not t.is_alive() and outcome and outcome != ["answered"]
    assert emu.requests[-1].status == 0  # recorded as "no answer"


def test_lro_failed_fault_makes_the_operation_end_failed(arm_emulator: ArmEmulator) -> None:
    arm_emulator.add_fault("getLearnedRoutes", kind="lro_failed", code="GatewayBusy", message="The gateway is busy.")
    net = S.network(arm_emulator.base_url)
    with pytest.raises(HttpResponseError) as e:
        net.virtual_network_gateways.begin_get_learned_routes(EUN, "vgw-eun").result()
    assert "GatewayBusy" in str(e.value)
    polls = [r.status for r in arm_emulator.requests if "/operations/" in r.path]
    assert polls and all(s == 200 for s in polls)


def test_lro_failed_on_a_peering_put_leaves_it_failed(arm_emulator: ArmEmulator) -> None:
    arm_emulator.add_fault("virtualNetworkPeerings", method="PUT", kind="lro_failed")
    net = S.network(arm_emulator.base_url)
    current = net.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue")
    with pytest.raises(HttpResponseError):
        net.virtual_network_peerings.begin_create_or_update(EUN, "vnet-eun", "peer-eun-to-aue", current).result()
    assert net.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue").provisioning_state == "Failed"


def test_latency_fault_delays_but_answers(arm_emulator: ArmEmulator) -> None:
    fault = arm_emulator.add_fault("vnet-eun$", kind="latency", latency_ms=20)
    net = S.network(arm_emulator.base_url)
    assert net.virtual_networks.get(EUN, "vnet-eun").name == "vnet-eun"
    assert fault.hits == 1 and arm_emulator.requests[-1].status == 200


def test_faults_from_the_estate_and_probability_is_seeded() -> None:
    estate = load_estate(SEED_ESTATE)
    estate["faults"] = [{"path": "/subscriptions/[^/]+$", "kind": "error", "status": 503, "probability": 0.5}]
    results = []
    for _ in range(2):
        with ArmEmulator(estate, fault_seed=7) as emu:
            results.append([raw(emu, "GET", f"/subscriptions/{SUB}?api-version=2022-12-01")[0] for _ in range(20)])
    assert results[0] == results[1]
    assert 0 < results[0].count(503) < 20 and set(results[0]) == {200, 503}


def test_bad_fault_definitions_are_refused_with_the_reason() -> None:
    estate = load_estate(SEED_ESTATE)
    estate["faults"] = [{"path": ".*", "kind": "explode"}]
    with pytest.raises(ValueError, match="explode"):
        ArmEmulator(estate)
    estate["faults"] = [{"path": ".*", "latency": 5}]
    with pytest.raises(ValueError, match="latency"):
        ArmEmulator(estate)


def test_hundreds_of_concurrent_requests_are_all_answered() -> None:
    with ArmEmulator(load_estate(SEED_ESTATE), latency_ms=20) as emu:
        net = S.network(emu.base_url)

        def one(i: int) -> str:
            return str(
                net.virtual_network_gateway_connections.get(
                    EUN if i % 2 else AUE, "cn-eun-to-aue" if i % 2 else "cn-aue-to-eun"
                ).name
            )

        with ThreadPoolExecutor(max_workers=100) as pool:
            names = list(pool.map(one, range(300)))
        assert names.count("cn-eun-to-aue") == 150 and names.count("cn-aue-to-eun") == 150
        log = emu.requests
        assert len(log) == 300 and {r.status for r in log} == {200}


# --- counters, status, dump ------------------------------------------------------------------


def test_advance_counters_grows_bytes_per_the_estate(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    before = net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue")
    arm_emulator.advance_counters(2)
    after = net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue")
    assert after.egress_bytes_transferred == before.egress_bytes_transferred + 2 * 73400320
    assert after.ingress_bytes_transferred == 0
    tunnel = after.tunnel_connection_status[0]
    assert tunnel.egress_bytes_transferred == before.tunnel_connection_status[0].egress_bytes_transferred + 2 * 73400320
    reverse = net.virtual_network_gateway_connections.get(AUE, "cn-aue-to-eun")
    assert reverse.egress_bytes_transferred == 0


def test_counter_growth_and_status_change_at_run_time(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    arm_emulator.set_counter_growth(CN_EUN, ingress=1000)
    arm_emulator.advance_counters()
    assert net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue").ingress_bytes_transferred == 1000
    arm_emulator.set_connection_status(CN_EUN, "NotConnected")
    arm_emulator.advance_counters()
    down = net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue")
    assert down.connection_status == "NotConnected" and down.ingress_bytes_transferred == 1000
    assert down.tunnel_connection_status[0].connection_status == "NotConnected"
    arm_emulator.set_connection_status(CN_EUN, "Connected")
    up = net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue")
    assert (
        up.tunnel_connection_status[0].last_connection_established_utc_time
        != down.tunnel_connection_status[0].last_connection_established_utc_time
    )
    with pytest.raises(KeyError):
        arm_emulator.set_connection_status(CN_EUN + "-nope", "Connected")


def test_dump_is_a_loadable_estate_that_keeps_writes_counters_and_keys(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    current = net.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue")
    current.allow_forwarded_traffic = False
    net.virtual_network_peerings.begin_create_or_update(EUN, "vnet-eun", "peer-eun-to-aue", current).result()
    arm_emulator.advance_counters()
    dumped = json.loads(json.dumps(arm_emulator.dump()))
    assert dumped["sharedKeys"][CN_EUN] and dumped["counterGrowth"][CN_AUE]["ingress"] == 73400320
    with ArmEmulator(dumped) as again:
        net2 = S.network(again.base_url)
        peer = net2.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue")
        assert peer.allow_forwarded_traffic is False and peer.provisioning_state == "Succeeded"
        assert net2.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue").egress_bytes_transferred == (
            net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue").egress_bytes_transferred
        )
        assert (
            net2.virtual_network_gateway_connections.get_shared_key(EUN, "cn-eun-to-aue").value
            == dumped["sharedKeys"][CN_EUN]
        )
        assert len(list(net2.virtual_networks.list_all())) == 2
        assert [s.name for s in net2.virtual_networks.get(EUN, "vnet-eun").subnets] == [
            "GatewaySubnet",
            "snet-data",
            "snet-app",
        ]
        assert net2.virtual_network_gateways.begin_get_learned_routes(EUN, "vgw-eun").result().value


# --- estate files and the stand-alone server -----------------------------------------------------


def test_load_estate_names_what_is_wrong(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"resources": [', encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_estate(bad_json)
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"resorces": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="resorces"):
        load_estate(unknown)
    no_id = tmp_path / "noid.json"
    no_id.write_text('{"resources": [{"name": "x"}]}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"resources\[0\]"):
        load_estate(no_id)


def test_seed_estate_keeps_shared_keys_out_of_resources() -> None:
    seed = load_estate(SEED_ESTATE)
    text = json.dumps(seed["resources"])
    assert all(key not in text for key in seed["sharedKeys"].values())


def test_main_refuses_a_missing_estate_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--estate", str(tmp_path / "nope.json")]) == 2
    assert "cannot load estate" in capsys.readouterr().err


def test_stand_alone_emulator_prints_its_url_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.arm_emulator", "--estate", str(SEED_ESTATE), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split()[0]
        req = urllib.request.Request(
            f"{url}/subscriptions?api-version=2022-12-01", headers={"Authorization": "Bearer t"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read())["value"][0]["subscriptionId"] == SUB
    finally:
        proc.terminate()
        proc.wait(timeout=10)
