"""Estates for the `/vpn routes` tests (the command, coverage, the P2S plan, the VPN client
log), built from dataclasses, and `SEED_LOG`, the seed's VPN client log.

No tests here: builders shared by the tests in this folder.
Two seed-like topologies (the two designs of ../shared/seed-problem.md) and the pieces to
build unseen ones (hub-spoke, site-to-site, route tables).
"""

from __future__ import annotations

from commands.core.estate import EstateIndex
from commands.core.model import (
    BgpPeer,
    Connection,
    EffectiveRoute,
    Gateway,
    GatewayRoute,
    LocalNetworkGateway,
    NetworkInterface,
    Peering,
    PrivateEndpoint,
    PrivateLinkConnection,
    Subnet,
    Subscription,
    VirtualNetwork,
)
from tests.fakes import FakeAzure

SUB = "00000000-0000-0000-0000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network"
SUBS = (Subscription(SUB, "Seed"),)
NIC_AUE = f"{RG}/networkInterfaces/nic-vm-aue"

SEED_LOG = """\
[3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Received option: route 10.0.0.0 255.255.0.0
[3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Assigned Route: 10.1.0.0 / 255.255.0.0
[3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Received option: route-gateway 172.16.10.1
[3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Assigned IP address: 172.16.10.2 / 255.255.255.128
[3/23/2020 1:28:14 PM] PId:[00025864] TId:[00010832] [hub-eun] [{…}] [Verbose] Session established!
"""


def vnet_id(name: str) -> str:
    return f"{RG}/virtualNetworks/{name}"


def gw_id(name: str) -> str:
    return f"{RG}/virtualNetworkGateways/{name}"


def subnet_id(vnet: str, subnet: str = "default") -> str:
    return f"{vnet_id(vnet)}/subnets/{subnet}"


def peering(vnet: str, remote: str, remote_prefixes: tuple[str, ...] = (), **flags: object) -> Peering:
    args: dict[str, object] = {"state": "Connected", "sync_level": "FullyInSync"}
    args.update(flags)
    return Peering(
        id=f"{vnet_id(vnet)}/virtualNetworkPeerings/{vnet}-to-{remote}",
        name=f"{vnet}-to-{remote}",
        vnet_id=vnet_id(vnet),
        remote_vnet_id=vnet_id(remote),
        remote_address_prefixes=remote_prefixes,
        **args,  # type: ignore[arg-type]
    )


def vnet(
    name: str,
    prefixes: tuple[str, ...],
    peerings: tuple[Peering, ...] = (),
    dns: tuple[str, ...] = (),
    route_table: str = "",
    location: str = "northeurope",
) -> VirtualNetwork:
    first = prefixes[0].split("/")[0].rsplit(".", 2)[0]
    return VirtualNetwork(
        id=vnet_id(name),
        name=name,
        location=location,
        address_prefixes=prefixes,
        dns_servers=dns,
        subnets=(
            Subnet(subnet_id(name), "default", (f"{first}.1.0/24",), route_table_id=route_table),
            Subnet(subnet_id(name, "GatewaySubnet"), "GatewaySubnet", (f"{first}.255.0/27",)),
        ),
        peerings=peerings,
    )


def gateway(name: str, vnet: str, pool: tuple[str, ...] = (), bgp: bool = False, asn: int | None = None) -> Gateway:
    return Gateway(
        id=gw_id(name),
        name=name,
        location="northeurope",
        vpn_type="RouteBased",
        sku="VpnGw1",
        enable_bgp=bgp,
        bgp_asn=asn,
        vnet_id=vnet_id(vnet),
        p2s_address_pool=pool,
        p2s_protocols=("OpenVPN",) if pool else (),
    )


def v2v(
    name: str, a: str, b: str, status: str = "Connected", bgp: bool = False, ingress: int = 0, egress: int = 0
) -> Connection:
    return Connection(
        id=f"{RG}/connections/{name}",
        name=name,
        connection_type="Vnet2Vnet",
        status=status,
        gateway1_id=gw_id(a),
        gateway2_id=gw_id(b),
        enable_bgp=bgp,
        ingress_bytes=ingress,
        egress_bytes=egress,
    )


def s2s(name: str, gw: str, lng: str, status: str = "Connected", bgp: bool = False) -> Connection:
    return Connection(
        id=f"{RG}/connections/{name}",
        name=name,
        connection_type="IPsec",
        status=status,
        gateway1_id=gw_id(gw),
        local_network_gateway_id=f"{RG}/localNetworkGateways/{lng}",
        enable_bgp=bgp,
    )


def lng(name: str, prefixes: tuple[str, ...], bgp_address: str = "") -> LocalNetworkGateway:
    return LocalNetworkGateway(
        id=f"{RG}/localNetworkGateways/{name}",
        name=name,
        gateway_ip="203.0.113.10",
        address_prefixes=prefixes,
        bgp_peering_address=bgp_address,
    )


def pe(name: str, vnet: str, ip: str, server: str) -> PrivateEndpoint:
    return PrivateEndpoint(
        id=f"{RG}/privateEndpoints/{name}",
        name=name,
        subnet_id=subnet_id(vnet),
        private_ips=(ip,),
        connections=(
            PrivateLinkConnection(
                name=name,
                target_id=f"/subscriptions/{SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/{server}",
                group_ids=("sqlServer",),
                status="Approved",
            ),
        ),
    )


def nic(name: str, vnet: str, vm: str = "", ip: str = "") -> NetworkInterface:
    return NetworkInterface(
        id=f"{RG}/networkInterfaces/{name}",
        name=name,
        vm_id=f"/subscriptions/{SUB}/resourceGroups/rg-vm/providers/Microsoft.Compute/virtualMachines/{vm}"
        if vm
        else "",
        subnet_ids=(subnet_id(vnet),),
        private_ips=(ip,) if ip else (),
    )


def route(
    source: str, prefix: str, hop: str, ips: tuple[str, ...] = (), state: str = "Active", name: str = ""
) -> EffectiveRoute:
    return EffectiveRoute(source, state, (prefix,), hop, ips, name)


def defaults(own: str) -> list[EffectiveRoute]:
    """Azure's default system routes for a VNet with address space `own`."""
    return [
        route("Default", own, "VnetLocal"),
        route("Default", "0.0.0.0/0", "Internet"),
        route("Default", "10.0.0.0/8", "None"),
        route("Default", "172.16.0.0/12", "None"),
        route("Default", "192.168.0.0/16", "None"),
        route("Default", "100.64.0.0/10", "None"),
    ]


def seed_v2v(bgp: bool = False) -> FakeAzure:
    """Design 2 of the seed: each region keeps its gateway, one VNet-to-VNet connection per direction."""
    routes_aue = [
        *defaults("10.1.0.0/16"),
        route("Default", "10.1.1.4/32", "InterfaceEndpoint"),
        route("VirtualNetworkGateway", "10.0.0.0/16", "VirtualNetworkGateway", ("10.1.255.4", "10.1.255.5")),
    ]
    if bgp:
        routes_aue.append(route("VirtualNetworkGateway", "172.16.10.0/25", "VirtualNetworkGateway", ("10.1.255.4",)))
    return FakeAzure(
        subscriptions=SUBS,
        gateways=[
            gateway("vgw-eun", "vnet-eun", pool=("172.16.10.0/25",), bgp=bgp, asn=65010 if bgp else None),
            gateway("vgw-aue", "vnet-aue", bgp=bgp, asn=65020 if bgp else None),
        ],
        connections=[
            v2v("conn-eun-aue", "vgw-eun", "vgw-aue", bgp=bgp, egress=52_000_000, ingress=0),
            v2v("conn-aue-eun", "vgw-aue", "vgw-eun", bgp=bgp, ingress=51_000_000, egress=0),
        ],
        vnets=[vnet("vnet-eun", ("10.0.0.0/16",)), vnet("vnet-aue", ("10.1.0.0/16",), location="australiaeast")],
        nics=[
            nic("nic-vm-aue", "vnet-aue", "vm-aue", "10.1.1.10"),
            nic("nic-vm-eun", "vnet-eun", "vm-eun", "10.0.1.10"),
        ],
        private_endpoints=[
            pe("pe-sql-eun", "vnet-eun", "10.0.1.4", "sql-eun"),
            pe("pe-sql-aue", "vnet-aue", "10.1.1.4", "sql-aue"),
        ],
        effective={f"{RG}/networkInterfaces/nic-vm-aue": routes_aue},
        learned={
            gw_id("vgw-eun"): [
                GatewayRoute("10.0.0.0/16", "", "Network", "", "10.0.255.4", "10.0.255.4", 32768),
                GatewayRoute("10.1.0.0/16", "", "Network", "", "10.0.255.4", "10.0.255.4", 32768),
            ]
        },
    )


def seed_transit() -> FakeAzure:
    """Design 1 of the seed: the Australia VNet uses the Europe hub's gateway through peering."""
    return FakeAzure(
        subscriptions=SUBS,
        gateways=[gateway("vgw-eun", "vnet-eun", pool=("172.16.10.0/25",))],
        vnets=[
            vnet(
                "vnet-eun",
                ("10.0.0.0/16",),
                (peering("vnet-eun", "vnet-aue", ("10.1.0.0/16",), allow_gateway_transit=True),),
            ),
            vnet(
                "vnet-aue",
                ("10.1.0.0/16",),
                (peering("vnet-aue", "vnet-eun", ("10.0.0.0/16",), use_remote_gateways=True),),
                location="australiaeast",
            ),
        ],
        nics=[nic("nic-vm-aue", "vnet-aue", "vm-aue")],
        private_endpoints=[
            pe("pe-sql-eun", "vnet-eun", "10.0.1.4", "sql-eun"),
            pe("pe-sql-aue", "vnet-aue", "10.1.1.4", "sql-aue"),
        ],
        effective={
            f"{RG}/networkInterfaces/nic-vm-aue": [
                *defaults("10.1.0.0/16"),
                route("Default", "10.0.0.0/16", "VNetGlobalPeering"),
                route("VirtualNetworkGateway", "172.16.10.0/25", "VirtualNetworkGateway", ("10.0.255.4",)),
                route("Default", "10.1.1.4/32", "InterfaceEndpoint"),
            ]
        },
        bgp={},
    )


def hub_bgp_peers() -> dict[str, list[BgpPeer]]:
    return {
        gw_id("vgw-eun"): [
            BgpPeer("10.1.255.30", 65020, "Connected", "10.0.255.30", "01:02:03", 2, 10, 12),
            BgpPeer("192.168.255.1", 65050, "Connecting", "10.0.255.30"),
        ]
    }


def hub_spoke(spoke2_uses_gateway: bool = True, transit: bool = True, route_table: str = "") -> FakeAzure:
    """hub (10.10/16, gateway with P2S and a S2S branch) with spoke1 and spoke2."""
    hub = vnet(
        "hub",
        ("10.10.0.0/16",),
        (
            peering("hub", "spoke1", ("10.11.0.0/16",), allow_gateway_transit=transit),
            peering("hub", "spoke2", ("10.12.0.0/16",), allow_gateway_transit=transit),
        ),
    )
    spoke1 = vnet(
        "spoke1", ("10.11.0.0/16",), (peering("spoke1", "hub", ("10.10.0.0/16",), use_remote_gateways=transit),)
    )
    spoke2 = vnet(
        "spoke2",
        ("10.12.0.0/16",),
        (peering("spoke2", "hub", ("10.10.0.0/16",), use_remote_gateways=spoke2_uses_gateway and transit),),
        route_table=route_table,
    )
    return FakeAzure(
        subscriptions=SUBS,
        vnets=[hub, spoke1, spoke2],
        gateways=[gateway("vgw-hub", "hub", pool=("172.20.0.0/24",))],
        local_gateways=[lng("lng-branch", ("192.168.50.0/24",))],
        connections=[s2s("conn-branch", "vgw-hub", "lng-branch")],
        nics=[nic("nic-s1", "spoke1"), nic("nic-s2", "spoke2"), nic("nic-hub", "hub")],
        private_endpoints=[pe("pe-db", "spoke1", "10.11.1.4", "sql-db")],
    )


def spoke_routes(prefix: str, transit: bool = True) -> list[EffectiveRoute]:
    out = [*defaults(prefix), route("Default", "10.10.0.0/16", "VNetPeering")]
    if transit:
        out += [
            route("VirtualNetworkGateway", "172.20.0.0/24", "VirtualNetworkGateway", ("10.10.255.4",)),
            route("VirtualNetworkGateway", "192.168.50.0/24", "VirtualNetworkGateway", ("10.10.255.4",)),
        ]
    return out


def facts_of(az: FakeAzure) -> EstateIndex:
    """The estate index of what `az` holds."""
    return EstateIndex(
        vnets=tuple(az.vnets.values()),
        gateways=tuple(az.gws.values()),
        connections=tuple(az.conns.values()),
        local_gateways=tuple(az.lngs.values()),
        private_endpoints=tuple(az.pes.values()),
    )
