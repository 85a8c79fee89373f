"""Findings about routes: coverage gaps grouped by reason, Invalid user routes, and `/vpn …`
commands in the rules' words shown as code."""

from __future__ import annotations

from bot.slack.mrkdwn import mrkdwn
from commands.core.text import Code
from commands.findings.routing.coverage import CoverageItem
from commands.findings.routing.findings import coverage_findings, invalid_route_findings, with_commands
from tests.unit.commands.routes.estates import route


def test_commands_in_the_rules_words_become_code_and_the_rest_stays_words() -> None:
    text = with_commands("useRemoteGateways is off on a→b: /vpn peering a/a-to-b useRemoteGateways on; <x> stays words")
    assert [s for s in text if isinstance(s, Code)] == [Code("/vpn peering a/a-to-b useRemoteGateways on")]
    assert mrkdwn(text) == (
        "useRemoteGateways is off on a→b: `/vpn peering a/a-to-b useRemoteGateways on`; &lt;x&gt; stays words"
    )


def test_destinations_unreached_for_the_same_reasons_are_one_finding() -> None:
    why = ("peering a→b is Initiated",)
    items = [
        CoverageItem("10.1.0.0/16", "b", "peering", "peering a→b", "not_reached", reasons=why, fixes=("fix it",)),
        CoverageItem("10.1.1.4/32", "pe-b", "private_endpoint", "peering a→b", "not_reached", reasons=why),
        CoverageItem("10.2.0.0/16", "c", "peering", "peering a→c", "reached", notes=("c is NotInSync",)),
    ]
    blocked, caveat = coverage_findings("nic-a", "k", items)
    assert blocked.severity == "critical"  # an endpoint is among them
    assert str(blocked.title) == "nic-a does not reach b 10.1.0.0/16, pe-b 10.1.1.4/32"
    assert str(blocked.evidence) == "• peering a→b is Initiated" and str(blocked.next_step) == "fix it"
    assert caveat.severity == "info" and "c is NotInSync" in caveat.evidence


def test_invalid_user_routes_are_named_with_their_next_hop() -> None:
    routes = [
        route("User", "10.0.0.0/16", "VirtualAppliance", ("10.9.9.9",), state="Invalid", name="to-nva"),
        route("Default", "10.8.0.0/16", "None", state="Invalid"),
    ]
    [f] = invalid_route_findings("nic-a", "k", routes)
    assert str(f.title) == "1 user route of nic-a is Invalid: Azure ignores it"
    assert str(f.evidence) == "• 10.0.0.0/16 → VirtualAppliance 10.9.9.9 (to-nva)"
