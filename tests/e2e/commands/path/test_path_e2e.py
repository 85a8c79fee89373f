"""`/vpn path` through the whole real path: a signed slash command into the Bolt app, the worker,
azure-mgmt-network against the ARM emulator (Network Watcher next hop, IP flow verify, the NIC's
effective security groups), the answer posted to the Slack emulator.

What each answer must say follows Azure's documented rules (NSG processing order, default
rules, next hop = longest-prefix active route), not what the bot happens to say.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest

from bot.console.app import Console
from sandbox.estate import load_estate

ESTATES = Path(__file__).resolve().parents[4] / "sandbox" / "estates"


def run(estate: dict[str, object], *lines: str) -> str:
    out = io.StringIO()
    con = Console(estate, out=out)
    try:
        con.run(list(lines))
    finally:
        con.close()
    return out.getvalue()


@pytest.fixture(scope="module")
def seed() -> dict[str, object]:
    return load_estate(ESTATES / "seed.json")


def test_a_vpn_client_may_ssh_to_the_vm_by_the_rule_that_allows_it(seed: dict[str, object]) -> None:
    out = run(seed, "/vpn path vm-eun 172.16.10.5 tcp 22 in")
    assert "Path 172.16.10.5 → vm-eun (TCP 22" in out
    assert "goes to the virtual network gateway via `10.0.255.4`" in out
    assert "Security rules allow TCP 172.16.10.5 → 10.0.2.4:22 by rule `allow-ssh-from-vpn`" in out
    # The thread lists the inbound rules in the order Azure applies them.
    assert out.index("allow-ssh-from-vpn ") < out.index("AllowVnetInBound") < out.index("DenyAllInBound")


def test_rdp_from_outside_is_denied_by_the_default_rule(seed: dict[str, object]) -> None:
    out = run(seed, "/vpn path 10.0.2.4 203.0.113.9 tcp 3389 in")
    assert "Security rules deny TCP 203.0.113.9 → 10.0.2.4:3389 by rule `DenyAllInBound`" in out
    assert "lower priority number than Azure's default deny" in out


def test_an_on_premises_range_denied_by_a_custom_rule_in_the_hub_spoke() -> None:
    out = run(load_estate(ESTATES / "hub-spoke.json"), "/vpn path vm-app-01 192.168.0.1 tcp 3389 in")
    assert "Security rules deny TCP 192.168.0.1 → 10.20.1.4:3389 by rule `deny-rdp-from-onprem`" in out


def test_without_a_network_watcher_in_the_region_the_answer_says_how_to_enable_it(seed: dict[str, object]) -> None:
    estate = copy.deepcopy(seed)
    estate["resources"] = [  # type: ignore[index]
        r
        for r in estate["resources"]
        if r.get("name") != "NetworkWatcher_australiaeast"  # type: ignore[attr-defined,union-attr]
    ]
    out = run(estate, "/vpn path vm-aue 10.0.1.4 tcp 1433")
    assert "Network Watcher is not enabled in Australia East" in out
    assert (
        "az network watcher configure --resource-group NetworkWatcherRG --locations australiaeast --enabled true" in out
    )


def test_a_denied_watcher_list_is_said_as_could_not_read(seed: dict[str, object]) -> None:
    estate = copy.deepcopy(seed)
    estate["denied"] = ["Microsoft.Network/networkWatchers/read"]
    out = run(estate, "/vpn path vm-eun 10.1.1.4 tcp 1433")
    assert "not enabled" not in out
    assert "AuthorizationFailed" in out or "permission" in out


def test_bad_input_says_what_is_wrong_and_what_is_right(seed: dict[str, object]) -> None:
    out = run(
        seed,
        "/vpn path",
        "/vpn path vm-eun db.example.com",
        "/vpn path vm-eun 10.1.1.4 tcp 99999",
        "/vpn path vm-eunn 10.1.1.4",
        "/vpn path 10.9.9.9 10.1.1.4",
    )
    assert "Which source and which destination?" in out
    assert "`db.example.com` is not an IP address." in out
    assert "`99999` is not a protocol, a port or a direction." in out
    assert "No VM or NIC named `vm-eunn`" in out and "Did you mean `vm-eun`" in out
    assert "No NIC the bot can see has the private IP `10.9.9.9`" in out


def test_a_private_endpoint_nic_is_refused_with_the_reason(seed: dict[str, object]) -> None:
    out = run(seed, "/vpn path pe-sql-eun.nic.113c58f5-c6fa-5129-9058-a95a042dd1d7 10.0.2.4")
    assert "is not attached to a VM" in out
