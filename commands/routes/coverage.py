"""What a NIC, a gateway or a point-to-site client should reach, and whether it does.

Pure functions over `commands.core.model` dataclasses, reusable by `/vpn routes`, `/vpn diagnose`
and the SQL checklist ("route from the P2S pool to the endpoint").

Azure's rules followed here:
- Route selection (https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#how-azure-selects-a-route):
  longest prefix match over the Active routes; for equal prefixes User > BGP (gateway) >
  System; and system routes for the VNet itself, VNet peerings and service endpoints are
  preferred even over *more specific* BGP routes.
- Point-to-site routing (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing):
  a P2S client gets the gateway VNet's address space and the address spaces of VNets peered
  with gateway transit (hub: allowGatewayTransit, spoke: useRemoteGateways), never of VNets
  behind a further hop of peering; networks behind S2S / VNet-to-VNet connections reach
  non-Windows clients with BGP (static ones depend on the client) and Windows clients only
  through manually added routes; plus the gateway's custom routes for P2S clients.
- A static VNet-to-VNet connection carries only the two VNets' address spaces: the remote
  gateway learns neither the P2S pool nor spokes behind the local gateway without BGP.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from commands.core.estate import EstateIndex
from commands.core.model import (
    Connection,
    EffectiveRoute,
    Gateway,
    GatewayRoute,
    LocalNetworkGateway,
    Peering,
    VirtualNetwork,
    name_of,
    rid_key,
)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ROUTE_SELECTION_DOC = (
    "https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#how-azure-selects-a-route"
)
P2S_ROUTING_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing"
GATEWAY_TRANSIT_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit"
VNET2VNET_BGP_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-resource-manager-ps"

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


def _covers(outer: IPNetwork, inner: IPNetwork) -> bool:
    return outer.version == inner.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def _overlaps(a: IPNetwork, b: IPNetwork) -> bool:
    return a.version == b.version and a.overlaps(b)


def describe_route(prefix: str, route: EffectiveRoute) -> str:
    """ "10.0.0.0/16 → VirtualNetworkGateway 10.1.255.4 (VirtualNetworkGateway route)"."""
    hop = route.next_hop_type or "?"
    ips = f" {', '.join(route.next_hop_ips)}" if route.next_hop_ips else ""
    named = f" '{route.name}'" if route.name else ""
    return f"{prefix} → {hop}{ips} ({route.source}{named} route)"


# --- route selection ---------------------------------------------------------------------------


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
    matching = [(n, r) for n, r in active if _covers(n, dest)]
    inside = tuple((str(n), r) for n, r in active if n != dest and _covers(dest, n) and n.prefixlen > dest.prefixlen)
    # Invalid routes that would have covered the destination (Azure overrode or disabled them).
    invalid = sum(
        1
        for r in routes
        if (r.state or "").lower() == "invalid"
        and any((n := parse_net(p)) is not None and _covers(n, dest) for p in r.address_prefixes)
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


def _connected(state: str) -> bool:
    return (state or "").lower() == "connected"


def _known(state: str) -> bool:
    return (state or "unknown").lower() != "unknown"


# --- point-to-site: what the gateway hands a client ------------------------------------------------

Certainty = Literal["always", "maybe", "never"]


@dataclass(frozen=True)
class ExpectedPrefix:
    """A prefix a P2S client of a gateway gets (always), may get (maybe), or does not get (never).

    `why` says which rule; `caveat` what still breaks the path (e.g. no return route).
    """

    prefix: str
    why: str
    certainty: Certainty
    kind: str  # own_vnet | transit_peering | peering_no_transit | custom_route | vnet2vnet | s2s | p2s_pool
    source_id: str = ""
    caveat: str = ""

    def __iter__(self) -> Iterator[str]:
        """Unpacks as (prefix, why), the shape `/vpn diagnose` and the checklist use."""
        return iter((self.prefix, self.why))


def _bgp_missing(a: Gateway, b: Gateway, conn: Connection, back: Connection | None) -> list[str]:
    """Where BGP is off between two gateways: it must be on for both gateways and both
    connections of a VNet-to-VNet pair, or no route is exchanged."""
    out = [g.name for g in (a, b) if not g.enable_bgp]
    out += [c.name for c in (conn, back) if c is not None and not c.enable_bgp]
    return out


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _bgp_off(missing: list[str]) -> str:
    if len(missing) == 4 or not missing:
        return "BGP is off on both gateways and both connections"
    return "BGP is off on " + _and(missing)


def p2s_plan(gateway: Gateway, facts: EstateIndex) -> list[ExpectedPrefix]:
    """Everything Azure's P2S routing rules say about the routes a client of `gateway` gets."""
    out: list[ExpectedPrefix] = []
    hub = gateway.vnet_id
    hub_name = facts.vnet_name(hub)
    pool = ", ".join(gateway.p2s_address_pool) or "the P2S pool"
    for p in facts.vnet_prefixes(hub):
        out.append(
            ExpectedPrefix(p, f"address space of {hub_name}, the VNet of {gateway.name}", "always", "own_vnet", hub)
        )
    for p in gateway.p2s_custom_routes:
        out.append(
            ExpectedPrefix(
                p, f"custom route advertised to P2S clients by {gateway.name}", "always", "custom_route", gateway.id
            )
        )
    for spoke in facts.peer_keys(hub):
        out_p = facts.peering(hub, spoke)  # hub -> spoke
        back = facts.peering(spoke, hub)  # spoke -> hub
        sname = facts.vnet_name(spoke)
        ok = (
            out_p is not None
            and back is not None
            and _connected(out_p.state)
            and _connected(back.state)
            and out_p.allow_gateway_transit
            and back.use_remote_gateways
        )
        if ok:
            why = (
                f"{sname} is peered with {hub_name} and uses its gateway "
                f"(allowGatewayTransit on {hub_name}→{sname}, useRemoteGateways on {sname}→{hub_name})"
            )
        else:
            missing = []
            if out_p is None or back is None:
                missing.append(
                    f"the peering is one-sided ({'no ' + hub_name + '→' + sname if out_p is None else 'no ' + sname + '→' + hub_name})"
                )
            else:
                if not (_connected(out_p.state) and _connected(back.state)):
                    missing.append(f"the peering is {out_p.state or back.state or 'not Connected'}")
                if not out_p.allow_gateway_transit:
                    missing.append(f"allowGatewayTransit is off on {hub_name}→{sname}")
                if not back.use_remote_gateways:
                    missing.append(f"useRemoteGateways is off on {sname}→{hub_name}")
            if facts.vpn_gateways_in(spoke):
                missing.append(f"{sname} has its own gateway, and a VNet with a gateway cannot use a remote one")
            why = f"{sname} is peered with {hub_name}, but " + "; ".join(missing)
        for p in facts.vnet_prefixes(spoke):
            out.append(
                ExpectedPrefix(
                    p, why, "always" if ok else "never", "transit_peering" if ok else "peering_no_transit", spoke
                )
            )
    for conn in facts.connections_from(gateway.id):
        status = (
            "" if _connected(conn.status) or not _known(conn.status) else f"connection {conn.name} is {conn.status}"
        )
        ctype = (conn.connection_type or "").lower()
        if ctype == "vnet2vnet" or (conn.gateway2_id and not conn.local_network_gateway_id):
            rgw = facts.gateway_by_key.get(rid_key(conn.gateway2_id))
            if rgw is None:
                continue
            reverse = facts.connection_between(rgw.id, gateway.id)
            missing = _bgp_missing(gateway, rgw, conn, reverse)
            bgp = not missing and reverse is not None
            rname = facts.vnet_name(rgw.vnet_id)
            caveats = [status] if status else []
            if reverse is None:
                caveats.append(
                    f"there is no connection from {rgw.name} back to {gateway.name} (VNet-to-VNet needs one per direction)"
                )
            if not bgp:
                caveats.append(
                    f"{_bgp_off(missing)}, so {rgw.name} learns only {hub_name}'s address space over this connection, "
                    f"not the P2S pool {pool}: replies from {rname} to P2S clients are dropped (bytes out, none in)"
                )
            why = f"{rname} is connected by VNet-to-VNet {conn.name}" + (
                " with BGP: non-Windows (OpenVPN/IKEv2) clients get BGP-learned routes; Windows clients need them added by hand"
                if bgp
                else " (static): whether clients get it depends on the client; Windows IKEv2/SSTP clients do not"
            )
            for p in facts.vnet_prefixes(rgw.vnet_id):
                out.append(ExpectedPrefix(p, why, "maybe", "vnet2vnet", rgw.vnet_id, "; ".join(caveats)))
        elif conn.local_network_gateway_id:
            lng = facts.lng_by_key.get(rid_key(conn.local_network_gateway_id))
            if lng is None:
                continue
            bgp = bool(conn.enable_bgp and gateway.enable_bgp)
            caveats = [status] if status else []
            caveats.append(f"the device behind {lng.name} must route {pool} back through the tunnel")
            why = f"{lng.name} is reached by site-to-site {conn.name}" + (
                " with BGP: non-Windows clients get it; Windows clients need it added by hand"
                if bgp
                else " (static): Azure's P2S routing does not hand static site-to-site prefixes to clients reliably"
            )
            for p in lng.address_prefixes:
                out.append(ExpectedPrefix(p, why, "maybe", "s2s", lng.id, "; ".join(caveats)))
    for p in gateway.p2s_address_pool:
        out.append(
            ExpectedPrefix(
                p, f"the P2S address pool of {gateway.name} (the client's own subnet)", "maybe", "p2s_pool", gateway.id
            )
        )
    # A VNet both peered (without transit) and connected by VNet-to-VNet is reached the second way.
    given = {e.prefix for e in out if e.certainty != "never"}
    out = [e for e in out if e.certainty != "never" or e.prefix not in given]
    return out


def p2s_expected_prefixes(
    gateway: Gateway,
    vnets: Iterable[VirtualNetwork],
    peerings: Iterable[Peering] = (),
    connections: Iterable[Connection] = (),
    local_gateways: Iterable[LocalNetworkGateway] = (),
    gateways: Iterable[Gateway] = (),
) -> list[ExpectedPrefix]:
    """The prefixes a P2S client of `gateway` gets ("always") or may get ("maybe").

    Each item unpacks as `(prefix, why)`. `gateways` lets VNet-to-VNet remotes be resolved.
    """
    gws = tuple(gateways)
    if rid_key(gateway.id) not in {rid_key(g.id) for g in gws}:
        gws = (*gws, gateway)
    facts = EstateIndex(
        vnets=tuple(vnets),
        gateways=gws,
        connections=tuple(connections),
        local_gateways=tuple(local_gateways),
        peerings=tuple(peerings),
    )
    return [e for e in p2s_plan(gateway, facts) if e.certainty != "never"]


def p2s_route_to(ip: str, gateway: Gateway, facts: EstateIndex) -> ExpectedPrefix | None:
    """The most specific prefix a P2S client of `gateway` gets or may get that covers `ip`
    ("always" preferred over "maybe"); None when no route would be pushed for it."""
    dest = parse_net(ip)
    if dest is None:
        return None
    best: tuple[int, int, ExpectedPrefix] | None = None
    for e in p2s_plan(gateway, facts):
        n = parse_net(e.prefix)
        if e.certainty == "never" or e.kind == "p2s_pool" or n is None or not _covers(n, dest):
            continue
        score = (0 if e.certainty == "always" else 1, -n.prefixlen)
        if best is None or score < best[:2]:
            best = (*score, e)
    return best[2] if best else None


# --- comparing with what a client received ---------------------------------------------------------

Verdict = Literal["ok", "missing", "not_pushed", "unexpected"]


@dataclass(frozen=True)
class RouteCheck:
    """One line of the comparison between the plan and a client's log."""

    prefix: str
    verdict: Verdict  # ok: received as expected; missing: an "always" prefix not received;
    # not_pushed: a "maybe" prefix not received; unexpected: received, nothing explains it
    why: str
    caveat: str = ""
    kind: str = ""


def compare_client_routes(
    plan: Sequence[ExpectedPrefix], received: Sequence[str], interface: str = ""
) -> list[RouteCheck]:
    """Compare `received` prefixes (plus the client's `interface` subnet) with the plan."""
    got = [n for n in (parse_net(p) for p in [*received, *([interface] if interface else [])]) if n is not None]
    checks: list[RouteCheck] = []
    for e in plan:
        n = parse_net(e.prefix)
        if n is None or e.certainty == "never":
            continue
        covered = any(_covers(g, n) for g in got)
        if covered:
            checks.append(RouteCheck(e.prefix, "ok", e.why, e.caveat, e.kind))
        elif e.certainty == "always":
            checks.append(RouteCheck(e.prefix, "missing", e.why, e.caveat, e.kind))
        elif e.kind != "p2s_pool":
            checks.append(RouteCheck(e.prefix, "not_pushed", e.why, e.caveat, e.kind))
    planned = [(parse_net(e.prefix), e) for e in plan]
    for p in received:
        n = parse_net(p)
        if n is None:
            continue
        explained = [e for en, e in planned if en is not None and e.certainty != "never" and _overlaps(en, n)]
        if explained:
            continue
        never = [e for en, e in planned if en is not None and e.certainty == "never" and _overlaps(en, n)]
        if never:
            why = f"Azure would not push it: {never[0].why}. It may come from the client profile (<includeroutes>) or another gateway"
        else:
            why = "nothing in the estate explains it: a route in the client profile (<includeroutes>), or the log comes from another gateway"
        checks.append(RouteCheck(p, "unexpected", why, "", never[0].kind if never else ""))
    return checks


_GENERIC_WORDS = frozenset(
    {
        "vnet",
        "vgw",
        "gw",
        "gateway",
        "vpn",
        "p2s",
        "hub",
        "spoke",
        "net",
        "network",
        "azure",
        "prod",
        "dev",
        "test",
        "rg",
    }
)


def _tokens(name: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", name.lower()) if t and t not in _GENERIC_WORDS and not t.isdigit()}


@dataclass(frozen=True)
class GatewayMatch:
    gateway: Gateway | None
    how: str  # "assigned address 172.16.10.2 is in the P2S pool 172.16.10.0/25" / "profile name …"
    candidates: tuple[Gateway, ...] = ()


def match_gateway(
    assigned_ip: str, profiles: Sequence[str], gateways: Sequence[Gateway], facts: EstateIndex
) -> GatewayMatch:
    """Which gateway served a client: its address inside a P2S pool first, else the profile name."""
    p2s = [g for g in gateways if g.serves_p2s]
    by_pool: list[tuple[Gateway, str]] = []
    ip = parse_net(assigned_ip) if assigned_ip else None
    if ip is not None:
        for g in p2s:
            for pool in g.p2s_address_pool:
                n = parse_net(pool)
                if n is not None and _covers(n, ip):
                    by_pool.append((g, pool))
                    break

    def names(g: Gateway) -> list[str]:
        return [g.name.lower(), facts.vnet_name(g.vnet_id).lower()]

    def by_profile(cands: Sequence[Gateway]) -> list[Gateway]:
        wanted = [p.lower() for p in profiles if p]
        exact = [g for g in cands if any(w in names(g) for w in wanted)]
        if exact:
            return exact
        # Profile names are the user's ("hub-eun"); share a distinctive word with the
        # gateway's or its VNet's name ("vgw-eun", "vnet-eun"): region or site, not "vnet".
        want = {t for w in wanted for t in _tokens(w)}
        scored = [(len(want & {t for n in names(g) for t in _tokens(n)}), g) for g in cands]
        best = max((s for s, _ in scored), default=0)
        return [g for s, g in scored if s == best] if best else []

    if len(by_pool) == 1:
        g, pool = by_pool[0]
        return GatewayMatch(g, f"assigned address {assigned_ip} is in the P2S pool {pool} of {g.name}")
    if len(by_pool) > 1:
        narrowed = by_profile([g for g, _ in by_pool])
        if len(narrowed) == 1:
            return GatewayMatch(
                narrowed[0],
                f"assigned address {assigned_ip} is in the P2S pools of {len(by_pool)} gateways; the profile name "
                f"{profiles[0]} matches {narrowed[0].name}",
                tuple(g for g, _ in by_pool),
            )
        return GatewayMatch(
            None,
            f"assigned address {assigned_ip} is in the P2S pools of several gateways",
            tuple(g for g, _ in by_pool),
        )
    if profiles:
        named = by_profile(p2s or list(gateways))
        if len(named) == 1:
            extra = (
                f" (its P2S pool {', '.join(named[0].p2s_address_pool)} does not contain {assigned_ip})" if ip else ""
            )
            return GatewayMatch(named[0], f"profile name {profiles[0]} matches {named[0].name}{extra}")
        if len(named) > 1:
            return GatewayMatch(None, f"profile name {profiles[0]} matches several gateways", tuple(named))
    return GatewayMatch(
        None, "no gateway's P2S pool contains the assigned address and no gateway matches the profile name", tuple(p2s)
    )


# --- coverage of a NIC / gateway ---------------------------------------------------------------------

Status = Literal["reached", "partial", "not_reached", "unknown"]


@dataclass(frozen=True)
class CoverageTarget:
    """Where traffic starts. `routes` None = the routes could not be read (status "unknown")."""

    vnet_id: str
    name: str = ""
    routes: tuple[EffectiveRoute, ...] | None = None
    subnet_ids: tuple[str, ...] = ()
    kind: Literal["nic", "gateway"] = "nic"


@dataclass(frozen=True)
class CoverageItem:
    prefix: str
    label: str  # "vnet-eun", "P2S pool of vgw-eun", "pe-sql-eun (sql-eun)"
    kind: str  # own_vnet | peering | transit | vnet2vnet | s2s | p2s_pool | private_endpoint
    via: str  # the path it should take, in words
    status: Status
    route: RouteChoice | None = None
    reasons: tuple[str, ...] = ()  # why it is not reached, most likely first
    fixes: tuple[str, ...] = ()  # what to do, for the reasons above
    notes: tuple[str, ...] = ()  # caveats even when reached
    source_id: str = ""

    @property
    def reached(self) -> bool:
        return self.status == "reached"


@dataclass
class _Intent:
    prefixes: tuple[str, ...]
    label: str
    kind: str
    via: str
    hops: frozenset[str]
    source_id: str = ""
    blockers: list[tuple[str, str]] = field(default_factory=list)  # (reason, fix)
    notes: list[str] = field(default_factory=list)
    # Configured statically (peering, static connection): a gateway's learned routes need
    # not list it, so for a gateway target the configuration decides.
    static: bool = False


def _peering_intents(facts: EstateIndex, vnet_id: str, vname: str) -> list[_Intent]:
    out = []
    for rkey in facts.peer_keys(vnet_id):
        there = facts.peering(vnet_id, rkey)
        back = facts.peering(rkey, vnet_id)
        rid = (there.remote_vnet_id if there else back.vnet_id if back else rkey) or rkey
        rname = facts.vnet_name(rid)
        it = _Intent(
            prefixes=facts.vnet_prefixes(rid) or (there.remote_address_prefixes if there else ()),
            label=rname,
            kind="peering",
            via=f"peering {vname}→{rname}",
            hops=PEERING_HOPS,
            source_id=rid,
        )
        if there is None:
            it.blockers.append(
                (
                    f"no peering from {vname} to {rname} (only {rname}→{vname} exists, {back.state if back else '?'})",
                    f"create the peering {vname}→{rname}; both directions are needed",
                )
            )
        else:
            if not _connected(there.state):
                if back is None:
                    it.blockers.append(
                        (
                            f"peering {vname}→{rname} is {there.state or 'not Connected'}: there is no peering back from {rname}",
                            f"create the peering {rname}→{vname}",
                        )
                    )
                else:
                    it.blockers.append(
                        (
                            f"peering {vname}→{rname} is {there.state or 'not Connected'}",
                            "delete and re-create the side that is Disconnected; a peering is Connected only when both sides exist",
                        )
                    )
            if not there.allow_virtual_network_access:
                it.blockers.append(
                    (
                        f"allowVirtualNetworkAccess is off on {vname}→{rname}",
                        f"/vpn peering {vname}/{there.name} allowVirtualNetworkAccess on",
                    )
                )
            if there.sync_level and there.sync_level.lower() not in ("fullyinsync", ""):
                it.notes.append(
                    f"peering {vname}→{rname} is {there.sync_level}: address spaces changed, sync the peering"
                )
        if back is not None and not back.allow_virtual_network_access:
            it.notes.append(
                f"allowVirtualNetworkAccess is off on {rname}→{vname}: {rname} cannot start connections to {vname}"
            )
        out.append(it)
    return out


def _gateway_intents(
    facts: EstateIndex,
    gw: Gateway,
    via: str,
    base: Sequence[tuple[str, str]],
    target_vnet: str,
    include_pool: bool = True,
) -> list[_Intent]:
    """What traffic reaches through gateway `gw` (own or remote via transit)."""
    out: list[_Intent] = []
    in_gw_vnet = rid_key(target_vnet) == rid_key(gw.vnet_id)
    tname = facts.vnet_name(target_vnet)
    if include_pool:
        for pool in gw.p2s_address_pool:
            out.append(_Intent((pool,), f"P2S pool of {gw.name}", "p2s_pool", via, GATEWAY_HOPS, gw.id, list(base)))
    for conn in facts.connections_from(gw.id):
        blockers = list(base)
        notes: list[str] = []
        if _known(conn.status) and not _connected(conn.status):
            blockers.append(
                (
                    f"connection {conn.name} is {conn.status}",
                    f"check the shared key and the remote side (/vpn status {gw.name})",
                )
            )
        elif not _known(conn.status):
            notes.append(f"the status of {conn.name} could not be read")
        ctype = (conn.connection_type or "").lower()
        if ctype == "vnet2vnet" or (conn.gateway2_id and not conn.local_network_gateway_id):
            rgw = facts.gateway_by_key.get(rid_key(conn.gateway2_id))
            if rgw is None:
                continue
            back = facts.connection_between(rgw.id, gw.id)
            if back is None:
                blockers.append(
                    (
                        f"there is no connection from {rgw.name} back to {gw.name}",
                        f"create the VNet-to-VNet connection {rgw.name}→{gw.name} with the same shared key: each direction needs its own",
                    )
                )
            elif _known(back.status) and not _connected(back.status):
                blockers.append(
                    (f"the reverse connection {back.name} is {back.status}", "check its shared key matches")
                )
            missing = _bgp_missing(gw, rgw, conn, back)
            bgp = not missing and back is not None
            rvnet = rgw.vnet_id
            rname = facts.vnet_name(rvnet)
            vblock = list(blockers)
            if not in_gw_vnet and not bgp:
                vblock.append(
                    (
                        f"{rname} has no route back to {tname}: {_bgp_off(missing)}, and a static VNet-to-VNet "
                        f"connection carries only {facts.vnet_name(gw.vnet_id)}'s address space",
                        "enable BGP on both gateways and both connections, or peer the VNets directly",
                    )
                )
            out.append(
                _Intent(
                    facts.vnet_prefixes(rvnet),
                    rname,
                    "vnet2vnet",
                    f"{via}, VNet-to-VNet {conn.name}",
                    GATEWAY_HOPS,
                    rvnet,
                    vblock,
                    list(notes),
                    static=not bgp,
                )
            )
            for pool in rgw.p2s_address_pool:
                pblock = list(blockers)
                if not bgp:
                    pblock.append(
                        (
                            f"{gw.name} learns only {rname}'s address space over {conn.name}, not {rgw.name}'s P2S "
                            f"pool: {_bgp_off(missing)}",
                            "turn BGP on for "
                            + (_and(missing) if 0 < len(missing) < 4 else "both gateways and both connections")
                            + " (the pool is then advertised), or join the VNets by peering with gateway transit",
                        )
                    )
                out.append(
                    _Intent(
                        (pool,),
                        f"P2S pool of {rgw.name}",
                        "p2s_pool",
                        f"{via}, VNet-to-VNet {conn.name}",
                        GATEWAY_HOPS,
                        rgw.id,
                        pblock,
                        list(notes),
                    )
                )
        elif conn.local_network_gateway_id:
            lng = facts.lng_by_key.get(rid_key(conn.local_network_gateway_id))
            if lng is None:
                continue
            prefixes = list(lng.address_prefixes)
            if conn.enable_bgp and lng.bgp_peering_address:
                prefixes.append(f"{lng.bgp_peering_address}/32")
            if not in_gw_vnet:
                notes.append(f"the device behind {lng.name} must route {tname}'s address space back through the tunnel")
            out.append(
                _Intent(
                    tuple(prefixes),
                    lng.name,
                    "s2s",
                    f"{via}, site-to-site {conn.name}",
                    GATEWAY_HOPS,
                    lng.id,
                    blockers,
                    notes,
                    static=not (conn.enable_bgp and gw.enable_bgp),
                )
            )
    return out


def _intents(facts: EstateIndex, target: CoverageTarget) -> list[_Intent]:
    vid = target.vnet_id
    vname = facts.vnet_name(vid)
    intents = [
        _Intent(facts.vnet_prefixes(vid), vname, "own_vnet", f"its own VNet {vname}", frozenset({"vnetlocal"}), vid)
    ]
    own_gws = facts.vpn_gateways_in(vid)
    peerings = _peering_intents(facts, vid, vname)
    if target.kind == "gateway":
        # A gateway reaches its VNet, the spokes that use it, and what its connections bring.
        for it in peerings:
            back = facts.peering(it.source_id, vid)
            there = facts.peering(vid, it.source_id)
            if back is not None and back.use_remote_gateways:
                it.kind, it.via, it.hops = "transit", f"spoke {it.label} using {vname}'s gateway", frozenset()
                it.static = True
                if there is not None and not there.allow_gateway_transit:
                    it.blockers.append(
                        (
                            f"allowGatewayTransit is off on {vname}→{it.label}",
                            f"/vpn peering {vname}/{there.name} allowGatewayTransit on",
                        )
                    )
                intents.append(it)
        for g in own_gws:
            intents += _gateway_intents(facts, g, f"{g.name}", [], vid, include_pool=False)
        for it in intents:
            it.hops = frozenset()
        return intents
    intents += peerings
    for g in own_gws:
        intents += _gateway_intents(facts, g, f"its gateway {g.name}", [], vid)
    for rkey in facts.peer_keys(vid):
        there = facts.peering(vid, rkey)
        back = facts.peering(rkey, vid)
        hub_gws = facts.vpn_gateways_in(rkey)
        rname = facts.vnet_name(rkey)
        if not hub_gws:
            if there is not None and there.use_remote_gateways:
                intents.append(
                    _Intent(
                        (),
                        f"gateway of {rname}",
                        "transit",
                        f"gateway transit through {rname}",
                        GATEWAY_HOPS,
                        rkey,
                        [
                            (
                                f"{vname}→{rname} uses remote gateways but {rname} has no VPN gateway",
                                "turn useRemoteGateways off or deploy the gateway",
                            )
                        ],
                    )
                )
            continue
        base: list[tuple[str, str]] = []
        if there is not None and there.use_remote_gateways:
            via = f"gateway transit through {rname}"
            if not (_connected(there.state) and back is not None and _connected(back.state)):
                base.append((f"peering {vname}↔{rname} is not Connected", "fix the peering first"))
            if back is None or not back.allow_gateway_transit:
                base.append(
                    (
                        f"allowGatewayTransit is off on {rname}→{vname}"
                        if back is not None
                        else f"there is no peering {rname}→{vname} to allow gateway transit",
                        f"/vpn peering {rname}/{back.name} allowGatewayTransit on"
                        if back is not None
                        else f"create the peering {rname}→{vname} with allowGatewayTransit",
                    )
                )
        elif own_gws:
            # Azure refuses useRemoteGateways on a VNet that has its own gateway: the seed's trade-off.
            via = f"{rname}'s gateway (not usable: {vname} has its own gateway)"
            base.append(
                (
                    f"{vname} has its own gateway, so it cannot use {rname}'s (useRemoteGateways needs a VNet without one)",
                    f"connect {own_gws[0].name} and {hub_gws[0].name} (VNet-to-VNet with BGP), or remove {own_gws[0].name} "
                    f"and use gateway transit: clients near {vname} then go through {rname}",
                )
            )
        else:
            via = f"gateway transit through {rname}"
            if there is None:
                continue  # the one-sided peering is already reported
            base.append(
                (
                    f"useRemoteGateways is off on {vname}→{rname}, so {vname} does not learn {hub_gws[0].name}'s routes",
                    f"/vpn peering {vname}/{there.name} useRemoteGateways on"
                    + (
                        ""
                        if back is not None and back.allow_gateway_transit
                        else f" (after allowGatewayTransit on {rname}→{vname})"
                    ),
                )
            )
        for g in hub_gws:
            if own_gws and any(facts.connection_between(o.id, g.id) for o in own_gws):
                continue  # reached through our own gateway's connection, listed above
            intents += _gateway_intents(facts, g, via, base, vid)
    # Private endpoints in every VNet the target should reach: their /32 follows each path to
    # that VNet (`coverage` keeps the best path per endpoint).
    paths = [it for it in intents if it.kind in ("own_vnet", "peering", "vnet2vnet")]
    for it in paths:
        for pe in facts.endpoints_in(it.source_id):
            target_names = ", ".join(dict.fromkeys(name_of(c.target_id) for c in pe.connections if c.target_id))
            for ip in pe.private_ips:
                intents.append(
                    _Intent(
                        (f"{ip}/32",),
                        f"{pe.name}" + (f" ({target_names})" if target_names else ""),
                        "private_endpoint",
                        it.via,
                        it.hops | {"interfaceendpoint"},
                        pe.id,
                        list(it.blockers),
                        list(it.notes),
                    )
                )
    return intents


def _quoted(name: str) -> str:
    return f"'{name}' " if name else ""


def _route_reasons(choice: RouteChoice, prefix: str) -> list[tuple[str, str]]:
    r = choice.route
    if r is None:
        return [(f"no Active route covers {prefix}", "add the missing peering / connection, or a route to it")]
    hop = (r.next_hop_type or "").lower()
    if hop in DROP_HOPS and (r.source or "").lower() == "user":
        return [
            (
                f"user route {_quoted(r.name)}{choice.prefix} → None drops it, overriding Azure's routes",
                "remove that route from the subnet's route table or narrow it",
            )
        ]
    if hop in DROP_HOPS:
        return [
            (f"only Azure's default {choice.prefix} → None covers it (no peering, gateway or user route for it)", "")
        ]
    if hop == "internet":
        return [(f"only the Internet route {choice.prefix} covers it (private traffic is not sent into the VPN)", "")]
    return []


def _propagation_reason(facts: EstateIndex, target: CoverageTarget) -> tuple[str, str] | None:
    routes = target.routes or ()
    if any((r.source or "").lower() == "virtualnetworkgateway" for r in routes):
        return None
    for sid in target.subnet_ids:
        s = facts.subnet(sid)
        if s is not None and s.route_table_id:
            return (
                f"the NIC has no gateway routes at all and subnet {s.name} has route table {name_of(s.route_table_id)}: "
                "its 'Propagate gateway routes' is probably off (disableBgpRoutePropagation)",
                f"turn on gateway route propagation on {name_of(s.route_table_id)}, or add user routes to the gateway",
            )
    return None


def _evaluate(facts: EstateIndex, target: CoverageTarget, it: _Intent, prefix: str) -> CoverageItem:
    reasons = [b[0] for b in it.blockers]
    fixes = [b[1] for b in it.blockers if b[1]]
    notes = list(it.notes)
    if target.routes is None:
        return CoverageItem(
            prefix,
            it.label,
            it.kind,
            it.via,
            "not_reached" if reasons else "unknown",
            None,
            tuple(reasons),
            tuple(fixes),
            tuple(notes),
            it.source_id,
        )
    choice = select_route(target.routes, prefix)
    route_reasons = _route_reasons(choice, prefix)
    if target.kind == "gateway" and it.static and route_reasons:
        # Static prefixes (peering, static connections) come from configuration, not from
        # routing protocol; the configuration is the evidence.
        return CoverageItem(
            prefix,
            it.label,
            it.kind,
            it.via,
            "not_reached" if reasons else "reached",
            None,
            tuple(reasons),
            tuple(fixes),
            tuple(notes),
            it.source_id,
        )
    drops_inside = [(p, r) for p, r in choice.inside if (r.next_hop_type or "").lower() in DROP_HOPS]
    if route_reasons:
        status: Status = "not_reached"
        if not reasons:
            if it.hops and it.hops <= GATEWAY_HOPS and (prop := _propagation_reason(facts, target)):
                route_reasons.insert(0, prop)
            elif (choice.route is None or (choice.route.source or "").lower() != "user") and target.kind == "nic":
                route_reasons.append(
                    (
                        "the estate says it should be reachable, yet the NIC has no route: effective routes lag a few "
                        "minutes behind changes, or a route table on the subnet overrides it",
                        "check again in a few minutes",
                    )
                )
        if not it.blockers:  # the estate's own defect is the fix; the route only shows its effect
            fixes += [f for _, f in route_reasons if f]
        reasons += [r for r, _ in route_reasons]
    elif reasons:
        status = "not_reached"
        notes.insert(0, f"Azure still lists a route ({choice.label}), but the path behind it is broken")
    elif drops_inside:
        status = "partial"
        reasons += [f"{r.source} route {_quoted(r.name)}{p} → None drops part of it" for p, r in drops_inside]
        fixes.append("remove or narrow those routes")
    else:
        status = "reached"
        hop = (choice.route.next_hop_type or "").lower() if choice.route else ""
        if it.hops and hop not in it.hops:
            notes.insert(
                0, f"reached through {choice.route.next_hop_type if choice.route else '?'}, not through {it.via}"
            )
    return CoverageItem(
        prefix,
        it.label,
        it.kind,
        it.via,
        status,
        choice,
        tuple(reasons),
        tuple(dict.fromkeys(fixes)),
        tuple(notes),
        it.source_id,
    )


_STATUS_RANK = {"reached": 0, "partial": 1, "unknown": 2, "not_reached": 3}


def _merge(paths: list[CoverageItem]) -> CoverageItem:
    """One destination expected along several paths (peering and VNet-to-VNet): the best
    path stands for it, and the broken ones are named."""
    best = min(paths, key=lambda i: (_STATUS_RANK[i.status], len(i.notes)))
    others = [
        f"the other path, {i.via}, is broken: {i.reasons[0]}"
        for i in paths
        if i is not best and i.status == "not_reached" and i.reasons and best.status != "not_reached"
    ]
    if best.status == "reached":
        # A route that matches one path's next hop is not "unexpected" for another path.
        hops_ok = [i for i in paths if not any(n.startswith("reached through ") for n in i.notes)]
        if hops_ok:
            best = min(hops_ok, key=lambda i: (_STATUS_RANK[i.status], len(i.notes)))
    return dataclasses.replace(best, notes=(*best.notes, *others)) if others else best


def coverage(target: CoverageTarget, facts: EstateIndex) -> list[CoverageItem]:
    """Every address space `target` should reach, each marked reached (by which route) or not
    (with the likely reasons and what to do). Order: own VNet, peerings, gateway paths, endpoints."""
    items: list[CoverageItem] = []
    by_dest: dict[tuple[str, str], list[CoverageItem]] = {}
    for it in _intents(facts, target):
        for prefix in it.prefixes:
            evaluated = _evaluate(facts, target, it, prefix)
            key = (prefix, rid_key(it.source_id) or it.label)
            if key not in by_dest:
                by_dest[key] = []
                items.append(evaluated)
            by_dest[key].append(evaluated)
        if not it.prefixes and it.blockers:
            items.append(
                CoverageItem(
                    "—",
                    it.label,
                    it.kind,
                    it.via,
                    "not_reached",
                    None,
                    tuple(b[0] for b in it.blockers),
                    tuple(b[1] for b in it.blockers if b[1]),
                    tuple(it.notes),
                    it.source_id,
                )
            )
    return [_merge(by_dest[(i.prefix, rid_key(i.source_id) or i.label)]) if i.prefix != "—" else i for i in items]
