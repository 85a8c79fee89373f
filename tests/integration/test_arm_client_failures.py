"""Every way an ARM call fails, through the real SDK against the sandbox emulator's faults,
becomes the right AzureFailure — after exactly the retries the one retry layer allows."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from structlog.testing import capture_logs

from bot.arm.client import ArmClient
from bot.arm.credentials import StaticTokenCredential
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.arm_client_support import (
    CN_AUE_EUN,
    CN_EUN_AUE,
    GW_EUN,
    NET_EUN,
    PEER_EUN,
    SUB,
    failure_of,
    log_of,
    make_client,
    statuses,
)

GW_PATH = "/virtualNetworkGateways/vgw-eun$"


def finishes_within(seconds: float, fn: Callable[[], Any]) -> Any:
    """Run fn on a thread; fail the test if it has not returned in `seconds` (a liveness
    guard: the server in these tests holds its answer far longer than that)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the test below
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"the call was still waiting after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box.get("value")


# --- authorization and existence ---------------------------------------------------------------------


def test_denied_shared_key_read_is_forbidden_with_arms_code_and_action(emu: ArmEmulator, client: ArmClient) -> None:
    emu.deny("Microsoft.Network/connections/sharedKey/read", f"/subscriptions/{SUB}/resourceGroups/rg-vpn-eun")
    f = failure_of(lambda: client.shared_key_digest(CN_EUN_AUE))
    assert (f.kind, f.code, f.status) == ("forbidden", "AuthorizationFailed", 403)
    assert "Microsoft.Network/connections/sharedKey/read" in f.message
    assert f.target == CN_EUN_AUE
    assert client.shared_key_digest(CN_AUE_EUN)  # another scope still readable
    assert statuses(emu, "cn-eun-to-aue/sharedkey") == [403]  # a 403 is never retried


def test_shared_key_never_reaches_a_log_or_a_failure(emu: ArmEmulator, caplog: pytest.LogCaptureFixture) -> None:
    keys = load_estate(SEED_ESTATE)["sharedKeys"].values()
    emu.deny("Microsoft.Network/connections/sharedKey/read", f"/subscriptions/{SUB}/resourceGroups/rg-vpn-aue")
    with caplog.at_level(logging.DEBUG), capture_logs() as events, make_client(emu) as c:
        digest = c.shared_key_digest(CN_EUN_AUE)
        failure = failure_of(lambda: c.shared_key_digest(CN_AUE_EUN))
    text = caplog.text + repr(events) + str(failure) + repr(failure) + digest
    assert events, "the failure is logged"
    for key in keys:
        assert key not in text


def test_denied_list_is_forbidden(emu: ArmEmulator, client: ArmClient) -> None:
    emu.deny("Microsoft.Network/virtualNetworks/read")
    f = failure_of(lambda: client.virtual_networks(SUB))
    assert (f.kind, f.code) == ("forbidden", "AuthorizationFailed")


def test_missing_resource_and_missing_group_are_not_found(client: ArmClient) -> None:
    f = failure_of(lambda: client.gateway(f"{NET_EUN}/virtualNetworkGateways/vgw-gone"))
    assert (f.kind, f.code, f.status) == ("not_found", "ResourceNotFound", 404)
    g = failure_of(
        lambda: client.gateway(
            f"/subscriptions/{SUB}/resourceGroups/rg-gone/providers/Microsoft.Network/virtualNetworkGateways/x"
        )
    )
    assert (g.kind, g.code) == ("not_found", "ResourceGroupNotFound")


def test_missing_bearer_token_is_unauthenticated(emu: ArmEmulator) -> None:
    with ArmClient(StaticTokenCredential(token=""), base_url=emu.base_url) as c:
        f = failure_of(lambda: c.gateway(GW_EUN))
    assert (f.kind, f.code, f.status) == ("unauthenticated", "AuthenticationFailed", 401)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "RemoteVnetHasNoGateways", "bad_request"),
        (403, "LinkedAuthorizationFailed", "forbidden"),
        (404, "NotFound", "not_found"),
        (409, "AnotherOperationInProgress", "conflict"),
        (412, "PreconditionFailed", "conflict"),
    ],
)
def test_client_errors_map_to_their_kind_once_without_retry(
    emu: ArmEmulator, client: ArmClient, status: int, code: str, kind: str
) -> None:
    emu.add_fault(GW_PATH, method="GET", kind="error", status=status, code=code, message=f"{code} happened")
    f = failure_of(lambda: client.gateway(GW_EUN))
    assert (f.kind, f.code, f.status, f.message) == (kind, code, status, f"{code} happened")
    assert statuses(emu, "vgw-eun") == [status]


# --- throttling and server errors: the one retry layer ------------------------------------------------


def test_throttled_then_answered_waits_as_retry_after_says(emu: ArmEmulator, client: ArmClient) -> None:
    emu.add_fault(GW_PATH, method="GET", kind="throttle", retry_after=1, count=1)
    with capture_logs() as events:
        assert client.gateway(GW_EUN).name == "vgw-eun"
    assert statuses(emu, "vgw-eun") == [429, 200]
    retry = [e for e in events if e["event"] == "arm_retry"]
    assert retry and retry[0]["status"] == 429 and retry[0]["retry_after_s"] == 1.0


def test_throttled_until_the_retries_run_out_is_throttled(emu: ArmEmulator) -> None:
    emu.add_fault(GW_PATH, method="GET", kind="throttle", retry_after=1)
    with make_client(emu, retry_total=1) as c:
        f = failure_of(lambda: c.gateway(GW_EUN))
    assert (f.kind, f.code, f.status) == ("throttled", "TooManyRequests", 429)
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


# --- no answer ----------------------------------------------------------------------------------------


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


def test_long_running_operation_past_the_deadline_times_out(emu: ArmEmulator) -> None:
    emu.add_fault("/operations/", method="GET", kind="latency", latency_ms=1500)
    with make_client(emu, call_timeout_s=0.5, read_timeout_s=5) as c:
        f = finishes_within(30, lambda: failure_of(lambda: c.learned_routes(GW_EUN)))
    assert (f.kind, f.code) == ("timeout", "OperationTimedOut")


def test_unreachable_arm_is_a_timeout() -> None:
    with ArmEmulator(load_estate(SEED_ESTATE)) as gone:
        url = gone.base_url
    with ArmClient(StaticTokenCredential(), base_url=url, retry_backoff_s=0.01) as c:
        f = finishes_within(30, lambda: failure_of(lambda: c.gateway(GW_EUN)))
    assert f.kind == "timeout" and "could not reach Azure" in f.message


# --- long-running operations that fail -------------------------------------------------------------


def test_action_whose_operation_ends_failed_is_failed_with_its_code(emu: ArmEmulator, client: ArmClient) -> None:
    emu.add_fault(
        "/getLearnedRoutes$",
        method="POST",
        kind="lro_failed",
        code="GatewayNotReady",
        message="The gateway is updating.",
    )
    with capture_logs() as events:
        f = failure_of(lambda: client.learned_routes(GW_EUN))
    assert (f.kind, f.code, f.message) == ("failed", "GatewayNotReady", "The gateway is updating.")
    assert [e["kind"] for e in events if e["event"] == "arm_call_failed"] == ["failed"]


def test_peering_update_whose_operation_ends_failed_is_failed(emu: ArmEmulator, client: ArmClient) -> None:
    emu.add_fault("/virtualNetworkPeerings/", method="PUT", kind="lro_failed", code="InternalServerError")
    f = failure_of(lambda: client.update_peering(PEER_EUN, {"allowForwardedTraffic": False}))
    assert (f.kind, f.code) == ("failed", "InternalServerError")
    assert f.target == PEER_EUN


def test_failure_of_one_group_list_fails_the_subscription_list(emu: ArmEmulator, client: ArmClient) -> None:
    emu.deny("Microsoft.Network/virtualNetworkGateways/read", f"/subscriptions/{SUB}/resourceGroups/rg-vpn-aue")
    f = failure_of(lambda: client.gateways(SUB))
    assert f.kind == "forbidden" and "rg-vpn-aue" in f.target


def test_transport_failures_are_told_in_plain_words_without_urllib3_internals() -> None:
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    from bot.arm.errors import to_failure

    read = to_failure(
        ServiceResponseError("HTTPConnectionPool(host='127.0.0.1', port=1): Read timed out. (read timeout=5)"),
        "vgw-eun",
    )
    assert read.kind == "timeout"
    assert read.message == "Azure did not answer in time (no answer before the read timeout)"
    refused = to_failure(ServiceRequestError("<urllib3.connection.HTTPConnection object>: Connection refused"), "x")
    assert refused.message == "could not reach Azure (connection refused)"
    assert "HTTPConnection" not in read.message + refused.message
