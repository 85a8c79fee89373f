"""The api-versions the bot sends are ones Azure serves (`sandbox.arm.apiversions`), and one
that is not gets ARM's 400 InvalidApiVersionParameter, read as a refusal the user can act on.

The SDKs pin their versions (azure-mgmt-network 33: 2026-03-01; the newest definitions
published in ../shared are 2025-03-01): a new SDK that moves to a version the table does not
know fails here first, not against Azure."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from azure.core.exceptions import HttpResponseError

from bot.arm.client import ArmClient
from bot.arm.errors import to_failure
from sandbox.arm import apiversions, watcher
from sandbox.arm_emulator import ArmEmulator
from tests.integration import arm_sdk as S
from tests.integration.bot.arm.support import SUB, log_of
from tests.integration.bot.arm.test_fidelity import read_everything
from tests.integration.sandbox.test_arm_emulator import raw


def test_every_request_the_bot_makes_names_a_served_api_version(emu: ArmEmulator, client: ArmClient) -> None:
    read_everything(client)
    log = log_of(emu)
    assert log and all(r.status < 400 for r in log)
    # The Log Analytics query API takes no api-version; diagnostic settings are served at
    # Microsoft.Insights' versions (sandbox/arm/watcher.py refuses any other with a 400).
    log = [r for r in log if not watcher.owns(r.path)]
    asked = {parse_qs(r.query)["api-version"][0] for r in log}
    for r in log:
        versions = apiversions.served(r.path)
        assert versions is None or parse_qs(r.query)["api-version"][0] in versions, r
    # The SDKs' own versions: network 2026-03-01, resources 2025-04-01, subscriptions
    # 2022-12-01, private DNS 2024-06-01; Microsoft.Sql read as generic resources at 2021-11-01.
    assert asked >= {"2026-03-01", "2025-04-01", "2022-12-01", "2024-06-01", "2021-11-01"}


@pytest.mark.parametrize(
    ("path", "version"),
    [
        (f"/subscriptions/{SUB}/providers/Microsoft.Network/virtualNetworks", "2015-01-01"),
        (f"/subscriptions/{SUB}/providers/Microsoft.Network/privateDnsZones", "2026-03-01"),
        (f"/subscriptions/{SUB}/resourcegroups", "2026-03-01"),
        ("/subscriptions", "2099-01-01"),
    ],
)
def test_a_version_the_type_does_not_serve_is_refused_as_arm_does(emu: ArmEmulator, path: str, version: str) -> None:
    status, _, body = raw(emu, "GET", f"{path}?api-version={version}")
    assert status == 400 and body["error"]["code"] == "InvalidApiVersionParameter"
    served = apiversions.served(path)
    assert served is not None
    assert body["error"]["message"] == (
        f"The api-version '{version}' is invalid. The supported versions are '{','.join(served)}'."
    )


def test_any_version_is_served_for_a_namespace_the_sandbox_does_not_know(emu: ArmEmulator) -> None:
    vm = f"/subscriptions/{SUB}/resourceGroups/rg-vpn-eun/providers/Microsoft.Compute/virtualMachines/vm-eun"
    assert raw(emu, "GET", f"{vm}?api-version=2015-06-15")[0] == 200


def test_the_sdk_told_to_send_an_unserved_version_gets_a_bad_request_with_arms_words(emu: ArmEmulator) -> None:
    net = S.network(emu.base_url)
    with pytest.raises(HttpResponseError) as err:
        net.virtual_network_gateways.get("rg-vpn-eun", "vgw-eun", api_version="2016-03-30")
    f = to_failure(err.value, "vgw-eun")
    assert (f.kind, f.code, f.status) == ("bad_request", "InvalidApiVersionParameter", 400)
    assert f.message.startswith("The api-version '2016-03-30' is invalid. The supported versions are '2026-03-01,")
