"""Private endpoint DNS findings for `/vpn diagnose`: every private endpoint in scope.

The same checks as the checklist, reported once per root cause rather than per endpoint: a
zone not linked to a VNet, or a VPN gateway whose clients cannot resolve private names, is
one finding naming every name it breaks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from commands.core.model import PrivateDnsZone, PrivateEndpoint, name_of, rid_key
from commands.core.reply import Finding, Severity
from commands.core.text import Rich, code, join, pre, prose, rich
from commands.findings import dedup, ranked
from commands.findings.dns.checks import (
    DOC_PE_DNS,
    DOC_RESOLVER,
    DOC_ZONE_LINKS,
    Check,
    check_dns_record,
    check_endpoint,
    check_zone_links,
)
from commands.findings.dns.client_checks import check_client_resolution, check_route, gateway_dns
from commands.findings.dns.facts import (
    AZURE_DNS_IP,
    KIND_WORDS,
    PRIVATE_ENDPOINTS,
    RESOLVERS,
    ZONES,
    DnsFacts,
    EndpointTarget,
    endpoint_targets,
    primary_zone,
    where,
    zones_and_links,
)
from commands.findings.dns.p2s import p2s_routes
from commands.findings.dns.ports import with_client_rules
from commands.findings.dns.records import LinkState, link_cmd, link_states
from commands.findings.dns.sql import check_sql_name, check_sql_policy
from commands.findings.dns.zones import SQL_ZONE

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
        label = rich(code(t.endpoint.name), " → ", code(t.target_name), f" ({t.zone.service})")
        record = check_dns_record(t, facts)
        checks: tuple[tuple[Check, Severity], ...] = (
            (check_endpoint(t, facts), "critical"),
            (record, "critical"),
            (check_route(t, facts), "warning"),
        )
        for chk, sev in checks:
            if chk.status == "fail" or (chk.status == "unknown" and chk.number != 5):
                out.append(_as_finding(chk, label, sev if chk.status == "fail" else "warning"))
        # The checklist's items 3, 4 and 6 for the same endpoint, where they fail: the same
        # verdicts `/vpn checklist` gives, folded under the zone links and the gateways'
        # DNS that explain them (their `causes`).
        links, clients = check_zone_links(t, facts), check_client_resolution(t, facts)
        chain: list[Check] = [links, clients]
        if t.zone.service == SQL_ZONE.service:
            chain.append(check_sql_name(t, (record, links, clients)))
        out += [_as_finding(c, label, "critical") for c in chain if c.status == "fail"]
        if t.zone.service == SQL_ZONE.service and facts.client_rules.get(rid_key(t.endpoint.id)):
            # Item 7 where the client VMs' security rules were read and block its ports.
            server = next((x for x in facts.sql_servers if rid_key(x.id) == rid_key(t.connection.target_id)), None)
            ports = with_client_rules(
                check_sql_policy(server, t, facts),
                server,
                t.ips[0] if t.ips else "",
                facts.client_rules[rid_key(t.endpoint.id)],
            )
            if ports.status == "fail":
                out.append(_as_finding(ports, label, "critical"))
    out += zone_link_findings(targets, facts)
    out += client_dns_findings(targets, facts)
    out += duplicate_zone_findings(facts, {t.zone.zone for t in targets})
    return ranked(dedup(out))


def _as_finding(chk: Check, label: Rich, severity: Severity) -> Finding:
    title = rich(label, ": ", chk.title, " — could not check" if chk.status == "unknown" else None)
    return replace(chk.to_finding(severity), title=title)


def unreadable_findings(facts: DnsFacts) -> list[Finding]:
    """What could not be read, once per kind of list (the DNS checks above are partial)."""
    out: list[Finding] = []
    for kind in (PRIVATE_ENDPOINTS, ZONES, RESOLVERS):
        why = facts.why(kind)
        if why:
            # The zones whose records or links could not be read are named in the key: the
            # finding is then about them (and the VNets they are linked to) in every view.
            zones = dict.fromkeys(rid_key(z.id) for z, _, _ in facts.zone_failures()) if kind == ZONES else {}
            out.append(
                Finding(
                    "warning",
                    f"Private endpoint DNS could only be checked in part: {KIND_WORDS[kind]} unreadable",
                    why,
                    doc_url=DOC_PE_DNS,  # the DNS configuration that could not be checked
                    key=f"pe_dns_unread:{kind}" + "".join(f":{z}" for z in zones),
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
        vital = any(st.vital for _, st in items)
        primary = primary_zone(items[0][0], facts)
        vnet = code(name_of(vnet_id))
        out.append(
            Finding(
                "critical" if vital else "warning",
                rich(code(zone_name), " is not linked to ", vnet),
                rich(
                    vnet,
                    " matters as ",
                    join(", ", reasons),
                    ". Without the link, queries from it get the public address for ",
                    names,
                    ".",
                ),
                rich("Link the zone (registration off):\n", pre([link_cmd(primary, vnet_id, facts)]))
                if primary is not None
                else rich("Create the zone ", code(zone_name), " and link it."),
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
                rich(
                    code(name_of(st.vnet_id)),
                    " resolves ",
                    _names([t for t, _ in items]),
                    " through ",
                    code(zone.name),
                    " ",
                    where(zone.id, facts),
                    ", which has the wrong A record",
                ),
                rich(
                    join("; ", [s.verdict.text for _, s in items if s.verdict]),
                    ". A VNet takes only one zone of a name, so that zone needs its own records."
                    if st.other_zone
                    else None,
                ),
                rich("Put the endpoint's IP in the record:\n", pre(dict.fromkeys(cmds))) if cmds else "",
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
        judged = [(t, gateway_dns(gw, t, facts, view).status) for t in reached]
        bad = [t for t, status in judged if status == "fail"]
        unknown = [t for t, status in judged if status == "unknown"]
        vnet = facts.vnet(gw.vnet_id)
        dns_state = (
            rich(
                code(vnet.name),
                " hands VPN clients ",
                rich("DNS ", join(", ", [code(i) for i in vnet.dns_servers]))
                if vnet.dns_servers
                else "no DNS server (Azure-provided DNS)",
            )
            if vnet is not None
            else rich("its VNet could not be read")
        )
        if bad:
            sql = any(t.zone.service == SQL_ZONE.service for t in bad)
            out.append(
                Finding(
                    "critical",
                    rich("VPN clients of ", code(gw.name), " cannot resolve private endpoint names"),
                    rich(
                        dns_state,
                        f"; {AZURE_DNS_IP} answers only inside a VNet. Affected: ",
                        _names(bad),
                        ": clients get the public address",
                        " (and connecting to Azure SQL by IP instead fails the certificate check)." if sql else ".",
                    ),
                    # The first affected endpoint's fix: the DNS servers its gateways' VNets should hand out.
                    check_client_resolution(bad[0], facts).next_step(),
                    DOC_RESOLVER,
                    f"p2s_dns:{rid_key(gw.id)}",
                )
            )
        elif unknown:
            out.append(
                Finding(
                    "warning",
                    rich(
                        "Whether VPN clients of ", code(gw.name), " resolve private endpoint names could not be checked"
                    ),
                    rich(dns_state, ". Names: ", _names(unknown), "."),
                    prose("Check on a laptop: `nslookup <name>` must answer with the private IP."),
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
        readable = [z for z in zones if z.records_failure is None]  # unread records are not missing ones
        for z in readable:
            for r in z.records:
                if r.record_type.upper() in ("A", ""):
                    records.setdefault(r.name.lower(), set()).add(tuple(sorted(r.ips)))
        differ = sorted(n for n, ips in records.items() if len(ips) > 1)
        present = {n for n in records}
        partial = sorted(n for n in present if any(n not in {r.name.lower() for r in z.records} for z in readable))
        listing = zones_and_links(zones, facts)
        evidence = rich(f"{len(zones)} zones named ", code(name), ": ", listing, ".")
        if differ:
            evidence += rich(" Different IPs for ", join(", ", [code(n) for n in differ]), ".")
        if partial:
            evidence += rich(" Missing in some zones: ", join(", ", [code(n) for n in partial[:10]]), ".")
        out.append(
            Finding(
                "warning" if differ or partial else "info",
                rich(f"{len(zones)} private DNS zones are named ", code(name)),
                evidence,
                "Each VNet sees only the zone linked to it, so every zone needs every record (a zone group writes "
                "only to the zones it names). Prefer one zone linked to all VNets, with a DNS resolver for VPN clients.",
                DOC_PE_DNS,
                f"pe_dup_zone:{name}",
            )
        )
    return out


def _names(targets: Sequence[EndpointTarget]) -> Rich:
    """The public names of the endpoints, the first eight shown."""
    names = list(dict.fromkeys(fq for t in targets for fq in t.public_fqdns))
    shown = join(", ", [code(n) for n in names[:8]])
    return rich(shown, f" and {len(names) - 8} more" if len(names) > 8 else None)
