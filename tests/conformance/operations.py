"""Every ARM operation the bot calls: its request, Azure's definition of it (or why there is
none here), and the SDK model its answer is read into.

`OPERATIONS` is the closing table of issue 18: a request the bot sends that no row matches
fails tests/conformance/test_bot_requests.py, so a new call cannot go unchecked; a row whose
definition file now covers an operation marked uncovered fails too (move it).

Definitions: `../shared/fixtures/real/specs/specification/…` (specs/INDEX.md). The SDKs send
newer api-versions than the newest definitions present (azure-mgmt-network 33: 2026-03-01,
definitions 2025-03-01); the tests validate against the definition and list each field the
emulator serves that only the newer SDK knows (see test_emulator_responses.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

NET_FILE = "network/resource-manager/Microsoft.Network/stable/2025-03-01/"
GATEWAY_FILE = NET_FILE + "virtualNetworkGateway.json"
VNET_FILE = NET_FILE + "virtualNetwork.json"
COMMON_FILE = NET_FILE + "common.json"
WATCHER_FILE = NET_FILE + "networkWatcher.json"
DNS_FILE = "privatedns/resource-manager/Microsoft.Network/stable/2024-06-01/privatedns.json"
RESOURCES_FILE = "resources/resource-manager/Microsoft.Resources/stable/2025-04-01/resources.json"

NET = "azure.mgmt.network.models"
PDNS = "azure.mgmt.privatedns.models"
RES = "azure.mgmt.resource.resources.models"
LOGS = "azure.monitor.query.models"
SUBS = "azure.mgmt.resource.subscriptions.models"
DNSR = "azure.mgmt.dnsresolver.models"
MQ = "azure.monitor.querymetrics.models._models"  # the batch metrics API's generated models

# The api-version each SDK (or the bot's raw read with it) sends: bot/arm/raw.py and
# bot/arm/resources.py pin the same values, checked against the SDK by
# tests/integration/bot/arm/test_raw.py.
SENT = {
    NET: "2026-03-01",  # azure-mgmt-network 33.1
    PDNS: "2024-06-01",  # azure-mgmt-privatedns 2.0
    RES: "2025-04-01",  # azure-mgmt-resource 26 (generic resources list)
    SUBS: "2022-12-01",  # azure-mgmt-resource-subscriptions 1.0
    DNSR: "2025-05-01",  # azure-mgmt-dnsresolver 1.1
    MQ: "2024-02-01",  # azure-monitor-querymetrics 1.0 (MetricsClient)
    "Microsoft.Sql": "2021-11-01",  # bot/arm/resources.py SQL_API_VERSION, read as generic resources
    "azure.mgmt.resourcegraph.models": "2021-03-01",  # azure-mgmt-resourcegraph 8 (issue 22)
    "azure.mgmt.monitor.models": "2015-04-01",  # azure-mgmt-monitor 7, the Activity Log
    "azure.mgmt.resourcehealth.models": "2025-05-01",  # azure-mgmt-resourcehealth 1
    # bot/arm/diagnostics.py: diagnostic settings and a workspace, read as ARM JSON.
    "Microsoft.Insights": "2021-05-01-preview",
    "Microsoft.OperationalInsights": "2023-09-01",
    # azure-monitor-query 2's LogsQueryClient: the Log Analytics query API takes no api-version.
    LOGS: None,  # type: ignore[dict-item]
}

RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
RG_NET = RG + "/providers/Microsoft.Network"
SUB_NET = "/subscriptions/{subscriptionId}/providers/Microsoft.Network"


@dataclass(frozen=True)
class BotOperation:
    """One operation the bot calls."""

    label: str  # the port method(s) that call it
    method: str
    template: str  # the request path, `{x}` = one segment
    sdk: str  # "module:Model" the answer is read into
    page: bool  # a list: {"value": [Model], "nextLink"}
    sent: str  # the SENT key: which api-version goes out
    operation_id: str = ""  # the definition's operationId ("" when none is present here)
    spec_file: str = ""  # relative to specs/specification
    uncovered: str = ""  # why no definition is present (when operation_id is "")
    generic: bool = False  # a generic resources operation (any provider's api-version)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        parts = [re.escape(s) if not s.startswith("{") else "[^/]+" for s in self.template.strip("/").split("/")]
        return re.compile("/" + "/".join(parts), re.IGNORECASE)

    def matches(self, method: str, path: str) -> bool:
        return method.upper() == self.method and self.regex.fullmatch(path.rstrip("/")) is not None

    @property
    def api_version(self) -> str:
        return SENT[self.sent]


def _op(label: str, method: str, template: str, sdk: str, page: bool, op_id: str, spec_file: str) -> BotOperation:
    return BotOperation(label, method, template, sdk, page, sdk.split(":")[0], op_id, spec_file)


OPERATIONS: tuple[BotOperation, ...] = (
    BotOperation(
        "subscriptions()",
        "GET",
        "/subscriptions",
        f"{SUBS}:Subscription",
        True,
        SUBS,
        uncovered="Subscriptions_List: subscriptions.json (Microsoft.Resources subscriptions) is not in specs/",
    ),
    _op(
        "resources(), sql_servers(), the gateway/connection/LNG group lists",
        "GET",
        "/subscriptions/{subscriptionId}/resources",
        f"{RES}:GenericResourceExpanded",
        True,
        "Resources_List",
        RESOURCES_FILE,
    ),
    BotOperation(
        "sql_servers(): the server",
        "GET",
        RG + "/providers/Microsoft.Sql/servers/{serverName}",
        f"{RES}:GenericResource",
        False,
        "Microsoft.Sql",
        "Resources_GetById",
        RESOURCES_FILE,
        uncovered="its properties: Microsoft.Sql (Servers_Get) is not in specs/; the generic definition leaves them free-form",
        generic=True,
    ),
    BotOperation(
        "sql_servers(): the connection policy",
        "GET",
        RG + "/providers/Microsoft.Sql/servers/{serverName}/connectionPolicies/{policy}",
        f"{RES}:GenericResource",
        False,
        "Microsoft.Sql",
        "Resources_GetById",
        RESOURCES_FILE,
        uncovered="its properties: Microsoft.Sql (ServerConnectionPolicies_Get) is not in specs/",
        generic=True,
    ),
    BotOperation(
        "connectivity_configurations(): Virtual Network Manager's configurations in effect on a VNet",
        "POST",
        RG_NET + "/virtualNetworks/{name}/listNetworkManagerEffectiveConnectivityConfigurations",
        f"{NET}:NetworkManagerEffectiveConnectivityConfigurationListResult",
        False,
        NET,
        uncovered=(
            "ListNetworkManagerEffectiveConnectivityConfigurations: networkManagerEffectiveConfiguration.json "
            "(Microsoft.Network network manager) is not in specs/"
        ),
    ),
    _op(
        "gateways()",
        "GET",
        RG_NET + "/virtualNetworkGateways",
        f"{NET}:VirtualNetworkGateway",
        True,
        "VirtualNetworkGateways_List",
        GATEWAY_FILE,
    ),
    _op(
        "gateway()",
        "GET",
        RG_NET + "/virtualNetworkGateways/{name}",
        f"{NET}:VirtualNetworkGateway",
        False,
        "VirtualNetworkGateways_Get",
        GATEWAY_FILE,
    ),
    _op(
        "gateway_connections()",
        "GET",
        RG_NET + "/virtualNetworkGateways/{name}/connections",
        f"{NET}:VirtualNetworkGatewayConnectionListEntity",
        True,
        "VirtualNetworkGateways_ListConnections",
        GATEWAY_FILE,
    ),
    # Connections are also in common.json (TypeSpec form), whose connection properties are a
    # $ref into networkGateway.json, absent here: virtualNetworkGateway.json defines them.
    _op(
        "connections()",
        "GET",
        RG_NET + "/connections",
        f"{NET}:VirtualNetworkGatewayConnection",
        True,
        "VirtualNetworkGatewayConnections_List",
        GATEWAY_FILE,
    ),
    _op(
        "connection()",
        "GET",
        RG_NET + "/connections/{name}",
        f"{NET}:VirtualNetworkGatewayConnection",
        False,
        "VirtualNetworkGatewayConnections_Get",
        GATEWAY_FILE,
    ),
    _op(
        "shared_key_digest()",
        "GET",
        RG_NET + "/connections/{name}/sharedkey",
        f"{NET}:ConnectionSharedKey",
        False,
        "VirtualNetworkGatewayConnections_GetSharedKey",
        GATEWAY_FILE,
    ),
    _op(
        "bgp_peer_status()",
        "POST",
        RG_NET + "/virtualNetworkGateways/{name}/getBgpPeerStatus",
        f"{NET}:BgpPeerStatusListResult",
        False,
        "VirtualNetworkGateways_GetBgpPeerStatus",
        GATEWAY_FILE,
    ),
    _op(
        "learned_routes()",
        "POST",
        RG_NET + "/virtualNetworkGateways/{name}/getLearnedRoutes",
        f"{NET}:GatewayRouteListResult",
        False,
        "VirtualNetworkGateways_GetLearnedRoutes",
        GATEWAY_FILE,
    ),
    _op(
        "advertised_routes()",
        "POST",
        RG_NET + "/virtualNetworkGateways/{name}/getAdvertisedRoutes",
        f"{NET}:GatewayRouteListResult",
        False,
        "VirtualNetworkGateways_GetAdvertisedRoutes",
        GATEWAY_FILE,
    ),
    _op(
        "vpn_client_health()",
        "POST",
        RG_NET + "/virtualNetworkGateways/{name}/getVpnClientConnectionHealth",
        f"{NET}:VpnClientConnectionHealthDetailListResult",
        False,
        "VirtualNetworkGateways_GetVpnclientConnectionHealth",
        GATEWAY_FILE,
    ),
    BotOperation(
        "ike_sas(): a connection's live IKE SAs (200 = string; the LRO's result is read by the poller)",
        "POST",
        RG_NET + "/connections/{name}/getikesas",
        "builtins:str",
        False,
        NET,
        "VirtualNetworkGatewayConnections_GetIkeSas",
        GATEWAY_FILE,
    ),
    _op(
        "nat_rules(): a gateway's NAT rules (read raw: the published example is a bare array)",
        "GET",
        RG_NET + "/virtualNetworkGateways/{name}/natRules",
        f"{NET}:VirtualNetworkGatewayNatRule",
        True,
        "VirtualNetworkGatewayNatRules_ListByVirtualNetworkGateway",
        GATEWAY_FILE,
    ),
    _op(
        "local_network_gateways()",
        "GET",
        RG_NET + "/localNetworkGateways",
        f"{NET}:LocalNetworkGateway",
        True,
        "LocalNetworkGateways_List",
        GATEWAY_FILE,
    ),
    _op(
        "virtual_networks()",
        "GET",
        SUB_NET + "/virtualNetworks",
        f"{NET}:VirtualNetwork",
        True,
        "VirtualNetworks_ListAll",
        VNET_FILE,
    ),
    _op(
        "virtual_network()",
        "GET",
        RG_NET + "/virtualNetworks/{name}",
        f"{NET}:VirtualNetwork",
        False,
        "VirtualNetworks_Get",
        VNET_FILE,
    ),
    _op(
        "peering(), update_peering() (the read before the write)",
        "GET",
        RG_NET + "/virtualNetworks/{name}/virtualNetworkPeerings/{peering}",
        f"{NET}:VirtualNetworkPeering",
        False,
        "VirtualNetworkPeerings_Get",
        COMMON_FILE,
    ),
    _op(
        "update_peering(), sync_peering() (?syncRemoteAddressSpace=true)",
        "PUT",
        RG_NET + "/virtualNetworks/{name}/virtualNetworkPeerings/{peering}",
        f"{NET}:VirtualNetworkPeering",
        False,
        "VirtualNetworkPeerings_CreateOrUpdate",
        COMMON_FILE,
    ),
    _op(
        "network_interfaces()",
        "GET",
        SUB_NET + "/networkInterfaces",
        f"{NET}:NetworkInterface",
        True,
        "NetworkInterfaces_ListAll",
        VNET_FILE,
    ),
    _op(
        "route_tables()",
        "GET",
        SUB_NET + "/routeTables",
        f"{NET}:RouteTable",
        True,
        "RouteTables_ListAll",
        VNET_FILE,
    ),
    _op(
        "network_interface(), a private endpoint's NIC",
        "GET",
        RG_NET + "/networkInterfaces/{name}",
        f"{NET}:NetworkInterface",
        False,
        "NetworkInterfaces_Get",
        VNET_FILE,
    ),
    _op(
        "effective_routes()",
        "POST",
        RG_NET + "/networkInterfaces/{name}/effectiveRouteTable",
        f"{NET}:EffectiveRouteListResult",
        False,
        "NetworkInterfaces_GetEffectiveRouteTable",
        VNET_FILE,
    ),
    _op(
        "private_endpoints()",
        "GET",
        SUB_NET + "/privateEndpoints",
        f"{NET}:PrivateEndpoint",
        True,
        "PrivateEndpoints_ListBySubscription",
        VNET_FILE,
    ),
    _op(
        "dns_zone_groups()",
        "GET",
        RG_NET + "/privateEndpoints/{name}/privateDnsZoneGroups",
        f"{NET}:PrivateDnsZoneGroup",
        True,
        "PrivateDnsZoneGroups_List",
        VNET_FILE,
    ),
    _op(
        "private_dns_zones(): the zones",
        "GET",
        SUB_NET + "/privateDnsZones",
        f"{PDNS}:PrivateZone",
        True,
        "PrivateZones_List",
        DNS_FILE,
    ),
    _op(
        "private_dns_zones(): each zone's A records",
        "GET",
        RG_NET + "/privateDnsZones/{zone}/A",
        f"{PDNS}:RecordSet",
        True,
        "RecordSets_ListByType",
        DNS_FILE,
    ),
    _op(
        "private_dns_zones(): each zone's virtual network links",
        "GET",
        RG_NET + "/privateDnsZones/{zone}/virtualNetworkLinks",
        f"{PDNS}:VirtualNetworkLink",
        True,
        "VirtualNetworkLinks_List",
        DNS_FILE,
    ),
    # --- Network Watcher, effective security rules, diagnostic logs (issue 19) ----------------
    _op(
        "network_watchers()",
        "GET",
        SUB_NET + "/networkWatchers",
        f"{NET}:NetworkWatcher",
        True,
        "NetworkWatchers_ListAll",
        WATCHER_FILE,
    ),
    _op(
        "next_hop()",
        "POST",
        RG_NET + "/networkWatchers/{name}/nextHop",
        f"{NET}:NextHopResult",
        False,
        "NetworkWatchers_GetNextHop",
        WATCHER_FILE,
    ),
    _op(
        "verify_ip_flow()",
        "POST",
        RG_NET + "/networkWatchers/{name}/ipFlowVerify",
        f"{NET}:VerificationIPFlowResult",
        False,
        "NetworkWatchers_VerifyIPFlow",
        WATCHER_FILE,
    ),
    _op(
        "start_troubleshoot(), poll_troubleshoot()",
        "POST",
        RG_NET + "/networkWatchers/{name}/troubleshoot",
        f"{NET}:TroubleshootingResult",
        False,
        "NetworkWatchers_GetTroubleshooting",
        WATCHER_FILE,
    ),
    _op(
        "effective_nsgs()",
        "POST",
        RG_NET + "/networkInterfaces/{name}/effectiveNetworkSecurityGroups",
        f"{NET}:EffectiveNetworkSecurityGroupListResult",
        False,
        "NetworkInterfaces_ListEffectiveNetworkSecurityGroups",
        VNET_FILE,
    ),
    _op(
        "public_ip_address()",
        "GET",
        RG_NET + "/publicIPAddresses/{name}",
        f"{NET}:PublicIPAddress",
        False,
        "PublicIPAddresses_Get",
        VNET_FILE,
    ),
    BotOperation(
        "diagnostic_settings(): a gateway's",
        "GET",
        RG_NET + "/virtualNetworkGateways/{name}/providers/Microsoft.Insights/diagnosticSettings",
        f"{RES}:GenericResource",
        True,
        "Microsoft.Insights",
        uncovered="DiagnosticSettings_List: diagnosticsSettings_API.json (Microsoft.Insights) is not in specs/",
    ),
    BotOperation(
        "workspace_customer_id()",
        "GET",
        RG + "/providers/Microsoft.OperationalInsights/workspaces/{name}",
        f"{RES}:GenericResource",
        False,
        "Microsoft.OperationalInsights",
        "Resources_GetById",
        RESOURCES_FILE,
        uncovered="its properties: Workspaces_Get (Microsoft.OperationalInsights) is not in specs/",
        generic=True,
    ),
    BotOperation(
        "query_logs(): Log Analytics query API (azure-monitor-query LogsQueryClient)",
        "POST",
        "/v1/workspaces/{workspaceId}/query",
        f"{LOGS}._models:QueryResults",
        False,
        LOGS,
        uncovered="Query_Execute: the Log Analytics data-plane definition (OperationalInsights.json) is not in specs/",
    ),
    BotOperation(
        "dns_resolvers()",
        "GET",
        SUB_NET + "/dnsResolvers",
        f"{DNSR}:DnsResolver",
        True,
        DNSR,
        uncovered="DnsResolvers_List: dnsresolver.json is not in specs/",
    ),
    BotOperation(
        "dns_resolvers(): each resolver's inbound endpoints",
        "GET",
        RG_NET + "/dnsResolvers/{name}/inboundEndpoints",
        f"{DNSR}:InboundEndpoint",
        True,
        DNSR,
        uncovered="InboundEndpoints_List: dnsresolver.json is not in specs/",
    ),
    BotOperation(
        "metrics_batch(): Azure Monitor's batch metrics API ({region}.metrics.monitor.azure.com; the sandbox "
        "serves it under /metrics/{region})",
        "POST",
        "/metrics/{region}/subscriptions/{subscriptionId}/metrics:getBatch",
        f"{MQ}:MetricResultsResponse",
        False,
        MQ,
        uncovered="MetricsBatch_Batch (the metrics data plane) is not in specs/: metrics_API.json is the per-resource "
        "ARM API; the batch shape is from Microsoft's 'Migrate from the metrics API to the getBatch API' "
        "(tests/conformance/test_metrics_batch.py checks its Metric items against metrics_API.json)",
    ),
    # Issue 22: what changed, and is it Azure. No definition of these is in specs/: the shapes
    # were built from Microsoft's documentation (tests/integration/bot/arm/test_changes.py).
    BotOperation(
        "resource_changes()",
        "POST",
        "/providers/Microsoft.ResourceGraph/resources",
        "azure.mgmt.resourcegraph.models:QueryResponse",
        False,
        "azure.mgmt.resourcegraph.models",
        uncovered="Resources (Microsoft.ResourceGraph): resourcegraph.json is not in specs/",
    ),
    BotOperation(
        "activity_log()",
        "GET",
        "/subscriptions/{subscriptionId}/providers/Microsoft.Insights/eventtypes/management/values",
        "azure.mgmt.monitor.models:EventData",
        True,
        "azure.mgmt.monitor.models",
        uncovered="ActivityLogs_List: activityLogs_API.json (Microsoft.Insights) is not in specs/",
    ),
    BotOperation(
        "resource_health()",
        "GET",
        "/subscriptions/{subscriptionId}/providers/Microsoft.ResourceHealth/availabilityStatuses",
        "azure.mgmt.resourcehealth.models:AvailabilityStatus",
        True,
        "azure.mgmt.resourcehealth.models",
        uncovered="AvailabilityStatuses_ListBySubscriptionId: ResourceHealth.json is not in specs/",
    ),
    BotOperation(
        "resource_health_history()",
        "GET",
        RG_NET + "/virtualNetworkGateways/{name}/providers/Microsoft.ResourceHealth/availabilityStatuses",
        "azure.mgmt.resourcehealth.models:AvailabilityStatus",
        True,
        "azure.mgmt.resourcehealth.models",
        uncovered="AvailabilityStatuses_List: ResourceHealth.json is not in specs/",
    ),
    # The actions under approval (commands/actions, bot/arm/actions.py).
    _op(
        "reset_gateway()",
        "POST",
        RG_NET + "/virtualNetworkGateways/{name}/reset",
        f"{NET}:VirtualNetworkGateway",
        False,
        "VirtualNetworkGateways_Reset",
        GATEWAY_FILE,
    ),
    _op(
        "reset_connection()",
        "POST",
        RG_NET + "/connections/{name}/resetconnection",
        f"{NET}:VirtualNetworkGatewayConnection",
        False,
        "VirtualNetworkGatewayConnections_ResetConnection",
        GATEWAY_FILE,
    ),
    _op(
        "set_connection_bgp()",
        "PUT",
        RG_NET + "/connections/{name}",
        f"{NET}:VirtualNetworkGatewayConnection",
        False,
        "VirtualNetworkGatewayConnections_CreateOrUpdate",
        GATEWAY_FILE,
    ),
    _op(
        "copy_shared_key()",
        "PUT",
        RG_NET + "/connections/{name}/sharedkey",
        f"{NET}:ConnectionSharedKey",
        False,
        "VirtualNetworkGatewayConnections_SetSharedKey",
        GATEWAY_FILE,
    ),
    _op(
        "start_packet_capture(): a gateway",
        "POST",
        RG_NET + "/virtualNetworkGateways/{name}/startPacketCapture",
        f"{NET}:VpnPacketCaptureStartParameters",
        False,
        "VirtualNetworkGateways_StartPacketCapture",
        GATEWAY_FILE,
    ),
    _op(
        "stop_packet_capture(): a gateway",
        "POST",
        RG_NET + "/virtualNetworkGateways/{name}/stopPacketCapture",
        f"{NET}:VpnPacketCaptureStopParameters",
        False,
        "VirtualNetworkGateways_StopPacketCapture",
        GATEWAY_FILE,
    ),
    _op(
        "start_packet_capture(): a connection",
        "POST",
        RG_NET + "/connections/{name}/startPacketCapture",
        f"{NET}:VpnPacketCaptureStartParameters",
        False,
        "VirtualNetworkGatewayConnections_StartPacketCapture",
        GATEWAY_FILE,
    ),
    _op(
        "stop_packet_capture(): a connection",
        "POST",
        RG_NET + "/connections/{name}/stopPacketCapture",
        f"{NET}:VpnPacketCaptureStopParameters",
        False,
        "VirtualNetworkGatewayConnections_StopPacketCapture",
        GATEWAY_FILE,
    ),
)

# Polling a long-running operation (any of the POST actions and the peering PUT): not an
# operation of any definition. ARM's status body is common-types' OperationStatusResult;
# the result URL answers with the operation's final schema (its 200 response).
POLL = re.compile(r"/subscriptions/[^/]+/providers/[^/]+/locations/[^/]+/(operations|operationResults)/[^/]+", re.I)
STATUS_DEFINITION = "common-types/resource-management/v5/types.json#/definitions/OperationStatusResult"


def bot_operation(method: str, path: str) -> BotOperation | None:
    found = [o for o in OPERATIONS if o.matches(method, path)]
    return found[0] if len(found) == 1 else None
