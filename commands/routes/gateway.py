"""The answer for a gateway: what it learned (by BGP or from its VNet and static prefixes),
what it advertises to each BGP peer, whether it knows every address space it should reach,
and what its point-to-site clients are handed.

The gateway is read in depth as every command reads it (`commands.judgement`), then its
learned routes (`getLearnedRoutes`, 5–60 s) and what it advertises to each BGP peer
(`getAdvertisedRoutes` needs a peer's address, so it follows `getBgpPeerStatus`). The
findings are the one judgement's, about this gateway; each call that fails is said as such
while the rest is shown. An answer Azure gives that cannot be read as a route table (`{}`,
or one without the gateway's own VNet) leaves every destination unknown, never unreachable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from commands.core.errors import AzureFailure
from commands.core.estate import EstateIndex
from commands.core.model import BgpPeer, Gateway, GatewayRoute, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Context, Fields, Finding, Header, Part, Reply, Table, Text
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.findings.routing.findings import with_commands
from commands.findings.routing.p2s import ExpectedPrefix, p2s_plan
from commands.findings.routing.selection import learned_as_effective, parse_net, select_route
from commands.judgement.estate import Estate, read_in_depth, read_learned, read_peered_vnets
from commands.judgement.judge import judge
from commands.judgement.progress import Progress, gather_with_progress
from commands.judgement.view import head, problems
from commands.routes.lines import coverage_lines, verdict


@dataclass
class _Read:
    """What Azure said about a gateway; each call may have failed on its own (`failures`)."""

    facts: EstateIndex
    learned: list[GatewayRoute] | None  # as Azure answered (None: the call failed)
    usable: bool  # the answer can be read as a route table
    peers: list[BgpPeer]
    advertised: dict[str, list[GatewayRoute]]  # by peer address
    failures: list[tuple[str, AzureFailure]]  # (operation, why)


def gateway_reply(ctx: Ctx, gw: Gateway, est: Estate, dests: Sequence[str]) -> Reply:
    """The answer for `gw`, with the route for each address in `dests` explained."""
    read = _read(ctx, gw, est)
    j = judge(est)
    facts, learned = read.facts, read.learned
    items = j.coverage.get(rid_key(gw.id), [])
    roots = [*_call_findings(gw, read.failures), *j.touching({gw.id})]
    title = f"Routes of gateway {gw.name}"
    count = f"{len(learned)} learned routes" if learned is not None and read.usable else "learned routes unknown"
    gaps = est.gap_lines()
    headline = rich(f"{title}: ", verdict(items) if items else count)
    r = Reply(fallback=rich(f"{title}: {count}"))
    r.add(*head(headline, problems(roots), unread=len(gaps)))
    r.more(Header(title), Context(_about(gw, facts)))
    if items:
        r.more(Text(rich(strong("What ", gw.name, " knows — ", verdict(items)), "\n", coverage_lines(items, True))))
    if learned is not None and not read.usable:
        r.more(Context(rich(Icon.WARNING, " ", _unusable(gw, learned))))
    r.more(*roots)
    plan = p2s_plan(gw, facts) if gw.serves_p2s else []
    if plan:
        r.more(Text(rich(strong("What a point-to-site client of ", gw.name, " gets"), "\n", _plan_lines(plan))))
    if dests and learned is not None and read.usable:
        eff = learned_as_effective(learned)
        explained = [rich(f"• {select_route(eff, d).explanation}") for d in dests]
        r.more(Text(rich(strong("Routes for the addresses asked"), "\n", join("\n", explained))))
    r.more(*_bgp_parts(gw, read))
    if learned is not None:
        r.more(*_learned_parts(gw, learned))
    r.more(*_advertised_tables(gw, read))
    for gap in gaps[:5]:
        r.more(Context(rich(Icon.WARNING, " ", gap)))
    return r


def _unusable(gw: Gateway, learned: Sequence[GatewayRoute]) -> Rich:
    """Why a learned-routes answer cannot be read as a route table."""
    if not learned:
        return rich(
            "Azure answered ",
            code("getLearnedRoutes"),
            " for ",
            code(gw.name),
            " with no routes at all. A gateway always knows its own VNet, so this answer cannot say what it "
            "does not know: every destination stays unknown. Ask again in a minute.",
        )
    return rich(
        "The learned routes Azure returned for ",
        code(gw.name),
        " leave out its own VNet, which a gateway always knows: the answer is incomplete, so what is missing "
        "from it is unknown, not unreachable.",
    )


def _read(ctx: Ctx, gw: Gateway, est: Estate) -> _Read:
    """The gateway in depth (connections, BGP peers, VPN clients), its learned routes, then
    what it advertises to every BGP peer with an address."""
    progress = Progress(ctx)
    read_peered_vnets(ctx, est, progress)
    key = rid_key(gw.id)
    read_in_depth(ctx, est, gw.name, lambda g: rid_key(g.id) == key)
    read_learned(ctx, est, [gw], f"Asking Azure for the learned routes of {gw.name} (5–60 s)")
    got = est.learned.get(key)
    learned = got if isinstance(got, list) else None
    failures: list[tuple[str, AzureFailure]] = [("getLearnedRoutes", got)] if isinstance(got, AzureFailure) else []
    gf = next((x for x in est.depth.facts.gateways if rid_key(x.gateway.id) == key), None) if est.depth else None
    peers = list(gf.bgp_peers or ()) if gf is not None else []
    if gw.enable_bgp and gf is not None and gf.bgp_peers is None:
        failures += [(f.operation, f.error) for f in est.gaps if f.operation == "getBgpPeerStatus" and f.gateway == key]
    advertised = _advertised(ctx, gw, peers, failures)
    return _Read(est.index, learned, est.learned_routes(key) is not None, peers, advertised, failures)


def _advertised(
    ctx: Ctx, gw: Gateway, peers: Sequence[BgpPeer], failures: list[tuple[str, AzureFailure]]
) -> dict[str, list[GatewayRoute]]:
    """What `gw` advertises to each of `peers` (each address once: an active-active gateway
    lists a peer once per instance), by peer address; a failed call joins `failures`."""
    neighbors = list(dict.fromkeys(p.neighbor for p in peers if p.neighbor))
    if not neighbors:
        return {}
    outs = gather_with_progress(
        ctx,
        [partial(ctx.azure.advertised_routes, gw.id, n) for n in neighbors],
        f"Asking Azure what {gw.name} advertises to {len(neighbors)} BGP peer{'s' if len(neighbors) != 1 else ''}",
    )
    advertised: dict[str, list[GatewayRoute]] = {}
    for n, out in zip(neighbors, outs, strict=True):
        if out.ok:
            advertised[n] = list(out.value or [])
        elif out.error is not None:
            failures.append((f"getAdvertisedRoutes to {n}", out.error))
    return advertised


def _about(gw: Gateway, facts: EstateIndex) -> Rich:
    """ "VNet `vnet-eun` 10.0.0.0/16 · northeurope · SKU VpnGw1 · BGP off · P2S pool `172.16.10.0/25`"."""
    about = [rich("VNet ", code(facts.vnet_name(gw.vnet_id)), " " + " ".join(facts.vnet_prefixes(gw.vnet_id)))]
    if gw.location:
        about.append(rich(gw.location))
    if gw.sku:
        about.append(rich(f"SKU {gw.sku}"))
    about.append(
        rich(f"BGP AS {gw.bgp_asn}" if gw.enable_bgp and gw.bgp_asn else ("BGP on" if gw.enable_bgp else "BGP off"))
    )
    if gw.serves_p2s:
        about.append(rich("P2S pool ", join(", ", [code(p) for p in gw.p2s_address_pool])))
    return join(" · ", about)


def _call_findings(gw: Gateway, failures: Sequence[tuple[str, AzureFailure]]) -> list[Finding]:
    """A call about this gateway that failed: what it leaves unknown, and what to do."""
    return [
        Finding(
            severity="warning",
            title=rich(f"{op} on {gw.name} failed"),
            evidence=rich(str(err)),
            next_step=err.advice,
            key=f"routing:gwcall:{rid_key(gw.id)}:{op}",
        )
        for op, err in failures
    ]


def _bgp_parts(gw: Gateway, read: _Read) -> list[Part]:
    """The BGP peers and their state, or why there are none."""
    if read.peers:
        # An active-active gateway reports each peer once per instance: the local address
        # (the instance's BGP address) tells the two sessions apart.
        lines = [
            rich(
                "• ",
                code(p.neighbor),
                f" AS {p.asn if p.asn is not None else '?'}",
                rich(" from instance ", code(p.local_address)) if p.local_address else None,
                f" — {p.state or '?'}",
                f", {p.routes_received} routes received" if p.routes_received else None,
                f", up {p.connected_duration}" if p.connected_duration else None,
            )
            for p in read.peers
        ]
        return [Text(rich(strong("BGP peers"), "\n", join("\n", lines)))]
    if gw.enable_bgp and not any(op == "getBgpPeerStatus" for op, _ in read.failures):
        return [Text(rich("BGP is on, but ", code(gw.name), " reports no BGP peers."))]
    if not gw.enable_bgp:
        return [
            Context(
                rich(
                    "BGP is off on ",
                    code(gw.name),
                    ": it learns only its own VNet and the static prefixes of its connections, and advertises nothing.",
                )
            )
        ]
    return []


def _learned_parts(gw: Gateway, learned: Sequence[GatewayRoute]) -> list[Part]:
    """How many routes by origin, and the learned routes themselves."""
    parts: list[Part] = []
    origins = Counter(x.origin or "?" for x in learned)
    if origins:
        parts.append(Fields(tuple((o, str(n)) for o, n in origins.most_common(10))))
    parts.append(
        Table(
            columns=("Network", "Next hop", "Origin", "AS path", "Source peer", "Weight"),
            rows=tuple(
                (
                    x.network,
                    x.next_hop or "—",
                    x.origin or "—",
                    x.as_path or "—",
                    x.source_peer or "—",
                    "" if x.weight is None else str(x.weight),
                )
                for x in sorted(learned, key=_gw_route_key)
            ),
            caption=rich(strong("Learned routes of ", gw.name), f" ({len(learned)})"),
            filename=f"learned-{gw.name}.txt",
        )
    )
    return parts


def _advertised_tables(gw: Gateway, read: _Read) -> list[Table]:
    """What is advertised to each BGP peer whose advertised routes could be read."""
    tables = []
    for p in read.peers:
        if not p.neighbor or p.neighbor not in read.advertised:
            continue
        routes = read.advertised[p.neighbor]
        tables.append(
            Table(
                columns=("Network", "Next hop", "AS path"),
                rows=tuple((x.network, x.next_hop or "—", x.as_path or "—") for x in sorted(routes, key=_gw_route_key)),
                caption=rich(
                    strong("Advertised to ", p.neighbor),
                    f" (AS {p.asn if p.asn is not None else '?'}, {p.state or '?'}): {len(routes)}",
                ),
                filename=f"advertised-{gw.name}-{p.neighbor}.txt",
            )
        )
    return tables


def _gw_route_key(x: GatewayRoute) -> tuple[int, int, int]:
    n = parse_net(x.network)
    return (n.version, int(n.network_address), n.prefixlen) if n else (9, 0, 0)


_CERTAINTY_MARK = {"always": "✅", "maybe": "❔", "never": "✖️"}


def _plan_lines(plan: Sequence[ExpectedPrefix]) -> Rich:
    """What a P2S client gets, one prefix a line, with the rule and what still breaks it."""
    lines = []
    for e in plan:
        if e.kind == "p2s_pool":
            continue
        word = {"always": "gets", "maybe": "may get", "never": "does not get"}[e.certainty]
        line = rich(f"{_CERTAINTY_MARK[e.certainty]} {word} ", code(e.prefix), " — ", with_commands(e.why))
        if e.caveat:
            line += rich("\n      ↳ ", with_commands(e.caveat))
        lines.append(line)
    return join("\n", lines) or rich("Only its own pool.")
