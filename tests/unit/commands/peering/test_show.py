"""`/vpn peering <vnet>`: both sides of every peering, with flags, state, gateways and what is wrong."""

from __future__ import annotations

import dataclasses

from commands.core.errors import AzureFailure
from commands.core.model import rid_key
from commands.core.registry import Ctx
from commands.peering.command import peering as peering_cmd
from tests.unit.commands.peering.peering_estate import text_of, vnet_id


def test_show_lists_both_sides_with_flags_state_and_gateways(ctx: Ctx) -> None:
    text = text_of(peering_cmd(ctx, "vn-hub"))
    assert "vn-hub | hub-to-far | on | off | on | off | Connected" in text
    assert "vn-far | far-to-hub | on | off | off | off | Connected" in text
    assert "vn-spoke | spoke-to-hub" in text
    assert "gw-hub" in text and "172.16.1.0/24" in text and "Gateways in vn-spoke: none" in text


def test_show_one_peering_only(ctx: Ctx) -> None:
    text = text_of(peering_cmd(ctx, "vn-hub/hub-to-spoke"))
    assert "hub-to-spoke" in text and "hub-to-far" not in text


def test_show_reports_a_half_configured_peering(ctx: Ctx) -> None:
    text = text_of(peering_cmd(ctx, "vn-half"))
    assert "half configured" in text and "(no peering back)" in text


def test_show_says_when_the_remote_side_cannot_be_read(ctx: Ctx) -> None:
    # vn-far lives in a subscription the bot does not list, and its GET is refused.
    az = ctx.azure
    far = az.vnets.pop(rid_key(vnet_id("vn-far")))  # type: ignore[attr-defined]
    elsewhere = far.id.replace("/subscriptions/sub1/", "/subscriptions/sub9/")
    hub = az.vnets[rid_key(vnet_id("vn-hub"))]  # type: ignore[attr-defined]
    moved = tuple(
        dataclasses.replace(p, remote_vnet_id=elsewhere) if p.name == "hub-to-far" else p for p in hub.peerings
    )
    az.vnets[rid_key(hub.id)] = dataclasses.replace(hub, peerings=moved)  # type: ignore[attr-defined]
    az.fail[("virtual_network", rid_key(elsewhere))] = AzureFailure(  # type: ignore[attr-defined]
        "forbidden", "no access", "AuthorizationFailed", elsewhere, 403
    )
    text = text_of(peering_cmd(ctx, "vn-hub"))
    assert "(could not be read)" in text and "hub-to-spoke" in text
    assert "could not read the peered VNet: `vn-far`" in text


def test_show_mentions_open_requests(ctx: Ctx) -> None:
    peering_cmd(ctx, "vn-hub/hub-to-far forwarded-traffic on")
    reply = peering_cmd(ctx, "vn-hub")
    assert reply is not None and any("#1 pending" in getattr(p, "text", "") for p in (reply.parts + reply.thread))
