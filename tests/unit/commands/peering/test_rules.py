"""The rules a change must pass: Azure's (the pre-flight, said plainly) and ours (who may approve)."""

from __future__ import annotations

import dataclasses

from bot.slack.mrkdwn import mrkdwn
from commands.findings.peerings import PeeringFacts
from commands.peering.rules import approval_refusal, approvers_for, blocking, p2s_affected, preflight
from tests.unit.commands.peering.peering_estate import estate, facts, keys, peering, vnet_id

# --- Azure's rules: the pre-flight ---------------------------------------------------------------


def test_use_remote_gateways_with_own_gateway_is_refused_and_says_the_gateway_would_have_to_go() -> None:
    found = preflight(facts("vn-far", "far-to-hub"), "useRemoteGateways", True)
    block = blocking(found)
    assert [f.key.split(":")[0] for f in block] == ["preflight_local_gateway"]
    text = block[0].title + block[0].evidence + block[0].next_step
    assert "gw-far" in text and "would have to be deleted" in text
    assert "172.16.2.0/24" in text  # its VPN clients are named by their pool
    assert "japaneast" in text  # …and where they would have to go instead: westeurope
    for alternative in ("VNet-to-VNet", "hub-and-spoke", "Virtual WAN"):
        assert alternative in block[0].next_step


def test_use_remote_gateways_when_remote_has_no_gateway_is_refused_as_remote_vnet_has_no_gateways() -> None:
    # vn-hub → vn-spoke: the spoke has no gateway, so the hub cannot use "its" gateway.
    az = estate()
    del az.gws[next(k for k in az.gws if k.endswith("gw-hub"))]
    found = preflight(facts("vn-hub", "hub-to-spoke", az), "useRemoteGateways", True)
    assert "preflight_remote_no_gateway" in keys(blocking(found))
    assert any("RemoteVnetHasNoGateways" in f.title for f in found)


def test_use_remote_gateways_without_transit_on_the_other_side_is_refused_with_the_command_to_fix_it() -> None:
    found = preflight(facts("vn-spoke", "spoke-to-hub"), "useRemoteGateways", True)
    block = blocking(found)
    assert keys(block) == ["preflight_transit_not_offered"]
    assert "vn-hub/hub-to-spoke allowGatewayTransit on" in mrkdwn(block[0].next_step).replace("\u200b", "")


def test_use_remote_gateways_when_transit_is_offered_passes_with_what_it_will_do() -> None:
    az = estate()
    hub = az.vnets[vnet_id("vn-hub").lower()]
    az.vnets[hub.id.lower()] = dataclasses.replace(
        hub, peerings=tuple(dataclasses.replace(p, allow_gateway_transit=True) for p in hub.peerings)
    )
    found = preflight(facts("vn-spoke", "spoke-to-hub", az), "useRemoteGateways", True)
    assert blocking(found) == []
    assert "preflight_remote_gw_on" in keys(found)
    # gw-hub serves point-to-site: its clients must fetch the profile again.
    assert any(f.key.startswith("p2s_profile:") and "gw-hub" in f.title for f in found)


def test_a_second_peering_using_remote_gateways_is_refused() -> None:
    az = estate()
    spoke = az.vnets[vnet_id("vn-spoke").lower()]
    other = peering("vn-spoke", "spoke-to-other", "vn-far", use_remote_gateways=True)
    az.vnets[spoke.id.lower()] = dataclasses.replace(spoke, peerings=(*spoke.peerings, other))
    found = preflight(facts("vn-spoke", "spoke-to-hub", az), "useRemoteGateways", True)
    assert "preflight_other_remote_gw" in keys(blocking(found))


def test_no_op_change_is_refused_and_nothing_else_is_said() -> None:
    found = preflight(facts("vn-hub", "hub-to-far"), "allowGatewayTransit", True)
    assert keys(found) == ["preflight_noop"]
    assert found[0].severity == "critical"


def test_peering_not_connected_is_refused_with_why() -> None:
    found = preflight(facts("vn-half", "half-to-hub"), "allowForwardedTraffic", True)
    block = blocking(found)
    assert keys(block) == ["preflight_not_connected"]
    assert "Initiated" in block[0].title and "create it first" in block[0].evidence


def test_disconnected_peering_is_refused_saying_it_must_be_recreated() -> None:
    az = estate()
    hub = az.vnets[vnet_id("vn-hub").lower()]
    az.vnets[hub.id.lower()] = dataclasses.replace(
        hub, peerings=tuple(dataclasses.replace(p, state="Disconnected") for p in hub.peerings)
    )
    found = preflight(facts("vn-hub", "hub-to-far", az), "allowForwardedTraffic", True)
    assert "create both sides again" in blocking(found)[0].evidence


def test_turning_gateway_transit_off_while_the_other_side_uses_it_is_refused() -> None:
    az = estate()
    spoke = az.vnets[vnet_id("vn-spoke").lower()]
    az.vnets[spoke.id.lower()] = dataclasses.replace(
        spoke, peerings=tuple(dataclasses.replace(p, use_remote_gateways=True) for p in spoke.peerings)
    )
    hub = az.vnets[vnet_id("vn-hub").lower()]
    az.vnets[hub.id.lower()] = dataclasses.replace(
        hub, peerings=tuple(dataclasses.replace(p, allow_gateway_transit=True) for p in hub.peerings)
    )
    found = preflight(facts("vn-hub", "hub-to-spoke", az), "allowGatewayTransit", False)
    assert keys(blocking(found)) == ["preflight_transit_in_use"]


def test_gateway_transit_from_a_vnet_without_a_gateway_has_no_effect_and_is_refused() -> None:
    # vn-spoke has no gateway: offering transit to vn-hub would change nothing (nothing is filed).
    found = preflight(facts("vn-spoke", "spoke-to-hub"), "allowGatewayTransit", True)
    assert keys(blocking(found)) == ["preflight_transit_no_gateway"]
    assert "would have no effect" in blocking(found)[0].title


def test_transit_offered_to_a_spoke_that_does_not_use_it_changes_no_client_routes() -> None:
    # hub-to-spoke allowGatewayTransit on: the spoke keeps useRemoteGateways off, so gw-hub's
    # point-to-site clients get no new route; nobody is told to download anything.
    found = preflight(facts("vn-hub", "hub-to-spoke"), "allowGatewayTransit", True)
    assert blocking(found) == []
    assert not [f for f in found if f.key.startswith("p2s_profile:")]
    assert p2s_affected(facts("vn-hub", "hub-to-spoke"), "allowGatewayTransit") == []


def test_when_transit_takes_effect_each_kind_of_client_is_told_what_to_do_with_the_page() -> None:
    az = estate()
    hub = az.vnets[vnet_id("vn-hub").lower()]
    az.vnets[hub.id.lower()] = dataclasses.replace(
        hub, peerings=tuple(dataclasses.replace(p, allow_gateway_transit=True) for p in hub.peerings)
    )
    (note,) = [
        f
        for f in preflight(facts("vn-spoke", "spoke-to-hub", az), "useRemoteGateways", True)
        if f.key.startswith("p2s_profile:")
    ]
    step = str(note.next_step)
    # gw-hub's tunnel types were not read: both kinds of client are named.
    assert "native VPN client" in step and "download and install it again" in step
    assert "Azure VPN Client (OpenVPN) users get the routes when they connect: they reconnect" in step
    assert note.doc_url.endswith("vpn-gateway-about-point-to-site-routing")


def test_an_openvpn_only_gateway_needs_no_new_package_its_users_reconnect() -> None:
    az = estate()
    hub = az.vnets[vnet_id("vn-hub").lower()]
    az.vnets[hub.id.lower()] = dataclasses.replace(
        hub, peerings=tuple(dataclasses.replace(p, allow_gateway_transit=True) for p in hub.peerings)
    )
    gk = next(k for k in az.gws if k.endswith("gw-hub"))
    az.gws[gk] = dataclasses.replace(az.gws[gk], p2s_protocols=("OpenVPN",))
    (note,) = [
        f
        for f in preflight(facts("vn-spoke", "spoke-to-hub", az), "useRemoteGateways", True)
        if f.key.startswith("p2s_profile:")
    ]
    assert "reconnect" in str(note.next_step) and "install" not in str(note.next_step)


def test_vnet_access_off_warns_that_traffic_stops_but_is_allowed() -> None:
    found = preflight(facts("vn-hub", "hub-to-far"), "allowVirtualNetworkAccess", False)
    assert blocking(found) == []
    assert found[0].severity == "warning" and "10.20.0.0/16" in found[0].evidence


def test_unreadable_remote_side_is_a_warning_not_a_silent_pass() -> None:
    f = facts("vn-hub", "hub-to-far")
    f = PeeringFacts(f.local, f.peering, remote_error="forbidden: AuthorizationFailed")
    found = preflight(f, "allowForwardedTraffic", True)
    assert blocking(found) == []
    assert "preflight_remote_unknown" in keys(found)


def test_names_with_slack_markup_are_inert_in_findings() -> None:
    az = estate()
    hub = az.vnets[vnet_id("vn-hub").lower()]
    evil = dataclasses.replace(hub.peerings[0], name="<!channel>")
    az.vnets[hub.id.lower()] = dataclasses.replace(hub, peerings=(evil, hub.peerings[1]))
    found = preflight(facts("vn-hub", "<!channel>", az), "allowGatewayTransit", True)
    assert all("<!channel>" not in mrkdwn(f.title) + mrkdwn(f.evidence) for f in found)


# --- ours: requester ≠ approver ------------------------------------------------------------------


def test_approve_by_requester_is_refused() -> None:
    refusal = approval_refusal(3, "U_ALICE", "U_ALICE", {"U_ALICE", "U_BOB"})
    assert refusal and "requester ≠ approver" in refusal


def test_approve_by_non_approver_is_refused() -> None:
    refusal = approval_refusal(3, "U_ALICE", "U_DAVE", {"U_BOB"})
    assert refusal and "not one" in refusal


def test_approvers_are_the_configured_ids_plus_the_group_members() -> None:
    assert approvers_for(frozenset({"U_BOB"}), {"U_GRP1", ""}) == {"U_BOB", "U_GRP1"}
