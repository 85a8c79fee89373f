"""bot.arm.calls: an id of the wrong shape costs no request; a long-running operation is
waited for until the call's deadline, and one that ends Failed is one logged failure.
"""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from bot.arm.client import ArmClient
from commands.core.errors import AzureFailure
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import (
    GW_EUN,
    NET_EUN,
    SUB,
    failure_of,
    finishes_within,
    log_of,
    make_client,
)


@pytest.mark.parametrize(
    "bad_id",
    [
        "vgw-eun",
        f"{NET_EUN}/virtualNetworks/vnet-eun",  # the wrong type
        f"/subscriptions/{SUB}/providers/Microsoft.Network/virtualNetworkGateways/x",  # no group
    ],
)
def test_malformed_or_wrong_type_id_is_a_bad_request_without_a_call(
    emu: ArmEmulator, client: ArmClient, bad_id: str
) -> None:
    emu.clear_requests()
    with pytest.raises(AzureFailure) as err:
        client.gateway(bad_id)
    assert (err.value.kind, err.value.code) == ("bad_request", "InvalidResourceId")
    assert "virtualNetworkGateways" in err.value.message
    assert log_of(emu) == []


def test_long_running_operation_past_the_deadline_times_out(emu: ArmEmulator) -> None:
    emu.add_fault("/operations/", method="GET", kind="latency", latency_ms=1500)
    with make_client(emu, call_timeout_s=0.5, read_timeout_s=5) as c:
        f = finishes_within(30, lambda: failure_of(lambda: c.learned_routes(GW_EUN)))
    assert (f.kind, f.code) == ("timeout", "OperationTimedOut")


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
