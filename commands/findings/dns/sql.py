"""The checklist's items 6–8, Azure SQL specifics, and the whole checklist of one server.

6: the name to connect with (the certificate is for `*.database.windows.net`, and the SQL
gateway behind the endpoint finds the server by name); 7: the connection policy and the
ports it needs, and public network access; 8: what to run on the laptop.
https://learn.microsoft.com/azure/azure-sql/database/private-endpoint-overview
"""

from __future__ import annotations

from collections.abc import Sequence

from commands.core.model import PrivateEndpoint, SqlServer, name_of, rid_key
from commands.core.text import Rich, code, em, join, prose, rich, strong
from commands.findings.dns.checks import (
    DOC_SQL_CONNECTIVITY,
    DOC_SQL_PRIVATE_LINK,
    Check,
    check_dns_record,
    check_endpoint,
    check_zone_links,
    create_endpoint_cmd,
)
from commands.findings.dns.client_checks import check_client_resolution, check_route, usable_dns_servers
from commands.findings.dns.facts import (
    AZURE_DNS_IP,
    PRIVATE_ENDPOINTS,
    SQL_SERVERS,
    DnsFacts,
    EndpointTarget,
    Status,
    az_cmd,
    rg_of,
    sub_of,
    where,
)
from commands.findings.dns.p2s import relevant_gateways
from commands.findings.dns.ports import with_client_rules
from commands.findings.dns.zones import sql_zone_for

CERT_ERROR = "The server name provided doesn't match the server name on the SQL Server SSL certificate"

_NO_TRUST_SERVER_CERTIFICATE = prose(
    "Do not “fix” it with `TrustServerCertificate=True`: that turns off the check that you reached your own "
    "server, and logins by IP still fail."
)


def check_sql_name(t: EndpointTarget, chain: Sequence[Check], number: int = 6) -> Check:
    """6. Connect with <server>.database.windows.net: never the IP, never the privatelink name."""
    fq = f"{t.target_name}.{t.zone.public_suffix}"
    ip = t.ips[0] if t.ips else "<private IP>"
    statuses = [c.status for c in chain]
    broken = [str(c.number) for c in chain if c.status == "fail"]
    unknown = [str(c.number) for c in chain if c.status == "unknown"]
    lines = [
        rich(
            "Use ",
            code(fq),
            " in the connection string — never ",
            code(ip),
            ", never ",
            code(t.target_name + "." + t.zone.zone),
            ". The certificate is for ",
            code("*." + t.zone.public_suffix),
            ", so another name fails with ",
            em(f"“{CERT_ERROR}”"),
            ", and the SQL gateway behind the endpoint needs the server name to find the server.",
        ),
        _NO_TRUST_SERVER_CERTIFICATE,
    ]
    fix = Rich()
    if broken:
        status: Status = "fail"
        fix = rich(
            f"Put DNS right first (see {', '.join(broken)}); keep connecting with ",
            code(fq),
            ", not the IP, so the certificate check passes once it resolves.",
        )
        lines.append(
            rich(
                "Today the name does ",
                strong("not"),
                " resolve to ",
                code(ip),
                f" for VPN clients (see {', '.join(broken)}): they get the public address. Stop-gap for one laptop "
                "until DNS is fixed: the hosts file line ",
                code(ip + " " + fq),
                ".",
            )
        )
    elif "unknown" in statuses:
        status = "unknown"
        lines.append(
            rich(
                "Whether ",
                code(fq),
                " resolves to ",
                code(ip),
                f" for VPN clients could not be told (see {', '.join(unknown)}).",
            )
        )
    else:
        status = "pass"
        lines.append(rich("DNS is in place for ", code(fq), " → ", code(ip), " (2–4), so the name works over the VPN."))
    return Check(
        number,
        f"sql_name:{rid_key(t.endpoint.id)}",
        rich("Connect with ", code(fq)),
        status,
        tuple(lines),
        fix,
        doc_url=DOC_SQL_PRIVATE_LINK,
        causes=tuple(c.key for c in chain if c.status == "fail"),
    )


def check_sql_policy(server: SqlServer | None, t: EndpointTarget | None, facts: DnsFacts, number: int = 7) -> Check:
    """7. Connection policy and ports; public network access."""
    name = server.name if server else (t.target_name if t else "?")
    key = f"sql_policy:{rid_key(server.id if server else (t.connection.target_id if t else name))}"
    vnet = code(name_of(t.endpoint.vnet_id)) if t else "the endpoint's VNet"
    lines: list[Rich] = []
    policy = (server.connection_policy if server else "").strip()
    pna = (server.public_network_access if server else "").strip()
    status: Status = "pass"
    cmds: list[str] = []
    fix = Rich()
    if server is None:
        status = "unknown"
        lines.append(
            rich("the server itself could not be read. ", facts.why(SQL_SERVERS))
            if facts.failed(SQL_SERVERS)
            else rich("the server itself is not in the bot's scope")
        )
    if policy.lower() == "proxy":
        lines.append(rich("policy ", strong("Proxy"), ": VPN clients need TCP 1433 to the endpoint's IP only"))
    elif policy.lower() == "redirect":
        lines.append(
            rich(
                "policy ",
                strong("Redirect"),
                ": after the login on 1433 the client is sent to the database node through the endpoint, so VPN "
                "clients need TCP ",
                strong("1433–65535"),
                " to ",
                vnet,
                " (client firewalls, NSGs, any NVA). Drivers without redirect support are proxied.",
            )
        )
    elif policy.lower() == "default":
        lines.append(
            rich(
                "policy ",
                strong("Default"),
                ": Redirect for connections Azure sees as coming from inside Azure, Proxy from outside. A VPN client "
                "arrives through the private endpoint, so it may be redirected: allow TCP 1433–65535 to ",
                vnet,
                ", or set the policy to Proxy to need 1433 only.",
            )
        )
    elif server is not None:
        status = "unknown"
        lines.append(
            rich(
                "the connection policy could not be read: Proxy needs TCP 1433; Redirect needs TCP 1433–65535 to ",
                vnet,
                "; Default may redirect VPN clients too",
            )
        )
    if server is not None and policy.lower() in ("default", "redirect"):
        rg = rg_of(server.id)
        fix = rich("Switch to Proxy if only 1433 is open on the way.")
        cmds.append("# only TCP 1433 open between VPN clients and the endpoint? use Proxy")
        cmds.append(
            az_cmd(
                f"az sql server conn-policy update -g {rg} -s {server.name} --connection-type Proxy", server.id, facts
            )
        )
    if pna.lower() == "enabled":
        lines.append(
            rich(
                "public network access ",
                strong("Enabled"),
                ": a client whose DNS gives the public address connects over the internet instead, where the server "
                "firewall decides (error 40615 ",
                em("“Client with IP address … is not allowed”"),
                ") — private DNS mistakes then look like firewall problems. Disable it once private access works.",
            )
        )
        if server is not None:
            cmds.append("# private access only")
            cmds.append(
                az_cmd(
                    f"az sql server update -g {rg_of(server.id)} -n {server.name} --enable-public-network false",
                    server.id,
                    facts,
                )
            )
            fix = rich(fix, " " if fix else None, "Close the public endpoint once private access works.")
    elif pna.lower() == "disabled":
        lines.append(
            rich(
                "public network access ",
                strong("Disabled"),
                ": only private endpoints reach it; a client that resolves the public address gets error 47073 (",
                em("“Deny Public Network Access is set to Yes”"),
                ") — a DNS problem, not a login one",
            )
        )
    elif server is not None:
        lines.append(rich("public network access: not reported by Azure"))
    return Check(
        number, key, rich("Connection policy and ports"), status, tuple(lines), fix, tuple(cmds), DOC_SQL_CONNECTIVITY
    )


def client_commands(t: EndpointTarget, dns_ips: Sequence[str], number: int = 8) -> Check:
    """8. What to run on the laptop (connected to the VPN), with what good output looks like."""
    fq = f"{t.target_name}.{t.zone.public_suffix}"
    pl = f"{t.target_name}.{t.zone.zone}"
    ip = t.ips[0] if t.ips else "<private IP>"
    dns = ", ".join(dns_ips) if dns_ips else "your DNS forwarder or resolver inbound IP"
    lines = [
        rich(
            code(f"nslookup {fq}"),
            " → good: ",
            em(f"Name: {pl}"),
            ", ",
            em(f"Address: {ip}"),
            ", ",
            em(f"Aliases: {fq}"),
            ". A public address or “Non-existent domain” means DNS is not private yet.",
        ),
        rich(code(f"Resolve-DnsName {fq}"), " → good: CNAME ", code(pl), ", then A ", code(ip), "."),
        rich(
            code("Get-DnsClientNrptPolicy"),
            " → good: a rule for ",
            code("." + t.zone.public_suffix),
            f" with NameServers {dns} (when the profile sets DNS suffixes); ",
            code("ipconfig /all"),
            " shows the VPN adapter's DNS servers.",
        ),
        rich(
            code(f"Test-NetConnection {fq} -Port 1433"),
            " → good: ",
            em(f"RemoteAddress {ip}"),
            ", ",
            em("TcpTestSucceeded : True"),
            ".",
        ),
        rich(
            "macOS/Linux: ",
            code(f"dig +short {fq}"),
            f" → {pl} then {ip}; ",
            code(f"nc -vz {fq} 1433"),
            ".",
        ),
    ]
    return Check(
        number,
        f"sql_client:{rid_key(t.endpoint.id)}",
        rich("On the laptop, connected to the VPN"),
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
    return out or usable_dns_servers(t, facts)[:1]


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
    rules = facts.client_rules.get(rid_key(t.endpoint.id), ())
    c7 = with_client_rules(c7, server, t.ips[0] if t.ips else "", rules)
    c8 = client_commands(t, client_dns_ips(t, facts))
    return [c1, c2, c3, c4, c5, c6, c7, c8]


def sql_checklist_without_endpoint(server: SqlServer, facts: DnsFacts) -> list[Check]:
    """The checklist for a server that has no private endpoint in scope."""
    zone = sql_zone_for(server)
    fq = f"{server.name}.{zone.public_suffix}"
    c1 = _no_endpoint(server, zone.zone, facts)
    blocked = (rich("needs a private endpoint first (see 1)"),)
    rest = [
        Check(2, f"pe_dns_record:{rid_key(server.id)}", rich("DNS record in ", code(zone.zone)), "unknown", blocked),
        Check(
            3,
            f"pe_dns_links:{rid_key(server.id)}",
            rich(code(zone.zone), " linked to the VNets that matter"),
            "unknown",
            blocked,
        ),
        Check(4, f"pe_dns_clients:{rid_key(server.id)}", rich("VPN clients can resolve it"), "unknown", blocked),
        Check(5, f"pe_route:{rid_key(server.id)}", rich("A route from the VPN client pool"), "unknown", blocked),
    ]
    c6 = Check(
        6,
        f"sql_name:{rid_key(server.id)}",
        rich("Connect with ", code(fq)),
        "fail" if c1.status == "fail" else "unknown",
        (
            rich(
                "Use ",
                code(fq),
                ", never an IP: the certificate is for ",
                code("*." + zone.public_suffix),
                " (otherwise ",
                em(f"“{CERT_ERROR}”"),
                "); never ",
                code("TrustServerCertificate=True"),
                ".",
            ),
            rich(
                "Without a private endpoint ",
                code(fq),
                " resolves to the public address: VPN clients reach the server over the internet, if its firewall "
                "lets them.",
            ),
        ),
        doc_url=DOC_SQL_PRIVATE_LINK,
    )
    c7 = check_sql_policy(server, None, facts)
    c8 = Check(
        8,
        f"sql_client:{rid_key(server.id)}",
        rich("On the laptop"),
        "info",
        (rich(code(f"nslookup {fq}"), " shows the public address until a private endpoint and its DNS exist."),),
        doc_url=DOC_SQL_PRIVATE_LINK,
    )
    return [c1, *rest, c6, c7, c8]


def _no_endpoint(server: SqlServer, zone_name: str, facts: DnsFacts) -> Check:
    """1. for a server without a private endpoint in scope: create one (in a subnet of the
    first P2S gateway's VNet), unless the endpoints could not be read."""
    unseen = [pid for pid in server.private_endpoint_ids if facts.unread(PRIVATE_ENDPOINTS, sub_of(pid))]
    if unseen:
        status: Status = "unknown"
        evidence = rich(
            "the server reports private endpoint(s) the bot cannot read: ",
            join(", ", [rich(code(name_of(p)), " ", where(p, facts)) for p in unseen]),
            ". ",
            facts.why(PRIVATE_ENDPOINTS),
        )
    elif facts.failed(PRIVATE_ENDPOINTS):
        status = "unknown"
        evidence = rich("no private endpoint seen; ", facts.why(PRIVATE_ENDPOINTS))
    else:
        status = "fail"
        evidence = rich("no private endpoint in scope connects to ", code(server.name))
    key, title = f"pe_connection:{rid_key(server.id)}", rich("Private endpoint for ", code(server.name))
    if status != "fail":
        return Check(1, key, title, status, (evidence,), doc_url=DOC_SQL_PRIVATE_LINK)
    gw = next(iter(facts.p2s_gateways()), None)
    vnet = facts.vnet(gw.vnet_id) if gw else None
    like = None
    if vnet is not None:
        subnet = next((s for s in vnet.subnets if s.name.lower() != "gatewaysubnet"), None)
        if subnet is not None:
            like = PrivateEndpoint(id=f"{vnet.id}/x", name="", location=vnet.location, subnet_id=subnet.id)
    where_to = (
        rich(" (here ", code(vnet.name), ", of gateway ", code(gw.name), ")")
        if vnet is not None and gw is not None
        else None
    )
    fix = rich(
        "Create one in a subnet of the VNet your VPN clients reach",
        where_to,
        ", with a zone group for ",
        code(zone_name),
        ":",
    )
    cmd = create_endpoint_cmd(server.name, server.id, "sqlServer", like, facts)
    return Check(1, key, title, status, (evidence,), fix, (cmd,), DOC_SQL_PRIVATE_LINK)
