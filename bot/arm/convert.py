"""SDK models → the domain's plain dataclasses (`commands.core.model`).

Every converter takes whatever the SDK returned — a hybrid model of azure-mgmt-network 33 /
azure-mgmt-privatedns 2 / azure-mgmt-resource 26 (a `MutableMapping` over the REST JSON), an
msrest model of azure-mgmt-dnsresolver 1.1, or a plain dict — and reads the REST (wire) JSON
by ARM's own property names. Why the wire JSON and not the SDK attributes:

* a hybrid model's attribute access deserializes on the fly and can raise on a payload that
  does not match the spec (a comma-separated string where a list was declared, a number sent
  as a string); dict access over the JSON cannot;
* the published payloads show real quirks that must convert, not crash: the connections list
  has no `connectionStatus` ("Unknown"); learned/advertised routes and BGP peers answer `{}`
  (no peers, no routes → []); `bgpPeeringAddress` is comma-separated on active-active
  gateways; effective routes have `nextHopIpAddress: []`; a private endpoint's IPs live in
  `ipConfigurations` (static), `customDnsConfigs` or only on its NIC.

So every field is optional, every type is checked, and a converter never raises on data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from commands.core.model import (
    BgpPeer,
    Connection,
    DnsRecordSet,
    DnsResolver,
    DnsZoneConfig,
    DnsZoneGroup,
    EffectiveRoute,
    Gateway,
    GatewayRoute,
    GenericResource,
    LocalNetworkGateway,
    NetworkInterface,
    P2SClient,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkConnection,
    SqlServer,
    Subnet,
    Subscription,
    Tunnel,
    VirtualNetwork,
    VnetLink,
    name_of,
)

Json = dict[str, Any]

__all__ = [
    "bgp_peers",
    "connection",
    "dns_resolver",
    "dns_zone_group",
    "effective_routes",
    "gateway",
    "gateway_routes",
    "generic_resource",
    "items",
    "local_network_gateway",
    "network_interface",
    "p2s_clients",
    "peering",
    "private_dns_zone",
    "private_endpoint",
    "record_set",
    "sql_server",
    "subscription",
    "virtual_network",
    "vnet_link",
    "wire",
]


# ---------------------------------------------------------------------------------------
# Reading JSON defensively
# ---------------------------------------------------------------------------------------


def wire(obj: object) -> Json:
    """The REST JSON of an SDK model (hybrid or msrest) or of a mapping; {} for anything else."""
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        # Hybrid models are Mappings over the wire JSON; as_dict() also turns nested models
        # (set by attribute) back into plain JSON.
        as_dict = getattr(obj, "as_dict", None)
        if callable(as_dict) and hasattr(obj, "_attr_to_rest_field"):
            data = as_dict()
            return data if isinstance(data, dict) else {}
        return dict(obj)
    serialize = getattr(obj, "serialize", None)
    if callable(serialize):  # msrest models (azure-mgmt-dnsresolver 1.1)
        try:
            data = serialize(keep_readonly=True)
        except Exception:  # noqa: BLE001 - a model that cannot serialize converts as empty, never crashes
            return {}
        return data if isinstance(data, dict) else {}
    return {}


def items(result: object) -> list[Json]:
    """The entries of a list result: `{"value": [...]}`, a bare list, or `{}` (→ [])."""
    if isinstance(result, list | tuple):
        return [wire(x) for x in result if isinstance(x, Mapping) or hasattr(x, "serialize")]
    return [_obj(x) for x in _list(wire(result).get("value")) if isinstance(x, Mapping)]


def _obj(v: object) -> Json:
    return wire(v) if isinstance(v, Mapping) else {}


def _list(v: object) -> list[Any]:
    return list(v) if isinstance(v, list | tuple) else []


def _objs(v: object) -> list[Json]:
    return [_obj(x) for x in _list(v) if isinstance(x, Mapping)]


def _get(d: object, *path: str) -> Any:
    cur: Any = d
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def _props(d: Mapping[str, Any]) -> Json:
    return _obj(d.get("properties"))


def _str(v: object) -> str:
    if v is None or isinstance(v, Mapping | list | tuple):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v).strip()


def _int(v: object, default: int = 0) -> int:
    got = _opt_int(v)
    return default if got is None else got


def _opt_int(v: object) -> int | None:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if v == v and v not in (float("inf"), float("-inf")) else None
    if isinstance(v, str):
        try:
            return int(float(v.strip()))
        except (ValueError, OverflowError):
            return None
    return None


def _bool(v: object, default: bool = False) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("true", "yes", "1", "enabled"):
            return True
        if low in ("false", "no", "0", "disabled"):
            return False
        return default
    if isinstance(v, int | float):
        return bool(v)
    return default


def _strs(v: object) -> tuple[str, ...]:
    """A list of strings, from a JSON list or a comma-separated string; blanks dropped."""
    if isinstance(v, str):
        parts: Iterable[object] = v.split(",")
    elif isinstance(v, list | tuple):
        parts = v
    else:
        return ()
    out = [_str(p) for p in parts]
    return tuple(dict.fromkeys(p for p in out if p))


def _id(v: object) -> str:
    """A sub-resource reference `{"id": …}` (or a bare id string) → the id."""
    if isinstance(v, Mapping):
        return _str(v.get("id"))
    return _str(v) if isinstance(v, str) else ""


def _ids(v: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in (_id(x) for x in _list(v)) if i))


def _name(d: Mapping[str, Any]) -> str:
    return _str(d.get("name")) or name_of(_str(d.get("id")))


def _uniq(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for g in groups for x in g if x))


_SUBNETS = re.compile(r"/subnets/", re.IGNORECASE)
_PEERINGS = re.compile(r"/virtualNetworkPeerings/", re.IGNORECASE)


def _vnet_of_subnet(subnet_id: str) -> str:
    parts = _SUBNETS.split(subnet_id, maxsplit=1)
    return parts[0] if len(parts) == 2 else ""


# Azure writes times as ISO 8601 with up to 7 fractional digits (.NET ticks), with or
# without "Z"; tunnelConnectionStatus.lastConnectionEstablishedUtcTime is a plain string in
# the spec and has been seen in the US form "6/18/2020 3:53:46 PM". All are UTC.
_FRACTION = re.compile(r"(\.\d{6})\d+")
_US_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p")


def _dt(v: object) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    text = _str(v)
    if not text:
        return None
    iso = _FRACTION.sub(r"\1", text.replace("Z", "+00:00").replace("z", "+00:00"))
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        for fmt in _US_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------


def subscription(obj: object) -> Subscription:
    d = wire(obj)
    sub_id = _str(d.get("subscriptionId")) or name_of(_str(d.get("id")))
    return Subscription(id=sub_id, name=_str(d.get("displayName")))


# ---------------------------------------------------------------------------------------
# Gateways and connections
# ---------------------------------------------------------------------------------------


def gateway(obj: object) -> Gateway:
    d = wire(obj)
    p = _props(d)
    ipcs = [_props(c) for c in _objs(p.get("ipConfigurations"))]
    subnet_ids = [_id(c.get("subnet")) for c in ipcs]
    vnet_id = next((v for v in (_vnet_of_subnet(s) for s in subnet_ids) if v), "")
    bgp = _obj(p.get("bgpSettings"))
    # bgpPeeringAddress is "a,b" on active-active gateways; bgpPeeringAddresses[] carries the
    # default (and APIPA custom) addresses per IP configuration.
    per_ipc = [
        _strs(a.get("defaultBgpIpAddresses")) + _strs(a.get("customBgpIpAddresses"))
        for a in _objs(bgp.get("bgpPeeringAddresses"))
    ]
    vpn = _obj(p.get("vpnClientConfiguration"))
    auth = _strs(vpn.get("vpnAuthenticationTypes")) or _p2s_auth_inferred(vpn)
    return Gateway(
        id=_str(d.get("id")),
        name=_name(d),
        location=_str(d.get("location")),
        gateway_type=_str(p.get("gatewayType")) or "Vpn",
        vpn_type=_str(p.get("vpnType")),
        sku=_str(_get(p, "sku", "name")) or _str(_get(p, "sku", "tier")),
        active_active=_bool(p.get("activeActive")),
        enable_bgp=_bool(p.get("enableBgp")),
        bgp_asn=_opt_int(bgp.get("asn")) if bgp else None,
        bgp_peering_addresses=_uniq(_strs(bgp.get("bgpPeeringAddress")), *per_ipc),
        vnet_id=vnet_id,
        public_ip_ids=_uniq(_id(c.get("publicIPAddress")) for c in ipcs),
        p2s_address_pool=_strs(_get(vpn, "vpnClientAddressPool", "addressPrefixes")),
        p2s_protocols=_strs(vpn.get("vpnClientProtocols")),
        p2s_auth_types=auth,
        p2s_custom_routes=_strs(_get(p, "customRoutes", "addressPrefixes")),
        provisioning_state=_str(p.get("provisioningState")),
        etag=_str(d.get("etag")),
    )


def _p2s_auth_inferred(vpn: Json) -> tuple[str, ...]:
    # Older payloads (and the published examples) omit vpnAuthenticationTypes; the
    # configured material says which methods are in use.
    out: list[str] = []
    if _list(vpn.get("vpnClientRootCertificates")):
        out.append("Certificate")
    if _list(vpn.get("radiusServers")) or _str(vpn.get("radiusServerAddress")):
        out.append("Radius")
    if _str(vpn.get("aadTenant")):
        out.append("AAD")
    return tuple(out)


def connection(obj: object) -> Connection:
    d = wire(obj)
    p = _props(d)
    tunnels = tuple(
        Tunnel(
            name=_str(t.get("tunnel")),
            status=_str(t.get("connectionStatus")) or "Unknown",
            ingress_bytes=_int(t.get("ingressBytesTransferred")),
            egress_bytes=_int(t.get("egressBytesTransferred")),
            last_established=_dt(t.get("lastConnectionEstablishedUtcTime")),
        )
        for t in _objs(p.get("tunnelConnectionStatus"))
    )
    times = [t.last_established for t in tunnels if t.last_established is not None]
    return Connection(
        id=_str(d.get("id")),
        name=_name(d),
        location=_str(d.get("location")),
        connection_type=_str(p.get("connectionType")),
        # The list call (and list_connections) leave connectionStatus out: only a GET fills it.
        status=_str(p.get("connectionStatus")) or "Unknown",
        ingress_bytes=_int(p.get("ingressBytesTransferred")),
        egress_bytes=_int(p.get("egressBytesTransferred")),
        gateway1_id=_id(p.get("virtualNetworkGateway1")),
        gateway2_id=_id(p.get("virtualNetworkGateway2")),
        local_network_gateway_id=_id(p.get("localNetworkGateway2")),
        peer_id=_id(p.get("peer")),
        enable_bgp=_bool(p.get("enableBgp")),
        protocol=_str(p.get("connectionProtocol")),
        routing_weight=_int(p.get("routingWeight")),
        tunnels=tunnels,
        last_established=max(times) if times else None,
        provisioning_state=_str(p.get("provisioningState")),
        etag=_str(d.get("etag")),
    )


def local_network_gateway(obj: object) -> LocalNetworkGateway:
    d = wire(obj)
    p = _props(d)
    bgp = _obj(p.get("bgpSettings"))
    return LocalNetworkGateway(
        id=_str(d.get("id")),
        name=_name(d),
        location=_str(d.get("location")),
        gateway_ip=_str(p.get("gatewayIpAddress")),
        fqdn=_str(p.get("fqdn")),
        address_prefixes=_strs(_get(p, "localNetworkAddressSpace", "addressPrefixes")),
        bgp_asn=_opt_int(bgp.get("asn")) if bgp else None,
        bgp_peering_address=_str(bgp.get("bgpPeeringAddress")),
    )


def bgp_peers(result: object) -> list[BgpPeer]:
    """`getBgpPeerStatus` result; `{}` (no peers) → []."""
    return [
        BgpPeer(
            neighbor=_str(e.get("neighbor")),
            asn=_opt_int(e.get("asn")),
            state=_str(e.get("state")),
            local_address=_str(e.get("localAddress")),
            connected_duration=_str(e.get("connectedDuration")),
            routes_received=_int(e.get("routesReceived")),
            messages_sent=_int(e.get("messagesSent")),
            messages_received=_int(e.get("messagesReceived")),
        )
        for e in items(result)
    ]


def gateway_routes(result: object) -> list[GatewayRoute]:
    """`getLearnedRoutes` / `getAdvertisedRoutes` result; `{}` (no routes) → []."""
    return [
        GatewayRoute(
            network=_str(e.get("network")),
            next_hop=_str(e.get("nextHop")),
            origin=_str(e.get("origin")),
            as_path=_str(e.get("asPath")),
            source_peer=_str(e.get("sourcePeer")),
            local_address=_str(e.get("localAddress")),
            weight=_opt_int(e.get("weight")),
        )
        for e in items(result)
    ]


def p2s_clients(result: object) -> list[P2SClient]:
    """`getVpnclientConnectionHealth` result; `{}` → []."""
    return [
        P2SClient(
            user_name=_str(e.get("vpnUserName")),
            private_ip=_str(e.get("privateIpAddress")),
            public_ip=_str(e.get("publicIpAddress")),
            ingress_bytes=_int(e.get("ingressBytesTransferred")),
            egress_bytes=_int(e.get("egressBytesTransferred")),
            connected_since=_dt(e.get("vpnConnectionTime")),
            duration_s=_opt_int(e.get("vpnConnectionDuration")),
            connection_id=_str(e.get("vpnConnectionId")),
        )
        for e in items(result)
    ]


# ---------------------------------------------------------------------------------------
# Virtual networks
# ---------------------------------------------------------------------------------------


def peering(obj: object, vnet_id: str = "") -> Peering:
    d = wire(obj)
    p = _props(d)
    pid = _str(d.get("id"))
    parts = _PEERINGS.split(pid, maxsplit=1)
    remote = _strs(_get(p, "remoteAddressSpace", "addressPrefixes")) or _strs(
        _get(p, "remoteVirtualNetworkAddressSpace", "addressPrefixes")
    )
    return Peering(
        id=pid,
        name=_name(d),
        vnet_id=vnet_id or (parts[0] if len(parts) == 2 else ""),
        remote_vnet_id=_id(p.get("remoteVirtualNetwork")),
        remote_address_prefixes=remote,
        state=_str(p.get("peeringState")),
        sync_level=_str(p.get("peeringSyncLevel")),
        # ARM's default for allowVirtualNetworkAccess is true; the others default to false.
        allow_virtual_network_access=_bool(p.get("allowVirtualNetworkAccess"), default=True),
        allow_forwarded_traffic=_bool(p.get("allowForwardedTraffic")),
        allow_gateway_transit=_bool(p.get("allowGatewayTransit")),
        use_remote_gateways=_bool(p.get("useRemoteGateways")),
        provisioning_state=_str(p.get("provisioningState")),
        etag=_str(d.get("etag")),
    )


def _subnet(d: Json) -> Subnet:
    p = _props(d)
    return Subnet(
        id=_str(d.get("id")),
        name=_name(d),
        address_prefixes=_uniq(_strs(p.get("addressPrefix")), _strs(p.get("addressPrefixes"))),
        route_table_id=_id(p.get("routeTable")),
        nsg_id=_id(p.get("networkSecurityGroup")),
    )


def virtual_network(obj: object) -> VirtualNetwork:
    d = wire(obj)
    p = _props(d)
    vid = _str(d.get("id"))
    return VirtualNetwork(
        id=vid,
        name=_name(d),
        location=_str(d.get("location")),
        address_prefixes=_strs(_get(p, "addressSpace", "addressPrefixes")),
        dns_servers=_strs(_get(p, "dhcpOptions", "dnsServers")),
        subnets=tuple(_subnet(s) for s in _objs(p.get("subnets"))),
        peerings=tuple(peering(x, vnet_id=vid) for x in _objs(p.get("virtualNetworkPeerings"))),
    )


# ---------------------------------------------------------------------------------------
# NICs and routes
# ---------------------------------------------------------------------------------------


def network_interface(obj: object) -> NetworkInterface:
    d = wire(obj)
    p = _props(d)
    ipcs = [_props(c) for c in _objs(p.get("ipConfigurations"))]
    return NetworkInterface(
        id=_str(d.get("id")),
        name=_name(d),
        location=_str(d.get("location")),
        vm_id=_id(p.get("virtualMachine")),
        subnet_ids=_uniq(_id(c.get("subnet")) for c in ipcs),
        private_ips=_uniq(_str(c.get("privateIPAddress")) for c in ipcs),
    )


def effective_routes(result: object) -> list[EffectiveRoute]:
    """A NIC's `effectiveRouteTable`; `nextHopIpAddress: []` → no next-hop IPs."""
    return [
        EffectiveRoute(
            source=_str(e.get("source")) or "Unknown",
            state=_str(e.get("state")),
            address_prefixes=_strs(e.get("addressPrefix")),
            next_hop_type=_str(e.get("nextHopType")),
            next_hop_ips=_strs(e.get("nextHopIpAddress")),
            name=_str(e.get("name")),
        )
        for e in items(result)
    ]


# ---------------------------------------------------------------------------------------
# Private endpoints and DNS
# ---------------------------------------------------------------------------------------


def _fqdn(v: object) -> str:
    # Private DNS writes absolute names ("recorda.privatezone1.com."); compare without the dot.
    return _str(v).rstrip(".")


def _link_connection(d: Json, manual: bool) -> PrivateLinkConnection:
    p = _props(d)
    state = _obj(p.get("privateLinkServiceConnectionState"))
    return PrivateLinkConnection(
        name=_name(d),
        target_id=_str(p.get("privateLinkServiceId")),
        group_ids=_strs(p.get("groupIds")),
        status=_str(state.get("status")),
        description=_str(state.get("description")),
        manual=manual,
    )


def private_endpoint_ips(obj: object) -> tuple[str, ...]:
    """The endpoint's private IPs as the endpoint itself reports them: static
    `ipConfigurations` and `customDnsConfigs`. Empty when only its NIC knows them."""
    p = _props(wire(obj))
    static = (_str(_props(c).get("privateIPAddress")) for c in _objs(p.get("ipConfigurations")))
    custom = (ip for c in _objs(p.get("customDnsConfigs")) for ip in _strs(c.get("ipAddresses")))
    return _uniq(static, custom)


def private_endpoint(
    obj: object, zone_groups: Iterable[DnsZoneGroup] = (), nic_ips: Iterable[str] = ()
) -> PrivateEndpoint:
    """`nic_ips`: the IPs of the endpoint's NIC, for when the endpoint lists none itself."""
    d = wire(obj)
    p = _props(d)
    custom = tuple(
        DnsRecordSet(
            name=_fqdn(c.get("fqdn")).split(".", 1)[0],
            fqdn=_fqdn(c.get("fqdn")),
            record_type="A",
            ips=_strs(c.get("ipAddresses")),
        )
        for c in _objs(p.get("customDnsConfigs"))
    )
    conns = tuple(_link_connection(c, manual=False) for c in _objs(p.get("privateLinkServiceConnections"))) + tuple(
        _link_connection(c, manual=True) for c in _objs(p.get("manualPrivateLinkServiceConnections"))
    )
    return PrivateEndpoint(
        id=_str(d.get("id")),
        name=_name(d),
        location=_str(d.get("location")),
        subnet_id=_id(p.get("subnet")),
        private_ips=_uniq(private_endpoint_ips(d), nic_ips),
        custom_dns=custom,
        connections=conns,
        nic_ids=_ids(p.get("networkInterfaces")),
        zone_groups=tuple(zone_groups),
        provisioning_state=_str(p.get("provisioningState")),
    )


def dns_zone_group(obj: object) -> DnsZoneGroup:
    d = wire(obj)
    p = _props(d)
    configs = []
    for c in _objs(p.get("privateDnsZoneConfigs")):
        cp = _props(c) or c
        records = tuple(
            DnsRecordSet(
                name=_str(r.get("recordSetName")) or _fqdn(r.get("fqdn")).split(".", 1)[0],
                fqdn=_fqdn(r.get("fqdn")),
                record_type=_str(r.get("recordType")) or "A",
                ips=_strs(r.get("ipAddresses")),
                ttl=_opt_int(r.get("ttl")),
            )
            for r in _objs(cp.get("recordSets"))
        )
        configs.append(DnsZoneConfig(zone_id=_str(cp.get("privateDnsZoneId")), records=records))
    return DnsZoneGroup(id=_str(d.get("id")), name=_name(d), configs=tuple(configs))


def record_set(obj: object) -> DnsRecordSet:
    """A private DNS zone record set (A and AAAA carry IPs; other types convert with none)."""
    d = wire(obj)
    p = _props(d)
    rtype = name_of(_str(d.get("type"))) or "A"
    ips = _uniq(
        (_str(a.get("ipv4Address")) for a in _objs(p.get("aRecords"))),
        (_str(a.get("ipv6Address")) for a in _objs(p.get("aaaaRecords"))),
    )
    return DnsRecordSet(
        name=_name(d), fqdn=_fqdn(p.get("fqdn")), record_type=rtype, ips=ips, ttl=_opt_int(p.get("ttl"))
    )


def vnet_link(obj: object) -> VnetLink:
    d = wire(obj)
    p = _props(d)
    return VnetLink(
        id=_str(d.get("id")),
        name=_name(d),
        vnet_id=_id(p.get("virtualNetwork")),
        registration_enabled=_bool(p.get("registrationEnabled")),
        state=_str(p.get("virtualNetworkLinkState")),
        resolution_policy=_str(p.get("resolutionPolicy")),
    )


def private_dns_zone(obj: object, records: Iterable[object] = (), links: Iterable[object] = ()) -> PrivateDnsZone:
    d = wire(obj)
    return PrivateDnsZone(
        id=_str(d.get("id")),
        name=_name(d),
        records=tuple(record_set(r) for r in records),
        links=tuple(vnet_link(x) for x in links),
    )


def dns_resolver(obj: object, inbound_endpoints: Iterable[object] = ()) -> DnsResolver:
    d = wire(obj)
    p = _props(d)
    ips = (
        _str(c.get("privateIpAddress"))
        for ie in inbound_endpoints
        for c in _objs(_props(wire(ie)).get("ipConfigurations"))
    )
    return DnsResolver(
        id=_str(d.get("id")),
        name=_name(d),
        location=_str(d.get("location")),
        vnet_id=_id(p.get("virtualNetwork")),
        inbound_ips=_uniq(ips),
        state=_str(p.get("dnsResolverState")),
    )


def sql_server(obj: object, connection_policy: object = None) -> SqlServer:
    """A generic `Microsoft.Sql/servers` resource and (when readable) its
    `connectionPolicies/default` resource."""
    d = wire(obj)
    p = _props(d)
    pe_ids = (_id(_props(c).get("privateEndpoint")) for c in _objs(p.get("privateEndpointConnections")))
    return SqlServer(
        id=_str(d.get("id")),
        name=_name(d),
        location=_str(d.get("location")),
        fqdn=_fqdn(p.get("fullyQualifiedDomainName")),
        public_network_access=_str(p.get("publicNetworkAccess")),
        connection_policy=_str(_get(wire(connection_policy), "properties", "connectionType")),
        private_endpoint_ids=_uniq(pe_ids),
    )


def generic_resource(obj: object) -> GenericResource:
    d = wire(obj)
    return GenericResource(
        id=_str(d.get("id")),
        name=_name(d),
        type=_str(d.get("type")),
        location=_str(d.get("location")),
        properties=_props(d),
    )
