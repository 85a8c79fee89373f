"""One judgement of the estate: root causes before symptoms, and every command agreeing.

Each estate shows one rule behind an example of issue 16, built here with invented names.
The rules are Azure's, cited where the finding or the rule lives.
"""

from __future__ import annotations

import dataclasses

from commands.core.model import BgpPeer, GatewayRoute
from commands.core.reply import Reply
from tests.fakes import FakeAzure
from tests.unit.commands.judgement.support import (
    by_key,
    diagnose_of,
    disagreements,
    first_message,
    peering_of,
    routes_of,
    status_of,
)
from tests.unit.commands.routes.estates import (
    SUBS,
    defaults,
    gateway,
    gw_id,
    lng,
    nic,
    peering,
    route,
    s2s,
    v2v,
    vnet,
)
from tests.unit.commands.routes.replies import text_of


def _text(replies: list[Reply]) -> str:
    return "\n".join(text_of(r) for r in replies)


def _head(replies: list[Reply]) -> str:
    return "\n".join(text_of(first_message(r)) for r in replies)


# --- estates -------------------------------------------------------------------------------------


def pair(keys_differ: bool = True) -> FakeAzure:
    """Two VNets, each with a gateway, joined VNet-to-VNet; bytes flow one way only."""
    a, b = vnet("vnet-a", ("10.10.0.0/16",)), vnet("vnet-b", ("10.20.0.0/16",))
    ga, gb = gateway("gw-a", "vnet-a"), gateway("gw-b", "vnet-b")
    out, back = v2v("a-to-b", "gw-a", "gw-b", egress=5_000_000), v2v("b-to-a", "gw-b", "gw-a", ingress=5_000_000)
    return FakeAzure(
        subscriptions=SUBS,
        vnets=[a, b],
        gateways=[ga, gb],
        connections=[out, back],
        shared_keys={out.id: "k1", back.id: "k2" if keys_differ else "k1"},
    )


def lonely_half() -> FakeAzure:
    """A VNet-to-VNet connection whose remote gateway has no connection back; BGP on both
    gateways, so the session behind it cannot come up either."""
    a, b = vnet("vnet-a", ("10.10.0.0/16",)), vnet("vnet-b", ("10.20.0.0/16",))
    ga = dataclasses.replace(gateway("gw-a", "vnet-a", bgp=True, asn=65010), bgp_peering_addresses=("10.10.255.30",))
    gb = dataclasses.replace(gateway("gw-b", "vnet-b", bgp=True, asn=65020), bgp_peering_addresses=("10.20.255.30",))
    out = v2v("a-to-b", "gw-a", "gw-b", status="NotConnected", bgp=True)
    peer = BgpPeer("10.20.255.30", 65020, "Connecting", "10.10.255.30")
    return FakeAzure(subscriptions=SUBS, vnets=[a, b], gateways=[ga, gb], connections=[out], bgp={ga.id: [peer]})


def half_peering() -> FakeAzure:
    """A hub with a P2S gateway peered towards a spoke that has no peering back."""
    hub = vnet(
        "vnet-hub",
        ("10.30.0.0/16",),
        peerings=(peering("vnet-hub", "vnet-spoke", ("10.31.0.0/16",), state="Initiated", allow_gateway_transit=True),),
    )
    spoke = vnet("vnet-spoke", ("10.31.0.0/16",))
    gw = gateway("gw-hub", "vnet-hub", pool=("172.16.30.0/24",))
    n = nic("nic-hub", "vnet-hub", ip="10.30.1.4")
    routes = [
        *defaults("10.30.0.0/16"),
        route("VirtualNetworkGateway", "172.16.30.0/24", "VirtualNetworkGateway", ("10.30.255.4",)),
    ]
    return FakeAzure(subscriptions=SUBS, vnets=[hub, spoke], gateways=[gw], nics=[n], effective={n.id: routes})


# --- root causes before symptoms -----------------------------------------------------------------


def test_different_shared_keys_are_the_headline_and_the_one_way_half_is_folded_under_them() -> None:
    az = pair()
    for replies in (status_of(az), diagnose_of(az)):
        found = by_key(replies)
        root = next(f for f in found.values() if f.key.startswith("shared_key:"))
        assert [x.key.split(":")[0] for x in root.explains] == ["one_way"]
        head = _head(replies)
        assert "use different shared keys" in head and "(explains 1 more)" in head
        assert "sends but receives nothing" not in head  # a symptom: in the thread, under its cause


def test_a_missing_reverse_explains_the_notconnected_half_and_the_bgp_peer_behind_it() -> None:
    found = by_key(status_of(lonely_half()))
    root = next(f for f in found.values() if f.key.startswith("missing_reverse:"))
    chain = [x.key.split(":")[0] for x in root.every()]
    assert chain[:3] == ["missing_reverse", "down", "bgp_peer"]
    # …and what the gateways do not reach because of it (the same verdict /vpn routes gives).
    assert set(chain[3:]) <= {"routing"}
    assert not any(
        f.key.startswith(("down:", "bgp_peer:")) for f in status_of(lonely_half())[0].parts if hasattr(f, "key")
    )


def test_a_half_peering_explains_the_spoke_a_nic_does_not_reach_and_the_routes_clients_never_get() -> None:
    az = half_peering()
    (nic_answer,) = routes_of(az, "nic-hub")
    root = next(f for f in nic_answer.findings if f.key.startswith("peering_half_configured:"))
    # The NIC's gap is said by its cause (the finding every command shows), and by the
    # coverage line — never as a second verdict only /vpn routes gives.
    assert not [f for f in nic_answer.findings if f.key.startswith("routing:coverage:")]
    assert "is only half configured" in _head([nic_answer])
    assert "there is no peering back from vnet-spoke" in text_of(nic_answer)
    found = by_key(diagnose_of(az))
    root = found[root.key]
    assert any(x.key.startswith("topology:p2s_never:") for x in root.every())


# --- commands never disagree ---------------------------------------------------------------------


def p2s_over_static_v2v() -> FakeAzure:
    """Example 10: VNet-to-VNet without BGP, P2S clients on gw-a, and a custom route that
    hands them the remote VNet for certain: replies from vnet-b still have no way back."""
    az = pair(keys_differ=False)
    ga = az.gws[next(k for k in az.gws if k.endswith("gw-a"))]
    az.gws[ga.id.lower()] = dataclasses.replace(
        ga, p2s_address_pool=("172.16.40.0/24",), p2s_custom_routes=("10.20.0.0/16",)
    )
    for c in list(az.conns):
        az.conns[c] = dataclasses.replace(az.conns[c], egress_bytes=10, ingress_bytes=10)
    return az


def test_status_diagnose_and_routes_say_the_same_about_what_p2s_clients_cannot_reach() -> None:
    az = p2s_over_static_v2v()
    status, diag, gw_a = status_of(az), diagnose_of(az), routes_of(az, "gw-a")
    key = f"routing:p2s_oneway:{gw_id('gw-a').lower()}:10.20.0.0/16"
    for replies in (status, diag, gw_a):
        assert key in by_key(replies), [f.key for f in by_key(replies).values()]
    assert "All clear" not in _head(status)
    assert disagreements(status, diag, gw_a) == []


def test_one_line_per_prefix_a_client_gets() -> None:
    # The custom route gives 10.20.0.0/16 for certain: no "may get" line beside "gets".
    (gw_a,) = routes_of(p2s_over_static_v2v(), "gw-a")
    text = text_of(gw_a)
    assert text.count("gets `10.20.0.0/16`") == 1
    assert "✅ gets `10.20.0.0/16`" in text and "may get `10.20.0.0/16`" not in text


def test_every_command_gives_one_verdict_per_finding_on_every_estate() -> None:
    for az in (pair(), lonely_half(), half_peering(), p2s_over_static_v2v()):
        answers = [status_of(az), diagnose_of(az)]
        answers += [routes_of(az, g.name) for g in az.gws.values()]
        answers += [peering_of(az, v.name) for v in az.vnets.values()]
        assert disagreements(*answers) == []


# --- "could not read" is never "unreachable" -----------------------------------------------------


def test_an_empty_learned_routes_answer_is_unknown_never_unreachable() -> None:
    az = pair(keys_differ=False)
    az.learned = {gw_id("gw-a").lower(): []}  # ARM answered `{}`
    (answer,) = routes_of(az, "gw-a")
    text = text_of(answer)
    assert "does not reach" not in text and "drops the traffic" not in text
    assert "learned routes unknown" in str(answer.fallback)
    assert "with no routes at all" in text
    assert not [f for f in answer.findings if f.key.startswith("routing:coverage:")]


def test_learned_routes_without_the_gateways_own_vnet_are_unknown_too() -> None:
    az = pair(keys_differ=False)
    az.learned = {gw_id("gw-a").lower(): [GatewayRoute("10.20.0.0/16", "10.20.255.4", "EBgp")]}
    (answer,) = routes_of(az, "gw-a")
    assert "leave out its own VNet" in text_of(answer)
    assert not [f for f in answer.findings if f.key.startswith("routing:coverage:")]


# --- BGP over APIPA ------------------------------------------------------------------------------


def apipa_site() -> FakeAzure:
    """Example 3: an active-active gateway with BGP over APIPA custom addresses to an
    on-premises peer at 169.254.21.2, which advertises 10.50.0.0/16 and 10.51.0.0/16."""
    a = vnet("vnet-a", ("10.10.0.0/16",))
    ga = dataclasses.replace(
        gateway("gw-a", "vnet-a", bgp=True, asn=65010),
        active_active=True,
        bgp_peering_addresses=("169.254.21.1", "169.254.22.1"),
    )
    site = lng("lng-dc", (), bgp_address="169.254.21.2")
    conn = dataclasses.replace(s2s("a-to-dc", "gw-a", "lng-dc", bgp=True), ingress_bytes=10, egress_bytes=10)
    peers = [
        BgpPeer("169.254.21.2", 65050, "Connected", "169.254.21.1", "01:00:00", 2, 10, 12),
        BgpPeer("169.254.21.2", 65050, "Connected", "169.254.22.1", "01:00:00", 2, 10, 12),
    ]
    learned = [
        GatewayRoute("10.10.0.0/16", "", "Network", "", "169.254.21.1"),
        GatewayRoute("10.50.0.0/16", "169.254.21.2", "EBgp", "65050", "169.254.21.2"),
        GatewayRoute("10.51.0.0/16", "169.254.21.2", "EBgp", "65050", "169.254.21.2"),
    ]
    return FakeAzure(
        subscriptions=SUBS,
        vnets=[a],
        gateways=[ga],
        connections=[conn],
        local_gateways=[site],
        bgp={ga.id: peers},
        learned={ga.id: learned},
    )


def test_apipa_bgp_checks_what_the_peer_advertised_not_its_link_local_address() -> None:
    (answer,) = routes_of(apipa_site(), "gw-a")
    text = text_of(answer)
    assert "169.254.21.2/32" not in text
    assert "`10.50.0.0/16`" in text and "`10.51.0.0/16`" in text
    assert "3 of 3 destinations reached" in text
    assert not [f for f in answer.findings if f.severity in ("critical", "warning")]


def test_each_bgp_session_is_listed_once_with_the_instance_it_starts_from() -> None:
    (answer,) = routes_of(apipa_site(), "gw-a")
    text = text_of(answer)
    assert "`169.254.21.2` AS 65050 from instance `169.254.21.1` — Connected" in text
    assert "`169.254.21.2` AS 65050 from instance `169.254.22.1` — Connected" in text


# --- a P2S pool overlapping a VNet ---------------------------------------------------------------


def pool_inside_vnet() -> FakeAzure:
    """Example 4: the client pool 10.10.200.0/24 lies inside the VNet 10.10.0.0/16."""
    az = pair(keys_differ=False)
    ga = az.gws[gw_id("gw-a").lower()]
    az.gws[ga.id.lower()] = dataclasses.replace(ga, p2s_address_pool=("10.10.200.0/24",))
    for c in list(az.conns):
        az.conns[c] = dataclasses.replace(az.conns[c], egress_bytes=10, ingress_bytes=10)
    n = nic("nic-a", "vnet-a", ip="10.10.1.4")
    az.nics[n.id.lower()] = n
    az.effective[n.id.lower()] = [
        *defaults("10.10.0.0/16"),
        route("VirtualNetworkGateway", "10.10.200.0/24", "VirtualNetworkGateway", ("10.10.255.4",)),
        route("VirtualNetworkGateway", "10.20.0.0/16", "VirtualNetworkGateway", ("10.10.255.4",)),
    ]
    return az


def test_a_pool_overlapping_its_vnet_is_not_reached_and_every_command_says_so() -> None:
    az = pool_inside_vnet()
    (nic_answer,) = routes_of(az, "nic-a")
    text = text_of(nic_answer)
    assert "❌ P2S pool of gw-a" in text.replace("*", "")
    assert "Azure keeps traffic to the overlapping addresses in that virtual network" in text
    status, diag = status_of(az), diagnose_of(az)
    overlap = [f for f in by_key(status).values() if f.key.startswith("topology:overlap:")]
    assert overlap and overlap[0].severity == "critical"
    assert overlap[0].key in by_key(diag) and by_key(diag)[overlap[0].key].severity == "critical"
    assert disagreements(status, diag, [nic_answer]) == []


# --- a half peering seen from the side without one -----------------------------------------------


def test_peering_of_the_vnet_without_one_shows_the_half_peering_towards_it() -> None:
    (answer,) = peering_of(half_peering(), "vnet-spoke")
    text = text_of(answer)
    assert "has no peerings" not in text
    assert "1 towards it with none back" in str(answer.fallback) + _head([answer])
    assert any(f.key.startswith("peering_half_configured:") for f in answer.findings)


# --- connections pointing AT a gateway -----------------------------------------------------------


def incoming_only() -> FakeAzure:
    """Example 9: gw-r connects to the hub's gw-h; gw-h has no connection back."""
    h, r = vnet("vnet-h", ("10.60.0.0/16",)), vnet("vnet-r", ("10.61.0.0/16",))
    gh, gr = gateway("gw-h", "vnet-h", pool=("172.16.60.0/24",)), gateway("gw-r", "vnet-r")
    into = v2v("r-to-h", "gw-r", "gw-h", status="NotConnected")
    return FakeAzure(
        subscriptions=SUBS,
        vnets=[h, r],
        gateways=[gh, gr],
        connections=[into],
        learned={gh.id: [GatewayRoute("10.60.0.0/16", "", "Network"), GatewayRoute("172.16.60.0/24", "", "Network")]},
    )


def test_a_connection_into_the_hub_makes_its_remote_a_destination_the_hub_does_not_reach() -> None:
    (answer,) = routes_of(incoming_only(), "gw-h")
    text = text_of(answer)
    assert "vnet-r" in text and "`10.61.0.0/16`" in text
    assert "there is no connection from gw-h back to gw-r" in text
    assert "does not get `10.61.0.0/16`" in text  # the P2S plan: never, and why
    # The gap is said under its cause: the connection into the hub has no reverse.
    root = next(f for f in answer.findings if f.key.startswith("missing_reverse:"))
    assert any(x.key.startswith("routing:coverage:") for x in root.every())


def test_quoted_names_work_in_every_command() -> None:
    az = half_peering()
    assert "in vnet-hub" in str(diagnose_of(az, "“vnet-hub”")[0].fallback)
    assert "Peerings of vnet-spoke" in str(peering_of(az, '"vnet-spoke"')[0].fallback)
    assert "Routes of nic-hub" in str(routes_of(az, "'nic-hub'")[0].fallback)
    assert "gw-hub" in str(status_of(az, "‘gw-hub’")[0].fallback)  # Slack's curly single quotes
