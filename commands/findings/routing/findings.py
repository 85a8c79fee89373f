"""Findings about routes: coverage gaps of a NIC or gateway, and a P2S client's routes.

Pure functions over `commands.routes` results (coverage, the P2S plan, a VPN client log)
and `commands.core.model` facts. `/vpn routes` shows them; `/vpn diagnose` and the
checklist can compose them (stable `key`s).

Azure's rules: route selection
https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#how-azure-selects-a-route,
point-to-site routing https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from commands.core.model import DnsResolver, EffectiveRoute, Gateway, VirtualNetwork, rid_key
from commands.core.reply import Finding
from commands.core.text import Rich, join, rich
from commands.core.text import code as code_span
from commands.findings import dedup, ranked
from commands.findings.routing.coverage import GATEWAY_TRANSIT_DOC, CoverageItem
from commands.findings.routing.links import VNET2VNET_BGP_DOC
from commands.findings.routing.p2s import P2S_ROUTING_DOC, ExpectedPrefix, RouteCheck
from commands.findings.routing.selection import ROUTE_SELECTION_DOC
from commands.findings.routing.vpnlog import VpnClientLog

DOC_PE_DNS = "https://learn.microsoft.com/azure/private-link/private-endpoint-dns"
DOC_PROPAGATION = (
    "https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#border-gateway-protocol"
)

_COMMAND = re.compile(r"(/vpn [^;()]+?)(?=$|[;()]|, or |, then )")


def with_commands(text: str) -> Rich:
    """Plain text from the routing rules as inline text: the `/vpn …` commands in it as code."""
    pieces: list[Rich | str] = []
    pos = 0
    for m in _COMMAND.finditer(text):
        pieces.append(text[pos : m.start()])
        pieces.append(rich(code_span(m.group(1).strip())))
        pos = m.end()
    pieces.append(text[pos:])
    return rich(*pieces)


def _lines(lines: Sequence[Rich | str]) -> Rich:
    return join("\n", lines)


def _bullets(texts: Sequence[str]) -> list[Rich]:
    return [rich("• ", with_commands(t)) for t in texts]


def _doc_for(items: Sequence[CoverageItem]) -> str:
    text = " ".join(r for it in items for r in it.reasons).lower()
    if "bgp" in text and "propagat" not in text:
        return VNET2VNET_BGP_DOC
    if "propagat" in text:
        return DOC_PROPAGATION
    if "transit" in text or "remote gateways" in text or "useremotegateways" in text:
        return GATEWAY_TRANSIT_DOC
    return ROUTE_SELECTION_DOC


def coverage_findings(target: str, target_key: str, items: Sequence[CoverageItem]) -> list[Finding]:
    """One finding per group of destinations not (fully) reached for the same reasons.

    A private endpoint unreached for the same reason as its VNet is folded into that finding.
    """
    groups: dict[tuple[str, ...], list[CoverageItem]] = {}
    for it in items:
        if it.status in ("not_reached", "partial"):
            # What the estate says breaks it decides the group (so the key is the same with or
            # without routes); the routes' own reasons only when the estate says nothing.
            groups.setdefault(it.blocked or it.reasons or ("no reason known",), []).append(it)
    out: list[Finding] = []
    for _group_by, group in groups.items():
        reasons = tuple(dict.fromkeys(r for it in group for r in it.reasons))
        labels = list(dict.fromkeys(f"{it.label} {it.prefix}" if it.prefix != "—" else it.label for it in group))
        shown = ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")
        partial = all(it.status == "partial" for it in group)
        endpoint = any(it.kind == "private_endpoint" for it in group)
        severity = "warning" if partial else ("critical" if endpoint or group[0].kind == "own_vnet" else "warning")
        verb = "reaches only part of" if partial else "does not reach"
        evidence = _bullets(reasons) + [rich("Note: ", with_commands(note)) for note in group[0].notes]
        fixes = list(dict.fromkeys(f for it in group for f in it.fixes))
        out.append(
            Finding(
                severity=severity,  # type: ignore[arg-type]
                title=rich(f"{target} {verb} {shown}"),
                evidence=_lines(evidence),
                next_step=join("; ", [with_commands(f) for f in fixes[:3]]),
                doc_url=_doc_for(group),
                key=f"routing:coverage:{target_key}:{'|'.join(sorted(it.prefix for it in group))}",
                causes=tuple(dict.fromkeys(c for it in group for c in it.causes)),
            )
        )
    for it in items:
        if it.status == "reached" and it.notes:
            out.append(
                Finding(
                    severity="info",
                    title=rich(f"{target} reaches {it.label} {it.prefix}, with a caveat"),
                    evidence=_lines(_bullets(it.notes)),
                    key=f"routing:note:{target_key}:{it.prefix}",
                )
            )
    return ranked(dedup(out))


def p2s_plan_findings(gw: Gateway, plan: Sequence[ExpectedPrefix]) -> list[Finding]:
    """A VNet-to-VNet remote whose prefixes P2S clients of `gw` may get, but whose replies
    cannot come back (no BGP on every piece of the pair, or no reverse connection)."""
    return [
        Finding(
            severity="warning",
            title=rich(
                f"Point-to-site clients of {gw.name} {'get' if e.certainty == 'always' else 'may get'} {e.prefix}, "
                "but traffic cannot get through"
            ),
            evidence=rich("• ", with_commands(e.caveat)),
            next_step=rich(
                "Enable BGP on both gateways and both connections, or peer the VNets with gateway transit "
                "(then only one region's gateway serves the clients)."
            ),
            doc_url=P2S_ROUTING_DOC,
            key=f"routing:p2s_oneway:{rid_key(gw.id)}:{e.prefix}",
            causes=e.causes,
        )
        for e in plan
        if e.kind == "vnet2vnet" and e.caveat
    ]


def invalid_route_findings(target: str, target_key: str, routes: Sequence[EffectiveRoute]) -> list[Finding]:
    """User routes Azure shows as Invalid (ignored): usually their next hop is not reachable."""
    bad = [r for r in routes if (r.state or "").lower() == "invalid" and (r.source or "").lower() == "user"]
    if not bad:
        return []
    lines = [
        f"• {', '.join(r.address_prefixes)} → {r.next_hop_type} {', '.join(r.next_hop_ips)}"
        + (f" ({r.name})" if r.name else "")
        for r in bad[:6]
    ]
    many = len(bad) != 1
    return [
        Finding(
            severity="warning",
            title=rich(
                f"{len(bad)} user route{'s' if many else ''} of {target} {'are' if many else 'is'} Invalid: "
                f"Azure ignores {'them' if many else 'it'}"
            ),
            evidence=_lines(lines),
            next_step=rich(
                "A user route is Invalid when its next hop cannot be used (a virtual appliance IP outside the VNet "
                "and its peers, or a VirtualNetworkGateway hop without a gateway). Fix the next hop or delete the route."
            ),
            doc_url=ROUTE_SELECTION_DOC,
            key=f"routing:invalid:{target_key}",
        )
    ]


def p2s_log_findings(
    log: VpnClientLog,
    checks: Sequence[RouteCheck],
    gateway_name: str,
    gateway_vnet: VirtualNetwork | None,
    resolvers: Sequence[DnsResolver] = (),
) -> list[Finding]:
    """What the comparison between a client's log and the estate means."""
    key = f"routing:p2s:{gateway_name.lower()}"
    out = _route_findings(checks, gateway_name, key)
    if not log.dns_servers:
        out.append(_no_dns(gateway_vnet, resolvers, key))
    if log.unreadable:
        shown = [rich(f"• line {n}: ", code_span(t[:140])) for n, t in log.unreadable[:3]]
        if len(log.unreadable) > 3:
            shown.append(rich(f"…and {len(log.unreadable) - 3} more"))
        out.append(
            Finding(
                severity="info",
                title=rich(
                    f"{len(log.unreadable)} line{'s' if len(log.unreadable) != 1 else ''} of the log could not be read"
                ),
                evidence=_lines(shown),
                next_step=rich("Paste the log as a file snippet or inside a code block so Slack leaves it intact."),
                key=f"{key}:unreadable",
            )
        )
    if log.disconnected or (not log.established and (log.routes or log.assigned_ip)):
        out.append(
            Finding(
                severity="info",
                title=rich(
                    "The session was not up at the end of this log"
                    if log.disconnected
                    else "The log does not show the session established"
                ),
                evidence=rich("The routes above are what the client received; check the latest connection attempt."),
                key=f"{key}:session",
            )
        )
    return ranked(dedup(out))


def _route_findings(checks: Sequence[RouteCheck], gateway_name: str, key: str) -> list[Finding]:
    """Routes the client lacks, has but cannot use, or has without a reason in the estate."""
    out: list[Finding] = []
    missing = [c for c in checks if c.verdict == "missing"]
    if missing:
        out.append(
            Finding(
                severity="critical",
                title=rich(
                    f"The client did not receive {len(missing)} route{'s' if len(missing) != 1 else ''} "
                    f"{gateway_name} hands out: " + ", ".join(c.prefix for c in missing)
                ),
                evidence=_lines([rich(f"• {c.prefix}: ", with_commands(c.why)) for c in missing]),
                next_step=rich(
                    "Reconnect the VPN client; after a change of peering or topology, download and import the "
                    "VPN client profile again (the client keeps the routes it was given)."
                ),
                doc_url=P2S_ROUTING_DOC,
                key=f"{key}:missing",
            )
        )
    for c in checks:
        if c.verdict == "ok" and c.caveat and c.kind == "vnet2vnet":
            out.append(
                Finding(
                    severity="warning",
                    title=rich(f"The client has a route to {c.prefix}, but traffic cannot get through"),
                    evidence=rich(with_commands(c.why), ".\n• ", with_commands(c.caveat)),
                    next_step=rich(
                        "Enable BGP on both gateways and both connections (the P2S pool is then advertised), "
                        "or join the VNets by peering with gateway transit."
                    ),
                    doc_url=VNET2VNET_BGP_DOC,
                    key=f"{key}:oneway:{c.prefix}",
                )
            )
        elif c.verdict == "ok" and c.caveat:
            # Behind a site-to-site tunnel the return path is the remote device's business.
            out.append(
                Finding(
                    severity="info",
                    title=rich(f"The client has a route to {c.prefix}; the far side must route replies back"),
                    evidence=rich("• ", with_commands(c.caveat)),
                    key=f"{key}:returnpath:{c.prefix}",
                )
            )
    unexpected = [c for c in checks if c.verdict == "unexpected"]
    if unexpected:
        out.append(
            Finding(
                severity="info",
                title=rich(
                    f"{len(unexpected)} route{'s' if len(unexpected) != 1 else ''} the estate does not explain: "
                    + ", ".join(c.prefix for c in unexpected)
                ),
                evidence=_lines([rich(f"• {c.prefix}: ", with_commands(c.why)) for c in unexpected]),
                doc_url=P2S_ROUTING_DOC,
                key=f"{key}:unexpected",
            )
        )
    return out


def _no_dns(gateway_vnet: VirtualNetwork | None, resolvers: Sequence[DnsResolver], key: str) -> Finding:
    """No DNS server was pushed: what the client then cannot resolve, and where a server would come from."""
    vnet_dns = gateway_vnet.dns_servers if gateway_vnet else ()
    inbound = [ip for r in resolvers for ip in r.inbound_ips]
    if vnet_dns:
        step = rich(
            f"{gateway_vnet.name if gateway_vnet else ''} sets DNS servers {', '.join(vnet_dns)}: reconnect, "
            "or download the client profile again so the client gets them."
        )
    elif inbound:
        step = rich(
            f"Point the client at the DNS Private Resolver inbound endpoint ({', '.join(inbound)}): add it as ",
            code_span("<dnsserver>"),
            " in the client profile, or as the VNet's custom DNS server, then download the profile again.",
        )
    else:
        step = rich(
            "Azure's own resolver 168.63.129.16 cannot be reached from a VPN client. Deploy a DNS Private Resolver "
            "inbound endpoint (or a DNS forwarder VM) in the gateway's VNet, then add its IP as ",
            code_span("<dnsserver>"),
            " in the client profile or as the VNet's custom DNS server.",
        )
    return Finding(
        severity="warning",
        title=rich("No DNS servers were pushed: the client will not resolve private zones"),
        evidence=rich(
            "The log has no ",
            code_span("dhcp-option DNS"),
            " line, so names such as ",
            code_span("<server>.database.windows.net"),
            " resolve to public IPs, and connecting by the private IP fails the certificate name check.",
        ),
        next_step=step,
        doc_url=DOC_PE_DNS,
        key=f"{key}:nodns",
    )
