"""`/vpn peering`, `/vpn requests`, `/vpn audit`: their arguments, and what a failure answers."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.store.sqlite import SqliteStore
from commands.catalog import REGISTRY
from commands.core.errors import AzureFailure, UsageError
from commands.core.registry import Ctx
from commands.peering.command import flag_of, parse_args
from commands.peering.command import peering as peering_cmd
from tests.fakes import FakeAzure
from tests.unit.commands.peering.peering_estate import answer, estate, make_ctx, text_of, vnet_id

# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "arm"),
    [
        ("allowGatewayTransit", "allowGatewayTransit"),
        ("gateway-transit", "allowGatewayTransit"),
        ("USEREMOTEGATEWAYS", "useRemoteGateways"),
        ("remote-gateways", "useRemoteGateways"),
        ("forwarded_traffic", "allowForwardedTraffic"),
        ("vnet-access", "allowVirtualNetworkAccess"),
    ],
)
def test_flags_by_arm_or_short_name(word: str, arm: str) -> None:
    assert flag_of(word) == arm


def test_unknown_flag_lists_the_flags() -> None:
    with pytest.raises(UsageError) as e:
        flag_of("gatewaytransit2")
    assert "gateway-transit" in e.value.hint and "useRemoteGateways" in e.value.hint


def test_change_with_reason() -> None:
    a = parse_args("vn-hub/hub-to-far gateway-transit OFF reason: maintenance window #42")
    assert (a.target.vnet, a.target.peering, a.flag, a.value) == ("vn-hub", "hub-to-far", "allowGatewayTransit", False)
    assert a.reason == "maintenance window #42"


def test_show_by_name_or_full_id() -> None:
    assert parse_args("vn-hub").flag == ""
    a = parse_args(f"{vnet_id('vn-hub')}/virtualNetworkPeerings/hub-to-far remote-gateways on")
    assert a.target.vnet == vnet_id("vn-hub") and a.target.peering == "hub-to-far" and a.value is True


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Which virtual network"),
        ("vn-hub gateway-transit on", "Which peering"),
        ("vn-hub/hub-to-far gateway-transit", "on or off"),
        ("vn-hub/hub-to-far gateway-transit maybe", "neither on nor off"),
        ("vn-hub/hub-to-far gateway-transit on please now", "reason:"),
        ("vn-hub reason: because", "only goes with a change"),
        ("<!channel>/x gateway-transit on", "cannot be a virtual network name"),
        ("vn-hub/<@U123> gateway-transit on", "cannot be a peering name"),
        ("a/b/c", "is not"),
        ("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/connections/c", "not a virtual network"),
    ],
)
def test_bad_input_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(UsageError) as e:
        parse_args(text)
    assert says in e.value.message + e.value.hint


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses_or_is_a_usage_error(text: str) -> None:
    try:
        parse_args(text)
    except UsageError as exc:
        assert exc.message


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_the_command_answers_any_text_with_a_reply(text: str) -> None:
    c = make_ctx(estate(), SqliteStore(":memory:"))
    reply = answer(c, peering_cmd, text)
    assert reply is not None and reply.fallback


# --- failures ------------------------------------------------------------------------------------


def test_azure_failure_is_an_answer_with_advice(ctx: Ctx) -> None:
    ctx.azure.fail[("virtual_networks", "*")] = AzureFailure("throttled", "slow down", "", "", 429)  # type: ignore[attr-defined]
    text = text_of(answer(ctx, peering_cmd, "vn-hub"))
    assert "throttl" in text.lower() and "Try again" in text


def test_without_a_store_a_change_is_refused_clearly(ctx: Ctx) -> None:
    text = text_of(answer(dataclasses.replace(ctx, store=None), peering_cmd, "vn-hub/hub-to-far forwarded-traffic on"))
    assert "no store is configured" in text


# --- planning ------------------------------------------------------------------------------------


def test_plan_uses_a_fresh_read_of_the_peering(ctx: Ctx) -> None:
    az: FakeAzure = ctx.azure  # type: ignore[assignment]
    peering_cmd(ctx, "vn-hub/hub-to-far forwarded-traffic on")
    assert ("peering", vnet_id("vn-hub") + "/virtualNetworkPeerings/hub-to-far") in az.calls


def test_commands_are_registered_with_help_text() -> None:
    for name in ("peering", "requests", "audit"):
        cmd = REGISTRY.command(name)
        assert cmd is not None and cmd.summary and cmd.example.startswith("/vpn ")
