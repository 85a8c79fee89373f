"""The emulator's realistic mode (sandbox/arm/latency.py), over HTTP, against Microsoft's
documented rules:

* "Request limits and throttling" (learn.microsoft.com/azure/azure-resource-manager/management/
  request-limits-and-throttling): since 2024 a token bucket per subscription, principal and
  operation type — reads 250 refilled at 25/s, writes 200 at 10/s; a throttled request gets
  429 with Retry-After; `x-ms-ratelimit-remaining-subscription-reads` on GETs and
  `…-writes` on the others (a POST action is a write).
* The network provider's long-running operations answer their polls with Retry-After: 10
  until they end; an action's result only once it has.
"""

from __future__ import annotations

import time

import requests

from sandbox.arm.latency import LatencyModel
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import GW_EUN, SUB

API = "api-version=2026-03-01"
TOKEN = {"Authorization": "Bearer test-principal"}


def _get(emu: ArmEmulator, path: str, headers: dict[str, str] = TOKEN) -> requests.Response:
    return requests.get(f"{emu.base_url}{path}?{API}", headers=headers, timeout=10)


def test_reads_are_throttled_after_the_bucket_of_250_with_retry_after() -> None:
    model = LatencyModel(scale=1.0, get_ms=(0, 0), write_ms=(0, 0))  # Azure's own clock
    with ArmEmulator(latency=model) as emu, requests.Session() as http:
        answers = [
            http.get(f"{emu.base_url}/subscriptions/{SUB}/resourceGroups?api-version=2022-09-01", headers=TOKEN)
            for _ in range(300)
        ]
    statuses = [a.status_code for a in answers]
    first_429 = statuses.index(429)
    # 250 tokens, plus the few the refill (25 a second) added while they were sent.
    assert 250 <= first_429 < 290
    throttled = answers[first_429]
    assert throttled.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert int(throttled.headers["Retry-After"]) >= 1
    assert answers[0].headers["x-ms-ratelimit-remaining-subscription-reads"] == "249"


def test_buckets_are_per_principal_and_a_post_action_is_a_write() -> None:
    model = LatencyModel(scale=0.001, get_ms=(0, 0), write_ms=(0, 0), reads=(2, 0.001))
    with ArmEmulator(latency=model) as emu:
        assert _get(emu, GW_EUN).status_code == 200
        assert _get(emu, GW_EUN).status_code == 200
        assert _get(emu, GW_EUN).status_code == 429
        assert _get(emu, GW_EUN, {"Authorization": "Bearer another-principal"}).status_code == 200
        post = requests.post(f"{emu.base_url}{GW_EUN}/getBgpPeerStatus?{API}", headers=TOKEN, timeout=10)
    assert post.status_code == 202  # the reads bucket is empty: an action draws on the writes
    assert post.headers["x-ms-ratelimit-remaining-subscription-writes"] == "199"


def test_an_action_runs_for_its_drawn_duration_and_polls_say_retry_after_10() -> None:
    model = LatencyModel(scale=0.01, get_ms=(0, 0), write_ms=(0, 0))
    duration = model.lro_duration_s(GW_EUN, "getLearnedRoutes")
    assert 10 <= duration <= 60
    with ArmEmulator(latency=model) as emu:
        started = time.monotonic()
        post = requests.post(f"{emu.base_url}{GW_EUN}/getLearnedRoutes?{API}", headers=TOKEN, timeout=10)
        status_url = post.headers["Azure-AsyncOperation"]
        running = requests.get(status_url, headers=TOKEN, timeout=10)
        assert running.json() == {"status": "InProgress"} and running.headers["Retry-After"] == "10"
        while requests.get(status_url, headers=TOKEN, timeout=10).json().get("status") == "InProgress":
            time.sleep(0.02)
        took = (time.monotonic() - started) / model.scale
    assert duration - 1 <= took <= duration + 5


def test_serial_mode_queues_a_gateways_actions_behind_each_other() -> None:
    model = LatencyModel(scale=0.01, get_ms=(0, 0), write_ms=(0, 0), serial_gateway_actions=True)
    with ArmEmulator(latency=model) as emu:
        rt = emu.realistic
        assert rt is not None
        gk = GW_EUN.lower()
        first = rt.lro_ready_at(gk, gk, "getBgpPeerStatus")
        second = rt.lro_ready_at(gk, gk, "getLearnedRoutes")
    assert second - first >= model.lro_duration_s(gk, "getLearnedRoutes") - 0.01


def test_the_estate_file_turns_the_mode_on() -> None:
    assert LatencyModel.from_json("realistic") == LatencyModel()
    assert LatencyModel.from_json({"scale": 0.01, "serialGatewayActions": True}) == LatencyModel(
        scale=0.01, serial_gateway_actions=True
    )
    assert LatencyModel.from_json(None) is None
