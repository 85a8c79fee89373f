"""Private endpoints, their DNS zone groups, private DNS zones and DNS resolvers."""

from __future__ import annotations

from collections.abc import Iterable

from bot.arm.convert.wire import (
    Json,
    boolean,
    dns_name,
    json_obj,
    json_objs,
    opt_int,
    props,
    ref,
    refs,
    resource_name,
    strs,
    text,
    uniq,
    wire,
)
from commands.core.errors import AzureFailure
from commands.core.model import (
    DnsRecordSet,
    DnsResolver,
    DnsZoneConfig,
    DnsZoneGroup,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkConnection,
    VnetLink,
    name_of,
)


def _link_connection(d: Json, manual: bool) -> PrivateLinkConnection:
    p = props(d)
    state = json_obj(p.get("privateLinkServiceConnectionState"))
    return PrivateLinkConnection(
        name=resource_name(d),
        target_id=text(p.get("privateLinkServiceId")),
        group_ids=strs(p.get("groupIds")),
        status=text(state.get("status")),
        description=text(state.get("description")),
        manual=manual,
    )


def private_endpoint_ips(obj: object) -> tuple[str, ...]:
    """The endpoint's private IPs as the endpoint itself reports them: static
    `ipConfigurations` and `customDnsConfigs`. Empty when only its NIC knows them."""
    p = props(wire(obj))
    static = (text(props(c).get("privateIPAddress")) for c in json_objs(p.get("ipConfigurations")))
    custom = (ip for c in json_objs(p.get("customDnsConfigs")) for ip in strs(c.get("ipAddresses")))
    return uniq(static, custom)


def private_endpoint(
    obj: object, zone_groups: Iterable[DnsZoneGroup] = (), nic_ips: Iterable[str] = ()
) -> PrivateEndpoint:
    """`nic_ips`: the IPs of the endpoint's NIC, for when the endpoint lists none itself."""
    d = wire(obj)
    p = props(d)
    custom = tuple(
        DnsRecordSet(
            name=dns_name(c.get("fqdn")).split(".", 1)[0],
            fqdn=dns_name(c.get("fqdn")),
            record_type="A",
            ips=strs(c.get("ipAddresses")),
        )
        for c in json_objs(p.get("customDnsConfigs"))
    )
    conns = tuple(_link_connection(c, manual=False) for c in json_objs(p.get("privateLinkServiceConnections"))) + tuple(
        _link_connection(c, manual=True) for c in json_objs(p.get("manualPrivateLinkServiceConnections"))
    )
    return PrivateEndpoint(
        id=text(d.get("id")),
        name=resource_name(d),
        location=text(d.get("location")),
        subnet_id=ref(p.get("subnet")),
        private_ips=uniq(private_endpoint_ips(d), nic_ips),
        custom_dns=custom,
        connections=conns,
        nic_ids=refs(p.get("networkInterfaces")),
        zone_groups=tuple(zone_groups),
        provisioning_state=text(p.get("provisioningState")),
    )


def dns_zone_group(obj: object) -> DnsZoneGroup:
    d = wire(obj)
    p = props(d)
    configs = []
    for c in json_objs(p.get("privateDnsZoneConfigs")):
        cp = props(c) or c
        records = tuple(
            DnsRecordSet(
                name=text(r.get("recordSetName")) or dns_name(r.get("fqdn")).split(".", 1)[0],
                fqdn=dns_name(r.get("fqdn")),
                record_type=text(r.get("recordType")) or "A",
                ips=strs(r.get("ipAddresses")),
                ttl=opt_int(r.get("ttl")),
            )
            for r in json_objs(cp.get("recordSets"))
        )
        configs.append(DnsZoneConfig(zone_id=text(cp.get("privateDnsZoneId")), records=records))
    return DnsZoneGroup(id=text(d.get("id")), name=resource_name(d), configs=tuple(configs))


def record_set(obj: object) -> DnsRecordSet:
    """A private DNS zone record set (A and AAAA carry IPs; other types convert with none)."""
    d = wire(obj)
    p = props(d)
    rtype = name_of(text(d.get("type"))) or "A"
    ips = uniq(
        (text(a.get("ipv4Address")) for a in json_objs(p.get("aRecords"))),
        (text(a.get("ipv6Address")) for a in json_objs(p.get("aaaaRecords"))),
    )
    return DnsRecordSet(
        name=resource_name(d), fqdn=dns_name(p.get("fqdn")), record_type=rtype, ips=ips, ttl=opt_int(p.get("ttl"))
    )


def vnet_link(obj: object) -> VnetLink:
    d = wire(obj)
    p = props(d)
    return VnetLink(
        id=text(d.get("id")),
        name=resource_name(d),
        vnet_id=ref(p.get("virtualNetwork")),
        registration_enabled=boolean(p.get("registrationEnabled")),
        state=text(p.get("virtualNetworkLinkState")),
        resolution_policy=text(p.get("resolutionPolicy")),
    )


def private_dns_zone(
    obj: object,
    records: Iterable[object] = (),
    links: Iterable[object] = (),
    records_failure: AzureFailure | None = None,
    links_failure: AzureFailure | None = None,
) -> PrivateDnsZone:
    """`records_failure` / `links_failure`: why that list of the zone could not be read."""
    d = wire(obj)
    return PrivateDnsZone(
        id=text(d.get("id")),
        name=resource_name(d),
        records=tuple(record_set(r) for r in records),
        links=tuple(vnet_link(x) for x in links),
        records_failure=records_failure,
        links_failure=links_failure,
    )


def dns_resolver(obj: object, inbound_endpoints: Iterable[object] = ()) -> DnsResolver:
    d = wire(obj)
    p = props(d)
    ips = (
        text(c.get("privateIpAddress"))
        for ie in inbound_endpoints
        for c in json_objs(props(wire(ie)).get("ipConfigurations"))
    )
    return DnsResolver(
        id=text(d.get("id")),
        name=resource_name(d),
        location=text(d.get("location")),
        vnet_id=ref(p.get("virtualNetwork")),
        inbound_ips=uniq(ips),
        state=text(p.get("dnsResolverState")),
    )
