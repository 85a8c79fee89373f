"""What the private zones answer, and to which VNets.

A private zone answers only queries from the VNets linked to it, and a VNet can be linked
to one zone of a given name: so for each VNet that matters (the endpoint's, the VPN
gateways', those peered with them, those hosting the clients' DNS servers) the question is
which zone it sees and whether that zone's A record holds the endpoint's IP.
https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.core.model import PrivateDnsZone, name_of, rid_key
from commands.core.text import Rich, code, join, rich
from commands.findings.dns.facts import (
    DnsFacts,
    EndpointTarget,
    Status,
    az_cmd,
    connections_to,
    endpoint_owner,
    ip_list,
    linked_zone,
    links_unread,
    primary_zone,
    rg_of,
    where,
    zones_unreadable,
)
from commands.findings.dns.p2s import classify_dns_server, relevant_gateways


@dataclass(frozen=True)
class RecordVerdict:
    """Whether a zone's A records give the endpoint's IPs; the commands put them right."""

    ok: bool
    text: Rich
    commands: tuple[str, ...] = ()
    unknown: bool = False  # the zone's records could not be read: neither right nor wrong

    @property
    def status(self) -> Status:
        return "unknown" if self.unknown else "pass" if self.ok else "fail"


def record_verdict(zone: PrivateDnsZone, t: EndpointTarget, facts: DnsFacts) -> RecordVerdict:
    """Does `zone` hold A records for the endpoint's names with exactly the endpoint's IPs?
    Unknown when the zone's records could not be read (never "no record")."""
    if zone.records_failure is not None:
        f = zone.records_failure
        return RecordVerdict(
            False,
            rich(
                "could not read the A records of ",
                code(zone.name),
                " ",
                where(zone.id, facts),
                f" ({f.code or f.kind})",
            ),
            unknown=True,
        )
    problems: list[Rich] = []
    good: list[Rich] = []
    cmds: list[str] = []
    rg = rg_of(zone.id)
    for rel, want in t.expected.items():
        rec = next(
            (r for r in zone.records if r.name.lower() == rel and r.record_type.upper() in ("A", "")),
            None,
        )
        fq = f"{rel}.{zone.name}"
        if rec is None:
            problems.append(rich("no A record ", code(rel), " in ", code(zone.name), " ", where(zone.id, facts)))
            for ip in want:
                cmds.append(
                    az_cmd(
                        f"az network private-dns record-set a add-record -g {rg} -z {zone.name} -n {rel} -a {ip}",
                        zone.id,
                        facts,
                    )
                )
            continue
        have = tuple(rec.ips)
        if set(have) == set(want):
            good.append(rich("A ", code(fq), " → ", ip_list(have)))
            continue
        wrong = [ip for ip in have if ip not in want]
        missing = [ip for ip in want if ip not in have]
        why: list[Rich] = []
        siblings: list[str] = []  # IPs of other endpoints to the same target: not stale, a design choice
        for ip in wrong:
            owner = endpoint_owner(ip, facts)
            if owner is None:
                why.append(rich(code(ip), " belongs to no private endpoint in scope (stale)"))
            elif rid_key(owner.id) == rid_key(t.endpoint.id):
                why.append(rich(code(ip), " is this endpoint's, for another name"))
            else:
                why.append(rich(code(ip), " is ", code(owner.name), f"'s ({owner.location})"))
                if connections_to(owner, t.connection.target_id):
                    siblings.append(ip)
        problems.append(
            rich(
                "A ",
                code(fq),
                " → ",
                ip_list(have),
                ", but ",
                code(t.endpoint.name),
                " has ",
                ip_list(want),
                rich(": ", join("; ", why)) if why else None,
            )
        )
        if siblings and len(siblings) == len(wrong):
            # Another endpoint of the same resource owns the record: one zone gives one answer per
            # name, so VNets that should use *this* endpoint need their own zone of the same name.
            problems.append(
                rich(
                    "one zone gives one answer for ",
                    code(rel),
                    ": to send this endpoint's VNet to ",
                    ip_list(want),
                    ", give it its own zone of the same name with that record (and link that VNet to it instead)",
                )
            )
            vnet_id = t.endpoint.vnet_id
            prg = rg_of(t.endpoint.id)
            cmds += [
                az_cmd(f"az network private-dns zone create -g {prg} -n {zone.name}", t.endpoint.id, facts),
                *(
                    az_cmd(
                        f"az network private-dns record-set a add-record -g {prg} -z {zone.name} -n {rel} -a {ip}",
                        t.endpoint.id,
                        facts,
                    )
                    for ip in want
                ),
                az_cmd(
                    f"az network private-dns link vnet create -g {prg} -z {zone.name} -n link-{name_of(vnet_id)} "
                    f"-v {vnet_id} -e false",
                    t.endpoint.id,
                    facts,
                ),
            ]
            continue
        for ip in missing:
            cmds.append(
                az_cmd(
                    f"az network private-dns record-set a add-record -g {rg} -z {zone.name} -n {rel} -a {ip}",
                    zone.id,
                    facts,
                )
            )
        for ip in wrong:
            cmds.append(
                az_cmd(
                    f"az network private-dns record-set a remove-record -g {rg} -z {zone.name} -n {rel} -a {ip} "
                    "--keep-empty-record-set",
                    zone.id,
                    facts,
                )
            )
    if problems:
        return RecordVerdict(False, join("; ", problems), tuple(cmds))
    return RecordVerdict(True, join("; ", good))


@dataclass
class _Matters:
    """A VNet the zone must be linked to, and why."""

    vnet_id: str
    reasons: list[Rich] = field(default_factory=list)
    vital: bool = False  # the endpoint's, a VPN gateway's or a client DNS server's VNet (not only peered)


def _vnets_that_matter(t: EndpointTarget, facts: DnsFacts) -> list[_Matters]:
    """The VNets the zone must be linked to, in the order they were found."""
    matter: dict[str, _Matters] = {}

    def add(vnet_id: str, reason: Rich, vital: bool = True) -> None:
        if not vnet_id:
            return
        m = matter.setdefault(rid_key(vnet_id), _Matters(vnet_id))
        if reason not in m.reasons:
            m.reasons.append(reason)
        m.vital = m.vital or vital

    add(t.endpoint.vnet_id, rich("the endpoint's VNet"))
    gws, _ = relevant_gateways(t, facts)
    for gw in gws:
        add(gw.vnet_id, rich("VPN gateway ", code(gw.name)))
        vnet = facts.vnet(gw.vnet_id)
        if vnet is None:
            continue
        for p in vnet.peerings:
            add(p.remote_vnet_id, rich("peered with ", code(vnet.name)), vital=False)
        for ip in vnet.dns_servers:
            use = classify_dns_server(ip, facts)
            if use.host_vnet_id:
                add(use.host_vnet_id, rich("hosts DNS server ", code(ip), " of VPN clients"))
    return list(matter.values())


@dataclass(frozen=True)
class LinkState:
    """How one VNet that matters sees the endpoint's zone."""

    vnet_id: str
    reasons: tuple[Rich, ...]  # why the VNet matters
    status: Status  # pass | fail | unknown
    zone: PrivateDnsZone | None = None  # the zone of that name linked to it, if any
    verdict: RecordVerdict | None = None  # that zone's record for the endpoint
    other_zone: bool = False  # linked to a same-named zone other than the endpoint's own
    vital: bool = False  # clients resolve through it (not only peered with a gateway's VNet)


def link_states(t: EndpointTarget, facts: DnsFacts) -> list[LinkState]:
    """For each VNet that matters: linked to a zone with the right record (pass), not linked or
    linked to a zone with a wrong record (fail), or unknown when zones could not be read."""
    primary = primary_zone(t, facts)
    unreadable = zones_unreadable(facts)
    out: list[LinkState] = []
    for m in _vnets_that_matter(t, facts):
        reasons = tuple(m.reasons)
        z = linked_zone(m.vnet_id, t.zone.zone, facts)
        if z is None:
            unknown = unreadable or links_unread(t.zone.zone, facts)
            out.append(LinkState(m.vnet_id, reasons, "unknown" if unknown else "fail", vital=m.vital))
            continue
        v = record_verdict(z, t, facts)
        other = primary is not None and rid_key(z.id) != rid_key(primary.id)
        out.append(LinkState(m.vnet_id, reasons, v.status, z, v, other, m.vital))
    return out


def link_cmd(zone: PrivateDnsZone, vnet_id: str, facts: DnsFacts) -> str:
    """`az network private-dns link vnet create` for the zone and the VNet (registration off)."""
    return az_cmd(
        f"az network private-dns link vnet create -g {rg_of(zone.id)} -z {zone.name} "
        f"-n link-{name_of(vnet_id)} -v {vnet_id} -e false",
        zone.id,
        facts,
    )
