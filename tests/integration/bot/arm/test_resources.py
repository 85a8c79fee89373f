"""bot.arm.resources: subscriptions, generic resources and SQL servers, on the seed estate (two
regions, VNet-to-VNet connections with one-way counters, SQL private endpoints, a private DNS
zone linked to one VNet), read by the real SDKs over loopback HTTP from the sandbox ARM
emulator.
"""

from __future__ import annotations

import pytest

from bot.arm.client import ArmClient
from commands.core.errors import AzureFailure
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import (
    SUB,
    log_of,
    make_client,
)


def test_subscriptions_lists_what_the_identity_sees(client: ArmClient) -> None:
    subs = client.subscriptions()
    assert [(s.id, s.name) for s in subs] == [(SUB, "Contoso Analytics Production")]


def test_configured_subscriptions_keep_their_order_and_get_names(emu: ArmEmulator) -> None:
    with make_client(emu, subscription_ids=["00000000-0000-0000-0000-00000000abcd", SUB]) as c:
        subs = c.subscriptions()
    assert [(s.id, s.name) for s in subs] == [
        ("00000000-0000-0000-0000-00000000abcd", ""),  # configured but not visible: kept, unnamed
        (SUB, "Contoso Analytics Production"),
    ]


def test_subscriptions_are_cached_between_commands(emu: ArmEmulator, client: ArmClient) -> None:
    client.subscriptions()
    client.subscriptions()
    assert sum(1 for r in log_of(emu) if r.path == "/subscriptions") == 1


def test_sql_servers_with_fqdn_endpoints_and_connection_policy(emu: ArmEmulator, client: ArmClient) -> None:
    servers = {s.name: s for s in client.sql_servers(SUB)}
    assert servers["sql-eun"].fqdn == "sql-eun.database.windows.net"
    assert servers["sql-eun"].private_endpoint_ids[0].endswith("/privateEndpoints/pe-sql-eun")
    assert {s.connection_policy for s in servers.values()} <= {"Default", "Proxy", "Redirect"}
    gets = [r for r in log_of(emu) if r.method == "GET" and "/Microsoft.Sql/servers/" in r.path]
    assert all("api-version=" in r.query for r in gets)


def test_sql_server_connection_policy_unreadable_is_empty_not_a_failure(emu: ArmEmulator, client: ArmClient) -> None:
    emu.deny("Microsoft.Sql/servers/connectionPolicies/read")
    servers = client.sql_servers(SUB)
    assert servers and {s.connection_policy for s in servers} == {""}


def test_generic_resources_of_one_type(client: ArmClient) -> None:
    vms = client.resources(SUB, "Microsoft.Compute/virtualMachines")
    assert sorted(v.name for v in vms) == ["vm-aue", "vm-eun"]
    assert {v.type for v in vms} == {"Microsoft.Compute/virtualMachines"}


def test_generic_resources_refuse_a_filter_injection(emu: ArmEmulator, client: ArmClient) -> None:
    emu.clear_requests()
    with pytest.raises(AzureFailure) as err:
        client.resources(SUB, "Microsoft.Sql/servers' or name eq 'x")
    assert err.value.kind == "bad_request" and log_of(emu) == []
