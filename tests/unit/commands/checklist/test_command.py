"""`/vpn checklist`: gathering across subscriptions, finding the server, sections and rendering."""

from __future__ import annotations

import dataclasses

import pytest

from bot.runtime.failures import reply_for
from bot.runtime.jobs import Job
from bot.slack.mrkdwn import mrkdwn
from bot.slack.render import render
from commands.catalog import REGISTRY
from commands.checklist.command import checklist
from commands.core.errors import AzureFailure
from commands.core.model import PrivateEndpoint, SqlServer, Subscription
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Context, Divider, Fields, Header, Reply, Text
from commands.diagnose.command import diagnose
from commands.findings.dns.facts import DnsFacts
from commands.judgement.view import MAX_ROOTS, root_line
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.findings.dns.builders import (
    PE_AUE,
    PE_EUN,
    RG,
    SQL_EUN,
    SUB,
    VNET_EUN,
    endpoint,
    fixed,
    seed_like,
)


def fake(f: DnsFacts, subs: tuple[Subscription, ...] = (Subscription(SUB, "Contoso"),)) -> FakeAzure:
    return FakeAzure(
        subscriptions=subs,
        gateways=f.gateways,
        connections=f.connections,
        vnets=f.vnets,
        private_endpoints=f.private_endpoints,
        zones=f.zones,
        resolvers=f.resolvers,
        sql_servers=f.sql_servers,
    )


def run(az: FakeAzure, text: str) -> tuple[Reply, RecordingMessenger]:
    out = RecordingMessenger()
    reply = checklist(Ctx(azure=az, out=out, settings=DomainSettings(concurrency=4)), text)
    return reply, out


def texts(reply: Reply) -> str:
    """The reply's text parts as the mrkdwn Slack receives."""
    return "\n".join(
        p.text
        if isinstance(p, Header)
        else mrkdwn(p.text)
        if isinstance(p, (Text, Context))
        else "\n".join(f"{a} {mrkdwn(b)}" for a, b in p.items)
        for p in (reply.parts + reply.thread)
        if isinstance(p, (Text, Context, Header, Fields))
    )


def test_command_is_registered_with_usage_and_example() -> None:
    cmd = REGISTRY.command("checklist")
    assert cmd is not None
    assert cmd.usage == "checklist <server>[.database.windows.net]"
    assert cmd.example == "/vpn checklist sql-eun.database.windows.net"
    assert "checklist" in cmd.summary.lower() and "private endpoint" in cmd.summary.lower()


def test_seed_sql_aue_answers_one_section_with_the_summary_line() -> None:
    reply, out = run(fake(seed_like()), "sql-aue.database.windows.net")
    headers = [p.text for p in (reply.parts + reply.thread) if isinstance(p, Header)]
    assert headers == ["sql-aue · pe-sql-aue · australiaeast"]
    body = texts(reply)
    assert "*3 of 8 checks fail for sql-aue (australiaeast)*" in body
    assert "3 of 8 checks fail for sql-aue (australiaeast)" in str(reply.fallback)
    for n, icon in ((1, "✔"), (2, "✔"), (3, "✘"), (4, "✘"), (5, "✔"), (6, "✘"), (7, "✔"), (8, "ℹ")):
        assert f"{icon} *{n}." in body, n
    assert "*Fix:*" in body and "az network private-dns link vnet create" in body
    assert out.progress_texts  # progress while reading the estate


def test_the_first_message_leads_with_the_root_causes_diagnose_gives() -> None:
    # One judgement of the estate: the checklist's failing items are said by their causes,
    # in the very lines /vpn diagnose opens with (issue 16, "one judgement per request").
    az = fake(seed_like())
    reply, _ = run(az, "sql-aue")
    first = "\n".join(mrkdwn(p.text) for p in reply.parts if isinstance(p, Text))
    diag = diagnose(Ctx(azure=az, out=RecordingMessenger(), settings=DomainSettings(concurrency=4)), "")
    assert diag is not None
    dns_roots = [f for f in diag.findings if f.key.startswith(("pe_zone_link:", "p2s_dns:"))]
    assert dns_roots
    for f in dns_roots[:MAX_ROOTS]:
        assert mrkdwn(root_line(f)) in first, root_line(f)
    assert "✘ *3." not in first  # the item is folded under the zone link that explains it


def test_gathers_every_list_for_every_subscription() -> None:
    subs = (Subscription(SUB, "Contoso"), Subscription("sub-2", "Other"))
    az = fake(seed_like(), subs)
    run(az, "sql-aue")
    for kind in (
        "sql_servers",
        "private_endpoints",
        "private_dns_zones",
        "virtual_networks",
        "gateways",
        "dns_resolvers",
        "connections",
    ):
        assert (kind, SUB) in az.calls and (kind, "sub-2") in az.calls, kind


def test_server_with_endpoints_in_two_regions_gets_a_section_each() -> None:
    f = seed_like()
    extra = endpoint(
        f"{RG}/rg-aue/providers/Microsoft.Network/privateEndpoints/pe-sql-eun-aue",
        "australiaeast",
        f.vnets[1].id,
        "10.1.1.5",
        SQL_EUN,
    )
    f = dataclasses.replace(f, private_endpoints=(*f.private_endpoints, extra))
    reply, _ = run(fake(f), "sql-eun")
    headers = [p.text for p in (reply.parts + reply.thread) if isinstance(p, Header)]
    assert headers == ["sql-eun · pe-sql-eun-aue · australiaeast", "sql-eun · pe-sql-eun · northeurope"]
    assert sum(isinstance(p, Divider) for p in (reply.parts + reply.thread)) == 1
    body = texts(reply)
    assert "for sql-eun (australiaeast, pe-sql-eun-aue)" in body
    assert "for sql-eun (northeurope, pe-sql-eun)" in body
    # One zone holds one A record for sql-eun: the Australian endpoint's section says it points elsewhere.
    assert "`pe-sql-eun`'s (northeurope)" in body


def test_unknown_server_lists_the_servers_nearest_first() -> None:
    f = seed_like()
    more = tuple(SqlServer(f"{RG}/rg/providers/Microsoft.Sql/servers/{n}", n, "westeurope") for n in ("zeta", "alpha"))
    f = dataclasses.replace(f, sql_servers=(*f.sql_servers, *more))
    reply, _ = run(fake(f), "sql-au")
    assert reply.visibility == "ephemeral"
    body = texts(reply)
    assert "No Azure SQL server named `sql-au`" in body
    fields = next(p for p in (reply.parts + reply.thread) if isinstance(p, Fields))
    names = [label for label, _ in fields.items]
    assert names[0] == "sql-aue" and names[1] == "sql-eun"
    assert set(names) == {"sql-aue", "sql-eun", "zeta", "alpha"}
    assert "/vpn checklist sql-aue.database.windows.net" in body


def test_private_ip_finds_its_server_and_says_to_use_the_name() -> None:
    reply, _ = run(fake(seed_like()), "10.1.1.4")
    body = texts(reply)
    assert "`10.1.1.4` is private endpoint `pe-sql-aue` of `sql-aue.database.windows.net`" in body
    assert any(isinstance(p, Header) and p.text.startswith("sql-aue") for p in (reply.parts + reply.thread))


def test_unknown_ip_answers_with_the_servers() -> None:
    reply, _ = run(fake(seed_like()), "10.9.9.9")
    assert "No private endpoint in scope has the address `10.9.9.9`" in texts(reply)
    assert reply.visibility == "ephemeral"


def test_privatelink_name_gets_a_note_to_use_the_public_name() -> None:
    reply, _ = run(fake(seed_like()), "sql-aue.privatelink.database.windows.net")
    assert "Clients must connect with `sql-aue.database.windows.net`" in texts(reply)


def test_server_without_private_endpoint_gets_the_create_command() -> None:
    f = seed_like()
    f = dataclasses.replace(f, private_endpoints=tuple(p for p in f.private_endpoints if p.id != PE_AUE))
    reply, _ = run(fake(f), "sql-aue")
    body = texts(reply)
    assert any(
        isinstance(p, Header) and p.text == "sql-aue · no private endpoint" for p in (reply.parts + reply.thread)
    )
    assert "✘ *1. Private endpoint for `sql-aue`*" in body
    assert "az network private-endpoint create -g rg-eun -n pe-sql-aue -l northeurope --vnet-name vnet-eun" in body
    assert "needs a private endpoint first (see 1)" in body


def test_server_found_through_its_endpoint_when_sql_servers_cannot_be_listed() -> None:
    az = fake(seed_like())
    az.fail[("sql_servers", SUB)] = AzureFailure("forbidden", "no", "AuthorizationFailed", "servers", 403)
    reply, _ = run(az, "sql-aue")
    body = texts(reply)
    assert "for sql-aue (australiaeast)" in body
    assert "❔ *7. Connection policy and ports* — _could not check_" in body
    assert "could not read SQL servers" in body and "lacks a permission" in body


def test_permission_denied_on_zones_is_could_not_check_with_advice() -> None:
    az = fake(seed_like())
    az.fail[("private_dns_zones", SUB)] = AzureFailure("forbidden", "no", "AuthorizationFailed", "zones", 403)
    reply, _ = run(az, "sql-aue")
    body = texts(reply)
    assert "❔ *2. DNS record in `privatelink.database.windows.net`* — _could not check_" in body
    assert "❔ *3." in body
    assert "could not read private DNS zones in subscription Contoso (AuthorizationFailed)" in body
    assert "lacks a permission" in body  # AzureFailure.advice
    assert any(isinstance(p, Context) and "Partial view" in mrkdwn(p.text) for p in (reply.parts + reply.thread))


def test_subscription_listing_failure_is_an_actionable_error() -> None:
    az = fake(seed_like())
    az.fail[("subscriptions", "*")] = AzureFailure("unauthenticated", "no token", "", "subscriptions", 401)
    with pytest.raises(AzureFailure) as exc:
        run(az, "sql-aue")
    # The worker's one failure policy words it.
    reply = reply_for(exc.value, Job(kind="command", name="checklist", text="sql-aue"))
    assert reply.visibility == "ephemeral"
    assert "could not sign in to Azure" in texts(reply)


def test_everything_right_says_all_checks_pass() -> None:
    reply, _ = run(fake(fixed(seed_like())), "sql-aue")
    body = texts(reply)
    assert "*All checks pass (8) for sql-aue (australiaeast)*" in body
    assert "*Fix:*" not in body


def test_estate_names_are_escaped_in_mrkdwn() -> None:
    f = seed_like()
    pe = next(p for p in f.private_endpoints if p.id == PE_EUN)
    evil: PrivateEndpoint = dataclasses.replace(pe, name="pe-<!channel>", location="<@U123>")
    f = dataclasses.replace(f, private_endpoints=(evil, *[p for p in f.private_endpoints if p.id != PE_EUN]))
    reply, _ = run(fake(f), "sql-eun")
    for p in reply.parts + reply.thread:
        if isinstance(p, (Text, Context)):
            assert "<!channel>" not in mrkdwn(p.text) and "<@U123>" not in mrkdwn(p.text)


def test_several_subscriptions_put_subscription_in_commands() -> None:
    subs = (Subscription(SUB, "Contoso"), Subscription("sub-2", "Other"))
    reply, _ = run(fake(seed_like(), subs), "sql-aue")
    assert f"-e false --subscription {SUB}" in texts(reply)


def test_every_section_fits_slack() -> None:
    f = seed_like()
    # Many gateways make items 4 and 5 long: every section Slack receives must still fit its 3000 characters.
    gws = tuple(
        dataclasses.replace(f.gateways[0], id=f"{f.gateways[0].id}{i}", name=f"vgw-{i}", vnet_id=VNET_EUN)
        for i in range(40)
    )
    f = dataclasses.replace(f, gateways=(*f.gateways, *gws))
    reply, _ = run(fake(f), "sql-eun")
    sections = [b["text"]["text"] for m in render(reply).all for b in m.blocks if b["type"] == "section"]
    assert any("vgw-39" in s for s in sections)
    for text in sections:
        assert len(text) <= 3000
        assert text.count("```") % 2 == 0


def test_reply_for_sql_aue_is_unaffected_by_other_servers_endpoints() -> None:
    reply, _ = run(fake(seed_like()), "sql-aue")
    assert "pe-sql-eun" not in "\n".join(p.text for p in (reply.parts + reply.thread) if isinstance(p, Header))
    assert str(reply.fallback).count("checks fail") == 1
