"""One reading of the estate's past (commands/changes/read.py) and what may be shown under a
problem (commands/changes/context.py), on the in-memory port fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.sqlite import SqliteStore
from commands.changes.context import explains, relevant
from commands.changes.read import collapse, merge, read_history
from commands.changes.scope import Involved, around
from commands.core.errors import AzureFailure
from commands.core.model import (
    Connection,
    Gateway,
    HealthStatus,
    Peering,
    PropertyChange,
    ResourceChange,
    ServiceEvent,
    Subscription,
    VirtualNetwork,
)
from commands.core.registry import Ctx
from commands.core.store import AuditEntry
from commands.judgement.estate import Estate
from tests.fakes import FakeAzure, RecordingMessenger

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
NET = "/subscriptions/sub1/resourceGroups/rg/providers/Microsoft.Network"
VNET = f"{NET}/virtualNetworks/vnet-hub"
PEER = f"{VNET}/virtualNetworkPeerings/hub-to-app"
GW = f"{NET}/virtualNetworkGateways/vgw-hub"
CONN = f"{NET}/connections/cn-hub-to-office"
OTHER = "/subscriptions/sub1/resourceGroups/lab/providers/Microsoft.Network/routeTables/rt-lab"


def change(rid: str, minutes_ago: float, **kw: object) -> ResourceChange:
    return ResourceChange(resource_id=rid, at=NOW - timedelta(minutes=minutes_ago), **kw)  # type: ignore[arg-type]


def ctx(az: FakeAzure, store: object = None) -> Ctx:
    return Ctx(azure=az, out=RecordingMessenger(), store=store, now=lambda: NOW)


def test_resource_graph_and_the_activity_log_merge_into_one_change_by_correlation_id() -> None:
    graph = change(
        VNET,
        14,
        source="resource-graph",
        correlation_id="c-1",
        who="alice@contoso.com",
        who_type="User",
        operation="microsoft.network/virtualnetworks/virtualnetworkpeerings/write",
        properties=(
            PropertyChange("properties.virtualNetworkPeerings[0].properties.allowGatewayTransit", "true", "false"),
        ),
    )
    log = change(
        PEER,
        13.9,
        source="activity-log",
        correlation_id="C-1",
        who="alice@contoso.com",
        result="Succeeded",
        operation="Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
    )
    [one] = merge([graph], collapse([log]))
    assert one.source == "both" and one.result == "Succeeded"
    assert one.resource_id == PEER  # the Activity Log names the peering; Resource Graph its VNet
    assert [(p.path, p.before, p.after) for p in one.properties] == [
        ("properties.allowGatewayTransit", "true", "false")
    ]
    assert one.who_type == "User"


def test_without_a_correlation_id_the_same_operation_on_the_same_resource_within_minutes_is_one() -> None:
    graph = change(GW, 10, operation="microsoft.network/virtualnetworkgateways/write", source="resource-graph")
    near = change(
        GW, 8, operation="Microsoft.Network/virtualNetworkGateways/write", result="Succeeded", source="activity-log"
    )
    far = change(
        GW, 30, operation="Microsoft.Network/virtualNetworkGateways/write", result="Succeeded", source="activity-log"
    )
    merged = merge([graph], collapse([near, far]))
    assert [c.source for c in merged] == ["both", "activity-log"]


def test_an_operation_is_its_final_event_and_reads_are_not_changes() -> None:
    started = change(
        CONN, 12.1, operation="Microsoft.Network/connections/sharedKey/write", result="Started", correlation_id="k"
    )
    done = change(
        CONN, 12, operation="Microsoft.Network/connections/sharedKey/write", result="Succeeded", correlation_id="k"
    )
    read = change(CONN, 5, operation="Microsoft.Network/connections/read", result="Succeeded", correlation_id="r")
    [op] = collapse([done, started, read])
    assert op.result == "Succeeded"


def test_one_resource_graph_query_and_one_activity_log_list_per_subscription_per_answer() -> None:
    az = FakeAzure(subscriptions=(Subscription("sub1"), Subscription("sub2")))
    read_history(ctx(az), az.subs, NOW - timedelta(days=1))
    kinds = [m for m, _ in az.calls]
    assert kinds.count("resource_changes") == 1
    assert kinds.count("activity_log") == 2 and kinds.count("resource_health") == 2


def test_a_source_that_cannot_be_read_is_said_never_taken_for_no_change() -> None:
    az = FakeAzure()
    az.fail[("resource_changes", "*")] = AzureFailure("forbidden", code="AuthorizationFailed")
    az.fail[("activity_log", "sub1")] = AzureFailure("throttled")
    hist = read_history(ctx(az), az.subs, NOW - timedelta(days=1))
    assert hist.changes == [] and hist.nothing_read
    assert {(u.source, u.failure.kind) for u in hist.failures} == {
        ("Resource Graph", "forbidden"),
        ("the Activity Log", "throttled"),
    }


def test_the_bots_own_change_is_linked_to_its_request_from_the_audit() -> None:
    store = SqliteStore(":memory:")
    rec = store.create_request("pending", {"channel": "C1", "message_ref": "C1:123.4", "decided_by": "U2"})
    store.append_audit(
        AuditEntry(at=NOW - timedelta(minutes=14), actor="vpnops", action="applied", subject=PEER, request=rec.number)
    )
    az = FakeAzure()
    az.log_changes = [
        change(PEER, 13, operation="Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write", result="Succeeded")
    ]
    [c] = read_history(ctx(az, store), az.subs, NOW - timedelta(days=1)).changes
    assert (c.request, c.request_channel, c.request_ref) == (rec.number, "C1", "C1:123.4")


def test_two_requests_on_one_peering_minutes_apart_each_keep_their_own_thread() -> None:
    """Off at 8 min ago (#1), on again at 6 min ago (#2): both within the matching window of
    either; each change goes to the request whose new value it shows, never both to one."""
    store = SqliteStore(":memory:")
    first = store.create_request("pending", {"channel": "C1", "message_ref": "C1:1.1"})
    second = store.create_request("pending", {"channel": "C1", "message_ref": "C1:2.2"})
    for rec, minutes, value in ((first, 8, False), (second, 6, True)):
        store.append_audit(
            AuditEntry(
                at=NOW - timedelta(minutes=minutes),
                actor="vpnops",
                action="applied",
                subject=PEER,
                request=rec.number,
                before={"allowForwardedTraffic": not value},
                after={"allowForwardedTraffic": value},
            )
        )
    az = FakeAzure()
    az.graph_changes = [
        change(PEER, m, properties=(PropertyChange("properties.allowForwardedTraffic", b, a, "Update"),))
        for m, b, a in ((7.5, "true", "false"), (5.5, "false", "true"))
    ]
    got = read_history(ctx(az, store), az.subs, NOW - timedelta(days=1)).changes
    assert [(c.request, c.request_ref) for c in got] == [(second.number, "C1:2.2"), (first.number, "C1:1.1")]


def _estate() -> Estate:
    gw = Gateway(GW, "vgw-hub", "westeurope", vnet_id=VNET)
    conn = Connection(
        CONN, "cn-hub-to-office", gateway1_id=GW, local_network_gateway_id=f"{NET}/localNetworkGateways/lgw"
    )
    vnet = VirtualNetwork(
        VNET, "vnet-hub", peerings=(Peering(PEER, "hub-to-app", VNET, "/subscriptions/sub1/x/vnet-app"),)
    )
    return Estate(subscriptions=[Subscription("sub1")], gateways=[gw], connections=[conn], vnets=[vnet])


def test_a_connections_neighbours_are_its_gateway_its_vnet_and_the_vnets_peerings() -> None:
    near = around(_estate(), [CONN])
    assert near.covers(CONN) and near.covers(GW) and near.covers(f"{NET}/localNetworkGateways/lgw")
    near_gw = around(_estate(), [GW])
    assert near_gw.covers(PEER) and near_gw.covers(VNET) and not near_gw.covers(OTHER)


def test_only_a_change_that_could_explain_the_problem_is_shown_under_it_own_resources_first() -> None:
    from commands.changes.read import History

    hist = History(
        since=NOW - timedelta(days=1),
        changes=[
            change(GW, 2, properties=(PropertyChange("tags.owner", "", "net", "Insert"),)),  # tags only
            change(OTHER, 3, properties=(PropertyChange("properties.disableBgpRoutePropagation", "false", "true"),)),
            change(CONN, 4, operation="Microsoft.Network/connections/sharedKey/write", result="Failed"),  # refused
            change(CONN, -5, operation="Microsoft.Network/connections/sharedKey/write", result="Succeeded"),  # after
            change(GW, 6, properties=(PropertyChange("properties.enableBgp", "false", "true"),)),  # neighbour
            change(PEER, 7, properties=(PropertyChange("properties.allowGatewayTransit", "true", "false"),)),  # not one
            change(CONN, 12, operation="Microsoft.Network/connections/sharedKey/write", result="Succeeded"),  # own
            change(CONN, 60 * 30, operation="Microsoft.Network/connections/write", result="Succeeded"),  # too old
        ],
    )
    near = around(_estate(), [CONN])
    found = relevant(hist, [CONN], near, NOW)
    assert [(c.resource_id, round((NOW - c.at).total_seconds() / 60)) for c in found] == [(CONN, 12), (GW, 6)]
    assert not explains(hist.changes[0]) and not explains(hist.changes[2])


def test_azure_reports_a_problem_only_for_the_gateways_region_and_vpn_services() -> None:
    from commands.changes.context import platform_events, unhealthy
    from commands.changes.read import History

    hist = History(
        since=NOW - timedelta(days=1),
        health={GW.lower(): HealthStatus(GW, "Degraded"), OTHER.lower(): HealthStatus(OTHER, "Unavailable")},
        service_events=[
            ServiceEvent("A", "VPN incident", "Incident", "Active", ("VPN Gateway",), ("West Europe",)),
            ServiceEvent("B", "Elsewhere", "Incident", "Active", ("VPN Gateway",), ("Japan East",)),
            ServiceEvent("C", "Other service", "Incident", "Active", ("Azure Cosmos DB",), ("West Europe",)),
            ServiceEvent("D", "Over", "Incident", "Resolved", ("VPN Gateway",), ("West Europe",)),
        ],
    )
    assert [s.resource_id for s in unhealthy(hist, [GW.lower()])] == [GW]
    assert [e.tracking_id for e in platform_events(hist, ["westeurope"])] == ["A"]


def test_involved_covers_children_of_what_it_holds() -> None:
    inv = Involved()
    inv.add(VNET)
    assert inv.covers(PEER) and not inv.covers(GW)


def test_a_change_is_only_blamed_for_a_problem_of_a_kind_it_can_cause() -> None:
    from commands.changes.context import area_of, fits

    peering = change(
        VNET,
        5,
        properties=(
            PropertyChange("properties.virtualNetworkPeerings[0].properties.allowForwardedTraffic", "true", "false"),
        ),
    )
    key = change(CONN, 5, operation="Microsoft.Network/connections/sharedKey/write")
    link = change(f"{NET}/privateDnsZones/privatelink.database.windows.net/virtualNetworkLinks/l", 5)
    assert area_of(["down:x", "one_way:y"]) == "tunnel" and area_of(["pe_dns_links:z"]) == "dns"
    assert area_of(["down:x", "pe_dns_links:z"]) == "network" and area_of(["topology:overlap:a"]) == "network"
    assert not fits(peering, "tunnel") and not fits(peering, "dns") and fits(peering, "network")
    assert fits(key, "tunnel") and not fits(key, "dns")
    assert fits(link, "dns") and not fits(link, "tunnel")


SQL = "/subscriptions/sub1/resourceGroups/data/providers/Microsoft.Sql/servers/sql-data"
DATA = f"{NET}/virtualNetworks/vnet-data"
PE = f"{NET}/privateEndpoints/pe-sql-data"
ZONE = f"{NET}/privateDnsZones/privatelink.database.windows.net"
NSG = f"{NET}/networkSecurityGroups/nsg-snet-app"
LAB_NSG = "/subscriptions/sub1/resourceGroups/lab/providers/Microsoft.Network/networkSecurityGroups/nsg-lab"


def _sql_estate() -> Estate:
    """A SQL server behind a private endpoint in vnet-data, its zone linked there, and a client
    VM whose subnet's NSG was read for the checklist's ports."""
    from commands.core.model import (
        NetworkInterface,
        PrivateDnsZone,
        PrivateEndpoint,
        PrivateLinkConnection,
        Subnet,
        VnetLink,
    )
    from commands.core.netwatch import ClientRules, EffectiveNsg

    pe = PrivateEndpoint(
        PE, "pe-sql-data", subnet_id=f"{DATA}/subnets/snet-data", connections=(PrivateLinkConnection("c", SQL),)
    )
    zone = PrivateDnsZone(
        ZONE, "privatelink.database.windows.net", links=(VnetLink(f"{ZONE}/virtualNetworkLinks/l", "l", DATA),)
    )
    nic = NetworkInterface(
        f"{NET}/networkInterfaces/nic-vm", "nic-vm", vm_id="vm", subnet_ids=(f"{DATA}/subnets/snet-app",)
    )
    data = VirtualNetwork(DATA, "vnet-data", subnets=(Subnet(f"{DATA}/subnets/snet-app", "snet-app", nsg_id=NSG),))
    est = Estate(subscriptions=[Subscription("sub1")], vnets=[data], private_endpoints=[pe], zones=[zone])
    est.client_rules = {PE.lower(): (ClientRules(nic, (EffectiveNsg(NSG, "subnet"),)),)}
    return est


def test_an_nsg_rule_change_on_the_clients_way_is_blamed_for_a_ports_problem_and_one_elsewhere_is_not() -> None:
    """network-security-group-how-it-works: a flow meets only the NSGs of its own NIC and subnet,
    the first matching rule deciding. So under the checklist's item 7 (ports) a change to a rule
    of the client's NSG is shown, and a newer one to an NSG of another VNet, a DNS change or a
    tag is not."""
    from commands.changes.context import area_of
    from commands.changes.read import History

    rule = f"{NSG}/securityRules/allow-sql-out"
    hist = History(
        since=NOW - timedelta(days=1),
        changes=[
            change(
                f"{LAB_NSG}/securityRules/deny-lab-out",
                6,
                properties=(PropertyChange("properties.access", "", "Deny", "Insert"),),
            ),
            change(NSG, 3, properties=(PropertyChange("tags.costCenter", "", "4711", "Insert"),)),
            change(f"{ZONE}/A/sql-data", 4, operation="Microsoft.Network/privateDnsZones/A/write", result="Succeeded"),
            change(rule, 18, properties=(PropertyChange("properties.destinationPortRange", "1433-65535", "1433"),)),
        ],
    )
    area = area_of([f"sql_policy:{SQL.lower()}"])
    near = around(_sql_estate(), [SQL])
    assert area == "ports"
    assert [c.resource_id for c in relevant(hist, [SQL], near, NOW, area=area)] == [rule]
    assert near.name(rule) == "allow-sql-out (rule of nsg-snet-app)"


def test_a_record_change_explains_a_dns_problem_only_for_the_name_the_endpoint_resolves_through() -> None:
    """private-endpoint-dns: clients reach the endpoint through the A record of its name in the
    privatelink zone; another name's record in the same zone cannot explain its problem."""
    from commands.changes.read import History

    mine, other = f"{ZONE}/A/sql-data", f"{ZONE}/A/sql-reporting"
    hist = History(
        since=NOW - timedelta(days=1),
        changes=[
            change(other, 4, operation="Microsoft.Network/privateDnsZones/A/write", result="Succeeded"),
            change(mine, 25, operation="Microsoft.Network/privateDnsZones/A/write", result="Succeeded"),
        ],
    )
    near = around(_sql_estate(), [PE])
    assert [c.resource_id for c in relevant(hist, [PE], near, NOW, area="dns")] == [mine]
    assert near.name(mine) == "sql-data (A record of privatelink.database.windows.net)"


def test_a_security_rules_change_merges_with_its_nsgs_row_into_the_rules_own_properties() -> None:
    rule = f"{NSG}/securityRules/allow-sql-out"
    graph = change(
        NSG,
        18,
        source="resource-graph",
        correlation_id="c-9",
        operation="microsoft.network/networksecuritygroups/securityrules/write",
        properties=(
            PropertyChange("properties.securityRules[0].properties.destinationPortRange", "1433-65535", "1433"),
        ),
    )
    log = change(
        rule,
        18,
        source="activity-log",
        correlation_id="c-9",
        result="Succeeded",
        operation="Microsoft.Network/networkSecurityGroups/securityRules/write",
    )
    [one] = merge([graph], collapse([log]))
    assert one.resource_id == rule and one.source == "both"
    assert [p.path for p in one.properties] == ["properties.destinationPortRange"]


def test_a_key_change_on_another_tunnel_of_the_gateway_is_not_blamed_for_this_pairs_problem() -> None:
    """vpn-gateway-howto-vnet-vnet-resource-manager-portal: the two connections of a pair share
    one key; a reset of the reverse half explains it (recorded as the shared key's POST action,
    on the connection or on `…/sharedkey/reset`), a key set on a branch connection of the same
    gateway does not."""
    from commands.changes.context import fits, tunnels_of
    from commands.changes.read import History

    gw2 = f"{NET}/virtualNetworkGateways/vgw-b"
    ab, ba = f"{NET}/connections/cn-a-to-b", f"{NET}/connections/cn-b-to-a"
    est = _estate()
    est.gateways.append(Gateway(gw2, "vgw-b", "westeurope"))
    est.connections += [
        Connection(ab, "cn-a-to-b", gateway1_id=GW, gateway2_id=gw2),
        Connection(ba, "cn-b-to-a", gateway1_id=gw2, gateway2_id=GW),
    ]
    reset = change(
        f"{ba}/sharedkey/reset", 9, operation="Microsoft.Network/connections/sharedkey/action", result="Succeeded"
    )
    branch = change(CONN, 3, operation="Microsoft.Network/connections/sharedKey/write", result="Succeeded")
    hist = History(since=NOW - timedelta(days=1), changes=[branch, reset])
    subjects = [ab, ba, GW, gw2]
    near = around(est, subjects)
    assert near.covers(CONN)  # the gateway's other connection is a neighbour…
    assert fits(reset, "tunnel")
    found = relevant(hist, subjects, near, NOW, area="tunnel", tunnels=tunnels_of(est, [ab]))
    assert found == [reset]  # …but its key is not this pair's
    assert tunnels_of(est, [GW]) is None  # a gateway's own problem: any of its connections may explain it


def test_a_record_that_gives_the_endpoints_address_now_is_not_blamed_whatever_its_write_was() -> None:
    """A record set's write in the Activity Log says nothing of its addresses; the zone read now
    does. A record that resolves to the endpoint's IP did not leave the name resolving wrong."""
    import dataclasses

    from commands.changes.read import History
    from commands.core.model import DnsRecordSet

    est = _sql_estate()
    est.private_endpoints = [dataclasses.replace(est.private_endpoints[0], private_ips=("10.1.2.4",))]
    rec = f"{ZONE}/A/sql-data"
    hist = History(
        since=NOW - timedelta(days=1),
        changes=[change(rec, 25, operation="Microsoft.Network/privateDnsZones/A/write", result="Succeeded")],
    )
    for ips, blamed in ((("10.1.2.4",), []), (("10.1.2.40",), [rec])):
        est.zones = [dataclasses.replace(est.zones[0], records=(DnsRecordSet("sql-data", ips=ips),))]
        near = around(est, [PE])
        assert [c.resource_id for c in relevant(hist, [PE], near, NOW, area="dns")] == blamed
