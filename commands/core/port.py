"""The ports through which the domain sees the outside world.

`AzurePort` — everything the commands read from or write to Azure. Implemented by
`bot.arm.client.ArmClient` (real SDK, real Azure or the sandbox emulator over HTTP) and,
in domain unit tests, by a small in-memory fake. Methods are synchronous and thread-safe;
the domain fans out with `commands.core.fanout.gather`. Every method raises
`commands.core.errors.AzureFailure` on failure and returns plain dataclasses from
`commands.core.model`.

`Messenger` — how a command talks back to Slack without knowing Slack; it raises
`MessengerError` when Slack refuses a message.

`Log` — where a use case that runs without a user (the watch, an alert delivery) reports
what went wrong on the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from commands.core.metrics import MetricSeries, MetricsQuery
from commands.core.model import (
    ActivityLog,
    BgpPeer,
    Connection,
    ConnectivityConfiguration,
    DnsResolver,
    DnsZoneGroup,
    EffectiveRoute,
    Gateway,
    GatewayRoute,
    GenericResource,
    HealthStatus,
    IkeSa,
    LocalNetworkGateway,
    NatRule,
    NetworkInterface,
    P2SClient,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    ResourceChange,
    RouteTable,
    SqlServer,
    Subscription,
    VirtualNetwork,
)
from commands.core.netwatch import (
    DiagnosticSetting,
    EffectiveNsg,
    IpFlowVerdict,
    LogTable,
    NetworkWatcher,
    NextHop,
    TroubleshootPoll,
)
from commands.core.reply import Inline, Reply


class AzurePort(Protocol):
    # --- scope -------------------------------------------------------------------------
    def subscriptions(self) -> list[Subscription]:
        """The subscriptions the bot is configured for (AZURE_SUBSCRIPTION_IDS) or can see."""
        ...

    # --- gateways and connections --------------------------------------------------------
    def gateways(self, subscription_id: str) -> list[Gateway]:
        """Every virtual network gateway in the subscription (all resource groups)."""
        ...

    def gateway(self, gateway_id: str) -> Gateway: ...

    def gateway_connections(self, gateway_id: str) -> list[Connection]:
        """The connections of one gateway (the list call: `status` is usually "Unknown")."""
        ...

    def connections(self, subscription_id: str) -> list[Connection]:
        """Every connection in the subscription (list shape: status usually "Unknown")."""
        ...

    def connection(self, connection_id: str) -> Connection:
        """GET one connection: the only call that fills in connectionStatus and tunnels."""
        ...

    def shared_key_digest(self, connection_id: str) -> str:
        """A keyed digest (HMAC-SHA256 with the deployment's secret) of the connection's
        shared key: never the key, never a bare hash of it (which could be tested against
        guesses offline). Compare two with `hmac.compare_digest`.

        Two connections' keys are equal iff their digests are. Raises AzureFailure
        kind="forbidden" when the identity lacks connections/sharedKey/read.
        """
        ...

    def bgp_peer_status(self, gateway_id: str) -> list[BgpPeer]:
        """Long-running `getBgpPeerStatus`."""
        ...

    def learned_routes(self, gateway_id: str) -> list[GatewayRoute]:
        """Long-running `getLearnedRoutes`."""
        ...

    def advertised_routes(self, gateway_id: str, peer: str) -> list[GatewayRoute]:
        """Long-running `getAdvertisedRoutes?peer=<peer IP>`."""
        ...

    def vpn_client_health(self, gateway_id: str) -> list[P2SClient]:
        """Long-running `getVpnclientConnectionHealth`."""
        ...

    def local_network_gateways(self, subscription_id: str) -> list[LocalNetworkGateway]: ...

    def ike_sas(self, connection_id: str) -> list[IkeSa]:
        """Long-running `getikesas`: the connection's live IKE (phase 1) SAs with their
        IPsec (phase 2) SAs; [] when none is up."""
        ...

    def nat_rules(self, gateway_id: str) -> list[NatRule]:
        """The gateway's NAT rules (`natRules` list; its published example is a bare array)."""
        ...

    # --- virtual networks ----------------------------------------------------------------
    def virtual_networks(self, subscription_id: str) -> list[VirtualNetwork]:
        """Every VNet in the subscription, with subnets and peerings as the list returns them."""
        ...

    def virtual_network(self, vnet_id: str) -> VirtualNetwork: ...

    def route_tables(self, subscription_id: str) -> list[RouteTable]:
        """Every route table in the subscription, with its routes and gateway route propagation."""
        ...

    def peering(self, peering_id: str) -> Peering:
        """GET one peering (fresh etag and state)."""
        ...

    def update_peering(self, peering_id: str, flags: dict[str, bool], etag: str) -> Peering:
        """PUT the peering as it was at `etag` with only `flags` (ARM names) changed, with
        `If-Match: etag`: Azure refuses it (AzureFailure kind "conflict", code
        "PreconditionFailed") when anyone changed the peering since, so nothing else is ever
        overwritten. Waits for the LRO; returns the peering as the PUT's final result. The
        caller re-reads to verify, and after any failure to learn what Azure holds."""
        ...

    def connectivity_configurations(self, vnet_id: str) -> list[ConnectivityConfiguration]:
        """The Azure Virtual Network Manager connectivity configurations in effect on the VNet
        (`listNetworkManagerEffectiveConnectivityConfigurations`; [] when none)."""
        ...

    # --- actions under approval (commands/actions) -------------------------------------------
    def reset_gateway(self, gateway_id: str, gateway_vip: str = "") -> None:
        """POST `reset` (`?gatewayVip=` one instance of an active-active gateway); waits for
        the LRO. Not idempotent: the caller never sends it twice for one request."""
        ...

    def reset_connection(self, connection_id: str) -> None:
        """POST `resetconnection`; waits for the LRO."""
        ...

    def set_connection_bgp(self, connection_id: str, enable: bool, etag: str) -> Connection:
        """PUT the connection as it is at `etag` with `enableBgp` = enable, `If-Match: etag`,
        carrying its current shared key (read in the adapter, never returned); waits for the
        LRO. AzureFailure code "PreconditionFailed" when the connection changed since."""
        ...

    def sync_peering(self, peering_id: str, etag: str) -> Peering:
        """PUT the peering as it is at `etag` with `?syncRemoteAddressSpace=true`, `If-Match`."""
        ...

    def copy_shared_key(self, source_connection_id: str, target_connection_id: str) -> None:
        """GetSharedKey of the source → SetSharedKey of the target. The key stays inside the
        adapter: nothing of it is returned, logged or raised."""
        ...

    def start_packet_capture(self, resource_id: str, filter_data: str = "") -> None:
        """StartPacketCapture on a gateway or a connection (`filterData` JSON, "" = none);
        waits for the LRO."""
        ...

    def stop_packet_capture(self, resource_id: str, sas_url: str) -> None:
        """StopPacketCapture: Azure writes the capture to `sas_url` (a container SAS URL)."""
        ...

    # --- NICs and routes -----------------------------------------------------------------
    def network_interfaces(self, subscription_id: str) -> list[NetworkInterface]: ...

    def network_interface(self, nic_id: str) -> NetworkInterface: ...

    def effective_routes(self, nic_id: str) -> list[EffectiveRoute]:
        """Long-running `effectiveRouteTable` of a NIC (the VM must be running)."""
        ...

    # --- private endpoints and DNS ---------------------------------------------------------
    def private_endpoints(self, subscription_id: str) -> list[PrivateEndpoint]:
        """Every private endpoint, with its DNS zone groups filled in."""
        ...

    def dns_zone_groups(self, private_endpoint_id: str) -> list[DnsZoneGroup]: ...

    def private_dns_zones(self, subscription_id: str) -> list[PrivateDnsZone]:
        """Every private DNS zone, with its A record sets and virtual network links."""
        ...

    def dns_resolvers(self, subscription_id: str) -> list[DnsResolver]:
        """Every DNS Private Resolver, with its inbound endpoints' IPs."""
        ...

    def sql_servers(self, subscription_id: str) -> list[SqlServer]:
        """Every Microsoft.Sql/servers (generic resources API), with connection policy."""
        ...

    def resources(self, subscription_id: str, resource_type: str) -> list[GenericResource]:
        """Generic resources of one type (`$filter=resourceType eq '…'`)."""
        ...

    # --- Azure Monitor metrics ------------------------------------------------------------
    def metrics_batch(self, query: MetricsQuery) -> list[MetricSeries]:
        """One `metrics:getBatch` call on the query's regional endpoint (Azure Monitor's data
        plane, not ARM): every series of every resource and metric asked for. A resource or
        metric without data has no series or points of None — never zeros. Raises
        AzureFailure for the whole batch (401/403: Monitoring Reader on the subscription)."""
        ...

    # --- changes and platform health (issue 22) -----------------------------------------
    def resource_changes(self, subscription_ids: Sequence[str], since: datetime) -> list[ResourceChange]:
        """Resource Graph's `resourcechanges` since `since` (Azure keeps 14 days) for the VPN
        resource types, across these subscriptions: ONE query (paged), never one per resource."""
        ...

    def activity_log(self, subscription_id: str, since: datetime) -> ActivityLog:
        """The subscription's Activity Log since `since` (Azure keeps 90 days): its write
        operations on resources and its Service Health events, in ONE list call (paged)."""
        ...

    def resource_health(self, subscription_id: str) -> list[HealthStatus]:
        """Resource Health's current availability status of every resource of the
        subscription that reports one (one list call)."""
        ...

    def resource_health_history(self, resource_id: str) -> list[HealthStatus]:
        """Resource Health's availability statuses of one resource, newest first (Azure's
        recent history of it)."""

    # --- Network Watcher (commands.path, commands.troubleshoot) ---------------------------
    def network_watchers(self, subscription_id: str) -> list[NetworkWatcher]:
        """Every Network Watcher of the subscription (NetworkWatchers_ListAll): one per region
        where Network Watcher is enabled."""
        ...

    def next_hop(self, watcher_id: str, vm_id: str, nic_id: str, source_ip: str, destination_ip: str) -> NextHop:
        """Long-running `nextHop` of the watcher for a VM's NIC (NetworkWatchers_GetNextHop)."""
        ...

    def verify_ip_flow(
        self,
        watcher_id: str,
        vm_id: str,
        nic_id: str,
        *,
        direction: str,
        protocol: str,
        local_ip: str,
        local_port: str,
        remote_ip: str,
        remote_port: str,
    ) -> IpFlowVerdict:
        """Long-running `ipFlowVerify` (NetworkWatchers_VerifyIPFlow): the NSG verdict and rule."""
        ...

    def effective_nsgs(self, nic_id: str) -> list[EffectiveNsg]:
        """Long-running `effectiveNetworkSecurityGroups` of a NIC (the VM must be running)."""
        ...

    def start_troubleshoot(
        self, watcher_id: str, target_id: str, storage_id: str, storage_path: str
    ) -> TroubleshootPoll:
        """POST `troubleshoot` (NetworkWatchers_GetTroubleshooting) for a gateway or connection,
        without waiting: Azure's answer (done, or the URL to poll). Raises AzureFailure
        kind "conflict" when another troubleshoot runs in the subscription."""
        ...

    def poll_troubleshoot(self, poll_url: str, wait_s: float = 0.0) -> TroubleshootPoll:
        """Read a troubleshoot's operation URL (from `start_troubleshoot`, possibly stored by an
        earlier process) until it is done or `wait_s` has passed; never longer."""
        ...

    # --- diagnostic logs (commands.logs) ----------------------------------------------------
    def diagnostic_settings(self, resource_id: str) -> list[DiagnosticSetting]:
        """The diagnostic settings of a resource (Microsoft.Insights/diagnosticSettings)."""
        ...

    def workspace_customer_id(self, workspace_id: str) -> str:
        """The `customerId` (query GUID) of a Log Analytics workspace given by ARM id."""
        ...

    def query_logs(self, workspace_customer_id: str, query: str, hours: float) -> LogTable:
        """Run a KQL query over the last `hours` in a Log Analytics workspace (first table)."""
        ...

    def public_ip_address(self, public_ip_id: str) -> str:
        """The address of a public IP resource ("" while none is allocated)."""
        ...


class MessengerError(Exception):
    """The chat service refused a message. `code` is its reason (Slack's `error`:
    "not_in_channel", "channel_not_found", "ratelimited" …)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Messenger(Protocol):
    """How a running command answers. Implemented by bot/slack (Slack Web API and
    response_url) and by the console. `ref` values are opaque message references
    (channel + ts in Slack)."""

    def respond(self, reply: Reply) -> None:
        """Answer the user who asked (response_url: replaces the "working on it" message
        the first time, then adds messages; falls back to chat.postMessage when spent)."""
        ...

    def revise(self, reply: Reply, final: bool = True) -> None:
        """Replace the answer `respond` gave (a `live` one) with a newer version of it: the
        same message updated in place; the final version's thread is posted under it. Where
        that message cannot be changed, the final version is posted as a new answer and
        the ones before it are not."""
        ...

    def progress(self, text: Inline) -> None:
        """Update the "working on it" message with progress ("checked 12 of 40 gateways…").
        Throttled by the implementation to stay within Slack's budget; never raises."""
        ...

    def post(self, channel: str, reply: Reply, thread: str | None = None) -> str:
        """Post a message to a channel (or into a thread given by `thread` ref); returns its ref."""
        ...

    def update(self, ref: str, reply: Reply) -> None:
        """Replace a message posted earlier (e.g. swap Approve/Reject buttons for the outcome)."""
        ...

    def user_groups_members(self, group: str) -> set[str]:
        """Members (user ids) of a Slack user group id or handle; empty set when unknown."""
        ...


class Operations(Protocol):
    """What the running bot knows about itself, for `/vpn health` (implemented by
    bot/runtime/health.py)."""

    def settings_problems(self) -> list[str]:
        """Configuration errors and warnings, in words that name the setting to fix."""
        ...

    def poison_queue_length(self) -> int | None:
        """Jobs that failed for good and wait in the poison queue; None when jobs run in
        this process (no queue). Raises OSError saying why when the queue cannot be read."""
        ...


class Log(Protocol):
    """Where a use case reports what went wrong on the way (structlog's logger in bot/):
    short snake_case events with keyword fields."""

    def info(self, event: str, **fields: Any) -> Any: ...

    def warning(self, event: str, **fields: Any) -> Any: ...

    def error(self, event: str, **fields: Any) -> Any: ...

    def exception(self, event: str, **fields: Any) -> Any: ...


class CaptureStorage(Protocol):
    """Where packet captures are written (a blob container), implemented by
    `bot.store.blobs.CaptureBlobs`."""

    def container_url(self) -> str:
        """The container's URL without any token: the capture's location, as posted."""
        ...

    def upload_sas_url(self, minutes: int) -> str:
        """A SAS URL of the container, valid `minutes`, that can only create and write blobs:
        what StopPacketCapture needs. Never log, store or post it."""
        ...
