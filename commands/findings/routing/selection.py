"""Azure's route selection: which of a NIC's (or a gateway's) routes carries a destination, and why.

The rule (https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#how-azure-selects-a-route):
longest prefix match over the Active routes; for equal prefixes User > BGP (gateway) >
System; and system routes for the VNet itself, VNet peerings and service endpoints are
preferred even over *more specific* BGP routes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from commands.core.model import EffectiveRoute, GatewayRoute

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ROUTE_SELECTION_DOC = (
    "https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#how-azure-selects-a-route"
)

# Equal prefixes: User > BGP (VirtualNetworkGateway) > System (Default).
SOURCE_RANK: dict[str, int] = {"user": 0, "virtualnetworkgateway": 1, "default": 2}
# System routes Azure prefers even over a more specific BGP route (same doc, "Note").
PROTECTED_SYSTEM_HOPS = frozenset(
    {"vnetlocal", "vnetpeering", "vnetglobalpeering", "globalvnetpeering", "virtualnetworkserviceendpoint"}
)
PEERING_HOPS = frozenset({"vnetpeering", "vnetglobalpeering", "globalvnetpeering"})
GATEWAY_HOPS = frozenset({"virtualnetworkgateway"})
DROP_HOPS = frozenset({"none"})


def parse_net(text: str) -> IPNetwork | None:
    """ "10.0.0.0/16" or "10.0.1.4" -> network (host bits cleared); None when unreadable."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def covers(outer: IPNetwork, inner: IPNetwork) -> bool:
    """`inner` lies wholly inside `outer` (never across IP versions)."""
    return outer.version == inner.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def overlaps(a: IPNetwork, b: IPNetwork) -> bool:
    """`a` and `b` share an address (never across IP versions)."""
    return a.version == b.version and a.overlaps(b)


def describe_route(prefix: str, route: EffectiveRoute) -> str:
    """ "10.0.0.0/16 → VirtualNetworkGateway 10.1.255.4 (VirtualNetworkGateway route)"."""
    hop = route.next_hop_type or "?"
    ips = f" {', '.join(route.next_hop_ips)}" if route.next_hop_ips else ""
    named = f" '{route.name}'" if route.name else ""
    return f"{prefix} → {hop}{ips} ({route.source}{named} route)"


@dataclass(frozen=True)
class RouteChoice:
    """The route Azure uses for a destination (an address or a whole prefix), and why."""

    destination: str
    route: EffectiveRoute | None = None
    prefix: str = ""  # the winning route's prefix that matched
    losers: tuple[tuple[str, EffectiveRoute], ...] = ()  # other Active routes covering it
    inside: tuple[tuple[str, EffectiveRoute], ...] = ()  # more specific Active routes inside it
    explanation: str = ""

    @property
    def drops(self) -> bool:
        return self.route is None or (self.route.next_hop_type or "").lower() in DROP_HOPS

    @property
    def label(self) -> str:
        return describe_route(self.prefix, self.route) if self.route else "no route"


def _active(routes: Iterable[EffectiveRoute]) -> list[tuple[IPNetwork, EffectiveRoute]]:
    out = []
    for r in routes:
        if (r.state or "Active").lower() != "active":
            continue
        for p in r.address_prefixes:
            n = parse_net(p)
            if n is not None:
                out.append((n, r))
    return out


def _rank(route: EffectiveRoute) -> int:
    return SOURCE_RANK.get((route.source or "").lower(), 3)


def select_route(routes: Sequence[EffectiveRoute], destination: str) -> RouteChoice:
    """Apply Azure's route selection to `destination` (an IP or a prefix).

    A prefix destination is matched by routes that contain all of it; routes strictly
    inside it are returned in `inside` (they take part of it elsewhere).
    """
    dest = parse_net(destination)
    if dest is None:
        return RouteChoice(destination, explanation=f"{destination} is not an IP address or prefix.")
    active = _active(routes)
    matching = [(n, r) for n, r in active if covers(n, dest)]
    inside = tuple((str(n), r) for n, r in active if n != dest and covers(dest, n) and n.prefixlen > dest.prefixlen)
    # Invalid routes that would have covered the destination (Azure overrode or disabled them).
    invalid = sum(
        1
        for r in routes
        if (r.state or "").lower() == "invalid"
        and any((n := parse_net(p)) is not None and covers(n, dest) for p in r.address_prefixes)
    )
    ignored_note = f" ({invalid} Invalid route{'s' if invalid != 1 else ''} ignored)" if invalid else ""
    if not matching:
        return RouteChoice(
            destination,
            inside=inside,
            explanation=f"No Active route covers {destination}: Azure drops the traffic{ignored_note}.",
        )
    candidates = matching
    protected = [
        (n, r) for n, r in matching if (r.next_hop_type or "").lower() in PROTECTED_SYSTEM_HOPS and _rank(r) == 2
    ]
    bgp_overridden: list[tuple[IPNetwork, EffectiveRoute]] = []
    if protected:
        # Both contain the destination, so a BGP route is either less specific (it loses on
        # length anyway) or at least as specific: then the system route is preferred.
        shortest_protected = min(n.prefixlen for n, _ in protected)
        bgp_overridden = [(n, r) for n, r in matching if _rank(r) == 1 and n.prefixlen >= shortest_protected]
        candidates = [m for m in matching if m not in bgp_overridden]
    longest = max(n.prefixlen for n, _ in candidates)
    tied = sorted((m for m in candidates if m[0].prefixlen == longest), key=lambda m: _rank(m[1]))
    win_net, win = tied[0]
    losers = tuple((str(n), r) for n, r in matching if r is not win or n != win_net)
    # Words: which rule decided.
    why: list[str] = []
    shorter = sorted((m for m in candidates if m[0].prefixlen < longest), key=lambda m: -m[0].prefixlen)
    if shorter:
        why.append(
            f"the longest matching prefix (/{longest}) beats "
            + ", ".join(f"{n} → {r.next_hop_type}" for n, r in shorter[:3])
            + (f" and {len(shorter) - 3} more" if len(shorter) > 3 else "")
        )
    if len(tied) > 1:
        why.append(
            "for the same prefix User > BGP > System, so it wins over "
            + ", ".join(f"the {r.source} route → {r.next_hop_type}" for _, r in tied[1:])
        )
    if bgp_overridden:
        why.append(
            "Azure prefers VNet, peering and service-endpoint system routes over gateway routes, even more specific ones ("
            + ", ".join(str(n) for n, _ in bgp_overridden)
            + ")"
        )
    if not why:
        why.append("the only Active route that covers it")
    if inside:
        why.append(
            "more specific routes take part of it: "
            + ", ".join(f"{p} → {r.next_hop_type}" for p, r in inside[:3])
            + (f" and {len(inside) - 3} more" if len(inside) > 3 else "")
        )
    return RouteChoice(
        destination,
        route=win,
        prefix=str(win_net),
        losers=losers,
        inside=inside,
        explanation=f"{destination} uses {describe_route(str(win_net), win)}: " + "; ".join(why) + f"{ignored_note}.",
    )


def learned_complete(routes: Sequence[GatewayRoute], own_prefixes: Iterable[str]) -> bool:
    """Can this `getLearnedRoutes` answer say what a gateway does NOT know?

    A gateway always lists its own VNet's address space among its learned routes (origin
    Network). An empty answer (ARM often answers `{}`), or one without the gateway's own
    VNet, is not a gateway that knows nothing: it is an answer that cannot be read as a
    route table, so every destination stays unknown rather than unreachable."""
    if not routes:
        return False
    nets = {n for n in (parse_net(r.network) for r in routes) if n is not None}
    own = [n for n in (parse_net(p) for p in own_prefixes) if n is not None]
    return all(n in nets for n in own)


def learned_as_effective(routes: Iterable[GatewayRoute]) -> list[EffectiveRoute]:
    """A gateway's learned routes in the shape `select_route` reads (all Active).

    source = the origin (Network | EBgp | IBgp), name = the source peer."""
    return [
        EffectiveRoute(
            source=r.origin or "Learned",
            state="Active",
            address_prefixes=(r.network,),
            next_hop_type="VirtualNetworkGateway" if r.next_hop else "VnetLocal",
            next_hop_ips=(r.next_hop,) if r.next_hop else (),
            name=r.source_peer,
        )
        for r in routes
    ]
