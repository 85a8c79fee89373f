"""The checklist's items 1–3, generic over private link zones: the endpoint and its
approval, the DNS record, and the zone's links to the VNets that matter.

A `Check` is one item's verdict — ✔ `pass`, ✘ `fail` (with the fix, as az commands filled in
with the estate's names), "could not check" `unknown` (with why), or ℹ `info` — and turns
into a ranked `Finding` for `/vpn diagnose`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from commands.core.model import PrivateDnsZone, PrivateEndpoint, name_of, rid_key
from commands.core.reply import Finding, Severity
from commands.core.text import Rich, code, join, pre, rich, strong
from commands.findings.dns.facts import (
    GATEWAYS,
    VNETS,
    ZONES,
    DnsFacts,
    EndpointTarget,
    Status,
    az_cmd,
    group_zone_ids,
    ip_list,
    linked_zone,
    primary_zone,
    rg_of,
    sub_of,
    subnet_name,
    where,
    worst,
    zones_and_links,
    zones_unreadable,
)
from commands.findings.dns.records import link_cmd, link_states, record_verdict
from commands.findings.dns.zones import SQL_ZONE, arm_type, resource_type

DOC_PE_DNS = "https://learn.microsoft.com/azure/private-link/private-endpoint-dns"
DOC_SQL_PRIVATE_LINK = "https://learn.microsoft.com/azure/azure-sql/database/private-endpoint-overview"
DOC_SQL_CONNECTIVITY = "https://learn.microsoft.com/azure/azure-sql/database/connectivity-architecture"
DOC_P2S_ROUTING = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing"
DOC_RESOLVER = "https://learn.microsoft.com/azure/dns/dns-private-resolver-overview"
DOC_VPN_CLIENT_DNS = "https://learn.microsoft.com/azure/vpn-gateway/azure-vpn-client-optional-configurations"
DOC_ZONE_LINKS = "https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links"


STATUS_ICON: dict[str, str] = {"pass": "✔", "fail": "✘", "unknown": "❔", "info": "ℹ"}
STATUS_WORD: dict[str, str] = {"pass": "", "fail": "", "unknown": "could not check", "info": ""}


@dataclass(frozen=True)
class Check:
    """One checklist item: its verdict, the evidence found, and for ✘ the fix.

    `commands` are shell lines, shown as a block to copy after `fix_text`.
    """

    number: int
    key: str  # stable identity, e.g. "pe_dns_record:<endpoint id>"
    title: Rich  # one line
    status: Status
    evidence: tuple[Rich, ...] = ()
    fix_text: Rich = field(default_factory=Rich)
    commands: tuple[str, ...] = ()
    doc_url: str = ""

    def next_step(self) -> Rich:
        """The fix, then its commands as a block to copy."""
        if not self.commands:
            return self.fix_text
        return rich(self.fix_text, "\n" if self.fix_text else None, pre(self.commands))

    def to_finding(self, severity: Severity | None = None) -> Finding:
        """The same verdict as a ranked Finding (for `/vpn diagnose`)."""
        default: dict[str, Severity] = {"pass": "ok", "fail": "critical", "unknown": "warning", "info": "info"}
        return Finding(
            severity=severity or default[self.status],
            title=self.title,
            evidence=join("\n", self.evidence),
            next_step=self.next_step(),
            doc_url=self.doc_url,
            key=self.key,
        )


@dataclass
class _Found:
    """What a check has found so far: verdicts, evidence lines, the fix and its commands."""

    statuses: list[Status] = field(default_factory=list)
    evidence: list[Rich] = field(default_factory=list)
    fix: list[Rich] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return "fail" in self.statuses


# --------------------------------------------------------------------------------------
# Checks 1–3: generic over private link zones
# --------------------------------------------------------------------------------------


def check_endpoint(t: EndpointTarget, facts: DnsFacts, number: int = 1) -> Check:
    """1. The private endpoint exists, its connection is Approved, it has private IP(s)."""
    pe, c = t.endpoint, t.connection
    status: Status = "pass"
    evidence: list[Rich] = [
        rich(
            code(pe.name),
            " ",
            where(pe.id, facts),
            " in ",
            code(name_of(pe.vnet_id)),
            "/",
            code(subnet_name(pe.subnet_id)),
            f", {pe.location}",
        ),
        rich(
            "groupId ",
            code(t.group_id or "?"),
            f", connection {c.status or 'unknown'}",
            " (manual approval)" if c.manual else None,
        ),
        rich("private IP ", ip_list(t.ips)),
    ]
    fix = Rich()
    cmds: list[str] = []
    target_rg = rg_of(c.target_id)
    if c.status.lower() == "pending":
        status = "fail"
        fix = rich(
            "The connection waits for approval by the owner of ",
            code(t.target_name),
            ": no traffic flows until it is Approved. Approve it (find the connection's name with the first command):",
        )
        cmds += [
            az_cmd(f"az network private-endpoint-connection list --id {c.target_id} -o table", c.target_id, facts),
            az_cmd(
                f"az network private-endpoint-connection approve -g {target_rg} --resource-name {t.target_name} "
                f"--type {arm_type(c.target_id)} "
                "-n <connection-name> --description 'VPN clients'",
                c.target_id,
                facts,
            ),
        ]
    elif c.status.lower() in ("rejected", "disconnected"):
        status = "fail"
        fix = rich(
            f"A {c.status} connection cannot be approved again: delete ",
            code(pe.name),
            " and create it anew (then approve it, and its zone group writes the DNS record again).",
        )
        cmds += [
            az_cmd(f"az network private-endpoint delete -g {rg_of(pe.id)} -n {pe.name}", pe.id, facts),
            create_endpoint_cmd(t.target_name, c.target_id, t.group_id, pe, facts),
        ]
    elif c.status.lower() != "approved":
        status = "unknown"
        evidence.append(rich("Azure did not report the connection's state"))
    if t.group_id and resource_type(c.target_id) == "microsoft.sql/servers" and t.group_id.lower() != "sqlserver":
        status = "fail"
        evidence.append(rich("groupId is ", code(t.group_id), ", expected ", code("sqlServer")))
    if not t.ips:
        status = "fail"
        evidence.append(rich(f"the endpoint has no private IP (provisioning state {pe.provisioning_state or '?'})"))
    if pe.provisioning_state.lower() == "failed":
        status = "fail"
        evidence.append(rich("provisioning state ", strong("Failed"), ": delete and re-create the endpoint"))
    return Check(
        number,
        f"pe_connection:{rid_key(pe.id)}",
        rich("Private endpoint for ", code(t.target_name)),
        status,
        tuple(evidence),
        fix,
        tuple(cmds),
        DOC_SQL_PRIVATE_LINK if t.zone.service == SQL_ZONE.service else DOC_PE_DNS,
    )


def create_endpoint_cmd(
    target_name: str, target_id: str, group_id: str, like: PrivateEndpoint | None, facts: DnsFacts
) -> str:
    """`az network private-endpoint create` for the target, in the subnet of `like` when given."""
    if like is not None and like.subnet_id:
        vnet, subnet, rg, loc = name_of(like.vnet_id), subnet_name(like.subnet_id), rg_of(like.id), like.location
        ref = like.id
    else:
        vnet, subnet, rg, loc, ref = "<vnet>", "<subnet>", rg_of(target_id), "<region>", target_id
    return az_cmd(
        f"az network private-endpoint create -g {rg} -n pe-{target_name} -l {loc} --vnet-name {vnet} "
        f"--subnet {subnet} --private-connection-resource-id {target_id} --group-id {group_id or 'sqlServer'} "
        f"--connection-name {target_name}",
        ref,
        facts,
    )


def check_dns_record(t: EndpointTarget, facts: DnsFacts, number: int = 2) -> Check:
    """2. A DNS zone group on the endpoint, the private zone, and A records with its IP."""
    found = _Found()
    same_name = facts.zones_named(t.zone.zone)
    group_ids = group_zone_ids(t)
    primary = _zone_group(t, group_ids, same_name, facts, found)
    _zones_of_the_name(t, group_ids, same_name, facts, found)
    _records(t, _zones_to_check(t, primary, group_ids, same_name, facts), group_ids, facts, found)
    if found.failed and not found.fix and found.commands:
        found.fix.append(rich("Put the endpoint's IP in the record:"))
    return Check(
        number,
        f"pe_dns_record:{rid_key(t.endpoint.id)}",
        rich("DNS record in ", code(t.zone.zone)),
        worst(found.statuses),
        tuple(found.evidence),
        join(" ", found.fix),
        tuple(dict.fromkeys(found.commands)),
        DOC_PE_DNS,
    )


def _zone_group(
    t: EndpointTarget, group_ids: list[str], same_name: list[PrivateDnsZone], facts: DnsFacts, found: _Found
) -> list[PrivateDnsZone]:
    """The zone group (Azure keeps the A record in step with the endpoint's IP) and the zones
    it writes to: those that exist are returned, the others are reported."""
    pe = t.endpoint
    if group_ids:
        found.evidence.append(
            rich(
                "zone group on the endpoint writes to ",
                join(", ", [rich(code(name_of(z)), " ", where(z, facts)) for z in group_ids]),
            )
        )
    elif pe.zone_groups:
        found.evidence.append(rich("the endpoint's zone group does not include ", code(t.zone.zone)))
    primary: list[PrivateDnsZone] = []
    for zid in group_ids:
        z = next((x for x in same_name if rid_key(x.id) == rid_key(zid)), None)
        if z is not None:
            primary.append(z)
        elif facts.unread(ZONES, sub_of(zid)):
            found.statuses.append("unknown")
            found.evidence.append(rich("zone ", where(zid, facts), " could not be read"))
        else:
            found.statuses.append("fail")
            found.evidence.append(
                rich(
                    "the zone group points at ", code(name_of(zid)), " ", where(zid, facts), ", which no longer exists"
                )
            )
            found.fix.append(rich("Re-create the zone (or point the zone group at an existing one):"))
            found.commands.append(
                az_cmd(f"az network private-dns zone create -g {rg_of(zid)} -n {t.zone.zone}", zid, facts)
            )
    return primary


def _zones_of_the_name(
    t: EndpointTarget, group_ids: list[str], same_name: list[PrivateDnsZone], facts: DnsFacts, found: _Found
) -> None:
    """No zone of the name (create it, with a zone group), or several (each needs the record)."""
    zone_name, pe = t.zone.zone, t.endpoint
    if not same_name:
        if zones_unreadable(facts):
            found.statuses.append("unknown")
            found.evidence.append(rich("no ", code(zone_name), " zone seen; ", facts.why(ZONES)))
        elif not group_ids:
            found.statuses.append("fail")
            found.evidence.append(rich("no private DNS zone ", code(zone_name), " in scope"))
            rg = rg_of(pe.id)
            found.fix.append(
                rich(
                    "Create the zone and a zone group on ",
                    code(pe.name),
                    ": Azure then writes the A record and keeps it in step with the endpoint's IP.",
                )
            )
            zid = f"/subscriptions/{sub_of(pe.id)}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone_name}"
            found.commands += [
                az_cmd(f"az network private-dns zone create -g {rg} -n {zone_name}", pe.id, facts),
                _zone_group_cmd(pe, zid, t, facts),
            ]
    elif len(same_name) > 1:
        listing = zones_and_links(same_name, facts)
        found.evidence.append(
            rich(
                strong(f"{len(same_name)} zones named ", code(zone_name)),
                ": ",
                listing,
                ". Each answers only for the VNets linked to it, so each needs its own A record for this endpoint "
                "(a zone group writes only to the zones it names)",
            )
        )


def _zones_to_check(
    t: EndpointTarget,
    primary: list[PrivateDnsZone],
    group_ids: list[str],
    same_name: list[PrivateDnsZone],
    facts: DnsFacts,
) -> list[PrivateDnsZone]:
    """Where the record must be: in the zones the zone group writes to. Without a zone group,
    in the zones that hold a record of the endpoint's names (kept by hand), else in the zone
    its VNet uses."""
    if primary or group_ids:
        return primary
    names = set(t.expected)
    held = [z for z in same_name if any(r.name.lower() in names for r in z.records)]
    if not held and any(z.records_failure is not None for z in same_name):
        # A zone whose records could not be read may hold it: say so rather than "missing".
        return [z for z in same_name if z.records_failure is not None]
    if not held and same_name:
        own = linked_zone(t.endpoint.vnet_id, t.zone.zone, facts)
        return [own or same_name[0]]
    return held


def _records(
    t: EndpointTarget, to_check: list[PrivateDnsZone], group_ids: list[str], facts: DnsFacts, found: _Found
) -> None:
    """The A records in those zones; without a zone group, a nudge (or a fix) to add one."""
    pe = t.endpoint
    for z in to_check:
        v = record_verdict(z, t, facts)
        if v.ok:
            found.evidence.append(rich(v.text, " ", where(z.id, facts), " ✔"))
        elif v.unknown:
            found.statuses.append("unknown")
            found.evidence.append(v.text)
        else:
            found.statuses.append("fail")
            found.evidence.append(v.text)
            found.commands += v.commands
    if not to_check or group_ids:
        return
    if not found.failed:
        found.evidence.append(
            rich(
                "no zone group on ",
                code(pe.name),
                ": the record is kept by hand and goes stale if the endpoint's IP changes; a zone group keeps it "
                "in step",
            )
        )
    else:
        found.fix.append(
            rich(
                "Add a zone group on ",
                code(pe.name),
                " so Azure writes the record and keeps it in step with the endpoint:",
            )
        )
        found.commands.append(_zone_group_cmd(pe, to_check[0].id, t, facts))


def _zone_group_cmd(pe: PrivateEndpoint, zone_id: str, t: EndpointTarget, facts: DnsFacts) -> str:
    return az_cmd(
        f"az network private-endpoint dns-zone-group create -g {rg_of(pe.id)} --endpoint-name {pe.name} "
        f"-n default --private-dns-zone {zone_id} --zone-name {t.zone.zone.replace('.', '-')}",
        pe.id,
        facts,
    )


def check_zone_links(t: EndpointTarget, facts: DnsFacts, number: int = 3) -> Check:
    """3. A zone with the right record is linked to every VNet that matters."""
    zone_name = t.zone.zone
    primary = primary_zone(t, facts)
    lines: list[Rich] = []
    cmds: list[str] = []
    states = link_states(t, facts)
    for st in states:
        vname = name_of(st.vnet_id)
        label = rich(code(vname), " (", join(", ", st.reasons), ")")
        if st.zone is None:
            if st.status == "unknown":
                lines.append(rich("❔ ", label, ": no link seen"))
                continue
            lines.append(
                rich("✘ ", label, ": ", strong("not linked"), ", so ", code(zone_name), " does not exist for it")
            )
            if primary is not None:
                cmds.append(link_cmd(primary, st.vnet_id, facts))
            continue
        link = next(x for x in st.zone.links if rid_key(x.vnet_id) == rid_key(st.vnet_id))
        state = f" (link {link.state})" if link.state and link.state != "Completed" else None
        through = rich(" through the other zone ", where(st.zone.id, facts)) if st.other_zone else None
        if st.status == "pass":
            lines.append(rich("✔ ", label, ": linked", through, state))
            continue
        verdict = st.verdict
        if st.status == "unknown":
            lines.append(rich("❔ ", label, ": linked", through, ", but ", verdict.text if verdict else "unread"))
            continue
        lines.append(
            rich("✘ ", label, ": linked", through, ", but there ", verdict.text if verdict else "the record is wrong")
        )
        cmds += verdict.commands if verdict else ()
        if st.other_zone:
            lines.append(
                rich(
                    "  (a VNet takes only one zone of a name, so ",
                    code(vname),
                    " cannot also be linked to ",
                    where(primary.id, facts) if primary else "the other zone",
                    ": the record must be in its own zone)",
                )
            )
    if zones_unreadable(facts) or facts.zone_failures():
        lines.append(facts.why(ZONES))
    if facts.failed(GATEWAYS, VNETS):
        lines.append(rich("VNets may be missing from this list: ", facts.why(GATEWAYS, VNETS)))
    status = worst(s.status for s in states) if states else "unknown"
    fix = Rich()
    if status == "fail":
        if primary is None:
            fix = rich("Create the zone first (see 2), then link it to each VNet above.")
        elif cmds:
            fix = rich("Link the zone to each VNet marked ✘ (registration off), or fix its record:")
    return Check(
        number,
        f"pe_dns_links:{rid_key(t.endpoint.id)}",
        rich(code(zone_name), " linked to the VNets that matter"),
        status,
        tuple(lines),
        fix,
        tuple(dict.fromkeys(cmds)),
        DOC_ZONE_LINKS,
    )


def summary(checks: Sequence[Check]) -> tuple[int, int, int]:
    """(failed, could not check, total)."""
    return (
        sum(1 for c in checks if c.status == "fail"),
        sum(1 for c in checks if c.status == "unknown"),
        len(checks),
    )
