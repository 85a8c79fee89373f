"""Virtual networks, their subnets and peerings."""

from __future__ import annotations

import re

from bot.arm.convert.wire import Json, at_path, boolean, json_objs, props, ref, resource_name, strs, text, uniq, wire
from commands.core.model import ConnectivityConfiguration, Peering, Subnet, VirtualNetwork

_PEERINGS = re.compile(r"/virtualNetworkPeerings/", re.IGNORECASE)


def peering(obj: object, vnet_id: str = "") -> Peering:
    d = wire(obj)
    p = props(d)
    pid = text(d.get("id"))
    parts = _PEERINGS.split(pid, maxsplit=1)
    remote = strs(at_path(p, "remoteAddressSpace", "addressPrefixes")) or strs(
        at_path(p, "remoteVirtualNetworkAddressSpace", "addressPrefixes")
    )
    return Peering(
        id=pid,
        name=resource_name(d),
        vnet_id=vnet_id or (parts[0] if len(parts) == 2 else ""),
        remote_vnet_id=ref(p.get("remoteVirtualNetwork")),
        remote_address_prefixes=remote,
        state=text(p.get("peeringState")),
        sync_level=text(p.get("peeringSyncLevel")),
        # ARM's default for allowVirtualNetworkAccess is true; the others default to false.
        allow_virtual_network_access=boolean(p.get("allowVirtualNetworkAccess"), default=True),
        allow_forwarded_traffic=boolean(p.get("allowForwardedTraffic")),
        allow_gateway_transit=boolean(p.get("allowGatewayTransit")),
        use_remote_gateways=boolean(p.get("useRemoteGateways")),
        provisioning_state=text(p.get("provisioningState")),
        etag=text(d.get("etag")),
    )


def _subnet(d: Json) -> Subnet:
    p = props(d)
    return Subnet(
        id=text(d.get("id")),
        name=resource_name(d),
        address_prefixes=uniq(strs(p.get("addressPrefix")), strs(p.get("addressPrefixes"))),
        route_table_id=ref(p.get("routeTable")),
        nsg_id=ref(p.get("networkSecurityGroup")),
    )


def virtual_network(obj: object) -> VirtualNetwork:
    d = wire(obj)
    p = props(d)
    vid = text(d.get("id"))
    return VirtualNetwork(
        id=vid,
        name=resource_name(d),
        location=text(d.get("location")),
        address_prefixes=strs(at_path(p, "addressSpace", "addressPrefixes")),
        dns_servers=strs(at_path(p, "dhcpOptions", "dnsServers")),
        subnets=tuple(_subnet(s) for s in json_objs(p.get("subnets"))),
        peerings=tuple(peering(x, vnet_id=vid) for x in json_objs(p.get("virtualNetworkPeerings"))),
        provisioning_state=text(p.get("provisioningState")),
    )


def connectivity_configuration(obj: object) -> ConnectivityConfiguration:
    """One entry of `listNetworkManagerEffectiveConnectivityConfigurations` (the REST spec's
    EffectiveConnectivityConfiguration: `id`, `properties` of the connectivity configuration,
    `configurationGroups`). `useHubGateway` and `deleteExistingPeering` are the strings
    "True" / "False" on the wire."""
    d = wire(obj)
    p = props(d)
    groups = json_objs(p.get("appliesToGroups"))
    return ConnectivityConfiguration(
        id=text(d.get("id")),
        topology=text(p.get("connectivityTopology")),
        hub_ids=uniq(text(h.get("resourceId")) for h in json_objs(p.get("hubs"))),
        group_ids=uniq(
            (text(g.get("networkGroupId")) for g in groups),
            (text(g.get("id")) for g in json_objs(d.get("configurationGroups"))),
        ),
        use_hub_gateway=any(boolean(g.get("useHubGateway")) for g in groups),
        delete_existing_peering=boolean(p.get("deleteExistingPeering")),
    )
