"""Network Watcher answers, a NIC's effective security rules, diagnostic settings and Log
Analytics tables → `commands.core.netwatch`, on the defensive readers of `wire` (every field
optional, every type checked, never raises on data)."""

from __future__ import annotations

from typing import Any

from bot.arm.convert.wire import (
    at_path,
    integer,
    items,
    json_obj,
    json_objs,
    props,
    ref,
    resource_name,
    strs,
    text,
    wire,
)
from commands.core.netwatch import (
    DiagnosticSetting,
    EffectiveNsg,
    IpFlowVerdict,
    LogTable,
    NetworkWatcher,
    NextHop,
    SecurityRule,
    TroubleshootAction,
    TroubleshootDetail,
    TroubleshootResult,
)


def network_watcher(obj: object) -> NetworkWatcher:
    d = wire(obj)
    return NetworkWatcher(
        id=text(d.get("id")),
        name=resource_name(d),
        location=text(d.get("location")),
        provisioning_state=text(props(d).get("provisioningState")),
    )


def next_hop(obj: object) -> NextHop:
    d = wire(obj)
    return NextHop(
        next_hop_type=text(d.get("nextHopType")) or "None",
        next_hop_ip=text(d.get("nextHopIpAddress")),
        route_table_id=text(d.get("routeTableId")),
    )


def ip_flow(obj: object) -> IpFlowVerdict:
    d = wire(obj)
    return IpFlowVerdict(access=text(d.get("access")), rule_name=text(d.get("ruleName")))


def _plural_or_single(r: dict[str, Any], plural: str, single: str, default: str) -> tuple[str, ...]:
    many = strs(r.get(plural))
    if many:
        return many
    one = text(r.get(single))
    return (one,) if one else (default,)


def security_rule(r: dict[str, Any]) -> SecurityRule:
    """One EffectiveNetworkSecurityRule (ranges "a-b", prefixes or service tags)."""
    return SecurityRule(
        name=text(r.get("name")),
        direction=text(r.get("direction")),
        access=text(r.get("access")),
        priority=integer(r.get("priority"), 65500),
        protocol=text(r.get("protocol")) or "All",
        source_prefixes=_plural_or_single(r, "sourceAddressPrefixes", "sourceAddressPrefix", "0.0.0.0/0"),
        destination_prefixes=_plural_or_single(
            r, "destinationAddressPrefixes", "destinationAddressPrefix", "0.0.0.0/0"
        ),
        expanded_source=strs(r.get("expandedSourceAddressPrefix")),
        expanded_destination=strs(r.get("expandedDestinationAddressPrefix")),
        source_ports=_plural_or_single(r, "sourcePortRanges", "sourcePortRange", "0-65535"),
        destination_ports=_plural_or_single(r, "destinationPortRanges", "destinationPortRange", "0-65535"),
    )


def effective_nsgs(result: object) -> list[EffectiveNsg]:
    """A NIC's `effectiveNetworkSecurityGroups` (EffectiveNetworkSecurityGroupListResult)."""
    out = []
    for g in items(result):
        assoc = json_obj(g.get("association"))
        kind, target = "", ""
        for k in ("networkInterface", "subnet", "networkManager"):
            if ref(assoc.get(k)):
                kind, target = k, ref(assoc.get(k))
                if k != "networkInterface":
                    break
        out.append(
            EffectiveNsg(
                nsg_id=ref(g.get("networkSecurityGroup")),
                association=kind,
                associated_id=target,
                rules=tuple(security_rule(r) for r in json_objs(g.get("effectiveSecurityRules"))),
            )
        )
    return out


def troubleshoot_result(obj: object) -> TroubleshootResult:
    d = wire(obj)
    details = []
    for r in json_objs(d.get("results")):
        actions = tuple(
            TroubleshootAction(
                text=text(a.get("actionText")), uri=text(a.get("actionUri")), uri_text=text(a.get("actionUriText"))
            )
            for a in json_objs(r.get("recommendedActions"))
        )
        details.append(
            TroubleshootDetail(
                reason_type=text(r.get("reasonType")),
                summary=text(r.get("summary")),
                detail=text(r.get("detail")),
                actions=actions,
            )
        )
    return TroubleshootResult(
        code=text(d.get("code")),
        start_time=text(d.get("startTime")),
        end_time=text(d.get("endTime")),
        results=tuple(details),
    )


def diagnostic_setting(obj: object) -> DiagnosticSetting:
    """A DiagnosticSettingsResource: its enabled log categories and category groups."""
    d = wire(obj)
    p = props(d)
    logs = [x for x in json_objs(p.get("logs")) if x.get("enabled") is True]
    return DiagnosticSetting(
        id=text(d.get("id")),
        name=resource_name(d),
        workspace_id=text(p.get("workspaceId")),
        categories=tuple(text(x.get("category")) for x in logs if text(x.get("category"))),
        category_groups=tuple(text(x.get("categoryGroup")) for x in logs if text(x.get("categoryGroup"))),
        destination_type=text(p.get("logAnalyticsDestinationType")),
    )


def workspace_customer_id(obj: object) -> str:
    """A Log Analytics workspace's `customerId` (the GUID the query API takes)."""
    return text(at_path(wire(obj), "properties", "customerId"))


def log_table(tables: object, partial: str = "") -> LogTable:
    """The first table of a Log Analytics answer (azure-monitor-query's LogsTable: `columns`
    are names, `rows` lists of values)."""
    seq = tables if isinstance(tables, list) else []
    if not seq:
        return LogTable(columns=(), rows=(), partial=partial)
    t = seq[0]
    columns = tuple(str(c) for c in getattr(t, "columns", ()) or ())
    rows = tuple(tuple(r) for r in getattr(t, "rows", ()) or ())
    return LogTable(columns=columns, rows=rows, partial=partial)


def public_ip(obj: object) -> str:
    """A public IP resource's `ipAddress` ("" while none is allocated)."""
    return text(at_path(wire(obj), "properties", "ipAddress"))
