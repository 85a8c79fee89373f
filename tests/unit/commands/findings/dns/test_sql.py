"""Checklist items 6–8 (Azure SQL) and whole checklists, on facts built by hand."""

from __future__ import annotations

import dataclasses

from bot.slack.mrkdwn import mrkdwn
from commands.findings.dns.checks import summary
from commands.findings.dns.sql import CERT_ERROR, check_sql_policy, sql_checklist, sql_checklist_without_endpoint
from tests.unit.commands.findings.dns.builders import (
    SQL_AUE,
    evidence,
    fixed,
    seed_like,
    statuses,
    target,
)


def test_seed_sql_aue_fails_links_resolution_and_name_and_ticks_the_rest() -> None:
    f = seed_like()
    checks = sql_checklist(f.sql_servers[1], target(f), f)
    assert statuses(checks) == {
        1: "pass",
        2: "pass",
        3: "fail",
        4: "fail",
        5: "pass",
        6: "fail",
        7: "pass",
        8: "info",
    }
    assert summary(checks) == (3, 0, 8)


def test_seed_name_check_explains_the_certificate_error_and_refuses_trustservercertificate() -> None:
    f = seed_like()
    checks = sql_checklist(f.sql_servers[1], target(f), f)
    c6 = checks[5]
    text = evidence(c6)
    assert "sql-aue.database.windows.net" in c6.title
    assert CERT_ERROR in text
    assert "TrustServerCertificate" in text and "Do not" in text
    assert "10.1.1.4 sql-aue.database.windows.net" in text  # hosts-file stop-gap, named


def test_fixing_links_and_resolver_turns_every_check_green() -> None:
    f = fixed(seed_like())
    checks = sql_checklist(f.sql_servers[1], target(f), f)
    assert statuses(checks) == {1: "pass", 2: "pass", 3: "pass", 4: "pass", 5: "pass", 6: "pass", 7: "pass", 8: "info"}
    c4 = checks[3]
    assert "dnsr-eun" in evidence(c4)
    assert "10.0.2.4" in evidence(checks[7])  # the laptop's NRPT should show it


def test_redirect_policy_needs_the_high_ports_and_offers_proxy() -> None:
    f = seed_like()
    server = dataclasses.replace(f.sql_servers[1], connection_policy="Redirect")
    c = check_sql_policy(server, target(f), f)
    assert c.status == "pass"
    text = evidence(c)
    assert "1433–65535" in text and "`vnet-aue`" in text
    assert "az sql server conn-policy update -g rg-data -s sql-aue --connection-type Proxy" in c.commands


def test_proxy_policy_needs_1433_only() -> None:
    f = seed_like()
    server = dataclasses.replace(f.sql_servers[1], connection_policy="Proxy")
    c = check_sql_policy(server, target(f), f)
    assert "1433 to the endpoint's IP only" in evidence(c)
    assert not c.commands


def test_public_network_access_enabled_is_called_out_with_the_command_to_close_it() -> None:
    f = seed_like()
    server = dataclasses.replace(f.sql_servers[1], public_network_access="Enabled", connection_policy="Proxy")
    c = check_sql_policy(server, target(f), f)
    assert "*Enabled*" in mrkdwn(c.evidence[-1]) and "40615" in evidence(c)
    assert "az sql server update -g rg-data -n sql-aue --enable-public-network false" in c.commands


def test_unreadable_policy_is_could_not_check_and_states_both_rules() -> None:
    f = seed_like()
    server = dataclasses.replace(f.sql_servers[1], connection_policy="")
    c = check_sql_policy(server, target(f), f)
    assert c.status == "unknown"
    assert "Proxy needs TCP 1433" in evidence(c)


def test_server_without_endpoint_gets_create_command_and_blocked_items() -> None:
    f = seed_like()
    f = dataclasses.replace(f, private_endpoints=f.private_endpoints[:1])
    server = f.sql_servers[1]
    checks = sql_checklist_without_endpoint(server, f)
    assert [c.number for c in checks] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert checks[0].status == "fail"
    assert any(
        cmd.startswith("az network private-endpoint create")
        and f"--private-connection-resource-id {SQL_AUE}" in cmd
        and "--group-id sqlServer" in cmd
        for cmd in checks[0].commands
    )
    assert all(c.status == "unknown" for c in checks[1:5])
