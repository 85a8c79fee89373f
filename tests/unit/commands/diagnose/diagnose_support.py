"""An estate for the `/vpn diagnose` tests, and how they run the command and read its answer."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.slack.mrkdwn import mrkdwn
from commands.core.model import (
    DnsRecordSet,
    DnsZoneConfig,
    DnsZoneGroup,
    P2SClient,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkConnection,
    SqlServer,
    Subnet,
    Subscription,
    VirtualNetwork,
    VnetLink,
)
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Context, Finding, Header, Inline, Reply, Table, Text
from commands.diagnose.command import diagnose
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.findings.topology_support import SUB, nid, two_regions_both_attempts

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
ZONE = "privatelink.database.windows.net"
ZONE_ID = nid("privateDnsZones", ZONE)
SQL_TYO = f"/subscriptions/{SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/sql-tyo"
PE_TYO = nid("privateEndpoints", "pe-sql-tyo")


def with_subnets(v: VirtualNetwork, data: str) -> VirtualNetwork:
    return dataclasses.replace(v, subnets=(Subnet(f"{v.id}/subnets/snet-data", "snet-data", (data,)),))


def both_attempts() -> FakeAzure:
    """Amsterdam + Tokyo: both failed designs, a SQL private endpoint in Tokyo, the private
    zone linked to Amsterdam only, VPN clients on Amsterdam's gateway."""
    facts, _ = two_regions_both_attempts()
    ams, tyo = facts.vnets
    out, back = facts.connections
    pe = PrivateEndpoint(
        PE_TYO,
        "pe-sql-tyo",
        "japaneast",
        subnet_id=f"{tyo.id}/subnets/snet-data",
        private_ips=("10.60.1.4",),
        connections=(PrivateLinkConnection("sql-tyo", SQL_TYO, ("sqlServer",), "Approved"),),
        zone_groups=(
            DnsZoneGroup(
                f"{PE_TYO}/privateDnsZoneGroups/default",
                "default",
                (DnsZoneConfig(ZONE_ID, (DnsRecordSet("sql-tyo", f"sql-tyo.{ZONE}", "A", ("10.60.1.4",)),)),),
            ),
        ),
        provisioning_state="Succeeded",
    )
    zone = PrivateDnsZone(
        ZONE_ID,
        ZONE,
        (DnsRecordSet("sql-tyo", f"sql-tyo.{ZONE}.", "A", ("10.60.1.4",)),),
        (VnetLink(f"{ZONE_ID}/virtualNetworkLinks/link-ams", "link-ams", ams.id, False, "Completed"),),
    )
    ams_gw, tyo_gw = facts.gateways
    return FakeAzure(
        subscriptions=(Subscription(SUB, "Fabrikam"),),
        vnets=(with_subnets(ams, "10.50.1.0/24"), with_subnets(tyo, "10.60.1.0/24")),
        gateways=facts.gateways,
        connections=(out, back),
        shared_keys={out.id: "k-one", back.id: "k-two"},
        private_endpoints=(pe,),
        zones=(zone,),
        sql_servers=(
            SqlServer(
                SQL_TYO, "sql-tyo", "japaneast", "sql-tyo.database.windows.net", "Disabled", "Default", (PE_TYO,)
            ),
        ),
        p2s={ams_gw.id: [P2SClient("ana", ingress_bytes=10, egress_bytes=10), P2SClient("bo")], tyo_gw.id: []},
    )


def run(azure: FakeAzure, text: str = "") -> tuple[Reply, RecordingMessenger]:
    out = RecordingMessenger()
    ctx = Ctx(azure, out, settings=DomainSettings(progress_every_s=0.0), now=lambda: NOW)
    reply = diagnose(ctx, text)
    assert reply is not None
    return reply, out


def _inlines(reply: Reply) -> list[Inline]:
    bits: list[Inline] = [reply.fallback]
    for p in [*reply.parts, *reply.thread]:
        if isinstance(p, Finding):
            bits += [p.title, p.evidence, p.next_step]
            bits += [x.title for x in p.every()[1:]]
        elif isinstance(p, Text | Context | Header):
            bits.append(p.text)
        elif isinstance(p, Table):
            bits += [" | ".join(r) for r in p.rows]
    return bits


def text_of(reply: Reply) -> str:
    """Every text of the answer as a person reads it."""
    return "\n".join(str(b) for b in _inlines(reply))


def mrkdwn_of(reply: Reply) -> str:
    """Every text of the answer as Slack gets it."""
    return "\n".join(mrkdwn(b) for b in _inlines(reply))


def keys(reply: Reply) -> list[str]:
    return [f.key for f in reply.findings]


def has(reply: Reply, prefix: str) -> Finding:
    found = [f for f in reply.findings if f.key.startswith(prefix)]
    assert found, f"no {prefix} finding in {keys(reply)}"
    return found[0]
