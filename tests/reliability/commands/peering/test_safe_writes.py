"""The write path under attack, through the whole product: signed Slack requests → Bolt → the
worker → the real Azure SDK → the ARM emulator with its faults → SQLite.

What must hold (issue 17):
* the PUT carries If-Match with the plan's etag, so a change made by anyone between the
  approval and the write is never reverted: the request ends "not applied", nothing written;
* after any write error the peering is read again, and the request says what Azure holds:
  a PUT whose answer was lost after Azure applied it ends "applied";
* what cannot be known ends "unknown" with what to check, and the sweep settles it;
* a worker whose lease was taken over cannot write (one approval, one write);
* ARM's "another operation holds the resource" is waited for and the plan made again;
* the pre-flight says when Virtual Network Manager manages the peering, and when another
  operation holds a VNet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.settings import Settings
from sandbox.arm.faults import Fault
from tests.reliability.harness import ALICE, BOB, PEERING_EUN, Rig

PUT_PATH = "virtualNetworkPeerings/peer-eun-to-aue$"
VNET_EUN = PEERING_EUN.split("/virtualNetworkPeerings/")[0]
VNET_AUE = VNET_EUN.replace("rg-vpn-eun", "rg-vpn-aue").replace("vnet-eun", "vnet-aue")
LATER = timedelta(minutes=6)  # past the apply lease (5 minutes)


@pytest.fixture
def rig() -> Iterator[Rig]:
    with Rig() as r:
        yield r


@pytest.fixture
def quick_rig() -> Iterator[Rig]:
    """A short ARM deadline (4 s, so a 1 s read timeout): a PUT that never answers gives up
    in seconds, not a minute."""
    with Rig(settings=Settings(arm_timeout_s=4.0)) as r:
        yield r


def file(rig: Rig, flag: str = "forwarded-traffic", value: str = "off") -> int:
    ask = rig.slash(f"peering vnet-eun/peer-eun-to-aue {flag} {value} reason: safe-write drill", ALICE)
    number = rig.request_number(ask)
    assert number, ask.block_texts
    return int(number)


def approve(rig: Rig, number: int) -> str:
    ans = rig.click("approval_approve", str(number), BOB)
    assert ans is not None and ans.finished
    return "\n".join(ans.block_texts)


def peering(rig: Rig) -> dict[str, object]:
    doc = rig.arm.resource(PEERING_EUN)
    assert doc is not None
    props: dict[str, object] = doc["properties"]
    return props


def audit(rig: Rig, number: int, action: str) -> list[object]:
    return [e for e in rig.store.recent_audit(limit=200) if e.request == number and e.action == action]


def state(rig: Rig, number: int) -> str:
    rec = rig.store.get_request(number)
    assert rec is not None
    return str(rec.state)


# --- the write is conditional --------------------------------------------------------------------


@pytest.mark.parametrize("when", ["before_the_re_read", "between_the_re_read_and_the_put"])
def test_a_portal_change_between_approval_and_write_is_never_reverted(rig: Rig, when: str) -> None:
    number = file(rig)
    rig.arm.add_fault(
        PUT_PATH,
        method="GET" if when == "before_the_re_read" else "PUT",
        kind="concurrent_change",
        count=1,
        changes={"properties.allowVirtualNetworkAccess": False},
    )
    text = approve(rig, number)
    assert state(rig, number) == "failed"
    assert "changed outside the bot" in text and "allowVirtualNetworkAccess on → off" in text
    assert "nothing written" in text and "Ask again" in text
    props = peering(rig)
    assert props["allowVirtualNetworkAccess"] is False  # the portal's change stands
    assert props["allowForwardedTraffic"] is True  # the bot wrote nothing
    assert rig.writes_landed() == 0
    assert rig.puts_sent() == (0 if when == "before_the_re_read" else 1)  # the one PUT was refused 412
    assert audit(rig, number, "applied") == [] and len(audit(rig, number, "failed")) == 1


def test_azure_updating_the_peering_itself_is_refused_with_the_fields_that_changed(rig: Rig) -> None:
    number = file(rig)
    rig.arm.add_fault(
        PUT_PATH,
        method="GET",
        kind="concurrent_change",
        count=1,
        changes={"properties.peeringSyncLevel": "LocalNotInSync"},
    )
    text = approve(rig, number)
    assert state(rig, number) == "failed" and rig.writes_landed() == 0
    assert "Azure updated it itself (peeringSyncLevel FullyInSync → LocalNotInSync)" in text
    assert "nothing written" in text


# --- honest outcomes -----------------------------------------------------------------------------


def test_a_lost_put_answer_ends_applied_after_the_re_read(rig: Rig) -> None:
    number = file(rig)
    rig.arm.add_fault(PUT_PATH, method="PUT", kind="lost_answer", count=1)
    text = approve(rig, number)
    assert state(rig, number) == "applied", text
    assert f"#{number} applied" in text and "re-reading the peering showed the change in place" in text
    assert peering(rig)["allowForwardedTraffic"] is False
    assert rig.writes_landed() == 1  # the SDK's resend met its own write: 412, not a second write
    (row,) = audit(rig, number, "applied")
    assert row.before == {"allowForwardedTraffic": True} and row.after == {"allowForwardedTraffic": False}  # type: ignore[attr-defined]
    assert audit(rig, number, "failed") == []


def test_an_unreadable_outcome_is_unknown_with_what_to_check_then_the_sweep_settles_it(rig: Rig) -> None:
    number = file(rig)
    rig.arm.add_fault(PUT_PATH, method="PUT", kind="lost_answer", count=1)
    blocked: list[Fault] = []

    def arm_block_after_put() -> None:
        # Once the PUT has reached Azure, reading the peering is refused (until cleared).
        deadline = time.monotonic() + 30
        while rig.puts_sent() == 0 and time.monotonic() < deadline:
            time.sleep(0.002)
        blocked.append(rig.arm.add_fault(PUT_PATH, method="GET", kind="error", status=403, code="AuthorizationFailed"))

    t = threading.Thread(target=arm_block_after_put)
    t.start()
    text = approve(rig, number)
    t.join()
    assert state(rig, number) == "unknown", text
    assert "Outcome unknown" in text and "could not be read" in text
    assert "/vpn peering vnet-eun" in text and "allowForwardedTraffic reads off" in text
    assert len(audit(rig, number, "unknown")) == 1
    assert rig.sweep_at(timedelta(0)) == []  # within the lease: left alone
    blocked[0].count = 0  # readable again
    assert rig.sweep_at(LATER) == [f"#{number} unknown → applied"]
    assert state(rig, number) == "applied" and rig.writes_landed() == 1
    ref = rig.store.get_request(number).body["message_ref"]
    assert any("found in place when re-checked" in str(m.blocks).lower() for m in rig.slack.thread(ref))


def test_a_put_that_gets_no_answer_and_does_not_land_is_unknown_then_not_applied(quick_rig: Rig) -> None:
    rig = quick_rig
    number = file(rig)
    rig.arm.add_fault(PUT_PATH, method="PUT", kind="hang", hold_s=3)
    text = approve(rig, number)
    assert state(rig, number) == "unknown", text
    assert "answer to the write was lost" in text and "may still land" in text
    rig.arm.clear_faults()
    assert rig.sweep_at(LATER) == [f"#{number} unknown → failed"]
    rec = rig.store.get_request(number)
    assert rec.state == "failed" and "nothing was written" in rec.body["error"]
    assert peering(rig)["allowForwardedTraffic"] is True and rig.writes_landed() == 0


def test_a_gateway_timeout_on_the_put_is_not_taken_for_not_applied(rig: Rig) -> None:
    """A 504 from ARM's front door does not say the write was not applied: unknown, re-checked.
    (The default deadline: azure-core's retries of the 504, a second apart as the fault's
    Retry-After says, must end in the 504 itself, not in a 4 s deadline on a loaded machine.)"""
    number = file(rig)
    fault = rig.arm.add_fault(PUT_PATH, method="PUT", kind="error", status=504, code="GatewayTimeout")
    text = approve(rig, number)
    assert state(rig, number) == "unknown", text
    assert "GatewayTimeout" in text and "may still land" in text and fault.hits >= 1
    fault.count = 0
    assert rig.sweep_at(LATER) == [f"#{number} unknown → failed"]
    assert rig.writes_landed() == 0 and peering(rig)["allowForwardedTraffic"] is True


# --- fencing -------------------------------------------------------------------------------------


def test_a_stale_worker_cannot_write_after_the_sweep_took_over(rig: Rig) -> None:
    number = file(rig)
    # The approving worker stalls re-reading the VNet (after its peering check, before its PUT).
    rig.arm.add_fault("virtualNetworks/vnet-eun$", method="GET", kind="latency", latency_ms=2500, count=1)
    clicked = threading.Thread(target=approve, args=(rig, number))
    clicked.start()
    deadline = time.monotonic() + 30
    while state(rig, number) != "applying" and time.monotonic() < deadline:
        time.sleep(0.01)
    # The timer, its clock past the stalled worker's lease, takes the request over and applies it.
    assert rig.sweep_at(LATER) == [f"#{number} applying → applied"]
    clicked.join(60)
    assert not clicked.is_alive()
    assert rig.puts_sent() == 1 and rig.writes_landed() == 1  # the stale worker sent nothing
    assert state(rig, number) == "applied" and len(audit(rig, number, "applied")) == 1


# --- another operation ---------------------------------------------------------------------------


def test_another_operation_is_waited_for_and_the_plan_made_again(rig: Rig) -> None:
    number = file(rig)
    rig.arm.add_fault(PUT_PATH, method="PUT", kind="another_operation", retry_after=0, count=1)
    text = approve(rig, number)
    assert state(rig, number) == "applied", text
    assert rig.puts_sent() == 2 and rig.writes_landed() == 1


def test_an_operation_that_keeps_the_resource_ends_not_applied_with_wait_then_ask_again(rig: Rig) -> None:
    number = file(rig)
    rig.arm.add_fault(PUT_PATH, method="PUT", kind="another_operation", retry_after=0)
    text = approve(rig, number)
    assert state(rig, number) == "failed", text
    assert "another operation holds the peering" in text and "Nothing was written" in text
    assert "then ask again" in text and "throttl" not in text
    assert rig.writes_landed() == 0 and rig.puts_sent() == 3


# --- pre-flight ----------------------------------------------------------------------------------


def test_a_vnet_held_by_another_operation_is_refused_at_filing_and_at_the_write(rig: Rig) -> None:
    rig.arm.change_resource(VNET_AUE, {"properties.provisioningState": "Updating"})
    ask = rig.slash("peering vnet-eun/peer-eun-to-aue forwarded-traffic off reason: busy", ALICE)
    body = "\n".join(ask.block_texts)
    assert "Not filed" in body and "Another operation is changing" in body and "vnet-aue" in body
    assert rig.request_number(ask) == ""
    rig.arm.change_resource(VNET_AUE, {"properties.provisioningState": "Succeeded"})
    number = file(rig)
    rig.arm.change_resource(VNET_AUE, {"properties.provisioningState": "Updating"})
    text = approve(rig, number)
    assert state(rig, number) == "failed" and rig.puts_sent() == 0
    assert "Another operation is changing" in text and "Nothing was written" in text


AVNM = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups/rg-net/providers/Microsoft.Network/networkManagers/avnm-corp"


def hub_and_spoke(hub: str, use_hub_gateway: bool) -> dict[str, object]:
    return {
        "value": [
            {
                "id": f"{AVNM}/connectivityConfigurations/hub-spoke",
                "properties": {
                    "connectivityTopology": "HubAndSpoke",
                    "hubs": [{"resourceId": hub, "resourceType": "Microsoft.Network/virtualNetworks"}],
                    "appliesToGroups": [
                        {"networkGroupId": f"{AVNM}/networkGroups/spokes", "useHubGateway": str(use_hub_gateway)}
                    ],
                    "deleteExistingPeering": "False",
                    "provisioningState": "Succeeded",
                },
            }
        ]
    }


def test_a_peering_managed_by_virtual_network_manager_is_said_in_the_plan(rig: Rig) -> None:
    for vnet in (VNET_EUN, VNET_AUE):
        rig.arm.set_action(vnet, "listNetworkManagerEffectiveConnectivityConfigurations", hub_and_spoke(VNET_EUN, True))
    ask = rig.slash("peering vnet-eun/peer-eun-to-aue gateway-transit off reason: avnm", ALICE)
    body = "\n".join(ask.block_texts)
    assert rig.request_number(ask), body  # a warning, not a refusal
    assert "managed by Azure Virtual Network Manager" in body and "hub-spoke" in body and "avnm-corp" in body
    assert "Use hub as a gateway" in body and "can undo a direct change" in body


def test_a_mesh_or_a_configuration_on_one_side_only_does_not_manage_the_peering(rig: Rig) -> None:
    rig.arm.set_action(
        VNET_EUN, "listNetworkManagerEffectiveConnectivityConfigurations", hub_and_spoke(VNET_EUN, False)
    )
    ask = rig.slash("peering vnet-eun/peer-eun-to-aue forwarded-traffic off reason: avnm", ALICE)
    assert "Virtual Network Manager" not in "\n".join(ask.block_texts)


def test_when_virtual_network_manager_cannot_be_checked_the_plan_says_so(rig: Rig) -> None:
    rig.arm.deny("Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveConnectivityConfigurations/action")
    ask = rig.slash("peering vnet-eun/peer-eun-to-aue forwarded-traffic off reason: avnm", ALICE)
    body = "\n".join(ask.block_texts)
    assert rig.request_number(ask)
    assert "Could not check whether Azure Virtual Network Manager manages" in body and "forbidden" in body
