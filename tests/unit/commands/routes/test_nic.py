"""`/vpn routes <nic|vm>`: effective routes, coverage and the route Azure picks, over the in-memory fake of Azure."""

from __future__ import annotations

import dataclasses

from bot.slack.mrkdwn import mrkdwn
from bot.slack.render import render
from commands.core.errors import AzureFailure
from commands.core.model import EffectiveRoute, rid_key
from commands.core.reply import Fields, Header, Text
from tests.unit.commands.routes.estates import NIC_AUE, RG, defaults, nic, route, seed_transit, seed_v2v
from tests.unit.commands.routes.replies import run, tables, text_of


def test_seed_australia_nic_shows_europe_reached_by_the_gateway_and_the_pool_not_reached() -> None:
    [reply], out = run(seed_v2v(), "nic-vm-aue")
    text = text_of(reply)
    assert "Routes of nic-vm-aue (vm-aue)" in text
    assert "4 of 5 destinations reached" in text
    line_eun = next(x for x in text.splitlines() if "`10.0.0.0/16`" in x and "vnet-eun" in x)
    assert line_eun.startswith("✅") and "VirtualNetworkGateway 10.1.255.4" in line_eun
    line_pool = next(x for x in text.splitlines() if "`172.16.10.0/25`" in x)
    assert line_pool.startswith("❌") and "BGP is off on both gateways and both connections" in line_pool
    finding = next(f for f in reply.findings if "172.16.10.0/25" in f.title)
    assert "BGP" in finding.next_step
    [table] = tables(reply)
    assert len(table.rows) == 8
    assert table.rows[-1][0] == "VirtualNetworkGateway"  # grouped: Default, User, VirtualNetworkGateway
    assert any("effective routes of nic-vm-aue" in t for t in out.progress_texts)


def test_connection_status_is_read_with_a_get_for_the_coverage() -> None:
    az = seed_v2v()
    run(az, "nic-vm-aue")
    got = {name for m, name in az.calls if m == "connection"}
    assert got == {f"{RG}/connections/conn-eun-aue", f"{RG}/connections/conn-aue-eun"}
    assert ("effective_routes", NIC_AUE) in az.calls


def test_vm_name_resolves_to_its_nics_and_each_gets_an_answer() -> None:
    az = seed_v2v()
    second = dataclasses.replace(nic("nic-vm-aue-2", "vnet-aue", "vm-aue"), id=f"{RG}/networkInterfaces/nic-vm-aue-2")
    az.nics[rid_key(second.id)] = second
    az.effective[rid_key(second.id)] = defaults("10.1.0.0/16")
    replies, _ = run(az, "vm-aue")
    assert [r.parts[0].text for r in replies if isinstance(r.parts[0], Header)] == [
        "Routes of nic-vm-aue (vm-aue)",
        "Routes of nic-vm-aue-2 (vm-aue)",
    ]
    assert ("effective_routes", rid_key(second.id)) in [(m, rid_key(k)) for m, k in az.calls]


def test_seed_transit_australia_nic_reaches_the_pool_through_the_hub() -> None:
    [reply], _ = run(seed_transit(), "vm vm-aue")
    text = text_of(reply)
    assert "5 of 5 destinations reached" in text
    assert not [f for f in reply.findings if f.severity in ("critical", "warning")]


def test_explains_the_route_for_addresses_asked() -> None:
    [reply], _ = run(seed_v2v(), "nic-vm-aue 10.1.1.4 172.16.10.2")
    text = text_of(reply)
    assert "10.1.1.4 uses 10.1.1.4/32 → InterfaceEndpoint" in text
    assert "172.16.10.2 uses 172.16.0.0/12 → None" in text


def test_invalid_routes_are_shown_as_invalid() -> None:
    az = seed_v2v()
    az.effective[rid_key(NIC_AUE)] = [
        *az.effective[rid_key(NIC_AUE)],
        route("User", "10.0.0.0/16", "VirtualAppliance", ("10.9.9.9",), state="Invalid", name="to-nva"),
    ]
    [reply], _ = run(az, "nic-vm-aue")
    [table] = tables(reply)
    assert ("User", "Invalid", "10.0.0.0/16", "VirtualAppliance", "10.9.9.9", "to-nva") in table.rows
    assert any("Invalid" in f.title and f.severity == "warning" for f in reply.findings)
    fields = next(p for p in reply.parts if isinstance(p, Fields))
    assert ("User", "0 active, 1 invalid") in fields.items


def test_vm_not_running_gives_an_actionable_answer_and_still_checks_the_estate() -> None:
    az = seed_v2v()
    az.fail[("effective_routes", rid_key(NIC_AUE))] = AzureFailure(
        "bad_request", "The VM is deallocated; effective routes need a running VM.", "VMNotRunning", NIC_AUE, 400
    )
    [reply], _ = run(az, "nic-vm-aue")
    finding = next(f for f in reply.findings if "did not return the effective routes" in f.title)
    assert "start" in finding.next_step and "vm-aue" in finding.next_step
    text = text_of(reply)
    assert "not reached" in text  # the P2S pool: the estate alone says BGP is missing
    assert not tables(reply)


def test_forbidden_effective_routes_say_which_permission() -> None:
    az = seed_v2v()
    az.fail[("effective_routes", "*")] = AzureFailure("forbidden", "no", "AuthorizationFailed", NIC_AUE, 403)
    [reply], _ = run(az, "nic-vm-aue")
    finding = next(f for f in reply.findings if "did not return" in f.title)
    assert "effectiveRouteTable/action" in finding.next_step
    assert "vpnops role" in finding.next_step


def test_large_route_tables_render_within_block_kit_limits() -> None:
    az = seed_v2v()
    many: list[EffectiveRoute] = [
        route("VirtualNetworkGateway", f"10.{i // 256}.{i % 256}.0/24", "VirtualNetworkGateway", ("10.1.255.4",))
        for i in range(600, 1400)
    ]
    az.effective[rid_key(NIC_AUE)] = [*az.effective[rid_key(NIC_AUE)], *many]
    [reply], _ = run(az, "nic-vm-aue")
    [table] = tables(reply)
    assert len(table.rows) == 808  # nothing dropped from the reply itself
    fields = next(p for p in reply.parts if isinstance(p, Fields))
    assert ("VirtualNetworkGateway", "801 active") in fields.items
    rendered = render(reply)
    assert all(len(m.blocks) <= 50 for m in rendered.messages)
    assert rendered.files and "10.3.87.0/24" in rendered.files[0].content


def test_the_route_selection_rule_reaches_slack_escaped() -> None:
    [reply], _ = run(seed_v2v(), "nic-vm-aue 10.1.1.4")
    how = next(p.text for p in reply.parts if isinstance(p, Text) and "How Azure picks the route" in p.text)
    assert mrkdwn(how).startswith(
        "*How Azure picks the route* (longest prefix; same prefix: User &gt; BGP &gt; System)"
    )


def test_a_prefix_ipconfig_is_shown_as_a_prefix_beside_the_addresses() -> None:
    az = seed_v2v()
    n = az.nics[rid_key(NIC_AUE)]
    az.nics[rid_key(NIC_AUE)] = dataclasses.replace(n, private_ips=("10.1.1.10",), private_prefixes=("10.1.1.16/28",))
    [reply], _ = run(az, "nic-vm-aue")
    assert "IP `10.1.1.10` · prefix `10.1.1.16/28`" in text_of(reply)


def test_an_endpoint_address_is_one_host_route_and_a_block_stays_a_block() -> None:
    from commands.findings.routing.destinations import host_prefix

    assert host_prefix("10.1.1.4") == "10.1.1.4/32"
    assert host_prefix("fd00::4") == "fd00::4/128"
    assert host_prefix("172.20.2.16/28") == "172.20.2.16/28"  # never "172.20.2.16/28/32"
