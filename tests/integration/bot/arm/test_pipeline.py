"""bot.arm.pipeline: the one retry layer (azure-core's RetryPolicy, tuned), the timeouts and
the in-flight limit, through the real SDK against the sandbox emulator's faults: exactly the
retries it allows, and the right AzureFailure after them.
"""

from __future__ import annotations

import logging
import time

import pytest
from structlog.testing import capture_logs

from bot.arm.client import ArmClient
from bot.arm.deadline import arm_deadline
from commands.core.fanout import gather
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import (
    CN_AUE_EUN,
    CN_EUN_AUE,
    GW_AUE,
    GW_EUN,
    GW_PATH,
    failure_of,
    finishes_within,
    log_of,
    make_client,
    statuses,
)


def test_throttled_then_answered_waits_as_retry_after_says(emu: ArmEmulator, client: ArmClient) -> None:
    emu.add_fault(GW_PATH, method="GET", kind="throttle", retry_after=1, count=1)
    with capture_logs() as events:
        assert client.gateway(GW_EUN).name == "vgw-eun"
    assert statuses(emu, "vgw-eun") == [429, 200]
    retry = [e for e in events if e["event"] == "arm_retry"]
    assert retry and retry[0]["status"] == 429 and retry[0]["retry_after_s"] == 1.0


def test_throttling_does_not_use_up_the_retries(emu: ArmEmulator) -> None:
    """ARM's 429 is not a failure of the request (request-limits-and-throttling: wait
    Retry-After and send again): it is waited out however many times, within the deadline."""
    emu.add_fault(GW_PATH, method="GET", kind="throttle", retry_after=1, count=4)
    with make_client(emu, retry_total=1) as c:
        assert c.gateway(GW_EUN).name == "vgw-eun"
    assert statuses(emu, "vgw-eun") == [429, 429, 429, 429, 200]


def test_throttled_past_the_jobs_deadline_is_throttled_with_when_to_retry(emu: ArmEmulator) -> None:
    emu.add_fault(GW_PATH, method="GET", kind="throttle", retry_after=7)
    # Retry-After 7 s is 0.7 s at this client's scale: waited once, the second would end
    # after the deadline and is not waited for.
    with make_client(emu, poll_delay_scale=0.1) as c, arm_deadline(time.monotonic() + 1.2):
        f = failure_of(lambda: c.gateway(GW_EUN))
    assert (f.kind, f.code, f.status, f.retry_after_s) == ("throttled", "TooManyRequests", 429, 7.0)
    assert "Try again in about 7 s" in str(f.advice)
    assert statuses(emu, "vgw-eun") == [429, 429]


def test_retry_after_longer_than_the_cap_fails_at_once_as_throttled(emu: ArmEmulator) -> None:
    emu.add_fault(GW_PATH, method="GET", kind="throttle", retry_after=1)
    with make_client(emu, max_retry_after_s=0.5) as c:
        f = failure_of(lambda: c.gateway(GW_EUN))
    assert f.kind == "throttled"
    assert statuses(emu, "vgw-eun") == [429]  # not waited for, not retried


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_is_retried_then_answered(emu: ArmEmulator, client: ArmClient, status: int) -> None:
    emu.add_fault(GW_PATH, method="GET", kind="error", status=status, count=2)
    assert client.gateway(GW_EUN).name == "vgw-eun"
    assert sorted(statuses(emu, "vgw-eun")) == sorted([status, status, 200])


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_after_all_retries_is_unavailable(emu: ArmEmulator, client: ArmClient, status: int) -> None:
    emu.add_fault(GW_PATH, method="GET", kind="error", status=status)
    f = failure_of(lambda: client.gateway(GW_EUN))
    assert (f.kind, f.status) == ("unavailable", status)
    assert statuses(emu, "vgw-eun") == [status] * 4  # 1 try + retry_total=3


def test_server_error_on_an_action_post_and_on_a_status_poll_are_retried(emu: ArmEmulator, client: ArmClient) -> None:
    post_fault = emu.add_fault("/getLearnedRoutes$", method="POST", kind="error", status=503, count=1)
    poll_fault = emu.add_fault("/operations/", method="GET", kind="error", status=500, count=1)
    assert client.learned_routes(GW_EUN) is not None
    assert post_fault.hits == 1 and poll_fault.hits == 1
    assert sorted(statuses(emu, "getLearnedRoutes", "POST")) == [202, 503]
    assert 200 in [r.status for r in log_of(emu) if "/operations/" in r.path]


def test_never_answering_get_times_out_after_one_retry(emu: ArmEmulator) -> None:
    hang = emu.add_fault(GW_PATH, method="GET", kind="hang", hold_s=600)
    with make_client(emu, read_timeout_s=0.3) as c:
        f = finishes_within(30, lambda: failure_of(lambda: c.gateway(GW_EUN)))
    assert f.kind == "timeout" and f.target == GW_EUN
    assert hang.hits == 2  # two tries, neither answered (held requests are logged only when released)


def test_one_lost_answer_is_recovered_by_the_retry(emu: ArmEmulator) -> None:
    hang = emu.add_fault(GW_PATH, method="GET", kind="hang", hold_s=600, count=1)
    with make_client(emu, read_timeout_s=0.3) as c:
        gw = finishes_within(30, lambda: c.gateway(GW_EUN))
    assert gw.name == "vgw-eun"
    assert hang.hits == 1 and statuses(emu, "vgw-eun") == [200]


def test_never_answering_action_post_is_retried_as_a_read_then_times_out(emu: ArmEmulator) -> None:
    hang = emu.add_fault("/getBgpPeerStatus$", method="POST", kind="hang", hold_s=600)
    with make_client(emu, read_timeout_s=0.3) as c:
        f = finishes_within(30, lambda: failure_of(lambda: c.bgp_peer_status(GW_EUN)))
    assert f.kind == "timeout"
    assert hang.hits == 2


def test_never_answering_status_poll_times_out(emu: ArmEmulator) -> None:
    emu.add_fault("/operations/", method="GET", kind="hang", hold_s=600)
    with make_client(emu, read_timeout_s=0.3) as c:
        f = finishes_within(30, lambda: failure_of(lambda: c.learned_routes(GW_EUN)))
    assert f.kind == "timeout"


def test_concurrent_use_from_gather_shares_clients_without_pool_warnings(
    emu: ArmEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    ids = [CN_EUN_AUE, CN_AUE_EUN, GW_EUN, GW_AUE] * 15
    with make_client(emu, concurrency=4) as c, caplog.at_level(logging.WARNING, logger="urllib3"):

        def task(rid: str) -> str:
            return c.connection(rid).name if "/connections/" in rid else c.gateway(rid).name

        outcomes = gather([lambda r=r: task(r) for r in ids], limit=16)  # more threads than HTTP slots
    assert all(o.ok for o in outcomes)
    assert [o.value for o in outcomes[:4]] == ["cn-eun-to-aue", "cn-aue-to-eun", "vgw-eun", "vgw-aue"]
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
