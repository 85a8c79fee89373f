"""The private endpoint DNS checks of commands.findings.dns, on facts built by hand.

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
from commands.findings import dns
from commands.findings.dns import DnsFacts

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


def target(f: DnsFacts, pe_id: str = PE_AUE, server_id: str = SQL_AUE) -> dns.EndpointTarget:
    pe = next(p for p in f.private_endpoints if p.id == pe_id)
    conn = dns.connections_to(pe, server_id)[0]
    return dns.endpoint_target(pe, conn, dns.SQL_ZONE)


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


def statuses(checks: list[dns.Check]) -> dict[int, str]:
    return {c.number: c.status for c in checks}


# --------------------------------------------------------------------------------------
# The seed
# --------------------------------------------------------------------------------------


def test_seed_sql_aue_fails_links_resolution_and_name_and_ticks_the_rest() -> None:
    f = seed_like()
    checks = dns.sql_checklist(f.sql_servers[1], target(f), f)
    assert statuses(checks) == {
        1: "pass",
        2: "pass",
        3: "fail",
        4: "fail",
        5: "pass",
        6: "fail",
        7: "pass",
        8: "info",
    }
    assert dns.summary(checks) == (3, 0, 8)


def test_seed_zone_not_linked_to_the_australia_vnet_gives_the_link_command() -> None:
    f = seed_like()
    c = dns.check_zone_links(target(f), f)
    assert c.status == "fail"
    text = "\n".join(c.evidence)
    assert "vnet-aue" in text and "not linked" in text
    assert any(
        cmd.startswith("az network private-dns link vnet create -g rg-dns -z privatelink.database.windows.net")
        and f"-v {VNET_AUE}" in cmd
        for cmd in c.commands
    )
    # The Europe VNet is linked and ticked.
    assert any(line.startswith("✔ `vnet-eun`") for line in c.evidence)


def test_seed_nothing_a_vpn_client_can_use_to_resolve_the_zone() -> None:
    f = seed_like()
    c = dns.check_client_resolution(target(f), f)
    assert c.status == "fail"
    text = "\n".join(c.evidence)
    assert "168.63.129.16" in text and "cannot reach" in text
    assert "azurevpnconfig.xml" in text  # what Azure cannot show, and where to look
    # No resolver or forwarder exists: the fix creates a resolver in the gateway's VNet.
    assert any(cmd.startswith("az dns-resolver create") for cmd in c.commands)
    assert any("--delegations Microsoft.Network/dnsResolvers" in cmd for cmd in c.commands)


def test_seed_endpoint_record_and_route_are_ticked_with_evidence() -> None:
    f = seed_like()
    t = target(f)
    c1 = dns.check_endpoint(t, f)
    assert c1.status == "pass" and "`10.1.1.4`" in "\n".join(c1.evidence)
    c2 = dns.check_dns_record(t, f)
    assert c2.status == "pass" and "sql-aue.privatelink.database.windows.net" in "\n".join(c2.evidence)
    c5 = dns.check_route(t, f)
    assert c5.status == "pass"
    text = "\n".join(c5.evidence)
    assert "✔ `vgw-aue`" in text and "address space of vnet-aue" in text
    # vgw-eun may hand it out over the static VNet-to-VNet connection, and says what breaks it.
    assert "❔ `vgw-eun`" in text and "VNet-to-VNet" in text and "P2S pool" in text


def test_seed_name_check_explains_the_certificate_error_and_refuses_trustservercertificate() -> None:
    f = seed_like()
    checks = dns.sql_checklist(f.sql_servers[1], target(f), f)
    c6 = checks[5]
    text = "\n".join(c6.evidence)
    assert "sql-aue.database.windows.net" in c6.title
    assert dns.CERT_ERROR in text
    assert "TrustServerCertificate" in text and "Do not" in text
    assert "10.1.1.4 sql-aue.database.windows.net" in text  # hosts-file stop-gap, named


def test_fixing_links_and_resolver_turns_every_check_green() -> None:
    f = fixed(seed_like())
    checks = dns.sql_checklist(f.sql_servers[1], target(f), f)
    assert statuses(checks) == {1: "pass", 2: "pass", 3: "pass", 4: "pass", 5: "pass", 6: "pass", 7: "pass", 8: "info"}
    c4 = checks[3]
    assert "dnsr-eun" in "\n".join(c4.evidence)
    assert "10.0.2.4" in "\n".join(checks[7].evidence)  # the laptop's NRPT should show it


# --------------------------------------------------------------------------------------
# Estates never seen in the seed
# --------------------------------------------------------------------------------------


def test_stale_a_record_is_caught_with_remove_and_add_commands() -> None:
    f = fixed(seed_like())
    stale = (
        DnsRecordSet("sql-eun", "", "A", ("10.0.1.4",)),
        DnsRecordSet("sql-aue", "", "A", ("10.1.1.9",)),
    )
    f = with_zone(f, records=stale)
    c = dns.check_dns_record(target(f), f)
    assert c.status == "fail"
    text = "\n".join(c.evidence)
    assert "`10.1.1.9`" in text and "stale" in text
    assert (
        "az network private-dns record-set a add-record -g rg-dns -z privatelink.database.windows.net -n sql-aue -a 10.1.1.4"
        in c.commands
    )
    assert any("remove-record" in cmd and "-a 10.1.1.9" in cmd for cmd in c.commands)


def test_record_pointing_at_another_endpoint_names_that_endpoint() -> None:
    f = fixed(seed_like())
    f = with_zone(f, records=(DnsRecordSet("sql-aue", "", "A", ("10.0.1.4",)),))
    c = dns.check_dns_record(target(f), f)
    assert c.status == "fail"
    assert "`pe-sql-eun`" in "\n".join(c.evidence)


def test_pending_connection_fails_with_the_approve_command() -> None:
    f = seed_like()
    pe = next(p for p in f.private_endpoints if p.id == PE_AUE)
    pending = dataclasses.replace(
        pe, connections=(dataclasses.replace(pe.connections[0], status="Pending", manual=True),)
    )
    f = dataclasses.replace(f, private_endpoints=(f.private_endpoints[0], pending))
    c = dns.check_endpoint(target(f), f)
    assert c.status == "fail"
    assert "Pending" in "\n".join(c.evidence)
    assert any(
        cmd.startswith(
            "az network private-endpoint-connection approve -g rg-data --resource-name sql-aue --type Microsoft.Sql/servers"
        )
        for cmd in c.commands
    )


def test_rejected_connection_says_recreate() -> None:
    f = seed_like()
    pe = next(p for p in f.private_endpoints if p.id == PE_AUE)
    rejected = dataclasses.replace(pe, connections=(dataclasses.replace(pe.connections[0], status="Rejected"),))
    f = dataclasses.replace(f, private_endpoints=(f.private_endpoints[0], rejected))
    c = dns.check_endpoint(target(f), f)
    assert c.status == "fail"
    assert any(cmd.startswith("az network private-endpoint delete -g rg-aue -n pe-sql-aue") for cmd in c.commands)
    assert any("--group-id sqlServer" in cmd for cmd in c.commands)


def test_two_zones_with_the_same_name_are_reported_and_each_needs_its_record() -> None:
    f = fixed(seed_like())
    other_id = f"{RG}/rg-aue/{NET}/privateDnsZones/{ZONE}"
    main = dataclasses.replace(f.zones[0], links=(link(VNET_EUN),))
    other = PrivateDnsZone(
        other_id, ZONE, (DnsRecordSet("sql-eun", "", "A", ("10.0.1.4",)),), (link(VNET_AUE, other_id),)
    )
    f = dataclasses.replace(f, zones=(main, other))
    t = target(f)
    c2 = dns.check_dns_record(t, f)
    text2 = "\n".join(c2.evidence)
    assert "2 zones named" in text2 and "rg-aue" in text2 and "rg-dns" in text2
    c3 = dns.check_zone_links(t, f)
    assert c3.status == "fail"
    text3 = "\n".join(c3.evidence)
    assert "other zone" in text3 and "only one zone of a name" in text3
    # The fix adds the record to the zone the Australia VNet actually uses.
    assert any("-g rg-aue -z privatelink.database.windows.net -n sql-aue -a 10.1.1.4" in cmd for cmd in c3.commands)


def test_resolver_inbound_endpoint_with_vnet_dns_pointing_at_it_passes() -> None:
    f = fixed(seed_like())
    c = dns.check_client_resolution(target(f), f)
    assert c.status == "pass"
    assert "DNS Private Resolver `dnsr-eun` inbound endpoint" in "\n".join(c.evidence)


def test_resolver_present_but_vnet_dns_not_pointing_at_it_suggests_pointing_it() -> None:
    f = fixed(seed_like())
    f = dataclasses.replace(f, vnets=tuple(dataclasses.replace(v, dns_servers=()) for v in f.vnets))
    c = dns.check_client_resolution(target(f), f)
    assert c.status == "fail"
    assert "az network vnet update -g rg-aue -n vnet-aue --dns-servers 10.0.2.4" in c.commands


def test_dns_server_at_azure_resolver_ip_fails() -> None:
    f = fixed(seed_like())
    f = dataclasses.replace(f, vnets=tuple(dataclasses.replace(v, dns_servers=(dns.AZURE_DNS_IP,)) for v in f.vnets))
    c = dns.check_client_resolution(target(f), f)
    assert c.status == "fail"


def test_forwarder_vm_in_a_linked_vnet_passes_but_says_what_cannot_be_seen() -> None:
    f = fixed(seed_like())
    f = dataclasses.replace(
        f,
        resolvers=(),
        vnets=tuple(dataclasses.replace(v, dns_servers=("10.0.1.10",)) for v in f.vnets),
    )
    c = dns.check_client_resolution(target(f), f)
    assert c.status == "pass"
    assert "forwards to 168.63.129.16" in "\n".join(c.evidence)


def test_on_premises_dns_server_cannot_be_checked() -> None:
    f = fixed(seed_like())
    f = dataclasses.replace(f, vnets=tuple(dataclasses.replace(v, dns_servers=("192.168.50.10",)) for v in f.vnets))
    c = dns.check_client_resolution(target(f), f)
    assert c.status == "unknown"
    assert "on-premises" in "\n".join(c.evidence)


def test_permission_denied_on_zones_is_could_not_check_with_advice() -> None:
    f = dataclasses.replace(seed_like(), zones=(), failures=(forbidden(dns.ZONES),))
    t = target(f)
    for c in (dns.check_dns_record(t, f), dns.check_zone_links(t, f)):
        assert c.status == "unknown", c
        text = "\n".join(c.evidence)
        assert "AuthorizationFailed" in text and "lacks a permission" in text


def test_redirect_policy_needs_the_high_ports_and_offers_proxy() -> None:
    f = seed_like()
    server = dataclasses.replace(f.sql_servers[1], connection_policy="Redirect")
    c = dns.check_sql_policy(server, target(f), f)
    assert c.status == "pass"
    text = "\n".join(c.evidence)
    assert "1433–65535" in text and "`vnet-aue`" in text
    assert "az sql server conn-policy update -g rg-data -s sql-aue --connection-type Proxy" in c.commands


def test_proxy_policy_needs_1433_only() -> None:
    f = seed_like()
    server = dataclasses.replace(f.sql_servers[1], connection_policy="Proxy")
    c = dns.check_sql_policy(server, target(f), f)
    assert "1433 to the endpoint's IP only" in "\n".join(c.evidence)
    assert not c.commands


def test_public_network_access_enabled_is_called_out_with_the_command_to_close_it() -> None:
    f = seed_like()
    server = dataclasses.replace(f.sql_servers[1], public_network_access="Enabled", connection_policy="Proxy")
    c = dns.check_sql_policy(server, target(f), f)
    assert "*Enabled*" in "\n".join(c.evidence) and "40615" in "\n".join(c.evidence)
    assert "az sql server update -g rg-data -n sql-aue --enable-public-network false" in c.commands


def test_unreadable_policy_is_could_not_check_and_states_both_rules() -> None:
    f = seed_like()
    server = dataclasses.replace(f.sql_servers[1], connection_policy="")
    c = dns.check_sql_policy(server, target(f), f)
    assert c.status == "unknown"
    assert "Proxy needs TCP 1433" in "\n".join(c.evidence)


def test_server_without_endpoint_gets_create_command_and_blocked_items() -> None:
    f = seed_like()
    f = dataclasses.replace(f, private_endpoints=f.private_endpoints[:1])
    server = f.sql_servers[1]
    checks = dns.sql_checklist_without_endpoint(server, f)
    assert [c.number for c in checks] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert checks[0].status == "fail"
    assert any(
        cmd.startswith("az network private-endpoint create")
        and f"--private-connection-resource-id {SQL_AUE}" in cmd
        and "--group-id sqlServer" in cmd
        for cmd in checks[0].commands
    )
    assert all(c.status == "unknown" for c in checks[1:5])


def test_transit_hub_hands_the_spoke_prefix_to_clients() -> None:
    f = transit_like()
    view = dns.p2s_routes(f.gateways[0], f)
    assert {r.prefix for r in view.routes} == {"10.0.0.0/16", "10.1.0.0/16"}
    assert "useRemoteGateways" in view.covering("10.1.1.4").why  # type: ignore[union-attr]


def test_transit_without_use_remote_gateways_gives_no_route_and_the_peering_fix() -> None:
    f = transit_like()
    spoke = f.vnet(VNET_AUE)
    assert spoke is not None
    spoke = dataclasses.replace(spoke, peerings=(dataclasses.replace(spoke.peerings[0], use_remote_gateways=False),))
    f = dataclasses.replace(f, vnets=(f.vnets[0], spoke))
    c = dns.check_route(target(f), f)
    assert c.status == "fail"
    assert "useRemoteGateways is off" in "\n".join(c.evidence)
    assert "/vpn peering vnet-aue/aue-to-eun useRemoteGateways on" in c.commands


def test_vnet_to_vnet_route_is_uncertain_and_a_custom_route_is_offered() -> None:
    f = seed_like()
    f = dataclasses.replace(
        f,
        gateways=(f.gateways[0], dataclasses.replace(f.gateways[1], p2s_address_pool=())),
        connections=tuple(dataclasses.replace(c, enable_bgp=True) for c in f.connections),
    )
    c = dns.check_route(target(f), f)
    assert c.status == "unknown"  # depends on the client (coverage.p2s_plan: "maybe")
    assert "VNet-to-VNet" in "\n".join(c.evidence)
    assert "az network vnet-gateway update -g rg-eun -n vgw-eun --custom-routes 10.1.0.0/16" in c.commands


def test_no_p2s_gateway_at_all_fails_the_route() -> None:
    f = dataclasses.replace(seed_like(), gateways=())
    assert dns.check_route(target(f), f).status == "fail"
    assert dns.check_client_resolution(target(f), f).status == "unknown"


def test_generic_zone_table_covers_storage_and_key_vault() -> None:
    blob = f"{RG}/rg/providers/Microsoft.Storage/storageAccounts/stacct"
    kv = f"{RG}/rg/providers/Microsoft.KeyVault/vaults/kv1"
    assert dns.private_link_zone(blob, "blob").zone == "privatelink.blob.core.windows.net"  # type: ignore[union-attr]
    assert dns.private_link_zone(kv, "vault").public_suffix == "vault.azure.net"  # type: ignore[union-attr]
    assert dns.private_link_zone(SQL_EUN, "sqlServer") is dns.SQL_ZONE


def _blob_endpoint() -> PrivateEndpoint:
    blob_id = f"{RG}/rg-eun/providers/Microsoft.Storage/storageAccounts/stacct"
    return PrivateEndpoint(
        f"{RG}/rg-eun/{NET}/privateEndpoints/pe-blob",
        "pe-blob",
        "northeurope",
        f"{VNET_EUN}/subnets/snet-data",
        ("10.0.1.5",),
        connections=(PrivateLinkConnection("blob", blob_id, ("blob",), "Approved"),),
    )


def test_diagnose_reports_each_root_cause_once_with_every_name_it_breaks() -> None:
    f = seed_like()
    findings = dns.assess(f)
    keys = [x.key for x in findings]
    assert len(keys) == len(set(keys))
    link = [x for x in findings if x.key == f"pe_zone_link:{ZONE}:{VNET_AUE.lower()}"]
    assert len(link) == 1 and link[0].severity == "critical"
    assert "sql-aue.database.windows.net" in link[0].evidence and "sql-eun.database.windows.net" in link[0].evidence
    assert "az network private-dns link vnet create -g rg-dns" in link[0].next_step
    for gw in (GW_EUN, GW_AUE):
        p2s = next(x for x in findings if x.key == f"p2s_dns:{gw.lower()}")
        assert p2s.severity == "critical" and "cannot resolve" in p2s.title
    assert not any(k.startswith(("pe_connection:", "pe_dns_record:")) for k in keys)
    assert [x.severity for x in findings] == sorted(
        (x.severity for x in findings), key=["critical", "warning", "info", "ok"].index
    )


def test_diagnose_is_silent_when_dns_is_right() -> None:
    assert dns.assess(fixed(seed_like())) == []


def test_diagnose_covers_endpoints_of_other_services() -> None:
    f = seed_like()
    blob = _blob_endpoint()
    f = dataclasses.replace(f, private_endpoints=(*f.private_endpoints, blob))
    findings = dns.assess(f)
    rec = next(x for x in findings if x.key == f"pe_dns_record:{blob.id.lower()}")
    assert "privatelink.blob.core.windows.net" in rec.title and "Storage (blob)" in rec.title
    assert "az network private-dns zone create -g rg-eun -n privatelink.blob.core.windows.net" in rec.next_step
    p2s = next(x for x in findings if x.key == f"p2s_dns:{GW_EUN.lower()}")
    assert "stacct.blob.core.windows.net" in p2s.evidence


def test_diagnose_scope_limits_the_endpoints() -> None:
    f = seed_like()
    findings = dns.assess(f, in_scope=lambda pe: pe.location == "northeurope")
    p2s = next(x for x in findings if x.key == f"p2s_dns:{GW_EUN.lower()}")
    assert "sql-eun.database.windows.net" in p2s.evidence and "sql-aue" not in p2s.evidence


def test_diagnose_reports_same_named_zones_with_differing_records() -> None:
    f = fixed(seed_like())
    other_id = f"{RG}/rg-aue/{NET}/privateDnsZones/{ZONE}"
    other = PrivateDnsZone(other_id, ZONE, (DnsRecordSet("sql-aue", "", "A", ("10.1.1.9",)),), ())
    f = dataclasses.replace(f, zones=(*f.zones, other))
    dup = next(x for x in dns.assess(f) if x.key == f"pe_dup_zone:{ZONE}")
    assert dup.severity == "warning"
    assert "Different IPs for `sql-aue`" in dup.evidence and "Missing in some zones: `sql-eun`" in dup.evidence


def test_diagnose_says_what_could_not_be_read() -> None:
    f = dataclasses.replace(seed_like(), zones=(), failures=(forbidden(dns.ZONES),))
    findings = dns.assess(f)
    unread = next(x for x in findings if x.key == f"pe_dns_unread:{dns.ZONES}")
    assert "AuthorizationFailed" in unread.evidence
    assert not any(x.key.startswith("pe_zone_link:") for x in findings)  # never guessed


def test_code_block_keeps_names_copy_pasteable_but_inert() -> None:
    block = dns.code_block(["az x -g rg_with_underscore -n a<b>&`c"])
    assert "rg_with_underscore" in block  # no zero-width space inside commands
    assert "&lt;b&gt;&amp;'c" in block


def _without_zone_group(f: DnsFacts) -> DnsFacts:
    pes = tuple(dataclasses.replace(p, zone_groups=()) if p.id == PE_AUE else p for p in f.private_endpoints)
    return dataclasses.replace(f, private_endpoints=pes)


def test_record_kept_by_hand_passes_but_recommends_a_zone_group() -> None:
    f = _without_zone_group(seed_like())
    c = dns.check_dns_record(target(f), f)
    assert c.status == "pass"
    assert "kept by hand" in "\n".join(c.evidence)


def test_no_zone_group_and_no_record_adds_record_and_zone_group() -> None:
    f = _without_zone_group(seed_like())
    f = with_zone(f, records=f.zones[0].records[:1])  # sql-eun only
    c = dns.check_dns_record(target(f), f)
    assert c.status == "fail"
    assert any(
        "add-record -g rg-dns -z privatelink.database.windows.net -n sql-aue -a 10.1.1.4" in x for x in c.commands
    )
    assert any(
        x.startswith("az network private-endpoint dns-zone-group create -g rg-aue --endpoint-name pe-sql-aue")
        for x in c.commands
    )


def test_no_zone_at_all_creates_zone_and_zone_group() -> None:
    f = dataclasses.replace(_without_zone_group(seed_like()), zones=())
    c = dns.check_dns_record(target(f), f)
    assert c.status == "fail"
    assert c.commands[0] == "az network private-dns zone create -g rg-aue -n privatelink.database.windows.net"
    assert "dns-zone-group create" in c.commands[1]


def test_zone_group_pointing_at_a_deleted_zone_fails() -> None:
    f = dataclasses.replace(seed_like(), zones=())
    c = dns.check_dns_record(target(f), f)
    assert c.status == "fail"
    assert "no longer exists" in "\n".join(c.evidence)


def test_second_endpoint_of_the_same_server_is_not_told_to_delete_the_first_ones_record() -> None:
    f = seed_like()
    pe2_id = f"{RG}/rg-aue/{NET}/privateEndpoints/pe-sql-eun-aue"
    f = dataclasses.replace(
        f, private_endpoints=(*f.private_endpoints, endpoint(pe2_id, "australiaeast", VNET_AUE, "10.1.1.5", SQL_EUN))
    )
    c = dns.check_dns_record(target(f, pe2_id, SQL_EUN), f)
    assert c.status == "fail"
    assert "one zone gives one answer for `sql-eun`" in "\n".join(c.evidence)
    assert not any("remove-record" in x for x in c.commands)
    assert "az network private-dns zone create -g rg-aue -n privatelink.database.windows.net" in c.commands
    assert any(x.endswith(f"-v {VNET_AUE} -e false") for x in c.commands)
