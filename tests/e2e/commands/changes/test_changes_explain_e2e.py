"""Three situations issue 22's first estates did not exercise, end to end through the console
(signed slash commands into the real Bolt app, the worker, the real Azure SDKs against the ARM
emulator, the Slack API emulator): an NSG rule change behind a SQL ports problem, a shared
key's reset behind a VNet-to-VNet pair's key mismatch, and a private DNS record's write behind
a private endpoint's DNS problem. The estates' expectations (sandbox/estates/scenarios/
*.expect.json, checked for status and diagnose by test_changes_e2e.py) were written from
Microsoft's documentation first:

* network-security-group-how-it-works — a flow meets only the NSGs of its own NIC and subnet, the
  first matching rule by priority deciding; get-resource-changes — Resource Graph records a
  change on the resource it holds (the NSG: `properties.securityRules[i]…`), the Activity Log on
  the rule (`Microsoft.Network/networkSecurityGroups/securityRules/write`).
* reset-shared-key (POST connections/{c}/sharedkey/reset) gives a connection a new random key;
  a VNet-to-VNet pair needs the same key on both halves (vpn-gateway-howto-vnet-vnet-resource-
  manager-portal). resource-provider-operations names one POST action of a shared key,
  `Microsoft.Network/connections/sharedkey/action` (described there as "Get
  VirtualNetworkGatewayConnection SharedKey"; the REST API's only POST under a shared key is the
  reset, so the estate records the reset as it), beside `sharedKey/write` (the PUT, a set).
* A private DNS record set's write is an Administrative event of the Activity Log
  (activity-log-schema; operation `Microsoft.Network/privateDnsZones/A/write`), without its
  addresses. Microsoft does not document record sets among the types Resource Graph's
  `resourcechanges` holds, so the estate has the write in the Activity Log only — which makes
  "the Activity Log could not be read" the case where the bot must say so rather than "no change".
"""

from __future__ import annotations

import io
from pathlib import Path

from bot.console.app import Console
from sandbox.estate import load_estate
from tests.e2e.commands.changes.test_changes_e2e import _answers, _first_message, _under_roots

ROOT = Path(__file__).resolve().parents[4]
CORPUS = ROOT / "sandbox" / "estates" / "scenarios"


def _run(name: str, lines: list[str], denied: list[str] | None = None) -> dict[str, str]:
    est = load_estate(CORPUS / f"{name}.json")
    if denied:
        est["denied"] = denied
    con = Console(est, out=io.StringIO())
    try:
        return _answers(con, lines)
    finally:
        con.close()


def test_changes_lists_the_rule_change_with_its_before_and_after_and_the_unrelated_nsgs_by_name() -> None:
    answer = _run("nsg-rule-change-blocks-sql", ["/vpn changes"])["/vpn changes"]
    first = _first_message(answer)
    assert "3 changes to the VPN estate in the last 1 d" in first
    assert (
        "`destinationPortRange` `1433-65535` → `1433` on `allow-sql-out (rule of nsg-snet-app)` by "
        "`mallory@contoso.com` (Azure Portal) · Succeeded · Resource Graph + Activity Log"
    ) in first
    assert "on `deny-lab-out (rule of nsg-lab)`" in first  # listed: it is in the estate…
    diagnose = _run("nsg-rule-change-blocks-sql", ["/vpn diagnose"])["/vpn diagnose"]
    [under] = _under_roots(_first_message(diagnose))
    assert "allow-sql-out (rule of nsg-snet-app)" in under and "nsg-lab" not in diagnose  # …never blamed


def test_a_shared_key_reset_is_said_as_a_reset_under_the_pair_and_a_set_elsewhere_stays_a_set() -> None:
    answers = _run("shared-key-reset-breaks-v2v", ["/vpn status all", "/vpn changes"])
    [under] = _under_roots(_first_message(answers["/vpn status all"]))
    assert "shared key reset on `cn-stavanger-to-oslo` by `ivan@northwind-energy.com`" in under
    assert "shared key set" not in answers["/vpn status all"]  # the branch's key, neither under it nor in the thread
    listed = _first_message(answers["/vpn changes"])
    assert "shared key reset (its value is in neither source) on `cn-stavanger-to-oslo`" in listed
    assert "shared key set (its value is in neither source) on `cn-oslo-to-bergen`" in listed


def test_a_record_write_is_shown_under_the_endpoints_dns_problem_and_another_names_write_is_not() -> None:
    answer = _run("dns-record-change-breaks-pe", ["/vpn diagnose"])["/vpn diagnose"]
    under = _under_roots(_first_message(answer))
    assert under and all(
        "A record set written on `sql-litware-orders (A record of privatelink.database.windows.net)` by "
        "`oscar@litware.com`" in u
        for u in under
    )
    assert "sql-litware-reports (A record" not in answer


def test_without_the_activity_log_the_record_write_is_not_known_and_that_is_said_not_no_change() -> None:
    """The record's write is in the Activity Log only: denied it, the bot says it could not read
    what changed before the problem — never that nothing changed."""
    answers = _run(
        "dns-record-change-breaks-pe",
        ["/vpn diagnose", "/vpn changes"],
        denied=["Microsoft.Insights/eventtypes/values/read"],
    )
    first = _first_message(answers["/vpn diagnose"])
    assert "Could not read what changed before it: the Activity Log of " in first
    assert "(forbidden). Not the same as no change." in first
    assert all("Could not read what changed before it" in u for u in _under_roots(first))
    listed = _first_message(answers["/vpn changes"])
    assert "No change found to the VPN estate in the last 1 d, but the Activity Log of " in listed
    assert "not the same as none" in listed
