"""`/vpn checklist`'s argument: the forms a server is named in, and the nearest names."""

from __future__ import annotations

import pytest

from bot.slack.inbound import from_slack
from commands.checklist.servers import nearest, parse_server
from commands.core.errors import UsageError
from commands.core.model import SqlServer
from tests.unit.commands.findings.dns.builders import RG, SQL_EUN


@pytest.mark.parametrize(
    "typed",
    [
        "sql-eun",
        "SQL-EUN",
        "sql-eun.database.windows.net",
        "sql-eun.database.windows.net.",
        "tcp:sql-eun.database.windows.net,1433",
        "https://sql-eun.database.windows.net/",
        "  sql-eun  ",
    ],
)
def test_server_name_is_normalised(typed: str) -> None:
    q = parse_server(typed)
    assert q.name == "sql-eun" and not q.privatelink and not q.ip


def test_a_name_slack_auto_linked_reaches_the_checklist_unwrapped() -> None:
    # bot/slack/inbound.py undoes Slack's link wrapping before the domain parses the text.
    q = parse_server(from_slack("<http://sql-eun.database.windows.net|sql-eun.database.windows.net>"))
    assert q.name == "sql-eun" and not q.privatelink


def test_privatelink_name_is_accepted_and_flagged() -> None:
    q = parse_server("sql-eun.privatelink.database.windows.net")
    assert q.name == "sql-eun" and q.privatelink


def test_full_resource_id_is_accepted() -> None:
    q = parse_server(SQL_EUN + "/databases/db1")
    assert q.name == "sql-eun" and q.resource_id == SQL_EUN


def test_ip_is_accepted_for_lookup() -> None:
    assert parse_server("10.0.1.4").ip == "10.0.1.4"


@pytest.mark.parametrize(
    "typed, words",
    [
        ("", "Which server"),
        ("sql-eun sql-aue", "One server at a time"),
        ("stacct.blob.core.windows.net", "not an Azure SQL server name"),
        ("bad_name!", "not an Azure SQL server name"),
        ("-sql", "not an Azure SQL server name"),
        (f"{RG}/rg/providers/Microsoft.Network/virtualNetworks/vnet-eun", "not an Azure SQL server id"),
    ],
)
def test_invalid_text_is_a_usage_error_with_an_example(typed: str, words: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_server(typed)
    assert words in exc.value.message
    assert exc.value.example == "/vpn checklist sql-eun.database.windows.net"


def test_nearest_prefers_names_containing_the_query() -> None:
    servers = [SqlServer(f"/s/{n}", n) for n in ("prod-sql-aue", "abc", "sqlx")]
    assert nearest("sql-aue", servers)[0].name == "prod-sql-aue"
