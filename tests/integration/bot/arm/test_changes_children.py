"""A change to a child resource ARM keeps inside its parent's document (an NSG's security
rule), through the real SDKs against the emulator: Resource Graph records it on the parent,
the Activity Log on the child, and the bot reads them as one change.

Resource Graph: https://learn.microsoft.com/azure/governance/resource-graph/how-to/get-resource-changes
— a change resource (`Microsoft.Resources/changes`) extends the modified *resource* and lists
the changed properties by path; security rules are part of the NSG's document
(`properties.securityRules[]`, https://learn.microsoft.com/rest/api/virtualnetwork/network-security-groups/get),
so a rule's change is a path under it. Activity Log: the operation is the role action that
authorised it, `Microsoft.Network/networkSecurityGroups/securityRules/write`, on the rule
(https://learn.microsoft.com/azure/role-based-access-control/resource-provider-operations#microsoftnetwork,
https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from commands.changes.read import collapse, merge
from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import load_estate
from tests.integration.bot.arm.support import make_client

ROOT = Path(__file__).resolve().parents[4]
ESTATE = ROOT / "sandbox" / "estates" / "scenarios" / "nsg-rule-change-blocks-sql.json"


def test_a_security_rules_change_is_on_its_nsg_in_resource_graph_and_on_the_rule_in_the_activity_log() -> None:
    est = load_estate(ESTATE)
    sub = est["subscriptions"][0]["subscriptionId"]
    nsg = next(r["id"] for r in est["resources"] if r["name"] == "nsg-snet-app")
    rule = f"{nsg}/securityRules/allow-sql-out"
    with ArmEmulator(est) as emu, make_client(emu) as client:
        answer = client._pipeline.resourcegraph().resources(
            QueryRequest(
                subscriptions=[sub], query="resourcechanges", options=QueryRequestOptions(result_format="objectArray")
            )
        )
        rows = [r["properties"] for r in answer.data if r["properties"]["targetResourceId"].lower() == nsg.lower()]
        paths = {p for r in rows for p in r["changes"]}
        assert "properties.securityRules[0].properties.destinationPortRange" in paths
        assert all(r["targetResourceType"] == "microsoft.network/networksecuritygroups" for r in rows)
        since = datetime.now(UTC) - timedelta(hours=1)
        graph = client.resource_changes([sub], since)
        log = client.activity_log(sub, since).changes
    assert any(c.resource_id.lower() == rule.lower() and c.result == "Succeeded" for c in log)
    [merged] = [c for c in merge(graph, collapse(log)) if c.resource_id.lower() == rule.lower()]
    assert merged.source == "both"
    assert [(p.path, p.before, p.after) for p in merged.properties] == [
        ("properties.destinationPortRange", "1433-65535", "1433")
    ]
