"""bot.arm.errors: every way an ARM call fails, through the real SDK against the sandbox
emulator, becomes the AzureFailure of the right kind, with ARM's code and message.
"""

from __future__ import annotations

import pytest

from bot.arm.client import ArmClient
from bot.arm.credentials import StaticTokenCredential
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.bot.arm.support import (
    CN_AUE_EUN,
    CN_EUN_AUE,
    GW_EUN,
    GW_PATH,
    NET_EUN,
    SUB,
    failure_of,
    finishes_within,
    statuses,
)


def test_denied_shared_key_read_is_forbidden_with_arms_code_and_action(emu: ArmEmulator, client: ArmClient) -> None:
    emu.deny("Microsoft.Network/connections/sharedKey/read", f"/subscriptions/{SUB}/resourceGroups/rg-vpn-eun")
    f = failure_of(lambda: client.shared_key_digest(CN_EUN_AUE))
    assert (f.kind, f.code, f.status) == ("forbidden", "AuthorizationFailed", 403)
    assert "Microsoft.Network/connections/sharedKey/read" in f.message
    assert f.target == CN_EUN_AUE
    assert client.shared_key_digest(CN_AUE_EUN)  # another scope still readable
    assert statuses(emu, "cn-eun-to-aue/sharedkey") == [403]  # a 403 is never retried


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


def test_unreachable_arm_is_a_timeout() -> None:
    with ArmEmulator(load_estate(SEED_ESTATE)) as gone:
        url = gone.base_url
    with ArmClient(StaticTokenCredential(), base_url=url, retry_backoff_s=0.01) as c:
        f = finishes_within(30, lambda: failure_of(lambda: c.gateway(GW_EUN)))
    assert f.kind == "timeout" and "could not reach Azure" in f.message


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
