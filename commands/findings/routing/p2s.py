"""Point-to-site: what a VPN client of a gateway is handed, how that compares with what its
log shows, and which gateway served it.

Azure's rules (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing):
a P2S client gets the gateway VNet's address space and the address spaces of VNets peered
with gateway transit (hub: allowGatewayTransit, spoke: useRemoteGateways), never of VNets
behind a further hop of peering; networks behind S2S / VNet-to-VNet connections reach
non-Windows clients with BGP (static ones depend on the client) and Windows clients only
through manually added routes; plus the gateway's custom routes for P2S clients.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from commands.core.estate import EstateIndex
from commands.core.model import Connection, Gateway, Peering, rid_key
from commands.findings.peerings import pair_causes
from commands.findings.routing.links import bgp_missing, bgp_off, connected, is_vnet2vnet, known, one_way_into
from commands.findings.routing.nat import site_prefixes_via
from commands.findings.routing.selection import covers, overlaps, parse_net

P2S_ROUTING_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing"

# --- what the gateway hands a client ---------------------------------------------------------------

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
    causes: tuple[str, ...] = ()  # keys of the findings behind a caveat or a "never"


def p2s_plan(gateway: Gateway, facts: EstateIndex) -> list[ExpectedPrefix]:
    """Everything Azure's P2S routing rules say about the routes a client of `gateway` gets."""
    out = [*_own(gateway, facts), *_peered(gateway, facts)]
    for conn in facts.connections_from(gateway.id):
        if is_vnet2vnet(conn):
            out += _vnet2vnet(gateway, conn, facts)
        elif conn.local_network_gateway_id:
            out += _site_to_site(gateway, conn, facts)
    out += _incoming(gateway, facts)
    for p in gateway.p2s_address_pool:
        out.append(
            ExpectedPrefix(
                p, f"the P2S address pool of {gateway.name} (the client's own subnet)", "maybe", "p2s_pool", gateway.id
            )
        )
    return _one_per_prefix(out)


_STRENGTH = {"always": 0, "maybe": 1, "never": 2}


def _one_per_prefix(plan: list[ExpectedPrefix]) -> list[ExpectedPrefix]:
    """One entry per prefix: what a client gets is the strongest rule that hands it out
    (a custom route gives for certain what a VNet-to-VNet connection only may give); the
    path the traffic then takes keeps its caveat (a VNet-to-VNet remote still needs a route
    back). A prefix some rule hands out is never also "not given"."""
    by: dict[str, list[ExpectedPrefix]] = {}
    for e in plan:
        by.setdefault(e.prefix, []).append(e)
    out: list[ExpectedPrefix] = []
    for prefix, entries in by.items():
        given = [e for e in entries if e.certainty != "never"]
        if not given:
            out.append(entries[0])
            continue
        best = min(given, key=lambda e: _STRENGTH[e.certainty])
        carrier = next((e for e in given if e.caveat), None)
        if carrier is None or carrier is best:
            out.append(best)
            continue
        why = best.why if best.why == carrier.why else f"{best.why}; it is reached over {carrier.why}"
        out.append(
            ExpectedPrefix(prefix, why, best.certainty, carrier.kind, carrier.source_id, carrier.caveat, carrier.causes)
        )
    return out


def _incoming(gateway: Gateway, facts: EstateIndex) -> list[ExpectedPrefix]:
    """The VNets of one-way VNet-to-VNet connections into `gateway` (`links.one_way_into`):
    destinations the tunnel should bring, and cannot."""
    out: list[ExpectedPrefix] = []
    for c, rgw in one_way_into(facts, gateway):
        why = (
            f"{facts.vnet_name(rgw.vnet_id)} connects to {gateway.name} by {c.name}, but {gateway.name} has no "
            f"connection back to {rgw.name}: a VNet-to-VNet tunnel needs one on each side"
        )
        out += [
            ExpectedPrefix(p, why, "never", "vnet2vnet", rgw.vnet_id, causes=(f"missing_reverse:{rid_key(c.id)}",))
            for p in facts.vnet_prefixes(rgw.vnet_id)
        ]
    return out


def _own(gateway: Gateway, facts: EstateIndex) -> list[ExpectedPrefix]:
    """The gateway VNet's address space and the gateway's custom routes: always."""
    hub = gateway.vnet_id
    hub_name = facts.vnet_name(hub)
    out = [
        ExpectedPrefix(p, f"address space of {hub_name}, the VNet of {gateway.name}", "always", "own_vnet", hub)
        for p in facts.vnet_prefixes(hub)
    ]
    out += [
        ExpectedPrefix(
            p, f"custom route advertised to P2S clients by {gateway.name}", "always", "custom_route", gateway.id
        )
        for p in gateway.p2s_custom_routes
    ]
    return out


def _peered(gateway: Gateway, facts: EstateIndex) -> list[ExpectedPrefix]:
    """Each peered VNet: always with gateway transit, never without (and why)."""
    out: list[ExpectedPrefix] = []
    hub = gateway.vnet_id
    for spoke in facts.peer_keys(hub):
        missing = _no_transit(facts, hub, spoke)
        hub_name, sname = facts.vnet_name(hub), facts.vnet_name(spoke)
        if not missing:
            why = (
                f"{sname} is peered with {hub_name} and uses its gateway "
                f"(allowGatewayTransit on {hub_name}→{sname}, useRemoteGateways on {sname}→{hub_name})"
            )
        else:
            why = f"{sname} is peered with {hub_name}, but " + "; ".join(missing)
        there, back = facts.peering(hub, spoke), facts.peering(spoke, hub)
        causes = _transit_causes(there, back) if missing else ()
        # Neither side asks for transit on a working peering: the spoke is kept away from
        # VPN clients by design, not by mistake.
        plain = bool(missing) and not causes and there is not None and back is not None
        plain = plain and not (there and there.allow_gateway_transit) and not (back and back.use_remote_gateways)
        kind = "peering_plain" if plain else "peering_no_transit" if missing else "transit_peering"
        for p in facts.vnet_prefixes(spoke):
            out.append(ExpectedPrefix(p, why, "never" if missing else "always", kind, spoke, causes=causes))
    return out


def _transit_causes(there: Peering | None, back: Peering | None) -> tuple[str, ...]:
    """The findings that say why transit does not work on a peering pair (hub → spoke
    `there`, spoke → hub `back`): a side missing or not Connected; transit offered and not
    used (topology:transit_unused); used and not offered (peering_transit_not_offered)."""
    broken = pair_causes(there, back)
    if broken or there is None or back is None:
        return broken
    if there.allow_gateway_transit and not back.use_remote_gateways:
        return ("topology:transit_unused:" + "|".join(sorted((rid_key(there.id), rid_key(back.id)))),)
    if back.use_remote_gateways and not there.allow_gateway_transit:
        return (f"peering_transit_not_offered:{rid_key(back.id)}",)
    return ()


def _no_transit(facts: EstateIndex, hub: str, spoke: str) -> list[str]:
    """Why `spoke` does not use the gateway of `hub` (empty when it does)."""
    out_p = facts.peering(hub, spoke)  # hub -> spoke
    back = facts.peering(spoke, hub)  # spoke -> hub
    hub_name, sname = facts.vnet_name(hub), facts.vnet_name(spoke)
    if (
        out_p is not None
        and back is not None
        and connected(out_p.state)
        and connected(back.state)
        and out_p.allow_gateway_transit
        and back.use_remote_gateways
    ):
        return []
    missing = []
    if out_p is None or back is None:
        missing.append(
            f"the peering is one-sided ({'no ' + hub_name + '→' + sname if out_p is None else 'no ' + sname + '→' + hub_name})"
        )
    else:
        if not (connected(out_p.state) and connected(back.state)):
            missing.append(f"the peering is {out_p.state or back.state or 'not Connected'}")
        if not out_p.allow_gateway_transit:
            missing.append(f"allowGatewayTransit is off on {hub_name}→{sname}")
        if not back.use_remote_gateways:
            missing.append(f"useRemoteGateways is off on {sname}→{hub_name}")
    if facts.vpn_gateways_in(spoke):
        missing.append(f"{sname} has its own gateway, and a VNet with a gateway cannot use a remote one")
    return missing


def _status(conn: Connection) -> str:
    """A connection known not to be Connected, in words; "" otherwise."""
    return "" if connected(conn.status) or not known(conn.status) else f"connection {conn.name} is {conn.status}"


def _pool(gateway: Gateway) -> str:
    return ", ".join(gateway.p2s_address_pool) or "the P2S pool"


def _vnet2vnet(gateway: Gateway, conn: Connection, facts: EstateIndex) -> list[ExpectedPrefix]:
    """The remote VNet of a VNet-to-VNet connection: maybe, and what breaks it without BGP."""
    rgw = facts.gateway_by_key.get(rid_key(conn.gateway2_id))
    if rgw is None:
        return []
    reverse = facts.connection_between(rgw.id, gateway.id)
    missing = bgp_missing(gateway, rgw, conn, reverse)
    bgp = not missing and reverse is not None
    rname = facts.vnet_name(rgw.vnet_id)
    status = _status(conn)
    caveats = [status] if status else []
    causes = [f"down:{rid_key(conn.id)}"] if status else []
    if reverse is None:
        caveats.append(
            f"there is no connection from {rgw.name} back to {gateway.name} (VNet-to-VNet needs one per direction)"
        )
        causes.insert(0, f"missing_reverse:{rid_key(conn.id)}")
    elif 0 < len(missing) < 4:
        causes.append("bgp_one_side:" + "|".join(sorted({rid_key(conn.id), rid_key(reverse.id)})))
    if not bgp:
        caveats.append(
            f"{bgp_off(missing)}, so {rgw.name} learns only {facts.vnet_name(gateway.vnet_id)}'s address space over "
            f"this connection, not the P2S pool {_pool(gateway)}: replies from {rname} to P2S clients are dropped "
            "(bytes out, none in)"
        )
    why = f"{rname} is connected by VNet-to-VNet {conn.name}" + (
        " with BGP: non-Windows (OpenVPN/IKEv2) clients get BGP-learned routes; Windows clients need them added by hand"
        if bgp
        else " (static): whether clients get it depends on the client; Windows IKEv2/SSTP clients do not"
    )
    return [
        ExpectedPrefix(p, why, "maybe", "vnet2vnet", rgw.vnet_id, "; ".join(caveats), tuple(causes))
        for p in facts.vnet_prefixes(rgw.vnet_id)
    ]


def _site_to_site(gateway: Gateway, conn: Connection, facts: EstateIndex) -> list[ExpectedPrefix]:
    """The prefixes of a site-to-site connection's local network gateway: maybe."""
    lng = facts.lng_by_key.get(rid_key(conn.local_network_gateway_id))
    if lng is None:
        return []
    bgp = bool(conn.enable_bgp and gateway.enable_bgp)
    status = _status(conn)
    caveats = [status] if status else []
    caveats.append(f"the device behind {lng.name} must route {_pool(gateway)} back through the tunnel")
    why = f"{lng.name} is reached by site-to-site {conn.name}" + (
        " with BGP: non-Windows clients get it; Windows clients need it added by hand"
        if bgp
        else " (static): Azure's P2S routing does not hand static site-to-site prefixes to clients reliably"
    )
    return [
        ExpectedPrefix(p, why, "maybe", "s2s", lng.id, "; ".join(caveats))
        for p in site_prefixes_via(facts, conn, lng)  # as Azure sees them (routing.nat)
    ]


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
        covered = any(covers(g, n) for g in got)
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
        explained = [e for en, e in planned if en is not None and e.certainty != "never" and overlaps(en, n)]
        if explained:
            continue
        never = [e for en, e in planned if en is not None and e.certainty == "never" and overlaps(en, n)]
        if never:
            why = f"Azure would not push it: {never[0].why}. It may come from the client profile (<includeroutes>) or another gateway"
        else:
            why = "nothing in the estate explains it: a route in the client profile (<includeroutes>), or the log comes from another gateway"
        checks.append(RouteCheck(p, "unexpected", why, "", never[0].kind if never else ""))
    return checks


# --- which gateway served a client ----------------------------------------------------------------

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
                if n is not None and covers(n, ip):
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
