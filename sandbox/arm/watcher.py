"""Network Watcher, diagnostic settings and Log Analytics, as the emulator serves them.

* `networkWatchers/{name}/nextHop` and `/ipFlowVerify` (NetworkWatchers_GetNextHop,
  NetworkWatchers_VerifyIPFlow, networkWatcher.json 2025-03-01): long-running POSTs answering
  202 + `Location` + `Retry-After`, then NextHopResult / VerificationIPFlowResult. Computed, as
  Azure computes them, from what the estate holds for the VM's NIC: next hop from its
  `effectiveRouteTable` (longest prefix match over the Active routes; without one, Azure's
  default system routes for the NIC's VNet:
  https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#default), the
  verdict from its `effectiveNetworkSecurityGroups` (rules by priority, first match decides;
  inbound the subnet's group then the NIC's, outbound the NIC's then the subnet's, and traffic
  passes only if every group allows it:
  https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works).
* `networkWatchers/{name}/troubleshoot` and `/queryTroubleshootResult`
  (NetworkWatchers_GetTroubleshooting / _GetTroubleshootingResult): 202 + `Location` +
  `Retry-After`, a result after several polls (Azure takes minutes). The result is the
  estate's `"troubleshoot"` entry for the target (a TroubleshootingResult as Azure's examples
  show it), else one made from the target's state (fault types of the documentation's table:
  NoFault when connected, PeerReachability when not). Microsoft's documented limits are kept
  (https://learn.microsoft.com/azure/network-watcher/vpn-troubleshoot-overview): gateways and
  connections only; one troubleshoot at a time per subscription — another is refused (409,
  built from the documentation's wording: no published example shows that answer); the
  storage account must exist.
* `{resourceId}/providers/Microsoft.Insights/diagnosticSettings` (DiagnosticSettings_List,
  2021-05-01-preview): the estate's resources of that type under the resource.
* `POST /v1/workspaces/{customerId}/query` (the Log Analytics query API,
  https://learn.microsoft.com/azure/azure-monitor/logs/api/response-format): `{"tables":
  [{"name", "columns": [{"name", "type"}], "rows": [[…]]}]}` from the estate's
  `"logs"` rows of that workspace. The emulator understands the KQL the bot sends (a table,
  `where` clauses with `==`, `=~`, `in`, `has` and `ago()`, `project`, `order by … desc`,
  `take`; a row's `TimeGenerated` may be relative, "-90m", to stay recent); any other operator is refused as the service refuses bad syntax (400
  BadArgumentError), so a query the emulator cannot run is never answered with "no rows".
"""

from __future__ import annotations

import ipaddress
import re
import weakref
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.arm import ids
from sandbox.arm.state import CONNECTION, GATEWAY, ArmError, Estate, Operation, clone

if TYPE_CHECKING:
    from sandbox.arm.handler import Answer, Router

NETWORK_WATCHER = "microsoft.network/networkwatchers"
NIC = "microsoft.network/networkinterfaces"
VM = "microsoft.compute/virtualmachines"
STORAGE = "microsoft.storage/storageaccounts"
DIAGNOSTIC_VERSIONS = ("2021-05-01-preview", "2017-05-01-preview", "2016-09-01")
# Polls a troubleshoot stays running (Azure: minutes; the sandbox's Retry-After is ARM's 10 s).
TROUBLESHOOT_POLLS = 6

# One troubleshoot at a time per subscription: estate → {subscription key: operation}.
_RUNNING: weakref.WeakKeyDictionary[Estate, dict[str, Operation]] = weakref.WeakKeyDictionary()
# The last completed result per target (queryTroubleshootResult): estate → {target key: result}.
_LAST: weakref.WeakKeyDictionary[Estate, dict[str, Any]] = weakref.WeakKeyDictionary()


def owns(path: str) -> bool:
    """The paths this module answers (the handler asks before its api-version check, which
    knows only Microsoft.Network's versions for a path under a network resource)."""
    low = path.lower()
    return low.startswith("/v1/workspaces/") or "/providers/microsoft.insights/diagnosticsettings" in low


def answer(router: Router, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
    from sandbox.arm.handler import Answer

    low = path.lower().rstrip("/")
    if low.startswith("/v1/workspaces/"):
        if method != "POST" or not low.endswith("/query"):
            raise ArmError(404, "PathNotFoundError", f"The requested path '{path}' does not exist.")
        workspace = path.split("/")[3]
        # The query API authorizes on the workspace's ARM scope (Log Analytics Reader's
        # Microsoft.OperationalInsights/workspaces/query/read).
        router._deny("Microsoft.OperationalInsights/workspaces/query/read", _workspace_id(router.estate, workspace))
        return Answer(200, _query(router.estate, workspace, body))
    if method != "GET":
        raise ArmError(405, "OperationNotSupported", "The sandbox serves the diagnostic settings list only.")
    version = query.get("api-version", "")
    if version not in DIAGNOSTIC_VERSIONS:
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version}' is invalid. The supported versions are '{', '.join(DIAGNOSTIC_VERSIONS)}'.",
        )
    resource = path[: low.index("/providers/microsoft.insights/diagnosticsettings")]
    if router.estate.view(ids.key(resource)) is None:
        from sandbox.arm.state import not_found

        raise not_found(ids.parse(resource), router.estate)
    router._deny("Microsoft.Insights/diagnosticSettings/read", resource)
    prefix = ids.key(resource) + "/providers/microsoft.insights/diagnosticsettings/"
    with router.estate.lock:
        found = [clone(d) for k, d in router.estate.resources.items() if k.startswith(prefix)]
    # DiagnosticSettingsResourceCollection: {"value": [...]}, no paging.
    return Answer(200, {"value": found})


# --- Network Watcher actions ---------------------------------------------------------------------
def watcher_action(router: Router, rp: ids.Parsed, resource: dict[str, Any], action: str) -> Answer:
    a = action.lower()
    if a not in ("nexthop", "ipflowverify", "troubleshoot", "querytroubleshootresult"):
        raise ArmError(
            404,
            "InvalidResourceType",
            f"The resource type 'networkWatchers/{action}' could not be found in the namespace "
            f"'{rp.namespace}' for api version '{router.api_version}'.",
        )
    router._deny(f"Microsoft.Network/networkWatchers/{action}/action", resource.get("id", ""))
    body = router.body if isinstance(router.body, dict) else {}
    if a == "nexthop":
        result = _next_hop(router.estate, body)
    elif a == "ipflowverify":
        result = _ip_flow(router.estate, body)
    elif a == "troubleshoot":
        return _troubleshoot(router, rp, resource, body)
    else:
        target = _required(body, "targetResourceId")
        with router.estate.lock:
            last = _LAST.setdefault(router.estate, {}).get(ids.key(target))
        if last is None:
            raise ArmError(404, "TroubleshootResultNotFound", f"No troubleshooting result is available for '{target}'.")
        result = last
    op = router.estate.new_operation(str(resource.get("location") or "global"), rp.namespace, router.api_version)
    op.result = result
    return _accepted(router, op)


def _accepted(router: Router, op: Operation) -> Answer:
    """202 with the headers `Fidelity.lro_headers` chooses (the definitions give `Location`)
    and `Retry-After`, and a body: the definitions give the 202 the result's schema, and
    Azure's published examples (NetworkWatcherIpFlowVerify.json,
    NetworkWatcherTroubleshootGet.json) show the result in it."""
    return router._accepted(202, clone(op.result), op)


def _required(body: dict[str, Any], name: str) -> str:
    v = body.get(name)
    if not isinstance(v, str) or not v.strip():
        raise ArmError(400, "InvalidRequestFormat", f"The request is missing the required parameter '{name}'.")
    return v


def _vm_nic(estate: Estate, body: dict[str, Any]) -> dict[str, Any]:
    """The NIC the request means: `targetNicResourceId`, else the VM's only NIC."""
    target = _required(body, "targetResourceId")
    nic_id = body.get("targetNicResourceId")
    with estate.lock:
        if ids.parse(target) is None or ids.parse(target).type_key != VM:  # type: ignore[union-attr]
            raise ArmError(400, "InvalidTargetResource", f"'{target}' is not a virtual machine.")
        nics = [
            clone(d)
            for k, d in estate.resources.items()
            if ids.parse(k) is not None
            and ids.parse(k).type_key == NIC  # type: ignore[union-attr]
            and ids.key(str((d.get("properties") or {}).get("virtualMachine", {}).get("id", ""))) == ids.key(target)
        ]
    if isinstance(nic_id, str) and nic_id:
        nics = [n for n in nics if ids.key(n["id"]) == ids.key(nic_id)]
    if not nics:
        raise ArmError(404, "NotFound", f"No network interface of '{target}' was found.")
    if len(nics) > 1:
        raise ArmError(
            400,
            "TargetNicResourceIdRequired",
            "The virtual machine has several network interfaces: give targetNicResourceId.",
        )
    nic: dict[str, Any] = nics[0]
    return nic


def _nic_ips(nic: dict[str, Any]) -> list[str]:
    return [
        str((c.get("properties") or {}).get("privateIPAddress") or "")
        for c in (nic.get("properties") or {}).get("ipConfigurations") or []
    ]


def _ip(body: dict[str, Any], name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw = _required(body, name)
    try:
        return ipaddress.ip_address(raw)
    except ValueError:
        raise ArmError(400, "InvalidRequestFormat", f"'{raw}' is not a valid IP address ({name}).") from None


def _next_hop(estate: Estate, body: dict[str, Any]) -> dict[str, Any]:
    nic = _vm_nic(estate, body)
    source = _ip(body, "sourceIPAddress")
    dest = _ip(body, "destinationIPAddress")
    if str(source) not in _nic_ips(nic):
        raise ArmError(400, "InvalidSourceIPAddress", f"{source} is not an address of the network interface.")
    routes = estate.action_body(nic["id"], "effectiveRouteTable", {})
    entries = (routes or {}).get("value") if isinstance(routes, dict) else None
    if not isinstance(entries, list):
        entries = _default_routes(estate, nic)
    best: tuple[int, dict[str, Any]] | None = None
    for r in entries:
        if str(r.get("state", "Active")) != "Active":
            continue
        for prefix in r.get("addressPrefix") or []:
            try:
                net = ipaddress.ip_network(prefix, strict=False)
            except ValueError:
                continue  # a service tag route: not an address
            if dest.version == net.version and dest in net and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, r)
    if best is None:
        return {"nextHopType": "None", "routeTableId": "System Route"}
    route = best[1]
    hops = route.get("nextHopIpAddress") or []
    out: dict[str, Any] = {"nextHopType": str(route.get("nextHopType") or "None")}
    if hops:
        out["nextHopIpAddress"] = str(hops[0])
    out["routeTableId"] = _route_table_of(estate, nic) if route.get("source") == "User" else "System Route"
    return out


def _default_routes(estate: Estate, nic: dict[str, Any]) -> list[dict[str, Any]]:
    """Azure's default system routes for the NIC's VNet (the documented table)."""
    vnet_prefixes: list[str] = []
    for c in (nic.get("properties") or {}).get("ipConfigurations") or []:
        subnet = str(((c.get("properties") or {}).get("subnet") or {}).get("id") or "")
        vnet = estate.view(ids.key(subnet.rsplit("/subnets/", 1)[0])) if subnet else None
        if vnet:
            vnet_prefixes += list(
                ((vnet.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or []
            )
    return [
        {"source": "Default", "state": "Active", "addressPrefix": vnet_prefixes, "nextHopType": "VnetLocal"},
        {"source": "Default", "state": "Active", "addressPrefix": ["0.0.0.0/0"], "nextHopType": "Internet"},
        {
            "source": "Default",
            "state": "Active",
            "addressPrefix": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"],
            "nextHopType": "None",
        },
    ]


def _route_table_of(estate: Estate, nic: dict[str, Any]) -> str:
    for c in (nic.get("properties") or {}).get("ipConfigurations") or []:
        subnet_id = str(((c.get("properties") or {}).get("subnet") or {}).get("id") or "")
        subnet = estate.view(ids.key(subnet_id)) if subnet_id else None
        table = ((subnet or {}).get("properties") or {}).get("routeTable") or {}
        if table.get("id"):
            return str(table["id"])
    return "System Route"


def _ip_flow(estate: Estate, body: dict[str, Any]) -> dict[str, Any]:
    nic = _vm_nic(estate, body)
    direction = _required(body, "direction")
    protocol = _required(body, "protocol")
    if direction.lower() not in ("inbound", "outbound") or protocol.upper() not in ("TCP", "UDP"):
        raise ArmError(400, "InvalidRequestFormat", "direction is Inbound or Outbound; protocol is TCP or UDP.")
    local, remote = _ip(body, "localIPAddress"), _ip(body, "remoteIPAddress")
    if str(local) not in _nic_ips(nic):
        raise ArmError(400, "InvalidLocalIPAddress", f"{local} is not an address of the network interface.")
    ports = {}
    for name in ("localPort", "remotePort"):
        raw = _required(body, name)
        if raw != "*" and not (raw.isdigit() and 0 <= int(raw) <= 65535):
            raise ArmError(400, "InvalidRequestFormat", f"{name} must be a port 0-65535 or *, got '{raw}'.")
        ports[name] = raw
    groups = (estate.action_body(nic["id"], "effectiveNetworkSecurityGroups", {}) or {}).get("value") or []
    inbound = direction.lower() == "inbound"
    # Inbound: the subnet's group is met first, then the NIC's; outbound the reverse.
    order = sorted(groups, key=lambda g: ("subnet" in (g.get("association") or {})) != inbound)
    flow = {
        "protocol": protocol,
        "src": str(remote if inbound else local),
        "dst": str(local if inbound else remote),
        "sport": ports["remotePort" if inbound else "localPort"],
        "dport": ports["localPort" if inbound else "remotePort"],
        "direction": "Inbound" if inbound else "Outbound",
    }
    verdict: dict[str, Any] = {"access": "Allow"}
    for g in order:
        rule = _first_match(g.get("effectiveSecurityRules") or [], flow)
        if rule is None:
            continue
        verdict = {"access": str(rule.get("access")), "ruleName": str(rule.get("name"))}
        if verdict["access"] == "Deny":
            return verdict
    return verdict


def _first_match(rules: list[dict[str, Any]], flow: dict[str, str]) -> dict[str, Any] | None:
    for r in sorted(rules, key=lambda r: int(r.get("priority") or 65500)):
        if str(r.get("direction")) != flow["direction"]:
            continue
        proto = str(r.get("protocol") or "All").lower()
        if proto not in ("all", "*", flow["protocol"].lower()):
            continue
        if not _addr_in(r, "source", flow["src"]) or not _addr_in(r, "destination", flow["dst"]):
            continue
        if not _port_in(r, "source", flow["sport"]) or not _port_in(r, "destination", flow["dport"]):
            continue
        return r
    return None


def _many(r: dict[str, Any], plural: str, single: str) -> list[str]:
    got = r.get(plural)
    if isinstance(got, list) and got:
        return [str(x) for x in got]
    one = r.get(single)
    return [str(one)] if one else []


def _addr_in(r: dict[str, Any], side: str, ip: str) -> bool:
    prefixes = _many(r, f"{side}AddressPrefixes", f"{side}AddressPrefix") or ["*"]
    expanded = [str(x) for x in r.get(f"expanded{side[0].upper()}{side[1:]}AddressPrefix") or []]
    addr = ipaddress.ip_address(ip)
    for p in (*prefixes, *expanded):
        if p in ("*", "0.0.0.0/0"):
            return True
        try:
            if addr in ipaddress.ip_network(p, strict=False):
                return True
        except ValueError:
            continue  # a service tag: its expansion is what counts
    return False


def _port_in(r: dict[str, Any], side: str, port: str) -> bool:
    ranges = _many(r, f"{side}PortRanges", f"{side}PortRange") or ["*"]
    if port == "*":
        return any(x in ("*", "0-65535") for x in ranges)
    n = int(port)
    for x in ranges:
        if x == "*":
            return True
        lo, _, hi = x.partition("-")
        if lo.isdigit() and int(lo) <= n <= int(hi or lo):
            return True
    return False


# --- VPN troubleshoot ------------------------------------------------------------------------------
def _troubleshoot(router: Router, rp: ids.Parsed, watcher: dict[str, Any], body: dict[str, Any]) -> Answer:
    estate = router.estate
    target = _required(body, "targetResourceId")
    raw_props = body.get("properties")
    props: dict[str, Any] = raw_props if isinstance(raw_props, dict) else {}
    storage_id = _required(props, "storageId")
    _required(props, "storagePath")
    tp = ids.parse(target)
    if tp is None or tp.type_key not in (GATEWAY, CONNECTION):
        raise ArmError(
            400,
            "InvalidTargetResourceType",
            "Troubleshooting is supported for virtual network gateways and connections only.",
        )
    doc = estate.view(ids.key(target))
    if doc is None:
        from sandbox.arm.state import not_found

        raise not_found(tp, estate)
    if estate.view(ids.key(storage_id)) is None or (ids.parse(storage_id) or tp).type_key != STORAGE:
        raise ArmError(400, "StorageAccountNotFound", f"The storage account '{storage_id}' was not found.")
    # Network Watcher writes the logs with the caller's rights on the account (listKeys among
    # them: https://learn.microsoft.com/azure/network-watcher/required-rbac-permissions).
    router._deny("Microsoft.Storage/storageAccounts/listKeys/action", storage_id)
    sub = ids.key(f"/subscriptions/{rp.subscription}")
    with estate.lock:
        running = _RUNNING.setdefault(estate, {})
        busy = running.get(sub)
        # Azure's runs end whether or not anyone polls them: ten minutes at most here.
        if busy is not None and not busy.done and datetime.now(UTC) - busy.created < timedelta(minutes=10):
            raise ArmError(
                409,
                "AnotherOperationInProgress",
                "Another troubleshoot operation is in progress in this subscription. Only one can run at a time; "
                "try again when it has finished.",
            )
        op = estate.new_operation(
            str(watcher.get("location") or "global"), rp.namespace, router.api_version, polls_left=TROUBLESHOOT_POLLS
        )
        op.result = _result_for(estate, target, doc)
        running[sub] = op
        _LAST.setdefault(estate, {})[ids.key(target)] = op.result
    return _accepted(router, op)


def _result_for(estate: Estate, target: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The estate's result for the target, else one from its state (healthy when connected)."""
    given = estate.sections.get("troubleshoot") or {}
    for k, v in given.items():
        if ids.key(k) == ids.key(target) and isinstance(v, dict):
            found: dict[str, Any] = clone(v)
            return found
    now = datetime.now(UTC)
    start = (now - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    end = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    props = doc.get("properties") or {}
    status = str(props.get("connectionStatus") or "")
    healthy = status in ("", "Connected") and str(props.get("provisioningState", "Succeeded")) == "Succeeded"
    if healthy:
        return {
            "startTime": start,
            "endTime": end,
            "code": "Healthy",
            "results": [
                {
                    "id": "000",
                    "reasonType": "NoFault",
                    "summary": "This resource is healthy",
                    "detail": "We did not detect any problems with this resource.",
                    "recommendedActions": [],
                }
            ],
        }
    return {
        "startTime": start,
        "endTime": end,
        "code": "UnHealthy",
        "results": [
            {
                "id": "000",
                "reasonType": "PeerReachability",
                "summary": f"The connection is {status or 'not connected'}",
                "detail": "The tunnel is not established with the remote VPN device.",
                "recommendedActions": [
                    {
                        "actionText": "Check that the remote device's settings, public IP and shared key match.",
                        "actionUri": "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-troubleshoot-site-to-site-cannot-connect",
                        "actionUriText": "Troubleshoot a site-to-site connection",
                    }
                ],
            }
        ],
    }


# --- Log Analytics --------------------------------------------------------------------------------
_CLAUSE = re.compile(r"^\s*(\w+)\s*(==|=~|has|in)\s*(.+?)\s*$", re.IGNORECASE)
_AGO = re.compile(r"^\s*TimeGenerated\s*>\s*ago\(\s*(\d+)\s*([mhd])\s*\)\s*$", re.IGNORECASE)


def _workspace_id(estate: Estate, customer_id: str) -> str:
    """The ARM id of the workspace whose customerId this is ("" when the estate has none)."""
    with estate.lock:
        for doc in estate.resources.values():
            if str((doc.get("properties") or {}).get("customerId", "")).lower() == customer_id.lower():
                return str(doc.get("id", ""))
    return ""


def _bad(message: str) -> ArmError:
    return ArmError(400, "BadArgumentError", message)


def _query(estate: Estate, workspace: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise _bad("The request had some invalid properties: 'query' is required.")
    workspaces = (estate.sections.get("logs") or {}).get("workspaces") or {}
    data = next((v for k, v in workspaces.items() if k.lower() == workspace.lower()), None)
    if data is None:
        raise ArmError(404, "WorkspaceNotFoundError", f"The workspace {workspace} could not be found.")
    stages = [s.strip() for s in body["query"].split("|") if s.strip()]
    table = stages[0]
    rows = [_resolved(dict(r)) for r in data.get(table) or []]
    if table not in data:
        raise _bad(f"Failed to resolve table or column expression named '{table}'")
    since = _timespan_start(body.get("timespan"))
    if since is not None:
        rows = [r for r in rows if _when(r) >= since]
    columns: list[str] | None = None
    for stage in stages[1:]:
        verb, _, rest = stage.partition(" ")
        if verb == "where":
            rows = [r for r in rows if all(_holds(r, c) for c in re.split(r"\s+and\s+", rest))]
        elif verb == "project":
            columns = [c.strip() for c in rest.split(",") if c.strip()]
        elif verb in ("order", "sort"):
            m = re.match(r"by\s+(\w+)\s*(desc|asc)?", rest.strip())
            if m is None:
                raise _bad(f"Syntax error near '{stage}'")
            rows.sort(key=lambda r: str(r.get(m.group(1), "")), reverse=(m.group(2) or "desc") == "desc")
        elif verb in ("take", "limit") and rest.strip().isdigit():
            rows = rows[: int(rest.strip())]
        else:
            raise _bad(f"The sandbox cannot run '{verb}' (it serves where/project/order by/take).")
    names = columns or sorted({k for r in rows for k in r})
    return {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [{"name": n, "type": "datetime" if n == "TimeGenerated" else "string"} for n in names],
                "rows": [[r.get(n) for n in names] for r in rows],
            }
        ]
    }


_RELATIVE = re.compile(r"^-(\d+)([mhd])$")


def _resolved(row: dict[str, Any]) -> dict[str, Any]:
    """A row whose `TimeGenerated` is relative ("-90m": 90 minutes before the query) gets
    the time it stands for, so an estate's log rows stay "recent" whatever day it is served."""
    m = _RELATIVE.match(str(row.get("TimeGenerated") or ""))
    if m is not None:
        n, unit = int(m.group(1)), m.group(2)
        delta = {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]
        row["TimeGenerated"] = (datetime.now(UTC) - delta).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return row


def _when(row: dict[str, Any]) -> datetime:
    raw = str(row.get("TimeGenerated") or "")
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _timespan_start(timespan: Any) -> datetime | None:
    """ISO 8601 duration "PT1H" / "P1D" (what azure-monitor-query sends for a timedelta)."""
    if not isinstance(timespan, str):
        return None
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", timespan.split("/")[-1])
    if m is None:
        return None
    d, h, mi, s = (float(x) if x else 0.0 for x in m.groups())
    return datetime.now(UTC) - timedelta(days=d, hours=h, minutes=mi, seconds=s)


def _holds(row: dict[str, Any], clause: str) -> bool:
    ago = _AGO.match(clause)
    if ago:
        n, unit = int(ago.group(1)), ago.group(2).lower()
        delta = {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]
        return _when(row) >= datetime.now(UTC) - delta
    m = _CLAUSE.match(clause)
    if m is None:
        raise _bad(f"Syntax error near '{clause}'")
    column, op, raw = m.group(1), m.group(2).lower(), m.group(3)
    value = str(row.get(column, ""))
    if op == "in":
        wanted = [x.strip().strip("\"'") for x in raw.strip("() ").split(",")]
        return value in wanted
    literal = raw.strip().strip("\"'")
    if op == "==":
        return value == literal
    if op == "=~":
        return value.lower() == literal.lower()
    return literal.lower() in value.lower()
