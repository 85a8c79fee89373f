"""The private link zone catalogue: which private DNS zone answers for which service.

Per (resource type, groupId), Azure's recommended zone name in the public cloud and the
public suffix it shadows (clients keep using `<name>.<public suffix>`; a CNAME sends the
query to `<name>.privatelink.<suffix>`).
https://learn.microsoft.com/azure/private-link/private-endpoint-dns
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.core.model import PrivateEndpoint, ResourceId, SqlServer, name_of


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


def arm_type(resource_id: str) -> str:
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


def zone_from_groups(pe: PrivateEndpoint) -> PrivateLinkZone | None:
    """For a service not in the table: the privatelink zone its zone group names."""
    for g in pe.zone_groups:
        for cfg in g.configs:
            zn = name_of(cfg.zone_id).lower()
            if zn.startswith("privatelink."):
                return PrivateLinkZone(zn, zn.removeprefix("privatelink."), "private link")
    return None
