"""NAT on a VPN gateway: the addresses a site has as Azure sees it.

https://learn.microsoft.com/azure/vpn-gateway/nat-overview: NAT on VPN Gateway exists to
connect networks with overlapping address spaces. An IngressSnat rule on a connection
translates the site's addresses (the rule's internal mapping) as they enter Azure, so the
VNet — and every route Azure keeps — sees the site at the external mapping; an EgressSnat
rule translates the VNet's addresses as they leave, so the site sees the VNet at its external
mapping. A static rule maps one to one (a subnet of the internal mapping to the same offset
in the external one); a dynamic rule maps onto the external pool.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from commands.core.estate import EstateIndex
from commands.core.model import Connection, LocalNetworkGateway, NatRule, rid_key
from commands.findings.routing.selection import parse_net

DOC_NAT = "https://learn.microsoft.com/azure/vpn-gateway/nat-overview"


def _map(prefix: str, rule: NatRule) -> tuple[str, ...]:
    """`prefix` through `rule`: () when no internal mapping of the rule holds it."""
    net = parse_net(prefix)
    if net is None:
        return ()
    for inside, outside in zip(rule.internal, rule.external, strict=False):
        i, e = parse_net(inside), parse_net(outside)
        if i is None or e is None or net.version != i.version or not net.subnet_of(i):  # type: ignore[arg-type]
            continue
        if rule.rule_type.lower() == "dynamic" or i.prefixlen != e.prefixlen:
            return tuple(rule.external)
        offset = int(net.network_address) - int(i.network_address)
        start = ipaddress.ip_address(int(e.network_address) + offset)
        return (f"{start}/{net.prefixlen}",)
    return ()


def ingress_rules(facts: EstateIndex, conn: Connection) -> list[NatRule]:
    """The IngressSnat rules `conn` applies (rules of its own gateway, by id)."""
    gw = facts.gateway_by_key.get(rid_key(conn.gateway1_id))
    if gw is None or not conn.ingress_nat_rule_ids:
        return []
    wanted = {rid_key(i) for i in conn.ingress_nat_rule_ids}
    return [r for r in gw.nat_rules if rid_key(r.id) in wanted and r.mode.lower() == "ingresssnat"]


def seen_through(prefixes: Iterable[str], rules: Iterable[NatRule]) -> tuple[str, ...]:
    """Each prefix as it is seen after `rules`: translated where a rule holds it."""
    rules = list(rules)
    out: list[str] = []
    for p in prefixes:
        mapped = next((m for r in rules if (m := _map(p, r))), ())
        out += mapped or (p,)
    return tuple(dict.fromkeys(out))


def site_prefixes_via(facts: EstateIndex, conn: Connection, lng: LocalNetworkGateway) -> tuple[str, ...]:
    """The local network gateway's prefixes as Azure sees them over `conn`."""
    return seen_through(lng.address_prefixes, ingress_rules(facts, conn))


def site_prefixes(facts: EstateIndex, lng: LocalNetworkGateway) -> tuple[str, ...]:
    """The local network gateway's prefixes as Azure sees them, over every connection to it
    (as configured when nothing connects to it)."""
    conns = facts.connections_to_site(lng.id)
    if not conns:
        return lng.address_prefixes
    return tuple(dict.fromkeys(p for c in conns for p in site_prefixes_via(facts, c, lng)))
