"""Private endpoint DNS, routing and naming checks, as pure functions over gathered facts.

Used by `/vpn checklist` (one Azure SQL server, item by item) and by `/vpn diagnose` (every
private endpoint in scope, as ranked findings). Inputs are `commands.core.model` dataclasses
bundled in `DnsFacts`, together with what could not be read (`FactFailure`), so every check
answers ✔ (`pass`), ✘ (`fail`, with the fix) or "could not check" (`unknown`, with why).

The rules behind the checks, in Azure's words:
- A private endpoint's name resolves through a CNAME to `<name>.privatelink.<suffix>`; a
  private DNS zone of that name, linked to the VNet the query comes from, answers with the
  private IP. https://learn.microsoft.com/azure/private-link/private-endpoint-dns
- A VNet can be linked to only one private zone of a given name; several zones with the
  same name each need their own records ("would need manual operations to merge").
- Azure's resolver 168.63.129.16 answers only queries that come from inside a VNet: a VPN
  client needs a DNS forwarder or a DNS Private Resolver inbound endpoint in a VNet linked
  to the zone. https://learn.microsoft.com/azure/dns/dns-private-resolver-overview
- A P2S client gets the gateway VNet's prefixes, those of VNets peered with gateway transit
  (hub allowGatewayTransit + spoke useRemoteGateways), the gateway's custom routes, and,
  without BGP, the VNets on the far side of its VNet-to-VNet connections.
  https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from commands import coverage
from commands.core.estate import EstateIndex, FactFailure
from commands.core.model import (
    Connection,
    DnsRecordSet,
    DnsResolver,
    Gateway,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkConnection,
    ResourceId,
    SqlServer,
    VirtualNetwork,
    name_of,
    rid_key,
)
from commands.core.reply import Finding, Severity, code, esc, literal
from commands.findings import dedup, ranked

AZURE_DNS_IP = "168.63.129.16"

DOC_PE_DNS = "https://learn.microsoft.com/azure/private-link/private-endpoint-dns"
DOC_SQL_PRIVATE_LINK = "https://learn.microsoft.com/azure/azure-sql/database/private-endpoint-overview"
DOC_SQL_CONNECTIVITY = "https://learn.microsoft.com/azure/azure-sql/database/connectivity-architecture"
DOC_P2S_ROUTING = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing"
DOC_RESOLVER = "https://learn.microsoft.com/azure/dns/dns-private-resolver-overview"
DOC_VPN_CLIENT_DNS = "https://learn.microsoft.com/azure/vpn-gateway/azure-vpn-client-optional-configurations"
DOC_ZONE_LINKS = "https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links"

Status = Literal["pass", "fail", "unknown", "info"]

# --------------------------------------------------------------------------------------
# Private link zones per (resource type, groupId): Azure's recommended zone names.
# https://learn.microsoft.com/azure/private-link/private-endpoint-dns (public cloud)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrivateLinkZone:
    """The private zone of a private link sub-resource and the public suffix it shadows."""

    zone: str  # e.g. "privatelink.database.windows.net"
    public_suffix: str  # e.g. "database.windows.net": clients use <name>.<public_suffix>
    service: str  # e.g. "Azure SQL Database"


def _z(zone: str, public: str, service: str) -> PrivateLinkZone:
    return PrivateLinkZone(zone, public, service)


_STORAGE = {
    sub: _z(f"privatelink.{sub}.core.windows.net", f"{sub}.core.windows.net", f"Storage ({sub})")
    for sub in ("blob", "table", "queue", "file", "web", "dfs")
}

PRIVATE_LINK_ZONES: dict[tuple[str, str], PrivateLinkZone] = {
    ("microsoft.sql/servers", "sqlserver"): _z(
        "privatelink.database.windows.net", "database.windows.net", "Azure SQL Database"
    ),
    ("microsoft.synapse/workspaces", "sql"): _z(
        "privatelink.sql.azuresynapse.net", "sql.azuresynapse.net", "Synapse SQL"
    ),
    ("microsoft.synapse/workspaces", "dev"): _z("privatelink.dev.azuresynapse.net", "dev.azuresynapse.net", "Synapse"),
    **{("microsoft.storage/storageaccounts", k): v for k, v in _STORAGE.items()},
    **{("microsoft.storage/storageaccounts", f"{k}_secondary"): v for k, v in _STORAGE.items()},
    ("microsoft.documentdb/databaseaccounts", "sql"): _z(
        "privatelink.documents.azure.com", "documents.azure.com", "Cosmos DB"
    ),
    ("microsoft.documentdb/databaseaccounts", "mongodb"): _z(
        "privatelink.mongo.cosmos.azure.com", "mongo.cosmos.azure.com", "Cosmos DB (MongoDB)"
    ),
    ("microsoft.documentdb/databaseaccounts", "cassandra"): _z(
        "privatelink.cassandra.cosmos.azure.com", "cassandra.cosmos.azure.com", "Cosmos DB (Cassandra)"
    ),
    ("microsoft.documentdb/databaseaccounts", "gremlin"): _z(
        "privatelink.gremlin.cosmos.azure.com", "gremlin.cosmos.azure.com", "Cosmos DB (Gremlin)"
    ),
    ("microsoft.documentdb/databaseaccounts", "table"): _z(
        "privatelink.table.cosmos.azure.com", "table.cosmos.azure.com", "Cosmos DB (Table)"
    ),
    ("microsoft.dbforpostgresql/servers", "postgresqlserver"): _z(
        "privatelink.postgres.database.azure.com", "postgres.database.azure.com", "PostgreSQL"
    ),
    ("microsoft.dbformysql/servers", "mysqlserver"): _z(
        "privatelink.mysql.database.azure.com", "mysql.database.azure.com", "MySQL"
    ),
    ("microsoft.dbformariadb/servers", "mariadbserver"): _z(
        "privatelink.mariadb.database.azure.com", "mariadb.database.azure.com", "MariaDB"
    ),
    ("microsoft.keyvault/vaults", "vault"): _z("privatelink.vaultcore.azure.net", "vault.azure.net", "Key Vault"),
    ("microsoft.containerregistry/registries", "registry"): _z(
        "privatelink.azurecr.io", "azurecr.io", "Container Registry"
    ),
    ("microsoft.search/searchservices", "searchservice"): _z(
        "privatelink.search.windows.net", "search.windows.net", "AI Search"
    ),
    ("microsoft.appconfiguration/configurationstores", "configurationstores"): _z(
        "privatelink.azconfig.io", "azconfig.io", "App Configuration"
    ),
    ("microsoft.eventhub/namespaces", "namespace"): _z(
        "privatelink.servicebus.windows.net", "servicebus.windows.net", "Event Hubs"
    ),
    ("microsoft.servicebus/namespaces", "namespace"): _z(
        "privatelink.servicebus.windows.net", "servicebus.windows.net", "Service Bus"
    ),
    ("microsoft.relay/namespaces", "namespace"): _z(
        "privatelink.servicebus.windows.net", "servicebus.windows.net", "Relay"
    ),
    ("microsoft.eventgrid/topics", "topic"): _z("privatelink.eventgrid.azure.net", "eventgrid.azure.net", "Event Grid"),
    ("microsoft.eventgrid/domains", "domain"): _z(
        "privatelink.eventgrid.azure.net", "eventgrid.azure.net", "Event Grid"
    ),
    ("microsoft.web/sites", "sites"): _z("privatelink.azurewebsites.net", "azurewebsites.net", "App Service"),
    ("microsoft.cache/redis", "rediscache"): _z(
        "privatelink.redis.cache.windows.net", "redis.cache.windows.net", "Azure Cache for Redis"
    ),
    ("microsoft.cognitiveservices/accounts", "account"): _z(
        "privatelink.cognitiveservices.azure.com", "cognitiveservices.azure.com", "Azure AI services"
    ),
    ("microsoft.signalrservice/signalr", "signalr"): _z(
        "privatelink.service.signalr.net", "service.signalr.net", "SignalR"
    ),
    ("microsoft.datafactory/factories", "datafactory"): _z(
        "privatelink.datafactory.azure.net", "datafactory.azure.net", "Data Factory"
    ),
}

SQL_ZONE = PRIVATE_LINK_ZONES[("microsoft.sql/servers", "sqlserver")]


def resource_type(resource_id: str) -> str:
    """`Microsoft.Sql/servers` for a server id (lower case); "" when not an ARM id."""
    try:
        rid = ResourceId.parse(resource_id)
    except ValueError:
        return ""
    if not rid.provider or not rid.types:
        return ""
    return f"{rid.provider}/{'/'.join(rid.types)}".lower()


def _arm_type(resource_id: str) -> str:
    """`Microsoft.Sql/servers` as written in the id (for `az … --type`)."""
    try:
        rid = ResourceId.parse(resource_id)
    except ValueError:
        return "<provider>/<type>"
    return f"{rid.provider}/{'/'.join(rid.types)}" if rid.provider and rid.types else "<provider>/<type>"


def private_link_zone(target_id: str, group_id: str) -> PrivateLinkZone | None:
    """Azure's private zone for a private link target and sub-resource (groupId), if known."""
    return PRIVATE_LINK_ZONES.get((resource_type(target_id), group_id.lower()))


def sql_zone_for(server: SqlServer | None) -> PrivateLinkZone:
    """The SQL private zone, following the server's own FQDN suffix (sovereign clouds)."""
    if server and server.fqdn and "." in server.fqdn:
        suffix = server.fqdn.lower().split(".", 1)[1]
        if suffix and suffix != SQL_ZONE.public_suffix:
            return PrivateLinkZone(f"privatelink.{suffix}", suffix, SQL_ZONE.service)
    return SQL_ZONE


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

_KIND_WORDS = {
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

    def why(self, *kinds: str) -> str:
        """mrkdwn: what could not be read and what to do about it (AzureFailure.advice)."""
        failures = self.failed(*kinds)
        if not failures:
            return ""
        bits: list[str] = []
        advice: list[str] = []
        for f in failures:
            reason = f.error.code or f.error.kind
            bits.append(
                f"could not read {_KIND_WORDS.get(f.kind, f.kind)} in subscription "
                f"{esc(self.sub_label(f.subscription_id))} ({esc(reason)})"
            )
            if f.error.advice not in advice:
                advice.append(f.error.advice)
        return "; ".join(bits) + ". " + " ".join(advice)

    def multi_subscription(self) -> bool:
        return len(self.subscriptions) > 1


# --------------------------------------------------------------------------------------
# Check results
# --------------------------------------------------------------------------------------

STATUS_ICON: dict[str, str] = {"pass": "✔", "fail": "✘", "unknown": "❔", "info": "ℹ"}
STATUS_WORD: dict[str, str] = {"pass": "", "fail": "", "unknown": "could not check", "info": ""}


@dataclass(frozen=True)
class Check:
    """One checklist item: its verdict, the evidence found, and for ✘ the fix.

    `evidence` lines and `fix_text` are mrkdwn (estate names already escaped); `commands`
    are plain shell lines (the renderer puts them in a code block, escaped for it).
    """

    number: int
    key: str  # stable identity, e.g. "pe_dns_record:<endpoint id>"
    title: str  # mrkdwn, one line
    status: Status
    evidence: tuple[str, ...] = ()
    fix_text: str = ""
    commands: tuple[str, ...] = ()
    doc_url: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def to_finding(self, severity: Severity | None = None) -> Finding:
        """The same verdict as a ranked Finding (for `/vpn diagnose`)."""
        default: dict[str, Severity] = {"pass": "ok", "fail": "critical", "unknown": "warning", "info": "info"}
        sev: Severity = severity or default[self.status]
        steps = self.fix_text
        if self.commands:
            steps = (steps + "\n" if steps else "") + code_block(self.commands)
        return Finding(
            severity=sev,
            title=self.title,
            evidence="\n".join(self.evidence),
            next_step=steps,
            doc_url=self.doc_url,
            key=self.key,
        )


def code_block(lines: Iterable[str]) -> str:
    """Shell lines as a mrkdwn code block, safe for Slack and still copy-pasteable.

    `esc()` would put zero-width spaces after `_` and `*`, which would then be pasted into
    the shell with the command; inside a code block Slack formats nothing, so only `&<>`
    (Slack's control characters) are escaped and backticks (which would end the block) are
    replaced.
    """
    body = "\n".join(lines)
    body = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")
    return f"```{body}```"


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
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
        net = _net(p)
        if net is not None and addr.version == net.version and addr in net:
            return p
    return ""


def _rg(resource_id: str) -> str:
    try:
        return ResourceId.parse(resource_id).resource_group or "<resource-group>"
    except ValueError:
        return "<resource-group>"


def _sub(resource_id: str) -> str:
    try:
        return ResourceId.parse(resource_id).subscription_id
    except ValueError:
        return ""


def _subnet_name(subnet_id: str) -> str:
    return subnet_id.rsplit("/subnets/", 1)[1].split("/")[0] if "/subnets/" in subnet_id else ""


def _az(command: str, resource_id: str, facts: DnsFacts) -> str:
    """An az command, with `--subscription` when more than one subscription is in scope."""
    sub = _sub(resource_id)
    if facts.multi_subscription() and sub:
        return f"{command} --subscription {sub}"
    return command


def _where(resource_id: str, facts: DnsFacts) -> str:
    """mrkdwn "(rg-x)" or "(rg-x, subscription Y)" to tell same-named resources apart."""
    rg = _rg(resource_id)
    if facts.multi_subscription():
        return f"({esc(rg)}, {esc(facts.sub_label(_sub(resource_id)))})"
    return f"({esc(rg)})"


def _ips(ips: Iterable[str]) -> str:
    return ", ".join(code(i) for i in ips) or "none"


def _worst(statuses: Iterable[Status]) -> Status:
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


# --------------------------------------------------------------------------------------
# What a P2S gateway hands to its clients (the same rules as commands/coverage.py)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandedRoute:
    """A prefix a P2S gateway gives its clients; `why` and `caveat` are plain text (escape them)."""

    prefix: str
    why: str
    certainty: str = "always"  # always | maybe (coverage.Certainty)
    caveat: str = ""


@dataclass(frozen=True)
class P2SRoutes:
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
        net = _net(r.prefix)
        if net is not None and ip_in(ip, [r.prefix]) and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, r)
    return best[1] if best else None


def _reverse_peering(local: VirtualNetwork, remote: VirtualNetwork) -> Peering | None:
    k = rid_key(local.id)
    return next((p for p in remote.peerings if rid_key(p.remote_vnet_id) == k), None)


def p2s_routes(gateway: Gateway, facts: DnsFacts) -> P2SRoutes:
    """The prefixes a point-to-site gateway hands to its clients, each with the reason.

    The rules are H5's `commands.coverage.p2s_plan` (one implementation for `/vpn routes`,
    `/vpn diagnose` and this checklist): the gateway VNet's address space and custom routes
    always; peered VNets only with gateway transit (hub allowGatewayTransit + spoke
    useRemoteGateways); VNets behind VNet-to-VNet / site-to-site connections "maybe",
    with the caveat (no BGP: the far gateway never learns the P2S pool, so replies drop).
    """
    if facts.vnet(gateway.vnet_id) is None:
        return P2SRoutes(
            gateway, (), (), (), (f"the gateway's VNet {name_of(gateway.vnet_id)} could not be read",), False
        )
    plan = coverage.p2s_plan(
        gateway, EstateIndex(vnets=facts.vnets, gateways=facts.gateways, connections=facts.connections)
    )
    by: dict[str, list[HandedRoute]] = {"always": [], "maybe": [], "never": []}
    for e in plan:
        if e.kind != "p2s_pool":
            by[e.certainty].append(HandedRoute(e.prefix, e.why, e.certainty, e.caveat))
    return P2SRoutes(gateway, tuple(by["always"]), tuple(by["maybe"]), tuple(by["never"]))


# --------------------------------------------------------------------------------------
# Shared view of one endpoint: zones, links, gateways
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordVerdict:
    ok: bool
    text: str  # mrkdwn
    commands: tuple[str, ...] = ()


def record_verdict(zone: PrivateDnsZone, t: EndpointTarget, facts: DnsFacts) -> RecordVerdict:
    """Does `zone` hold A records for the endpoint's names with exactly the endpoint's IPs?"""
    problems: list[str] = []
    good: list[str] = []
    cmds: list[str] = []
    rg = _rg(zone.id)
    for rel, want in t.expected.items():
        rec = next(
            (r for r in zone.records if r.name.lower() == rel and r.record_type.upper() in ("A", "")),
            None,
        )
        fq = f"{rel}.{zone.name}"
        if rec is None:
            problems.append(f"no A record {code(rel)} in {code(zone.name)} {_where(zone.id, facts)}")
            for ip in want:
                cmds.append(
                    _az(
                        f"az network private-dns record-set a add-record -g {rg} -z {zone.name} -n {rel} -a {ip}",
                        zone.id,
                        facts,
                    )
                )
            continue
        have = tuple(rec.ips)
        if set(have) == set(want):
            good.append(f"A {code(fq)} → {_ips(have)}")
            continue
        wrong = [ip for ip in have if ip not in want]
        missing = [ip for ip in want if ip not in have]
        why: list[str] = []
        siblings: list[str] = []  # IPs of other endpoints to the same target: not stale, a design choice
        for ip in wrong:
            owner = endpoint_owner(ip, facts)
            if owner is None:
                why.append(f"{code(ip)} belongs to no private endpoint in scope (stale)")
            elif rid_key(owner.id) == rid_key(t.endpoint.id):
                why.append(f"{code(ip)} is this endpoint's, for another name")
            else:
                why.append(f"{code(ip)} is {code(owner.name)}'s ({esc(owner.location)})")
                if connections_to(owner, t.connection.target_id):
                    siblings.append(ip)
        problems.append(
            f"A {code(fq)} → {_ips(have)}, but {code(t.endpoint.name)} has {_ips(want)}"
            + (": " + "; ".join(why) if why else "")
        )
        if siblings and len(siblings) == len(wrong):
            # Another endpoint of the same resource owns the record: one zone gives one answer per
            # name, so VNets that should use *this* endpoint need their own zone of the same name.
            problems.append(
                f"one zone gives one answer for {code(rel)}: to send this endpoint's VNet to {_ips(want)}, give it "
                "its own zone of the same name with that record (and link that VNet to it instead)"
            )
            vnet_id = t.endpoint.vnet_id
            prg = _rg(t.endpoint.id)
            cmds += [
                _az(f"az network private-dns zone create -g {prg} -n {zone.name}", t.endpoint.id, facts),
                *(
                    _az(
                        f"az network private-dns record-set a add-record -g {prg} -z {zone.name} -n {rel} -a {ip}",
                        t.endpoint.id,
                        facts,
                    )
                    for ip in want
                ),
                _az(
                    f"az network private-dns link vnet create -g {prg} -z {zone.name} -n link-{name_of(vnet_id)} "
                    f"-v {vnet_id} -e false",
                    t.endpoint.id,
                    facts,
                ),
            ]
            continue
        for ip in missing:
            cmds.append(
                _az(
                    f"az network private-dns record-set a add-record -g {rg} -z {zone.name} -n {rel} -a {ip}",
                    zone.id,
                    facts,
                )
            )
        for ip in wrong:
            cmds.append(
                _az(
                    f"az network private-dns record-set a remove-record -g {rg} -z {zone.name} -n {rel} -a {ip} "
                    "--keep-empty-record-set",
                    zone.id,
                    facts,
                )
            )
    if problems:
        return RecordVerdict(False, "; ".join(problems), tuple(cmds))
    return RecordVerdict(True, "; ".join(good))


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


def _zones_unreadable(facts: DnsFacts) -> bool:
    return bool(facts.failed(ZONES))


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


def _vnets_that_matter(t: EndpointTarget, facts: DnsFacts) -> dict[str, tuple[str, list[str]]]:
    """vnet key -> (vnet id, reasons) for the VNets the zone must be linked to."""
    matter: dict[str, tuple[str, list[str]]] = {}

    def add(vnet_id: str, reason: str) -> None:
        if not vnet_id:
            return
        k = rid_key(vnet_id)
        if k not in matter:
            matter[k] = (vnet_id, [])
        if reason not in matter[k][1]:
            matter[k][1].append(reason)

    add(t.endpoint.vnet_id, "the endpoint's VNet")
    gws, _ = relevant_gateways(t, facts)
    for gw in gws:
        add(gw.vnet_id, f"VPN gateway {code(gw.name)}")
        vnet = facts.vnet(gw.vnet_id)
        if vnet is None:
            continue
        for p in vnet.peerings:
            add(p.remote_vnet_id, f"peered with {code(vnet.name)}")
        for ip in vnet.dns_servers:
            use = classify_dns_server(ip, facts)
            if use.host_vnet_id:
                add(use.host_vnet_id, f"hosts DNS server {code(ip)} of VPN clients")
    return matter


# --------------------------------------------------------------------------------------
# Checks 1–5: generic over private link zones
# --------------------------------------------------------------------------------------


def check_endpoint(t: EndpointTarget, facts: DnsFacts, number: int = 1) -> Check:
    """1. The private endpoint exists, its connection is Approved, it has private IP(s)."""
    pe, c = t.endpoint, t.connection
    status: Status = "pass"
    evidence: list[str] = [
        f"{code(pe.name)} {_where(pe.id, facts)} in {code(name_of(pe.vnet_id))}/{code(_subnet_name(pe.subnet_id))}"
        f", {esc(pe.location)}",
        f"groupId {code(t.group_id or '?')}, connection {esc(c.status or 'unknown')}"
        + (" (manual approval)" if c.manual else ""),
        f"private IP {_ips(t.ips)}",
    ]
    fix = ""
    cmds: list[str] = []
    target_rg = _rg(c.target_id)
    if c.status.lower() == "pending":
        status = "fail"
        fix = (
            f"The connection waits for approval by the owner of {code(t.target_name)}: no traffic flows until it "
            "is Approved. Approve it (find the connection's name with the first command):"
        )
        cmds += [
            _az(f"az network private-endpoint-connection list --id {c.target_id} -o table", c.target_id, facts),
            _az(
                f"az network private-endpoint-connection approve -g {target_rg} --resource-name {t.target_name} "
                f"--type {_arm_type(c.target_id)} "
                "-n <connection-name> --description 'VPN clients'",
                c.target_id,
                facts,
            ),
        ]
    elif c.status.lower() in ("rejected", "disconnected"):
        status = "fail"
        fix = (
            f"A {esc(c.status)} connection cannot be approved again: delete {code(pe.name)} and create it anew "
            "(then approve it, and its zone group writes the DNS record again)."
        )
        cmds += [
            _az(f"az network private-endpoint delete -g {_rg(pe.id)} -n {pe.name}", pe.id, facts),
            _create_endpoint_cmd(t.target_name, c.target_id, t.group_id, pe, facts),
        ]
    elif c.status.lower() != "approved":
        status = "unknown"
        evidence.append("Azure did not report the connection's state")
    if t.group_id and resource_type(c.target_id) == "microsoft.sql/servers" and t.group_id.lower() != "sqlserver":
        status = "fail"
        evidence.append(f"groupId is {code(t.group_id)}, expected {code('sqlServer')}")
    if not t.ips:
        status = "fail"
        evidence.append(f"the endpoint has no private IP (provisioning state {esc(pe.provisioning_state or '?')})")
    if pe.provisioning_state.lower() == "failed":
        status = "fail"
        evidence.append("provisioning state *Failed*: delete and re-create the endpoint")
    return Check(
        number,
        f"pe_connection:{rid_key(pe.id)}",
        f"Private endpoint for {code(t.target_name)}",
        status,
        tuple(evidence),
        fix,
        tuple(cmds),
        DOC_SQL_PRIVATE_LINK if t.zone.service == SQL_ZONE.service else DOC_PE_DNS,
    )


def _create_endpoint_cmd(
    target_name: str, target_id: str, group_id: str, like: PrivateEndpoint | None, facts: DnsFacts
) -> str:
    if like is not None and like.subnet_id:
        vnet, subnet, rg, loc = name_of(like.vnet_id), _subnet_name(like.subnet_id), _rg(like.id), like.location
        ref = like.id
    else:
        vnet, subnet, rg, loc, ref = "<vnet>", "<subnet>", _rg(target_id), "<region>", target_id
    return _az(
        f"az network private-endpoint create -g {rg} -n pe-{target_name} -l {loc} --vnet-name {vnet} "
        f"--subnet {subnet} --private-connection-resource-id {target_id} --group-id {group_id or 'sqlServer'} "
        f"--connection-name {target_name}",
        ref,
        facts,
    )


def check_dns_record(t: EndpointTarget, facts: DnsFacts, number: int = 2) -> Check:
    """2. A DNS zone group on the endpoint, the private zone, and A records with its IP."""
    zone_name = t.zone.zone
    title = f"DNS record in {code(zone_name)}"
    key = f"pe_dns_record:{rid_key(t.endpoint.id)}"
    evidence: list[str] = []
    cmds: list[str] = []
    fix: list[str] = []
    statuses: list[Status] = []
    same_name = facts.zones_named(zone_name)
    group_ids = group_zone_ids(t)
    pe = t.endpoint

    # The zone group: Azure keeps the A record in step with the endpoint's IP.
    if group_ids:
        evidence.append(
            "zone group on the endpoint writes to "
            + ", ".join(f"{code(name_of(z))} {_where(z, facts)}" for z in group_ids)
        )
    elif pe.zone_groups:
        evidence.append(f"the endpoint's zone group does not include {code(zone_name)}")

    # The zones themselves.
    primary: list[PrivateDnsZone] = []
    for zid in group_ids:
        z = next((x for x in same_name if rid_key(x.id) == rid_key(zid)), None)
        if z is not None:
            primary.append(z)
        elif facts.unread(ZONES, _sub(zid)):
            statuses.append("unknown")
            evidence.append(f"zone {_where(zid, facts)} could not be read")
        else:
            statuses.append("fail")
            evidence.append(
                f"the zone group points at {code(name_of(zid))} {_where(zid, facts)}, which no longer exists"
            )
            fix.append("Re-create the zone (or point the zone group at an existing one):")
            cmds.append(_az(f"az network private-dns zone create -g {_rg(zid)} -n {zone_name}", zid, facts))
    if not same_name:
        if _zones_unreadable(facts):
            statuses.append("unknown")
            evidence.append(f"no {code(zone_name)} zone seen; " + facts.why(ZONES))
        elif not group_ids:
            statuses.append("fail")
            evidence.append(f"no private DNS zone {code(zone_name)} in scope")
            rg = _rg(pe.id)
            fix.append(
                f"Create the zone and a zone group on {code(pe.name)}: Azure then writes the A record "
                "and keeps it in step with the endpoint's IP."
            )
            zid = f"/subscriptions/{_sub(pe.id)}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone_name}"
            cmds += [
                _az(f"az network private-dns zone create -g {rg} -n {zone_name}", pe.id, facts),
                _zone_group_cmd(pe, zid, t, facts),
            ]
    elif len(same_name) > 1:
        listing = "; ".join(
            f"{_where(z.id, facts)} linked to "
            + (", ".join(code(name_of(link.vnet_id)) for link in z.links) or "no VNet")
            for z in same_name
        )
        evidence.append(
            f"*{len(same_name)} zones named {code(zone_name)}*: {listing}. Each answers only for the VNets "
            "linked to it, so each needs its own A record for this endpoint (a zone group writes only to "
            "the zones it names)"
        )

    # The records: in the zone(s) the zone group writes to. Without a zone group, in the zones
    # that hold a record of the endpoint's names (kept by hand), else in the zone its VNet uses.
    if primary or group_ids:
        to_check = primary
    else:
        names = set(t.expected)
        to_check = [z for z in same_name if any(r.name.lower() in names for r in z.records)]
        if not to_check and same_name:
            own = linked_zone(pe.vnet_id, zone_name, facts)
            to_check = [own or same_name[0]]
    for z in to_check:
        v = record_verdict(z, t, facts)
        if v.ok:
            evidence.append(v.text + f" {_where(z.id, facts)} ✔")
        else:
            statuses.append("fail")
            evidence.append(v.text)
            cmds += v.commands
    if to_check and not group_ids and not any(s == "fail" for s in statuses):
        evidence.append(
            f"no zone group on {code(pe.name)}: the record is kept by hand and goes stale if the endpoint's IP "
            "changes; a zone group keeps it in step"
        )
    elif to_check and not group_ids:
        fix.append(
            f"Add a zone group on {code(pe.name)} so Azure writes the record and keeps it in step with the endpoint:"
        )
        cmds.append(_zone_group_cmd(pe, to_check[0].id, t, facts))
    if any(s == "fail" for s in statuses) and not fix and cmds:
        fix.append("Put the endpoint's IP in the record:")
    return Check(
        number,
        key,
        title,
        _worst(statuses),
        tuple(evidence),
        " ".join(fix),
        tuple(dict.fromkeys(cmds)),
        DOC_PE_DNS,
    )


def _zone_group_cmd(pe: PrivateEndpoint, zone_id: str, t: EndpointTarget, facts: DnsFacts) -> str:
    return _az(
        f"az network private-endpoint dns-zone-group create -g {_rg(pe.id)} --endpoint-name {pe.name} "
        f"-n default --private-dns-zone {zone_id} --zone-name {t.zone.zone.replace('.', '-')}",
        pe.id,
        facts,
    )


@dataclass(frozen=True)
class LinkState:
    """How one VNet that matters sees the endpoint's zone."""

    vnet_id: str
    reasons: tuple[str, ...]  # mrkdwn: why the VNet matters
    status: Status  # pass | fail | unknown
    zone: PrivateDnsZone | None = None  # the zone of that name linked to it, if any
    verdict: RecordVerdict | None = None  # that zone's record for the endpoint
    other_zone: bool = False  # linked to a same-named zone other than the endpoint's own


def primary_zone(t: EndpointTarget, facts: DnsFacts) -> PrivateDnsZone | None:
    """The zone the endpoint's zone group writes to, else the first zone of the name in scope."""
    ids = {rid_key(i) for i in group_zone_ids(t)}
    named = facts.zones_named(t.zone.zone)
    return next((z for z in named if rid_key(z.id) in ids), None) or next(iter(named), None)


def link_states(t: EndpointTarget, facts: DnsFacts) -> list[LinkState]:
    """For each VNet that matters: linked to a zone with the right record (pass), not linked or
    linked to a zone with a wrong record (fail), or unknown when zones could not be read."""
    primary = primary_zone(t, facts)
    unreadable = _zones_unreadable(facts)
    out: list[LinkState] = []
    for vnet_id, reasons in _vnets_that_matter(t, facts).values():
        z = linked_zone(vnet_id, t.zone.zone, facts)
        if z is None:
            out.append(LinkState(vnet_id, tuple(reasons), "unknown" if unreadable else "fail"))
            continue
        v = record_verdict(z, t, facts)
        other = primary is not None and rid_key(z.id) != rid_key(primary.id)
        out.append(LinkState(vnet_id, tuple(reasons), "pass" if v.ok else "fail", z, v, other))
    return out


def _link_cmd(zone: PrivateDnsZone, vnet_id: str, facts: DnsFacts) -> str:
    return _az(
        f"az network private-dns link vnet create -g {_rg(zone.id)} -z {zone.name} "
        f"-n link-{name_of(vnet_id)} -v {vnet_id} -e false",
        zone.id,
        facts,
    )


def check_zone_links(t: EndpointTarget, facts: DnsFacts, number: int = 3) -> Check:
    """3. A zone with the right record is linked to every VNet that matters."""
    zone_name = t.zone.zone
    primary = primary_zone(t, facts)
    lines: list[str] = []
    cmds: list[str] = []
    states = link_states(t, facts)
    for st in states:
        vname = name_of(st.vnet_id)
        label = f"{code(vname)} ({', '.join(st.reasons)})"
        if st.zone is None:
            if st.status == "unknown":
                lines.append(f"❔ {label}: no link seen")
                continue
            lines.append(f"✘ {label}: *not linked*, so {code(zone_name)} does not exist for it")
            if primary is not None:
                cmds.append(_link_cmd(primary, st.vnet_id, facts))
            continue
        link = next(x for x in st.zone.links if rid_key(x.vnet_id) == rid_key(st.vnet_id))
        state = f" (link {esc(link.state)})" if link.state and link.state != "Completed" else ""
        where = f" through the other zone {_where(st.zone.id, facts)}" if st.other_zone else ""
        if st.status == "pass":
            lines.append(f"✔ {label}: linked{where}{state}")
            continue
        verdict = st.verdict
        lines.append(f"✘ {label}: linked{where}, but there {verdict.text if verdict else 'the record is wrong'}")
        cmds += verdict.commands if verdict else ()
        if st.other_zone:
            lines.append(
                f"  (a VNet takes only one zone of a name, so {code(vname)} cannot also be linked to "
                f"{_where(primary.id, facts) if primary else 'the other zone'}: the record must be in its own zone)"
            )
    if _zones_unreadable(facts):
        lines.append(facts.why(ZONES))
    if facts.failed(GATEWAYS, VNETS):
        lines.append("VNets may be missing from this list: " + facts.why(GATEWAYS, VNETS))
    status = _worst(s.status for s in states) if states else "unknown"
    fix = ""
    if status == "fail":
        if primary is None:
            fix = "Create the zone first (see 2), then link it to each VNet above."
        elif cmds:
            fix = "Link the zone to each VNet marked ✘ (registration off), or fix its record:"
    return Check(
        number,
        f"pe_dns_links:{rid_key(t.endpoint.id)}",
        f"{code(zone_name)} linked to the VNets that matter",
        status,
        tuple(lines),
        fix,
        tuple(dict.fromkeys(cmds)),
        DOC_ZONE_LINKS,
    )


def check_client_resolution(t: EndpointTarget, facts: DnsFacts, number: int = 4) -> Check:
    """4. VPN clients can resolve the name: a forwarder or resolver inbound endpoint they use."""
    key = f"pe_dns_clients:{rid_key(t.endpoint.id)}"
    title = "VPN clients can resolve it (DNS server in a linked VNet)"
    gws, views = relevant_gateways(t, facts)
    lines: list[str] = []
    cmds: list[str] = []
    fix: list[str] = []
    statuses: list[Status] = []
    if not gws:
        why = facts.why(GATEWAYS)
        return Check(
            number,
            key,
            title,
            "unknown",
            (("no gateway in scope serves point-to-site clients" + ("; " + why if why else "")),),
            doc_url=DOC_RESOLVER,
        )
    candidates = _usable_dns_servers(t, facts)
    needs_dns: list[tuple[Gateway, VirtualNetwork]] = []  # gateway VNets with nothing clients can use
    for gw in gws:
        vnet = facts.vnet(gw.vnet_id)
        if vnet is None:
            statuses.append("unknown")
            lines.append(f"❔ {code(gw.name)}: its VNet could not be read. {facts.why(VNETS)}")
            continue
        view = views.get(rid_key(gw.id))
        servers = [ip for ip in vnet.dns_servers if ip != AZURE_DNS_IP]
        if not servers:
            statuses.append("fail")
            lines.append(
                f"✘ {code(gw.name)}: {code(vnet.name)} uses Azure-provided DNS ({AZURE_DNS_IP}), which VPN clients "
                "cannot reach; they keep their own DNS and get the public address"
            )
            needs_dns.append((gw, vnet))
            continue
        for ip in vnet.dns_servers:
            st, text = _judge_dns_server(ip, t, facts, view)
            statuses.append(st)
            lines.append(f"{STATUS_ICON[st]} {code(gw.name)} → {code(vnet.name)} hands clients DNS {code(ip)}: {text}")
    served: set[str] = set()
    for gw, vnet in needs_dns:
        view = views.get(rid_key(gw.id))
        usable = [ip for ip in candidates if view is None or not view.routes or view.reaches(ip)]
        if usable:
            fix.append(
                f"Give {code(vnet.name)} the DNS server {code(usable[0])} (it sees the zone and VPN clients have a "
                "route to it), then have users download and import the VPN client profile again:"
            )
            cmds.append(
                _az(
                    f"az network vnet update -g {_rg(vnet.id)} -n {vnet.name} --dns-servers {usable[0]}", vnet.id, facts
                )
            )
            served.add(rid_key(vnet.id))
    unserved = [(gw, vnet) for gw, vnet in needs_dns if rid_key(vnet.id) not in served]
    if unserved:
        fix_text, new_cmds = _new_resolver_fix(t, unserved, views, facts)
        fix.append(fix_text)
        cmds += new_cmds
    lines.append(
        f"Not visible from Azure: an Azure VPN Client profile (`azurevpnconfig.xml`, <{DOC_VPN_CLIENT_DNS}|how>) may name its own "
        "`&lt;dnsservers&gt;`/`&lt;dnssuffixes&gt;`; on the laptop `Get-DnsClientNrptPolicy` and `ipconfig /all` show what is used."
    )
    if facts.failed(RESOLVERS):
        lines.append(facts.why(RESOLVERS))
    return Check(
        number,
        key,
        title,
        _worst(statuses) if statuses else "unknown",
        tuple(lines),
        " ".join(dict.fromkeys(fix)),
        tuple(dict.fromkeys(cmds)),
        DOC_RESOLVER,
    )


def _new_resolver_fix(
    t: EndpointTarget,
    unserved: list[tuple[Gateway, VirtualNetwork]],
    views: dict[str, P2SRoutes],
    facts: DnsFacts,
) -> tuple[str, list[str]]:
    """One DNS Private Resolver that every VPN client can reach (in a VNet whose prefix all
    those gateways hand out), its zone link, and each gateway VNet pointed at it."""

    def reachable_by_all(v: VirtualNetwork) -> bool:
        probe = v.address_prefixes[0].split("/")[0] if v.address_prefixes else ""
        return bool(probe) and all(
            (view := views.get(rid_key(gw.id))) is None or view.reaches(probe) for gw, _ in unserved
        )

    hosts = [v for _, v in unserved if reachable_by_all(v)] or [unserved[0][1]]
    host = hosts[0]
    rg, loc = _rg(host.id), host.location
    resolver = f"dnsr-{host.name}"
    cmds = [
        _az(
            f"az network vnet subnet create -g {rg} --vnet-name {host.name} -n snet-dns-inbound "
            "--address-prefixes <free /28> --delegations Microsoft.Network/dnsResolvers",
            host.id,
            facts,
        ),
        _az(f"az dns-resolver create -g {rg} -n {resolver} -l {loc} --id {host.id}", host.id, facts),
        _az(
            f"az dns-resolver inbound-endpoint create -g {rg} --dns-resolver-name {resolver} -n inbound -l {loc} "
            f'--ip-configurations \'[{{"private-ip-allocation-method":"Dynamic","id":"{host.id}/subnets/snet-dns-inbound"}}]\'',
            host.id,
            facts,
        ),
    ]
    for _, v in unserved:
        cmds.append(
            _az(f"az network vnet update -g {_rg(v.id)} -n {v.name} --dns-servers <inbound endpoint IP>", v.id, facts)
        )
    others = [v for _, v in unserved if v is not host]
    text = (
        f"Create a DNS Private Resolver with an inbound endpoint in {code(host.name)} (a free /28 subnet delegated to "
        f"it; the zone must be linked to {code(host.name)}), point "
        + " and ".join(code(v.name) for _, v in unserved)
        + " DNS servers at its inbound IP, and have users download and import the VPN client profile again"
        + (f" ({', '.join(code(v.name) for v in others)} clients reach it over their VPN routes)" if others else "")
        + ":"
    )
    return text, cmds


def _zone_ok_for_vnet(vnet_id: str, t: EndpointTarget, facts: DnsFacts) -> Status:
    z = linked_zone(vnet_id, t.zone.zone, facts)
    if z is None:
        return "unknown" if _zones_unreadable(facts) else "fail"
    return "pass" if record_verdict(z, t, facts).ok else "fail"


def _usable_dns_servers(t: EndpointTarget, facts: DnsFacts) -> list[str]:
    """DNS servers (resolver inbound IPs first) whose VNet sees the right record."""
    out: list[str] = []
    for r in facts.resolvers:
        if r.vnet_id and _zone_ok_for_vnet(r.vnet_id, t, facts) == "pass":
            out.extend(r.inbound_ips)
    for v in facts.vnets:
        for ip in v.dns_servers:
            use = classify_dns_server(ip, facts)
            if use.kind == "forwarder" and ip not in out and _zone_ok_for_vnet(use.host_vnet_id, t, facts) == "pass":
                out.append(ip)
    return out


def _judge_dns_server(ip: str, t: EndpointTarget, facts: DnsFacts, view: P2SRoutes | None) -> tuple[Status, str]:
    use = classify_dns_server(ip, facts)
    if use.kind == "azure":
        return "fail", "Azure's resolver is not reachable from a VPN client; use a forwarder or resolver inbound IP"
    if use.kind == "outside":
        return (
            "unknown",
            "outside every VNet the bot sees (on-premises DNS?): it must forward "
            f"{code(t.zone.public_suffix)} to a resolver inbound endpoint or forwarder in a VNet linked to "
            f"{code(t.zone.zone)}",
        )
    what = (
        f"DNS Private Resolver {code(use.resolver.name)} inbound endpoint"
        if use.resolver is not None
        else "a DNS server (forwarder)"
    )
    host = code(name_of(use.host_vnet_id))
    zone_state = _zone_ok_for_vnet(use.host_vnet_id, t, facts)
    if view is not None and view.routes and not view.reaches(ip):
        return "fail", f"{what} in {host}, but VPN clients get no route to {code(ip)}"
    if zone_state == "pass":
        extra = "" if use.resolver is not None else " (the bot cannot see that it forwards to 168.63.129.16)"
        return "pass", f"{what} in {host}, which is linked to the zone{extra}"
    if zone_state == "unknown":
        return "unknown", f"{what} in {host}; whether it is linked could not be read"
    return "fail", f"{what} in {host}, but {host} does not see the right record (see 3)"


def check_route(t: EndpointTarget, facts: DnsFacts, number: int = 5) -> Check:
    """5. A P2S gateway hands its clients a route to the endpoint's IP."""
    key = f"pe_route:{rid_key(t.endpoint.id)}"
    ips = t.ips
    title = f"A route from the VPN client pool to {_ips(ips[:1]) if ips else 'the endpoint'}"
    if not ips:
        return Check(
            number, key, title, "unknown", ("the endpoint has no private IP (see 1)",), doc_url=DOC_P2S_ROUTING
        )
    ip = ips[0]
    views = [p2s_routes(g, facts) for g in facts.p2s_gateways()]
    lines: list[str] = []
    cmds: list[str] = []
    fix = ""
    if not views:
        why = facts.why(GATEWAYS)
        if why:
            return Check(number, key, title, "unknown", (why,), doc_url=DOC_P2S_ROUTING)
        return Check(
            number,
            key,
            title,
            "fail",
            ("no gateway in scope has a point-to-site configuration (client address pool)",),
            "Add a point-to-site configuration to the gateway in (or peered with gateway transit to) "
            f"{code(name_of(t.endpoint.vnet_id))}.",
            doc_url=DOC_P2S_ROUTING,
        )
    covered = maybe = False
    incomplete = False
    for v in views:
        gw = code(v.gateway.name)
        pool = esc(", ".join(v.gateway.p2s_address_pool))
        r = v.covering(ip)
        m = v.maybe_covering(ip)
        if r is not None:
            covered = True
            lines.append(f"✔ {gw} (pool {pool}) hands out {code(r.prefix)}: {esc(r.why)}")
        elif m is not None:
            maybe = True
            lines.append(f"❔ {gw} (pool {pool}) may hand out {code(m.prefix)}: {esc(m.why)}")
            if m.caveat:
                lines.append(f"  ⚠ {esc(m.caveat)}")
            cmds += _route_fixes(v, t, facts)
        else:
            incomplete = incomplete or not v.complete
            handed = ", ".join(code(x.prefix) for x in v.routes) or "nothing"
            lines.append(f"✘ {gw} (pool {pool}) hands out {handed}: no route to {code(ip)}")
            refused = v.refused(ip)
            if refused is not None:
                lines.append(f"  {esc(refused.why)}")
            lines += [f"  {esc(n)}" for n in v.notes]
            cmds += _route_fixes(v, t, facts)
    if covered:
        status: Status = "pass"
        if cmds:
            fix = (
                "For clients of the gateways marked ❔ or ✘: hand the endpoint's VNet out as a custom route, and run "
                "BGP on both gateways and connections so the far side learns their pool:"
            )
    elif incomplete or facts.failed(VNETS, CONNECTIONS):
        status = "unknown"
        lines.append(facts.why(VNETS, CONNECTIONS) or "part of the topology could not be read")
    elif maybe:
        status = "unknown"
        fix = (
            "Make it certain: hand the endpoint's VNet out as a custom route (or use gateway transit), and run "
            "BGP on both gateways and connections so the far side learns the VPN client pool:"
        )
    else:
        status = "fail"
        fix = (
            "Either let the gateway hand out the endpoint's VNet (gateway transit on the peering, or a custom "
            "route when it is reached over a VNet-to-VNet connection), or connect those users to a gateway in "
            "the endpoint's VNet. Windows users import the VPN client profile again after the change:"
        )
    return Check(number, key, title, status, tuple(lines), fix, tuple(dict.fromkeys(cmds)), DOC_P2S_ROUTING)


def _route_fixes(view: P2SRoutes, t: EndpointTarget, facts: DnsFacts) -> list[str]:
    gw = view.gateway
    hub = facts.vnet(gw.vnet_id)
    spoke = facts.vnet(t.endpoint.vnet_id)
    if hub is None or spoke is None:
        return []
    out: list[str] = []
    to_spoke = next((p for p in hub.peerings if rid_key(p.remote_vnet_id) == rid_key(spoke.id)), None)
    back = _reverse_peering(hub, spoke)
    spoke_has_gw = any(rid_key(g.vnet_id) == rid_key(spoke.id) for g in facts.gateways)
    # Gateway transit only helps a spoke without its own gateway (Azure refuses useRemoteGateways
    # on a VNet that has one): otherwise the prefix must be handed out as a custom route.
    if to_spoke is not None and back is not None and not spoke_has_gw:
        if not to_spoke.allow_gateway_transit:
            out.append(f"/vpn peering {hub.name}/{to_spoke.name} allowGatewayTransit on")
        if not back.use_remote_gateways:
            out.append(f"/vpn peering {spoke.name}/{back.name} useRemoteGateways on")
    v2v = any(
        c.connection_type == "Vnet2Vnet"
        and rid_key(c.gateway1_id) == rid_key(gw.id)
        and (g2 := facts.gateway(c.gateway2_id)) is not None
        and rid_key(g2.vnet_id) == rid_key(spoke.id)
        for c in facts.connections
    )
    if v2v or (to_spoke is not None and spoke_has_gw):
        routes = " ".join([*gw.p2s_custom_routes, *spoke.address_prefixes])
        out.append(
            _az(f"az network vnet-gateway update -g {_rg(gw.id)} -n {gw.name} --custom-routes {routes}", gw.id, facts)
        )
    return out


# --------------------------------------------------------------------------------------
# Checks 6–8: Azure SQL specifics
# --------------------------------------------------------------------------------------

CERT_ERROR = "The server name provided doesn't match the server name on the SQL Server SSL certificate"


def check_sql_name(t: EndpointTarget, chain: Sequence[Check], number: int = 6) -> Check:
    """6. Connect with <server>.database.windows.net: never the IP, never the privatelink name."""
    fq = f"{t.target_name}.{t.zone.public_suffix}"
    ip = t.ips[0] if t.ips else "<private IP>"
    statuses = [c.status for c in chain]
    broken = [str(c.number) for c in chain if c.status == "fail"]
    unknown = [str(c.number) for c in chain if c.status == "unknown"]
    lines = [
        f"Use {code(fq)} in the connection string — never {code(ip)}, never "
        f"{code(t.target_name + '.' + t.zone.zone)}. The certificate is for {code('*.' + t.zone.public_suffix)}, "
        f"so another name fails with _“{CERT_ERROR}”_, and the SQL gateway behind the endpoint needs the "
        "server name to find the server.",
        "Do not “fix” it with `TrustServerCertificate=True`: that turns off the check that you reached your own "
        "server, and logins by IP still fail.",
    ]
    if broken:
        status: Status = "fail"
        lines.append(
            f"Today the name does *not* resolve to {code(ip)} for VPN clients (see {', '.join(broken)}): they get the "
            "public address. Stop-gap for one laptop until DNS is fixed: the hosts file line "
            f"{code(ip + ' ' + fq)}."
        )
    elif "unknown" in statuses:
        status = "unknown"
        lines.append(
            f"Whether {code(fq)} resolves to {code(ip)} for VPN clients could not be told (see {', '.join(unknown)})."
        )
    else:
        status = "pass"
        lines.append(f"DNS is in place for {code(fq)} → {code(ip)} (2–4), so the name works over the VPN.")
    return Check(
        number,
        f"sql_name:{rid_key(t.endpoint.id)}",
        f"Connect with {code(fq)}",
        status,
        tuple(lines),
        doc_url=DOC_SQL_PRIVATE_LINK,
    )


def check_sql_policy(server: SqlServer | None, t: EndpointTarget | None, facts: DnsFacts, number: int = 7) -> Check:
    """7. Connection policy and ports; public network access."""
    name = server.name if server else (t.target_name if t else "?")
    key = f"sql_policy:{rid_key(server.id if server else (t.connection.target_id if t else name))}"
    title = "Connection policy and ports"
    vnet = code(name_of(t.endpoint.vnet_id)) if t else "the endpoint's VNet"
    lines: list[str] = []
    policy = (server.connection_policy if server else "").strip()
    pna = (server.public_network_access if server else "").strip()
    status: Status = "pass"
    cmds: list[str] = []
    fix = ""
    if server is None:
        status = "unknown"
        lines.append(
            f"the server itself could not be read. {facts.why(SQL_SERVERS)}"
            if facts.failed(SQL_SERVERS)
            else "the server itself is not in the bot's scope"
        )
    if policy.lower() == "proxy":
        lines.append("policy *Proxy*: VPN clients need TCP 1433 to the endpoint's IP only")
    elif policy.lower() == "redirect":
        lines.append(
            f"policy *Redirect*: after the login on 1433 the client is sent to the database node through the "
            f"endpoint, so VPN clients need TCP *1433–65535* to {vnet} (client firewalls, NSGs, any NVA). "
            "Drivers without redirect support are proxied."
        )
    elif policy.lower() == "default":
        lines.append(
            "policy *Default*: Redirect for connections Azure sees as coming from inside Azure, Proxy from outside. "
            f"A VPN client arrives through the private endpoint, so it may be redirected: allow TCP 1433–65535 to {vnet}, "
            "or set the policy to Proxy to need 1433 only."
        )
    elif server is not None:
        status = "unknown"
        lines.append(
            "the connection policy could not be read: Proxy needs TCP 1433; Redirect needs TCP 1433–65535 to "
            f"{vnet}; Default may redirect VPN clients too"
        )
    if server is not None and policy.lower() in ("default", "redirect"):
        rg = _rg(server.id)
        fix = "Switch to Proxy if only 1433 is open on the way."
        cmds.append("# only TCP 1433 open between VPN clients and the endpoint? use Proxy")
        cmds.append(
            _az(f"az sql server conn-policy update -g {rg} -s {server.name} --connection-type Proxy", server.id, facts)
        )
    if pna.lower() == "enabled":
        lines.append(
            "public network access *Enabled*: a client whose DNS gives the public address connects over the "
            "internet instead, where the server firewall decides (error 40615 _“Client with IP address … is not "
            "allowed”_) — private DNS mistakes then look like firewall problems. Disable it once private access works."
        )
        if server is not None:
            cmds.append("# private access only")
            cmds.append(
                _az(
                    f"az sql server update -g {_rg(server.id)} -n {server.name} --enable-public-network false",
                    server.id,
                    facts,
                )
            )
            fix = (fix + " " if fix else "") + "Close the public endpoint once private access works."
    elif pna.lower() == "disabled":
        lines.append(
            "public network access *Disabled*: only private endpoints reach it; a client that resolves the public "
            "address gets error 47073 (_“Deny Public Network Access is set to Yes”_) — a DNS problem, not a login one"
        )
    elif server is not None:
        lines.append("public network access: not reported by Azure")
    return Check(number, key, title, status, tuple(lines), fix, tuple(cmds), DOC_SQL_CONNECTIVITY)


def client_commands(t: EndpointTarget, dns_ips: Sequence[str], number: int = 8) -> Check:
    """8. What to run on the laptop (connected to the VPN), with what good output looks like."""
    fq = f"{t.target_name}.{t.zone.public_suffix}"
    pl = f"{t.target_name}.{t.zone.zone}"
    ip = t.ips[0] if t.ips else "<private IP>"
    dns = ", ".join(dns_ips) if dns_ips else "your DNS forwarder or resolver inbound IP"
    lines = [
        f"`nslookup {literal(fq)}` → good: _Name: {esc(pl)}_, _Address: {esc(ip)}_, _Aliases: {esc(fq)}_. "
        "A public address or “Non-existent domain” means DNS is not private yet.",
        f"`Resolve-DnsName {literal(fq)}` → good: CNAME {code(pl)}, then A {code(ip)}.",
        f"`Get-DnsClientNrptPolicy` → good: a rule for {code('.' + t.zone.public_suffix)} with NameServers "
        f"{esc(dns)} (when the profile sets DNS suffixes); `ipconfig /all` shows the VPN adapter's DNS servers.",
        f"`Test-NetConnection {literal(fq)} -Port 1433` → good: _RemoteAddress {esc(ip)}_, _TcpTestSucceeded : True_.",
        f"macOS/Linux: `dig +short {literal(fq)}` → {esc(pl)} then {esc(ip)}; `nc -vz {literal(fq)} 1433`.",
    ]
    return Check(
        number,
        f"sql_client:{rid_key(t.endpoint.id)}",
        "On the laptop, connected to the VPN",
        "info",
        tuple(lines),
        doc_url=DOC_SQL_PRIVATE_LINK,
    )


def client_dns_ips(t: EndpointTarget, facts: DnsFacts) -> list[str]:
    """The DNS servers VPN clients should end up using for this endpoint (for item 8)."""
    gws, _ = relevant_gateways(t, facts)
    out: list[str] = []
    for gw in gws:
        vnet = facts.vnet(gw.vnet_id)
        for ip in vnet.dns_servers if vnet else ():
            if ip != AZURE_DNS_IP and ip not in out:
                out.append(ip)
    return out or _usable_dns_servers(t, facts)[:1]


# --------------------------------------------------------------------------------------
# Whole checklists
# --------------------------------------------------------------------------------------


def sql_checklist(server: SqlServer | None, t: EndpointTarget, facts: DnsFacts) -> list[Check]:
    """The eight checks for one SQL server's private endpoint."""
    c1 = check_endpoint(t, facts)
    c2 = check_dns_record(t, facts)
    c3 = check_zone_links(t, facts)
    c4 = check_client_resolution(t, facts)
    c5 = check_route(t, facts)
    c6 = check_sql_name(t, (c2, c3, c4))
    c7 = check_sql_policy(server, t, facts)
    c8 = client_commands(t, client_dns_ips(t, facts))
    return [c1, c2, c3, c4, c5, c6, c7, c8]


def sql_checklist_without_endpoint(server: SqlServer, facts: DnsFacts) -> list[Check]:
    """The checklist for a server that has no private endpoint in scope."""
    zone = sql_zone_for(server)
    fq = f"{server.name}.{zone.public_suffix}"
    unseen = [pid for pid in server.private_endpoint_ids if facts.unread(PRIVATE_ENDPOINTS, _sub(pid))]
    if unseen:
        c1_status: Status = "unknown"
        ev = (
            "the server reports private endpoint(s) the bot cannot read: "
            + ", ".join(f"{code(name_of(p))} {_where(p, facts)}" for p in unseen)
            + ". "
            + facts.why(PRIVATE_ENDPOINTS),
        )
    elif facts.failed(PRIVATE_ENDPOINTS):
        c1_status = "unknown"
        ev = ("no private endpoint seen; " + facts.why(PRIVATE_ENDPOINTS),)
    else:
        c1_status = "fail"
        ev = (f"no private endpoint in scope connects to {code(server.name)}",)
    gw = next(iter(facts.p2s_gateways()), None)
    vnet = facts.vnet(gw.vnet_id) if gw else None
    like = None
    if vnet is not None:
        subnet = next((s for s in vnet.subnets if s.name.lower() != "gatewaysubnet"), None)
        if subnet is not None:
            like = PrivateEndpoint(id=f"{vnet.id}/x", name="", location=vnet.location, subnet_id=subnet.id)
    c1 = Check(
        1,
        f"pe_connection:{rid_key(server.id)}",
        f"Private endpoint for {code(server.name)}",
        c1_status,
        ev,
        (
            f"Create one in a subnet of the VNet your VPN clients reach (here {code(vnet.name)}, of gateway "
            f"{code(gw.name)}), with a zone group for {code(zone.zone)}:"
            if vnet is not None and gw is not None
            else f"Create one in a subnet of the VNet your VPN clients reach, with a zone group for {code(zone.zone)}:"
        )
        if c1_status == "fail"
        else "",
        (_create_endpoint_cmd(server.name, server.id, "sqlServer", like, facts),) if c1_status == "fail" else (),
        DOC_SQL_PRIVATE_LINK,
    )
    blocked = "needs a private endpoint first (see 1)"
    rest = [
        Check(2, f"pe_dns_record:{rid_key(server.id)}", f"DNS record in {code(zone.zone)}", "unknown", (blocked,)),
        Check(
            3,
            f"pe_dns_links:{rid_key(server.id)}",
            f"{code(zone.zone)} linked to the VNets that matter",
            "unknown",
            (blocked,),
        ),
        Check(4, f"pe_dns_clients:{rid_key(server.id)}", "VPN clients can resolve it", "unknown", (blocked,)),
        Check(5, f"pe_route:{rid_key(server.id)}", "A route from the VPN client pool", "unknown", (blocked,)),
    ]
    c6 = Check(
        6,
        f"sql_name:{rid_key(server.id)}",
        f"Connect with {code(fq)}",
        "fail" if c1_status == "fail" else "unknown",
        (
            f"Use {code(fq)}, never an IP: the certificate is for {code('*.' + zone.public_suffix)} "
            f"(otherwise _“{CERT_ERROR}”_); never `TrustServerCertificate=True`.",
            f"Without a private endpoint {code(fq)} resolves to the public address: VPN clients reach the server "
            "over the internet, if its firewall lets them.",
        ),
        doc_url=DOC_SQL_PRIVATE_LINK,
    )
    c7 = check_sql_policy(server, None, facts)
    c8 = Check(
        8,
        f"sql_client:{rid_key(server.id)}",
        "On the laptop",
        "info",
        (f"`nslookup {literal(fq)}` shows the public address until a private endpoint and its DNS exist.",),
        doc_url=DOC_SQL_PRIVATE_LINK,
    )
    return [c1, *rest, c6, c7, c8]


def summary(checks: Sequence[Check]) -> tuple[int, int, int]:
    """(failed, could not check, total)."""
    return (
        sum(1 for c in checks if c.status == "fail"),
        sum(1 for c in checks if c.status == "unknown"),
        len(checks),
    )


# --------------------------------------------------------------------------------------
# For /vpn diagnose: every private endpoint in scope
# --------------------------------------------------------------------------------------


def endpoint_targets(facts: DnsFacts) -> list[EndpointTarget]:
    """Every private endpoint connection in scope whose private link zone is known."""
    out: list[EndpointTarget] = []
    servers = {rid_key(s.id): s for s in facts.sql_servers}
    for pe in facts.private_endpoints:
        for c in pe.connections:
            group = c.group_ids[0] if c.group_ids else ""
            zone = private_link_zone(c.target_id, group)
            if zone is None:
                zone = _zone_from_groups(pe)
            if zone is None:
                continue
            if zone is SQL_ZONE:
                zone = sql_zone_for(servers.get(rid_key(c.target_id)))
            out.append(endpoint_target(pe, c, zone))
    return out


def _zone_from_groups(pe: PrivateEndpoint) -> PrivateLinkZone | None:
    """For a service not in the table: the privatelink zone its zone group names."""
    for g in pe.zone_groups:
        for cfg in g.configs:
            zn = name_of(cfg.zone_id).lower()
            if zn.startswith("privatelink."):
                return PrivateLinkZone(zn, zn.removeprefix("privatelink."), "private link")
    return None


InScope = Callable[[PrivateEndpoint], bool]


def assess(facts: DnsFacts, in_scope: InScope | None = None) -> list[Finding]:
    """Private endpoint DNS findings for `/vpn diagnose`: every private endpoint in scope.

    One finding per root cause, not per endpoint: a zone not linked to a VNet, or a VPN
    gateway whose clients cannot resolve private names, is reported once with every name it
    breaks. Per endpoint: the connection (1), the DNS record (2) and the route from the VPN
    client pool (5). Ranked most severe first; keys are stable for dedup and the watch.
    """
    targets = [t for t in endpoint_targets(facts) if in_scope is None or in_scope(t.endpoint)]
    out: list[Finding] = []
    out += unreadable_findings(facts) if targets or facts.failed(PRIVATE_ENDPOINTS) else []
    for t in targets:
        label = f"{code(t.endpoint.name)} → {code(t.target_name)} ({esc(t.zone.service)})"
        checks: tuple[tuple[Check, Severity], ...] = (
            (check_endpoint(t, facts), "critical"),
            (check_dns_record(t, facts), "critical"),
            (check_route(t, facts), "warning"),
        )
        for chk, sev in checks:
            if chk.status == "fail" or (chk.status == "unknown" and chk.number != 5):
                out.append(_as_finding(chk, label, sev if chk.status == "fail" else "warning"))
    out += zone_link_findings(targets, facts)
    out += client_dns_findings(targets, facts)
    out += duplicate_zone_findings(facts, {t.zone.zone for t in targets})
    return ranked(dedup(out))


def _as_finding(chk: Check, label: str, severity: Severity) -> Finding:
    f = chk.to_finding(severity)
    title = f"{label}: {chk.title}" + (" — could not check" if chk.status == "unknown" else "")
    return Finding(f.severity, title, f.evidence, f.next_step, f.doc_url, f.key)


def unreadable_findings(facts: DnsFacts) -> list[Finding]:
    """What could not be read, once per kind of list (the DNS checks above are partial)."""
    out: list[Finding] = []
    for kind in (PRIVATE_ENDPOINTS, ZONES, RESOLVERS):
        why = facts.why(kind)
        if why:
            out.append(
                Finding(
                    "warning",
                    f"Private endpoint DNS could only be checked in part: {_KIND_WORDS[kind]} unreadable",
                    why,
                    key=f"pe_dns_unread:{kind}",
                )
            )
    return out


def zone_link_findings(targets: Sequence[EndpointTarget], facts: DnsFacts) -> list[Finding]:
    """VNets that matter but see no zone (or a zone with a wrong record), grouped per VNet."""
    missing: dict[tuple[str, str], list[tuple[EndpointTarget, LinkState]]] = {}
    wrong: dict[tuple[str, str], list[tuple[EndpointTarget, LinkState]]] = {}
    for t in targets:
        for st in link_states(t, facts):
            if st.status != "fail":
                continue
            if st.zone is None:
                missing.setdefault((t.zone.zone, rid_key(st.vnet_id)), []).append((t, st))
            else:
                wrong.setdefault((rid_key(st.zone.id), rid_key(st.vnet_id)), []).append((t, st))
    out: list[Finding] = []
    for (zone_name, vkey), items in missing.items():
        vnet_id = items[0][1].vnet_id
        names = _names([t for t, _ in items])
        reasons = list(dict.fromkeys(r for _, st in items for r in st.reasons))
        vital = any(r == "the endpoint's VNet" or r.startswith("VPN gateway") or "DNS server" in r for r in reasons)
        primary = primary_zone(items[0][0], facts)
        out.append(
            Finding(
                "critical" if vital else "warning",
                f"{code(zone_name)} is not linked to {code(name_of(vnet_id))}",
                f"{code(name_of(vnet_id))} matters as {', '.join(reasons)}. Without the link, queries from it get the "
                f"public address for {names}.",
                ("Link the zone (registration off):\n" + code_block([_link_cmd(primary, vnet_id, facts)]))
                if primary is not None
                else f"Create the zone {code(zone_name)} and link it.",
                DOC_ZONE_LINKS,
                f"pe_zone_link:{zone_name}:{vkey}",
            )
        )
    for (_zkey, _vkey), items in wrong.items():
        st = items[0][1]
        zone = st.zone
        if zone is None:
            continue
        cmds = [c for _, s in items for c in (s.verdict.commands if s.verdict else ())]
        out.append(
            Finding(
                "critical",
                f"{code(name_of(st.vnet_id))} resolves {_names([t for t, _ in items])} through "
                f"{code(zone.name)} {_where(zone.id, facts)}, which has the wrong A record",
                "; ".join(s.verdict.text for _, s in items if s.verdict)
                + (
                    ". A VNet takes only one zone of a name, so that zone needs its own records."
                    if st.other_zone
                    else ""
                ),
                ("Put the endpoint's IP in the record:\n" + code_block(dict.fromkeys(cmds))) if cmds else "",
                DOC_PE_DNS,
                f"pe_zone_record:{rid_key(zone.id)}:{rid_key(st.vnet_id)}",
            )
        )
    return out


def client_dns_findings(targets: Sequence[EndpointTarget], facts: DnsFacts) -> list[Finding]:
    """Per VPN gateway: can its clients resolve the private names of the endpoints they reach?"""
    out: list[Finding] = []
    for gw in facts.p2s_gateways():
        view = p2s_routes(gw, facts)
        reached = [t for t in targets if t.ips and view.reaches(t.ips[0])]
        if not reached:
            continue
        bad: list[EndpointTarget] = []
        unknown: list[EndpointTarget] = []
        first_fail: Check | None = None
        for t in reached:
            chk = check_client_resolution(t, facts)
            lines = [x for x in chk.evidence if f"{code(gw.name)}" in x]
            if any(x.startswith("✘") for x in lines):
                bad.append(t)
                first_fail = first_fail or chk
            elif any(x.startswith("❔") for x in lines):
                unknown.append(t)
        vnet = facts.vnet(gw.vnet_id)
        dns_state = (
            f"{code(vnet.name)} hands VPN clients "
            + (
                f"DNS {', '.join(code(i) for i in vnet.dns_servers)}"
                if vnet.dns_servers
                else "no DNS server (Azure-provided DNS)"
            )
            if vnet is not None
            else "its VNet could not be read"
        )
        if bad:
            steps = ""
            if first_fail is not None:
                steps = first_fail.fix_text + ("\n" + code_block(first_fail.commands) if first_fail.commands else "")
            out.append(
                Finding(
                    "critical",
                    f"VPN clients of {code(gw.name)} cannot resolve private endpoint names",
                    f"{dns_state}; {AZURE_DNS_IP} answers only inside a VNet. Affected: {_names(bad)}: clients get "
                    "the public address"
                    + (
                        " (and connecting to Azure SQL by IP instead fails the certificate check)."
                        if any(t.zone.service == SQL_ZONE.service for t in bad)
                        else "."
                    ),
                    steps,
                    DOC_RESOLVER,
                    f"p2s_dns:{rid_key(gw.id)}",
                )
            )
        elif unknown:
            out.append(
                Finding(
                    "warning",
                    f"Whether VPN clients of {code(gw.name)} resolve private endpoint names could not be checked",
                    f"{dns_state}. Names: {_names(unknown)}.",
                    "Check on a laptop: `nslookup <name>` must answer with the private IP.",
                    DOC_RESOLVER,
                    f"p2s_dns:{rid_key(gw.id)}",
                )
            )
    return out


def duplicate_zone_findings(facts: DnsFacts, zone_names: Iterable[str] = ()) -> list[Finding]:
    """Several private zones with the same name: each answers only for its own VNets."""
    wanted = {z.lower() for z in zone_names}
    by_name: dict[str, list[PrivateDnsZone]] = {}
    for z in facts.zones:
        n = z.name.lower().rstrip(".")
        if n.startswith("privatelink.") and (not wanted or n in wanted):
            by_name.setdefault(n, []).append(z)
    out: list[Finding] = []
    for name, zones in by_name.items():
        if len(zones) < 2:
            continue
        records: dict[str, set[tuple[str, ...]]] = {}
        for z in zones:
            for r in z.records:
                if r.record_type.upper() in ("A", ""):
                    records.setdefault(r.name.lower(), set()).add(tuple(sorted(r.ips)))
        differ = sorted(n for n, ips in records.items() if len(ips) > 1)
        present = {n for n in records}
        partial = sorted(n for n in present if any(n not in {r.name.lower() for r in z.records} for z in zones))
        listing = "; ".join(
            f"{_where(z.id, facts)} linked to " + (", ".join(code(name_of(x.vnet_id)) for x in z.links) or "no VNet")
            for z in zones
        )
        evidence = f"{len(zones)} zones named {code(name)}: {listing}."
        if differ:
            evidence += " Different IPs for " + ", ".join(code(n) for n in differ) + "."
        if partial:
            evidence += " Missing in some zones: " + ", ".join(code(n) for n in partial[:10]) + "."
        out.append(
            Finding(
                "warning" if differ or partial else "info",
                f"{len(zones)} private DNS zones are named {code(name)}",
                evidence,
                "Each VNet sees only the zone linked to it, so every zone needs every record (a zone group writes "
                "only to the zones it names). Prefer one zone linked to all VNets, with a DNS resolver for VPN clients.",
                DOC_PE_DNS,
                f"pe_dup_zone:{name}",
            )
        )
    return out


def _names(targets: Sequence[EndpointTarget]) -> str:
    names = list(dict.fromkeys(fq for t in targets for fq in t.public_fqdns))
    shown = ", ".join(code(n) for n in names[:8])
    return shown + (f" and {len(names) - 8} more" if len(names) > 8 else "")
