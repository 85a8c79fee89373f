"""`/vpn diagnose [region|vnet]`: read the whole topology, say what is wrong, why, and what to do instead.

Gathering (every Azure call through `commands.core.fanout.gather`, at most
`settings.concurrency` at a time, progress through `ctx.out.progress`):

1. every subscription's gateways, VNets (with peerings), connections, local network
   gateways, private endpoints, private DNS zones, DNS resolvers and SQL servers — one task
   per subscription and list;
2. the VNets at the far end of in-scope peerings that no list returned (GET each);
3. for the VPN gateways in scope, `commands.status.gather_status`: GET of every connection
   (the list leaves status and counters empty), the reverse halves of VNet-to-VNet pairs,
   shared-key digests (compared, never shown), BGP peers and point-to-site clients.

The findings are composed, not copied: `commands.findings.connections` (through status),
`.peerings.health`, `.dns.assess` and `.topology` — then ranked; when VNets in several
regions are joined for VPN users and that is what hurts, the design options follow.
Whatever could not be read is said, with `AzureFailure.advice`, and the rest is answered.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from commands.core import regions
from commands.core.errors import AzureFailure, UsageError
from commands.core.estate import EstateIndex, FactFailure, read_lists
from commands.core.fanout import gather
from commands.core.lookup import by_name
from commands.core.model import (
    Connection,
    DnsResolver,
    Gateway,
    LocalNetworkGateway,
    PrivateDnsZone,
    PrivateEndpoint,
    SqlServer,
    Subscription,
    VirtualNetwork,
    name_of,
    rid_key,
)
from commands.core.port import AzurePort
from commands.core.registry import Ctx, command
from commands.core.reply import (
    Context,
    Divider,
    Finding,
    Header,
    Part,
    Reply,
    Table,
    Text,
    code,
    error_reply,
    esc,
    literal,
)
from commands.core.text import Rich, em, join, link, rich, strong
from commands.core.units import plural
from commands.findings import dedup, design, ranked, topology
from commands.findings import dns as dnsf
from commands.findings.joins import names
from commands.findings.peerings import PeeringFacts, VnetFacts, find_reverse, gateways_in, health
from commands.status import Failure, StatusReport, gather_status

USAGE = "diagnose [region|vnet]"
EXAMPLE = "/vpn diagnose europe"
TOP_FINDINGS = 6  # shown in full first; the rest follow after a divider
REST_IN_FULL = 12  # beyond this the rest is counted per area with a few titles (never dropped silently)
OVERFLOW_TITLES = 3
LGW = "local_network_gateways"

# (kind, words, port call) — kinds shared with commands.findings.dns so its checks know what
# could not be read.
_LISTS: tuple[tuple[str, str, Callable[[AzurePort, str], Sequence[Any]]], ...] = (
    (dnsf.GATEWAYS, "virtual network gateways", lambda az, s: az.gateways(s)),
    (dnsf.VNETS, "virtual networks", lambda az, s: az.virtual_networks(s)),
    (dnsf.CONNECTIONS, "gateway connections", lambda az, s: az.connections(s)),
    (LGW, "local network gateways", lambda az, s: az.local_network_gateways(s)),
    (dnsf.PRIVATE_ENDPOINTS, "private endpoints", lambda az, s: az.private_endpoints(s)),
    (dnsf.ZONES, "private DNS zones", lambda az, s: az.private_dns_zones(s)),
    (dnsf.RESOLVERS, "DNS private resolvers", lambda az, s: az.dns_resolvers(s)),
    (dnsf.SQL_SERVERS, "SQL servers", lambda az, s: az.sql_servers(s)),
)
_WORDS = {k: w for k, w, _ in _LISTS}


# --- what was read ----------------------------------------------------------------------------


@dataclass
class Estate:
    """Everything read in phase 1 and 2, and what could not be read."""

    subscriptions: list[Subscription]
    gateways: list[Gateway] = field(default_factory=list)
    vnets: list[VirtualNetwork] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    local_gateways: list[LocalNetworkGateway] = field(default_factory=list)
    private_endpoints: list[PrivateEndpoint] = field(default_factory=list)
    zones: list[PrivateDnsZone] = field(default_factory=list)
    resolvers: list[DnsResolver] = field(default_factory=list)
    sql_servers: list[SqlServer] = field(default_factory=list)
    failures: list[FactFailure] = field(default_factory=list)  # lists that failed
    remote_errors: dict[str, str] = field(default_factory=dict)  # vnet key -> why it could not be read

    def gateways_known(self, vnet_id: str) -> bool:
        """Were the gateways of this VNet's subscription listed? (Else "no gateway" is unknown.)"""
        sub = _sub_of(vnet_id)
        return any(s.id.lower() == sub for s in self.subscriptions) and not self.failed(dnsf.GATEWAYS, sub)

    def failed(self, kind: str, subscription_id: str) -> bool:
        return any(f.kind == kind and f.subscription_id.lower() == subscription_id.lower() for f in self.failures)


@dataclass(frozen=True)
class Scope:
    """What `/vpn diagnose …` asked about: a label and the VNets (by key) it covers."""

    label: str
    vnet_keys: frozenset[str]
    whole: bool = False
    # VNets whose gateways the scope's VNets use through gateway transit: their users'
    # tunnels run there, so those gateways are checked too.
    hub_keys: frozenset[str] = frozenset()

    def vnet(self, vnet_id: str) -> bool:
        return self.whole or rid_key(vnet_id) in self.vnet_keys

    def gateway(self, g: Gateway) -> bool:
        k = rid_key(g.vnet_id)
        return self.whole or k in self.vnet_keys or k in self.hub_keys

    def with_hubs(self, vnets: Sequence[VirtualNetwork]) -> Scope:
        hubs = {
            rid_key(p.remote_vnet_id)
            for v in vnets
            if self.vnet(v.id)
            for p in v.peerings
            if p.use_remote_gateways and p.remote_vnet_id
        }
        return dataclasses.replace(self, hub_keys=frozenset(hubs - self.vnet_keys))


class _Progress:
    """Progress through ctx.out.progress, at most every `progress_every_s` (Slack's budget)."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx, self.last = ctx, float("-inf")

    def say(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= self.ctx.settings.progress_every_s:
            self.last = now
            self.ctx.out.progress(text)


def read_estate(ctx: Ctx, subs: Sequence[Subscription], progress: _Progress) -> Estate:
    """Phase 1: every list in every subscription, concurrently; failures kept per list."""
    progress.say(f"Reading {len(subs) * len(_LISTS)} lists in {plural(len(subs), 'subscription')}…", force=True)
    lists = read_lists(
        ctx,
        subs,
        {k: fn for k, _, fn in _LISTS},
        lambda done, total: progress.say(f"Reading the estate… {done} of {total} lists"),
    )
    found = lists.found
    return Estate(
        subscriptions=list(subs),
        gateways=found[dnsf.GATEWAYS],
        vnets=found[dnsf.VNETS],
        connections=found[dnsf.CONNECTIONS],
        local_gateways=found[LGW],
        private_endpoints=found[dnsf.PRIVATE_ENDPOINTS],
        zones=found[dnsf.ZONES],
        resolvers=found[dnsf.RESOLVERS],
        sql_servers=found[dnsf.SQL_SERVERS],
        failures=lists.failures,
    )


def read_remote_vnets(ctx: Ctx, est: Estate, scope: Scope, progress: _Progress) -> None:
    """Phase 2: the far ends of in-scope peerings that no list returned (other subscriptions)."""
    known = {rid_key(v.id) for v in est.vnets}
    wanted: dict[str, str] = {}
    for v in est.vnets:
        if scope.vnet(v.id):
            for p in v.peerings:
                if p.remote_vnet_id and rid_key(p.remote_vnet_id) not in known:
                    wanted.setdefault(rid_key(p.remote_vnet_id), p.remote_vnet_id)
    if not wanted:
        return
    progress.say(f"Reading {plural(len(wanted), 'peered VNet')} outside the listed subscriptions…", force=True)
    ids = list(wanted.values())
    for vid, out in zip(
        ids, gather([partial(ctx.azure.virtual_network, i) for i in ids], ctx.settings.concurrency), strict=True
    ):
        if out.error is not None:
            est.remote_errors[rid_key(vid)] = f"{out.error}. {out.error.advice}"
        elif out.value is not None:
            est.vnets.append(out.value)


# --- choosing the scope -----------------------------------------------------------------------


def resolve_scope(text: str, vnets: Sequence[VirtualNetwork]) -> Scope | Reply:
    """No text: everything. A region word: its VNets. A VNet's name, `rg/name` or id: that VNet.

    Raises UsageError (choices and a guess) when the text is neither; answers with the ids
    when several VNets share the name.
    """
    t = " ".join(text.split())
    if not t:
        return Scope("the whole estate", frozenset(rid_key(v.id) for v in vnets), whole=True)
    hits = by_name(vnets, t)
    if len({rid_key(v.id) for v in hits}) > 1:
        lines = "\n".join(
            f"• {code(v.name)} in {esc(regions.display_name(v.location))}: `/vpn diagnose {literal(v.id)}`"
            for v in hits
        )
        msg = f"Several virtual networks are called {code(t)}. Which one?"
        return Reply(fallback=msg, visibility="ephemeral").add(Text(f"*{msg}*\n{lines}"))
    if hits:
        return Scope(hits[0].name, frozenset({rid_key(hits[0].id)}))
    area = regions.match_regions(t)
    if area is not None:
        return Scope(
            area.label,
            frozenset(rid_key(v.id) for v in vnets if area.contains(v.location)),
            whole=area.every,
        )
    raise _unknown_target(t, vnets)


def _unknown_target(text: str, vnets: Sequence[VirtualNetwork]) -> UsageError:
    names = tuple(sorted({v.name for v in vnets}, key=str.lower))
    found = regions.guesses(text, names)
    did = f"Did you mean {code(found[0])}? " if found else ""
    listing = (
        (" VNets: " + ", ".join(code(n) for n in names[:12]) + (", …" if len(names) > 12 else "") + ".")
        if names
        else ""
    )
    return UsageError(
        f"{code(text[:80])} is neither a region nor a virtual network I can see.",
        hint=(
            did
            + "Give an area ("
            + ", ".join(code(w) for w in regions.AREA_WORDS[:10])
            + ", …), a region such as `australiaeast`, a VNet's name, or nothing for the whole estate."
            + listing
        ),
        example="/vpn diagnose " + (found[0] if found else "europe"),
    )


# --- findings ---------------------------------------------------------------------------------


def coverage_facts(est: Estate, report: StatusReport | None) -> EstateIndex:
    """The estate as `commands.core.estate.EstateIndex`, connections in their GET shape where read."""
    conns = {rid_key(c.id): c for c in est.connections}
    if report is not None:
        conns.update(report.facts.connections)
    return EstateIndex(
        vnets=tuple(est.vnets),
        gateways=tuple(est.gateways),
        connections=tuple(conns.values()),
        local_gateways=tuple(est.local_gateways),
        private_endpoints=tuple(est.private_endpoints),
    )


def dns_facts(est: Estate, facts: EstateIndex) -> dnsf.DnsFacts:
    return dnsf.DnsFacts(
        subscriptions=tuple(s.id for s in est.subscriptions),
        subscription_names={s.id: s.name for s in est.subscriptions if s.name},
        sql_servers=tuple(est.sql_servers),
        private_endpoints=tuple(est.private_endpoints),
        zones=tuple(est.zones),
        vnets=tuple(est.vnets),
        gateways=tuple(est.gateways),
        resolvers=tuple(est.resolvers),
        connections=facts.connections,
        failures=tuple(est.failures),
    )


def peering_findings(est: Estate, scope: Scope) -> list[Finding]:
    """`commands.findings.peerings.health` for every peering of an in-scope VNet, both sides."""
    by_key = {rid_key(v.id): v for v in est.vnets}

    def side(v: VirtualNetwork) -> VnetFacts:
        return VnetFacts(v, gateways_in(v.id, est.gateways), gateways_known=est.gateways_known(v.id))

    out: list[Finding] = []
    for v in est.vnets:
        if not scope.vnet(v.id):
            continue
        for p in v.peerings:
            remote = by_key.get(rid_key(p.remote_vnet_id))
            if remote is None:
                err = est.remote_errors.get(
                    rid_key(p.remote_vnet_id), "the remote VNet was not in any list the bot read"
                )
                out += health(PeeringFacts(side(v), p, None, None, err))
            else:
                out += health(PeeringFacts(side(v), p, side(remote), find_reverse(p, remote)))
    return out


def _sub_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[2].lower() if len(parts) > 2 else ""


def _superseded(findings: Sequence[Finding]) -> set[str]:
    """Keys said better by another finding: a far-hub detour replaces the peering module's
    plain "uses the hub's gateway" note for the same peering."""
    far = {f.key.removeprefix("topology:far_hub:") for f in findings if f.key.startswith("topology:far_hub:")}
    return {f"peering_transit_in_use:{k}" for k in far}


@dataclass
class Diagnosis:
    """What `/vpn diagnose` found, before it is put into words."""

    scope: Scope
    findings: list[Finding]
    facts: EstateIndex
    failures: list[str]  # mrkdwn lines: what could not be read, with advice
    situation: design.Situation | None = None
    options: list[design.DesignOption] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def diagnose_estate(ctx: Ctx, est: Estate, scope: Scope, progress: _Progress) -> Diagnosis:
    """Phase 3 and every finding, for an estate already read."""
    in_gws = [g for g in est.gateways if scope.gateway(g) and (g.gateway_type or "Vpn").lower() == "vpn"]
    report: StatusReport | None = None
    if in_gws:
        report = gather_status(ctx, scope.label, scope.gateway, est.gateways)
    facts = coverage_facts(est, report)
    p2s: dict[str, int] = {}
    if report is not None:
        for gf in report.facts.gateways:
            if gf.p2s_clients is not None:
                p2s[rid_key(gf.gateway.id)] = len(gf.p2s_clients)
    progress.say("Putting the findings together…", force=True)
    # Composed, most telling first within a severity: the design, then the tunnels, the
    # peerings, and private endpoint DNS.
    found: list[Finding] = topology.assess(facts, scope.vnet, p2s, est.gateways_known)
    if report is not None:
        found += [a.finding for a in report.findings]
    found += peering_findings(est, scope)
    found += dnsf.assess(dns_facts(est, facts), in_scope=lambda pe: scope.vnet(pe.vnet_id))
    drop = _superseded(found)
    findings = ranked(dedup([f for f in found if f.key not in drop and f.severity != "ok"]))
    situation = design.multi_region(facts, scope.vnet)
    options: list[design.DesignOption] = []
    if design.design_matters(situation, findings) and situation is not None:
        options = design.design_options(situation, facts, report.facts.shared_keys if report is not None else None, p2s)
    failures = _failure_lines(est, report)
    in_vnets = {rid_key(v.id) for v in est.vnets if scope.vnet(v.id)}
    in_gw = {rid_key(g.id) for g in est.gateways if scope.gateway(g)}
    counts = {
        "VNet": len(in_vnets),
        "gateway": len(in_gw),
        "connection": len({rid_key(c.id) for gf in report.facts.gateways for c in gf.connections}) if report else 0,
        "local network gateway": len(
            {
                rid_key(c.local_network_gateway_id)
                for c in facts.connections
                if c.local_network_gateway_id and rid_key(c.gateway1_id) in in_gw
            }
        ),
        "private endpoint": len([p for p in est.private_endpoints if scope.vnet(p.vnet_id)]),
        "private DNS zone": len(
            [z for z in est.zones if scope.whole or any(rid_key(x.vnet_id) in in_vnets for x in z.links)]
        ),
    }
    return Diagnosis(scope, findings, facts, failures, situation, options, counts)


def _failure_lines(est: Estate, report: StatusReport | None) -> list[str]:
    """One line per (operation, kind of failure): what failed, and what to do about it."""
    groups: dict[tuple[str, str, str], list[tuple[str, AzureFailure]]] = {}
    names = {s.id.lower(): s.name or s.id for s in est.subscriptions}
    for f in est.failures:
        what = f"subscription {code(names.get(f.subscription_id.lower(), f.subscription_id))}"
        groups.setdefault((f"list {_WORDS.get(f.kind, f.kind)}", f.error.kind, f.error.code), []).append(
            (what, f.error)
        )
    for vkey, why in est.remote_errors.items():
        groups.setdefault(("read the peered VNet", "", ""), []).append(
            (f"{code(name_of(vkey))} ({esc(why)})", AzureFailure("failed"))
        )
    status_failures: list[Failure] = report.failures if report is not None else []
    for sf in status_failures:
        groups.setdefault((sf.operation, sf.error.kind, sf.error.code), []).append((sf.what, sf.error))
    lines: list[str] = []
    for (op, kind, err_code), items in groups.items():
        shown = ", ".join(w for w, _ in items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
        if not kind:
            lines.append(f"• could not {esc(op)}: {shown}")
            continue
        detail = f" ({esc(err_code)})" if err_code else ""
        lines.append(f"• {esc(op)} failed for {shown}: {esc(kind)}{detail}. {items[0][1].advice}")
    return lines


# --- words --------------------------------------------------------------------------------------


def render(d: Diagnosis) -> Reply:
    """Headline, what could not be read, the top findings, the rest, then the design options."""
    problems = [f for f in d.findings if f.severity in ("critical", "warning")]
    critical = sum(1 for f in problems if f.severity == "critical")
    where = esc(d.scope.label)
    if problems:
        mark = "🔴" if critical else "🟠"
        bits = [
            x
            for x in (
                f"{critical} critical" if critical else "",
                plural(len(problems) - critical, "warning") if len(problems) > critical else "",
            )
            if x
        ]
        headline = f"{mark} {plural(len(problems), 'problem')} in {where} ({', '.join(bits)})"
    elif d.failures:
        headline = f"⚠️ No problem found in what could be read in {where}; some reads failed"
    else:
        headline = f"🟢 Nothing wrong found in {where}"
    reply = Reply(fallback=headline).add(Text(f"*{headline}*" + (f"\n{areas_line(problems)}" if problems else "")))
    looked = ", ".join(plural(n, w) for w, n in d.counts.items() if n)
    reply.add(Context(f"Looked at {looked or 'nothing'}."))
    if d.failures:
        reply.add(Text(":warning: *Could not read everything* — the rest is answered:\n" + "\n".join(d.failures)))
    top = problems[:TOP_FINDINGS]
    for f in top:
        reply.add(f)
    rest = [f for f in d.findings if f not in top]
    if rest:
        reply.add(Divider(), Text(f"*The rest* ({len(rest)})"))
        for f in rest[:REST_IN_FULL]:
            reply.add(f)
        if len(rest) > REST_IN_FULL:
            reply.add(Text(_overflow(rest[REST_IN_FULL:])))
    if d.options and d.situation is not None:
        reply.add(Divider(), *options_parts(d.situation, d.options))
    reply.add(
        Context(
            "More: `/vpn status &lt;region&gt;` (tunnels and counters), `/vpn routes &lt;vm|gateway&gt;`, "
            "`/vpn peering &lt;vnet&gt;`, `/vpn checklist &lt;server&gt;.database.windows.net`."
        )
    )
    return reply


# Finding key prefixes -> the area a person would file them under (the headline's summary).
_AREAS: tuple[tuple[str, str], ...] = (
    ("topology:far_hub:", "design"),
    ("topology:joined_twice:", "design"),
    ("topology:transit_unused:", "gateway transit"),
    ("topology:remote_gw_several:", "gateway transit"),
    ("topology:overlap", "address spaces"),
    ("topology:p2s_never:", "VPN client routes"),
    ("routing:", "VPN client routes"),
    ("topology:flags_differ:", "peerings"),
    ("peering_", "peerings"),
    ("pe_", "private endpoint DNS"),
    ("p2s_dns:", "private endpoint DNS"),
)


def area_of(f: Finding) -> str:
    for prefix, area in _AREAS:
        if f.key.startswith(prefix):
            return area
    return "gateways and connections"


def areas_line(findings: Sequence[Finding]) -> str:
    """ "🔴 gateways and connections 3 · 🟠 gateway transit 1": where the problems are, worst first."""
    by: dict[str, list[Finding]] = {}
    for f in findings:
        by.setdefault(area_of(f), []).append(f)
    order = sorted(by.items(), key=lambda kv: (not any(f.severity == "critical" for f in kv[1]), -len(kv[1])))
    return " · ".join(
        f"{'🔴' if any(f.severity == 'critical' for f in fs) else '🟠'} {area} {len(fs)}" for area, fs in order
    )


def _overflow(findings: Sequence[Finding]) -> str:
    """Findings past the ones shown in full: counted per area, a few titles each, so a large
    estate's long tail stays one short message and nothing is dropped without saying so."""
    by: dict[str, list[Finding]] = {}
    for f in findings:
        by.setdefault(area_of(f), []).append(f)
    lines = [f"*{len(findings)} more:*"]
    for area, fs in by.items():
        shown = "; ".join(str(f.title) for f in fs[:OVERFLOW_TITLES])
        more = f"; and {len(fs) - OVERFLOW_TITLES} more" if len(fs) > OVERFLOW_TITLES else ""
        lines.append(f"• {esc(area)} ({len(fs)}): {shown}{more}")
    return "\n".join(lines)


def options_parts(s: design.Situation, options: Sequence[design.DesignOption]) -> list[Part]:
    """The design options: what was tried, a side-by-side table, then each option in full."""
    tried: list[Rich] = []
    transit = [p for p in s.peerings if p.allow_gateway_transit or p.use_remote_gateways]
    if transit:
        tried.append(rich("peering with gateway transit (", names(p.name for p in transit), ")"))
    if s.connections:
        tried.append(rich("VNet-to-VNet (", names(c.name for c in s.connections), ")"))
    intro = rich(
        "VNets in ",
        " and ".join(site.label for site in s.sites),
        " are joined for VPN users.",
        rich(" In place now: ", join(" and ", tried), ".") if tried else None,
        " Three ways to do it, with what each would change in this estate (prices are not guessed here):",
    )
    parts: list[Part] = [Header("What to do instead"), Text(intro)]
    parts.append(
        Table(
            columns=("", *(f"{i}. {_short(o.key)}" for i, o in enumerate(options, 1))),
            rows=tuple((label, *(o.cells[r] for o in options)) for r, label in enumerate(design.OPTION_ROWS)),
            caption=rich(strong("Side by side")),
            filename="design-options.txt",
        )
    )
    for i, o in enumerate(options, 1):
        body: list[Rich] = [
            rich(strong(f"{i}. {o.name}"), rich(" — ", em("partly what is here now")) if o.current else None),
            o.idea,
            rich("• ", strong("Users:"), " ", o.users),
            *(rich("• ", c) for c in o.changes),
            rich("• ", strong("Client profiles:"), " ", o.profiles),
            rich(link(o.doc_url, f"Microsoft Learn: {o.name}")),
        ]
        parts.append(Text(join("\n", body)))
    return parts


def _short(key: str) -> str:
    return {"hub_spoke": "Hub+spoke", "gateway_per_region": "GW per region", "virtual_wan": "Virtual WAN"}.get(key, key)


# --- the command ----------------------------------------------------------------------------------


@command("diagnose", usage=USAGE, example=EXAMPLE, aliases=("diag", "doctor"))
def diagnose(ctx: Ctx, args: str) -> Reply:
    """What is wrong with the whole topology, why, and what to do instead: peerings, gateway transit, VNet-to-VNet connections, overlapping address spaces and private endpoint DNS — ranked, each with the evidence, Azure's rule and the fix.

    No argument looks at everything; `australia`, `europe`, `us`, `asia`… at every region of
    an area; `australiaeast` at one region; a VNet's name (or `resource-group/name`, or its
    id) at that VNet and what it is joined to. When VNets in several regions are joined for
    VPN users, the answer ends with the design options side by side.
    """
    try:
        return _diagnose(ctx, args)
    except UsageError as exc:
        return error_reply(exc.message, exc.hint, exc.example)


def _diagnose(ctx: Ctx, args: str) -> Reply:
    progress = _Progress(ctx)
    try:
        subs = ctx.azure.subscriptions()
    except AzureFailure as exc:
        detail = f" ({esc(exc.code)})" if exc.code else ""
        return error_reply(f"Could not list the subscriptions: {esc(exc.kind)}{detail}.", exc.advice)
    if not subs:
        return error_reply(
            "The bot sees no subscription.",
            "Set AZURE_SUBSCRIPTION_IDS, or give its identity Reader on the subscriptions with your VNets.",
        )
    est = read_estate(ctx, subs, progress)
    scope = resolve_scope(args, est.vnets)
    if isinstance(scope, Reply):
        return scope
    if not scope.vnet_keys:
        return _no_vnets(scope, est)
    read_remote_vnets(ctx, est, scope, progress)
    scope = scope.with_hubs(est.vnets)
    return render(diagnose_estate(ctx, est, scope, progress))


def _no_vnets(scope: Scope, est: Estate) -> Reply:
    text = f"No virtual networks in {esc(scope.label)}."
    reply = Reply(fallback=text).add(Text(f"*{text}*"))
    where: dict[str, int] = {}
    for v in est.vnets:
        where[v.location] = where.get(v.location, 0) + 1
    if where:
        listing = ", ".join(
            f"{esc(regions.display_name(loc))} ({n})"
            for loc, n in sorted(where.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        reply.add(Text(f"Virtual networks exist in: {listing}."))
        first = max(where, key=lambda loc: where[loc])
        reply.add(Context(f"Example: `/vpn diagnose {literal(regions.normalise(first))}`"))
    else:
        reply.add(Text("No virtual network was found in any subscription the bot can read."))
    lines = _failure_lines(est, None)
    if lines:
        reply.add(Text(":warning: *Could not read everything:*\n" + "\n".join(lines)))
    return reply
