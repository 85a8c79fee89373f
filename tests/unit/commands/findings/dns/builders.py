"""Estates for the private endpoint DNS checks (`commands.findings.dns`), built by hand.

Shared by the tests of `commands.findings.dns` and of `/vpn checklist`.
`seed_like()` is the estate of ../shared/seed-problem.md as dataclasses: two regions, two
SQL servers with private endpoints, one private zone linked only to the Europe VNet and no
DNS a VPN client could use. The other builders change one fact at a time.
"""

from __future__ import annotations

import dataclasses

from commands.core.errors import AzureFailure
from commands.core.estate import FactFailure
from commands.core.model import (
    Connection,
    DnsRecordSet,
    DnsResolver,
    DnsZoneConfig,
    DnsZoneGroup,
    Gateway,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkConnection,
    SqlServer,
    Subnet,
    VirtualNetwork,
    VnetLink,
)
from commands.findings.dns.checks import Check
from commands.findings.dns.facts import DnsFacts, EndpointTarget, connections_to, endpoint_target
from commands.findings.dns.zones import SQL_ZONE

SUB = "00000000-0000-0000-0000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups"
NET = "providers/Microsoft.Network"
VNET_EUN = f"{RG}/rg-eun/{NET}/virtualNetworks/vnet-eun"
VNET_AUE = f"{RG}/rg-aue/{NET}/virtualNetworks/vnet-aue"
GW_EUN = f"{RG}/rg-eun/{NET}/virtualNetworkGateways/vgw-eun"
GW_AUE = f"{RG}/rg-aue/{NET}/virtualNetworkGateways/vgw-aue"
SQL_EUN = f"{RG}/rg-data/providers/Microsoft.Sql/servers/sql-eun"
SQL_AUE = f"{RG}/rg-data/providers/Microsoft.Sql/servers/sql-aue"
PE_EUN = f"{RG}/rg-eun/{NET}/privateEndpoints/pe-sql-eun"
PE_AUE = f"{RG}/rg-aue/{NET}/privateEndpoints/pe-sql-aue"
ZONE = "privatelink.database.windows.net"
ZONE_ID = f"{RG}/rg-dns/{NET}/privateDnsZones/{ZONE}"


def vnet(vid: str, location: str, prefix: str, data: str, **kw: object) -> VirtualNetwork:
    name = vid.rsplit("/", 1)[1]
    base = prefix.split("/")[0].rsplit(".", 2)[0]
    return VirtualNetwork(
        id=vid,
        name=name,
        location=location,
        address_prefixes=(prefix,),
        subnets=(
            Subnet(f"{vid}/subnets/GatewaySubnet", "GatewaySubnet", (f"{base}.255.0/27",)),
            Subnet(f"{vid}/subnets/snet-data", "snet-data", (data,)),
        ),
        **kw,  # type: ignore[arg-type]
    )


def endpoint(pe_id: str, location: str, vnet_id: str, ip: str, server_id: str, **kw: object) -> PrivateEndpoint:
    server = server_id.rsplit("/", 1)[1]
    fields: dict[str, object] = {
        "location": location,
        "subnet_id": f"{vnet_id}/subnets/snet-data",
        "private_ips": (ip,),
        "connections": (PrivateLinkConnection(server, server_id, ("sqlServer",), "Approved"),),
        "zone_groups": (
            DnsZoneGroup(
                f"{pe_id}/privateDnsZoneGroups/default",
                "default",
                (DnsZoneConfig(ZONE_ID, (DnsRecordSet(server, f"{server}.{ZONE}", "A", (ip,)),)),),
            ),
        ),
        "provisioning_state": "Succeeded",
    }
    fields.update(kw)
    return PrivateEndpoint(pe_id, pe_id.rsplit("/", 1)[1], **fields)  # type: ignore[arg-type]


def seed_like() -> DnsFacts:
    """The seed: VNet-to-VNet between two gateways that both serve VPN clients; SQL private
    endpoints at 10.0.1.4 and 10.1.1.4; the private zone linked to the Europe VNet only; both
    VNets on Azure-provided DNS (nothing a VPN client can reach)."""
    return DnsFacts(
        subscriptions=(SUB,),
        subscription_names={SUB: "Contoso"},
        sql_servers=(
            SqlServer(
                SQL_EUN, "sql-eun", "northeurope", "sql-eun.database.windows.net", "Disabled", "Default", (PE_EUN,)
            ),
            SqlServer(
                SQL_AUE, "sql-aue", "australiaeast", "sql-aue.database.windows.net", "Disabled", "Default", (PE_AUE,)
            ),
        ),
        private_endpoints=(
            endpoint(PE_EUN, "northeurope", VNET_EUN, "10.0.1.4", SQL_EUN),
            endpoint(PE_AUE, "australiaeast", VNET_AUE, "10.1.1.4", SQL_AUE),
        ),
        zones=(
            PrivateDnsZone(
                ZONE_ID,
                ZONE,
                (
                    DnsRecordSet("sql-eun", f"sql-eun.{ZONE}.", "A", ("10.0.1.4",)),
                    DnsRecordSet("sql-aue", f"sql-aue.{ZONE}.", "A", ("10.1.1.4",)),
                ),
                (VnetLink(f"{ZONE_ID}/virtualNetworkLinks/link-eun", "link-eun", VNET_EUN, False, "Completed"),),
            ),
        ),
        vnets=(
            vnet(VNET_EUN, "northeurope", "10.0.0.0/16", "10.0.1.0/24"),
            vnet(VNET_AUE, "australiaeast", "10.1.0.0/16", "10.1.1.0/24"),
        ),
        gateways=(
            Gateway(GW_EUN, "vgw-eun", "northeurope", vnet_id=VNET_EUN, p2s_address_pool=("172.16.10.0/25",)),
            Gateway(GW_AUE, "vgw-aue", "australiaeast", vnet_id=VNET_AUE, p2s_address_pool=("172.16.10.128/25",)),
        ),
        connections=(
            Connection(
                f"{RG}/rg-eun/{NET}/connections/eun-to-aue",
                "eun-to-aue",
                "northeurope",
                "Vnet2Vnet",
                gateway1_id=GW_EUN,
                gateway2_id=GW_AUE,
            ),
            Connection(
                f"{RG}/rg-aue/{NET}/connections/aue-to-eun",
                "aue-to-eun",
                "australiaeast",
                "Vnet2Vnet",
                gateway1_id=GW_AUE,
                gateway2_id=GW_EUN,
            ),
        ),
    )


def transit_like() -> DnsFacts:
    """The seed's first attempt: one hub gateway (Europe), Australia peered with transit."""
    f = seed_like()
    hub = dataclasses.replace(
        f.vnet(VNET_EUN),  # type: ignore[arg-type]
        peerings=(
            Peering(
                f"{VNET_EUN}/virtualNetworkPeerings/eun-to-aue",
                "eun-to-aue",
                VNET_EUN,
                VNET_AUE,
                ("10.1.0.0/16",),
                "Connected",
                allow_gateway_transit=True,
            ),
        ),
    )
    spoke = dataclasses.replace(
        f.vnet(VNET_AUE),  # type: ignore[arg-type]
        peerings=(
            Peering(
                f"{VNET_AUE}/virtualNetworkPeerings/aue-to-eun",
                "aue-to-eun",
                VNET_AUE,
                VNET_EUN,
                ("10.0.0.0/16",),
                "Connected",
                use_remote_gateways=True,
            ),
        ),
    )
    return dataclasses.replace(f, vnets=(hub, spoke), gateways=f.gateways[:1], connections=())


def target(f: DnsFacts, pe_id: str = PE_AUE, server_id: str = SQL_AUE) -> EndpointTarget:
    pe = next(p for p in f.private_endpoints if p.id == pe_id)
    conn = connections_to(pe, server_id)[0]
    return endpoint_target(pe, conn, SQL_ZONE)


def with_zone(f: DnsFacts, **changes: object) -> DnsFacts:
    return dataclasses.replace(f, zones=(dataclasses.replace(f.zones[0], **changes),))  # type: ignore[arg-type]


def link(vnet_id: str, zone_id: str = ZONE_ID) -> VnetLink:
    name = "link-" + vnet_id.rsplit("/", 1)[1]
    return VnetLink(f"{zone_id}/virtualNetworkLinks/{name}", name, vnet_id, False, "Completed")


def fixed(f: DnsFacts) -> DnsFacts:
    """The seed with its DNS put right: zone linked to both VNets, a resolver inbound
    endpoint in the Europe VNet, and both gateway VNets handing it to VPN clients."""
    f = with_zone(f, links=(link(VNET_EUN), link(VNET_AUE)))
    resolver = DnsResolver(
        f"{RG}/rg-eun/{NET}/dnsResolvers/dnsr-eun", "dnsr-eun", "northeurope", VNET_EUN, ("10.0.2.4",)
    )
    vnets = tuple(dataclasses.replace(v, dns_servers=("10.0.2.4",)) for v in f.vnets)
    return dataclasses.replace(f, resolvers=(resolver,), vnets=vnets)


def forbidden(kind: str) -> FactFailure:
    return FactFailure(kind, SUB, AzureFailure("forbidden", "no read", "AuthorizationFailed", kind, 403))


def evidence(c: Check) -> str:
    """A check's evidence lines, read as text (code keeps its backticks)."""
    return "\n".join(str(line) for line in c.evidence)


def statuses(checks: list[Check]) -> dict[int, str]:
    return {c.number: c.status for c in checks}


def blob_endpoint() -> PrivateEndpoint:
    blob_id = f"{RG}/rg-eun/providers/Microsoft.Storage/storageAccounts/stacct"
    return PrivateEndpoint(
        f"{RG}/rg-eun/{NET}/privateEndpoints/pe-blob",
        "pe-blob",
        "northeurope",
        f"{VNET_EUN}/subnets/snet-data",
        ("10.0.1.5",),
        connections=(PrivateLinkConnection("blob", blob_id, ("blob",), "Approved"),),
    )


def without_zone_group(f: DnsFacts) -> DnsFacts:
    pes = tuple(dataclasses.replace(p, zone_groups=()) if p.id == PE_AUE else p for p in f.private_endpoints)
    return dataclasses.replace(f, private_endpoints=pes)
