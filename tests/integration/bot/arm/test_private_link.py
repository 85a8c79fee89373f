"""bot.arm.private_link: private endpoints, private DNS zones and DNS resolvers, on the seed
estate (two regions, VNet-to-VNet connections with one-way counters, SQL private endpoints, a
private DNS zone linked to one VNet), read by the real SDKs over loopback HTTP from the sandbox
ARM emulator.
"""

from __future__ import annotations

from bot.arm.client import ArmClient
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import (
    NET_EUN,
    SUB,
    log_of,
)


def test_private_endpoints_with_ips_zone_groups_and_link_state(client: ArmClient) -> None:
    pes = {p.name: p for p in client.private_endpoints(SUB)}
    assert pes["pe-sql-eun"].private_ips == ("10.0.1.4",)
    assert pes["pe-sql-aue"].private_ips == ("10.1.1.4",)
    eun = pes["pe-sql-eun"]
    assert eun.connections[0].status == "Approved" and eun.connections[0].group_ids == ("sqlServer",)
    assert eun.zone_groups and eun.zone_groups[0].configs[0].zone_id.endswith("privatelink.database.windows.net")
    assert client.dns_zone_groups(eun.id) == list(eun.zone_groups)


def test_private_endpoint_ip_known_only_to_its_nic_is_read_from_the_nic(emu: ArmEmulator, client: ArmClient) -> None:
    pe_id = f"{NET_EUN}/privateEndpoints/pe-sql-eun"
    doc = emu.resource(pe_id)
    assert doc is not None
    doc["properties"]["customDnsConfigs"] = []
    doc["properties"]["ipConfigurations"] = []
    emu.put_resource(doc)
    pes = {p.name: p for p in client.private_endpoints(SUB)}
    assert pes["pe-sql-eun"].private_ips == ("10.0.1.4",)
    nic_gets = [r for r in log_of(emu) if r.method == "GET" and "/networkInterfaces/pe-sql-eun.nic" in r.path]
    assert len(nic_gets) == 1


def test_private_dns_zone_records_and_links(client: ArmClient) -> None:
    (zone,) = client.private_dns_zones(SUB)
    assert zone.name == "privatelink.database.windows.net"
    assert {(r.name, r.ips) for r in zone.records} == {("sql-eun", ("10.0.1.4",)), ("sql-aue", ("10.1.1.4",))}
    assert [link.vnet_id.rsplit("/", 1)[-1] for link in zone.links] == ["vnet-eun"]  # linked to Europe only


def test_dns_resolvers_none_in_the_seed_and_inbound_ips_when_present(emu: ArmEmulator, client: ArmClient) -> None:
    assert client.dns_resolvers(SUB) == []
    resolver_id = f"{NET_EUN}/dnsResolvers/dnspr-eun"
    emu.put_resource(
        {
            "id": resolver_id,
            "name": "dnspr-eun",
            "type": "Microsoft.Network/dnsResolvers",
            "location": "northeurope",
            "properties": {
                "virtualNetwork": {"id": f"{NET_EUN}/virtualNetworks/vnet-eun"},
                "dnsResolverState": "Connected",
                "provisioningState": "Succeeded",
            },
        }
    )
    emu.put_resource(
        {
            "id": f"{resolver_id}/inboundEndpoints/in-eun",
            "name": "in-eun",
            "type": "Microsoft.Network/dnsResolvers/inboundEndpoints",
            "location": "northeurope",
            "properties": {
                "ipConfigurations": [
                    {
                        "subnet": {"id": f"{NET_EUN}/virtualNetworks/vnet-eun/subnets/snet-dns-in"},
                        "privateIpAddress": "10.0.3.4",
                        "privateIpAllocationMethod": "Dynamic",
                    }
                ],
                "provisioningState": "Succeeded",
            },
        }
    )
    (resolver,) = client.dns_resolvers(SUB)
    assert (resolver.name, resolver.inbound_ips, resolver.state) == ("dnspr-eun", ("10.0.3.4",), "Connected")
    assert resolver.vnet_id.endswith("/virtualNetworks/vnet-eun")


def test_one_zone_whose_records_cannot_be_read_is_named_and_the_others_answer(
    emu: ArmEmulator, client: ArmClient
) -> None:
    blob = f"{NET_EUN}/privateDnsZones/privatelink.blob.core.windows.net"
    emu.put_resource(
        {
            "id": blob,
            "name": "privatelink.blob.core.windows.net",
            "type": "Microsoft.Network/privateDnsZones",
            "location": "global",
            "properties": {},
        }
    )
    emu.put_resource(
        {
            "id": f"{blob}/A/stlogs",
            "name": "stlogs",
            "type": "Microsoft.Network/privateDnsZones/A",
            "properties": {
                "fqdn": "stlogs.privatelink.blob.core.windows.net.",
                "ttl": 10,
                "aRecords": [{"ipv4Address": "10.0.1.9"}],
            },
        }
    )
    # A deny on one zone's record sets: ARM answers 403 AuthorizationFailed for that list only.
    emu.add_fault(r"/privateDnsZones/privatelink\.database\.windows\.net/A$", status=403, code="AuthorizationFailed")
    zones = {z.name: z for z in client.private_dns_zones(SUB)}
    sql, blob_zone = zones["privatelink.database.windows.net"], zones["privatelink.blob.core.windows.net"]
    assert sql.records == () and sql.records_failure is not None
    assert (sql.records_failure.kind, sql.records_failure.code) == ("forbidden", "AuthorizationFailed")
    assert [link.vnet_id.rsplit("/", 1)[-1] for link in sql.links] == ["vnet-eun"] and sql.links_failure is None
    assert {(r.name, r.ips) for r in blob_zone.records} == {("stlogs", ("10.0.1.9",))}
    assert blob_zone.records_failure is None and blob_zone.links_failure is None


def test_one_zone_whose_links_cannot_be_read_keeps_its_records(emu: ArmEmulator, client: ArmClient) -> None:
    emu.add_fault(r"/privateDnsZones/[^/]+/virtualNetworkLinks$", status=403, code="AuthorizationFailed")
    (zone,) = client.private_dns_zones(SUB)
    assert zone.links == () and zone.links_failure is not None and zone.links_failure.kind == "forbidden"
    assert {r.name for r in zone.records} == {"sql-eun", "sql-aue"} and zone.records_failure is None
