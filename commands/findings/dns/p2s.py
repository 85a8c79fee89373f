"""What a point-to-site gateway hands its VPN clients: routes, and DNS servers.

The routes follow `commands.findings.routing.p2s.p2s_plan` (one implementation for `/vpn routes`,
`/vpn diagnose` and the checklist): the gateway VNet's prefixes, those of VNets peered with
gateway transit (hub allowGatewayTransit + spoke useRemoteGateways), the gateway's custom
routes, and, without BGP, maybe the VNets behind its VNet-to-VNet connections.
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing

A DNS server a gateway's VNet names is Azure's resolver (which a VPN client cannot reach),
a DNS Private Resolver inbound endpoint, a forwarder in a VNet, or something outside every
VNet the bot sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commands.core.estate import EstateIndex
from commands.core.model import DnsResolver, Gateway, Peering, VirtualNetwork, name_of, rid_key
from commands.findings.dns.facts import AZURE_DNS_IP, DnsFacts, EndpointTarget, as_network, ip_in
from commands.findings.routing.p2s import p2s_plan


@dataclass(frozen=True)
class HandedRoute:
    """A prefix a P2S gateway gives its clients; `why` and `caveat` are plain words."""

    prefix: str
    why: str
    certainty: str = "always"  # always | maybe (coverage.Certainty)
    caveat: str = ""


@dataclass(frozen=True)
class P2SRoutes:
    """The prefixes one P2S gateway hands its clients, by certainty, and those it does not."""

    gateway: Gateway
    routes: tuple[HandedRoute, ...]  # "always"
    maybe: tuple[HandedRoute, ...] = ()  # "maybe": depends on the client, or a caveat applies
    never: tuple[HandedRoute, ...] = ()  # prefixes clients do not get, and why
    notes: tuple[str, ...] = ()  # plain text: what could not be read
    complete: bool = True  # False when the gateway's VNet could not be read

    def covering(self, ip: str) -> HandedRoute | None:
        """The most specific "always" route covering `ip`."""
        return _most_specific(ip, self.routes)

    def maybe_covering(self, ip: str) -> HandedRoute | None:
        return _most_specific(ip, self.maybe)

    def refused(self, ip: str) -> HandedRoute | None:
        """A prefix covering `ip` that clients do *not* get (with why), if the plan names one."""
        return _most_specific(ip, self.never)

    def reaches(self, ip: str) -> bool:
        return self.covering(ip) is not None or self.maybe_covering(ip) is not None


def _most_specific(ip: str, routes: Iterable[HandedRoute]) -> HandedRoute | None:
    best: tuple[int, HandedRoute] | None = None
    for r in routes:
        net = as_network(r.prefix)
        if net is not None and ip_in(ip, [r.prefix]) and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, r)
    return best[1] if best else None


def reverse_peering(local: VirtualNetwork, remote: VirtualNetwork) -> Peering | None:
    """The peering of `remote` back to `local`, if there is one."""
    k = rid_key(local.id)
    return next((p for p in remote.peerings if rid_key(p.remote_vnet_id) == k), None)


def p2s_routes(gateway: Gateway, facts: DnsFacts) -> P2SRoutes:
    """The prefixes a point-to-site gateway hands to its clients, each with the reason.

    The rules are `commands.findings.routing.p2s.p2s_plan`'s (one implementation for `/vpn routes`,
    `/vpn diagnose` and this checklist): the gateway VNet's address space and custom routes
    always; peered VNets only with gateway transit (hub allowGatewayTransit + spoke
    useRemoteGateways); VNets behind VNet-to-VNet / site-to-site connections "maybe",
    with the caveat (no BGP: the far gateway never learns the P2S pool, so replies drop).
    """
    if facts.vnet(gateway.vnet_id) is None:
        return P2SRoutes(
            gateway, (), (), (), (f"the gateway's VNet {name_of(gateway.vnet_id)} could not be read",), False
        )
    plan = p2s_plan(gateway, EstateIndex(vnets=facts.vnets, gateways=facts.gateways, connections=facts.connections))
    by: dict[str, list[HandedRoute]] = {"always": [], "maybe": [], "never": []}
    for e in plan:
        if e.kind != "p2s_pool":
            by[e.certainty].append(HandedRoute(e.prefix, e.why, e.certainty, e.caveat))
    return P2SRoutes(gateway, tuple(by["always"]), tuple(by["maybe"]), tuple(by["never"]))


def relevant_gateways(t: EndpointTarget, facts: DnsFacts) -> tuple[list[Gateway], dict[str, P2SRoutes]]:
    """P2S gateways whose clients get (or may get) a route to the endpoint; all P2S gateways
    when none do (so the DNS side is ready once routing is fixed)."""
    views = {rid_key(g.id): p2s_routes(g, facts) for g in facts.p2s_gateways()}
    ip = t.ips[0] if t.ips else ""
    reaching = [v.gateway for v in views.values() if ip and v.reaches(ip)]
    return (reaching or [v.gateway for v in views.values()]), views


@dataclass(frozen=True)
class DnsServerUse:
    """One DNS server a gateway's VNet hands to VPN clients, and where it lives."""

    ip: str
    kind: str  # "azure" | "resolver" | "forwarder" | "outside"
    host_vnet_id: str = ""
    resolver: DnsResolver | None = None


def classify_dns_server(ip: str, facts: DnsFacts) -> DnsServerUse:
    """Azure's resolver, a DNS Private Resolver inbound endpoint, a forwarder in a VNet, or outside."""
    if ip == AZURE_DNS_IP:
        return DnsServerUse(ip, "azure")
    for r in facts.resolvers:
        if ip in r.inbound_ips:
            return DnsServerUse(ip, "resolver", r.vnet_id, r)
    for v in facts.vnets:
        prefixes = [p for s in v.subnets for p in s.address_prefixes] or list(v.address_prefixes)
        if ip_in(ip, prefixes):
            return DnsServerUse(ip, "forwarder", v.id)
    return DnsServerUse(ip, "outside")
