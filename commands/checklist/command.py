"""`/vpn checklist <server>`: the Azure SQL private endpoint, DNS and certificate checklist.

Reads the estate across every subscription in scope at once (`commands.core.estate.read_lists`),
finds the server's private endpoints and answers, per endpoint, eight items that are each
✔, ✘ (with the fix, as az commands filled in with this estate's names) or "could not
check" (with why). The checks themselves are pure functions in `commands.findings.dns`,
shared with `/vpn diagnose`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from commands.checklist.render import checklist_reply, unknown_server_reply
from commands.checklist.servers import EXAMPLE, USAGE, find_server, parse_server
from commands.core.estate import read_lists, subscriptions_in_scope
from commands.core.model import Subscription
from commands.core.port import AzurePort
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
    DnsFacts,
)

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


@command("checklist", usage=USAGE, example=EXAMPLE)
def checklist(ctx: Ctx, args: str) -> Reply:
    """The Azure SQL private endpoint, DNS and certificate checklist for VPN clients, filled in from the live estate: what is right is ticked, what is wrong says why and what to run.

    Eight items per private endpoint of the server: the endpoint and its approval, the DNS
    zone group, zone and A record, the zone's links to the VNets that matter, how VPN clients
    resolve the name, the route from the client pool, the name and certificate to connect
    with, the connection policy and ports, and what to run on the laptop.
    """
    q = parse_server(args)
    subs = subscriptions_in_scope(ctx, "your SQL servers")
    facts = gather_facts(ctx, subs)
    servers, note = find_server(q, facts)
    if not servers:
        return unknown_server_reply(q, facts, note)
    return checklist_reply(q, servers, note, facts, len(subs), facts.why(*(k for k, _ in _KINDS)))
