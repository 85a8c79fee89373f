"""commands.findings.nsg: NSG rules applied as Azure documents them
(https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works):
lowest priority number first, first match decides; inbound subnet group then NIC group,
outbound NIC then subnet; a flow passes only when every group allows it."""

from __future__ import annotations

from commands.core.netwatch import EffectiveNsg, SecurityRule
from commands.findings.nsg import decide, denied_ranges, in_order

DENY_ALL_OUT = SecurityRule("defaultSecurityRules/DenyAllOutBound", "Outbound", "Deny", 65500)
ALLOW_VNET_OUT = SecurityRule(
    "defaultSecurityRules/AllowVnetOutBound",
    "Outbound",
    "Allow",
    65000,
    source_prefixes=("VirtualNetwork",),
    destination_prefixes=("VirtualNetwork",),
    expanded_source=("10.0.0.0/16",),
    expanded_destination=("10.0.0.0/16",),
)


def group(assoc: str, *rules: SecurityRule, name: str = "nsg") -> EffectiveNsg:
    return EffectiveNsg(
        f"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityGroups/{name}",
        assoc,
        rules=rules,
    )


def test_the_lowest_priority_number_decides() -> None:
    deny = SecurityRule("securityRules/deny-sql", "Outbound", "Deny", 100, "Tcp", destination_ports=("1433-1433",))
    allow = SecurityRule("securityRules/allow-sql", "Outbound", "Allow", 200, "Tcp", destination_ports=("1433",))
    d = decide(
        [group("subnet", allow, deny, ALLOW_VNET_OUT, DENY_ALL_OUT)], "Outbound", "TCP", "10.0.2.4", "10.0.1.4", 1433
    )
    assert not d.allowed and d.rule == deny


def test_a_deny_in_either_group_wins_and_the_order_depends_on_direction() -> None:
    nic = group("networkInterface", ALLOW_VNET_OUT, DENY_ALL_OUT, name="nsg-nic")
    deny = SecurityRule("securityRules/no-out", "Outbound", "Deny", 100)
    subnet = group("subnet", deny, name="nsg-subnet")
    assert [g.association for g in in_order([subnet, nic], "Outbound")] == ["networkInterface", "subnet"]
    assert [g.association for g in in_order([nic, subnet], "Inbound")] == ["subnet", "networkInterface"]
    d = decide([subnet, nic], "Outbound", "TCP", "10.0.2.4", "10.0.1.4", 443)
    assert not d.allowed and d.nsg_id.endswith("/nsg-subnet")


def test_no_group_allows_and_a_service_tag_uses_its_expansion() -> None:
    assert decide([], "Outbound", "TCP", "10.0.2.4", "8.8.8.8", 53).allowed
    d = decide([group("subnet", ALLOW_VNET_OUT, DENY_ALL_OUT)], "Outbound", "UDP", "10.0.2.4", "8.8.8.8", 53)
    assert not d.allowed and d.rule == DENY_ALL_OUT  # 8.8.8.8 is not in VirtualNetwork's expansion


def test_denied_ranges_are_cut_at_the_rules_boundaries() -> None:
    allow_1433 = SecurityRule("securityRules/allow-1433", "Outbound", "Allow", 100, "Tcp", destination_ports=("1433",))
    deny_rest = SecurityRule("securityRules/deny-rest", "Outbound", "Deny", 200, "*", destination_ports=("1434-20000",))
    groups = [group("subnet", allow_1433, deny_rest, ALLOW_VNET_OUT, DENY_ALL_OUT)]
    got = [
        (lo, hi, d.rule.short_name if d.rule else "")
        for lo, hi, d in denied_ranges(groups, "Outbound", "TCP", "10.0.2.4", "10.0.1.4", 1433, 65535)
    ]
    assert got == [(1434, 20000, "deny-rest")]
    assert denied_ranges(groups, "Outbound", "TCP", "10.0.2.4", "10.0.1.4", 1433, 1433) == []
