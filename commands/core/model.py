"""Plain facts about an Azure estate, as the domain sees them.

`bot/arm/` converts SDK models into these; the sandbox and domain tests build them directly.
Every field is optional where Azure may leave it out, so a real payload with gaps still
converts. Frozen so facts gathered concurrently cannot be changed under a reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from commands.core.errors import AzureFailure


@dataclass(frozen=True)
class ResourceId:
    """An ARM resource id split into its parts (case kept as given; compare with `.key`)."""

    raw: str
    subscription_id: str
    resource_group: str
    provider: str  # e.g. "Microsoft.Network"
    types: tuple[str, ...]  # e.g. ("virtualNetworks", "virtualNetworkPeerings")
    names: tuple[str, ...]  # e.g. ("vnet-eun", "eun-to-aue")

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""

    @property
    def key(self) -> str:
        """ARM ids are case-insensitive: use this to compare or index them."""
        return self.raw.lower().rstrip("/")

    @property
    def parent(self) -> str:
        """The id of the parent resource (for a child such as a peering), else the id itself."""
        if len(self.names) < 2:
            return self.raw
        return self.raw.rsplit("/", 2)[0]

    @staticmethod
    def parse(raw: str) -> ResourceId:
        """Parse `/subscriptions/…/resourceGroups/…/providers/NS/type/name[/type/name…]`.

        Raises ValueError with the offending id when it is not of that form.
        """
        parts = [p for p in raw.strip().split("/") if p]
        lower = [p.lower() for p in parts]
        try:
            sub = parts[lower.index("subscriptions") + 1]
        except (ValueError, IndexError):
            raise ValueError(f"not an Azure resource id: {raw!r}") from None
        rg = ""
        if "resourcegroups" in lower:
            i = lower.index("resourcegroups")
            rg = parts[i + 1] if i + 1 < len(parts) else ""
        provider = ""
        types: tuple[str, ...] = ()
        names: tuple[str, ...] = ()
        if "providers" in lower:
            i = lower.index("providers")
            rest = parts[i + 1 :]
            if rest:
                provider = rest[0]
                pairs = rest[1:]
                types = tuple(pairs[0::2])
                names = tuple(pairs[1::2])
        return ResourceId(raw, sub, rg, provider, types, names)


def rid_key(raw: str | None) -> str:
    """Case-insensitive key of an ARM id (empty string for None)."""
    return (raw or "").lower().rstrip("/")


def name_of(raw: str | None) -> str:
    """The last segment of an ARM id ("" for None)."""
    return (raw or "").rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Subscription:
    id: str  # the GUID
    name: str = ""


@dataclass(frozen=True)
class Tunnel:
    """One tunnel of a connection (`tunnelConnectionStatus[]`), e.g. of an active-active pair."""

    name: str
    status: str  # Connected | NotConnected | Connecting | Unknown
    ingress_bytes: int = 0
    egress_bytes: int = 0
    last_established: datetime | None = None


@dataclass(frozen=True)
class Connection:
    """A `Microsoft.Network/connections` resource (S2S IPsec, VNet-to-VNet, ExpressRoute)."""

    id: str
    name: str
    location: str = ""
    connection_type: str = ""  # IPsec | Vnet2Vnet | ExpressRoute | VPNClient
    status: str = "Unknown"  # connectionStatus; the list call leaves it empty -> "Unknown"
    ingress_bytes: int = 0
    egress_bytes: int = 0
    gateway1_id: str = ""  # virtualNetworkGateway1 (the owner side)
    gateway2_id: str = ""  # virtualNetworkGateway2 (Vnet2Vnet remote)
    local_network_gateway_id: str = ""  # localNetworkGateway2 (IPsec remote)
    peer_id: str = ""  # peer (ExpressRoute)
    enable_bgp: bool = False
    protocol: str = ""  # IKEv1 | IKEv2
    routing_weight: int = 0
    tunnels: tuple[Tunnel, ...] = ()
    last_established: datetime | None = None  # newest lastConnectionEstablishedUtcTime
    ingress_nat_rule_ids: tuple[str, ...] = ()  # ingressNatRules[].id (rules of gateway1)
    egress_nat_rule_ids: tuple[str, ...] = ()  # egressNatRules[].id
    provisioning_state: str = ""
    etag: str = ""
    # The IPsec/IKE layer (a GET or the list carries these; ExpressRoute has none).
    ipsec_policies: tuple[IpsecPolicy, ...] = ()  # custom policy; empty = Azure's default proposals
    policy_based_selectors: bool = False  # usePolicyBasedTrafficSelectors
    traffic_selectors: tuple[TrafficSelector, ...] = ()  # trafficSelectorPolicies
    connection_mode: str = ""  # Default | InitiatorOnly | ResponderOnly
    dpd_timeout_s: int | None = None  # dpdTimeoutSeconds
    custom_bgp_addresses: tuple[tuple[str, str], ...] = ()  # gatewayCustomBgpIpAddresses: (ipconfig id, APIPA)
    authentication_type: str = ""  # PSK | Certificate


@dataclass(frozen=True)
class IpsecPolicy:
    """One `ipsecPolicies[]` entry of a connection: the only proposal Azure then offers and accepts.
    https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto"""

    ike_encryption: str = ""
    ike_integrity: str = ""
    dh_group: str = ""
    ipsec_encryption: str = ""
    ipsec_integrity: str = ""
    pfs_group: str = ""
    sa_lifetime_s: int | None = None
    sa_data_kb: int | None = None


@dataclass(frozen=True)
class TrafficSelector:
    """One `trafficSelectorPolicies[]` entry: the local and remote ranges of a phase-2 SA."""

    local: tuple[str, ...] = ()
    remote: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuickModeSa:
    """A phase-2 (IPsec, "quick mode") SA of an IKE SA, as `getikesas` reports it."""

    encryption: str = ""
    integrity: str = ""
    pfs_group: str = ""
    local_selectors: tuple[str, ...] = ()
    remote_selectors: tuple[str, ...] = ()
    lifetime_s: int | None = None
    elapsed_s: int | None = None
    packets_in: int = 0
    packets_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0


@dataclass(frozen=True)
class IkeSa:
    """A live phase-1 (IKE) SA of a connection (`getikesas`)."""

    local_endpoint: str = ""
    remote_endpoint: str = ""
    encryption: str = ""
    integrity: str = ""
    dh_group: str = ""
    lifetime_s: int | None = None
    elapsed_s: int | None = None
    azure_initiated: bool | None = None  # isSaInitiator: Azure started the negotiation
    quick_mode: tuple[QuickModeSa, ...] = ()


@dataclass(frozen=True)
class NatRule:
    """A NAT rule of a VPN gateway (`natRules[]`), applied by the connections that name it.

    IngressSnat translates the source addresses of the site (Azure sees the site as the
    external mapping); EgressSnat translates the VNet's (the site sees it as the external
    mapping). https://learn.microsoft.com/azure/vpn-gateway/nat-overview"""

    id: str
    name: str
    mode: str  # IngressSnat | EgressSnat
    rule_type: str = "Static"  # Static | Dynamic
    internal: tuple[str, ...] = ()  # internalMappings[].addressSpace
    external: tuple[str, ...] = ()  # externalMappings[].addressSpace


@dataclass(frozen=True)
class Gateway:
    """A `Microsoft.Network/virtualNetworkGateways` resource."""

    id: str
    name: str
    location: str = ""
    gateway_type: str = "Vpn"  # Vpn | ExpressRoute | LocalGateway
    vpn_type: str = ""  # RouteBased | PolicyBased
    sku: str = ""
    active_active: bool = False
    enable_bgp: bool = False
    bgp_asn: int | None = None
    bgp_peering_addresses: tuple[str, ...] = ()  # bgpSettings.bgpPeeringAddress(es), split on ","
    vnet_id: str = ""  # derived from ipConfigurations[].subnet.id
    public_ip_ids: tuple[str, ...] = ()
    p2s_address_pool: tuple[str, ...] = ()  # vpnClientConfiguration.vpnClientAddressPool
    p2s_protocols: tuple[str, ...] = ()
    p2s_auth_types: tuple[str, ...] = ()
    p2s_custom_routes: tuple[str, ...] = ()  # customRoutes.addressPrefixes
    nat_rules: tuple[NatRule, ...] = ()
    provisioning_state: str = ""
    etag: str = ""
    p2s: P2SConfig | None = None  # vpnClientConfiguration in full (None: no point-to-site)
    custom_bgp_addresses: tuple[tuple[str, str], ...] = ()  # (ipconfig id, APIPA) per customBgpIpAddresses
    # bgpSettings.bgpPeeringAddresses[].tunnelIpAddresses: each instance's public IP (VIP),
    # what `reset ?gatewayVip=` names.
    instance_vips: tuple[str, ...] = ()

    @property
    def serves_p2s(self) -> bool:
        return bool(self.p2s_address_pool)


@dataclass(frozen=True)
class P2SCertificate:
    """A root certificate (`publicCertData`, base64 DER) or a revoked one (`thumbprint`)."""

    name: str
    public_cert_data: str = ""
    thumbprint: str = ""


@dataclass(frozen=True)
class P2SConfig:
    """A gateway's `vpnClientConfiguration`, what its point-to-site clients authenticate with.
    The RADIUS secret is never read (ARM leaves it out of a GET)."""

    address_pool: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    auth_types: tuple[str, ...] = ()  # vpnAuthenticationTypes (or inferred from what is configured)
    root_certificates: tuple[P2SCertificate, ...] = ()
    revoked_certificates: tuple[P2SCertificate, ...] = ()
    aad_tenant: str = ""
    aad_audience: str = ""
    aad_issuer: str = ""
    radius_servers: tuple[str, ...] = ()  # radiusServers[].radiusServerAddress and radiusServerAddress
    ipsec_policies: tuple[IpsecPolicy, ...] = ()


@dataclass(frozen=True)
class LocalNetworkGateway:
    id: str
    name: str
    location: str = ""
    gateway_ip: str = ""
    fqdn: str = ""
    address_prefixes: tuple[str, ...] = ()
    bgp_asn: int | None = None
    bgp_peering_address: str = ""


@dataclass(frozen=True)
class Subnet:
    id: str
    name: str
    address_prefixes: tuple[str, ...] = ()
    route_table_id: str = ""
    nsg_id: str = ""


@dataclass(frozen=True)
class UserRoute:
    """One route of a route table (`routes[]`)."""

    name: str
    prefix: str  # addressPrefix (a CIDR, or a service tag)
    next_hop_type: str  # VirtualNetworkGateway | VnetLocal | Internet | VirtualAppliance | None
    next_hop_ip: str = ""


@dataclass(frozen=True)
class RouteTable:
    """A `Microsoft.Network/routeTables` resource, as its subnets see it."""

    id: str
    name: str
    disable_bgp_route_propagation: bool = False  # "Propagate gateway routes" off
    routes: tuple[UserRoute, ...] = ()
    subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Peering:
    """A `virtualNetworkPeerings` child of a VNet; `vnet_id` is the VNet it belongs to."""

    id: str
    name: str
    vnet_id: str
    remote_vnet_id: str = ""
    remote_address_prefixes: tuple[str, ...] = ()
    state: str = ""  # peeringState: Connected | Initiated | Disconnected
    sync_level: str = ""  # peeringSyncLevel
    allow_virtual_network_access: bool = True
    allow_forwarded_traffic: bool = False
    allow_gateway_transit: bool = False
    use_remote_gateways: bool = False
    provisioning_state: str = ""
    etag: str = ""

    def flag(self, arm_name: str) -> bool:
        """Read a flag by its ARM name (allowGatewayTransit, useRemoteGateways, …)."""
        return bool(getattr(self, PEERING_FLAGS[arm_name]))


# ARM property name -> Peering attribute. The only flags `/vpn peering` may change.
PEERING_FLAGS: dict[str, str] = {
    "allowVirtualNetworkAccess": "allow_virtual_network_access",
    "allowForwardedTraffic": "allow_forwarded_traffic",
    "allowGatewayTransit": "allow_gateway_transit",
    "useRemoteGateways": "use_remote_gateways",
}


@dataclass(frozen=True)
class VirtualNetwork:
    id: str
    name: str
    location: str = ""
    address_prefixes: tuple[str, ...] = ()
    dns_servers: tuple[str, ...] = ()  # dhcpOptions.dnsServers; empty = Azure-provided DNS
    subnets: tuple[Subnet, ...] = ()
    peerings: tuple[Peering, ...] = ()
    provisioning_state: str = ""  # Updating while another operation is changing the VNet


@dataclass(frozen=True)
class ConnectivityConfiguration:
    """An Azure Virtual Network Manager connectivity configuration in effect on a VNet
    (`listNetworkManagerEffectiveConnectivityConfigurations`). A hub-and-spoke one creates
    and keeps the peerings between its hubs and the VNets of its groups: a direct change
    to such a peering can be undone when the configuration is deployed again."""

    id: str  # …/networkManagers/{manager}/connectivityConfigurations/{name}
    topology: str = ""  # HubAndSpoke | Mesh
    hub_ids: tuple[str, ...] = ()  # the hub VNets (hub-and-spoke)
    group_ids: tuple[str, ...] = ()  # the network groups it applies to
    use_hub_gateway: bool = False  # spokes use the hub's gateway (useRemoteGateways)
    delete_existing_peering: bool = False  # peerings that do not match it are removed

    @property
    def name(self) -> str:
        return name_of(self.id)

    @property
    def manager(self) -> str:
        """The network manager's name, from the id."""
        parts = self.id.split("/")
        low = [p.lower() for p in parts]
        return parts[low.index("networkmanagers") + 1] if "networkmanagers" in low[:-1] else ""


@dataclass(frozen=True)
class BgpPeer:
    """One entry of `getBgpPeerStatus`."""

    neighbor: str
    asn: int | None = None
    state: str = ""  # Unknown | Stopped | Idle | Connecting | Connected
    local_address: str = ""
    connected_duration: str = ""  # e.g. "01:02:03.4567890"
    routes_received: int = 0
    messages_sent: int = 0
    messages_received: int = 0


@dataclass(frozen=True)
class GatewayRoute:
    """One entry of `getLearnedRoutes` / `getAdvertisedRoutes`."""

    network: str
    next_hop: str = ""
    origin: str = ""  # Network | EBgp | IBgp
    as_path: str = ""
    source_peer: str = ""
    local_address: str = ""
    weight: int | None = None


@dataclass(frozen=True)
class P2SClient:
    """One entry of `getVpnclientConnectionHealth`."""

    user_name: str = ""
    private_ip: str = ""
    public_ip: str = ""
    ingress_bytes: int = 0
    egress_bytes: int = 0
    connected_since: datetime | None = None
    duration_s: int | None = None
    connection_id: str = ""


@dataclass(frozen=True)
class EffectiveRoute:
    """One entry of a NIC's `effectiveRouteTable`."""

    source: str  # Default | User | VirtualNetworkGateway | Unknown
    state: str  # Active | Invalid
    address_prefixes: tuple[str, ...]
    next_hop_type: str  # VnetLocal | VirtualNetworkGateway | VNetPeering | Internet | None | …
    next_hop_ips: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class NetworkInterface:
    id: str
    name: str
    location: str = ""
    vm_id: str = ""  # virtualMachine.id
    subnet_ids: tuple[str, ...] = ()
    private_ips: tuple[str, ...] = ()  # single addresses
    # Prefix ipconfigs: an ipconfig with privateIPAddressPrefixLength holds a whole block
    # ("172.20.2.16/28"), not an address: https://learn.microsoft.com/azure/virtual-network/ip-services/private-ip-address-prefix
    private_prefixes: tuple[str, ...] = ()

    @property
    def vnet_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.rsplit("/subnets/", 1)[0] for s in self.subnet_ids if s))


@dataclass(frozen=True)
class DnsRecordSet:
    """A record set as a DNS zone group or a private zone reports it (A records only matter)."""

    name: str  # relative name, e.g. "sql-eun"
    fqdn: str = ""
    record_type: str = "A"
    ips: tuple[str, ...] = ()
    ttl: int | None = None


@dataclass(frozen=True)
class DnsZoneConfig:
    """One `privateDnsZoneConfigs[]` entry of a private endpoint's DNS zone group."""

    zone_id: str
    records: tuple[DnsRecordSet, ...] = ()


@dataclass(frozen=True)
class DnsZoneGroup:
    id: str
    name: str
    configs: tuple[DnsZoneConfig, ...] = ()


@dataclass(frozen=True)
class PrivateLinkConnection:
    name: str
    target_id: str  # privateLinkServiceId, e.g. a Microsoft.Sql/servers id
    group_ids: tuple[str, ...] = ()  # e.g. ("sqlServer",)
    status: str = ""  # privateLinkServiceConnectionState.status: Approved | Pending | Rejected | Disconnected
    description: str = ""
    manual: bool = False


@dataclass(frozen=True)
class PrivateEndpoint:
    id: str
    name: str
    location: str = ""
    subnet_id: str = ""
    private_ips: tuple[str, ...] = ()  # from ipConfigurations / customDnsConfigs / the NIC
    custom_dns: tuple[DnsRecordSet, ...] = ()  # customDnsConfigs as fqdn -> ips
    connections: tuple[PrivateLinkConnection, ...] = ()  # automatic and manual
    nic_ids: tuple[str, ...] = ()
    zone_groups: tuple[DnsZoneGroup, ...] = ()
    provisioning_state: str = ""

    @property
    def vnet_id(self) -> str:
        return self.subnet_id.rsplit("/subnets/", 1)[0] if self.subnet_id else ""


@dataclass(frozen=True)
class VnetLink:
    id: str
    name: str
    vnet_id: str
    registration_enabled: bool = False
    state: str = ""  # virtualNetworkLinkState: Completed | InProgress
    resolution_policy: str = ""  # Default | NxDomainRedirect


@dataclass(frozen=True)
class PrivateDnsZone:
    """A private DNS zone with its A record sets and virtual network links. A zone whose
    records (or links) could not be read carries why in `records_failure` (`links_failure`):
    its empty `records` then mean "could not read", never "no record"."""

    id: str
    name: str  # e.g. "privatelink.database.windows.net"
    records: tuple[DnsRecordSet, ...] = ()
    links: tuple[VnetLink, ...] = ()
    records_failure: AzureFailure | None = None
    links_failure: AzureFailure | None = None


@dataclass(frozen=True)
class DnsResolver:
    """An Azure DNS Private Resolver with its inbound endpoints' IPs."""

    id: str
    name: str
    location: str = ""
    vnet_id: str = ""
    inbound_ips: tuple[str, ...] = ()
    state: str = ""


@dataclass(frozen=True)
class SqlServer:
    """A `Microsoft.Sql/servers` resource, read generically (no SQL SDK needed)."""

    id: str
    name: str
    location: str = ""
    fqdn: str = ""  # fullyQualifiedDomainName
    public_network_access: str = ""  # Enabled | Disabled | ""
    connection_policy: str = ""  # Default | Proxy | Redirect | "" when not readable
    private_endpoint_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class GenericResource:
    """Any resource as the generic resources API returns it (id, name, type, location, props)."""

    id: str
    name: str
    type: str
    location: str = ""
    properties: dict[str, object] = field(default_factory=dict)


# --- changes and platform health (issue 22: /vpn changes, "what changed?", "is it Azure?") ---


@dataclass(frozen=True)
class PropertyChange:
    """One property of a resource change, as Resource Graph's `resourcechanges` gives it
    (`properties.changes`: path → previousValue / newValue / propertyChangeType Insert |
    Update | Remove). Values are Azure's strings; "" when Azure gives none."""

    path: str  # e.g. "properties.allowGatewayTransit"
    before: str = ""
    after: str = ""
    kind: str = "Update"  # Insert | Update | Remove
    category: str = ""  # changeCategory: User | System


@dataclass(frozen=True)
class ResourceChange:
    """One change to a resource: from Resource Graph (`source` "resource-graph"), the
    Activity Log ("activity-log"), or both merged ("both"). `who` is as Azure records it
    (a user's UPN, an app's client id, a GUID); `result` is Succeeded | Failed | Started |
    Accepted… ("" when the source does not say — Resource Graph records only what
    happened). `request`/`request_ref`: the bot's own change request behind it, if any."""

    resource_id: str
    at: datetime
    operation: str = ""  # e.g. "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write"
    change_type: str = ""  # Create | Update | Delete (Resource Graph); "" from the Activity Log
    who: str = ""
    who_type: str = ""  # User | Application | AppId | ManagedIdentity | "" (as given)
    client: str = ""  # clientType: "Azure Portal", "Azure CLI", "ARM Template" …
    result: str = ""
    properties: tuple[PropertyChange, ...] = ()
    correlation_id: str = ""
    source: str = "resource-graph"  # resource-graph | activity-log | both
    request: int = 0  # the bot's change request (#n), 0 when none
    request_channel: str = ""
    request_ref: str = ""  # the request's message ("channel:ts"): its thread

    @property
    def type_key(self) -> str:
        rid = ResourceId.parse(self.resource_id) if self.resource_id.lower().startswith("/subscriptions/") else None
        return "/".join((rid.provider, *rid.types)).lower() if rid else ""


@dataclass(frozen=True)
class HealthStatus:
    """Resource Health of one resource at one time (`availabilityStatuses`):
    availabilityState Available | Unavailable | Degraded | Unknown, with Azure's summary,
    reasonType ("Unplanned", "Planned", "UserInitiated"…) and `occuredTime` (Azure's spelling)."""

    resource_id: str
    state: str
    summary: str = ""
    title: str = ""
    reason_type: str = ""
    occurred_at: datetime | None = None
    reported_at: datetime | None = None


@dataclass(frozen=True)
class ServiceEvent:
    """A Service Health event (Activity Log category ServiceHealth): an incident or planned
    maintenance, for a service in regions."""

    tracking_id: str
    title: str
    kind: str = ""  # Incident | Maintenance | Information | ActionRequired | Security
    stage: str = ""  # Active | Resolved | Planned | Complete | RCA …
    services: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    at: datetime | None = None  # eventTimestamp of this update
    start: datetime | None = None  # impactStartTime
    end: datetime | None = None  # impactMitigationTime
    summary: str = ""


@dataclass(frozen=True)
class ActivityLog:
    """What one Activity Log read returned: the write operations on resources (as changes)
    and the Service Health events of the subscription."""

    changes: tuple[ResourceChange, ...] = ()
    service_events: tuple[ServiceEvent, ...] = ()
