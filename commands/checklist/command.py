"""`/vpn checklist <server>`: the Azure SQL private endpoint, DNS and certificate checklist.

Reads the estate as every command does (`commands.judgement.estate`),
finds the server's private endpoints and answers, per endpoint, eight items that are each
✔, ✘ (with the fix, as az commands filled in with this estate's names) or "could not
check" (with why). The checks themselves are pure functions in `commands.findings.dns`,
shared with `/vpn diagnose`.
"""

from __future__ import annotations

from commands.checklist.render import checklist_reply, unknown_server_reply
from commands.checklist.servers import EXAMPLE, USAGE, find_server, parse_server
from commands.core.estate import subscriptions_in_scope
from commands.core.parse import unquote
from commands.core.registry import Ctx, command
from commands.core.reply import Reply
from commands.findings.dns.facts import (
    CONNECTIONS,
    GATEWAYS,
    PRIVATE_ENDPOINTS,
    RESOLVERS,
    SQL_SERVERS,
    VNETS,
    ZONES,
)
from commands.judgement.estate import read_estate, read_peered_vnets
from commands.judgement.judge import judge
from commands.judgement.nsgs import read_client_rules
from commands.judgement.progress import Progress

_KINDS = (SQL_SERVERS, PRIVATE_ENDPOINTS, ZONES, VNETS, GATEWAYS, RESOLVERS, CONNECTIONS)


@command("checklist", usage=USAGE, example=EXAMPLE)
def checklist(ctx: Ctx, args: str) -> Reply:
    """The Azure SQL private endpoint, DNS and certificate checklist for VPN clients, filled in from the live estate: what is right is ticked, what is wrong says why and what to run.

    Eight items per private endpoint of the server: the endpoint and its approval, the DNS
    zone group, zone and A record, the zone's links to the VNets that matter, how VPN clients
    resolve the name, the route from the client pool, the name and certificate to connect
    with, the connection policy and ports, and what to run on the laptop.
    """
    q = parse_server(unquote(args))
    subs = subscriptions_in_scope(ctx, "your SQL servers")
    progress = Progress(ctx)
    est = read_estate(ctx, subs, progress)
    read_peered_vnets(ctx, est, progress)
    read_client_rules(ctx, est)  # item 7's ports, checked against the client VMs' rules
    facts = est.dns
    servers, note = find_server(q, facts)
    if not servers:
        return unknown_server_reply(q, facts, note)
    # The items are the checks of commands.findings.dns on the estate read; their causes are
    # the one judgement's (the same root causes /vpn diagnose and /vpn status give).
    return checklist_reply(q, servers, note, facts, len(subs), facts.why(*_KINDS), judge(est))
