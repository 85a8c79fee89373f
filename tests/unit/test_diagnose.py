"""`/vpn diagnose` over the in-memory Azure fake: estates invented here, composed findings,
scopes, partial answers and the design options."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.slack.mrkdwn import mrkdwn
from commands import diagnose as diag
from commands.catalog import REGISTRY
from commands.core.errors import AzureFailure
from commands.core.model import (
    Connection,
    DnsRecordSet,
    DnsZoneConfig,
    DnsZoneGroup,
    Gateway,
    P2SClient,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkConnection,
    SqlServer,
    Subnet,
    Subscription,
    VirtualNetwork,
    VnetLink,
    rid_key,
)
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Context, Divider, Finding, Header, Reply, Table, Text
from commands.findings import dns as dnsf
from commands.findings.peerings import PeeringFacts, VnetFacts, find_reverse, gateways_in, health
from commands.status import status
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.findings.topology_support import (
    SUB,
    far_spoke,
    gw,
    lng,
    nid,
    peer,
    s2s,
    two_regions_both_attempts,
    v2v,
    vid,
    vnet,
)

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
ZONE = "privatelink.database.windows.net"
ZONE_ID = nid("privateDnsZones", ZONE)
SQL_TYO = f"/subscriptions/{SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/sql-tyo"
PE_TYO = nid("privateEndpoints", "pe-sql-tyo")


def with_subnets(v: VirtualNetwork, data: str) -> VirtualNetwork:
    return dataclasses.replace(v, subnets=(Subnet(f"{v.id}/subnets/snet-data", "snet-data", (data,)),))


def both_attempts() -> FakeAzure:
    """Amsterdam + Tokyo: both failed designs, a SQL private endpoint in Tokyo, the private
    zone linked to Amsterdam only, VPN clients on Amsterdam's gateway."""
    facts, _ = two_regions_both_attempts()
    ams, tyo = facts.vnets
    out, back = facts.connections
    pe = PrivateEndpoint(
        PE_TYO,
        "pe-sql-tyo",
        "japaneast",
        subnet_id=f"{tyo.id}/subnets/snet-data",
        private_ips=("10.60.1.4",),
        connections=(PrivateLinkConnection("sql-tyo", SQL_TYO, ("sqlServer",), "Approved"),),
        zone_groups=(
            DnsZoneGroup(
                f"{PE_TYO}/privateDnsZoneGroups/default",
                "default",
                (DnsZoneConfig(ZONE_ID, (DnsRecordSet("sql-tyo", f"sql-tyo.{ZONE}", "A", ("10.60.1.4",)),)),),
            ),
        ),
        provisioning_state="Succeeded",
    )
    zone = PrivateDnsZone(
        ZONE_ID,
        ZONE,
        (DnsRecordSet("sql-tyo", f"sql-tyo.{ZONE}.", "A", ("10.60.1.4",)),),
        (VnetLink(f"{ZONE_ID}/virtualNetworkLinks/link-ams", "link-ams", ams.id, False, "Completed"),),
    )
    ams_gw, tyo_gw = facts.gateways
    return FakeAzure(
        subscriptions=(Subscription(SUB, "Fabrikam"),),
        vnets=(with_subnets(ams, "10.50.1.0/24"), with_subnets(tyo, "10.60.1.0/24")),
        gateways=facts.gateways,
        connections=(out, back),
        shared_keys={out.id: "k-one", back.id: "k-two"},
        private_endpoints=(pe,),
        zones=(zone,),
        sql_servers=(
            SqlServer(
                SQL_TYO, "sql-tyo", "japaneast", "sql-tyo.database.windows.net", "Disabled", "Default", (PE_TYO,)
            ),
        ),
        p2s={ams_gw.id: [P2SClient("ana", ingress_bytes=10, egress_bytes=10), P2SClient("bo")], tyo_gw.id: []},
    )


def run(azure: FakeAzure, text: str = "") -> tuple[Reply, RecordingMessenger]:
    out = RecordingMessenger()
    ctx = Ctx(azure, out, settings=DomainSettings(progress_every_s=0.0), now=lambda: NOW)
    reply = diag.diagnose(ctx, text)
    assert reply is not None
    return reply, out


def text_of(reply: Reply) -> str:
    bits = [reply.fallback]
    for p in reply.parts:
        if isinstance(p, Finding):
            bits += [p.title, p.evidence, p.next_step]
        elif isinstance(p, Text | Context | Header):
            bits.append(p.text)
        elif isinstance(p, Table):
            bits += [" | ".join(r) for r in p.rows]
    return "\n".join(str(b) for b in bits)


def keys(reply: Reply) -> list[str]:
    return [f.key for f in reply.findings]


def has(reply: Reply, prefix: str) -> Finding:
    found = [f for f in reply.findings if f.key.startswith(prefix)]
    assert found, f"no {prefix} finding in {keys(reply)}"
    return found[0]


# --- the seed's situation, on an estate never seen before ----------------------------------------


def test_both_failed_designs_and_the_dns_problem_are_explained() -> None:
    reply, _ = run(both_attempts())
    # Attempt 1: gateway transit offered, unusable while Tokyo keeps its gateway; users would detour.
    transit = has(reply, "topology:transit_unused:")
    assert "West Europe is in Europe, Japan East in Asia" in transit.next_step
    # Attempt 2: one-way counters, different keys, BGP on one side.
    for prefix in ("one_way:", "shared_key:", "bgp_one_side:"):
        has(reply, prefix)
    # DNS: the zone is not linked to Tokyo; VPN clients cannot resolve the private names.
    assert any(k.startswith("pe_zone_link:") for k in keys(reply))
    assert any(k.startswith("p2s_dns:") for k in keys(reply))
    # Ranked: every critical before every warning before every info.
    order = ["critical", "warning", "info"]
    sev = [f.severity for f in reply.findings]
    assert sev == sorted(sev, key=order.index)


def test_the_answer_reads_headline_top_findings_rest_then_options() -> None:
    reply, _ = run(both_attempts())
    first = reply.parts[0]
    assert isinstance(first, Text) and first.text.startswith("*🔴 ") and "critical" in first.text
    assert "🔴 gateways and connections" in first.text and "private endpoint DNS" in first.text
    kinds = [type(p).__name__ for p in reply.parts]
    header = next(i for i, p in enumerate(reply.parts) if isinstance(p, Header))
    assert isinstance(reply.parts[header - 1], Divider)
    assert reply.parts[header].text == "What to do instead"
    assert kinds.index("Finding") < header
    table = next(p for p in reply.parts if isinstance(p, Table))
    assert table.columns == ("", "1. Hub+spoke", "2. GW per region", "3. Virtual WAN")
    text = text_of(reply)
    assert (
        "In place now: peering with gateway transit (`vn-ams-to-vn-tyo`) and VNet-to-VNet (`ams-tyo`, `tyo-ams`)"
        in text
    )
    assert "keep `gw-ams`; delete `gw-tyo`" in text
    assert "users of `gw-ams` download its profile again to get the spokes' routes (2 clients connected now)" in text
    assert "a virtual hub with a point-to-site (User VPN) gateway in West Europe, Japan East" in text
    assert "k-one" not in text and "k-two" not in text  # shared keys are compared, never shown


def test_every_finding_has_evidence_a_fix_and_most_a_learn_link() -> None:
    reply, _ = run(both_attempts())
    for f in reply.findings:
        assert f.evidence, f.key
        assert f.next_step, f.key
        if f.doc_url:
            assert f.doc_url.startswith("https://learn.microsoft.com/"), f.doc_url
    linked = [f for f in reply.findings if f.doc_url]
    assert len(linked) >= len(reply.findings) - 1


def test_findings_are_the_shared_functions_results_not_copies() -> None:
    azure = both_attempts()
    reply, _ = run(azure)
    # Connection findings: exactly what /vpn status says about the same estate.
    st = status(Ctx(azure, RecordingMessenger(), settings=DomainSettings(progress_every_s=0.0), now=lambda: NOW), "all")
    assert st is not None
    for f in st.findings:
        assert f in reply.findings, f.key
    # DNS findings: exactly what commands.findings.dns.assess says.
    vnets = list(azure.vnets.values())
    facts = dnsf.DnsFacts(
        subscriptions=(SUB,),
        sql_servers=tuple(azure.sqls),
        private_endpoints=tuple(azure.pes.values()),
        zones=tuple(azure.zones),
        vnets=tuple(vnets),
        gateways=tuple(azure.gws.values()),
        connections=tuple(azure.conns.values()),
    )
    dns_keys = {f.key for f in dnsf.assess(facts)}
    assert dns_keys and dns_keys <= set(keys(reply))


def test_peering_health_findings_are_composed() -> None:
    x = vnet("vn-x", "eastus", "10.1.0.0/16", peerings=[peer("vn-x", "vn-y", state="Initiated")])
    y = vnet("vn-y", "eastus", "10.2.0.0/16")
    azure = FakeAzure(subscriptions=(Subscription(SUB),), vnets=(x, y))
    reply, _ = run(azure)
    expected = health(
        PeeringFacts(VnetFacts(x, gateways_in(x.id, [])), x.peerings[0], VnetFacts(y), find_reverse(x.peerings[0], y))
    )
    assert expected and all(f in reply.findings for f in expected)


# --- estates that are not the seed: findings match their facts, nothing invented ---------------------


def test_a_far_spoke_gets_the_detour_and_the_options_with_hub_and_spoke_as_today() -> None:
    facts = far_spoke()
    azure = FakeAzure(subscriptions=(Subscription(SUB),), vnets=facts.vnets, gateways=facts.gateways)
    reply, _ = run(azure, "vn-spoke")
    f = has(reply, "topology:far_hub:")
    assert f.severity == "warning"
    # The peering module's plainer note about the same peering is replaced, not repeated.
    assert not any(k.startswith("peering_transit_in_use:") for k in keys(reply))
    text = text_of(reply)
    assert any(
        "Hub-and-spoke with gateway transit* — _partly what is here now_" in mrkdwn(p.text)
        for p in reply.parts
        if isinstance(p, Text)
    )
    assert "add a VPN gateway with point-to-site in `vn-spoke` (Australia East)" in text


def test_a_healthy_single_region_hub_and_spoke_is_all_clear_without_options() -> None:
    facts = far_spoke("westeurope")
    hub_gw = facts.gateways[0]
    site = lng("lng-office", "westeurope", "192.168.1.0/24")
    c = s2s("hub-office", hub_gw, site, ingress_bytes=1000, egress_bytes=2000)
    azure = FakeAzure(
        subscriptions=(Subscription(SUB),),
        vnets=facts.vnets,
        gateways=facts.gateways,
        local_gateways=(site,),
        connections=(c,),
        shared_keys={c.id: "k"},
    )
    reply, _ = run(azure)
    assert reply.parts[0].text.startswith("*🟢 Nothing wrong found in the whole estate")  # type: ignore[union-attr]
    assert not any(isinstance(p, Header) for p in reply.parts)
    assert all(f.severity == "info" for f in reply.findings)
    assert "Looked at 2 VNets, 1 gateway, 1 connection, 1 local network gateway" in text_of(reply)


def test_overlapping_spaces_in_a_new_estate() -> None:
    g = gw("gw-a", "vn-a", "eastus", ("10.1.250.0/24",))
    a = vnet("vn-a", "eastus", "10.1.0.0/16", peerings=[peer("vn-a", "vn-b")])
    b = vnet("vn-b", "eastus", "10.1.128.0/17", peerings=[peer("vn-b", "vn-a")])
    azure = FakeAzure(subscriptions=(Subscription(SUB),), vnets=(a, b), gateways=(g,))
    reply, _ = run(azure)
    overlaps = [f for f in reply.findings if f.key.startswith("topology:overlap:")]
    titles = {str(f.title) for f in overlaps}
    assert "VNet `vn-a` `10.1.0.0/16` overlaps VNet `vn-b` `10.1.128.0/17`" in titles
    assert "VNet `vn-a` `10.1.0.0/16` overlaps point-to-site pool of `gw-a` `10.1.250.0/24`" in titles
    assert "🔴 address spaces" in reply.parts[0].text  # type: ignore[union-attr]
    assert not any(isinstance(p, Header) for p in reply.parts)  # one region: no design options


# --- scope -------------------------------------------------------------------------------------


def test_a_region_word_limits_the_gateways_read_and_a_vnet_name_its_vnet() -> None:
    azure = both_attempts()
    reply, _ = run(azure, "japan")
    assert "in Japan" in reply.fallback
    got = {rid_key(k) for m, k in azure.calls if m == "connection"}
    assert rid_key(nid("connections", "tyo-ams")) in got  # Tokyo's connection, read with GET
    assert any(k.startswith("pe_zone_link:") for k in keys(reply))
    reply2, _ = run(both_attempts(), "vn-tyo")
    assert "in vn-tyo" in reply2.fallback
    reply3, _ = run(both_attempts(), "rg-net/vn-tyo")
    assert "in vn-tyo" in reply3.fallback
    reply4, _ = run(both_attempts(), vid("vn-tyo"))
    assert "in vn-tyo" in reply4.fallback


def test_a_spokes_hub_gateway_is_checked_with_the_spoke() -> None:
    facts = far_spoke()
    hub_gw = facts.gateways[0]
    site = lng("lng-office", "westeurope", "192.168.1.0/24")
    down = s2s("hub-office", hub_gw, site, status="NotConnected", ingress_bytes=0, egress_bytes=0)
    azure = FakeAzure(
        subscriptions=(Subscription(SUB),),
        vnets=facts.vnets,
        gateways=facts.gateways,
        local_gateways=(site,),
        connections=(down,),
    )
    reply, _ = run(azure, "australia")
    assert has(reply, "down:").severity == "critical"


def test_unknown_target_answers_with_choices_and_a_guess() -> None:
    reply, _ = run(both_attempts(), "vn-tyoo")
    assert reply.visibility == "ephemeral"
    text = text_of(reply)
    assert "`vn-tyoo` is neither a region nor a virtual network I can see." in text
    assert "Did you mean `vn-tyo`?" in text and "`vn-ams`, `vn-tyo`" in text
    assert "Example: `/vpn diagnose vn-tyo`" in text


def test_a_region_without_vnets_says_where_vnets_are() -> None:
    reply, _ = run(both_attempts(), "brazil")
    text = text_of(reply)
    assert "No virtual networks in Brazil." in text
    assert "West Europe (1)" in text and "Japan East (1)" in text


def test_same_vnet_name_in_two_resource_groups_asks_which() -> None:
    a = vnet("vn-dup", "eastus", "10.1.0.0/16")
    b = dataclasses.replace(a, id=nid("virtualNetworks", "vn-dup").replace("rg-net", "rg-other"))
    reply, _ = run(FakeAzure(subscriptions=(Subscription(SUB),), vnets=(a, b)), "vn-dup")
    assert "Several virtual networks are called `vn-dup`" in text_of(reply)
    assert "rg-other" in text_of(reply)


def test_diagnose_is_registered_with_usage_and_example() -> None:
    c = REGISTRY.command("diagnose")
    assert c is not None and c.usage == "diagnose [region|vnet]" and c.example == "/vpn diagnose europe"
    assert c.summary.startswith("What is wrong with the whole topology")


# --- partial answers ---------------------------------------------------------------------------


def test_unreadable_lists_are_said_with_advice_and_the_rest_is_answered() -> None:
    azure = both_attempts()
    azure.fail[("private_dns_zones", SUB)] = AzureFailure("forbidden", "no", "AuthorizationFailed", SUB, 403)
    reply, _ = run(azure)
    text = text_of(reply)
    assert "Could not read everything" in text
    assert "list private DNS zones failed for subscription `Fabrikam`: forbidden (AuthorizationFailed)" in text
    assert AzureFailure("forbidden").advice in text
    has(reply, "one_way:")  # the rest is still there


def test_a_gateway_whose_calls_fail_is_reported() -> None:
    azure = both_attempts()
    azure.fail[("gateway_connections", rid_key(nid("virtualNetworkGateways", "gw-tyo")))] = AzureFailure(
        "throttled", status=429
    )
    reply, _ = run(azure)
    text = text_of(reply)
    assert "list connections failed for gateway `gw-tyo`: throttled" in text
    assert AzureFailure("throttled").advice in text


def test_a_peered_vnet_in_another_subscription_is_read_or_its_failure_said() -> None:
    other = "sub-b"
    x = vnet(
        "vn-x", "eastus", "10.1.0.0/16", peerings=[peer("vn-x", "vn-far", remote_sub=other, allow_gateway_transit=True)]
    )
    far = vnet("vn-far", "eastus", "10.2.0.0/16", peerings=[peer("vn-far", "vn-x", sub=other)], sub=other)
    x_gw = gw("gw-x", "vn-x", "eastus", ("172.30.0.0/24",))
    azure = FakeAzure(subscriptions=(Subscription(SUB),), vnets=(x, far), gateways=(x_gw,))
    reply, _ = run(azure, "vn-x")
    assert ("virtual_network", vid("vn-far", other)) in azure.calls
    # Its gateway list was not read (other subscription), so it is not accused of lacking one.
    assert not any(k.startswith("topology:transit_unused:") for k in keys(reply))
    azure2 = FakeAzure(subscriptions=(Subscription(SUB),), vnets=(x,), gateways=(x_gw,))
    reply2, _ = run(azure2, "vn-x")
    assert "could not read the peered VNet: `vn-far`" in text_of(reply2)


def test_subscriptions_unreadable_answers_with_advice() -> None:
    azure = both_attempts()
    azure.fail[("subscriptions", "*")] = AzureFailure("unauthenticated", code="InvalidAuthenticationToken")
    reply, _ = run(azure)
    assert reply.visibility == "ephemeral"
    assert AzureFailure("unauthenticated").advice in text_of(reply)


def test_no_subscription_is_a_clear_error() -> None:
    reply, _ = run(FakeAzure(subscriptions=()))
    assert "The bot sees no subscription." in text_of(reply)


# --- fan-out and progress ------------------------------------------------------------------------


def test_every_list_is_read_once_per_subscription_and_progress_is_shown() -> None:
    azure = both_attempts()
    azure.subs.append(Subscription("sub-z", "Empty"))
    _, out = run(azure)
    for method in (
        "gateways",
        "virtual_networks",
        "connections",
        "local_network_gateways",
        "private_endpoints",
        "private_dns_zones",
        "dns_resolvers",
        "sql_servers",
    ):
        assert sorted(k for m, k in azure.calls if m == method) == sorted([SUB, "sub-z"]), method
    assert out.progress_texts[0] == "Reading 16 lists in 2 subscriptions…"
    assert any("lists" in t and " of 16" in t for t in out.progress_texts)
    assert out.progress_texts[-1] == "Putting the findings together…"
    # Each connection is read with GET (the list leaves the status empty).
    assert {rid_key(k) for m, k in azure.calls if m == "connection"} >= set(azure.conns)


@pytest.mark.parametrize("word", ["", "europe", "japaneast", "vn-ams"])
def test_no_answer_part_is_ever_empty(word: str) -> None:
    reply, _ = run(both_attempts(), word)
    for p in reply.parts:
        if isinstance(p, Text | Context):
            assert str(p.text).strip()
        if isinstance(p, Finding):
            assert str(p.title).strip() and p.key


def test_gateway_kinds_other_than_vpn_are_not_asked_for_tunnels() -> None:
    facts = far_spoke()
    er = Gateway(
        nid("virtualNetworkGateways", "er-hub"),
        "er-hub",
        "westeurope",
        gateway_type="ExpressRoute",
        vnet_id=vid("vn-hub"),
    )
    azure = FakeAzure(subscriptions=(Subscription(SUB),), vnets=facts.vnets, gateways=(*facts.gateways, er))
    run(azure)
    assert not any(m == "gateway_connections" and rid_key(k) == rid_key(er.id) for m, k in azure.calls)


def test_a_connection_of_an_unknown_gateway_does_not_break_the_answer() -> None:
    # A connection whose gateway is not in any list (deleted, or another subscription).
    azure = both_attempts()
    c = Connection(
        nid("connections", "orphan"),
        "orphan",
        "eastus",
        connection_type="IPsec",
        gateway1_id=nid("virtualNetworkGateways", "gone"),
    )
    azure.conns[rid_key(c.id)] = c
    reply, _ = run(azure)
    assert reply.fallback == run(both_attempts())[0].fallback


# --- the peering and VNet-to-VNet rules, composed from their modules -------------------------------


def test_remote_gateway_misuse_is_reported_from_every_angle() -> None:
    own = gw("gw-s", "vn-s", "eastus")
    hub_gw = gw("gw-h", "vn-h", "eastus", ("172.30.0.0/24",))
    s = vnet(
        "vn-s",
        "eastus",
        "10.2.0.0/16",
        peerings=[peer("vn-s", "vn-h", use_remote_gateways=True), peer("vn-s", "vn-k", use_remote_gateways=True)],
    )
    h = vnet("vn-h", "eastus", "10.1.0.0/16", peerings=[peer("vn-h", "vn-s")])  # no allowGatewayTransit
    k = vnet("vn-k", "eastus", "10.3.0.0/16", peerings=[peer("vn-k", "vn-s", allow_gateway_transit=True)])
    azure = FakeAzure(subscriptions=(Subscription(SUB),), vnets=(s, h, k), gateways=(own, hub_gw))
    reply, _ = run(azure, "vn-s")
    found = keys(reply)
    for prefix in (
        "peering_remote_gw_with_local_gw:",  # a gateway in the same VNet
        "peering_transit_not_offered:",  # no allowGatewayTransit on the other side
        "topology:remote_gw_several:",  # on more than one peering
    ):
        assert any(k.startswith(prefix) for k in found), (prefix, found)


def test_a_vnet_to_vnet_connection_without_its_reverse_is_named() -> None:
    a_gw, b_gw = gw("gw-a", "vn-a", "eastus", ("172.30.0.0/24",)), gw("gw-b", "vn-b", "westus")
    c = v2v("a-to-b", a_gw, b_gw, status="NotConnected")
    azure = FakeAzure(
        subscriptions=(Subscription(SUB),),
        vnets=(vnet("vn-a", "eastus", "10.1.0.0/16"), vnet("vn-b", "westus", "10.2.0.0/16")),
        gateways=(a_gw, b_gw),
        connections=(c,),
        shared_keys={c.id: "k"},
    )
    reply, _ = run(azure)
    f = has(reply, "missing_reverse:")
    assert "has no reverse connection from `gw-b` to `gw-a`" in f.title
    has(reply, "down:")
    # Two US regions joined for VPN users, and the join is broken: the options follow.
    assert any(isinstance(p, Header) and p.text == "What to do instead" for p in reply.parts)


def test_a_long_tail_is_counted_per_area_not_dropped() -> None:
    hub = vnet("vn-hub", "eastus", "10.0.0.0/16", peerings=[peer("vn-hub", f"vn-{i}") for i in range(1, 31)])
    spokes = [
        vnet(f"vn-{i}", "eastus", f"10.{i}.0.0/16", peerings=[peer(f"vn-{i}", "vn-hub", allow_forwarded_traffic=True)])
        for i in range(1, 31)
    ]
    reply, _ = run(FakeAzure(subscriptions=(Subscription(SUB),), vnets=(hub, *spokes)))
    shown = [f for f in reply.findings if f.key.startswith("topology:flags_differ:")]
    assert len(shown) == diag.REST_IN_FULL
    tail = next(p for p in reply.parts if isinstance(p, Text) and p.text.startswith("*18 more:*"))
    assert "• peerings (18): " in tail.text and "; and 15 more" in tail.text
