"""`/vpn metrics <connection|gateway> [1h|6h|24h]`: one resource's Azure Monitor metrics.

The gateway (of the connection) is read in depth as every command reads it
(`commands.judgement.gateways`: its connections' status, BGP peers, VPN clients), its metrics
over the window in one batch call per dimension set (`commands.judgement.rates`), and the
rate findings made by the same rules the one judgement applies — so for the last hour this
says what `/vpn status` says, and over 6 h or 24 h what happened since.
"""

from __future__ import annotations

from datetime import datetime

from commands.core.errors import UsageError
from commands.core.estate import subscriptions_in_scope
from commands.core.lookup import by_name
from commands.core.model import Connection, Gateway, name_of, rid_key
from commands.core.parse import unquote
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Reply
from commands.core.text import code, join, rich, strong
from commands.findings.dns import facts as dnsf
from commands.judgement.estate import read_estate
from commands.judgement.gateways import is_vpn, read_gateways
from commands.judgement.progress import Progress
from commands.judgement.rates import DEFAULT_WINDOW, WINDOWS
from commands.judgement.view import head, problems
from commands.metrics.view import findings_of, headline, rates_parts, read_rates_of

EXAMPLE = "/vpn metrics cn-eun-to-aue 6h"


@command("metrics", usage="metrics <connection|gateway> [1h|6h|24h]", example=EXAMPLE)
def metrics(ctx: Ctx, args: str) -> Reply:
    """Rates, not counters: a connection's or a gateway's traffic, packets, drops (traffic-selector mismatches included), BGP peer status and VPN clients from Azure Monitor over the last hour (or 6 h, 24 h), with a chart in the thread.

    A connection's tunnel metrics are read on its gateway, split by connection and remote IP;
    a gateway shows its site-to-site and point-to-site bandwidth against its SKU's benchmark
    and each connection's rates.
    """
    target, span = _parse(args)
    subs = subscriptions_in_scope(ctx, "VPN gateways")
    progress = Progress(ctx)
    est = read_estate(ctx, subs, progress, kinds=(dnsf.GATEWAYS, dnsf.CONNECTIONS))
    gw, conn = _resolve(target, est.gateways, est.connections)
    progress.say(rich("Reading ", code(gw.name), " and its metrics…"), force=True)
    reading = read_gateways(ctx, gw.name, lambda g: rid_key(g.id) == rid_key(gw.id), est.gateways)
    gf = next(gf for gf in reading.facts.gateways if rid_key(gf.gateway.id) == rid_key(gw.id))
    if conn is not None:
        conn = next((c for c in gf.connections if rid_key(c.id) == rid_key(conn.id)), conn)
    rates = read_rates_of(ctx, gw, span)
    found = findings_of(rates, gf, conn)
    title = headline(rates, gf, conn)
    reply = Reply(fallback=title)
    reply.add(*head(title, problems(found)))
    reply.more(*rates_parts(rates, gf, conn))
    w = rates.window
    reply.more(
        Context(
            rich(
                f"Azure Monitor, {_span(w.start, w.end)} UTC in {int(w.interval.total_seconds() // 60)}-minute "
                "grains; metrics arrive a few minutes late. Other windows: ",
                join(" ", [code(f"/vpn metrics {(conn or gw).name} {s}") for s in WINDOWS if s != span]),
            )
        )
    )
    return reply


def _span(start: datetime, end: datetime) -> str:
    """ "11:00–12:00", or with the dates when the window crosses midnight or spans a day."""
    if (end - start).total_seconds() < 86400 and start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M}"
    return f"{start:%d %b %H:%M} – {end:%d %b %H:%M}"


def _parse(args: str) -> tuple[str, str]:
    words = unquote(args).split()
    span = DEFAULT_WINDOW
    if words and (words[-1].lower() in WINDOWS or _looks_like_window(words[-1])):
        if words[-1].lower() not in WINDOWS:
            raise UsageError(
                rich("Unknown window ", code(words[-1][:20]), "."),
                hint=rich("Give one of ", join(", ", [code(s) for s in WINDOWS]), " (the last hour by default)."),
                example=EXAMPLE,
            )
        span = words.pop().lower()
    if not words:
        raise UsageError(
            rich("Which connection or gateway?"),
            hint=rich("Give a connection's or a VPN gateway's name (or resource-group/name, or its id)."),
            example=EXAMPLE,
        )
    return " ".join(words), span


def _looks_like_window(word: str) -> bool:
    w = word.lower()
    return len(w) <= 5 and w[:-1].isdigit() and w[-1] in "hmd"


def _resolve(target: str, gateways: list[Gateway], connections: list[Connection]) -> tuple[Gateway, Connection | None]:
    """The gateway to read, and the connection when the name is one's."""
    vpn = [g for g in gateways if is_vpn(g)]
    gws: list[Gateway] = by_name(vpn, target)
    conns: list[Connection] = by_name(connections, target)
    if len(gws) + len(conns) > 1:
        lines = [rich("• gateway ", code(g.name), ": ", code(f"/vpn metrics {g.id}")) for g in gws]
        lines += [rich("• connection ", code(c.name), ": ", code(f"/vpn metrics {c.id}")) for c in conns]
        raise UsageError(
            rich("Several resources are called ", code(target[:80]), "."),
            hint=rich(strong("Which one?"), "\n", join("\n", lines)),
            example=f"/vpn metrics {(gws or conns)[0].id}",
        )
    if gws:
        return gws[0], None
    if not conns:
        names = sorted({*(g.name for g in vpn), *(c.name for c in connections)})
        raise UsageError(
            rich("No VPN gateway or connection named ", code(target[:80]), " in the subscriptions the bot can see."),
            hint=rich("Known: ", join(", ", [code(n) for n in names[:15]]), " …" if len(names) > 15 else None),
            example=f"/vpn metrics {names[0]} 6h" if names else EXAMPLE,
        )
    c = conns[0]
    owner = next((g for g in gateways if rid_key(g.id) == rid_key(c.gateway1_id)), None)
    if owner is None:
        raise UsageError(
            rich(
                "The connection ",
                code(c.name),
                " belongs to gateway ",
                code(name_of(c.gateway1_id)),
                ", which the bot could not read.",
            ),
            hint=rich("Check the bot's access to that gateway's subscription (", code("/vpn health"), ")."),
            example=EXAMPLE,
        )
    return owner, c


__all__ = ["metrics"]
