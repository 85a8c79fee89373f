"""`/vpn diagnose`'s private endpoint DNS findings, once per root cause."""

from __future__ import annotations

import dataclasses

from commands.core.model import DnsRecordSet, PrivateDnsZone
from commands.findings.dns.facts import ZONES
from commands.findings.dns.findings import assess
from tests.unit.commands.findings.dns.builders import (
    GW_AUE,
    GW_EUN,
    NET,
    RG,
    VNET_AUE,
    ZONE,
    blob_endpoint,
    fixed,
    forbidden,
    seed_like,
)


def test_diagnose_reports_each_root_cause_once_with_every_name_it_breaks() -> None:
    f = seed_like()
    findings = assess(f)
    keys = [x.key for x in findings]
    assert len(keys) == len(set(keys))
    link = [x for x in findings if x.key == f"pe_zone_link:{ZONE}:{VNET_AUE.lower()}"]
    assert len(link) == 1 and link[0].severity == "critical"
    assert "sql-aue.database.windows.net" in link[0].evidence and "sql-eun.database.windows.net" in link[0].evidence
    assert "az network private-dns link vnet create -g rg-dns" in link[0].next_step
    for gw in (GW_EUN, GW_AUE):
        p2s = next(x for x in findings if x.key == f"p2s_dns:{gw.lower()}")
        assert p2s.severity == "critical" and "cannot resolve" in p2s.title
    assert not any(k.startswith(("pe_connection:", "pe_dns_record:")) for k in keys)
    assert [x.severity for x in findings] == sorted(
        (x.severity for x in findings), key=["critical", "warning", "info", "ok"].index
    )


def test_diagnose_is_silent_when_dns_is_right() -> None:
    assert assess(fixed(seed_like())) == []


def test_diagnose_covers_endpoints_of_other_services() -> None:
    f = seed_like()
    blob = blob_endpoint()
    f = dataclasses.replace(f, private_endpoints=(*f.private_endpoints, blob))
    findings = assess(f)
    rec = next(x for x in findings if x.key == f"pe_dns_record:{blob.id.lower()}")
    assert "privatelink.blob.core.windows.net" in rec.title and "Storage (blob)" in rec.title
    assert "az network private-dns zone create -g rg-eun -n privatelink.blob.core.windows.net" in rec.next_step
    p2s = next(x for x in findings if x.key == f"p2s_dns:{GW_EUN.lower()}")
    assert "stacct.blob.core.windows.net" in p2s.evidence


def test_diagnose_scope_limits_the_endpoints() -> None:
    f = seed_like()
    findings = assess(f, in_scope=lambda pe: pe.location == "northeurope")
    p2s = next(x for x in findings if x.key == f"p2s_dns:{GW_EUN.lower()}")
    assert "sql-eun.database.windows.net" in p2s.evidence and "sql-aue" not in p2s.evidence


def test_diagnose_reports_same_named_zones_with_differing_records() -> None:
    f = fixed(seed_like())
    other_id = f"{RG}/rg-aue/{NET}/privateDnsZones/{ZONE}"
    other = PrivateDnsZone(other_id, ZONE, (DnsRecordSet("sql-aue", "", "A", ("10.1.1.9",)),), ())
    f = dataclasses.replace(f, zones=(*f.zones, other))
    dup = next(x for x in assess(f) if x.key == f"pe_dup_zone:{ZONE}")
    assert dup.severity == "warning"
    assert "Different IPs for `sql-aue`" in dup.evidence and "Missing in some zones: `sql-eun`" in dup.evidence


def test_diagnose_says_what_could_not_be_read() -> None:
    f = dataclasses.replace(seed_like(), zones=(), failures=(forbidden(ZONES),))
    findings = assess(f)
    unread = next(x for x in findings if x.key == f"pe_dns_unread:{ZONES}")
    assert "AuthorizationFailed" in unread.evidence
    assert not any(x.key.startswith("pe_zone_link:") for x in findings)  # never guessed
