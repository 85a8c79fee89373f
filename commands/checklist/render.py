"""The checklist's answer: a section per private endpoint of the server, one text per item
(short enough to read on a phone), and the servers in scope when the one asked for is not.
"""

from __future__ import annotations

from collections.abc import Sequence

from commands.checklist.servers import ServerQuery, known_servers, nearest
from commands.core.model import PrivateEndpoint, PrivateLinkConnection, SqlServer
from commands.core.reply import Context, Divider, Fields, Finding, Header, Inline, Part, Reply, Text
from commands.core.text import Icon, Rich, code, em, join, link, pre, rich, strong
from commands.core.units import plural
from commands.findings.dns.checks import STATUS_ICON, STATUS_WORD, Check, summary
from commands.findings.dns.facts import PRIVATE_ENDPOINTS, SQL_SERVERS, DnsFacts, endpoint_target, endpoints_for, sub_of
from commands.findings.dns.sql import sql_checklist, sql_checklist_without_endpoint
from commands.findings.dns.zones import sql_zone_for
from commands.judgement.judge import Judgement
from commands.judgement.view import MAX_ROOTS, root_line, short_step


def checklist_reply(
    q: ServerQuery,
    servers: Sequence[SqlServer],
    note: Rich,
    facts: DnsFacts,
    subscriptions: int,
    unread: Rich,
    judgement: Judgement | None = None,
) -> Reply:
    """The checklist of each server found: notes on how it was found, then a section per
    private endpoint; `unread` says what could not be read, from `subscriptions` read. The
    first message leads with the `judgement`'s root causes behind the items that fail."""
    reply = Reply(fallback="")
    if note:
        reply.more(Text(rich(Icon.INFO, " ", note)))
    if q.privatelink:
        fq = f"{q.name}.{sql_zone_for(servers[0]).public_suffix}"
        reply.more(
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
    fallbacks: list[str] = []
    failing: list[Check] = []
    first = True
    for server in servers:
        for header, checks, where in server_sections(server, facts):
            if not first:
                reply.more(Divider())
            first = False
            failed, unknown, total = summary(checks)
            line = summary_line(server.name, where, failed, unknown, total)
            fallbacks.append(line)
            failing += [c for c in checks if c.status == "fail"]
            reply.more(Header(header), Text(rich(strong(line))))
            reply.more(*render_checks(checks))
    if unread:
        reply.more(Context(rich(Icon.WARNING, " Partial view: ", unread)))
    reply.more(
        Context(
            f"Read from {plural(subscriptions, 'subscription')}. "
            "✔ right · ✘ wrong, with the fix · ❔ could not check, with why · ℹ to do on the laptop"
        )
    )
    reply.fallback = rich("Checklist: " + "; ".join(fallbacks))
    roots, unexplained = _causes(judgement, failing)
    reply.parts[:0] = _head(fallbacks, roots, unexplained, bool(unread))
    return reply


def _causes(j: Judgement | None, failing: Sequence[Check]) -> tuple[list[Finding], list[Check]]:
    """(the judgement's root causes behind the failing items — the item's own finding, or a
    cause it names —, the failing items none of them explains)."""
    if j is None:
        return [], list(failing)
    roots: list[Finding] = []
    rest: list[Check] = []
    for c in failing:
        keys = {k for k in (c.key, *c.causes) if k}
        found = [f for f in j.roots if any(x.key in keys for x in f.every())]
        roots += [f for f in found if f not in roots]
        if not found:
            rest.append(c)
    return roots, rest


def _head(lines: Sequence[str], roots: Sequence[Finding], failing: Sequence[Check], partial: bool) -> list[Part]:
    """The first message: each endpoint's summary line, then at most three lines: the root
    causes of the items that fail (as every command words them), then failing items no cause
    explains, each with the fix's first sentence (the items in full are in the thread)."""
    unique: dict[str, Check] = {}
    for c in failing:
        unique.setdefault(str(c.title), c)
    shown = [root_line(f) for f in roots[:MAX_ROOTS]]
    shown += [
        rich("✘ ", strong(f"{c.number}. ", c.title), rich(" — ", short_step(c.fix_text)) if c.fix_text else None)
        for c in list(unique.values())[: MAX_ROOTS - len(shown)]
    ]
    parts: list[Part] = [Text(rich(strong("\n".join(lines))))]
    if shown:
        parts.append(Text(join("\n", shown)))
    tail = [rich("Every item, with the fixes to run, in the thread")]
    if partial:
        tail.append(rich("⚠️ partial view: some lists could not be read"))
    parts.append(Context(join(" · ", tail)))
    return parts


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
    what = note or rich("No Azure SQL server named ", code(asked), " in the subscriptions the bot can see.")
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
