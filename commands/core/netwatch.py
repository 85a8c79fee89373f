"""Plain facts from Azure Network Watcher, the NIC's effective security rules, a gateway's
diagnostic settings and Log Analytics rows, as the domain sees them.

Kept apart from `commands.core.model` (the estate's resources): these are answers to
questions asked of one resource (next hop, IP flow verify, VPN troubleshoot, a KQL query),
converted by `bot/arm/` from the SDKs' models and the services' JSON.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from commands.core.errors import AzureFailure
from commands.core.model import NetworkInterface


@dataclass(frozen=True)
class NetworkWatcher:
    """A Network Watcher (one per region and subscription, usually `NetworkWatcher_<region>`
    in `NetworkWatcherRG`: https://learn.microsoft.com/azure/network-watcher/network-watcher-create)."""

    id: str
    name: str
    location: str
    provisioning_state: str = ""


@dataclass(frozen=True)
class NextHop:
    """NetworkWatchers_GetNextHop's NextHopResult: `route_table_id` is "System Route" when the
    route is not a user-defined one."""

    next_hop_type: str  # Internet | VirtualAppliance | VirtualNetworkGateway | VnetLocal | HyperNetGateway | None
    next_hop_ip: str = ""
    route_table_id: str = ""


@dataclass(frozen=True)
class IpFlowVerdict:
    """NetworkWatchers_VerifyIPFlow's VerificationIPFlowResult: Allow or Deny, and the rule
    that decided ("securityRules/<name>" or "defaultSecurityRules/<name>"; "" when none did)."""

    access: str
    rule_name: str = ""


def _ports(text: str) -> tuple[int, int] | None:
    """ "80", "1433-65535", "*" or "0-65535" → (low, high); None when unreadable."""
    t = text.strip()
    if t in ("*", ""):
        return (0, 65535)
    lo, _, hi = t.partition("-")
    try:
        a, b = int(lo), int(hi or lo)
    except ValueError:
        return None
    return (a, b) if 0 <= a <= b <= 65535 else None


@dataclass(frozen=True)
class SecurityRule:
    """One effective security rule (EffectiveNetworkSecurityRule). Prefixes and port ranges are
    as Azure lists them: the plural lists when given, else the singular value; a service tag
    ("VirtualNetwork", "Internet") comes with its `expanded_*` prefixes."""

    name: str  # "securityRules/allow-sql" | "defaultSecurityRules/DenyAllInBound"
    direction: str  # Inbound | Outbound
    access: str  # Allow | Deny
    priority: int
    protocol: str = "All"  # Tcp | Udp | Icmp | Esp | Ah | All
    source_prefixes: tuple[str, ...] = ("0.0.0.0/0",)
    destination_prefixes: tuple[str, ...] = ("0.0.0.0/0",)
    expanded_source: tuple[str, ...] = ()
    expanded_destination: tuple[str, ...] = ()
    source_ports: tuple[str, ...] = ("0-65535",)
    destination_ports: tuple[str, ...] = ("0-65535",)

    @property
    def short_name(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    @property
    def is_default(self) -> bool:
        return self.name.lower().startswith("defaultsecurityrules/")

    def covers_protocol(self, protocol: str) -> bool:
        p = self.protocol.lower()
        return p in ("all", "*") or p == protocol.lower()

    def covers_port(self, port: int, *, destination: bool = True) -> bool:
        ranges = self.destination_ports if destination else self.source_ports
        return any((r := _ports(x)) is not None and r[0] <= port <= r[1] for x in ranges)

    def port_ranges(self) -> list[tuple[int, int]]:
        return [r for x in self.destination_ports if (r := _ports(x)) is not None]

    def covers_address(self, ip: str, *, source: bool) -> bool | None:
        """Does the rule's source (or destination) hold `ip`? None when a tag it names came
        without its expanded prefixes (Azure did not say what the tag holds)."""
        prefixes = self.source_prefixes if source else self.destination_prefixes
        expanded = self.expanded_source if source else self.expanded_destination
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        unknown = False
        for p in (*prefixes, *expanded):
            if p in ("*", "Any", "any"):
                return True
            try:
                if addr in ipaddress.ip_network(p, strict=False):
                    return True
            except ValueError:
                unknown = unknown or not expanded  # a tag; its expansion, when given, is checked
        return None if unknown else False


@dataclass(frozen=True)
class EffectiveNsg:
    """One network security group in effect on a NIC, where it is associated (the NIC or its
    subnet), and its effective rules (defaults included)."""

    nsg_id: str
    association: str  # "subnet" | "networkInterface" | "networkManager" | ""
    associated_id: str = ""
    rules: tuple[SecurityRule, ...] = ()


@dataclass(frozen=True)
class TroubleshootAction:
    text: str
    uri: str = ""
    uri_text: str = ""


@dataclass(frozen=True)
class TroubleshootDetail:
    """One TroubleshootingDetails entry: a finding of VPN troubleshoot."""

    reason_type: str = ""
    summary: str = ""
    detail: str = ""
    actions: tuple[TroubleshootAction, ...] = ()


@dataclass(frozen=True)
class TroubleshootResult:
    """TroubleshootingResult: `code` is "Healthy" or "UnHealthy" in Microsoft's examples."""

    code: str
    start_time: str = ""
    end_time: str = ""
    results: tuple[TroubleshootDetail, ...] = ()


@dataclass(frozen=True)
class TroubleshootPoll:
    """Where a running VPN troubleshoot stands: `done` with its `result`, or still running —
    poll `poll_url` again after `retry_after_s` (Azure's Retry-After)."""

    done: bool
    poll_url: str = ""
    retry_after_s: float = 10.0
    result: TroubleshootResult | None = None


@dataclass(frozen=True)
class DiagnosticSetting:
    """A diagnostic setting of a resource (Microsoft.Insights/diagnosticSettings): the log
    categories it sends (enabled ones only; "allLogs" / "audit" category groups kept as such)
    and to which Log Analytics workspace (ARM id; "" when it sends elsewhere)."""

    id: str
    name: str
    workspace_id: str = ""
    categories: tuple[str, ...] = ()
    category_groups: tuple[str, ...] = ()
    destination_type: str = ""  # "AzureDiagnostics" | "Dedicated" (resource-specific tables)

    def sends(self, category: str) -> bool:
        c = category.lower()
        return c in (x.lower() for x in self.categories) or "alllogs" in (g.lower() for g in self.category_groups)


@dataclass(frozen=True)
class LogTable:
    """A Log Analytics query's first table: column names and rows of values (as JSON gave
    them). `partial` when the service said the result is incomplete."""

    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...] = field(default_factory=tuple)
    partial: str = ""

    def records(self) -> list[dict[str, object]]:
        return [dict(zip(self.columns, r, strict=False)) for r in self.rows]


@dataclass(frozen=True)
class ClientRules:
    """A client VM's NIC and its effective security groups, or why they could not be read
    (read for item 7 of the SQL checklist: `commands.judgement.nsgs`)."""

    nic: NetworkInterface
    groups: tuple[EffectiveNsg, ...] = ()
    error: AzureFailure | None = None
