"""`/vpn routes` and the "Check VPN client log" shortcut, over the in-memory fake of Azure."""

from __future__ import annotations

import dataclasses

import pytest

from commands.catalog import REGISTRY
from commands.core.errors import AzureFailure, UsageError
from commands.core.model import EffectiveRoute, NetworkInterface, Subscription, rid_key
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Context, Fields, Finding, Header, Reply, Table, Text
from commands.routes.command import check_vpn_client_log, routes
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.routes.estates import (
    RG,
    SEED_LOG,
    SUB,
    defaults,
    gw_id,
    hub_bgp_peers,
    hub_spoke,
    nic,
    route,
    seed_transit,
    seed_v2v,
)

NIC_AUE = f"{RG}/networkInterfaces/nic-vm-aue"


def run(az: FakeAzure, args: str) -> tuple[list[Reply], RecordingMessenger]:
    out = RecordingMessenger()
    ctx = Ctx(azure=az, out=out, settings=DomainSettings(concurrency=4, progress_every_s=0.05))
    reply = routes(ctx, args)
    replies = [*out.responses, *([reply] if reply is not None else [])]
    return replies, out


def text_of(reply: Reply) -> str:
    """Every text of `reply` in its readable form (code keeps its backticks, bold loses its stars)."""
    bits: list[object] = [reply.fallback]
    for p in reply.parts:
        if isinstance(p, Header | Text | Context):
            bits.append(p.text)
        elif isinstance(p, Finding):
            bits += [p.title, p.evidence, p.next_step]
        elif isinstance(p, Fields):
            bits += [f"{k}: {v!s}" for k, v in p.items]
        elif isinstance(p, Table):
            bits.append(p.caption)
    return "\n".join(str(b) for b in bits)


def tables(reply: Reply) -> list[Table]:
    return [p for p in reply.parts if isinstance(p, Table)]


# --- NIC / VM -----------------------------------------------------------------------------------------


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


def test_a_subscription_that_cannot_be_read_is_reported_and_the_rest_answers() -> None:
    az = seed_v2v()
    az.subs = [Subscription("dead-sub", "Locked"), Subscription(SUB, "Seed")]
    az.fail[("private_endpoints", "dead-sub")] = AzureFailure(
        "forbidden", "denied", "AuthorizationFailed", "dead-sub", 403
    )
    [reply], _ = run(az, "nic-vm-aue")
    assert "Routes of nic-vm-aue" in text_of(reply)
    assert any("Could not list private endpoints in Locked" in p.text for p in reply.parts if isinstance(p, Context))


def test_large_route_tables_render_within_block_kit_limits() -> None:
    render = pytest.importorskip("bot.slack.render")
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
    rendered = render.render(reply)
    assert all(len(m.blocks) <= 50 for m in rendered.messages)
    assert rendered.files and "10.3.87.0/24" in rendered.files[0].content


# --- resolving names -------------------------------------------------------------------------------


def test_unknown_name_suggests_the_nearest_and_lists_what_exists() -> None:
    [reply], _ = run(seed_v2v(), "vm-aeu")
    text = text_of(reply)
    assert reply.visibility == "ephemeral"
    assert "No NIC, VM or gateway named `vm-aeu`" in text
    assert "`vm-aue`" in text.split("Did you mean", 1)[1].splitlines()[0]
    assert "Gateways: `vgw-aue`, `vgw-eun`" in text


def test_a_vnet_name_points_at_what_is_inside_it() -> None:
    [reply], _ = run(seed_v2v(), "vnet-aue")
    assert "is a virtual network; name a NIC, VM or gateway in it: `nic-vm-aue`, `vgw-aue`" in text_of(reply)


def test_ambiguous_names_list_the_candidates_with_ids() -> None:
    az = seed_v2v()
    twin = NetworkInterface(
        id=f"/subscriptions/{SUB}/resourceGroups/rg-other/providers/Microsoft.Network/networkInterfaces/nic-vm-aue",
        name="nic-vm-aue",
    )
    az.nics[rid_key(twin.id)] = twin
    [reply], _ = run(az, "nic-vm-aue")
    text = text_of(reply)
    assert "matches 2 resources" in text
    assert "rg-other" in text and "rg-net" in text
    # The full id picks one.
    [picked], _ = run(az, f"nic {NIC_AUE}")
    assert "Routes of nic-vm-aue (vm-aue)" in text_of(picked)


def test_bad_input_says_what_to_type() -> None:
    with pytest.raises(UsageError) as empty:
        run(seed_v2v(), "   ")
    assert empty.value.example == "/vpn routes vm-aue"
    with pytest.raises(UsageError) as bad_ip:
        run(seed_v2v(), "nic-vm-aue 10.1.1.300")
    assert "not an IP address" in bad_ip.value.message
    with pytest.raises(UsageError) as no_name:
        run(seed_v2v(), "gateway")
    assert no_name.value.example == "/vpn routes gateway vgw-eun"
    with pytest.raises(UsageError):
        run(seed_v2v(), "log")


# --- gateway --------------------------------------------------------------------------------------


def test_gateway_shows_learned_routes_peers_and_what_each_peer_is_sent() -> None:
    from commands.core.model import GatewayRoute

    az = seed_v2v(bgp=True)
    az.bgp = {rid_key(k): v for k, v in hub_bgp_peers().items()}
    az.advertised = {
        (rid_key(gw_id("vgw-eun")), "10.1.255.30"): [GatewayRoute("10.0.0.0/16", "10.0.255.30", "Igp", "65010")],
        (rid_key(gw_id("vgw-eun")), "192.168.255.1"): [],
    }
    [reply], out = run(az, "vgw-eun")
    text = text_of(reply)
    assert "Routes of gateway vgw-eun" in text
    assert "`10.1.255.30` AS 65020 — Connected" in text
    captions = [t.caption for t in tables(reply)]
    assert captions[0].startswith("*Learned routes of vgw-eun* (2)")
    assert any("Advertised to 10.1.255.30" in c for c in captions)
    assert any("Advertised to 192.168.255.1" in c for c in captions)
    assert [k for m, k in az.calls if m == "advertised_routes"] == [gw_id("vgw-eun")] * 2
    assert any("advertises to 2 BGP peers" in t for t in out.progress_texts)
    assert "What a point-to-site client of vgw-eun gets" in text


def test_gateway_without_bgp_skips_peer_status_and_warns_about_one_way_p2s() -> None:
    az = seed_v2v()
    [reply], _ = run(az, "gateway vgw-eun")
    assert not [m for m, _ in az.calls if m in ("bgp_peer_status", "advertised_routes")]
    assert "BGP is off" in text_of(reply)
    assert "learned: 10.1.0.0/16 (Network, from 10.0.255.4)" in text_of(reply)
    oneway = next(f for f in reply.findings if "10.1.0.0/16" in f.title)
    assert "replies from vnet-aue to P2S clients are dropped" in oneway.evidence


def test_learned_routes_timeout_is_reported_with_advice_and_the_rest_still_shows() -> None:
    az = seed_v2v()
    az.fail[("learned_routes", rid_key(gw_id("vgw-eun")))] = AzureFailure("timeout", "", "", gw_id("vgw-eun"))
    [reply], _ = run(az, "vgw-eun")
    failed = next(f for f in reply.findings if "getLearnedRoutes" in f.title)
    assert "did not answer in time" in failed.next_step
    assert "What a point-to-site client of vgw-eun gets" in text_of(reply)


# --- VPN client log --------------------------------------------------------------------------------


def test_pasted_seed_log_reports_routes_address_gateway_and_missing_dns() -> None:
    [reply], _ = run(seed_v2v(), "log\n" + SEED_LOG)
    text = text_of(reply)
    assert "Routes received: `10.0.0.0/16`, `10.1.0.0/16`" in text
    assert "Assigned address: `172.16.10.2/25`" in text
    assert "Gateway: `vgw-eun`" in text
    assert "No DNS servers were pushed" in text
    oneway = next(f for f in reply.findings if "10.1.0.0/16" in f.title)
    assert oneway.severity == "warning"


def test_log_from_a_transit_hub_is_all_as_expected_except_dns() -> None:
    az = seed_transit()
    [reply], _ = run(az, "log " + SEED_LOG)
    severe = [str(f.title) for f in reply.findings if f.severity in ("critical", "warning")]
    assert severe == ["No DNS servers were pushed: the client will not resolve private zones"]


def test_missing_route_from_the_log_is_critical() -> None:
    az = seed_transit()
    one_route = "\n".join(line for line in SEED_LOG.splitlines() if "10.1.0.0" not in line)
    [reply], _ = run(az, "log " + one_route)
    missing = next(f for f in reply.findings if f.severity == "critical")
    assert "10.1.0.0/16" in missing.title and "download" in missing.next_step


def test_a_log_pasted_without_the_word_log_is_recognised() -> None:
    [reply], _ = run(seed_v2v(), SEED_LOG)
    assert "VPN client log — hub-eun" in text_of(reply)


def test_partial_log_says_which_lines_could_not_be_read() -> None:
    bad = (
        SEED_LOG
        + "[3/23/2020 1:28:15 PM] PId:[1] TId:[2] [hub-eun] [Verbose] Received option: route 10.9.0.0 255.0.255.0\n"
    )
    [reply], _ = run(seed_v2v(), "log " + bad)
    f = next(f for f in reply.findings if "could not be read" in f.title)
    assert f.title.startswith("1 line") and "line 6" in f.evidence


def test_log_with_nothing_readable_says_what_a_log_looks_like() -> None:
    [reply], _ = run(seed_v2v(), "log hello there")
    assert reply.visibility == "ephemeral"
    assert "could not find Azure VPN client log lines" in text_of(reply)


def test_log_of_an_unknown_gateway_still_shows_what_was_read() -> None:
    other = SEED_LOG.replace("172.16.10.2", "192.168.99.2").replace("hub-eun", "home-office")
    [reply], _ = run(seed_v2v(), "log " + other)
    text = text_of(reply)
    assert "Could not tell which gateway served this client" in text
    assert "Routes received: `10.0.0.0/16`, `10.1.0.0/16`" in text


def test_shortcut_is_registered_and_reads_a_message_with_a_log() -> None:
    assert REGISTRY.shortcut("check_vpn_client_log").title == "Check VPN client log"
    out = RecordingMessenger()
    ctx = Ctx(azure=seed_v2v(), out=out)
    reply = check_vpn_client_log(ctx, "my VPN log:\n```" + SEED_LOG + "```")
    assert reply is not None and "Gateway: `vgw-eun`" in text_of(reply)
    nothing = check_vpn_client_log(ctx, "can someone look at the tunnel?")
    assert nothing is not None and nothing.visibility == "ephemeral"
    assert "no Azure VPN client log lines" in text_of(nothing)


def test_routes_command_is_registered_with_help() -> None:
    cmd = REGISTRY.command("routes")
    assert cmd.example == "/vpn routes vm-aue"
    assert "NIC, VM or gateway" in cmd.summary


def test_log_with_a_site_to_site_route_notes_the_return_path() -> None:
    az = hub_spoke()
    log = (
        SEED_LOG.replace("10.0.0.0 255.255.0.0", "10.10.0.0 255.255.0.0")
        .replace("10.1.0.0 / 255.255.0.0", "192.168.50.0 / 255.255.255.0")
        .replace("172.16.10.2", "172.20.0.9")
    )
    [reply], _ = run(az, "log " + log)
    text = text_of(reply)
    assert "Gateway: `vgw-hub`" in text
    note = next(f for f in reply.findings if "192.168.50.0/24" in f.title)
    assert note.severity == "info" and "lng-branch" in note.evidence
    assert "10.11.0.0/16" in next(f.title for f in reply.findings if f.severity == "critical")  # spoke1 not received
