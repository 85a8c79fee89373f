"""Gateways, connections, local network gateways and the gateway actions' results."""

from __future__ import annotations

import re

from bot.arm.convert.ipsec import connection_ipsec, gateway_custom_bgp, p2s_config
from bot.arm.convert.wire import (
    Json,
    at_path,
    boolean,
    integer,
    items,
    json_list,
    json_obj,
    json_objs,
    opt_int,
    props,
    ref,
    refs,
    resource_name,
    strs,
    text,
    timestamp,
    uniq,
    wire,
)
from commands.core.model import (
    BgpPeer,
    Connection,
    Gateway,
    GatewayRoute,
    LocalNetworkGateway,
    NatRule,
    P2SClient,
    Tunnel,
)

_SUBNETS = re.compile(r"/subnets/", re.IGNORECASE)


def _vnet_of_subnet(subnet_id: str) -> str:
    parts = _SUBNETS.split(subnet_id, maxsplit=1)
    return parts[0] if len(parts) == 2 else ""


def gateway(obj: object) -> Gateway:
    d = wire(obj)
    p = props(d)
    ipcs = [props(c) for c in json_objs(p.get("ipConfigurations"))]
    subnet_ids = [ref(c.get("subnet")) for c in ipcs]
    vnet_id = next((v for v in (_vnet_of_subnet(s) for s in subnet_ids) if v), "")
    bgp = json_obj(p.get("bgpSettings"))
    # bgpPeeringAddress is "a,b" on active-active gateways; bgpPeeringAddresses[] carries the
    # default (and APIPA custom) addresses per IP configuration.
    per_ipc = [
        strs(a.get("defaultBgpIpAddresses")) + strs(a.get("customBgpIpAddresses"))
        for a in json_objs(bgp.get("bgpPeeringAddresses"))
    ]
    vpn = json_obj(p.get("vpnClientConfiguration"))
    auth = strs(vpn.get("vpnAuthenticationTypes")) or _p2s_auth_inferred(vpn)
    return Gateway(
        id=text(d.get("id")),
        name=resource_name(d),
        location=text(d.get("location")),
        gateway_type=text(p.get("gatewayType")) or "Vpn",
        vpn_type=text(p.get("vpnType")),
        sku=text(at_path(p, "sku", "name")) or text(at_path(p, "sku", "tier")),
        active_active=boolean(p.get("activeActive")),
        enable_bgp=boolean(p.get("enableBgp")),
        bgp_asn=opt_int(bgp.get("asn")) if bgp else None,
        bgp_peering_addresses=uniq(strs(bgp.get("bgpPeeringAddress")), *per_ipc),
        vnet_id=vnet_id,
        public_ip_ids=uniq(ref(c.get("publicIPAddress")) for c in ipcs),
        p2s_address_pool=strs(at_path(vpn, "vpnClientAddressPool", "addressPrefixes")),
        p2s_protocols=strs(vpn.get("vpnClientProtocols")),
        p2s_auth_types=auth,
        p2s_custom_routes=strs(at_path(p, "customRoutes", "addressPrefixes")),
        nat_rules=tuple(_nat_rule(r) for r in json_objs(p.get("natRules"))),
        provisioning_state=text(p.get("provisioningState")),
        etag=text(d.get("etag")),
        p2s=p2s_config(vpn, auth),
        custom_bgp_addresses=gateway_custom_bgp(bgp),
        instance_vips=uniq(*(strs(a.get("tunnelIpAddresses")) for a in json_objs(bgp.get("bgpPeeringAddresses")))),
    )


def _nat_rule(r: Json) -> NatRule:
    rp = props(r)
    return NatRule(
        id=text(r.get("id")),
        name=resource_name(r),
        mode=text(rp.get("mode")),
        rule_type=text(rp.get("type")) or "Static",
        internal=tuple(s for s in (text(m.get("addressSpace")) for m in json_objs(rp.get("internalMappings"))) if s),
        external=tuple(s for s in (text(m.get("addressSpace")) for m in json_objs(rp.get("externalMappings"))) if s),
    )


def _p2s_auth_inferred(vpn: Json) -> tuple[str, ...]:
    # Older payloads (and the published examples) omit vpnAuthenticationTypes; the
    # configured material says which methods are in use.
    out: list[str] = []
    if json_list(vpn.get("vpnClientRootCertificates")):
        out.append("Certificate")
    if json_list(vpn.get("radiusServers")) or text(vpn.get("radiusServerAddress")):
        out.append("Radius")
    if text(vpn.get("aadTenant")):
        out.append("AAD")
    return tuple(out)


def connection(obj: object) -> Connection:
    d = wire(obj)
    p = props(d)
    tunnels = tuple(
        Tunnel(
            name=text(t.get("tunnel")),
            status=text(t.get("connectionStatus")) or "Unknown",
            ingress_bytes=integer(t.get("ingressBytesTransferred")),
            egress_bytes=integer(t.get("egressBytesTransferred")),
            last_established=timestamp(t.get("lastConnectionEstablishedUtcTime")),
        )
        for t in json_objs(p.get("tunnelConnectionStatus"))
    )
    times = [t.last_established for t in tunnels if t.last_established is not None]
    return Connection(
        id=text(d.get("id")),
        name=resource_name(d),
        location=text(d.get("location")),
        connection_type=text(p.get("connectionType")),
        # The list call (and list_connections) leave connectionStatus out: only a GET fills it.
        status=text(p.get("connectionStatus")) or "Unknown",
        ingress_bytes=integer(p.get("ingressBytesTransferred")),
        egress_bytes=integer(p.get("egressBytesTransferred")),
        gateway1_id=ref(p.get("virtualNetworkGateway1")),
        gateway2_id=ref(p.get("virtualNetworkGateway2")),
        local_network_gateway_id=ref(p.get("localNetworkGateway2")),
        peer_id=ref(p.get("peer")),
        enable_bgp=boolean(p.get("enableBgp")),
        protocol=text(p.get("connectionProtocol")),
        routing_weight=integer(p.get("routingWeight")),
        tunnels=tunnels,
        last_established=max(times) if times else None,
        ingress_nat_rule_ids=refs(p.get("ingressNatRules")),
        egress_nat_rule_ids=refs(p.get("egressNatRules")),
        provisioning_state=text(p.get("provisioningState")),
        etag=text(d.get("etag")),
        **connection_ipsec(p),
    )


def local_network_gateway(obj: object) -> LocalNetworkGateway:
    d = wire(obj)
    p = props(d)
    bgp = json_obj(p.get("bgpSettings"))
    return LocalNetworkGateway(
        id=text(d.get("id")),
        name=resource_name(d),
        location=text(d.get("location")),
        gateway_ip=text(p.get("gatewayIpAddress")),
        fqdn=text(p.get("fqdn")),
        address_prefixes=strs(at_path(p, "localNetworkAddressSpace", "addressPrefixes")),
        bgp_asn=opt_int(bgp.get("asn")) if bgp else None,
        bgp_peering_address=text(bgp.get("bgpPeeringAddress")),
    )


def bgp_peers(result: object) -> list[BgpPeer]:
    """`getBgpPeerStatus` result; `{}` (no peers) → []."""
    return [
        BgpPeer(
            neighbor=text(e.get("neighbor")),
            asn=opt_int(e.get("asn")),
            state=text(e.get("state")),
            local_address=text(e.get("localAddress")),
            connected_duration=text(e.get("connectedDuration")),
            routes_received=integer(e.get("routesReceived")),
            messages_sent=integer(e.get("messagesSent")),
            messages_received=integer(e.get("messagesReceived")),
        )
        for e in items(result)
    ]


def gateway_routes(result: object) -> list[GatewayRoute]:
    """`getLearnedRoutes` / `getAdvertisedRoutes` result; `{}` (no routes) → []."""
    return [
        GatewayRoute(
            network=text(e.get("network")),
            next_hop=text(e.get("nextHop")),
            origin=text(e.get("origin")),
            as_path=text(e.get("asPath")),
            source_peer=text(e.get("sourcePeer")),
            local_address=text(e.get("localAddress")),
            weight=opt_int(e.get("weight")),
        )
        for e in items(result)
    ]


def p2s_clients(result: object) -> list[P2SClient]:
    """`getVpnclientConnectionHealth` result; `{}` → []."""
    return [
        P2SClient(
            user_name=text(e.get("vpnUserName")),
            private_ip=text(e.get("privateIpAddress")),
            public_ip=text(e.get("publicIpAddress")),
            ingress_bytes=integer(e.get("ingressBytesTransferred")),
            egress_bytes=integer(e.get("egressBytesTransferred")),
            connected_since=timestamp(e.get("vpnConnectionTime")),
            duration_s=opt_int(e.get("vpnConnectionDuration")),
            connection_id=text(e.get("vpnConnectionId")),
        )
        for e in items(result)
    ]
