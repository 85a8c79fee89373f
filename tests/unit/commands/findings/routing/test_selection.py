"""Azure's route selection: longest prefix, then User > BGP > System, and the system routes
preferred even over more specific BGP routes."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from commands.core.model import EffectiveRoute
from commands.findings.routing.selection import select_route
from tests.unit.commands.routes.estates import defaults, route


def test_longest_prefix_wins() -> None:
    routes = [
        *defaults("10.1.0.0/16"),
        route("VirtualNetworkGateway", "10.0.0.0/16", "VirtualNetworkGateway", ("10.1.255.4",)),
    ]
    c = select_route(routes, "10.0.1.4")
    assert c.prefix == "10.0.0.0/16" and c.route is not None and c.route.next_hop_type == "VirtualNetworkGateway"
    assert "10.0.0.0/8" in c.explanation and "longest" in c.explanation
    assert not c.drops


def test_same_prefix_user_beats_bgp_beats_system() -> None:
    routes = [
        route("Default", "10.5.0.0/16", "VNetPeering"),
        route("VirtualNetworkGateway", "10.6.0.0/16", "VirtualNetworkGateway"),
        route("Default", "10.6.0.0/16", "VirtualAppliance", ("10.1.0.9",)),
        route("User", "10.6.0.0/16", "VirtualAppliance", ("10.1.0.4",), name="to-fw"),
    ]
    c = select_route(routes, "10.6.1.1")
    assert c.route is not None and c.route.source == "User"
    assert "User > BGP > System" in c.explanation
    bgp_vs_system = select_route(routes[1:3], "10.6.1.1")
    assert bgp_vs_system.route is not None and bgp_vs_system.route.source == "VirtualNetworkGateway"


def test_invalid_routes_are_ignored() -> None:
    routes = [
        *defaults("10.1.0.0/16"),
        route("User", "10.0.0.0/16", "VirtualAppliance", ("10.9.9.9",), state="Invalid"),
    ]
    c = select_route(routes, "10.0.1.4")
    assert c.prefix == "10.0.0.0/8" and c.drops
    assert "1 Invalid route ignored" in c.explanation


def test_vnet_and_peering_system_routes_beat_more_specific_bgp_routes() -> None:
    routes = [
        *defaults("10.1.0.0/16"),
        route("Default", "10.2.0.0/16", "VNetPeering"),
        route("VirtualNetworkGateway", "10.2.5.0/24", "VirtualNetworkGateway", ("10.1.255.4",)),
        route("VirtualNetworkGateway", "10.1.7.0/24", "VirtualNetworkGateway", ("10.1.255.4",)),
    ]
    peer = select_route(routes, "10.2.5.9")
    assert peer.route is not None and peer.route.next_hop_type == "VNetPeering"
    assert "system routes over gateway routes, even more specific ones (10.2.5.0/24)" in peer.explanation
    own = select_route(routes, "10.1.7.1")
    assert own.route is not None and own.route.next_hop_type == "VnetLocal"
    # Same prefix: the peering route is still preferred over the gateway route.
    same = select_route(
        [route("VirtualNetworkGateway", "10.2.0.0/16", "VirtualNetworkGateway"), routes[-3]], "10.2.0.1"
    )
    assert same.route is not None and same.route.next_hop_type == "VNetPeering"
    # A user route is not a system route: it still loses to the more specific BGP route.
    udr = [
        route("User", "10.3.0.0/16", "VirtualAppliance", ("10.1.0.4",)),
        route("VirtualNetworkGateway", "10.3.1.0/24", "VirtualNetworkGateway"),
    ]
    c = select_route(udr, "10.3.1.1")
    assert c.route is not None and c.route.source == "VirtualNetworkGateway"


def test_no_route_drops_and_a_prefix_lists_the_routes_inside_it() -> None:
    assert select_route([], "10.0.0.1").drops
    routes = [
        route("VirtualNetworkGateway", "10.0.0.0/16", "VirtualNetworkGateway"),
        route("User", "10.0.1.0/24", "None"),
    ]
    c = select_route(routes, "10.0.0.0/16")
    assert c.prefix == "10.0.0.0/16"
    assert [p for p, _ in c.inside] == ["10.0.1.0/24"]
    assert not select_route(routes, "not-an-ip").route


def test_the_published_effective_route_table_selects_as_azure_does() -> None:
    from tests.shared_fixtures import real_json

    body = real_json("arm/NetworkInterfaceEffectiveRouteTableList.json")["responses"]["200"]["body"]
    routes = [
        EffectiveRoute(
            source=r["source"],
            state=r["state"],
            address_prefixes=tuple(r["addressPrefix"]),
            next_hop_type=r["nextHopType"],
            next_hop_ips=tuple(r["nextHopIpAddress"]),
        )
        for r in body["value"]
    ]
    own = select_route(routes, "172.20.2.9")
    assert own.route is not None and own.route.next_hop_type == "VnetLocal" and own.prefix == "172.20.2.0/24"
    assert "172.16.0.0/12 → None" in own.explanation  # the /24 beats the RFC 1918 drop route
    elsewhere = select_route(routes, "10.5.0.1")
    assert elsewhere.drops and elsewhere.prefix == "10.0.0.0/8"
    internet = select_route(routes, "20.1.2.3")
    assert internet.route is not None and internet.route.next_hop_type == "Internet"


# --- Azure's selection rule as properties -------------------------------------------------------------


_SOURCES = st.sampled_from(["Default", "User", "VirtualNetworkGateway"])


_HOPS = st.sampled_from(["VnetLocal", "VNetPeering", "VirtualNetworkGateway", "VirtualAppliance", "None", "Internet"])


@st.composite
def _routes(draw: st.DrawFn) -> list[EffectiveRoute]:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        plen = draw(st.integers(8, 28))
        net = ipaddress.ip_network(f"10.{draw(st.integers(0, 3))}.{draw(st.integers(0, 3))}.0/{plen}", strict=False)
        state = draw(st.sampled_from(["Active", "Active", "Invalid"]))
        out.append(route(draw(_SOURCES), str(net), draw(_HOPS), state=state))
    return out


@settings(max_examples=200, deadline=None)
@given(_routes(), st.integers(0, 3), st.integers(0, 3), st.integers(0, 255))
def test_selection_follows_longest_prefix_then_source_priority(
    routes: list[EffectiveRoute], b: int, c: int, d: int
) -> None:
    dest = ipaddress.ip_address(f"10.{b}.{c}.{d}")
    choice = select_route(routes, str(dest))
    active = [
        (ipaddress.ip_network(r.address_prefixes[0]), r)
        for r in routes
        if r.state == "Active" and dest in ipaddress.ip_network(r.address_prefixes[0])
    ]
    if not active:
        assert choice.route is None and choice.drops
        return
    assert choice.route is not None and dest in ipaddress.ip_network(choice.prefix)
    protected = [n for n, r in active if r.source == "Default" and r.next_hop_type in ("VnetLocal", "VNetPeering")]
    eligible = [
        (n, r)
        for n, r in active
        if not (
            protected and r.source == "VirtualNetworkGateway" and n.prefixlen >= min(p.prefixlen for p in protected)
        )
    ]
    longest = max(n.prefixlen for n, _ in eligible)
    assert ipaddress.ip_network(choice.prefix).prefixlen == longest
    rank = {"User": 0, "VirtualNetworkGateway": 1, "Default": 2}
    best = min(rank[r.source] for n, r in eligible if n.prefixlen == longest)
    assert rank[choice.route.source] == best
