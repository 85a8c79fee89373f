"""What the DNS checks look at: the facts gathered across subscriptions, the endpoint under
check, and the small readings shared by every check.

`DnsFacts` holds the lists read (as `commands.core.model` dataclasses) and those that could
not be (`FactFailure`), so a check can answer "could not check, because…" instead of
guessing. `EndpointTarget` is one private endpoint to one resource, with the names and IPs
DNS must give for it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from commands.core.errors import AzureFailure
from commands.core.estate import FactFailure
from commands.core.model import (
    Connection,
    DnsRecordSet,
    DnsResolver,
    Gateway,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkConnection,
    ResourceId,
    SqlServer,
    VirtualNetwork,
    name_of,
    rid_key,
)
from commands.core.netwatch import ClientRules
from commands.core.text import Rich, code, join, rich
from commands.findings.dns.zones import SQL_ZONE, PrivateLinkZone, private_link_zone, sql_zone_for, zone_from_groups

AZURE_DNS_IP = "168.63.129.16"


Status = Literal["pass", "fail", "unknown", "info"]


# --------------------------------------------------------------------------------------
# Facts, and what could not be read
# --------------------------------------------------------------------------------------

# Kinds of facts, as the gathering code names them (one port method each).
SQL_SERVERS = "sql_servers"
PRIVATE_ENDPOINTS = "private_endpoints"
ZONES = "private_dns_zones"
VNETS = "virtual_networks"
GATEWAYS = "gateways"
RESOLVERS = "dns_resolvers"
CONNECTIONS = "connections"

KIND_WORDS = {
    SQL_SERVERS: "SQL servers",
    PRIVATE_ENDPOINTS: "private endpoints",
    ZONES: "private DNS zones",
    VNETS: "virtual networks",
    GATEWAYS: "virtual network gateways",
    RESOLVERS: "DNS private resolvers",
    CONNECTIONS: "gateway connections",
}


@dataclass(frozen=True)
class DnsFacts:
    """Everything the checks look at, gathered across the subscriptions in scope."""

    subscriptions: tuple[str, ...] = ()
    subscription_names: dict[str, str] = field(default_factory=dict)
    sql_servers: tuple[SqlServer, ...] = ()
    private_endpoints: tuple[PrivateEndpoint, ...] = ()
    zones: tuple[PrivateDnsZone, ...] = ()
    vnets: tuple[VirtualNetwork, ...] = ()
    gateways: tuple[Gateway, ...] = ()
    resolvers: tuple[DnsResolver, ...] = ()
    connections: tuple[Connection, ...] = ()
    failures: tuple[FactFailure, ...] = ()
    # The client VMs' effective security rules per private endpoint (key: the endpoint's id key),
    # where they were read (checklist, diagnose): item 7 checks its ports against them.
    client_rules: dict[str, tuple[ClientRules, ...]] = field(default_factory=dict)

    # -- lookups ----------------------------------------------------------------------
    def vnet(self, vnet_id: str) -> VirtualNetwork | None:
        k = rid_key(vnet_id)
        return next((v for v in self.vnets if rid_key(v.id) == k), None)

    def gateway(self, gateway_id: str) -> Gateway | None:
        k = rid_key(gateway_id)
        return next((g for g in self.gateways if rid_key(g.id) == k), None)

    def zones_named(self, name: str) -> list[PrivateDnsZone]:
        return [z for z in self.zones if z.name.lower().rstrip(".") == name.lower()]

    def p2s_gateways(self) -> list[Gateway]:
        return [g for g in self.gateways if g.serves_p2s]

    # -- what could not be read -------------------------------------------------------
    def failed(self, *kinds: str) -> list[FactFailure]:
        return [f for f in self.failures if f.kind in kinds]

    def unread(self, kind: str, subscription_id: str) -> bool:
        """True when `kind` could not be read in that subscription, or it is out of scope."""
        sub = subscription_id.lower()
        if self.subscriptions and sub not in {s.lower() for s in self.subscriptions}:
            return True
        return any(f.kind == kind and f.subscription_id.lower() == sub for f in self.failures)

    def sub_label(self, subscription_id: str) -> str:
        return self.subscription_names.get(subscription_id) or subscription_id

    def zone_failures(self) -> list[tuple[PrivateDnsZone, str, AzureFailure]]:
        """(zone, "A records" | "virtual network links", why) for each list of a zone that
        could not be read (the zone itself was listed: the rest of it is known)."""
        out: list[tuple[PrivateDnsZone, str, AzureFailure]] = []
        for z in self.zones:
            if z.records_failure is not None:
                out.append((z, "A records", z.records_failure))
            if z.links_failure is not None:
                out.append((z, "virtual network links", z.links_failure))
        return out

    def why(self, *kinds: str) -> Rich:
        """What could not be read and what to do about it (AzureFailure.advice); empty when
        everything of those kinds was read. For ZONES, also each zone whose records or links
        could not be read, by name."""
        bits: list[Rich] = []
        advice: list[Rich] = []
        for f in self.failed(*kinds):
            reason = f.error.code or f.error.kind
            bits.append(
                rich(
                    f"could not read {KIND_WORDS.get(f.kind, f.kind)} in subscription "
                    f"{self.sub_label(f.subscription_id)} ({reason})"
                )
            )
            if f.error.advice not in advice:
                advice.append(f.error.advice)
        for zone, what, error in self.zone_failures() if ZONES in kinds else ():
            bits.append(
                rich(
                    f"could not read the {what} of zone ",
                    code(zone.name),
                    " ",
                    where(zone.id, self),
                    f" ({error.code or error.kind})",
                )
            )
            if error.advice not in advice:
                advice.append(error.advice)
        if not bits:
            return Rich()
        return rich(join("; ", bits), ". ", join(" ", advice))

    def multi_subscription(self) -> bool:
        return len(self.subscriptions) > 1


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def as_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """`text` as an IP network (host bits allowed), or None."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def ip_in(ip: str, prefixes: Iterable[str]) -> str:
    """The first prefix of `prefixes` containing `ip` ("" when none does)."""
    addr = _ip(ip)
    if addr is None:
        return ""
    for p in prefixes:
        net = as_network(p)
        if net is not None and addr.version == net.version and addr in net:
            return p
    return ""


def rg_of(resource_id: str) -> str:
    """The resource group of an ARM id (a placeholder for a command when there is none)."""
    try:
        return ResourceId.parse(resource_id).resource_group or "<resource-group>"
    except ValueError:
        return "<resource-group>"


def sub_of(resource_id: str) -> str:
    """The subscription id of an ARM id ("" when it is not one)."""
    try:
        return ResourceId.parse(resource_id).subscription_id
    except ValueError:
        return ""


def subnet_name(subnet_id: str) -> str:
    """The subnet's name in a subnet id ("" when it is not one)."""
    return subnet_id.rsplit("/subnets/", 1)[1].split("/")[0] if "/subnets/" in subnet_id else ""


def az_cmd(command: str, resource_id: str, facts: DnsFacts) -> str:
    """An az command, with `--subscription` when more than one subscription is in scope."""
    sub = sub_of(resource_id)
    if facts.multi_subscription() and sub:
        return f"{command} --subscription {sub}"
    return command


def where(resource_id: str, facts: DnsFacts) -> Rich:
    """ "(rg-x)" or "(rg-x, subscription Y)", to tell same-named resources apart."""
    rg = rg_of(resource_id)
    if facts.multi_subscription():
        return rich(f"({rg}, {facts.sub_label(sub_of(resource_id))})")
    return rich(f"({rg})")


def zones_and_links(zones: Sequence[PrivateDnsZone], facts: DnsFacts) -> Rich:
    """ "(rg-a) linked to `vnet-a`, `vnet-b`; (rg-b) linked to no VNet": each zone and its links."""
    return join(
        "; ",
        [
            rich(
                where(z.id, facts), " linked to ", join(", ", [code(name_of(x.vnet_id)) for x in z.links]) or "no VNet"
            )
            for z in zones
        ],
    )


def ip_list(ips: Iterable[str]) -> Rich:
    """The IPs as code, or "none"."""
    return join(", ", [code(i) for i in ips]) or rich("none")


def worst(statuses: Iterable[Status]) -> Status:
    """fail, else unknown, else pass."""
    s = list(statuses)
    if "fail" in s:
        return "fail"
    if "unknown" in s:
        return "unknown"
    return "pass"


# --------------------------------------------------------------------------------------
# The endpoint under check
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointTarget:
    """One private endpoint to one target resource, with what DNS must say for it."""

    endpoint: PrivateEndpoint
    connection: PrivateLinkConnection
    zone: PrivateLinkZone
    target_name: str
    # record name (relative to the zone, lower case) -> the endpoint's IPs for it
    expected: dict[str, tuple[str, ...]]

    @property
    def ips(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for ips in self.expected.values():
            for ip in ips:
                seen[ip] = None
        for ip in self.endpoint.private_ips:
            seen[ip] = None
        return tuple(seen)

    @property
    def public_fqdns(self) -> tuple[str, ...]:
        return tuple(f"{n}.{self.zone.public_suffix}" for n in self.expected)

    @property
    def group_id(self) -> str:
        return self.connection.group_ids[0] if self.connection.group_ids else ""


def _relative(fqdn: str, zone: PrivateLinkZone) -> str:
    """`sql-eun.database.windows.net` or `sql-eun.privatelink.database.windows.net` → `sql-eun`."""
    f = fqdn.lower().rstrip(".")
    for suffix in (zone.zone, zone.public_suffix):
        if f.endswith("." + suffix):
            return f[: -len(suffix) - 1]
    return ""


def endpoint_target(
    endpoint: PrivateEndpoint, connection: PrivateLinkConnection, zone: PrivateLinkZone
) -> EndpointTarget:
    """What DNS must say for this endpoint: record names and IPs, from what Azure reports.

    customDnsConfigs (when Azure fills them) and the zone group's record sets name the FQDNs
    and IPs; otherwise the target's name and all of the endpoint's IPs.
    """
    expected: dict[str, tuple[str, ...]] = {}
    sources: list[DnsRecordSet] = list(endpoint.custom_dns)
    for g in endpoint.zone_groups:
        for cfg in g.configs:
            if name_of(cfg.zone_id).lower() == zone.zone:
                sources.extend(cfg.records)
    for rs in sources:
        rel = _relative(rs.fqdn, zone) if rs.fqdn else rs.name.lower()
        if not rel or rs.record_type.upper() not in ("A", ""):
            continue
        ips = tuple(i for i in rs.ips if i)
        if ips and rel not in expected:
            expected[rel] = ips
    target = name_of(connection.target_id)
    if not expected:
        expected[target.lower()] = tuple(endpoint.private_ips)
    return EndpointTarget(endpoint, connection, zone, target, expected)


def connections_to(endpoint: PrivateEndpoint, target_id: str) -> list[PrivateLinkConnection]:
    """The endpoint's connections to `target_id` (ARM ids compare case-insensitively)."""
    k = rid_key(target_id)
    return [c for c in endpoint.connections if rid_key(c.target_id) == k]


def endpoints_for(target_id: str, facts: DnsFacts) -> list[tuple[PrivateEndpoint, PrivateLinkConnection]]:
    """Every private endpoint in scope with a connection to `target_id` (case-insensitive)."""
    out: list[tuple[PrivateEndpoint, PrivateLinkConnection]] = []
    for pe in facts.private_endpoints:
        for c in connections_to(pe, target_id):
            out.append((pe, c))
            break
    return sorted(out, key=lambda t: (t[0].location, t[0].name))


def endpoint_owner(ip: str, facts: DnsFacts) -> PrivateEndpoint | None:
    """The private endpoint that holds `ip`, if any in scope does."""
    for pe in facts.private_endpoints:
        if ip in pe.private_ips:
            return pe
        for rs in pe.custom_dns:
            if ip in rs.ips:
                return pe
    return None


def group_zone_ids(t: EndpointTarget) -> list[str]:
    """Ids of the zones of the right name that the endpoint's DNS zone groups write to."""
    out: list[str] = []
    for g in t.endpoint.zone_groups:
        for cfg in g.configs:
            if name_of(cfg.zone_id).lower() == t.zone.zone and cfg.zone_id not in out:
                out.append(cfg.zone_id)
    return out


def linked_zone(vnet_id: str, zone_name: str, facts: DnsFacts) -> PrivateDnsZone | None:
    """The zone of that name linked to the VNet (Azure allows one per name and VNet)."""
    k = rid_key(vnet_id)
    for z in facts.zones_named(zone_name):
        if any(rid_key(link.vnet_id) == k for link in z.links):
            return z
    return None


def zones_unreadable(facts: DnsFacts) -> bool:
    """True when the private DNS zones of some subscription could not be listed."""
    return bool(facts.failed(ZONES))


def links_unread(zone_name: str, facts: DnsFacts) -> bool:
    """True when a zone of that name exists whose virtual network links could not be read
    (so whether a VNet is linked to it is not known)."""
    return any(z.links_failure is not None for z in facts.zones_named(zone_name))


def primary_zone(t: EndpointTarget, facts: DnsFacts) -> PrivateDnsZone | None:
    """The zone the endpoint's zone group writes to, else the first zone of the name in scope."""
    ids = {rid_key(i) for i in group_zone_ids(t)}
    named = facts.zones_named(t.zone.zone)
    return next((z for z in named if rid_key(z.id) in ids), None) or next(iter(named), None)


def endpoint_targets(facts: DnsFacts) -> list[EndpointTarget]:
    """Every private endpoint connection in scope whose private link zone is known."""
    out: list[EndpointTarget] = []
    servers = {rid_key(s.id): s for s in facts.sql_servers}
    for pe in facts.private_endpoints:
        for c in pe.connections:
            group = c.group_ids[0] if c.group_ids else ""
            zone = private_link_zone(c.target_id, group)
            if zone is None:
                zone = zone_from_groups(pe)
            if zone is None:
                continue
            if zone is SQL_ZONE:
                zone = sql_zone_for(servers.get(rid_key(c.target_id)))
            out.append(endpoint_target(pe, c, zone))
    return out
