"""The checklist's items 4–5: can a VPN client resolve the endpoint's name, and does it get
a route to its IP?

Azure's resolver 168.63.129.16 answers only queries from inside a VNet, so a VPN client
needs a DNS forwarder or a DNS Private Resolver inbound endpoint in a VNet that sees the
zone, named by the gateway VNet's DNS servers.
https://learn.microsoft.com/azure/dns/dns-private-resolver-overview
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from commands.core.model import Gateway, VirtualNetwork, name_of, rid_key
from commands.core.text import Rich, code, join, link, rich
from commands.findings.dns.checks import DOC_P2S_ROUTING, DOC_RESOLVER, DOC_VPN_CLIENT_DNS, STATUS_ICON, Check
from commands.findings.dns.facts import (
    AZURE_DNS_IP,
    CONNECTIONS,
    GATEWAYS,
    RESOLVERS,
    VNETS,
    DnsFacts,
    EndpointTarget,
    Status,
    az_cmd,
    ip_list,
    linked_zone,
    links_unread,
    rg_of,
    worst,
    zones_unreadable,
)
from commands.findings.dns.p2s import P2SRoutes, classify_dns_server, p2s_routes, relevant_gateways, reverse_peering
from commands.findings.dns.records import record_verdict

# The DNS resolver commands are `az resource create` with the resolver's own api-version (the
# first GA one, which azure-mgmt-dnsresolver 1.x speaks): `az dns-resolver` is an extension that
# az must download on first use, which a locked-down machine cannot, and whose commands the
# suggestions here could not be checked against (tests/e2e/test_az_cli.py runs them all).
# https://learn.microsoft.com/azure/templates/microsoft.network/dnsresolvers
DNS_RESOLVER_API = "2022-07-01"


@dataclass(frozen=True)
class GatewayDns:
    """The DNS servers one gateway's VNet hands its VPN clients, judged for an endpoint."""

    gateway: Gateway
    status: Status  # the worst of its lines
    lines: tuple[Rich, ...]
    needs_dns: VirtualNetwork | None = None  # its VNet, when it hands clients nothing they can use


def gateway_dns(gw: Gateway, t: EndpointTarget, facts: DnsFacts, view: P2SRoutes | None) -> GatewayDns:
    """Can clients of `gw` resolve the endpoint's name through the DNS servers they are handed?"""
    vnet = facts.vnet(gw.vnet_id)
    if vnet is None:
        return GatewayDns(
            gw, "unknown", (rich("❔ ", code(gw.name), ": its VNet could not be read. ", facts.why(VNETS)),)
        )
    if not [ip for ip in vnet.dns_servers if ip != AZURE_DNS_IP]:
        line = rich(
            "✘ ",
            code(gw.name),
            ": ",
            code(vnet.name),
            f" uses Azure-provided DNS ({AZURE_DNS_IP}), which VPN clients cannot reach; they keep their own DNS "
            "and get the public address",
        )
        return GatewayDns(gw, "fail", (line,), vnet)
    statuses: list[Status] = []
    lines: list[Rich] = []
    for ip in vnet.dns_servers:
        st, text = _judge_dns_server(ip, t, facts, view)
        statuses.append(st)
        lines.append(
            rich(
                STATUS_ICON[st], " ", code(gw.name), " → ", code(vnet.name), " hands clients DNS ", code(ip), ": ", text
            )
        )
    return GatewayDns(gw, worst(statuses), tuple(lines))


def check_client_resolution(t: EndpointTarget, facts: DnsFacts, number: int = 4) -> Check:
    """4. VPN clients can resolve the name: a forwarder or resolver inbound endpoint they use."""
    key = f"pe_dns_clients:{rid_key(t.endpoint.id)}"
    title = rich("VPN clients can resolve it (DNS server in a linked VNet)")
    gws, views = relevant_gateways(t, facts)
    if not gws:
        why = facts.why(GATEWAYS)
        return Check(
            number,
            key,
            title,
            "unknown",
            (rich("no gateway in scope serves point-to-site clients", rich("; ", why) if why else None),),
            doc_url=DOC_RESOLVER,
        )
    judged = [gateway_dns(gw, t, facts, views.get(rid_key(gw.id))) for gw in gws]
    lines = [line for g in judged for line in g.lines]
    fix, cmds = _dns_fix(t, [(g.gateway, g.needs_dns) for g in judged if g.needs_dns is not None], views, facts)
    lines.append(
        rich(
            "Not visible from Azure: an Azure VPN Client profile (",
            code("azurevpnconfig.xml"),
            ", ",
            link(DOC_VPN_CLIENT_DNS, "how"),
            ") may name its own ",
            code("<dnsservers>"),
            "/",
            code("<dnssuffixes>"),
            "; on the laptop ",
            code("Get-DnsClientNrptPolicy"),
            " and ",
            code("ipconfig /all"),
            " show what is used.",
        )
    )
    if facts.failed(RESOLVERS):
        lines.append(facts.why(RESOLVERS))
    return Check(
        number,
        key,
        title,
        worst(g.status for g in judged),
        tuple(lines),
        join(" ", dict.fromkeys(fix)),
        tuple(dict.fromkeys(cmds)),
        DOC_RESOLVER,
        tuple(f"p2s_dns:{rid_key(g.gateway.id)}" for g in judged if g.status == "fail"),
    )


def _dns_fix(
    t: EndpointTarget,
    needs_dns: list[tuple[Gateway, VirtualNetwork]],
    views: dict[str, P2SRoutes],
    facts: DnsFacts,
) -> tuple[list[Rich], list[str]]:
    """For gateway VNets that hand clients nothing usable: a DNS server that already sees the
    zone when clients reach one, else a new DNS Private Resolver."""
    candidates = usable_dns_servers(t, facts)
    fix: list[Rich] = []
    cmds: list[str] = []
    served: set[str] = set()
    for gw, vnet in needs_dns:
        view = views.get(rid_key(gw.id))
        usable = [ip for ip in candidates if view is None or not view.routes or view.reaches(ip)]
        if usable:
            fix.append(
                rich(
                    "Give ",
                    code(vnet.name),
                    " the DNS server ",
                    code(usable[0]),
                    " (it sees the zone and VPN clients have a route to it), then have users download and import "
                    "the VPN client profile again:",
                )
            )
            cmds.append(
                az_cmd(
                    f"az network vnet update -g {rg_of(vnet.id)} -n {vnet.name} --dns-servers {usable[0]}",
                    vnet.id,
                    facts,
                )
            )
            served.add(rid_key(vnet.id))
    unserved = [(gw, vnet) for gw, vnet in needs_dns if rid_key(vnet.id) not in served]
    if unserved:
        fix_text, new_cmds = _new_resolver_fix(unserved, views, facts)
        fix.append(fix_text)
        cmds += new_cmds
    return fix, cmds


def _new_resolver_fix(
    unserved: list[tuple[Gateway, VirtualNetwork]],
    views: dict[str, P2SRoutes],
    facts: DnsFacts,
) -> tuple[Rich, list[str]]:
    """One DNS Private Resolver that every VPN client can reach (in a VNet whose prefix all
    those gateways hand out), its zone link, and each gateway VNet pointed at it."""

    def reachable_by_all(v: VirtualNetwork) -> bool:
        probe = v.address_prefixes[0].split("/")[0] if v.address_prefixes else ""
        return bool(probe) and all(
            (view := views.get(rid_key(gw.id))) is None or view.reaches(probe) for gw, _ in unserved
        )

    hosts = [v for _, v in unserved if reachable_by_all(v)] or [unserved[0][1]]
    host = hosts[0]
    rg, loc = rg_of(host.id), host.location
    resolver_id = f"{host.id.split('/providers/', 1)[0]}/providers/Microsoft.Network/dnsResolvers/dnsr-{host.name}"
    on_vnet = json.dumps({"virtualNetwork": {"id": host.id}}, separators=(",", ":"))
    inbound = json.dumps(
        {
            "ipConfigurations": [
                {"subnet": {"id": f"{host.id}/subnets/snet-dns-inbound"}, "privateIpAllocationMethod": "Dynamic"}
            ]
        },
        separators=(",", ":"),
    )
    cmds = [
        az_cmd(
            f"az network vnet subnet create -g {rg} --vnet-name {host.name} -n snet-dns-inbound "
            "--address-prefixes <free /28> --delegations Microsoft.Network/dnsResolvers",
            host.id,
            facts,
        ),
        # Ids carry the subscription: no --subscription needed.
        f"az resource create --id {resolver_id} -l {loc} --api-version {DNS_RESOLVER_API} -p '{on_vnet}'",
        # It prints the inbound endpoint's IP: the one the next commands ask for.
        f"az resource create --id {resolver_id}/inboundEndpoints/inbound -l {loc} --api-version {DNS_RESOLVER_API} "
        f"-p '{inbound}' --query 'properties.ipConfigurations[0].privateIpAddress' -o tsv",
    ]
    for _, v in unserved:
        cmds.append(
            az_cmd(
                f"az network vnet update -g {rg_of(v.id)} -n {v.name} --dns-servers <inbound endpoint IP>", v.id, facts
            )
        )
    others = [v for _, v in unserved if v is not host]
    text = rich(
        "Create a DNS Private Resolver with an inbound endpoint in ",
        code(host.name),
        " (a free /28 subnet delegated to it; the zone must be linked to ",
        code(host.name),
        "), point ",
        join(" and ", [code(v.name) for _, v in unserved]),
        " DNS servers at its inbound IP, and have users download and import the VPN client profile again",
        rich(" (", join(", ", [code(v.name) for v in others]), " clients reach it over their VPN routes)")
        if others
        else None,
        ":",
    )
    return text, cmds


def _zone_ok_for_vnet(vnet_id: str, t: EndpointTarget, facts: DnsFacts) -> Status:
    z = linked_zone(vnet_id, t.zone.zone, facts)
    if z is None:
        return "unknown" if zones_unreadable(facts) or links_unread(t.zone.zone, facts) else "fail"
    return record_verdict(z, t, facts).status


def usable_dns_servers(t: EndpointTarget, facts: DnsFacts) -> list[str]:
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


def _judge_dns_server(ip: str, t: EndpointTarget, facts: DnsFacts, view: P2SRoutes | None) -> tuple[Status, Rich]:
    use = classify_dns_server(ip, facts)
    if use.kind == "azure":
        return "fail", rich(
            "Azure's resolver is not reachable from a VPN client; use a forwarder or resolver inbound IP"
        )
    if use.kind == "outside":
        return "unknown", rich(
            "outside every VNet the bot sees (on-premises DNS?): it must forward ",
            code(t.zone.public_suffix),
            " to a resolver inbound endpoint or forwarder in a VNet linked to ",
            code(t.zone.zone),
        )
    what = (
        rich("DNS Private Resolver ", code(use.resolver.name), " inbound endpoint")
        if use.resolver is not None
        else rich("a DNS server (forwarder)")
    )
    host = code(name_of(use.host_vnet_id))
    zone_state = _zone_ok_for_vnet(use.host_vnet_id, t, facts)
    if view is not None and view.routes and not view.reaches(ip):
        return "fail", rich(what, " in ", host, ", but VPN clients get no route to ", code(ip))
    if zone_state == "pass":
        extra = None if use.resolver is not None else " (the bot cannot see that it forwards to 168.63.129.16)"
        return "pass", rich(what, " in ", host, ", which is linked to the zone", extra)
    if zone_state == "unknown":
        return "unknown", rich(what, " in ", host, "; whether it is linked could not be read")
    return "fail", rich(what, " in ", host, ", but ", host, " does not see the right record (see 3)")


def check_route(t: EndpointTarget, facts: DnsFacts, number: int = 5) -> Check:
    """5. A P2S gateway hands its clients a route to the endpoint's IP."""
    key = f"pe_route:{rid_key(t.endpoint.id)}"
    ips = t.ips
    title = rich("A route from the VPN client pool to ", ip_list(ips[:1]) if ips else "the endpoint")
    if not ips:
        return Check(
            number, key, title, "unknown", (rich("the endpoint has no private IP (see 1)"),), doc_url=DOC_P2S_ROUTING
        )
    ip = ips[0]
    views = [p2s_routes(g, facts) for g in facts.p2s_gateways()]
    lines: list[Rich] = []
    cmds: list[str] = []
    fix = Rich()
    if not views:
        why = facts.why(GATEWAYS)
        if why:
            return Check(number, key, title, "unknown", (why,), doc_url=DOC_P2S_ROUTING)
        return Check(
            number,
            key,
            title,
            "fail",
            (rich("no gateway in scope has a point-to-site configuration (client address pool)"),),
            rich(
                "Add a point-to-site configuration to the gateway in (or peered with gateway transit to) ",
                code(name_of(t.endpoint.vnet_id)),
                ".",
            ),
            doc_url=DOC_P2S_ROUTING,
        )
    covered = maybe = False
    incomplete = False
    for v in views:
        gw = code(v.gateway.name)
        pool = ", ".join(v.gateway.p2s_address_pool)
        r = v.covering(ip)
        m = v.maybe_covering(ip)
        if r is not None:
            covered = True
            lines.append(rich("✔ ", gw, f" (pool {pool}) hands out ", code(r.prefix), f": {r.why}"))
        elif m is not None:
            maybe = True
            lines.append(rich("❔ ", gw, f" (pool {pool}) may hand out ", code(m.prefix), f": {m.why}"))
            if m.caveat:
                lines.append(rich(f"  ⚠ {m.caveat}"))
            cmds += _route_fixes(v, t, facts)
        else:
            incomplete = incomplete or not v.complete
            handed = join(", ", [code(x.prefix) for x in v.routes]) or "nothing"
            lines.append(rich("✘ ", gw, f" (pool {pool}) hands out ", handed, ": no route to ", code(ip)))
            refused = v.refused(ip)
            if refused is not None:
                lines.append(rich(f"  {refused.why}"))
            lines += [rich(f"  {n}") for n in v.notes]
            cmds += _route_fixes(v, t, facts)
    if covered:
        status: Status = "pass"
        if cmds:
            fix = rich(
                "For clients of the gateways marked ❔ or ✘: hand the endpoint's VNet out as a custom route, and run "
                "BGP on both gateways and connections so the far side learns their pool:"
            )
    elif incomplete or facts.failed(VNETS, CONNECTIONS):
        status = "unknown"
        lines.append(facts.why(VNETS, CONNECTIONS) or rich("part of the topology could not be read"))
    elif maybe:
        status = "unknown"
        fix = rich(
            "Make it certain: hand the endpoint's VNet out as a custom route (or use gateway transit), and run "
            "BGP on both gateways and connections so the far side learns the VPN client pool:"
        )
    else:
        status = "fail"
        fix = rich(
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
    back = reverse_peering(hub, spoke)
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
            az_cmd(
                f"az network vnet-gateway update -g {rg_of(gw.id)} -n {gw.name} --custom-routes {routes}", gw.id, facts
            )
        )
    return out
