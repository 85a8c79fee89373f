"""Checklist items 1–3 (endpoint, DNS record, zone links), on facts built by hand."""

from __future__ import annotations

import dataclasses

from bot.slack.mrkdwn import mrkdwn
from commands.core.model import DnsRecordSet, PrivateDnsZone
from commands.core.text import rich
from commands.findings.dns.checks import Check, check_dns_record, check_endpoint, check_zone_links
from commands.findings.dns.client_checks import check_route
from commands.findings.dns.facts import ZONES
from tests.unit.commands.findings.dns.builders import (
    NET,
    PE_AUE,
    RG,
    SQL_EUN,
    VNET_AUE,
    VNET_EUN,
    ZONE,
    endpoint,
    evidence,
    fixed,
    forbidden,
    link,
    seed_like,
    target,
    with_zone,
    without_zone_group,
)


def test_seed_zone_not_linked_to_the_australia_vnet_gives_the_link_command() -> None:
    f = seed_like()
    c = check_zone_links(target(f), f)
    assert c.status == "fail"
    text = evidence(c)
    assert "vnet-aue" in text and "not linked" in text
    assert any(
        cmd.startswith("az network private-dns link vnet create -g rg-dns -z privatelink.database.windows.net")
        and f"-v {VNET_AUE}" in cmd
        for cmd in c.commands
    )
    # The Europe VNet is linked and ticked.
    assert any(line.startswith("✔ `vnet-eun`") for line in c.evidence)


def test_seed_endpoint_record_and_route_are_ticked_with_evidence() -> None:
    f = seed_like()
    t = target(f)
    c1 = check_endpoint(t, f)
    assert c1.status == "pass" and "`10.1.1.4`" in evidence(c1)
    c2 = check_dns_record(t, f)
    assert c2.status == "pass" and "sql-aue.privatelink.database.windows.net" in evidence(c2)
    c5 = check_route(t, f)
    assert c5.status == "pass"
    text = evidence(c5)
    assert "✔ `vgw-aue`" in text and "address space of vnet-aue" in text
    # vgw-eun may hand it out over the static VNet-to-VNet connection, and says what breaks it.
    assert "❔ `vgw-eun`" in text and "VNet-to-VNet" in text and "P2S pool" in text


def test_stale_a_record_is_caught_with_remove_and_add_commands() -> None:
    f = fixed(seed_like())
    stale = (
        DnsRecordSet("sql-eun", "", "A", ("10.0.1.4",)),
        DnsRecordSet("sql-aue", "", "A", ("10.1.1.9",)),
    )
    f = with_zone(f, records=stale)
    c = check_dns_record(target(f), f)
    assert c.status == "fail"
    text = evidence(c)
    assert "`10.1.1.9`" in text and "stale" in text
    assert (
        "az network private-dns record-set a add-record -g rg-dns -z privatelink.database.windows.net -n sql-aue -a 10.1.1.4"
        in c.commands
    )
    assert any("remove-record" in cmd and "-a 10.1.1.9" in cmd for cmd in c.commands)


def test_record_pointing_at_another_endpoint_names_that_endpoint() -> None:
    f = fixed(seed_like())
    f = with_zone(f, records=(DnsRecordSet("sql-aue", "", "A", ("10.0.1.4",)),))
    c = check_dns_record(target(f), f)
    assert c.status == "fail"
    assert "`pe-sql-eun`" in evidence(c)


def test_pending_connection_fails_with_the_approve_command() -> None:
    f = seed_like()
    pe = next(p for p in f.private_endpoints if p.id == PE_AUE)
    pending = dataclasses.replace(
        pe, connections=(dataclasses.replace(pe.connections[0], status="Pending", manual=True),)
    )
    f = dataclasses.replace(f, private_endpoints=(f.private_endpoints[0], pending))
    c = check_endpoint(target(f), f)
    assert c.status == "fail"
    assert "Pending" in evidence(c)
    assert any(
        cmd.startswith(
            "az network private-endpoint-connection approve -g rg-data --resource-name sql-aue --type Microsoft.Sql/servers"
        )
        for cmd in c.commands
    )


def test_rejected_connection_says_recreate() -> None:
    f = seed_like()
    pe = next(p for p in f.private_endpoints if p.id == PE_AUE)
    rejected = dataclasses.replace(pe, connections=(dataclasses.replace(pe.connections[0], status="Rejected"),))
    f = dataclasses.replace(f, private_endpoints=(f.private_endpoints[0], rejected))
    c = check_endpoint(target(f), f)
    assert c.status == "fail"
    assert any(cmd.startswith("az network private-endpoint delete -g rg-aue -n pe-sql-aue") for cmd in c.commands)
    assert any("--group-id sqlServer" in cmd for cmd in c.commands)


def test_two_zones_with_the_same_name_are_reported_and_each_needs_its_record() -> None:
    f = fixed(seed_like())
    other_id = f"{RG}/rg-aue/{NET}/privateDnsZones/{ZONE}"
    main = dataclasses.replace(f.zones[0], links=(link(VNET_EUN),))
    other = PrivateDnsZone(
        other_id, ZONE, (DnsRecordSet("sql-eun", "", "A", ("10.0.1.4",)),), (link(VNET_AUE, other_id),)
    )
    f = dataclasses.replace(f, zones=(main, other))
    t = target(f)
    c2 = check_dns_record(t, f)
    text2 = evidence(c2)
    assert "2 zones named" in text2 and "rg-aue" in text2 and "rg-dns" in text2
    c3 = check_zone_links(t, f)
    assert c3.status == "fail"
    text3 = evidence(c3)
    assert "other zone" in text3 and "only one zone of a name" in text3
    # The fix adds the record to the zone the Australia VNet actually uses.
    assert any("-g rg-aue -z privatelink.database.windows.net -n sql-aue -a 10.1.1.4" in cmd for cmd in c3.commands)


def test_permission_denied_on_zones_is_could_not_check_with_advice() -> None:
    f = dataclasses.replace(seed_like(), zones=(), failures=(forbidden(ZONES),))
    t = target(f)
    for c in (check_dns_record(t, f), check_zone_links(t, f)):
        assert c.status == "unknown", c
        text = evidence(c)
        assert "AuthorizationFailed" in text and "lacks a permission" in text


def test_fix_commands_stay_copy_pasteable_but_inert_in_slack() -> None:
    c = Check(2, "k", rich("title"), "fail", fix_text=rich("Run:"), commands=("az x -g rg_with_underscore -n a<b>&`c",))
    block = mrkdwn(c.to_finding().next_step)
    assert "rg_with_underscore" in block  # no zero-width space inside commands
    assert "&lt;b&gt;&amp;'c" in block


def test_record_kept_by_hand_passes_but_recommends_a_zone_group() -> None:
    f = without_zone_group(seed_like())
    c = check_dns_record(target(f), f)
    assert c.status == "pass"
    assert "kept by hand" in evidence(c)


def test_no_zone_group_and_no_record_adds_record_and_zone_group() -> None:
    f = without_zone_group(seed_like())
    f = with_zone(f, records=f.zones[0].records[:1])  # sql-eun only
    c = check_dns_record(target(f), f)
    assert c.status == "fail"
    assert any(
        "add-record -g rg-dns -z privatelink.database.windows.net -n sql-aue -a 10.1.1.4" in x for x in c.commands
    )
    assert any(
        x.startswith("az network private-endpoint dns-zone-group create -g rg-aue --endpoint-name pe-sql-aue")
        for x in c.commands
    )


def test_no_zone_at_all_creates_zone_and_zone_group() -> None:
    f = dataclasses.replace(without_zone_group(seed_like()), zones=())
    c = check_dns_record(target(f), f)
    assert c.status == "fail"
    assert c.commands[0] == "az network private-dns zone create -g rg-aue -n privatelink.database.windows.net"
    assert "dns-zone-group create" in c.commands[1]


def test_zone_group_pointing_at_a_deleted_zone_fails() -> None:
    f = dataclasses.replace(seed_like(), zones=())
    c = check_dns_record(target(f), f)
    assert c.status == "fail"
    assert "no longer exists" in evidence(c)


def test_second_endpoint_of_the_same_server_is_not_told_to_delete_the_first_ones_record() -> None:
    f = seed_like()
    pe2_id = f"{RG}/rg-aue/{NET}/privateEndpoints/pe-sql-eun-aue"
    f = dataclasses.replace(
        f, private_endpoints=(*f.private_endpoints, endpoint(pe2_id, "australiaeast", VNET_AUE, "10.1.1.5", SQL_EUN))
    )
    c = check_dns_record(target(f, pe2_id, SQL_EUN), f)
    assert c.status == "fail"
    assert "one zone gives one answer for `sql-eun`" in evidence(c)
    assert not any("remove-record" in x for x in c.commands)
    assert "az network private-dns zone create -g rg-aue -n privatelink.database.windows.net" in c.commands
    assert any(x.endswith(f"-v {VNET_AUE} -e false") for x in c.commands)


def test_a_zone_whose_records_could_not_be_read_is_could_not_check_never_no_record() -> None:
    from commands.core.errors import AzureFailure

    f = seed_like()
    unread = AzureFailure("forbidden", code="AuthorizationFailed")
    f = dataclasses.replace(f, zones=tuple(dataclasses.replace(z, records=(), records_failure=unread) for z in f.zones))
    c2 = check_dns_record(target(f), f)
    assert c2.status == "unknown" and c2.commands == ()
    text = evidence(c2)
    assert "could not read the A records of `privatelink.database.windows.net`" in text
    assert "no A record" not in text
    c3 = check_zone_links(target(f), f)
    assert any(line.startswith("❔ `vnet-eun`") for line in c3.evidence)  # linked, record unknown
    assert any("not linked" in line for line in c3.evidence)  # the links were read: still a finding
