"""What `/vpn checklist` is asked about: the server argument, and the server it names.

The argument may be `sql-eun`, `sql-eun.database.windows.net` (or a sovereign cloud's
suffix), the privatelink name, a full resource id, the connection-string form
`tcp:…,1433`, or a private endpoint's IP. A name not in scope gets the nearest names.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from commands.core.errors import UsageError
from commands.core.lookup import by_name
from commands.core.model import ResourceId, SqlServer, name_of, rid_key
from commands.core.text import Rich, code, join, prose, rich
from commands.findings.dns.facts import DnsFacts, endpoint_owner
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
    resource id, `tcp:…,1433`, a URL, or a private IP. Raises UsageError."""
    raw = (text or "").strip()
    if not raw:
        raise UsageError("Which server? Give the Azure SQL server's name.", _usage(), EXAMPLE)
    words = raw.split()
    if len(words) > 1:
        raise UsageError(rich(f"One server at a time: I read {len(words)} words ({raw[:80]})."), _usage(), EXAMPLE)
    token = words[0]
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
