"""`/vpn reset` end to end: signed slash commands and clicks through Bolt, the worker, the
real Azure SDK against the ARM emulator (POST reset / resetconnection, LRO), SQLite.

Expectations from Microsoft's "Reset a VPN gateway or a connection"
(https://learn.microsoft.com/azure/vpn-gateway/reset-gateway): a gateway reset reboots it
and drops its tunnels; an active-active gateway's instance is reset alone by its public IP
(`gatewayVip`, VirtualNetworkGateways_Reset); a connection reset touches that connection."""

from __future__ import annotations

import copy
from pathlib import Path

from bot.console.app import Console
from sandbox.arm_emulator import SEED_ESTATE
from sandbox.estate import load_estate
from tests.e2e.commands.actions.conftest import SCENARIOS, actions_log, console_on, run


def test_a_reset_needs_a_reason_and_files_nothing_without_one(console: Console) -> None:
    text = run(console, "/vpn reset cn-eun-to-aue")
    assert "needs a reason" in text and "reason: …" in text
    assert "Connection reset #1" not in text and not actions_log(console)


def test_connection_reset_is_approved_by_another_person_and_sent_once(console: Console) -> None:
    text = run(console, "/vpn reset cn-eun-to-aue reason: tunnel stuck")
    assert "Connection reset #1: cn-eun-to-aue" in text and "Not revertible:" in text
    assert "[ Approve ]" in text and "needs 1 approval(s)" in text

    assert "you cannot approve it" in run(console, "/approve 1")
    assert "not one" in run(console, "/as U_DAVE", "/approve 1")
    assert not actions_log(console)

    text = run(console, "/as U_BOB", "/approve 1")
    assert "Request #1 done: reset connection cn-eun-to-aue" in text
    assert "verified by reading Azure back" in text
    done = actions_log(console)
    assert [(a["action"], a["resource"].rsplit("/", 1)[-1]) for a in done] == [("resetconnection", "cn-eun-to-aue")]
    audit = run(console, "/vpn audit")
    for act in ("requested", "approve_refused", "approved", "applying", "applied"):
        assert act in audit


def test_gateway_reset_needs_two_distinct_approvers_by_default(console: Console) -> None:
    text = run(console, "/vpn reset gateway vgw-eun reason: all tunnels flapping")
    assert "Gateway reset #1: vgw-eun" in text and "needs 2 approval(s)" in text
    assert "cn-eun-to-aue" in text and "drops, then reconnects" in text

    text = run(console, "/as U_BOB", "/approve 1")
    assert "1 of 2" in text and "1 more" in text and not actions_log(console)
    text = run(console, "/approve 1")
    assert "already approved" in text and not actions_log(console)

    text = run(console, "/as U_CAROL", "/approve 1")
    assert "Request #1 done: reset gateway vgw-eun" in text
    assert [a["action"] for a in actions_log(console)] == ["reset"]
    assert "gatewayVip" not in actions_log(console)[0]


def test_both_ends_of_a_pair_are_never_reset_at_once(console: Console) -> None:
    assert "Connection reset #1" in run(console, "/vpn reset cn-eun-to-aue reason: stuck")
    text = run(console, "/vpn reset cn-aue-to-eun reason: the other side too")
    assert "Not filed" in text and "other end of this pair" in text and "#1" in text
    text = run(console, "/vpn reset gateway vgw-aue reason: the far gateway")
    assert "Not filed" in text and "other end of this pair" in text
    assert not actions_log(console)


def test_a_name_that_is_both_a_connection_and_a_gateway_asks_which(tmp_path: Path) -> None:
    estate = load_estate(SEED_ESTATE)
    conn = next(r for r in estate["resources"] if r["name"] == "cn-eun-to-aue")
    twin = copy.deepcopy(conn)
    twin["name"] = "vgw-aue"
    twin["id"] = conn["id"].rsplit("/", 1)[0] + "/vgw-aue"
    estate["resources"].append(twin)
    with console_on(estate, tmp_path) as c:
        text = run(c, "/vpn reset vgw-aue reason: which one")
        assert "is both a connection and a gateway" in text
        assert "/vpn reset connection vgw-aue" in text and "/vpn reset gateway vgw-aue" in text
        assert "Gateway reset #1" not in text and "Connection reset #1" not in text
        assert "Gateway reset #1: vgw-aue" in run(c, "/vpn reset gateway vgw-aue reason: the gateway")


def test_one_instance_of_an_active_active_gateway_is_reset_by_its_vip(tmp_path: Path) -> None:
    estate = load_estate(SCENARIOS / "active-active-apipa-bgp.json")
    with console_on(estate, tmp_path) as c:
        text = run(c, "/vpn reset vgw-neu instance 20.67.41.99 reason: instance stuck")
        assert "Not filed" in text and "is not an instance of" in text and "20.67.41.11" in text
        text = run(c, "/vpn reset vgw-neu instance 20.67.41.11 reason: instance 1 stuck")
        assert "reset gateway vgw-neu instance 20.67.41.11" in text
        assert "other instance keeps carrying traffic" in text
        run(c, "/as U_BOB", "/approve 1")
        run(c, "/as U_CAROL", "/approve 1")
        assert [(a["action"], a.get("gatewayVip")) for a in actions_log(c)] == [("reset", "20.67.41.11")]


def test_instance_of_a_single_instance_gateway_is_refused(console: Console) -> None:
    text = run(console, "/vpn reset vgw-eun instance 20.54.120.10 reason: x")
    assert "Not filed" in text and "is not active-active" in text


def test_a_reset_whose_answer_is_lost_is_found_done_and_never_sent_twice(console: Console) -> None:
    run(console, "/vpn reset cn-eun-to-aue reason: stuck")
    console.arm.add_fault("resetconnection$", method="POST", kind="lost_answer", count=1)
    text = run(console, "/as U_BOB", "/approve 1")
    assert "Request #1 done" in text and "re-established after the reset was sent" in text
    assert len(actions_log(console)) == 1


def test_a_refused_reset_is_not_applied(console: Console) -> None:
    console.arm.deny("Microsoft.Network/connections/resetconnection/action")
    run(console, "/vpn reset cn-eun-to-aue reason: stuck")
    text = run(console, "/as U_BOB", "/approve 1")
    assert "Not applied" in text and "refused" in text and "AuthorizationFailed" in text
    assert not actions_log(console)


def test_a_name_nothing_has_suggests_the_closest_gateway_and_files_nothing(console: Console) -> None:
    text = run(console, "/vpn reset vgw-eu reason: tunnels stuck")
    assert "No connection or gateway named `vgw-eu` in the subscriptions the bot can see." in text
    assert "Did you mean `vgw-eun`" in text  # a gateway's name, not only connections'
    assert "Example: `/vpn reset vgw-eun reason:" in text
    text = run(console, "/vpn reset zzz reason: tunnels stuck")
    assert "`/vpn status all` lists the connections and gateways the bot can see." in text
    assert "Example:" in text and "Gateway reset #" not in text and not actions_log(console)


def test_an_id_nothing_has_is_said_so_not_an_internal_error(console: Console) -> None:
    gone = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups/rg/providers/Microsoft.Network/connections/gone"
    text = run(console, f"/vpn reset {gone} reason: tunnels stuck")
    assert "No connection or gateway has the id" in text and "Example:" in text
    assert "went wrong" not in text.lower() and not actions_log(console)


def test_a_subscription_that_could_not_be_read_is_said_never_taken_for_no_such_name(tmp_path: Path) -> None:
    estate = load_estate(SCENARIOS / "multi-subscription-landing-zone.json")
    app_sub = estate["subscriptions"][1]["subscriptionId"]
    with console_on(estate, tmp_path) as c:
        c.arm.add_fault(f"/subscriptions/{app_sub}/.*", kind="error", status=403, code="AuthorizationFailed")
        text = run(c, "/vpn reset zzz reason: tunnels stuck")
        assert "No connection or gateway named `zzz`" in text
        assert "(1 subscription of 3 could not be read)" in text
        for sub in (s["subscriptionId"] for s in estate["subscriptions"]):
            c.arm.add_fault(f"/subscriptions/{sub}/.*", kind="error", status=403, code="AuthorizationFailed")
        text = run(c, "/vpn reset zzz reason: tunnels stuck")
        assert "No connection or gateway named" not in text  # nothing read: Azure's failure, said as such
        assert "AuthorizationFailed" in text or "permission" in text.lower()
