"""`/vpn diagnose` composes the findings of every area: estates invented here, the seed's
situation among them, each finding the shared function's result, not a copy."""

from __future__ import annotations

from bot.slack.mrkdwn import mrkdwn
from commands.core.model import Subscription
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Header, Reply
from commands.findings.dns.facts import DnsFacts
from commands.findings.dns.findings import assess as dns_assess
from commands.findings.peerings import PeeringFacts, VnetFacts, find_reverse, gateways_in, health
from commands.status.command import status
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.diagnose.diagnose_support import (
    NOW,
    both_attempts,
    has,
    keys,
    mrkdwn_of,
    run,
    text_of,
)
from tests.unit.commands.findings.topology_support import SUB, far_spoke, gw, lng, peer, s2s, v2v, vnet


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
    # DNS findings: exactly what commands.findings.dns.findings.assess says.
    vnets = list(azure.vnets.values())
    facts = DnsFacts(
        subscriptions=(SUB,),
        sql_servers=tuple(azure.sqls),
        private_endpoints=tuple(azure.pes.values()),
        zones=tuple(azure.zones),
        vnets=tuple(vnets),
        gateways=tuple(azure.gws.values()),
        connections=tuple(azure.conns.values()),
    )
    dns_keys = {f.key for f in dns_assess(facts)}
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


def test_a_far_spoke_gets_the_detour_and_the_options_with_hub_and_spoke_as_today() -> None:
    facts = far_spoke()
    azure = FakeAzure(subscriptions=(Subscription(SUB),), vnets=facts.vnets, gateways=facts.gateways)
    reply, _ = run(azure, "vn-spoke")
    f = has(reply, "topology:far_hub:")
    assert f.severity == "warning"
    # The peering module's plainer note about the same peering is replaced, not repeated.
    assert not any(k.startswith("peering_transit_in_use:") for k in keys(reply))
    assert "Hub-and-spoke with gateway transit* — _partly what is here now_" in mrkdwn_of(reply)
    assert "add a VPN gateway with point-to-site in `vn-spoke` (Australia East)" in text_of(reply)


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
    assert mrkdwn(reply.parts[0].text).startswith("*🟢 Nothing wrong found in the whole estate")  # type: ignore[union-attr]
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
    assert "🔴 address spaces" in text_of(Reply(reply.fallback, reply.parts))  # the first message says where
    assert not any(isinstance(p, Header) for p in reply.thread)  # one region: no design options


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
    assert any(isinstance(p, Header) and p.text == "What to do instead" for p in reply.thread)
