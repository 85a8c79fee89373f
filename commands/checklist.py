"""`/vpn checklist <server>`: the Azure SQL private endpoint, DNS and certificate checklist.

Reads the estate across every subscription in scope at once (`commands.core.fanout.gather`),
finds the server's private endpoints and answers, per endpoint, eight items that are each
✔, ✘ (with the fix, as az commands filled in with this estate's names) or "could not
check" (with why). The checks themselves are pure functions in `commands.findings.dns`,
shared with `/vpn diagnose`.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from commands.core.errors import AzureFailure, UsageError
from commands.core.estate import read_lists
from commands.core.lookup import by_name
from commands.core.model import (
    PrivateEndpoint,
    PrivateLinkConnection,
    ResourceId,
    SqlServer,
    Subscription,
    name_of,
    rid_key,
)
from commands.core.port import AzurePort
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Divider, Fields, Header, Inline, Part, Reply, Text, error_reply
from commands.core.text import Icon, Rich, code, em, join, link, pre, prose, rich, strong
from commands.core.units import plural
from commands.findings.dns.checks import STATUS_ICON, STATUS_WORD, Check, summary
from commands.findings.dns.facts import (
    CONNECTIONS,
    GATEWAYS,
    PRIVATE_ENDPOINTS,
    RESOLVERS,
    SQL_SERVERS,
    VNETS,
    ZONES,
    DnsFacts,
    endpoint_owner,
    endpoint_target,
    endpoints_for,
    sub_of,
)
from commands.findings.dns.sql import sql_checklist, sql_checklist_without_endpoint
from commands.findings.dns.zones import resource_type, sql_zone_for

USAGE = "checklist <server>[.database.windows.net]"
EXAMPLE = "/vpn checklist sql-eun.database.windows.net"

# A logical server name: lower-case letters, digits and hyphens, 1–63 characters, not
# starting or ending with a hyphen (Azure SQL naming rules).
_SERVER_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Public DNS suffixes of Azure SQL in the public and sovereign clouds.
_SQL_SUFFIXES = ("database.windows.net", "database.chinacloudapi.cn", "database.usgovcloudapi.net")


@dataclass(frozen=True)
class ServerQuery:
    """What the user asked about, normalised."""

    name: str = ""  # server name, lower case
    resource_id: str = ""  # when a full id was given
    ip: str = ""  # when an IP was given (we find whose endpoint it is)
    typed: str = ""  # as typed (for messages)
    privatelink: bool = False  # the user typed the privatelink name


def parse_server(text: str) -> ServerQuery:
    """Normalise `sql-eun`, `sql-eun.database.windows.net`, the privatelink name, a full
    resource id, `tcp:…,1433`, a Slack-linked name, or a private IP. Raises UsageError."""
    raw = (text or "").strip()
    if not raw:
        raise UsageError("Which server? Give the Azure SQL server's name.", _usage(), EXAMPLE)
    words = raw.split()
    if len(words) > 1:
        raise UsageError(rich(f"One server at a time: I read {len(words)} words ({raw[:80]})."), _usage(), EXAMPLE)
    token = words[0]
    # Slack sends names it auto-linked as <http://x.database.windows.net|x.database.windows.net>.
    m = re.fullmatch(r"<([^|>]*)(?:\|([^>]*))?>", token)
    if m:
        token = m.group(2) or m.group(1)
    token = re.sub(r"^[a-z][a-z0-9+.-]*://", "", token, flags=re.I)  # http://, https://
    token = re.sub(r"^tcp:", "", token, flags=re.I)  # connection-string form tcp:host,1433
    token = re.sub(r",\d+$", "", token).strip().rstrip("/.")
    typed = token
    if token.lower().startswith("/subscriptions/"):
        try:
            rid = ResourceId.parse(token)
        except ValueError:
            rid = None
        if rid is None or rid.provider.lower() != "microsoft.sql" or rid.types[:1] != ("servers",) or not rid.names:
            raise UsageError(
                rich(code(token[:200]), " is not an Azure SQL server id."),
                prose(
                    "A server id looks like "
                    "`/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Sql/servers/<name>`."
                ),
                EXAMPLE,
            )
        server_id = "/".join(token.split("/")[: token.lower().split("/").index("servers") + 2])
        return ServerQuery(name=rid.names[0].lower(), resource_id=server_id, typed=typed)
    try:
        ip = ipaddress.ip_address(token)
    except ValueError:
        ip = None
    if ip is not None:
        return ServerQuery(ip=str(ip), typed=typed)
    name = token.lower()
    privatelink = False
    for suffix in _SQL_SUFFIXES:
        if name.endswith("." + suffix):
            name = name[: -len(suffix) - 1]
            if name.endswith(".privatelink"):
                name, privatelink = name[: -len(".privatelink")], True
            break
    if "." in name or not _SERVER_NAME.match(name):
        raise UsageError(
            rich(code(typed[:200]), " is not an Azure SQL server name."),
            prose("Give the server's name (letters, digits and hyphens), with or without `.database.windows.net`."),
            EXAMPLE,
        )
    return ServerQuery(name=name, typed=typed, privatelink=privatelink)


def _usage() -> Rich:
    return rich("Usage: ", code(f"/vpn {USAGE}"))


# --------------------------------------------------------------------------------------
# Gathering
# --------------------------------------------------------------------------------------

_KINDS: tuple[tuple[str, Callable[[AzurePort, str], Sequence[Any]]], ...] = (
    (SQL_SERVERS, lambda az, s: az.sql_servers(s)),
    (PRIVATE_ENDPOINTS, lambda az, s: az.private_endpoints(s)),
    (ZONES, lambda az, s: az.private_dns_zones(s)),
    (VNETS, lambda az, s: az.virtual_networks(s)),
    (GATEWAYS, lambda az, s: az.gateways(s)),
    (RESOLVERS, lambda az, s: az.dns_resolvers(s)),
    (CONNECTIONS, lambda az, s: az.connections(s)),
)


def gather_facts(ctx: Ctx, subscriptions: Sequence[Subscription]) -> DnsFacts:
    """Read every list the checks need, for every subscription, concurrently."""

    def progress(done: int, total: int) -> None:
        if done < total:
            ctx.out.progress(f"Reading the estate… {done} of {total} lists")

    lists = read_lists(ctx, subscriptions, dict(_KINDS), progress)
    found = lists.found
    return DnsFacts(
        subscriptions=tuple(s.id for s in subscriptions),
        subscription_names={s.id: s.name for s in subscriptions if s.name},
        sql_servers=tuple(found[SQL_SERVERS]),
        private_endpoints=tuple(found[PRIVATE_ENDPOINTS]),
        zones=tuple(found[ZONES]),
        vnets=tuple(found[VNETS]),
        gateways=tuple(found[GATEWAYS]),
        resolvers=tuple(found[RESOLVERS]),
        connections=tuple(found[CONNECTIONS]),
        failures=tuple(lists.failures),
    )


# --------------------------------------------------------------------------------------
# Finding the server
# --------------------------------------------------------------------------------------


def known_servers(facts: DnsFacts) -> list[SqlServer]:
    """The SQL servers in scope: those listed, plus any a private endpoint points at (so a
    server whose subscription could not be listed is still found through its endpoint)."""
    servers = {rid_key(s.id): s for s in facts.sql_servers}
    for pe in facts.private_endpoints:
        for c in pe.connections:
            if resource_type(c.target_id) == "microsoft.sql/servers" and rid_key(c.target_id) not in servers:
                servers[rid_key(c.target_id)] = SqlServer(id=c.target_id, name=name_of(c.target_id))
    return sorted(servers.values(), key=lambda s: s.name.lower())


def find_server(q: ServerQuery, facts: DnsFacts) -> tuple[list[SqlServer], Rich]:
    """The servers matching the query, and a note about how they were found."""
    servers = known_servers(facts)
    if q.resource_id:
        return by_name(servers, q.resource_id) or by_name(servers, q.name, groups=False), Rich()
    if q.ip:
        pe = endpoint_owner(q.ip, facts)
        if pe is None:
            return [], rich("No private endpoint in scope has the address ", code(q.ip), ".")
        targets = [c.target_id for c in pe.connections if resource_type(c.target_id) == "microsoft.sql/servers"]
        hit = [s for s in servers if rid_key(s.id) in {rid_key(t) for t in targets}]
        if not hit:
            return [], rich(
                code(q.ip), " belongs to private endpoint ", code(pe.name), ", which is not for an Azure SQL server."
            )
        names = join(", ", [code(f"{s.name}.{sql_zone_for(s).public_suffix}") for s in hit])
        return hit, rich(
            code(q.ip),
            " is private endpoint ",
            code(pe.name),
            " of ",
            names,
            ". Connect with that name, not the IP: the certificate does not cover an IP (see 6).",
        )
    return by_name(servers, q.name, groups=False), Rich()


def nearest(name: str, servers: Sequence[SqlServer], limit: int = 10) -> list[SqlServer]:
    """Servers ordered by how close their name is to `name` (closest first)."""

    def score(s: SqlServer) -> tuple[float, str]:
        n = s.name.lower()
        ratio = difflib.SequenceMatcher(None, name, n).ratio()
        if name and (name in n or n in name):
            ratio += 0.5
        return (-ratio, n)

    return sorted(servers, key=score)[:limit]


# --------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------


@command("checklist", usage=USAGE, example=EXAMPLE)
def checklist(ctx: Ctx, args: str) -> Reply:
    """The Azure SQL private endpoint, DNS and certificate checklist for VPN clients, filled in from the live estate: what is right is ticked, what is wrong says why and what to run.

    Eight items per private endpoint of the server: the endpoint and its approval, the DNS
    zone group, zone and A record, the zone's links to the VNets that matter, how VPN clients
    resolve the name, the route from the client pool, the name and certificate to connect
    with, the connection policy and ports, and what to run on the laptop.
    """
    q = parse_server(args)
    try:
        subs = ctx.azure.subscriptions()
    except AzureFailure as exc:
        return error_reply(rich(f"Could not list the subscriptions in scope: {exc}."), prose(exc.advice))
    if not subs:
        return error_reply(
            "The bot sees no subscription.",
            "Set AZURE_SUBSCRIPTION_IDS or grant the bot's identity Reader on a subscription.",
        )
    facts = gather_facts(ctx, subs)
    servers, note = find_server(q, facts)
    if not servers:
        return unknown_server_reply(q, facts, note)
    reply = Reply(fallback="")
    notes: list[Part] = []
    if note:
        notes.append(Text(rich(Icon.INFO, " ", note)))
    if q.privatelink:
        fq = f"{q.name}.{sql_zone_for(servers[0]).public_suffix}"
        notes.append(
            Text(
                rich(
                    Icon.INFO,
                    " You typed the privatelink name ",
                    code(q.typed),
                    ". Clients must connect with ",
                    code(fq),
                    ": logins through the privatelink name fail by design (see 6).",
                )
            )
        )
    reply.add(*notes)
    fallbacks: list[str] = []
    first = True
    for server in servers:
        for header, checks, where in server_sections(server, facts):
            if not first:
                reply.add(Divider())
            first = False
            failed, unknown, total = summary(checks)
            line = summary_line(server.name, where, failed, unknown, total)
            fallbacks.append(line)
            reply.add(Header(header), Text(rich(strong(line))))
            reply.add(*render_checks(checks))
    unread = facts.why(*(k for k, _ in _KINDS))
    if unread:
        reply.add(Context(rich(Icon.WARNING, " Partial view: ", unread)))
    reply.add(
        Context(
            f"Read from {plural(len(subs), 'subscription')}. "
            "✔ right · ✘ wrong, with the fix · ❔ could not check, with why · ℹ to do on the laptop"
        )
    )
    reply.fallback = rich("Checklist: " + "; ".join(fallbacks))
    return reply


def summary_line(server: str, where: str, failed: int, unknown: int, total: int) -> str:
    """ "3 of 8 checks fail for sql-aue (australiaeast)", plus what could not be checked."""
    head = (
        f"{failed} of {total} checks fail"
        if failed
        else f"All checks pass ({total})"
        if not unknown
        else "No check fails"
    )
    line = f"{head} for {server} ({where})" if where else f"{head} for {server}"
    if unknown:
        line += f", {unknown} could not be checked"
    return line


def server_sections(server: SqlServer, facts: DnsFacts) -> list[tuple[str, list[Check], str]]:
    """(header, checks, where) per private endpoint of the server; one section when none."""
    zone = sql_zone_for(server)
    pairs: list[tuple[PrivateEndpoint, PrivateLinkConnection]] = endpoints_for(server.id, facts)
    if not pairs:
        where = server.location
        return [(f"{server.name} · no private endpoint", sql_checklist_without_endpoint(server, facts), where)]
    out: list[tuple[str, list[Check], str]] = []
    several = len(pairs) > 1
    for pe, conn in pairs:
        t = endpoint_target(pe, conn, zone)
        checks = sql_checklist(server, t, facts)
        where = pe.location + (f", {pe.name}" if several else "")
        out.append((f"{server.name} · {pe.name} · {pe.location}".strip(" ·"), checks, where))
    return out


def render_checks(checks: Sequence[Check]) -> list[Part]:
    """One Text per check, short enough to read on a phone (the renderer splits a long one
    across sections, reopening its code block)."""
    parts: list[Part] = []
    for c in checks:
        word = STATUS_WORD[c.status]
        text = rich(
            STATUS_ICON[c.status],
            " ",
            strong(f"{c.number}. ", c.title),
            rich(" — ", em(word)) if word else None,
            # The rule behind the item, on the title line: one line less per item on a phone.
            rich(" ", link(c.doc_url, "ⓘ")) if c.doc_url else None,
        )
        if c.evidence:
            text += rich("\n", join("\n", c.evidence))
        if c.fix_text or c.commands:
            # Only a ✘ has a fix; on other items the commands are an option (e.g. switch to Proxy).
            text += rich("\n", strong("Fix:" if c.status == "fail" else "Option:"), " ", c.fix_text)
            if c.commands:
                text += rich("\n", pre(c.commands))
        parts.append(Text(text))
    return parts


def unknown_server_reply(q: ServerQuery, facts: DnsFacts, note: Rich | None = None) -> Reply:
    """The server is not in scope: say which servers are, nearest names first."""
    servers = known_servers(facts)
    asked = q.name or q.ip or q.typed
    what = note or rich("No Azure SQL server named ", code(asked), " in the subscriptions the bot can read.")
    r = Reply(fallback=rich(f"No SQL server {asked} in scope"), visibility="ephemeral").add(
        Text(rich(Icon.WARNING, " ", what))
    )
    if servers:
        near = nearest(q.name, servers) if q.name else servers[:10]
        rows: list[tuple[str, Inline]] = []
        for s in near:
            sub = facts.sub_label(sub_of(s.id)) if facts.multi_subscription() else ""
            rows.append((s.name, rich(" · ".join(x for x in (s.location, sub) if x) or "—")))
        more = len(servers) - len(near)
        r.add(Text(f"SQL servers I can see ({len(servers)}), nearest names first:"))
        r.add(Fields(tuple(rows)))
        if more > 0:
            r.add(Context(f"…and {more} more."))
        r.add(Context(rich("Example: ", code(f"/vpn checklist {near[0].name}.database.windows.net"))))
    else:
        r.add(Text("I can see no Azure SQL server at all in scope."))
    why = facts.why(SQL_SERVERS, PRIVATE_ENDPOINTS)
    if why:
        r.add(Context(rich(Icon.WARNING, " ", why)))
    return r
