"""The answer for a gateway: what it learned (by BGP or from its VNet and static prefixes),
what it advertises to each BGP peer, whether it knows every address space it should reach,
and what its point-to-site clients are handed.

`getLearnedRoutes` and `getAdvertisedRoutes` are long-running operations (5–60 s);
`getAdvertisedRoutes` needs a peer's address, so it follows `getBgpPeerStatus`. Each call
that fails is a finding of its own while the rest is shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from commands.core.errors import AzureFailure
from commands.core.estate import EstateIndex
from commands.core.model import BgpPeer, Gateway, GatewayRoute, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Context, Fields, Finding, Header, Part, Reply, Table, Text
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.findings import ranked
from commands.findings.routing.coverage import CoverageTarget, coverage
from commands.findings.routing.findings import coverage_findings, with_commands
from commands.findings.routing.p2s import P2S_ROUTING_DOC, ExpectedPrefix, p2s_plan
from commands.findings.routing.selection import learned_as_effective, parse_net, select_route
from commands.routes.estate import Estate, gather_with_progress, near_connections, with_status
from commands.routes.lines import coverage_lines, verdict


@dataclass
class _Read:
    """What Azure said about a gateway; each call may have failed on its own (`failures`)."""

    facts: EstateIndex
    learned: list[GatewayRoute] | None
    peers: list[BgpPeer]
    advertised: dict[str, list[GatewayRoute]]  # by peer address
    failures: list[tuple[str, AzureFailure]]  # (operation, why)
    gaps: list[Rich]


def gateway_reply(ctx: Ctx, gw: Gateway, estate: Estate, dests: Sequence[str]) -> Reply:
    """The answer for `gw`, with the route for each address in `dests` explained."""
    read = _read(ctx, gw, estate)
    facts, learned = read.facts, read.learned
    title = f"Routes of gateway {gw.name}"
    r = Reply(fallback=rich(f"{title}: {len(learned) if learned is not None else '?'} learned routes"))
    r.add(Header(title), Context(_about(gw, facts)))
    target = CoverageTarget(
        vnet_id=gw.vnet_id,
        name=gw.name,
        routes=tuple(learned_as_effective(learned)) if learned is not None else None,
        kind="gateway",
    )
    items = coverage(target, facts) if gw.vnet_id else []
    if items:
        r.add(Text(rich(strong("What ", gw.name, " knows — ", verdict(items)), "\n", coverage_lines(items, True))))
    plan = p2s_plan(gw, facts) if gw.serves_p2s else []
    r.add(
        *ranked(
            [
                *_call_findings(gw, read.failures),
                *coverage_findings(gw.name, rid_key(gw.id), items),
                *_plan_findings(gw, plan),
            ]
        )
    )
    if plan:
        r.add(Text(rich(strong("What a point-to-site client of ", gw.name, " gets"), "\n", _plan_lines(plan))))
    if dests and learned is not None:
        eff = learned_as_effective(learned)
        explained = [rich(f"• {select_route(eff, d).explanation}") for d in dests]
        r.add(Text(rich(strong("Routes for the addresses asked"), "\n", join("\n", explained))))
    r.add(*_bgp_parts(gw, read))
    if learned is not None:
        r.add(*_learned_parts(gw, learned))
    r.add(*_advertised_tables(gw, read))
    for gap in read.gaps[:5]:
        r.add(Context(rich(Icon.WARNING, " ", gap)))
    return r


def _read(ctx: Ctx, gw: Gateway, estate: Estate) -> _Read:
    """Learned routes, BGP peers (when BGP is on) and the nearby connections' status, then
    what is advertised to every peer with an address."""
    near = near_connections(estate, [gw.vnet_id])
    tasks: list[Callable[[], Any]] = [partial(ctx.azure.learned_routes, gw.id)]
    if gw.enable_bgp:
        tasks.append(partial(ctx.azure.bgp_peer_status, gw.id))
    first = len(tasks)
    tasks += [partial(ctx.azure.connection, c.id) for c in near]
    outs = gather_with_progress(ctx, tasks, f"Asking Azure for the learned routes of {gw.name} (5–60 s)")
    gaps = list(estate.gaps)
    learned_out = outs[0]
    learned: list[GatewayRoute] | None = learned_out.value if learned_out.ok else None
    peers: list[BgpPeer] = []
    failures: list[tuple[str, AzureFailure]] = []
    if learned_out.error is not None:
        failures.append(("getLearnedRoutes", learned_out.error))
    if gw.enable_bgp:
        if outs[1].ok:
            peers = list(outs[1].value or [])
        elif outs[1].error is not None:
            failures.append(("getBgpPeerStatus", outs[1].error))
    facts = estate.facts(with_status(estate, near, outs[first:], gaps))
    advertised = _advertised(ctx, gw, [p for p in peers if p.neighbor], failures)
    return _Read(facts, learned, peers, advertised, failures, gaps)


def _advertised(
    ctx: Ctx, gw: Gateway, peers: Sequence[BgpPeer], failures: list[tuple[str, AzureFailure]]
) -> dict[str, list[GatewayRoute]]:
    """What `gw` advertises to each of `peers`, by peer address; a failed call joins `failures`."""
    if not peers:
        return {}
    outs = gather_with_progress(
        ctx,
        [partial(ctx.azure.advertised_routes, gw.id, p.neighbor) for p in peers],
        f"Asking Azure what {gw.name} advertises to {len(peers)} BGP peer{'s' if len(peers) != 1 else ''}",
    )
    advertised: dict[str, list[GatewayRoute]] = {}
    for p, out in zip(peers, outs, strict=True):
        if out.ok:
            advertised[p.neighbor] = list(out.value or [])
        elif out.error is not None:
            failures.append((f"getAdvertisedRoutes to {p.neighbor}", out.error))
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
        lines = [
            rich(
                "• ",
                code(p.neighbor),
                f" AS {p.asn if p.asn is not None else '?'} — {p.state or '?'}",
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


def _plan_findings(gw: Gateway, plan: Sequence[ExpectedPrefix]) -> list[Finding]:
    """A VNet-to-VNet remote P2S clients get a route to, but whose replies are dropped."""
    return [
        Finding(
            severity="warning",
            title=rich(f"Point-to-site clients of {gw.name} may get {e.prefix}, but traffic cannot get through"),
            evidence=rich("• ", with_commands(e.caveat)),
            next_step=rich(
                "Enable BGP on both gateways and both connections, or peer the VNets with gateway transit "
                "(then only one region's gateway serves the clients)."
            ),
            doc_url=P2S_ROUTING_DOC,
            key=f"routing:p2s_oneway:{rid_key(gw.id)}:{e.prefix}",
        )
        for e in plan
        if e.kind == "vnet2vnet" and e.caveat
    ]
