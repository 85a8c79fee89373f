"""Conditional peering writes and the write-path faults of the ARM emulator.

Expectations from the rules, not from the bot:
* If-Match (RFC 9110 §13.1.1): a write whose If-Match names an etag that is not the
  resource's current one — or `*` when there is no resource — fails with 412 and changes
  nothing. ARM resource providers answer 412 PreconditionFailed (Azure REST API guidelines,
  "Conditional requests"); ARM's etags are weak (`W/"…"`) and are matched as the string ARM
  handed out, which is what the SDKs send back.
* ARM's answer while another operation holds a resource: 429 `RetryableError` with the
  detail `RetryableErrorDueToAnotherOperation` ("Operation PutSubnetOperation (…) is updating
  resource …. The call can be retried in N seconds."), as quoted in
  cloudfoundry/bosh-azure-cpi-release#179 and kubernetes-sigs/cluster-api-provider-azure#4385.
* `listNetworkManagerEffectiveConnectivityConfigurations` is a POST answered 200 with
  `{"value": [...]}` (VirtualNetworks_ListNetworkManagerEffectiveConnectivityConfigurations).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from sandbox.arm.faults import Fault
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration import arm_sdk as S
from tests.integration.sandbox.test_arm_emulator_peerings import PEER_EUN, VNET_AUE, VNET_EUN, peering_body

EUN = "rg-vpn-eun"
API = "?api-version=2026-03-01"


def call(
    emu: ArmEmulator, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """One plain HTTP request with a bearer token and the given headers."""
    data = json.dumps(body).encode() if body is not None else (b"" if method in ("POST", "PUT") else None)
    req = urllib.request.Request(emu.base_url + path, data=data, method=method)
    req.add_header("Authorization", "Bearer t")
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            payload = r.read()
            return r.status, dict(r.headers), json.loads(payload) if payload else None
    except urllib.error.HTTPError as e:
        payload = e.read()
        return e.code, dict(e.headers), json.loads(payload) if payload else None


def etag_of(emu: ArmEmulator, rid: str) -> str:
    doc = emu.resource(rid)
    assert doc is not None
    return str(doc["etag"])


# --- If-Match on peering PUT and DELETE ---------------------------------------------------------


def test_put_with_the_current_etag_writes_and_a_stale_one_is_412_and_changes_nothing(
    arm_emulator: ArmEmulator,
) -> None:
    body = peering_body(VNET_AUE, allowGatewayTransit=True, allowForwardedTraffic=False)
    current = etag_of(arm_emulator, PEER_EUN)
    status, _, written = call(arm_emulator, "PUT", PEER_EUN + API, body, {"If-Match": current})
    assert status == 200 and written["etag"] != current
    status, _, err = call(arm_emulator, "PUT", PEER_EUN + API, peering_body(VNET_AUE), {"If-Match": current})
    assert status == 412 and err["error"]["code"] == "PreconditionFailed"
    assert current in err["error"]["message"]
    after = arm_emulator.resource(PEER_EUN)
    assert after is not None and after["etag"] == written["etag"]
    assert after["properties"]["allowForwardedTraffic"] is False  # the 412 wrote nothing


def test_if_match_star_needs_the_peering_to_exist(arm_emulator: ArmEmulator) -> None:
    assert call(arm_emulator, "PUT", PEER_EUN + API, peering_body(VNET_AUE), {"If-Match": "*"})[0] == 200
    missing = VNET_EUN + "/virtualNetworkPeerings/peer-new"
    status, _, err = call(arm_emulator, "PUT", missing + API, peering_body(VNET_AUE), {"If-Match": "*"})
    assert status == 412 and err["error"]["code"] == "PreconditionFailed"
    assert arm_emulator.resource(missing) is None


def test_without_if_match_the_last_writer_wins(arm_emulator: ArmEmulator) -> None:
    assert call(arm_emulator, "PUT", PEER_EUN + API, peering_body(VNET_AUE))[0] == 200


def test_delete_with_a_stale_etag_is_412_and_keeps_the_peering(arm_emulator: ArmEmulator) -> None:
    stale = etag_of(arm_emulator, PEER_EUN)
    arm_emulator.change_resource(PEER_EUN, {"properties.allowForwardedTraffic": False})
    status, _, err = call(arm_emulator, "DELETE", PEER_EUN + API, headers={"If-Match": stale})
    assert status == 412 and err["error"]["code"] == "PreconditionFailed"
    assert arm_emulator.resource(PEER_EUN) is not None
    current = etag_of(arm_emulator, PEER_EUN)
    assert call(arm_emulator, "DELETE", PEER_EUN + API, headers={"If-Match": current})[0] == 202
    assert arm_emulator.resource(PEER_EUN) is None


def test_the_sdk_sends_if_match_given_as_a_header(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    current = net.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue")
    arm_emulator.change_resource(PEER_EUN, {"properties.allowVirtualNetworkAccess": False})
    with pytest.raises(HttpResponseError) as e:
        net.virtual_network_peerings.begin_create_or_update(
            EUN, "vnet-eun", "peer-eun-to-aue", current, headers={"If-Match": current.etag}
        ).result()
    assert e.value.status_code == 412 and e.value.error.code == "PreconditionFailed"
    assert arm_emulator.resource(PEER_EUN)["properties"]["allowVirtualNetworkAccess"] is False  # type: ignore[index]


# --- lost_answer --------------------------------------------------------------------------------


def test_lost_answer_applies_the_put_then_drops_the_connection(arm_emulator: ArmEmulator) -> None:
    fault = arm_emulator.add_fault("virtualNetworkPeerings/peer-eun-to-aue$", method="PUT", kind="lost_answer")
    net = S.network(arm_emulator.base_url, retry_total=0)
    current = net.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue")
    current.allow_forwarded_traffic = False
    with pytest.raises((ServiceResponseError, ServiceRequestError)):
        net.virtual_network_peerings.begin_create_or_update(EUN, "vnet-eun", "peer-eun-to-aue", current)
    assert fault.hits == 1
    assert [r.status for r in arm_emulator.requests if r.method == "PUT"] == [0]  # no answer sent
    # The change is in Azure: the resource shows it (Updating, then Succeeded as its LRO ends).
    after = net.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue")
    assert after.allow_forwarded_traffic is False and after.etag != current.etag
    assert after.provisioning_state in ("Updating", "Succeeded")
    assert net.virtual_network_peerings.get(EUN, "vnet-eun", "peer-eun-to-aue").provisioning_state == "Succeeded"


def test_lost_answer_fires_only_on_a_request_that_succeeds(arm_emulator: ArmEmulator) -> None:
    fault = arm_emulator.add_fault("virtualNetworkPeerings/", method="PUT", kind="lost_answer", count=1)
    missing_remote = peering_body(VNET_EUN.replace("vnet-eun", "vnet-gone"))
    status, _, err = call(arm_emulator, "PUT", PEER_EUN + API, missing_remote)
    assert (
        status == 400 and err["error"]["code"] == "ChangingRemoteVirtualNetworkNotAllowed" and fault.hits == 0
    )  # refusals are answered; the fault waits
    assert call(arm_emulator, "GET", PEER_EUN + API)[0] == 200  # GETs are not PUTs


# --- concurrent_change --------------------------------------------------------------------------


def test_concurrent_change_writes_first_with_a_new_etag(arm_emulator: ArmEmulator) -> None:
    before = etag_of(arm_emulator, PEER_EUN)
    arm_emulator.add_fault(
        "peer-eun-to-aue$",
        method="GET",
        kind="concurrent_change",
        count=1,
        changes={"properties.allowVirtualNetworkAccess": False, "properties.peeringSyncLevel": "LocalNotInSync"},
    )
    status, _, doc = call(arm_emulator, "GET", PEER_EUN + API)
    assert status == 200 and doc["etag"] != before
    assert doc["properties"]["allowVirtualNetworkAccess"] is False
    assert doc["properties"]["peeringSyncLevel"] == "LocalNotInSync"
    assert call(arm_emulator, "GET", PEER_EUN + API)[2]["etag"] == doc["etag"]  # count=1: once


def test_concurrent_change_before_a_conditional_put_makes_it_412(arm_emulator: ArmEmulator) -> None:
    planned = etag_of(arm_emulator, PEER_EUN)
    arm_emulator.add_fault(
        "peer-eun-to-aue$", method="PUT", kind="concurrent_change", changes={"properties.allowGatewayTransit": False}
    )
    status, _, _ = call(arm_emulator, "PUT", PEER_EUN + API, peering_body(VNET_AUE), {"If-Match": planned})
    assert status == 412
    assert arm_emulator.resource(PEER_EUN)["properties"]["allowGatewayTransit"] is False  # type: ignore[index]


def test_concurrent_change_can_change_another_resource(arm_emulator: ArmEmulator) -> None:
    arm_emulator.add_fault(
        "peer-eun-to-aue$",
        method="PUT",
        kind="concurrent_change",
        count=1,
        changes={"properties.provisioningState": "Updating"},
        resource=VNET_EUN,
    )
    call(arm_emulator, "PUT", PEER_EUN + API, peering_body(VNET_AUE))
    assert arm_emulator.resource(VNET_EUN)["properties"]["provisioningState"] == "Updating"  # type: ignore[index]


def test_write_path_faults_load_from_the_estate_and_bad_ones_are_refused() -> None:
    estate = load_estate(SEED_ESTATE)
    estate["faults"] = [
        {"kind": "lost_answer", "method": "PUT", "path": "virtualNetworkPeerings/peer-eun-to-aue$"},
        {"kind": "concurrent_change", "path": "x", "set": {"properties.allowVirtualNetworkAccess": False}},
    ]
    with ArmEmulator(estate) as emu:
        kinds = [f.kind for f in emu.faults.all()]
        assert kinds == ["lost_answer", "concurrent_change"]
        assert emu.dump()["faults"][1]["set"] == {"properties.allowVirtualNetworkAccess": False}
    for bad, why in (
        ({"kind": "concurrent_change", "path": "x"}, 'needs "set"'),
        ({"kind": "concurrent_change", "set": [1]}, "object of dotted paths"),
    ):
        with pytest.raises(ValueError, match=why):
            Fault.from_json(bad)


# --- another_operation --------------------------------------------------------------------------


def test_another_operation_answers_arms_429_with_its_detail(arm_emulator: ArmEmulator) -> None:
    arm_emulator.add_fault("peer-eun-to-aue$", method="PUT", kind="another_operation", retry_after=14)
    status, headers, body = call(arm_emulator, "PUT", PEER_EUN + API, peering_body(VNET_AUE))
    assert status == 429 and headers["Retry-After"] == "14"
    assert body["error"]["code"] == "RetryableError"
    (detail,) = body["error"]["details"]
    assert detail["code"] == "RetryableErrorDueToAnotherOperation"
    assert "is updating resource" in detail["message"] and "retried in 14 seconds" in detail["message"]


# --- Virtual Network Manager: a synchronous POST ------------------------------------------------


def test_effective_connectivity_configurations_are_answered_at_once(arm_emulator: ArmEmulator) -> None:
    path = VNET_EUN + "/listNetworkManagerEffectiveConnectivityConfigurations" + API
    status, headers, body = call(arm_emulator, "POST", path, {})
    assert status == 200 and body == {"value": []} and "Azure-AsyncOperation" not in headers
    arm_emulator.deny("Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveConnectivityConfigurations/action")
    assert call(arm_emulator, "POST", path, {})[0] == 403
