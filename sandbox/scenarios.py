"""The scenario corpus: real designs from Microsoft's documentation, as estates.

Each function below builds one estate (`sandbox.armdocs`) of a design the VPN Gateway,
Virtual Network and Private Link documentation describes — healthy, or broken the way a
real one breaks. `python -m sandbox.scenarios` writes them to
`sandbox/estates/scenarios/<name>.json`; beside each, `<name>.expect.json` (written by
hand from the documented rules, never from the bot's output) says what must and must not
be found. The format, the finding vocabulary and how the corpus is scored:
`sandbox/estates/scenarios/README.md`.

Conventions: a hub's GatewaySubnet is `<a.b>.255.0/27`, so its gateway's BGP address is
`.30` (one instance) or `.4`/`.5` (active-active), as Azure assigns them; on-premises
public IPs come from the documentation ranges (RFC 5737).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.armdocs import (
    P2S,
    Doc,
    Estate,
    Tunnel,
    advertised,
    bgp_peer,
    connection,
    eff,
    etag,
    gateway,
    guid,
    ipsec_policy,
    learned,
    local_gateway,
    nat_rule,
    net_id,
    nic_and_vm,
    p2s_client,
    peer,
    peer_pair,
    private_zone,
    ref,
    resolver,
    rid,
    route,
    route_table,
    sql_server_with_endpoint,
    subnet_id,
    system_routes,
    vnet,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "sandbox" / "estates" / "scenarios"
SQL_ZONE = "privatelink.database.windows.net"
GB = 1024**3
MB = 1024**2

Builder = Callable[[], Estate]
SCENARIOS: dict[str, Builder] = {}


def scenario(fn: Builder) -> Builder:
    SCENARIOS[fn.__name__.replace("_", "-")] = fn
    return fn


def sub_for(name: str) -> str:
    return guid("scenario:" + name)


def site(
    sub: str,
    rg: str,
    name: str,
    loc: str,
    net: str,
    *,
    dns: list[str] | None = None,
    extra: list[Any] | None = None,
    gw: bool = True,
) -> Doc:
    """A VNet `<net>.0.0/16` with snet-app `<net>.1.0/24` (and a GatewaySubnet when `gw`)."""
    subnets: list[Any] = [("snet-app", f"{net}.1.0/24")]
    subnets += extra or []
    if gw:
        subnets.append(("GatewaySubnet", f"{net}.255.0/27"))
    return vnet(sub, rg, name, loc, [f"{net}.0.0/16"], subnets, dns=dns)


def gw_ip(net: str, active_active: bool = False) -> list[str]:
    return [f"{net}.255.4", f"{net}.255.5"] if active_active else [f"{net}.255.30"]


def vng(prefixes: str | list[str], hops: list[str]) -> Doc:
    """An effective route a gateway put there (learned, static or P2S pool)."""
    return eff(prefixes, "VirtualNetworkGateway", hops, source="VirtualNetworkGateway")


def peering_route(prefixes: str | list[str], global_peering: bool = False) -> Doc:
    return eff(prefixes, "VNetGlobalPeering" if global_peering else "VNetPeering")


def net_learned(local: str, prefixes: list[str]) -> list[Doc]:
    return [learned(local, p) for p in prefixes]


def body(*entries: Doc | list[Doc]) -> dict[str, Any]:
    out: list[Doc] = []
    for e in entries:
        out.extend(e if isinstance(e, list) else [e])
    return {"value": out}


# ============================================================================================
# Healthy designs
# ============================================================================================


@scenario
def hub_spoke_transit() -> Estate:
    est = Estate(
        "Hub and spoke with gateway transit (vpn-gateway-peering-gateway-transit): a hub gateway with "
        "certificate P2S (IKEv2 + OpenVPN) and a BGP site-to-site connection; two spokes use the hub's "
        "gateway. Healthy."
    )
    sub = est.subscription(sub_for("hub-spoke-transit"), "Fabrikam Connectivity")
    hub = site(sub, "rg-hub", "vnet-hub", "westeurope", "10.60", extra=[("snet-shared", "10.60.2.0/24")])
    s1 = site(sub, "rg-spokes", "vnet-spoke1", "westeurope", "10.61", gw=False)
    s2 = site(sub, "rg-spokes", "vnet-spoke2", "westeurope", "10.62", gw=False)
    est.add(hub, s1, s2)
    peer_pair(hub, s1, a_to_b="hub-to-spoke1", b_to_a="spoke1-to-hub", a_transit=True, b_uses=True, forwarded=True)
    peer_pair(hub, s2, a_to_b="hub-to-spoke2", b_to_a="spoke2-to-hub", a_transit=True, b_uses=True, forwarded=True)
    g = gateway(
        est,
        hub,
        "vgw-hub",
        public_ips=["20.31.60.10"],
        bgp=True,
        asn=65010,
        p2s=P2S(["172.30.60.0/24"], ["Certificate"], ["IkeV2", "OpenVPN"]),
    )
    lng = est.add(
        local_gateway(sub, "rg-hub", "lgw-hq", "westeurope", "203.0.113.10", ["192.168.10.1/32"], 65050, "192.168.10.1")
    )
    connection(
        est,
        sub,
        "rg-hub",
        "cn-hub-to-hq",
        "westeurope",
        g["id"],
        lng=lng["id"],
        bgp=True,
        shared_key="Hq-S2S-7d1e",
        ingress=40 * GB,
        egress=55 * GB,
        tunnels=[Tunnel("vgw-hub_20.31.60.10", ingress=40 * GB, egress=55 * GB)],
        growth=(180 * MB, 240 * MB),
    )
    local = "10.60.255.30"
    est.action(
        g["id"],
        "getLearnedRoutes",
        body(
            net_learned(local, ["10.60.0.0/16", "10.61.0.0/16", "10.62.0.0/16", "172.30.60.0/24", "192.168.10.1/32"]),
            learned(
                local, "192.168.0.0/20", origin="EBgp", next_hop="192.168.10.1", source="192.168.10.1", as_path="65050"
            ),
        ),
    )
    est.action(g["id"], "getBgpPeerStatus", body(bgp_peer(local, "192.168.10.1", 65050, routes=1)))
    est.action(
        g["id"],
        "getAdvertisedRoutes?peer=192.168.10.1",
        body(
            [advertised(local, p, "65010") for p in ("10.60.0.0/16", "10.61.0.0/16", "10.62.0.0/16", "172.30.60.0/24")]
        ),
    )
    est.action(
        g["id"],
        "getVpnclientConnectionHealth",
        body(
            p2s_client("laptop-0417", "172.30.60.2", "198.51.100.41:4500"),
            p2s_client("laptop-0522", "172.30.60.3", "198.51.100.87:51022"),
        ),
    )
    hops = [local]
    for v, vm, ip in ((s1, "vm-spoke1", "10.61.1.4"), (s2, "vm-spoke2", "10.62.1.4")):
        own = v["properties"]["addressSpace"]["addressPrefixes"]
        nic_and_vm(
            est,
            v,
            "snet-app",
            vm,
            ip,
            routes=[
                *system_routes(own),
                peering_route("10.60.0.0/16"),
                vng("192.168.0.0/20", hops),
                vng("192.168.10.1/32", hops),
                vng("172.30.60.0/24", hops),
            ],
        )
    nic_and_vm(
        est,
        hub,
        "snet-shared",
        "vm-hub-jump",
        "10.60.2.4",
        routes=[
            *system_routes(["10.60.0.0/16"]),
            peering_route("10.61.0.0/16"),
            peering_route("10.62.0.0/16"),
            vng("192.168.0.0/20", hops),
            vng("192.168.10.1/32", hops),
            vng("172.30.60.0/24", hops),
        ],
    )
    return est


@scenario
def active_active_apipa_bgp() -> Estate:
    est = Estate(
        "Active-active gateway with BGP over APIPA custom addresses (bgp-howto, about-active-active-gateways): "
        "two on-premises devices, each with a tunnel to both instances; 169.254.21.x / 169.254.22.x peers; "
        "10.50.0.0/16 and 10.51.0.0/16 learned from on-premises. Healthy (issue 16 example 3)."
    )
    sub = est.subscription(sub_for("active-active-apipa-bgp"), "Contoso Networking")
    v = site(sub, "rg-net-neu", "vnet-neu", "northeurope", "10.41")
    est.add(v)
    g = gateway(
        est,
        v,
        "vgw-neu",
        public_ips=["20.67.41.10", "20.67.41.11"],
        bgp=True,
        asn=65010,
        apipa=[["169.254.21.1", "169.254.22.1"], ["169.254.21.5", "169.254.22.5"]],
    )
    ipc1, ipc2 = (c["id"] for c in g["properties"]["ipConfigurations"])
    lng1 = est.add(
        local_gateway(sub, "rg-net-neu", "lgw-dc-1", "northeurope", "198.51.100.21", [], 65050, "169.254.21.2")
    )
    lng2 = est.add(
        local_gateway(sub, "rg-net-neu", "lgw-dc-2", "northeurope", "198.51.100.22", [], 65050, "169.254.22.2")
    )
    for lng, n, a, b in ((lng1, "1", "169.254.21.1", "169.254.21.5"), (lng2, "2", "169.254.22.1", "169.254.22.5")):
        connection(
            est,
            sub,
            "rg-net-neu",
            f"cn-neu-to-dc-{n}",
            "northeurope",
            g["id"],
            lng=lng["id"],
            bgp=True,
            shared_key=f"Dc{n}-S2S-41aa",
            custom_bgp=[(ipc1, a), (ipc2, b)],
            ingress=30 * GB,
            egress=22 * GB,
            tunnels=[
                Tunnel("vgw-neu_20.67.41.10", ingress=15 * GB, egress=11 * GB),
                Tunnel("vgw-neu_20.67.41.11", ingress=15 * GB, egress=11 * GB),
            ],
            growth=(90 * MB, 70 * MB),
        )
    i0, i1 = "10.41.255.4", "10.41.255.5"
    routes: list[Doc] = []
    for local in (i0, i1):
        routes += net_learned(local, ["10.41.0.0/16", "169.254.21.2/32", "169.254.22.2/32"])
        for peer_ip in ("169.254.21.2", "169.254.22.2"):
            routes += [
                learned(local, p, origin="EBgp", next_hop=peer_ip, source=peer_ip, as_path="65050")
                for p in ("10.50.0.0/16", "10.51.0.0/16")
            ]
    est.action(g["id"], "getLearnedRoutes", {"value": routes})
    est.action(
        g["id"],
        "getBgpPeerStatus",
        body(
            bgp_peer(i0, "169.254.21.2", 65050, routes=2),
            bgp_peer(i1, "169.254.21.2", 65050, routes=2),
            bgp_peer(i0, "169.254.22.2", 65050, routes=2),
            bgp_peer(i1, "169.254.22.2", 65050, routes=2),
            bgp_peer(i0, i1, 65010, routes=4),
            bgp_peer(i1, i0, 65010, routes=4),
        ),
    )
    for peer_ip in ("169.254.21.2", "169.254.22.2"):
        est.action(
            g["id"],
            f"getAdvertisedRoutes?peer={peer_ip}",
            body(advertised(i0, "10.41.0.0/16", "65010"), advertised(i1, "10.41.0.0/16", "65010")),
        )
    hops = [i0, i1]
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-neu-app",
        "10.41.1.4",
        routes=[
            *system_routes(["10.41.0.0/16"]),
            vng("10.50.0.0/16", hops),
            vng("10.51.0.0/16", hops),
            vng("169.254.21.2/32", hops),
            vng("169.254.22.2/32", hops),
        ],
    )
    return est


@scenario
def expressroute_vpn_coexist() -> Estate:
    est = Estate(
        "ExpressRoute and site-to-site VPN gateways coexisting in one VNet (expressroute-howto-coexist-resource-manager): "
        "an ErGw1AZ gateway with a circuit connection and a route-based VpnGw1AZ with a static S2S connection "
        "to a branch. Healthy."
    )
    sub = est.subscription(sub_for("expressroute-vpn-coexist"), "Woodgrove Networking")
    v = vnet(
        sub,
        "rg-coexist",
        "vnet-coexist",
        "westeurope",
        ["10.70.0.0/16"],
        [("snet-app", "10.70.1.0/24"), ("GatewaySubnet", "10.70.255.0/26")],
    )
    est.add(v)
    er = gateway(est, v, "ergw-coexist", public_ips=["20.71.70.5"], sku="ErGw1AZ", gateway_type="ExpressRoute")
    vpn = gateway(est, v, "vgw-coexist", public_ips=["20.71.70.10"], sku="VpnGw1AZ", bgp=False)
    circuit = rid(sub, "rg-coexist", "Microsoft.Network", "expressRouteCircuits", "erc-woodgrove-ams")
    est.add(
        {
            "name": "erc-woodgrove-ams",
            "id": circuit,
            "type": "Microsoft.Network/expressRouteCircuits",
            "location": "westeurope",
            "etag": 'W/"' + guid(circuit) + '"',
            "sku": {"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"},
            "properties": {
                "provisioningState": "Succeeded",
                "circuitProvisioningState": "Enabled",
                "serviceProviderProvisioningState": "Provisioned",
                "serviceProviderProperties": {
                    "serviceProviderName": "Equinix",
                    "peeringLocation": "Amsterdam",
                    "bandwidthInMbps": 1000,
                },
                "peerings": [],
            },
        }
    )
    connection(est, sub, "rg-coexist", "cn-er-ams", "westeurope", er["id"], peer_circuit=circuit, status="Connected")
    lng = est.add(local_gateway(sub, "rg-coexist", "lgw-branch-rtm", "westeurope", "203.0.113.70", ["192.168.70.0/24"]))
    connection(
        est,
        sub,
        "rg-coexist",
        "cn-coexist-to-rtm",
        "westeurope",
        vpn["id"],
        lng=lng["id"],
        shared_key="Rtm-S2S-70cc",
        ingress=3 * GB,
        egress=4 * GB,
        tunnels=[Tunnel("vgw-coexist_20.71.70.10", ingress=3 * GB, egress=4 * GB)],
        growth=(20 * MB, 25 * MB),
    )
    est.action(vpn["id"], "getLearnedRoutes", body(net_learned("10.70.255.30", ["10.70.0.0/16", "192.168.70.0/24"])))
    est.action(
        er["id"],
        "getLearnedRoutes",
        body(
            learned("10.70.255.12", "10.70.0.0/16"),
            learned(
                "10.70.255.12",
                "10.200.0.0/16",
                origin="EBgp",
                next_hop="10.70.255.4",
                source="10.70.255.4",
                as_path="12076-65200",
            ),
        ),
    )
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-coexist",
        "10.70.1.4",
        routes=[
            *system_routes(["10.70.0.0/16"]),
            vng("192.168.70.0/24", ["10.70.255.30"]),
            vng("10.200.0.0/16", ["10.70.255.4", "10.70.255.5"]),
        ],
    )
    return est


@scenario
def forced_tunnel_default_site() -> Estate:
    est = Estate(
        "Forced tunnelling with a default site (vpn-gateway-forced-tunneling-rm): Internet-bound traffic of the "
        "VNet goes back to the head office over the S2S tunnel (gatewayDefaultSite); the Internet route is "
        "replaced by 0.0.0.0/0 to the gateway. Healthy."
    )
    sub = est.subscription(sub_for("forced-tunnel-default-site"), "Litware Branch IT")
    v = site(sub, "rg-ft", "vnet-ft", "francecentral", "10.80")
    est.add(v)
    lid = net_id(sub, "rg-ft", "localNetworkGateways", "lgw-hq-paris")
    g = gateway(est, v, "vgw-ft", public_ips=["20.74.80.10"], sku="VpnGw1", default_site=lid)
    lng = est.add(local_gateway(sub, "rg-ft", "lgw-hq-paris", "francecentral", "203.0.113.80", ["192.168.80.0/20"]))
    connection(
        est,
        sub,
        "rg-ft",
        "cn-ft-to-hq",
        "francecentral",
        g["id"],
        lng=lng["id"],
        shared_key="Paris-S2S-80ff",
        ingress=9 * GB,
        egress=14 * GB,
        tunnels=[Tunnel("vgw-ft_20.74.80.10", ingress=9 * GB, egress=14 * GB)],
        growth=(60 * MB, 95 * MB),
    )
    est.action(g["id"], "getLearnedRoutes", body(net_learned("10.80.255.30", ["10.80.0.0/16", "192.168.80.0/20"])))
    hops = ["10.80.255.30"]
    routes = system_routes(["10.80.0.0/16"], internet=False)
    routes += [
        eff("0.0.0.0/0", "Internet", state="Invalid"),
        vng("0.0.0.0/0", hops),
        vng("192.168.80.0/20", hops),
    ]
    nic_and_vm(est, v, "snet-app", "vm-ft-app", "10.80.1.4", routes=routes)
    return est


@scenario
def spoke_forced_tunnel_nva() -> Estate:
    est = Estate(
        "Hub and spoke with a firewall appliance (virtual-network-peering-overview service chaining, "
        "virtual-networks-udr-overview): the spoke's route table sends 0.0.0.0/0 and the on-premises range "
        "to the NVA in the hub (gateway route propagation off on purpose); the spoke uses the hub's gateway "
        "and accepts forwarded traffic. Healthy."
    )
    sub = est.subscription(sub_for("spoke-forced-tunnel-nva"), "Tailspin Platform")
    hub = site(sub, "rg-hub", "vnet-hub-fw", "uksouth", "10.90", extra=[("snet-nva", "10.90.2.0/24")])
    rt = route_table(
        sub,
        "rg-spoke",
        "rt-spoke-via-fw",
        "uksouth",
        [
            route("default-via-fw", "0.0.0.0/0", "VirtualAppliance", "10.90.2.4"),
            route("onprem-via-fw", "192.168.90.0/24", "VirtualAppliance", "10.90.2.4"),
        ],
        propagate=False,
    )
    spoke = vnet(
        sub,
        "rg-spoke",
        "vnet-spoke-fw",
        "uksouth",
        ["10.91.0.0/16"],
        [("snet-app", "10.91.1.0/24", {"routeTable": rt["id"]})],
    )
    est.add(hub, spoke, rt)
    peer_pair(hub, spoke, a_to_b="hub-to-spoke", b_to_a="spoke-to-hub", a_transit=True, b_uses=True, forwarded=True)
    g = gateway(est, hub, "vgw-hub-fw", public_ips=["51.11.90.10"], sku="VpnGw2AZ")
    lng = est.add(local_gateway(sub, "rg-hub", "lgw-leeds", "uksouth", "203.0.113.90", ["192.168.90.0/24"]))
    connection(
        est,
        sub,
        "rg-hub",
        "cn-hub-to-leeds",
        "uksouth",
        g["id"],
        lng=lng["id"],
        shared_key="Leeds-S2S-90aa",
        ingress=6 * GB,
        egress=8 * GB,
        tunnels=[Tunnel("vgw-hub-fw_51.11.90.10", ingress=6 * GB, egress=8 * GB)],
        growth=(30 * MB, 44 * MB),
    )
    est.action(
        g["id"],
        "getLearnedRoutes",
        body(net_learned("10.90.255.30", ["10.90.0.0/16", "10.91.0.0/16", "192.168.90.0/24"])),
    )
    nic_and_vm(
        est,
        hub,
        "snet-nva",
        "vm-fw-nva",
        "10.90.2.4",
        forwarding=True,
        routes=[
            *system_routes(["10.90.0.0/16"]),
            peering_route("10.91.0.0/16"),
            vng("192.168.90.0/24", ["10.90.255.30"]),
        ],
    )
    routes = system_routes(["10.91.0.0/16"], internet=False)
    routes += [
        eff("0.0.0.0/0", "Internet", state="Invalid"),
        peering_route("10.90.0.0/16"),
        eff("0.0.0.0/0", "VirtualAppliance", ["10.90.2.4"], source="User", name="default-via-fw"),
        eff("192.168.90.0/24", "VirtualAppliance", ["10.90.2.4"], source="User", name="onprem-via-fw"),
    ]
    nic_and_vm(est, spoke, "snet-app", "vm-spoke-app", "10.91.1.4", routes=routes)
    return est


def _dns_hub(
    name: str, comment: str, *, forwarder: bool, policy: str = "Proxy", client_nsg: list[Doc] | None = None
) -> Estate:
    """A hub whose DNS server (a Private Resolver inbound endpoint, or a forwarder VM) answers
    for the whole estate; the SQL zone is linked to the hub only. `client_nsg`: the extra
    rules of the client VM's subnet NSG (its effective rules are then served)."""
    est = Estate(comment)
    sub = est.subscription(sub_for(name), "Contoso Data Platform")
    net, spoke_net = ("10.110", "10.111") if forwarder else ("10.100", "10.101")
    dns_ip = f"{net}.5.4" if forwarder else f"{net}.4.4"
    extra: list[Any] = (
        [("snet-dns", f"{net}.5.0/24")]
        if forwarder
        else [("snet-dns-in", f"{net}.4.0/28", {"delegation": "Microsoft.Network/dnsResolvers"})]
    )
    hub = site(sub, "rg-hub", "vnet-hub", "westeurope", net, dns=[dns_ip], extra=extra)
    spoke = site(
        sub,
        "rg-data",
        "vnet-data",
        "westeurope",
        spoke_net,
        dns=[dns_ip],
        gw=False,
        extra=[("snet-data", f"{spoke_net}.2.0/24")],
    )
    est.add(hub, spoke)
    peer_pair(hub, spoke, a_to_b="hub-to-data", b_to_a="data-to-hub", a_transit=True, b_uses=True, forwarded=True)
    pool = "172.31.110.0/24" if forwarder else "172.31.100.0/24"
    p2s = P2S([pool], ["Certificate"], ["IkeV2", "OpenVPN"]) if forwarder else P2S([pool], ["AAD"], ["OpenVPN"])
    g = gateway(est, hub, "vgw-hub", public_ips=[f"20.50.{net.split('.')[1]}.10"], sku="VpnGw2AZ", p2s=p2s)
    if forwarder:
        nic_and_vm(
            est,
            hub,
            "snet-dns",
            "dns-fwd-01",
            dns_ip,
            routes=[
                *system_routes([f"{net}.0.0/16"]),
                peering_route(f"{spoke_net}.0.0/16"),
                vng(pool, [f"{net}.255.30"]),
            ],
        )
    else:
        resolver(est, hub, "dnspr-hub", "snet-dns-in", dns_ip)
    server = "sql-fabrikam-ops" if forwarder else "sql-contoso-data"
    pe_ip = f"{spoke_net}.2.4"
    zone = private_zone(est, sub, "rg-hub", SQL_ZONE, {server: pe_ip}, [hub["id"]])
    sql_server_with_endpoint(est, spoke, "snet-data", server, pe_ip, zone_id=zone, policy=policy)
    hops = [f"{net}.255.30"]
    est.action(g["id"], "getLearnedRoutes", body(net_learned(hops[0], [f"{net}.0.0/16", f"{spoke_net}.0.0/16", pool])))
    est.action(
        g["id"],
        "getVpnclientConnectionHealth",
        body(p2s_client("analyst@contoso.com", pool.replace(".0/24", ".2"), "198.51.100.12:50110")),
    )
    nic = nic_and_vm(
        est,
        spoke,
        "snet-app",
        "vm-data-app",
        f"{spoke_net}.1.4",
        routes=[
            *system_routes([f"{spoke_net}.0.0/16"]),
            peering_route(f"{net}.0.0/16"),
            vng(pool, hops),
            eff(f"{pe_ip}/32", "InterfaceEndpoint"),
        ],
    )
    if client_nsg is not None:
        nsg = net_id(sub, "rg-data", "networkSecurityGroups", "nsg-snet-app")
        rules = _nsg_rules([f"{net}.0.0/16", f"{spoke_net}.0.0/16"], client_nsg)
        entry = {"networkSecurityGroup": {"id": nsg}, "association": {"subnet": {"id": subnet_id(spoke, "snet-app")}}}
        est.action(nic["id"], "effectiveNetworkSecurityGroups", {"value": [{**entry, "effectiveSecurityRules": rules}]})
    return est


@scenario
def dns_private_resolver_hub() -> Estate:
    return _dns_hub(
        "dns-private-resolver-hub",
        "DNS Private Resolver in the hub (private-resolver-endpoints-rulesets, private-endpoint-dns-integration): "
        "both VNets and the P2S clients use the inbound endpoint 10.100.4.4; privatelink.database.windows.net is "
        "linked to the hub only, which is where the inbound endpoint resolves. Healthy (issue 16 example 1).",
        forwarder=False,
    )


@scenario
def dns_forwarder_vm() -> Estate:
    return _dns_hub(
        "dns-forwarder-vm",
        "A DNS forwarder VM in the hub (private-endpoint-dns-integration, 'virtual network workloads with a DNS "
        "forwarder'): both VNets use 10.110.5.4, which forwards to Azure DNS 168.63.129.16 from the hub, where "
        "privatelink.database.windows.net is linked. Healthy (issue 16 example 1, forwarder variant).",
        forwarder=True,
    )


@scenario
def vpn_nat_overlapping_branches() -> Estate:
    est = Estate(
        "NAT on VPN Gateway (nat-howto, nat-overview): the VNet and two branches all use 10.0.1.0/24; static NAT "
        "rules map the VNet to 100.0.1.0/24 (EgressSNAT) and the branches to 100.0.2.0/24 and 100.0.3.0/24 "
        "(IngressSNAT). Healthy: the overlap is what NAT is for."
    )
    sub = est.subscription(sub_for("vpn-nat-overlapping-branches"), "Adatum Retail")
    v = vnet(
        sub,
        "rg-nat",
        "vnet-nat",
        "eastus",
        ["10.0.1.0/24"],
        [("snet-app", "10.0.1.0/25"), ("GatewaySubnet", "10.0.1.224/27")],
    )
    est.add(v)
    gid = net_id(sub, "rg-nat", "virtualNetworkGateways", "vgw-nat")
    rules = [
        nat_rule(gid, "VNet", "EgressSnat", "10.0.1.0/24", "100.0.1.0/24"),
        nat_rule(gid, "Branch1", "IngressSnat", "10.0.1.0/24", "100.0.2.0/24"),
        nat_rule(gid, "Branch2", "IngressSnat", "10.0.1.0/24", "100.0.3.0/24"),
    ]
    g = gateway(est, v, "vgw-nat", public_ips=["20.121.1.10"], sku="VpnGw2", nat_rules=rules)
    b1 = est.add(local_gateway(sub, "rg-nat", "lgw-branch1", "eastus", "203.0.113.101", ["10.0.1.0/24"]))
    b2 = est.add(local_gateway(sub, "rg-nat", "lgw-branch2", "eastus", "203.0.113.102", ["10.0.1.0/24"]))
    for lng, n in ((b1, "1"), (b2, "2")):
        connection(
            est,
            sub,
            "rg-nat",
            f"cn-nat-to-branch{n}",
            "eastus",
            g["id"],
            lng=lng["id"],
            shared_key=f"Branch{n}-NAT-01aa",
            ingress_nat=[f"{gid}/natRules/Branch{n}"],
            egress_nat=[f"{gid}/natRules/VNet"],
            ingress=2 * GB,
            egress=3 * GB,
            tunnels=[Tunnel("vgw-nat_20.121.1.10", ingress=2 * GB, egress=3 * GB)],
            growth=(12 * MB, 15 * MB),
        )
    local = "10.0.1.254"
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, ["10.0.1.0/24", "100.0.2.0/24", "100.0.3.0/24"])))
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-nat-app",
        "10.0.1.4",
        routes=[
            *system_routes(["10.0.1.0/24"]),
            vng("100.0.2.0/24", [local]),
            vng("100.0.3.0/24", [local]),
        ],
    )
    return est


@scenario
def policy_based_selectors() -> Estate:
    est = Estate(
        "A route-based gateway to a policy-based on-premises device (vpn-gateway-connect-multiple-policybased-rm-ps): "
        "usePolicyBasedTrafficSelectors with a custom IPsec/IKE policy (AES256, SHA384, DHGroup24), two VNet "
        "prefixes and two on-premises prefixes. Healthy."
    )
    sub = est.subscription(sub_for("policy-based-selectors"), "Northwind Legacy")
    v = vnet(
        sub,
        "rg-pb",
        "vnet-pb",
        "westus2",
        ["10.130.0.0/16", "10.131.0.0/16"],
        [("snet-app", "10.130.1.0/24"), ("snet-db", "10.131.1.0/24"), ("GatewaySubnet", "10.130.255.0/27")],
    )
    est.add(v)
    g = gateway(est, v, "vgw-pb", public_ips=["20.99.130.10"], sku="VpnGw1")
    lng = est.add(
        local_gateway(
            sub, "rg-pb", "lgw-asa-seattle", "westus2", "203.0.113.130", ["192.168.130.0/24", "192.168.131.0/24"]
        )
    )
    connection(
        est,
        sub,
        "rg-pb",
        "cn-pb-to-seattle",
        "westus2",
        g["id"],
        lng=lng["id"],
        shared_key="Sea-PB-130a",
        policy_based=True,
        ipsec_policies=[ipsec_policy(ike_int="SHA384", enc="AES256", integ="SHA256", pfs="None")],
        ingress=1 * GB,
        egress=2 * GB,
        tunnels=[Tunnel("vgw-pb_20.99.130.10", ingress=1 * GB, egress=2 * GB)],
        growth=(8 * MB, 10 * MB),
    )
    local = "10.130.255.30"
    est.action(
        g["id"],
        "getLearnedRoutes",
        body(net_learned(local, ["10.130.0.0/16", "10.131.0.0/16", "192.168.130.0/24", "192.168.131.0/24"])),
    )
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-pb-app",
        "10.130.1.4",
        routes=[
            *system_routes(["10.130.0.0/16", "10.131.0.0/16"]),
            vng("192.168.130.0/24", [local]),
            vng("192.168.131.0/24", [local]),
        ],
    )
    return est


@scenario
def p2s_entra_id() -> Estate:
    est = Estate(
        "Point-to-site with Microsoft Entra ID authentication (point-to-site-entra-gateway): OpenVPN, the Azure VPN "
        "Client, one VNet, three users connected. Healthy."
    )
    sub = est.subscription(sub_for("p2s-entra-id"), "Relecloud Remote Access")
    v = site(sub, "rg-remote", "vnet-remote", "swedencentral", "10.140")
    est.add(v)
    g = gateway(
        est,
        v,
        "vgw-remote",
        public_ips=["4.225.140.10"],
        sku="VpnGw1AZ",
        p2s=P2S(["172.20.140.0/24"], ["AAD"], ["OpenVPN"], tenant="5b2d8c41-6f3a-4e9b-a1c7-0d2e4f6a8b90"),
    )
    local = "10.140.255.30"
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, ["10.140.0.0/16", "172.20.140.0/24"])))
    est.action(
        g["id"],
        "getVpnclientConnectionHealth",
        body(
            p2s_client("ingrid@relecloud.com", "172.20.140.2", "198.51.100.140:50001"),
            p2s_client("omar@relecloud.com", "172.20.140.3", "198.51.100.141:50022"),
            p2s_client("kai@relecloud.com", "172.20.140.4", "198.51.100.142:61002"),
        ),
    )
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-remote-app",
        "10.140.1.4",
        routes=[
            *system_routes(["10.140.0.0/16"]),
            vng("172.20.140.0/24", [local]),
        ],
    )
    return est


@scenario
def p2s_radius() -> Estate:
    est = Estate(
        "Point-to-site with RADIUS authentication (point-to-site-how-to-radius-ps): the gateway asks an NPS server "
        "in the same VNet (10.150.2.10); IKEv2 and OpenVPN clients. Healthy."
    )
    sub = est.subscription(sub_for("p2s-radius"), "Wide World Importers IT")
    v = site(sub, "rg-corp", "vnet-corp", "eastus2", "10.150", extra=[("snet-identity", "10.150.2.0/24")])
    est.add(v)
    g = gateway(
        est,
        v,
        "vgw-corp",
        public_ips=["20.96.150.10"],
        sku="VpnGw2",
        p2s=P2S(["172.20.150.0/24"], ["Radius"], ["IkeV2", "OpenVPN"], radius_server="10.150.2.10"),
    )
    local = "10.150.255.30"
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, ["10.150.0.0/16", "172.20.150.0/24"])))
    est.action(
        g["id"], "getVpnclientConnectionHealth", body(p2s_client("WWI\\jdoe", "172.20.150.2", "198.51.100.150:4500"))
    )
    nic_and_vm(
        est,
        v,
        "snet-identity",
        "vm-nps-01",
        "10.150.2.10",
        routes=[*system_routes(["10.150.0.0/16"]), vng("172.20.150.0/24", [local])],
    )
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-corp-app",
        "10.150.1.4",
        routes=[*system_routes(["10.150.0.0/16"]), vng("172.20.150.0/24", [local])],
    )
    return est


def _v2v_pair(
    est: Estate,
    sub: str,
    a: Doc,
    b: Doc,
    *,
    bgp: bool,
    key_a: str,
    key_b: str | None = None,
    a_out: int = 0,
    a_in: int = 0,
    grow_a: tuple[int, int] | None = None,
    status: str = "Connected",
    reverse: bool = True,
    rg_a: str = "",
    rg_b: str = "",
) -> tuple[Doc, Doc | None]:
    """The two connections of a VNet-to-VNet tunnel between gateways `a` and `b` (one per
    direction; `b`'s counters mirror `a`'s)."""
    na, nb = a["name"].removeprefix("vgw-"), b["name"].removeprefix("vgw-")
    rg_a = rg_a or a["id"].split("/")[4]
    rg_b = rg_b or b["id"].split("/")[4]
    ta = est.get(a["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"]["id"])["properties"][
        "ipAddress"
    ]
    tb = est.get(b["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"]["id"])["properties"][
        "ipAddress"
    ]
    tun_a = [Tunnel(f"{b['name']}_{tb}", status=status, ingress=a_in, egress=a_out)] if status != "NotConnected" else []
    ca = connection(
        est,
        sub,
        rg_a,
        f"cn-{na}-to-{nb}",
        a["location"],
        a["id"],
        gw2=b["id"],
        bgp=bgp,
        shared_key=key_a,
        status=status,
        ingress=a_in if status == "Connected" else 0,
        egress=a_out if status == "Connected" else 0,
        tunnels=tun_a,
        growth=grow_a,
    )
    cb = None
    if reverse:
        tun_b = (
            [Tunnel(f"{a['name']}_{ta}", status=status, ingress=a_out, egress=a_in)] if status != "NotConnected" else []
        )
        cb = connection(
            est,
            sub,
            rg_b,
            f"cn-{nb}-to-{na}",
            b["location"],
            b["id"],
            gw2=a["id"],
            bgp=bgp,
            shared_key=key_b or key_a,
            status=status,
            ingress=a_out if status == "Connected" else 0,
            egress=a_in if status == "Connected" else 0,
            tunnels=tun_b,
            growth=(grow_a[1], grow_a[0]) if grow_a else None,
        )
    return ca, cb


@scenario
def v2v_bgp_transit() -> Estate:
    est = Estate(
        "BGP transit routing across VNet-to-VNet connections (vpn-gateway-bgp-overview, the 'three VNets with "
        "transitive BGP' quickstart template): A–B and B–C joined with BGP (ASNs 65161, 65162, 65163); A learns "
        "C's prefix through B. Healthy."
    )
    sub = est.subscription(sub_for("v2v-bgp-transit"), "Proseware Core")
    nets = {"a": "10.160", "b": "10.161", "c": "10.162"}
    asns = {"a": 65161, "b": 65162, "c": 65163}
    vn, gw = {}, {}
    for k, net in nets.items():
        vn[k] = site(sub, f"rg-{k}", f"vnet-{k}", "eastus", net)
        est.add(vn[k])
        gw[k] = gateway(
            est, vn[k], f"vgw-{k}", public_ips=[f"20.81.{160 + ord(k) - 97}.10"], sku="VpnGw2", bgp=True, asn=asns[k]
        )
    _v2v_pair(
        est, sub, gw["a"], gw["b"], bgp=True, key_a="AB-V2V-16a1", a_out=7 * GB, a_in=6 * GB, grow_a=(40 * MB, 45 * MB)
    )
    _v2v_pair(
        est, sub, gw["b"], gw["c"], bgp=True, key_a="BC-V2V-16b2", a_out=5 * GB, a_in=4 * GB, grow_a=(30 * MB, 33 * MB)
    )
    ip = {k: f"{n}.255.30" for k, n in nets.items()}
    est.action(
        gw["a"]["id"],
        "getLearnedRoutes",
        body(
            learned(ip["a"], "10.160.0.0/16"),
            learned(ip["a"], "10.161.0.0/16", origin="EBgp", next_hop=ip["b"], source=ip["b"], as_path="65162"),
            learned(ip["a"], "10.162.0.0/16", origin="EBgp", next_hop=ip["b"], source=ip["b"], as_path="65162-65163"),
        ),
    )
    est.action(
        gw["b"]["id"],
        "getLearnedRoutes",
        body(
            learned(ip["b"], "10.161.0.0/16"),
            learned(ip["b"], "10.160.0.0/16", origin="EBgp", next_hop=ip["a"], source=ip["a"], as_path="65161"),
            learned(ip["b"], "10.162.0.0/16", origin="EBgp", next_hop=ip["c"], source=ip["c"], as_path="65163"),
        ),
    )
    est.action(
        gw["c"]["id"],
        "getLearnedRoutes",
        body(
            learned(ip["c"], "10.162.0.0/16"),
            learned(ip["c"], "10.161.0.0/16", origin="EBgp", next_hop=ip["b"], source=ip["b"], as_path="65162"),
            learned(ip["c"], "10.160.0.0/16", origin="EBgp", next_hop=ip["b"], source=ip["b"], as_path="65162-65161"),
        ),
    )
    est.action(gw["a"]["id"], "getBgpPeerStatus", body(bgp_peer(ip["a"], ip["b"], 65162, routes=2)))
    est.action(
        gw["b"]["id"],
        "getBgpPeerStatus",
        body(bgp_peer(ip["b"], ip["a"], 65161, routes=1), bgp_peer(ip["b"], ip["c"], 65163, routes=1)),
    )
    est.action(gw["c"]["id"], "getBgpPeerStatus", body(bgp_peer(ip["c"], ip["b"], 65162, routes=2)))
    est.action(
        gw["a"]["id"], f"getAdvertisedRoutes?peer={ip['b']}", body(advertised(ip["a"], "10.160.0.0/16", "65161"))
    )
    est.action(
        gw["c"]["id"], f"getAdvertisedRoutes?peer={ip['b']}", body(advertised(ip["c"], "10.162.0.0/16", "65163"))
    )
    est.action(
        gw["b"]["id"],
        f"getAdvertisedRoutes?peer={ip['a']}",
        body(advertised(ip["b"], "10.161.0.0/16", "65162"), advertised(ip["b"], "10.162.0.0/16", "65162-65163")),
    )
    est.action(
        gw["b"]["id"],
        f"getAdvertisedRoutes?peer={ip['c']}",
        body(advertised(ip["b"], "10.161.0.0/16", "65162"), advertised(ip["b"], "10.160.0.0/16", "65162-65161")),
    )
    nic_and_vm(
        est,
        vn["a"],
        "snet-app",
        "vm-a",
        "10.160.1.4",
        routes=[
            *system_routes(["10.160.0.0/16"]),
            vng("10.161.0.0/16", [ip["a"]]),
            vng("10.162.0.0/16", [ip["a"]]),
        ],
    )
    nic_and_vm(
        est,
        vn["c"],
        "snet-app",
        "vm-c",
        "10.162.1.4",
        routes=[
            *system_routes(["10.162.0.0/16"]),
            vng("10.161.0.0/16", [ip["c"]]),
            vng("10.160.0.0/16", [ip["c"]]),
        ],
    )
    return est


@scenario
def gateway_per_region_bgp() -> Estate:
    est = Estate(
        "A gateway per region joined VNet-to-VNet with BGP on both sides (vpn-gateway-howto-vnet-vnet-resource-"
        "manager-portal, bgp-howto): each region's VPN users connect to their own gateway; each P2S pool is "
        "advertised to the other region by BGP, so replies find their way back. Healthy (the seed's design 2 "
        "done right)."
    )
    sub = est.subscription(sub_for("gateway-per-region-bgp"), "Contoso Analytics Production")
    eun = site(sub, "rg-vpn-eun", "vnet-eun", "northeurope", "10.0")
    aue = site(sub, "rg-vpn-aue", "vnet-aue", "australiaeast", "10.1")
    est.add(eun, aue)
    ge = gateway(
        est,
        eun,
        "vgw-eun",
        public_ips=["20.54.120.10"],
        bgp=True,
        asn=65010,
        p2s=P2S(["172.16.10.0/25"], ["AAD"], ["OpenVPN"]),
    )
    ga = gateway(
        est,
        aue,
        "vgw-aue",
        public_ips=["20.211.64.33"],
        bgp=True,
        asn=65020,
        p2s=P2S(["172.16.20.0/25"], ["AAD"], ["OpenVPN"]),
    )
    _v2v_pair(
        est,
        sub,
        ge,
        ga,
        bgp=True,
        key_a="Prod-V2V-7c1e9b4a52d8",
        a_out=48 * GB,
        a_in=31 * GB,
        grow_a=(70 * MB, 90 * MB),
    )
    e, a = "10.0.255.30", "10.1.255.30"
    est.action(
        ge["id"],
        "getLearnedRoutes",
        body(
            net_learned(e, ["10.0.0.0/16", "172.16.10.0/25"]),
            learned(e, "10.1.0.0/16", origin="EBgp", next_hop=a, source=a, as_path="65020"),
            learned(e, "172.16.20.0/25", origin="EBgp", next_hop=a, source=a, as_path="65020"),
        ),
    )
    est.action(
        ga["id"],
        "getLearnedRoutes",
        body(
            net_learned(a, ["10.1.0.0/16", "172.16.20.0/25"]),
            learned(a, "10.0.0.0/16", origin="EBgp", next_hop=e, source=e, as_path="65010"),
            learned(a, "172.16.10.0/25", origin="EBgp", next_hop=e, source=e, as_path="65010"),
        ),
    )
    est.action(ge["id"], "getBgpPeerStatus", body(bgp_peer(e, a, 65020, routes=2)))
    est.action(ga["id"], "getBgpPeerStatus", body(bgp_peer(a, e, 65010, routes=2)))
    est.action(
        ge["id"],
        f"getAdvertisedRoutes?peer={a}",
        body(advertised(e, "10.0.0.0/16", "65010"), advertised(e, "172.16.10.0/25", "65010")),
    )
    est.action(
        ga["id"],
        f"getAdvertisedRoutes?peer={e}",
        body(advertised(a, "10.1.0.0/16", "65020"), advertised(a, "172.16.20.0/25", "65020")),
    )
    est.action(
        ge["id"],
        "getVpnclientConnectionHealth",
        body(p2s_client("ana.silva@contoso.com", "172.16.10.2", "203.0.113.24:51234")),
    )
    est.action(
        ga["id"],
        "getVpnclientConnectionHealth",
        body(p2s_client("liam.chen@contoso.com", "172.16.20.2", "198.51.100.77:60412")),
    )
    nic_and_vm(
        est,
        eun,
        "snet-app",
        "vm-eun",
        "10.0.1.4",
        routes=[
            *system_routes(["10.0.0.0/16"]),
            vng("10.1.0.0/16", [e]),
            vng("172.16.20.0/25", [e]),
            vng("172.16.10.0/25", [e]),
        ],
    )
    nic_and_vm(
        est,
        aue,
        "snet-app",
        "vm-aue",
        "10.1.1.4",
        routes=[
            *system_routes(["10.1.0.0/16"]),
            vng("10.0.0.0/16", [a]),
            vng("172.16.10.0/25", [a]),
            vng("172.16.20.0/25", [a]),
        ],
    )
    return est


@scenario
def multi_subscription_landing_zone() -> Estate:
    est = Estate(
        "A landing zone across three subscriptions (create-peering-different-subscriptions, private-resolver-"
        "architecture): the connectivity subscription holds the hub, its gateway (certificate P2S), a DNS "
        "Private Resolver and the privatelink zone linked to the hub; an application and a data subscription "
        "each peer a spoke that uses the hub's gateway and its resolver. Healthy."
    )
    conn = est.subscription(sub_for("mslz-connectivity"), "Connectivity")
    app = est.subscription(sub_for("mslz-app"), "Online Store - Prod")
    data = est.subscription(sub_for("mslz-data"), "Data Platform - Prod")
    hub = site(
        conn,
        "rg-connectivity",
        "vnet-hub-conn",
        "westeurope",
        "10.170",
        dns=["10.170.4.4"],
        extra=[("snet-dns-in", "10.170.4.0/28", {"delegation": "Microsoft.Network/dnsResolvers"})],
    )
    sa = site(app, "rg-store", "vnet-store", "westeurope", "10.171", dns=["10.170.4.4"], gw=False)
    sd = site(
        data,
        "rg-data",
        "vnet-data",
        "westeurope",
        "10.172",
        dns=["10.170.4.4"],
        gw=False,
        extra=[("snet-pe", "10.172.2.0/24")],
    )
    est.add(hub, sa, sd)
    peer_pair(hub, sa, a_to_b="hub-to-store", b_to_a="store-to-hub", a_transit=True, b_uses=True, forwarded=True)
    peer_pair(hub, sd, a_to_b="hub-to-data", b_to_a="data-to-hub", a_transit=True, b_uses=True, forwarded=True)
    g = gateway(
        est,
        hub,
        "vgw-hub-conn",
        public_ips=["20.50.170.10"],
        sku="VpnGw2AZ",
        p2s=P2S(["172.31.170.0/24"], ["Certificate"], ["OpenVPN"]),
    )
    resolver(est, hub, "dnspr-hub-conn", "snet-dns-in", "10.170.4.4")
    zone = private_zone(est, conn, "rg-dns", SQL_ZONE, {"sql-store-orders": "10.172.2.4"}, [hub["id"]])
    sql_server_with_endpoint(est, sd, "snet-pe", "sql-store-orders", "10.172.2.4", zone_id=zone, policy="Proxy")
    local = "10.170.255.30"
    pool = "172.31.170.0/24"
    est.action(
        g["id"], "getLearnedRoutes", body(net_learned(local, ["10.170.0.0/16", "10.171.0.0/16", "10.172.0.0/16", pool]))
    )
    est.action(
        g["id"],
        "getVpnclientConnectionHealth",
        body(p2s_client("ops-laptop-07", "172.31.170.2", "198.51.100.170:61111")),
    )
    nic_and_vm(
        est,
        sa,
        "snet-app",
        "vm-store-web",
        "10.171.1.4",
        routes=[
            *system_routes(["10.171.0.0/16"]),
            peering_route("10.170.0.0/16"),
            vng(pool, [local]),
        ],
    )
    nic_and_vm(
        est,
        sd,
        "snet-app",
        "vm-data-etl",
        "10.172.1.4",
        routes=[
            *system_routes(["10.172.0.0/16"]),
            peering_route("10.170.0.0/16"),
            vng(pool, [local]),
            eff("10.172.2.4/32", "InterfaceEndpoint"),
        ],
    )
    return est


@scenario
def learned_routes_empty() -> Estate:
    est = Estate(
        "A healthy gateway whose getLearnedRoutes answers {} (bgp-diagnostics): the BGP peer is Connected with 3 "
        "routes received and the tunnel carries traffic both ways; an empty answer says nothing about what the "
        "gateway reaches. Healthy (issue 16 example 2)."
    )
    sub = est.subscription(sub_for("learned-routes-empty"), "Contoso Networking")
    v = site(sub, "rg-net-neu", "vnet-neu", "northeurope", "10.41")
    est.add(v)
    g = gateway(est, v, "vgw-neu", public_ips=["20.67.41.20"], bgp=True, asn=65010)
    lng = est.add(
        local_gateway(
            sub, "rg-net-neu", "lgw-dublin", "northeurope", "198.51.100.30", ["192.168.41.1/32"], 65041, "192.168.41.1"
        )
    )
    connection(
        est,
        sub,
        "rg-net-neu",
        "cn-neu-to-dublin",
        "northeurope",
        g["id"],
        lng=lng["id"],
        bgp=True,
        shared_key="Dub-S2S-41bb",
        ingress=5 * GB,
        egress=6 * GB,
        tunnels=[Tunnel("vgw-neu_20.67.41.20", ingress=5 * GB, egress=6 * GB)],
        growth=(25 * MB, 30 * MB),
    )
    local = "10.41.255.30"
    est.action(g["id"], "getLearnedRoutes", {})
    est.action(g["id"], "getBgpPeerStatus", body(bgp_peer(local, "192.168.41.1", 65041, routes=3)))
    est.action(g["id"], "getAdvertisedRoutes?peer=192.168.41.1", body(advertised(local, "10.41.0.0/16", "65010")))
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-neu-web",
        "10.41.1.4",
        routes=[
            *system_routes(["10.41.0.0/16"]),
            *(vng(p, [local]) for p in ("192.168.41.0/24", "192.168.42.0/24", "192.168.43.0/24", "192.168.41.1/32")),
        ],
    )
    return est


def _rates(name: str, comment: str, *, sku: str, growth: tuple[int, int], second: bool) -> Estate:
    est = Estate(comment)
    sub = est.subscription(sub_for(name), "Fourth Coffee Operations")
    v = site(sub, "rg-ops", "vnet-ops", "westeurope", "10.180")
    est.add(v)
    g = gateway(est, v, "vgw-ops", public_ips=["20.86.180.10"], sku=sku)
    local = "10.180.255.30"
    prefixes = ["10.180.0.0/16"]
    sites = [("roastery", "192.168.181.0/24", growth)]
    if second:
        # Counters that go back between two samples: the tunnel was re-established (a reconnect
        # or a gateway failover restarts them at zero).
        sites.append(("warehouse", "192.168.182.0/24", (-3 * GB, -5 * GB)))
    for n, (label, prefix, grow) in enumerate(sites):
        lng = est.add(local_gateway(sub, "rg-ops", f"lgw-{label}", "westeurope", f"203.0.113.{180 + n}", [prefix]))
        start_in, start_out = 8 * GB, 12 * GB
        connection(
            est,
            sub,
            "rg-ops",
            f"cn-ops-to-{label}",
            "westeurope",
            g["id"],
            lng=lng["id"],
            shared_key=f"{label}-S2S-18",
            ingress=start_in,
            egress=start_out,
            tunnels=[Tunnel("vgw-ops_20.86.180.10", ingress=start_in, egress=start_out)],
            growth=grow,
        )
        prefixes.append(prefix)
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, prefixes)))
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-ops",
        "10.180.1.4",
        routes=[
            *system_routes(["10.180.0.0/16"]),
            *(vng(p, [local]) for p in prefixes[1:]),
        ],
    )
    return est


@scenario
def rates_recent_sample() -> Estate:
    return _rates(
        "rates-recent-sample",
        "A healthy site-to-site connection asked for its status right after the watch sampled it: 210 MB moved "
        "since a sample taken less than a second before, on a VpnGw2AZ. No rate can be given over so short an "
        "interval (about-gateway-skus: the throughput figures are estimates over time). Healthy (issue 16 example 8).",
        sku="VpnGw2AZ",
        growth=(90 * MB, 210 * MB),
        second=False,
    )


@scenario
def rates_implausible() -> Estate:
    return _rates(
        "rates-implausible",
        "Counters that cannot be a rate: on a VpnGw1 (650 Mbps aggregate, about-gateway-skus) one connection's "
        "counters grew by 120 GB in five minutes (over 3 Gbit/s, more than twice the SKU's estimate), and "
        "another's went down (the tunnel was re-established: counters restart). Healthy tunnels; no rate can be "
        "given (issue 16 example 8).",
        sku="VpnGw1",
        growth=(40 * GB, 80 * GB),
        second=True,
    )


@scenario
def transit_change_requests() -> Estate:
    est = Estate(
        "A hub whose gateway serves native IKEv2 (Windows) VPN clients with certificate auth, two spokes that use "
        "the hub's gateway, and a management VNet peered without gateway transit (not meant for VPN users). "
        "Used for change requests (one per peering, so none waits behind another): when do VPN clients need the profile again (vpn-gateway-about-point-to-site-"
        "routing), and a change with no effect. Healthy (issue 16 example 7)."
    )
    sub = est.subscription(sub_for("transit-change-requests"), "Alpine Ski House IT")
    hub = site(sub, "rg-hub", "vnet-hub", "switzerlandnorth", "10.185")
    sa = site(sub, "rg-apps", "vnet-spoke-a", "switzerlandnorth", "10.186", gw=False)
    mg = site(sub, "rg-mgmt", "vnet-mgmt", "switzerlandnorth", "10.187", gw=False)
    sb = site(sub, "rg-apps", "vnet-spoke-b", "switzerlandnorth", "10.188", gw=False)
    est.add(hub, sa, mg, sb)
    peer_pair(hub, sa, a_to_b="hub-to-spoke-a", b_to_a="spoke-a-to-hub", a_transit=True, b_uses=True, forwarded=True)
    peer_pair(hub, sb, a_to_b="hub-to-spoke-b", b_to_a="spoke-b-to-hub", a_transit=True, b_uses=True, forwarded=True)
    peer_pair(hub, mg, a_to_b="hub-to-mgmt", b_to_a="mgmt-to-hub")
    g = gateway(
        est,
        hub,
        "vgw-hub",
        public_ips=["51.107.185.10"],
        sku="VpnGw1AZ",
        p2s=P2S(["172.24.185.0/24"], ["Certificate"], ["IkeV2"]),
    )
    local = "10.185.255.30"
    est.action(
        g["id"],
        "getLearnedRoutes",
        body(net_learned(local, ["10.185.0.0/16", "10.186.0.0/16", "10.188.0.0/16", "172.24.185.0/24"])),
    )
    est.action(
        g["id"],
        "getVpnclientConnectionHealth",
        body(p2s_client("ASH\\m.keller", "172.24.185.2", "198.51.100.185:4500")),
    )
    nic_and_vm(
        est,
        sa,
        "snet-app",
        "vm-spoke-a",
        "10.186.1.4",
        routes=[
            *system_routes(["10.186.0.0/16"]),
            peering_route("10.185.0.0/16"),
            vng("172.24.185.0/24", [local]),
        ],
    )
    nic_and_vm(
        est,
        sb,
        "snet-app",
        "vm-spoke-b",
        "10.188.1.4",
        routes=[*system_routes(["10.188.0.0/16"]), peering_route("10.185.0.0/16"), vng("172.24.185.0/24", [local])],
    )
    nic_and_vm(
        est,
        mg,
        "snet-app",
        "vm-mgmt",
        "10.187.1.4",
        routes=[
            *system_routes(["10.187.0.0/16"]),
            peering_route("10.185.0.0/16"),
        ],
    )
    return est


@scenario
def overlap_isolated() -> Estate:
    est = Estate(
        "Two VNets with the same address space that are never joined (virtual-network-peering-overview: only "
        "networks that are connected need distinct address spaces): a production VNet and a disconnected "
        "restore-test copy in another subscription. Healthy."
    )
    prod = est.subscription(sub_for("overlap-prod"), "Bellows College - Prod")
    test = est.subscription(sub_for("overlap-test"), "Bellows College - Restore Test")
    a = site(prod, "rg-erp", "vnet-erp", "canadacentral", "10.190", gw=False)
    b = site(test, "rg-erp-restore", "vnet-erp-restore", "canadaeast", "10.190", gw=False)
    est.add(a, b)
    nic_and_vm(est, a, "snet-app", "vm-erp", "10.190.1.4", routes=system_routes(["10.190.0.0/16"]))
    nic_and_vm(est, b, "snet-app", "vm-erp-restore", "10.190.1.4", routes=system_routes(["10.190.0.0/16"]))
    return est


# ============================================================================================
# Broken designs
# ============================================================================================
# The connection layer (issue 19): selectors, initiator, NAT, SKU limits
# ============================================================================================


@scenario
def policy_based_spoke_dropped() -> Estate:
    est = Estate(
        "A hub gateway to a policy-based device with usePolicyBasedTrafficSelectors and a custom IPsec/IKE policy, "
        "and a spoke that uses the hub's gateway (vpn-gateway-connect-multiple-policybased-rm-ps: Azure proposes "
        "only the VNet's prefixes against the site's; a spoke's prefix is in no selector, so its traffic to the "
        "site is dropped). Broken."
    )
    sub = est.subscription(sub_for("policy-based-spoke-dropped"), "Fabrikam Retail")
    hub = site(sub, "rg-pbs", "vnet-pbs-hub", "westeurope", "10.150")
    spoke = site(sub, "rg-pbs", "vnet-pbs-spoke", "westeurope", "10.151", gw=False)
    est.add(hub, spoke)
    peer_pair(hub, spoke, a_transit=True, b_uses=True, forwarded=True)
    g = gateway(est, hub, "vgw-pbs", public_ips=["20.50.150.10"], sku="VpnGw1AZ")
    lng = est.add(local_gateway(sub, "rg-pbs", "lgw-pbs-store", "westeurope", "203.0.113.150", ["192.168.150.0/24"]))
    connection(
        est,
        sub,
        "rg-pbs",
        "cn-pbs-to-store",
        "westeurope",
        g["id"],
        lng=lng["id"],
        shared_key="Pbs-150-store",
        policy_based=True,
        ipsec_policies=[ipsec_policy(ike_int="SHA384", enc="AES256", integ="SHA256", pfs="None")],
        ingress=2 * GB,
        egress=3 * GB,
        tunnels=[Tunnel("vgw-pbs_20.50.150.10", ingress=2 * GB, egress=3 * GB)],
        growth=(6 * MB, 9 * MB),
    )
    local = gw_ip("10.150")[0]
    est.action(
        g["id"],
        "getLearnedRoutes",
        body(net_learned(local, ["10.150.0.0/16", "10.151.0.0/16", "192.168.150.0/24"])),
    )
    return est


@scenario
def responder_only_down() -> Estate:
    est = Estate(
        "A site-to-site connection set to connectionMode ResponderOnly whose device waits for Azure to initiate "
        "(vpn-gateway-about-vpn-devices: ResponderOnly never starts IKE): NotConnected, no IKE SA. Broken."
    )
    sub = est.subscription(sub_for("responder-only-down"), "Tailwind Depots")
    hub = site(sub, "rg-ro", "vnet-ro", "northeurope", "10.152")
    est.add(hub)
    g = gateway(est, hub, "vgw-ro", public_ips=["20.54.152.10"], sku="VpnGw2AZ")
    lng = est.add(local_gateway(sub, "rg-ro", "lgw-ro-depot", "northeurope", "203.0.113.152", ["192.168.152.0/24"]))
    c = connection(
        est,
        sub,
        "rg-ro",
        "cn-ro-to-depot",
        "northeurope",
        g["id"],
        lng=lng["id"],
        shared_key="Ro-152-depot",
        status="NotConnected",
        tunnels=[Tunnel("vgw-ro_20.54.152.10", status="NotConnected")],
    )
    c["properties"]["connectionMode"] = "ResponderOnly"
    est.action(
        g["id"], "getLearnedRoutes", body(net_learned(gw_ip("10.152")[0], ["10.152.0.0/16", "192.168.152.0/24"]))
    )
    return est


@scenario
def nat_rule_missing() -> Estate:
    est = Estate(
        "A connection whose ingress NAT rule is not on its gateway (nat-howto: a connection applies the NAT rules "
        "of its own gateway by id), beside a healthy one whose egress rule translates the VNet. Broken."
    )
    sub = est.subscription(sub_for("nat-rule-missing"), "Wide World Importers")
    v = site(sub, "rg-natm", "vnet-natm", "uksouth", "10.153")
    est.add(v)
    gid = net_id(sub, "rg-natm", "virtualNetworkGateways", "vgw-natm")
    rules = [nat_rule(gid, "VNet", "EgressSnat", "10.153.0.0/16", "100.64.153.0/24")]
    rules[0]["properties"]["externalMappings"] = [{"addressSpace": "100.153.0.0/16"}]
    g = gateway(est, v, "vgw-natm", public_ips=["20.90.153.10"], sku="VpnGw2AZ", nat_rules=rules)
    lng = est.add(local_gateway(sub, "rg-natm", "lgw-natm-branch", "uksouth", "203.0.113.153", ["10.153.0.0/24"]))
    connection(
        est,
        sub,
        "rg-natm",
        "cn-natm-to-branch",
        "uksouth",
        g["id"],
        lng=lng["id"],
        shared_key="Natm-153-branch",
        ingress=1 * GB,
        egress=1 * GB,
        tunnels=[Tunnel("vgw-natm_20.90.153.10", ingress=1 * GB, egress=1 * GB)],
        ingress_nat=[f"{gid}/natRules/Branch"],
        egress_nat=[f"{gid}/natRules/VNet"],
        growth=(4 * MB, 4 * MB),
    )
    est.action(g["id"], "getLearnedRoutes", body(net_learned(gw_ip("10.153")[0], ["10.153.0.0/16"])))
    return est


@scenario
def sku_near_caps() -> Estate:
    est = Estate(
        "A VpnGw1AZ hub with 25 branch connections (the SKU allows 30), 210 OpenVPN clients (it allows 250) and "
        "about 570 Mbit/s through its connections (its benchmark is 650 Mbit/s) (about-gateway-skus): all at 80 % or "
        "more. Its sister hub in the same subscription uses VpnGw3 without "
        "AZ, retired by Microsoft on 30 September 2026 (gateway-sku-consolidation). Broken."
    )
    sub = est.subscription(sub_for("sku-near-caps"), "Adventure Works Stores")
    hub = site(sub, "rg-sku", "vnet-sku", "eastus", "10.154")
    est.add(hub)
    g = gateway(
        est, hub, "vgw-sku", public_ips=["20.85.154.10"], sku="VpnGw1AZ", p2s=P2S(["172.31.154.0/24"], ["Certificate"])
    )
    prefixes = ["10.154.0.0/16", "172.31.154.0/24"]
    for n in range(25):
        lng = est.add(
            local_gateway(sub, "rg-sku", f"lgw-store-{n:02}", "eastus", f"198.51.100.{n + 10}", [f"192.168.{n}.0/24"])
        )
        connection(
            est,
            sub,
            "rg-sku",
            f"cn-store-{n:02}",
            "eastus",
            g["id"],
            lng=lng["id"],
            shared_key=f"Store-{n:02}-key",
            ingress=MB * (n + 1),
            egress=MB * (n + 2),
            tunnels=[Tunnel("vgw-sku_20.85.154.10", ingress=MB * (n + 1), egress=MB * (n + 2))],
            growth=(400 * MB, 420 * MB),
        )
        prefixes.append(f"192.168.{n}.0/24")
    est.action(g["id"], "getLearnedRoutes", body(net_learned(gw_ip("10.154")[0], prefixes)))
    est.action(
        g["id"],
        "getVpnclientConnectionHealth",
        body(
            [
                p2s_client(f"clerk-{n:03}", f"172.31.154.{n + 2}", f"198.51.100.{n % 200 + 1}:5{n:04}")
                for n in range(210)
            ]
        ),
    )
    sister = site(sub, "rg-sku", "vnet-sku-west", "westus", "10.155")
    est.add(sister)
    gateway(est, sister, "vgw-sku-west", public_ips=["20.86.155.10"], sku="VpnGw3")
    return est


@scenario
def v2v_both_responder_only() -> Estate:
    est = Estate(
        "A VNet-to-VNet pair whose two halves are both connectionMode ResponderOnly (vpn-gateway-about-vpn-devices: "
        "a ResponderOnly connection never starts IKE), so neither side initiates and the tunnel stays NotConnected; "
        "same shared key, same IKE version. Broken."
    )
    sub = est.subscription(sub_for("v2v-both-responder-only"), "Proseware Labs")
    a = site(sub, "rg-rr-a", "vnet-rr-a", "swedencentral", "10.170")
    b = site(sub, "rg-rr-b", "vnet-rr-b", "norwayeast", "10.171")
    est.add(a, b)
    ga = gateway(est, a, "vgw-rr-a", public_ips=["20.91.170.10"], sku="VpnGw2AZ")
    gb = gateway(est, b, "vgw-rr-b", public_ips=["20.100.171.10"], sku="VpnGw2AZ")
    ca, cb = _v2v_pair(est, sub, ga, gb, bgp=False, key_a="Rr-170-171", status="NotConnected")
    for c in (ca, cb):
        if c is not None:
            c["properties"]["connectionMode"] = "ResponderOnly"
    return est


def root_cert(cn: str, not_before: str, not_after: str) -> str:
    """A self-signed root certificate as `publicCertData` takes it (base64 DER, no header).

    Ed25519 from a key derived from `cn`: its signatures are deterministic, so the estate
    file is the same each time it is written (an RSA root, as most P2S roots are, would not be)."""
    import base64
    import hashlib
    from datetime import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(cn.encode()).digest())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(hashlib.sha256(cn.encode()).digest()[:8], "big"))
        .not_valid_before(datetime.fromisoformat(not_before))
        .not_valid_after(datetime.fromisoformat(not_after))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, None)
    )
    return base64.b64encode(cert.public_bytes(Encoding.DER)).decode()


@scenario
def p2s_config_broken() -> Estate:
    est = Estate(
        "Four point-to-site gateways (point-to-site-entra-gateway, point-to-site-certificate-gateway, "
        "point-to-site-how-to-radius-ps): Entra ID without OpenVPN and an issuer of another tenant; a root "
        "certificate that expired in October 2026 and a revoked thumbprint with spaces; a RADIUS server in no "
        "network the gateway reaches; and a healthy one whose root is valid until 2031. Broken."
    )
    sub = est.subscription(sub_for("p2s-config-broken"), "Litware Field Staff")
    rg = "rg-p2sb"
    other_tenant = "9b3c2d1e-0f4a-4b5c-8d6e-7f8091a2b3c4"
    tenant = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
    gws: dict[str, Doc] = {}
    for n, (name, p2s) in enumerate(
        [
            ("vgw-p2sb-entra", P2S(["172.30.10.0/24"], ["AAD"], ["IkeV2"], tenant=tenant)),
            ("vgw-p2sb-cert", P2S(["172.30.11.0/24"], ["Certificate"], ["IkeV2", "OpenVPN"])),
            ("vgw-p2sb-radius", P2S(["172.30.12.0/24"], ["Radius"], ["IkeV2", "OpenVPN"], radius_server="10.99.0.5")),
            ("vgw-p2sb-ok", P2S(["172.30.13.0/24"], ["Certificate"], ["IkeV2", "OpenVPN"])),
        ]
    ):
        v = site(sub, rg, name.replace("vgw", "vnet"), "westeurope", f"10.{160 + n}")
        est.add(v)
        gws[name] = gateway(est, v, name, public_ips=[f"20.61.{160 + n}.10"], sku="VpnGw2AZ", p2s=p2s)
        est.action(
            gws[name]["id"],
            "getLearnedRoutes",
            body(net_learned(gw_ip(f"10.{160 + n}")[0], [f"10.{160 + n}.0.0/16", p2s.pool[0]])),
        )
    cfg = gws["vgw-p2sb-entra"]["properties"]["vpnClientConfiguration"]
    cfg["aadIssuer"] = f"https://sts.windows.net/{other_tenant}/"
    expired = gws["vgw-p2sb-cert"]["properties"]["vpnClientConfiguration"]
    expired["vpnClientRootCertificates"][0]["properties"]["publicCertData"] = root_cert(
        "Litware P2S Root 2021", "2021-10-01T00:00:00+00:00", "2026-10-01T00:00:00+00:00"
    )
    expired["vpnClientRevokedCertificates"] = [
        {
            "name": "lost-laptop-17",
            "id": f"{gws['vgw-p2sb-cert']['id']}/vpnClientRevokedCertificates/lost-laptop-17",
            "properties": {
                "provisioningState": "Succeeded",
                "thumbprint": "8F 21 0A 3B 9C 44 D1 E2 7A 6B 5C 4D 3E 2F 10 09 A8 B7 C6 D5",
            },
        }
    ]
    ok = gws["vgw-p2sb-ok"]["properties"]["vpnClientConfiguration"]
    ok["vpnClientRootCertificates"][0]["properties"]["publicCertData"] = root_cert(
        "Litware P2S Root 2026", "2026-01-15T00:00:00+00:00", "2031-01-15T00:00:00+00:00"
    )
    return est


# ============================================================================================


@scenario
def custom_dns_zone_not_linked_to_resolver_vnet() -> Estate:
    est = Estate(
        "Custom DNS pointing at a DNS Private Resolver whose VNet is not linked to the zone "
        "(private-resolver-endpoints-rulesets: the inbound endpoint resolves the zones linked to its own VNet): "
        "the spoke and the P2S clients use 10.120.4.4 in the hub, but privatelink.database.windows.net is "
        "linked to the spoke only. Broken: the SQL name resolves to its public address."
    )
    sub = est.subscription(sub_for("custom-dns-zone-not-linked"), "Northwind Traders")
    hub = site(
        sub,
        "rg-hub",
        "vnet-hub",
        "eastus",
        "10.120",
        dns=["10.120.4.4"],
        extra=[("snet-dns-in", "10.120.4.0/28", {"delegation": "Microsoft.Network/dnsResolvers"})],
    )
    spoke = site(
        sub,
        "rg-data",
        "vnet-data",
        "eastus",
        "10.121",
        dns=["10.120.4.4"],
        gw=False,
        extra=[("snet-data", "10.121.2.0/24")],
    )
    est.add(hub, spoke)
    peer_pair(hub, spoke, a_to_b="hub-to-data", b_to_a="data-to-hub", a_transit=True, b_uses=True, forwarded=True)
    g = gateway(
        est,
        hub,
        "vgw-hub",
        public_ips=["20.121.120.10"],
        sku="VpnGw2AZ",
        p2s=P2S(["172.31.120.0/24"], ["Certificate"], ["OpenVPN"]),
    )
    resolver(est, hub, "dnspr-hub", "snet-dns-in", "10.120.4.4")
    zone = private_zone(est, sub, "rg-data", SQL_ZONE, {"sql-northwind": "10.121.2.4"}, [spoke["id"]])
    sql_server_with_endpoint(est, spoke, "snet-data", "sql-northwind", "10.121.2.4", zone_id=zone, policy="Proxy")
    local = "10.120.255.30"
    est.action(
        g["id"], "getLearnedRoutes", body(net_learned(local, ["10.120.0.0/16", "10.121.0.0/16", "172.31.120.0/24"]))
    )
    nic_and_vm(
        est,
        spoke,
        "snet-app",
        "vm-data-app",
        "10.121.1.4",
        routes=[
            *system_routes(["10.121.0.0/16"]),
            peering_route("10.120.0.0/16"),
            vng("172.31.120.0/24", [local]),
            eff("10.121.2.4/32", "InterfaceEndpoint"),
        ],
    )
    return est


@scenario
def half_peering_other_side() -> Estate:
    est = Estate(
        "A peering created on one side only (virtual-network-manage-peering: 'Initiated' until the other VNet "
        "has a peering back): vnet-y has an Initiated peering towards vnet-x, which has no peerings. Broken; "
        "asked about vnet-x, the answer must show the half peering (issue 16 example 5)."
    )
    sub = est.subscription(sub_for("half-peering-other-side"), "Lamna Healthcare")
    x = site(sub, "rg-x", "vnet-x", "eastus", "10.200", gw=False)
    y = site(sub, "rg-y", "vnet-y", "eastus", "10.201", gw=False)
    est.add(x, y)
    peer(y, x["id"], "y-to-x", state="Initiated")
    nic_and_vm(est, x, "snet-app", "vm-x", "10.200.1.4", routes=system_routes(["10.200.0.0/16"]))
    nic_and_vm(est, y, "snet-app", "vm-y", "10.201.1.4", routes=system_routes(["10.201.0.0/16"]))
    return est


@scenario
def disconnected_peering_transit() -> Estate:
    est = Estate(
        "A spoke whose peering to the hub is Disconnected (virtual-network-manage-peering: the hub's side was "
        "deleted; a Disconnected peering carries nothing and must be deleted and re-created): it still has "
        "useRemoteGateways on. Broken; it does not use the hub's gateway (issue 16 example 6)."
    )
    sub = est.subscription(sub_for("disconnected-peering-transit"), "Trey Research")
    hub = site(sub, "rg-hub", "vnet-hub", "westus3", "10.210")
    spoke = site(sub, "rg-spoke", "vnet-spoke", "westus3", "10.211", gw=False)
    est.add(hub, spoke)
    peer(spoke, hub["id"], "spoke-to-hub", state="Disconnected", remote_gateways=True, forwarded=True)
    g = gateway(
        est,
        hub,
        "vgw-hub",
        public_ips=["20.118.210.10"],
        sku="VpnGw1AZ",
        p2s=P2S(["172.25.210.0/24"], ["Certificate"], ["OpenVPN"]),
    )
    local = "10.210.255.30"
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, ["10.210.0.0/16", "172.25.210.0/24"])))
    nic_and_vm(est, spoke, "snet-app", "vm-spoke", "10.211.1.4", routes=system_routes(["10.211.0.0/16"]))
    nic_and_vm(
        est,
        hub,
        "snet-app",
        "vm-hub",
        "10.210.1.4",
        routes=[*system_routes(["10.210.0.0/16"]), vng("172.25.210.0/24", [local])],
    )
    return est


@scenario
def one_way_vnet_to_vnet() -> Estate:
    est = Estate(
        "A VNet-to-VNet tunnel that carries traffic one way (vpn-gateway-howto-vnet-vnet-resource-manager-portal; "
        "monitor-vpn-gateway-reference for the byte counters): both connections Connected, same key, no BGP; "
        "bytes leave vgw-west and arrive at vgw-east, nothing comes back. Broken: one incident for the one "
        "tunnel (issue 16 example 11)."
    )
    sub = est.subscription(sub_for("one-way-vnet-to-vnet"), "Munson's Pickles")
    w = site(sub, "rg-west", "vnet-west", "westeurope", "10.220")
    e = site(sub, "rg-east", "vnet-east", "eastus", "10.221")
    est.add(w, e)
    gw_w = gateway(est, w, "vgw-west", public_ips=["20.86.220.10"], sku="VpnGw2")
    gw_e = gateway(est, e, "vgw-east", public_ips=["20.121.221.10"], sku="VpnGw2")
    _v2v_pair(est, sub, gw_w, gw_e, bgp=False, key_a="WE-V2V-22aa", a_out=12 * GB, a_in=0, grow_a=(0, 50 * MB))
    est.action(gw_w["id"], "getLearnedRoutes", body(net_learned("10.220.255.30", ["10.220.0.0/16", "10.221.0.0/16"])))
    est.action(gw_e["id"], "getLearnedRoutes", body(net_learned("10.221.255.30", ["10.221.0.0/16", "10.220.0.0/16"])))
    nic_and_vm(
        est,
        w,
        "snet-app",
        "vm-west",
        "10.220.1.4",
        routes=[*system_routes(["10.220.0.0/16"]), vng("10.221.0.0/16", ["10.220.255.30"])],
    )
    nic_and_vm(
        est,
        e,
        "snet-app",
        "vm-east",
        "10.221.1.4",
        routes=[*system_routes(["10.221.0.0/16"]), vng("10.220.0.0/16", ["10.221.255.30"])],
    )
    return est


@scenario
def connection_into_hub_without_reverse() -> Estate:
    est = Estate(
        "A VNet-to-VNet connection created on the branch side only (vpn-gateway-howto-vnet-vnet-resource-manager-"
        "portal: one connection per direction, same key): cn-branch-to-hub points at vgw-hub, which has no "
        "connection back, so the tunnel never comes up and the hub does not reach the branch. Broken (issue 16 "
        "example 9)."
    )
    sub = est.subscription(sub_for("connection-into-hub"), "VanArsdel Logistics")
    hub = site(sub, "rg-hub", "vnet-hub", "centralus", "10.230")
    br = site(sub, "rg-branch", "vnet-branch", "southcentralus", "10.231")
    est.add(hub, br)
    gh = gateway(
        est,
        hub,
        "vgw-hub",
        public_ips=["20.12.230.10"],
        sku="VpnGw2",
        p2s=P2S(["172.26.230.0/24"], ["AAD"], ["OpenVPN"]),
    )
    gb = gateway(est, br, "vgw-branch", public_ips=["20.65.231.10"], sku="VpnGw1")
    _v2v_pair(est, sub, gb, gh, bgp=False, key_a="BrHub-V2V-23cc", status="NotConnected", reverse=False)
    est.action(gh["id"], "getLearnedRoutes", body(net_learned("10.230.255.30", ["10.230.0.0/16", "172.26.230.0/24"])))
    est.action(gb["id"], "getLearnedRoutes", body(net_learned("10.231.255.30", ["10.231.0.0/16", "10.230.0.0/16"])))
    nic_and_vm(
        est,
        hub,
        "snet-app",
        "vm-hub",
        "10.230.1.4",
        routes=[*system_routes(["10.230.0.0/16"]), vng("172.26.230.0/24", ["10.230.255.30"])],
    )
    nic_and_vm(
        est,
        br,
        "snet-app",
        "vm-branch",
        "10.231.1.4",
        routes=[*system_routes(["10.231.0.0/16"]), vng("10.230.0.0/16", ["10.231.255.30"])],
    )
    return est


@scenario
def p2s_pool_overlaps_spoke() -> Estate:
    est = Estate(
        "A P2S client pool inside a spoke's address space (point-to-site-certificate-gateway: the pool must not "
        "overlap any address space the gateway reaches): pool 10.241.128.0/24 in vnet-spoke 10.241.0.0/16, which "
        "uses the hub's gateway; the spoke's replies to VPN clients stay in the spoke (VnetLocal). Broken (issue "
        "16 example 4)."
    )
    sub = est.subscription(sub_for("p2s-pool-overlaps-spoke"), "Margie's Travel")
    hub = site(sub, "rg-hub", "vnet-hub", "eastus2", "10.240")
    spoke = site(sub, "rg-spoke", "vnet-spoke", "eastus2", "10.241", gw=False)
    est.add(hub, spoke)
    peer_pair(hub, spoke, a_to_b="hub-to-spoke", b_to_a="spoke-to-hub", a_transit=True, b_uses=True, forwarded=True)
    g = gateway(
        est,
        hub,
        "vgw-hub",
        public_ips=["20.96.240.10"],
        sku="VpnGw1AZ",
        p2s=P2S(["10.241.128.0/24"], ["Certificate"], ["OpenVPN"]),
    )
    local = "10.240.255.30"
    est.action(
        g["id"], "getLearnedRoutes", body(net_learned(local, ["10.240.0.0/16", "10.241.0.0/16", "10.241.128.0/24"]))
    )
    est.action(
        g["id"], "getVpnclientConnectionHealth", body(p2s_client("agent-12", "10.241.128.2", "198.51.100.240:50122"))
    )
    nic_and_vm(
        est,
        spoke,
        "snet-app",
        "vm-spoke",
        "10.241.1.4",
        routes=[
            # The pool lies inside the spoke's own space: VnetLocal covers it, no gateway route is programmed.
            *system_routes(["10.241.0.0/16"]),
            peering_route("10.240.0.0/16"),
        ],
    )
    nic_and_vm(
        est,
        hub,
        "snet-app",
        "vm-hub",
        "10.240.1.4",
        routes=[*system_routes(["10.240.0.0/16"]), peering_route("10.241.0.0/16"), vng("10.241.128.0/24", [local])],
    )
    return est


@scenario
def v2v_without_bgp_p2s() -> Estate:
    est = Estate(
        "P2S clients across a VNet-to-VNet connection without BGP (vpn-gateway-about-point-to-site-routing, "
        "'multiple VNets connected using an S2S VPN'): clients of vgw-hq get a route to 10.42.0.0/16 but can "
        "reach VNet1 only, because vgw-dr never learns the P2S pool. Broken; every command must say so "
        "(issue 16 example 10)."
    )
    sub = est.subscription(sub_for("v2v-without-bgp-p2s"), "Humongous Insurance")
    hq = site(sub, "rg-hq", "vnet-hq", "westeurope", "10.43")
    dr = site(sub, "rg-dr", "vnet-dr", "northeurope", "10.42")
    est.add(hq, dr)
    ghq = gateway(
        est,
        hq,
        "vgw-hq",
        public_ips=["20.86.43.10"],
        sku="VpnGw2",
        p2s=P2S(["172.18.43.0/24"], ["Certificate"], ["OpenVPN"]),
    )
    gdr = gateway(est, dr, "vgw-dr", public_ips=["20.67.42.10"], sku="VpnGw2")
    _v2v_pair(
        est, sub, ghq, gdr, bgp=False, key_a="HqDr-V2V-4342", a_out=9 * GB, a_in=7 * GB, grow_a=(40 * MB, 55 * MB)
    )
    est.action(
        ghq["id"],
        "getLearnedRoutes",
        body(net_learned("10.43.255.30", ["10.43.0.0/16", "172.18.43.0/24", "10.42.0.0/16"])),
    )
    est.action(gdr["id"], "getLearnedRoutes", body(net_learned("10.42.255.30", ["10.42.0.0/16", "10.43.0.0/16"])))
    est.action(
        ghq["id"],
        "getVpnclientConnectionHealth",
        body(p2s_client("claims-laptop-3", "172.18.43.2", "198.51.100.43:50110")),
    )
    nic_and_vm(
        est,
        hq,
        "snet-app",
        "vm-hq",
        "10.43.1.4",
        routes=[
            *system_routes(["10.43.0.0/16"]),
            vng("10.42.0.0/16", ["10.43.255.30"]),
            vng("172.18.43.0/24", ["10.43.255.30"]),
        ],
    )
    nic_and_vm(
        est,
        dr,
        "snet-app",
        "vm-dr",
        "10.42.1.4",
        routes=[*system_routes(["10.42.0.0/16"]), vng("10.43.0.0/16", ["10.42.255.30"])],
    )
    return est


@scenario
def apipa_bgp_peer_mismatch() -> Estate:
    est = Estate(
        "BGP over APIPA with a wrong peer address (bgp-howto: the local network gateway's BGP peer IP must be the "
        "on-premises device's APIPA address, and the device initiates the session): the tunnels are up, but the "
        "local network gateway names 169.254.21.10 while the device uses 169.254.21.2, so the peer stays "
        "Connecting and nothing is learned. Broken."
    )
    sub = est.subscription(sub_for("apipa-bgp-peer-mismatch"), "Coho Winery")
    v = site(sub, "rg-net", "vnet-coho", "westus", "10.45")
    est.add(v)
    g = gateway(
        est,
        v,
        "vgw-coho",
        public_ips=["13.64.45.10", "13.64.45.11"],
        sku="VpnGw2AZ",
        bgp=True,
        asn=65045,
        apipa=[["169.254.21.1"], ["169.254.21.5"]],
    )
    ipc1, ipc2 = (c["id"] for c in g["properties"]["ipConfigurations"])
    lng = est.add(local_gateway(sub, "rg-net", "lgw-napa", "westus", "198.51.100.45", [], 65450, "169.254.21.10"))
    connection(
        est,
        sub,
        "rg-net",
        "cn-coho-to-napa",
        "westus",
        g["id"],
        lng=lng["id"],
        bgp=True,
        shared_key="Napa-S2S-45dd",
        custom_bgp=[(ipc1, "169.254.21.1"), (ipc2, "169.254.21.5")],
        ingress=40 * MB,
        egress=38 * MB,
        tunnels=[
            Tunnel("vgw-coho_13.64.45.10", ingress=20 * MB, egress=19 * MB),
            Tunnel("vgw-coho_13.64.45.11", ingress=20 * MB, egress=19 * MB),
        ],
        growth=(1 * MB, 1 * MB),
    )
    i0, i1 = "10.45.255.4", "10.45.255.5"
    est.action(
        g["id"],
        "getLearnedRoutes",
        body(
            net_learned(i0, ["10.45.0.0/16", "169.254.21.10/32"]), net_learned(i1, ["10.45.0.0/16", "169.254.21.10/32"])
        ),
    )
    est.action(
        g["id"],
        "getBgpPeerStatus",
        body(
            bgp_peer(i0, "169.254.21.10", 65450, state="Connecting"),
            bgp_peer(i1, "169.254.21.10", 65450, state="Connecting"),
            bgp_peer(i0, i1, 65045, routes=2),
            bgp_peer(i1, i0, 65045, routes=2),
        ),
    )
    est.action(g["id"], "getAdvertisedRoutes?peer=169.254.21.10", body())
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-coho",
        "10.45.1.4",
        routes=[*system_routes(["10.45.0.0/16"]), vng("169.254.21.10/32", [i0, i1])],
    )
    return est


@scenario
def active_active_tunnel_down() -> Estate:
    est = Estate(
        "An active-active gateway whose on-premises device built only one of its two tunnels (about-active-active-"
        "gateways: the device must connect to both instances' public IPs): the connection says Connected, the "
        "tunnel to the second instance is NotConnected. Broken: redundancy lost."
    )
    sub = est.subscription(sub_for("active-active-tunnel-down"), "First Up Consultants")
    v = site(sub, "rg-net", "vnet-fuc", "centralindia", "10.47")
    est.add(v)
    g = gateway(est, v, "vgw-fuc", public_ips=["20.193.47.10", "20.193.47.11"], sku="VpnGw2AZ", bgp=True, asn=65047)
    lng = est.add(
        local_gateway(
            sub, "rg-net", "lgw-pune", "centralindia", "198.51.100.47", ["192.168.47.1/32"], 65470, "192.168.47.1"
        )
    )
    connection(
        est,
        sub,
        "rg-net",
        "cn-fuc-to-pune",
        "centralindia",
        g["id"],
        lng=lng["id"],
        bgp=True,
        shared_key="Pune-S2S-47ee",
        ingress=11 * GB,
        egress=9 * GB,
        tunnels=[
            Tunnel("vgw-fuc_20.193.47.10", ingress=11 * GB, egress=9 * GB),
            Tunnel("vgw-fuc_20.193.47.11", status="NotConnected", since="2026-11-20T02:11:40.0000000Z"),
        ],
        growth=(50 * MB, 40 * MB),
    )
    i0, i1 = "10.47.255.4", "10.47.255.5"
    est.action(
        g["id"],
        "getLearnedRoutes",
        body(
            net_learned(i0, ["10.47.0.0/16", "192.168.47.1/32"]),
            learned(
                i0, "192.168.48.0/22", origin="EBgp", next_hop="192.168.47.1", source="192.168.47.1", as_path="65470"
            ),
            net_learned(i1, ["10.47.0.0/16"]),
            learned(i1, "192.168.48.0/22", origin="IBgp", next_hop=i0, source=i0, as_path="65470"),
        ),
    )
    est.action(
        g["id"],
        "getBgpPeerStatus",
        body(
            bgp_peer(i0, "192.168.47.1", 65470, routes=1),
            bgp_peer(i1, "192.168.47.1", 65470, state="Connecting"),
            bgp_peer(i0, i1, 65047, routes=1),
            bgp_peer(i1, i0, 65047, routes=2),
        ),
    )
    est.action(g["id"], "getAdvertisedRoutes?peer=192.168.47.1", body(advertised(i0, "10.47.0.0/16", "65047")))
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-fuc",
        "10.47.1.4",
        routes=[*system_routes(["10.47.0.0/16"]), vng("192.168.48.0/22", [i0, i1]), vng("192.168.47.1/32", [i0, i1])],
    )
    return est


@scenario
def onprem_prefix_overlaps_spoke() -> Estate:
    est = Estate(
        "An on-premises range that overlaps a spoke (tutorial-site-to-site-portal: the local network gateway's "
        "address space must not overlap the address spaces it is joined to; nat-overview for the way out): the "
        "branch's 10.52.0.0/16 is also vnet-spoke's space, and the spoke uses the hub's gateway. Broken."
    )
    sub = est.subscription(sub_for("onprem-prefix-overlaps-spoke"), "Blue Yonder Airlines")
    hub = site(sub, "rg-hub", "vnet-hub", "eastus", "10.51")
    spoke = site(sub, "rg-spoke", "vnet-spoke", "eastus", "10.52", gw=False)
    est.add(hub, spoke)
    peer_pair(hub, spoke, a_to_b="hub-to-spoke", b_to_a="spoke-to-hub", a_transit=True, b_uses=True, forwarded=True)
    g = gateway(est, hub, "vgw-hub", public_ips=["20.121.51.10"], sku="VpnGw1")
    lng = est.add(
        local_gateway(sub, "rg-hub", "lgw-ops-center", "eastus", "198.51.100.52", ["10.52.0.0/16", "192.168.52.0/24"])
    )
    connection(
        est,
        sub,
        "rg-hub",
        "cn-hub-to-ops",
        "eastus",
        g["id"],
        lng=lng["id"],
        shared_key="Ops-S2S-52ff",
        ingress=2 * GB,
        egress=2 * GB,
        tunnels=[Tunnel("vgw-hub_20.121.51.10", ingress=2 * GB, egress=2 * GB)],
        growth=(9 * MB, 9 * MB),
    )
    local = "10.51.255.30"
    est.action(
        g["id"], "getLearnedRoutes", body(net_learned(local, ["10.51.0.0/16", "10.52.0.0/16", "192.168.52.0/24"]))
    )
    nic_and_vm(
        est,
        spoke,
        "snet-app",
        "vm-spoke",
        "10.52.1.4",
        routes=[
            *system_routes(["10.52.0.0/16"]),
            peering_route("10.51.0.0/16"),
            vng("192.168.52.0/24", [local]),
        ],
    )
    return est


@scenario
def p2s_pool_overlaps_onprem() -> Estate:
    est = Estate(
        "A P2S client pool inside the on-premises range (point-to-site-certificate-gateway: the pool must not "
        "overlap the VNet or any address space you connect to): pool 192.168.20.0/24 in the head office's "
        "192.168.16.0/20, reached over a site-to-site connection. Broken."
    )
    sub = est.subscription(sub_for("p2s-pool-overlaps-onprem"), "Graphic Design Institute")
    v = site(sub, "rg-net", "vnet-gdi", "westeurope", "10.55")
    est.add(v)
    g = gateway(
        est, v, "vgw-gdi", public_ips=["20.86.55.10"], sku="VpnGw1", p2s=P2S(["192.168.20.0/24"], ["AAD"], ["OpenVPN"])
    )
    lng = est.add(local_gateway(sub, "rg-net", "lgw-hq", "westeurope", "198.51.100.55", ["192.168.16.0/20"]))
    connection(
        est,
        sub,
        "rg-net",
        "cn-gdi-to-hq",
        "westeurope",
        g["id"],
        lng=lng["id"],
        shared_key="Gdi-S2S-55ab",
        ingress=3 * GB,
        egress=3 * GB,
        tunnels=[Tunnel("vgw-gdi_20.86.55.10", ingress=3 * GB, egress=3 * GB)],
        growth=(10 * MB, 12 * MB),
    )
    local = "10.55.255.30"
    est.action(
        g["id"], "getLearnedRoutes", body(net_learned(local, ["10.55.0.0/16", "192.168.20.0/24", "192.168.16.0/20"]))
    )
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-gdi",
        "10.55.1.4",
        routes=[*system_routes(["10.55.0.0/16"]), vng("192.168.16.0/20", [local]), vng("192.168.20.0/24", [local])],
    )
    return est


@scenario
def stale_dns_record() -> Estate:
    est = Estate(
        "A stale A record (private-endpoint-dns: without a DNS zone group the records are yours to keep): the "
        "private endpoint of sql-tailwind was re-created and got 10.60.2.5, the hand-made record still says "
        "10.60.2.4. Broken."
    )
    sub = est.subscription(sub_for("stale-dns-record"), "Tailwind Traders")
    v = site(sub, "rg-app", "vnet-app", "northeurope", "10.60", gw=False, extra=[("snet-data", "10.60.2.0/24")])
    est.add(v)
    private_zone(est, sub, "rg-app", SQL_ZONE, {"sql-tailwind": "10.60.2.4"}, [v["id"]])
    sql_server_with_endpoint(est, v, "snet-data", "sql-tailwind", "10.60.2.5", zone_id="", policy="Proxy")
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-app",
        "10.60.1.4",
        routes=[*system_routes(["10.60.0.0/16"]), eff("10.60.2.5/32", "InterfaceEndpoint")],
    )
    return est


@scenario
def p2s_clients_without_dns() -> Estate:
    est = Estate(
        "P2S clients with no DNS that sees the private zone (private-endpoint-dns-integration: 168.63.129.16 "
        "answers only inside Azure; clients outside need a DNS Private Resolver or a forwarder): the VNet uses "
        "Azure-provided DNS, the zone is linked to it, and there is no resolver. Broken: VPN clients resolve "
        "sql-adventure to its public address."
    )
    sub = est.subscription(sub_for("p2s-clients-without-dns"), "Adventure Works Cycles")
    v = site(sub, "rg-app", "vnet-adv", "westus2", "10.65", extra=[("snet-data", "10.65.2.0/24")])
    est.add(v)
    g = gateway(
        est, v, "vgw-adv", public_ips=["20.99.65.10"], sku="VpnGw1AZ", p2s=P2S(["172.27.65.0/24"], ["AAD"], ["OpenVPN"])
    )
    zone = private_zone(est, sub, "rg-app", SQL_ZONE, {"sql-adventure": "10.65.2.4"}, [v["id"]])
    sql_server_with_endpoint(est, v, "snet-data", "sql-adventure", "10.65.2.4", zone_id=zone, policy="Proxy")
    local = "10.65.255.30"
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, ["10.65.0.0/16", "172.27.65.0/24"])))
    est.action(
        g["id"],
        "getVpnclientConnectionHealth",
        body(p2s_client("rider@adventure-works.com", "172.27.65.2", "198.51.100.65:50001")),
    )
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-adv",
        "10.65.1.4",
        routes=[
            *system_routes(["10.65.0.0/16"]),
            vng("172.27.65.0/24", [local]),
            eff("10.65.2.4/32", "InterfaceEndpoint"),
        ],
    )
    return est


@scenario
def route_propagation_off() -> Estate:
    est = Estate(
        "A spoke subnet with gateway route propagation off and no route of its own to on-premises "
        "(virtual-networks-udr-overview: with 'Propagate gateway routes' off the subnet gets no gateway routes; "
        "192.168.0.0/16 falls on the default route to None): the spoke uses the hub's gateway, but its VM cannot "
        "reach the head office's 192.168.0.0/20. Broken."
    )
    sub = est.subscription(sub_for("route-propagation-off"), "Consolidated Messenger")
    hub = site(sub, "rg-hub", "vnet-hub", "japaneast", "10.70")
    rt = route_table(
        sub, "rg-spoke", "rt-spoke-app", "japaneast", [route("to-internet", "0.0.0.0/0", "Internet")], propagate=False
    )
    spoke = vnet(
        sub,
        "rg-spoke",
        "vnet-spoke",
        "japaneast",
        ["10.71.0.0/16"],
        [("snet-app", "10.71.1.0/24", {"routeTable": rt["id"]})],
    )
    est.add(hub, spoke, rt)
    peer_pair(hub, spoke, a_to_b="hub-to-spoke", b_to_a="spoke-to-hub", a_transit=True, b_uses=True, forwarded=True)
    g = gateway(est, hub, "vgw-hub", public_ips=["20.78.70.10"], sku="VpnGw2", bgp=True, asn=65070)
    lng = est.add(
        local_gateway(
            sub, "rg-hub", "lgw-tokyo-hq", "japaneast", "198.51.100.70", ["192.168.0.1/32"], 65700, "192.168.0.1"
        )
    )
    connection(
        est,
        sub,
        "rg-hub",
        "cn-hub-to-tokyo",
        "japaneast",
        g["id"],
        lng=lng["id"],
        bgp=True,
        shared_key="Tokyo-S2S-70aa",
        ingress=4 * GB,
        egress=5 * GB,
        tunnels=[Tunnel("vgw-hub_20.78.70.10", ingress=4 * GB, egress=5 * GB)],
        growth=(20 * MB, 24 * MB),
    )
    local = "10.70.255.30"
    est.action(
        g["id"],
        "getLearnedRoutes",
        body(
            net_learned(local, ["10.70.0.0/16", "10.71.0.0/16", "192.168.0.1/32"]),
            learned(
                local, "192.168.0.0/20", origin="EBgp", next_hop="192.168.0.1", source="192.168.0.1", as_path="65700"
            ),
        ),
    )
    est.action(g["id"], "getBgpPeerStatus", body(bgp_peer(local, "192.168.0.1", 65700, routes=1)))
    est.action(
        g["id"],
        "getAdvertisedRoutes?peer=192.168.0.1",
        body(advertised(local, "10.70.0.0/16", "65070"), advertised(local, "10.71.0.0/16", "65070")),
    )
    routes = system_routes(["10.71.0.0/16"], internet=False)
    routes += [
        peering_route("10.70.0.0/16"),
        eff("0.0.0.0/0", "Internet", state="Invalid"),
        eff("0.0.0.0/0", "Internet", source="User", name="to-internet"),
    ]
    nic_and_vm(est, spoke, "snet-app", "vm-spoke-app", "10.71.1.4", routes=routes)
    nic_and_vm(
        est,
        hub,
        "snet-app",
        "vm-hub",
        "10.70.1.4",
        routes=[
            *system_routes(["10.70.0.0/16"]),
            peering_route("10.71.0.0/16"),
            vng("192.168.0.0/20", [local]),
            vng("192.168.0.1/32", [local]),
        ],
    )
    return est


@scenario
def v2v_bgp_same_asn() -> Estate:
    est = Estate(
        "Two gateways joined VNet-to-VNet with BGP, both on the default ASN 65515 (bgp-howto: each gateway "
        "needs its own ASN; vpn-gateway-bgp-overview): the tunnel is up, the BGP session never forms and "
        "neither side learns the other's prefixes. Broken."
    )
    sub = est.subscription(sub_for("v2v-bgp-same-asn"), "Fabrikam Residences")
    a = site(sub, "rg-a", "vnet-north", "norwayeast", "10.75")
    b = site(sub, "rg-b", "vnet-south", "norwaywest", "10.76")
    est.add(a, b)
    ga = gateway(est, a, "vgw-north", public_ips=["51.120.75.10"], sku="VpnGw2", bgp=True, asn=65515)
    gb = gateway(est, b, "vgw-south", public_ips=["51.13.76.10"], sku="VpnGw2", bgp=True, asn=65515)
    _v2v_pair(est, sub, ga, gb, bgp=True, key_a="NS-V2V-7576", a_out=200 * MB, a_in=180 * MB, grow_a=(1 * MB, 1 * MB))
    na, nb = "10.75.255.30", "10.76.255.30"
    est.action(ga["id"], "getLearnedRoutes", body(net_learned(na, ["10.75.0.0/16"])))
    est.action(gb["id"], "getLearnedRoutes", body(net_learned(nb, ["10.76.0.0/16"])))
    est.action(ga["id"], "getBgpPeerStatus", body(bgp_peer(na, nb, 65515, state="Connecting")))
    est.action(gb["id"], "getBgpPeerStatus", body(bgp_peer(nb, na, 65515, state="Connecting")))
    est.action(ga["id"], f"getAdvertisedRoutes?peer={nb}", body())
    est.action(gb["id"], f"getAdvertisedRoutes?peer={na}", body())
    nic_and_vm(est, a, "snet-app", "vm-north", "10.75.1.4", routes=system_routes(["10.75.0.0/16"]))
    nic_and_vm(est, b, "snet-app", "vm-south", "10.76.1.4", routes=system_routes(["10.76.0.0/16"]))
    return est


@scenario
def multi_subscription_half_peering() -> Estate:
    est = Estate(
        "A peering across subscriptions created by the application team only (create-peering-different-"
        "subscriptions: each subscription creates its own side; the first stays Initiated until the second "
        "exists): vnet-shop in 'Online Shop' has an Initiated peering to the hub in 'Connectivity', which has "
        "none back. Broken; asked about the hub, the answer must show it (issue 16 example 5, across "
        "subscriptions)."
    )
    conn = est.subscription(sub_for("mshp-connectivity"), "Connectivity")
    app = est.subscription(sub_for("mshp-app"), "Online Shop")
    hub = site(conn, "rg-connectivity", "vnet-hub-conn", "westeurope", "10.80")
    shop = site(app, "rg-shop", "vnet-shop", "westeurope", "10.81", gw=False)
    est.add(hub, shop)
    peer(shop, hub["id"], "shop-to-hub", state="Initiated", forwarded=True)
    g = gateway(
        est,
        hub,
        "vgw-hub-conn",
        public_ips=["20.50.80.10"],
        sku="VpnGw1AZ",
        p2s=P2S(["172.28.80.0/24"], ["AAD"], ["OpenVPN"]),
    )
    local = "10.80.255.30"
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, ["10.80.0.0/16", "172.28.80.0/24"])))
    nic_and_vm(est, shop, "snet-app", "vm-shop", "10.81.1.4", routes=system_routes(["10.81.0.0/16"]))
    return est


def _site_to_site(name: str, company: str, net: str, loc: str, device_ip: str) -> tuple[Estate, Doc, Doc, Doc]:
    """A VNet with a VPN gateway and one IPsec connection to an on-premises site whose tunnel
    is down (NotConnected); (estate, vnet, gateway, connection)."""
    est = Estate("")
    sub = est.subscription(sub_for(name), company)
    v = site(sub, "rg-net", f"vnet-{net.replace('.', '-')}", loc, net)
    est.add(v)
    g = gateway(est, v, "vgw-branch", public_ips=[device_ip.replace("203.0.113", "20.61.1")], sku="VpnGw1AZ")
    lng = est.add(local_gateway(sub, "rg-net", "lgw-office", loc, device_ip, ["192.168.60.0/24"]))
    c = connection(
        est,
        sub,
        "rg-net",
        "cn-branch-to-office",
        loc,
        g["id"],
        lng=lng["id"],
        status="NotConnected",
        shared_key="Office-S2S-6060",
        ingress=0,
        egress=0,
    )
    est.action(g["id"], "getLearnedRoutes", body(net_learned(f"{net}.255.30", [f"{net}.0.0/16", "192.168.60.0/24"])))
    return est, v, g, c


@scenario
def shared_key_change_breaks_s2s() -> Estate:
    est, v, _g, c = _site_to_site("shared-key-change-breaks-s2s", "Litware", "10.60", "northeurope", "203.0.113.60")
    est.comment = (
        "A site-to-site connection NotConnected 12 minutes after someone set its shared key with the az CLI "
        "(vpn-gateway-troubleshoot-site-to-site-cannot-connect: the shared key must be the same on the Azure "
        "side and on the device; a change on one side only drops the tunnel). The Activity Log records the "
        "shared key's set (never its value); Resource Graph does not see shared keys. Broken: the change "
        "explains the outage."
    )
    est.changes.append(
        {
            "ago": "12m",
            "resource": c["id"],
            "operation": "Microsoft.Network/connections/sharedKey/write",
            "by": "bob@litware.com",
            "byType": "User",
            "client": "Azure CLI",
            "in": ["activityLog"],
        }
    )
    # Two days earlier, a route table elsewhere: outside the lookback, never blamed.
    est.changes.append(
        {
            "ago": "2d",
            "resource": v["id"],
            "operation": "Microsoft.Network/virtualNetworks/write",
            "by": "carol@litware.com",
            "client": "Azure Portal",
            "properties": {"tags.costCenter": ["", "4711", "Insert"]},
        }
    )
    return est


@scenario
def unrelated_change_during_outage() -> Estate:
    est, _v, g, c = _site_to_site(
        "unrelated-change-during-outage", "Wingtip Toys", "10.61", "westeurope", "203.0.113.61"
    )
    est.comment = (
        "A site-to-site connection NotConnected while Azure reports a VPN Gateway incident in West Europe "
        "(Service Health) and the gateway's Resource Health is Degraded; meanwhile someone tagged the gateway, "
        "changed a route table in another VNet, and tried a shared key change that Azure refused. Broken; none "
        "of those changes can explain it (tags carry no traffic, the other VNet is not joined to this one, a "
        "failed operation changed nothing): the bot must not blame them, and says Azure reports a problem."
    )
    other = site(sub_for("unrelated-change-during-outage"), "rg-lab", "vnet-lab", "westeurope", "10.62", gw=False)
    est.add(other)
    table = est.add(
        route_table(sub_for("unrelated-change-during-outage"), "rg-lab", "rt-lab", "westeurope", [], propagate=True)
    )
    est.changes += [
        {
            "ago": "6m",
            "resource": g["id"],
            "operation": "Microsoft.Network/virtualNetworkGateways/write",
            "by": "dave@wingtiptoys.com",
            "client": "Azure Portal",
            "properties": {"tags.owner": ["", "networking", "Insert"]},
        },
        {
            "ago": "9m",
            "resource": table["id"],
            "operation": "Microsoft.Network/routeTables/write",
            "by": "erin@wingtiptoys.com",
            "client": "ARM Template",
            "properties": {"properties.disableBgpRoutePropagation": ["false", "true"]},
        },
        {
            "ago": "11m",
            "resource": c["id"],
            "operation": "Microsoft.Network/connections/sharedKey/write",
            "by": "dave@wingtiptoys.com",
            "client": "Azure CLI",
            "status": "Failed",
            "in": ["activityLog"],
        },
    ]
    est.resource_health[g["id"]] = [
        {
            "ago": "20m",
            "availabilityState": "Degraded",
            "title": "Degraded",
            "summary": "We're sorry, your VPN gateway is degraded due to an Azure platform issue.",
            "reasonType": "Unplanned",
        }
    ]
    est.service_health.append(
        {
            "ago": "25m",
            "title": "VPN Gateway - West Europe - Tunnel connectivity issues",
            "incidentType": "Incident",
            "stage": "Active",
            "service": "VPN Gateway",
            "regions": ["West Europe"],
            "trackingId": "VT4L-9XZ",
            "communication": "Starting at 17:20 UTC, a subset of customers using VPN Gateway in West Europe may experience tunnel disconnects.",
        }
    )
    return est


# ============================================================================================


def _metrics_site(name: str, comment: str, *, sku: str, net: str, bgp: bool = False) -> tuple[Estate, Doc, str, str]:
    """A site-to-site hub for the Azure Monitor scenarios: (estate, gateway, subscription, local BGP address)."""
    est = Estate(comment)
    sub = est.subscription(sub_for(name), "Wide World Importers Network")
    v = site(sub, "rg-net", "vnet-hub", "westeurope", net)
    est.add(v)
    g = gateway(est, v, "vgw-hub", public_ips=[f"20.86.{net.split('.')[1]}.10"], sku=sku, bgp=bgp, asn=65010)
    return est, g, sub, f"{net}.255.30"


def _metrics_branch(
    est: Estate, sub: str, g: Doc, label: str, n: int, net: str, *, bgp: bool = False, growth: tuple[int, int]
) -> tuple[str, str]:
    """A branch office on its own S2S connection: (its public IP, its prefix)."""
    ip, prefix = f"203.0.113.{n}", f"192.168.{n}.0/24"
    lng = est.add(
        local_gateway(
            sub,
            "rg-net",
            f"lgw-{label}",
            "westeurope",
            ip,
            [prefix],
            65100 + n if bgp else None,
            f"192.168.{n}.1" if bgp else "",
        )
    )
    connection(
        est,
        sub,
        "rg-net",
        f"cn-hub-to-{label}",
        "westeurope",
        g["id"],
        lng=lng["id"],
        bgp=bgp,
        shared_key=f"{label}-S2S-{n}",
        ingress=4 * GB,
        egress=6 * GB,
        tunnels=[Tunnel(f"vgw-hub_20.86.{net.split('.')[1]}.10", ingress=4 * GB, egress=6 * GB)],
        growth=growth,
    )
    return ip, prefix


@scenario
def metrics_healthy_tunnels() -> Estate:
    name = "metrics-healthy-tunnels"
    est, g, sub, local = _metrics_site(
        name,
        "Two branches on site-to-site tunnels of a VpnGw2AZ, both carrying traffic both ways, no packet dropped, "
        "no traffic-selector mismatch, the gateway at a few percent of its throughput benchmark "
        "(monitor-vpn-gateway-reference; about-gateway-skus). Healthy: Azure Monitor shows nothing wrong.",
        sku="VpnGw2AZ",
        net="10.190",
    )
    prefixes = ["10.190.0.0/16"]
    for n, label in ((191, "lisbon"), (192, "porto")):
        ip, prefix = _metrics_branch(est, sub, g, label, n, "10.190", growth=(20 * MB, 30 * MB))
        est.tunnel_metrics(g["id"], f"cn-hub-to-{label}", ip, egress=9e6, ingress=6e6)
        prefixes.append(prefix)
    est.metric(g["id"], "AverageBandwidth", 500_000, 0.2)
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, prefixes)))
    return est


@scenario
def metrics_selector_mismatch_idle() -> Estate:
    name = "metrics-selector-mismatch-idle"
    est, g, sub, local = _metrics_site(
        name,
        "Two branches on site-to-site tunnels. Lisbon's firewall also sends from 192.168.60.0/24, a range not in "
        "the local network gateway's address space, so the gateway drops those packets for a traffic-selector "
        "mismatch (TunnelIngressPacketDropTSMismatch, monitor-vpn-gateway-reference). Porto's tunnel is "
        "Connected but has carried no byte for an hour. Broken.",
        sku="VpnGw2AZ",
        net="10.193",
    )
    prefixes = ["10.193.0.0/16"]
    ip, prefix = _metrics_branch(est, sub, g, "lisbon", 194, "10.193", growth=(20 * MB, 30 * MB))
    est.tunnel_metrics(g["id"], "cn-hub-to-lisbon", ip, egress=9e6, ingress=6e6, mismatch=(25, 0))
    prefixes.append(prefix)
    ip, prefix = _metrics_branch(est, sub, g, "porto", 195, "10.193", growth=(0, 0))
    est.tunnel_metrics(g["id"], "cn-hub-to-porto", ip, egress=0, ingress=0)
    prefixes.append(prefix)
    est.metric(g["id"], "AverageBandwidth", 250_000, 0.2)
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, prefixes)))
    return est


@scenario
def metrics_near_capacity_drops_bgp() -> Estate:
    name = "metrics-near-capacity-drops-bgp"
    est, g, sub, local = _metrics_site(
        name,
        "A VpnGw1 (650 Mbit/s aggregate benchmark, about-gateway-skus) carrying about 560 Mbit/s with peaks "
        "above: its one tunnel drops 3% of its packets (TunnelIngress/EgressPacketDropCount), and its BGP session "
        "went down for a quarter of an hour 40 minutes ago and came back (BgpPeerStatus; getBgpPeerStatus says "
        "Connected now). Broken.",
        sku="VpnGw1",
        net="10.196",
        bgp=True,
    )
    ip, prefix = _metrics_branch(est, sub, g, "madrid", 197, "10.196", bgp=True, growth=(9 * GB, 11 * GB))
    est.tunnel_metrics(g["id"], "cn-hub-to-madrid", ip, egress=2.3e9, ingress=1.9e9, drops=(60_000, 55_000))
    est.metric(g["id"], "AverageBandwidth", 70e6, 0.15)
    est.metric(g["id"], "BgpPeerStatus", 1, dimensions={"BgpPeerAddress": "192.168.197.1"}, outages=[[40, 25]])
    est.action(g["id"], "getLearnedRoutes", body(net_learned(local, ["10.196.0.0/16", prefix, "192.168.197.1/32"])))
    est.action(g["id"], "getBgpPeerStatus", body(bgp_peer(local, "192.168.197.1", 65297, routes=1)))
    est.action(g["id"], "getAdvertisedRoutes?peer=192.168.197.1", body(advertised(local, "10.196.0.0/16", "65010")))
    return est


def _nsg_rules(vnet: list[str], extra: list[Doc]) -> list[Doc]:
    """A subnet NSG's effective rules (effectiveNetworkSecurityGroups): `extra`, then Azure's
    default rules with the VirtualNetwork tag expanded to `vnet`
    (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules)."""

    def rule(name: str, prio: int, direction: str, access: str, src: str, dst: str, **more: Any) -> Doc:
        return {
            "name": f"defaultSecurityRules/{name}",
            "protocol": "All",
            "sourcePortRange": "0-65535",
            "destinationPortRange": "0-65535",
            "sourceAddressPrefix": src,
            "destinationAddressPrefix": dst,
            "access": access,
            "priority": prio,
            "direction": direction,
            **more,
        }

    vn = {"expandedSourceAddressPrefix": vnet, "expandedDestinationAddressPrefix": vnet}
    return [
        *extra,
        rule("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork", **vn),
        rule("DenyAllInBound", 65500, "Inbound", "Deny", "0.0.0.0/0", "0.0.0.0/0"),
        rule("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork", **vn),
        rule("DenyAllOutBound", 65500, "Outbound", "Deny", "0.0.0.0/0", "0.0.0.0/0"),
    ]


def _allow_sql(ports: str) -> Doc:
    return {
        "name": "securityRules/allow-sql-out",
        "protocol": "Tcp",
        "sourcePortRange": "0-65535",
        "destinationPortRange": ports,
        "sourceAddressPrefix": "10.101.1.0/24",
        "destinationAddressPrefix": "10.101.2.0/24",
        "access": "Allow",
        "priority": 200,
        "direction": "Outbound",
    }


@scenario
def sql_redirect_client_nsg_open() -> Estate:
    return _dns_hub(
        "sql-redirect-client-nsg-open",
        "The DNS Private Resolver hub with the SQL server on the Redirect connection policy, and the client VM's "
        "subnet NSG allowing TCP 1433-65535 to the endpoint's subnet (private-endpoint-overview: Redirect through "
        "a private endpoint needs 1433-65535). Healthy.",
        forwarder=False,
        policy="Redirect",
        client_nsg=[_allow_sql("1433-65535")],
    )


@scenario
def sql_redirect_client_nsg_blocks() -> Estate:
    deny = {
        "name": "securityRules/deny-data-subnet",
        "protocol": "*",
        "sourcePortRange": "0-65535",
        "destinationPortRange": "0-65535",
        "sourceAddressPrefix": "10.101.1.0/24",
        "destinationAddressPrefix": "10.101.2.0/24",
        "access": "Deny",
        "priority": 300,
        "direction": "Outbound",
    }
    return _dns_hub(
        "sql-redirect-client-nsg-blocks",
        "The DNS Private Resolver hub with the SQL server on the Redirect connection policy; the client VM's "
        "subnet NSG allows only TCP 1433 to the data subnet and denies the rest (network-security-group-how-it-"
        "works: the first matching rule by priority decides). Broken: logins on 1433 succeed, the redirected "
        "session to 11000-11999 is dropped.",
        forwarder=False,
        policy="Redirect",
        client_nsg=[_allow_sql("1433-1433"), deny],
    )


# ============================================================================================
# Issue 22: the change that explains a reachability, DNS or tunnel problem, and ones that do not
# ============================================================================================


def _nsg(sub: str, rg: str, name: str, loc: str, rules: list[Doc], subnets: list[str]) -> Doc:
    """A network security group as GET returns it, its security rules inline (`securityRules[]`,
    each with its child id), associated with `subnets`."""
    nid = net_id(sub, rg, "networkSecurityGroups", name)
    inline = []
    for r in rules:
        short = r["name"].removeprefix("securityRules/")
        props = {k: v for k, v in r.items() if k != "name"}
        port = str(props.get("destinationPortRange", "*"))
        if "-" in port and port.split("-")[0] == port.split("-")[1]:
            props["destinationPortRange"] = port.split("-")[0]
        inline.append(
            {
                "name": short,
                "id": f"{nid}/securityRules/{short}",
                "etag": etag(nid, short),
                "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                "properties": {"provisioningState": "Succeeded", **props},
            }
        )
    return {
        "name": name,
        "id": nid,
        "etag": etag(nid),
        "type": "Microsoft.Network/networkSecurityGroups",
        "location": loc,
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": guid(nid),
            "securityRules": inline,
            "subnets": [ref(s) for s in subnets],
        },
    }


def _associate(v: Doc, subnet: str, nsg: Doc) -> None:
    """Set a subnet's `networkSecurityGroup` in its VNet's document."""
    for s in v["properties"]["subnets"]:
        if s["name"] == subnet:
            s["properties"]["networkSecurityGroup"] = ref(nsg["id"])


@scenario
def nsg_rule_change_blocks_sql() -> Estate:
    name = "nsg-rule-change-blocks-sql"
    deny = {
        "name": "securityRules/deny-data-subnet",
        "protocol": "*",
        "sourcePortRange": "0-65535",
        "destinationPortRange": "0-65535",
        "sourceAddressPrefix": "10.101.1.0/24",
        "destinationAddressPrefix": "10.101.2.0/24",
        "access": "Deny",
        "priority": 300,
        "direction": "Outbound",
    }
    est = _dns_hub(
        name,
        "The DNS Private Resolver hub with Azure SQL on the Redirect policy behind a private endpoint. 18 minutes "
        "ago someone narrowed the client subnet NSG's rule allow-sql-out from TCP 1433-65535 to 1433 "
        "(network-security-group-how-it-works: the first matching rule by priority decides, so deny-data-subnet "
        "(300) now drops the redirected ports; private-endpoint-overview: Redirect through a private endpoint "
        "needs 1433-65535). Resource Graph records the rule's change on its NSG "
        "(properties.securityRules[0].properties.destinationPortRange, get-resource-changes), the Activity Log "
        "the securityRules/write on the rule (activity-log-schema). Six minutes ago a deny rule was added to the "
        "NSG of vnet-lab, a VNet joined to nothing here, and three minutes ago the client NSG was tagged: "
        "neither can explain it. Broken: the rule change explains the outage.",
        forwarder=False,
        policy="Redirect",
        client_nsg=[_allow_sql("1433-1433"), deny],
    )
    sub = sub_for(name)
    spoke = est.get(net_id(sub, "rg-data", "virtualNetworks", "vnet-data"))
    nsg = est.add(
        _nsg(
            sub,
            "rg-data",
            "nsg-snet-app",
            "westeurope",
            [_allow_sql("1433-1433"), deny],
            [subnet_id(spoke, "snet-app")],
        )
    )
    _associate(spoke, "snet-app", nsg)
    lab = site(sub, "rg-lab", "vnet-lab", "westeurope", "10.102", gw=False)
    deny_lab = {
        **deny,
        "name": "securityRules/deny-lab-out",
        "sourceAddressPrefix": "10.102.1.0/24",
        "destinationAddressPrefix": "*",
        "priority": 100,
    }
    nsg_lab = _nsg(sub, "rg-lab", "nsg-lab", "westeurope", [deny_lab], [subnet_id(lab, "snet-app")])
    _associate(lab, "snet-app", nsg_lab)
    est.add(lab, nsg_lab)
    rule = f"{nsg['id']}/securityRules/allow-sql-out"
    est.changes += [
        {
            "ago": "18m",
            "resource": rule,
            "operation": "Microsoft.Network/networkSecurityGroups/securityRules/write",
            "by": "mallory@contoso.com",
            "client": "Azure Portal",
            "properties": {"properties.destinationPortRange": ["1433-65535", "1433"]},
        },
        {
            "ago": "6m",
            "resource": f"{nsg_lab['id']}/securityRules/deny-lab-out",
            "operation": "Microsoft.Network/networkSecurityGroups/securityRules/write",
            "by": "erin@contoso.com",
            "client": "Azure CLI",
            "changeType": "Create",
            "properties": {
                "properties.access": ["", "Deny", "Insert"],
                "properties.priority": ["", "100", "Insert"],
            },
        },
        {
            "ago": "3m",
            "resource": nsg["id"],
            "operation": "Microsoft.Network/networkSecurityGroups/write",
            "by": "finops-automation",
            "byType": "Application",
            "client": "Azure Policy",
            "properties": {"tags.costCenter": ["", "4711", "Insert"]},
        },
    ]
    return est


@scenario
def shared_key_reset_breaks_v2v() -> Estate:
    name = "shared-key-reset-breaks-v2v"
    est = Estate(
        "A VNet-to-VNet pair between Oslo and Stavanger, both halves NotConnected since someone reset the shared "
        "key of cn-stavanger-to-oslo nine minutes ago (VirtualNetworkGatewayConnections_ResetSharedKey, POST "
        "connections/{c}/sharedkey/reset, gives the connection a new random key of keyLength characters; "
        "vpn-gateway-howto-vnet-vnet-resource-manager-portal: both connections of a pair need the same shared "
        "key). The Activity Log records the reset as the POST action on the connection's shared key, "
        "Microsoft.Network/connections/sharedkey/action (resource-provider-operations lists no other POST "
        "action of a shared key), never the key; Resource Graph does not see shared keys. Three minutes ago "
        "someone set the key of the Oslo gateway's branch connection, which is up: a key of another tunnel "
        "cannot explain this one. Broken: the reset explains the outage."
    )
    sub = est.subscription(sub_for(name), "Northwind Energy")
    a = site(sub, "rg-oslo", "vnet-oslo", "norwayeast", "10.120")
    b = site(sub, "rg-stavanger", "vnet-stavanger", "norwaywest", "10.121")
    est.add(a, b)
    ga = gateway(est, a, "vgw-oslo", public_ips=["51.120.120.10"], sku="VpnGw2AZ")
    gb = gateway(est, b, "vgw-stavanger", public_ips=["51.13.121.10"], sku="VpnGw2AZ")
    _ca, cb = _v2v_pair(
        est, sub, ga, gb, bgp=False, key_a="Oslo-Stv-2024", key_b="k9Xw2QpL7rTz4VbN", status="NotConnected"
    )
    assert cb is not None
    lng = est.add(local_gateway(sub, "rg-oslo", "lgw-bergen", "norwayeast", "198.51.100.120", ["192.168.120.0/24"]))
    branch = connection(
        est,
        sub,
        "rg-oslo",
        "cn-oslo-to-bergen",
        "norwayeast",
        ga["id"],
        lng=lng["id"],
        shared_key="Bergen-S2S-0120",
        ingress=3 * GB,
        egress=4 * GB,
        tunnels=[Tunnel("vgw-oslo_51.120.120.10", ingress=3 * GB, egress=4 * GB)],
        growth=(20 * MB, 25 * MB),
    )
    est.action(ga["id"], "getLearnedRoutes", body(net_learned("10.120.255.30", ["10.120.0.0/16", "192.168.120.0/24"])))
    est.action(gb["id"], "getLearnedRoutes", body(net_learned("10.121.255.30", ["10.121.0.0/16"])))
    est.changes += [
        {
            "ago": "9m",
            "resource": cb["id"],
            "operation": "Microsoft.Network/connections/sharedkey/action",
            "by": "ivan@northwind-energy.com",
            "client": "Azure Portal",
            "in": ["activityLog"],
        },
        {
            "ago": "3m",
            "resource": branch["id"],
            "operation": "Microsoft.Network/connections/sharedKey/write",
            "by": "judy@northwind-energy.com",
            "client": "Azure CLI",
            "in": ["activityLog"],
        },
    ]
    return est


@scenario
def dns_record_change_breaks_pe() -> Estate:
    name = "dns-record-change-breaks-pe"
    est = Estate(
        "Azure SQL behind a private endpoint whose DNS zone group writes its A record in "
        "privatelink.database.windows.net (private-endpoint-dns: the zone group keeps the record in step with "
        "the endpoint's IP). 25 minutes ago someone overwrote the record sql-litware-orders by hand with "
        "10.130.2.40 (az network private-dns record-set a update): the name now resolves to an address no "
        "endpoint has. A record set is a child of the zone; the Activity Log records its write as "
        "Microsoft.Network/privateDnsZones/A/write on the record set (resource-provider-operations, "
        "activity-log-schema: every Resource Manager write is an Administrative event), without the addresses. "
        "Resource Graph's resourcechanges holds the resources of its resources table; record sets are not among "
        "them as far as Microsoft documents (get-resource-changes), so it is modelled in the Activity Log only. "
        "Four minutes ago the record of another server in the same zone got a new TTL: another name's record "
        "cannot explain this one. Broken: the record's write explains it."
    )
    sub = est.subscription(sub_for(name), "Litware Orders")
    v = site(sub, "rg-app", "vnet-orders", "swedencentral", "10.130", gw=False, extra=[("snet-data", "10.130.2.0/24")])
    est.add(v)
    zone = private_zone(
        est,
        sub,
        "rg-app",
        SQL_ZONE,
        {"sql-litware-orders": "10.130.2.40", "sql-litware-reports": "10.130.2.5"},
        [v["id"]],
    )
    sql_server_with_endpoint(est, v, "snet-data", "sql-litware-orders", "10.130.2.4", zone_id=zone, policy="Proxy")
    sql_server_with_endpoint(est, v, "snet-data", "sql-litware-reports", "10.130.2.5", zone_id=zone, policy="Proxy")
    nic_and_vm(
        est,
        v,
        "snet-app",
        "vm-orders",
        "10.130.1.4",
        routes=[
            *system_routes(["10.130.0.0/16"]),
            eff("10.130.2.4/32", "InterfaceEndpoint"),
            eff("10.130.2.5/32", "InterfaceEndpoint"),
        ],
    )
    est.changes += [
        {
            "ago": "25m",
            "resource": f"{zone}/A/sql-litware-orders",
            "operation": "Microsoft.Network/privateDnsZones/A/write",
            "by": "oscar@litware.com",
            "client": "Azure CLI",
            "in": ["activityLog"],
        },
        {
            "ago": "4m",
            "resource": f"{zone}/A/sql-litware-reports",
            "operation": "Microsoft.Network/privateDnsZones/A/write",
            "by": "peggy@litware.com",
            "client": "Azure Portal",
            "in": ["activityLog"],
        },
    ]
    return est


def build(name: str) -> dict[str, Any]:
    return SCENARIOS[name]().finish()


def write(names: list[str] | None = None) -> list[Path]:
    """Write the estates (all, or `names`) to sandbox/estates/scenarios/<name>.json."""
    CORPUS.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names or sorted(SCENARIOS):
        path = CORPUS / f"{name}.json"
        path.write_text(json.dumps(build(name), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":
    for p in write(sys.argv[1:] or None):
        print(p.relative_to(ROOT))
