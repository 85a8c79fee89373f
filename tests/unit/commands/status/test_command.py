"""`/vpn status`'s words: which gateways a target chooses, and the answers when none does."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.catalog import REGISTRY
from commands.core.errors import AzureFailure
from commands.core.model import Subscription
from commands.core.registry import Ctx, DomainSettings
from commands.status.command import status
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.status.support import AUE, conn, gw, run, seed_like, text_of

# --- phase 1: subscriptions and their gateways ---------------------------------------------------


def test_one_subscription_forbidden_the_rest_shown() -> None:
    g2 = gw("gw-two", "australiaeast", sub="sub2")
    g3 = gw("gw-three", "australiasoutheast", sub="sub3")
    az = FakeAzure(
        subscriptions=[Subscription("sub1", "Prod"), Subscription("sub2", "Two"), Subscription("sub3", "Three")],
        gateways=[g2, g3],
        connections=[conn("c2", g2, egress_bytes=1, ingress_bytes=1), conn("c3", g3, egress_bytes=1, ingress_bytes=2)],
    )
    az.fail[("gateways", "sub1")] = AzureFailure("forbidden", "no access", "AuthorizationFailed", "sub1", 403)
    reply, _ = run(az, "australia")
    body = text_of(reply)
    assert (
        "list virtual network gateways failed for subscription `Prod` (sub1): forbidden (AuthorizationFailed) HTTP 403"
        in body
    )
    assert str(AzureFailure("forbidden").advice) in body
    assert "*gw-two*" in body and "*gw-three*" in body
    assert reply.fallback.startswith("⚠️ No problems in what could be read in Australia (2 gateways)")
    assert "across 3 subscriptions" in body


def test_connections_that_could_not_be_read_are_counted_in_the_headline_never_no_problems() -> None:
    # "Could not read" is never "no problems": the headline counts the unread connections.
    g = gw("gw-two", "australiaeast")
    az = FakeAzure(
        gateways=[g],
        connections=[conn("c1", g, egress_bytes=1, ingress_bytes=1), conn("c2", g, egress_bytes=1, ingress_bytes=2)],
    )
    denied = AzureFailure("forbidden", "no access", "AuthorizationFailed", status=403)
    first, *rest = az.conns  # keyed as the fake looks failures up (rid_key)
    az.fail[("connection", first)] = denied
    reply, _ = run(az, "australia")
    assert reply.fallback.startswith("⚠️ 1 of 2 connections could not be read in Australia"), reply.fallback
    for k in rest:
        az.fail[("connection", k)] = denied
    reply, _ = run(az, "australia")
    assert reply.fallback.startswith("⚠️ Could not read any of the 2 connections in Australia"), reply.fallback
    assert "no problems" not in str(reply.fallback).lower()


def test_subscriptions_unreadable_is_answered_by_the_failure_policy() -> None:
    az = FakeAzure()
    az.fail[("subscriptions", "*")] = AzureFailure("unauthenticated", "token", "InvalidAuthenticationToken", status=401)
    ctx = Ctx(az, RecordingMessenger(), settings=DomainSettings(progress_every_s=0.0))
    with pytest.raises(AzureFailure):
        status(ctx, "europe")
    reply, _ = run(az, "europe")
    assert reply.visibility == "ephemeral"
    assert "The bot could not sign in to Azure" in reply.fallback
    assert "InvalidAuthenticationToken" in text_of(reply)
    assert str(AzureFailure("unauthenticated").advice) in text_of(reply)


def test_no_subscription_says_how_to_give_the_bot_one() -> None:
    reply, _ = run(FakeAzure(subscriptions=[]), "europe")
    assert reply.visibility == "ephemeral"
    assert "The bot sees no subscription." in reply.fallback
    assert "Reader on the subscriptions" in text_of(reply)


def test_no_gateways_in_the_region_lists_where_gateways_are() -> None:
    reply, _ = run(seed_like(), "japan")
    body = text_of(reply)
    assert "No VPN gateways in Japan." in body
    assert "Gateways exist in: Australia East (1), North Europe (1)." in body
    assert "Example: `/vpn status northeurope`" in body


# --- targets ---------------------------------------------------------------------------------


def test_a_gateway_by_name_shows_only_that_gateway() -> None:
    reply, _ = run(seed_like(), "VGW-AUE")
    assert reply.fallback.startswith("🔴 1 problem in vgw-aue")
    assert "*vgw-aue*" in text_of(reply) and "*vgw-eun*" not in text_of(reply)


def test_a_quoted_gateway_name_works_straight_or_curly_as_slack_clients_type_it() -> None:
    for typed in ('"vgw-aue"', "“vgw-aue”", "'vgw-aue'", "`vgw-aue`"):
        reply, _ = run(seed_like(), typed)
        assert reply.fallback.startswith("🔴 1 problem in vgw-aue"), typed


def test_an_unknown_gateway_gets_the_nearest_gateway_names() -> None:
    reply, _ = run(seed_like(), "vgw-aeu")
    assert "Nearest names: `vgw-aue`, `vgw-eun`." in text_of(reply)


def test_a_gateway_by_id_and_by_resource_group_and_name() -> None:
    assert "*vgw-aue*" in text_of(run(seed_like(), AUE.id)[0])
    assert "*vgw-aue*" in text_of(run(seed_like(), "rg-net/vgw-aue")[0])


def test_same_gateway_name_in_two_subscriptions_asks_which_with_ids() -> None:
    a, b = gw("vgw-hub", "eastus", sub="sub1"), gw("vgw-hub", "westus", sub="sub2")
    az = FakeAzure(subscriptions=[Subscription("sub1"), Subscription("sub2")], gateways=[a, b])
    reply, _ = run(az, "vgw-hub")
    assert reply.visibility == "ephemeral"
    body = text_of(reply)
    assert "Several gateways are called `vgw-hub`" in body
    assert f"/vpn status {a.id}" in body and f"/vpn status {b.id}" in body


def test_a_connection_name_shows_its_gateway() -> None:
    reply, _ = run(seed_like(), "aue-to-eun")
    assert "*vgw-aue*" in text_of(reply)


def test_a_connection_whose_gateway_was_not_read_says_so() -> None:
    a = gw("gw-a", "eastus", sub="sub2")
    az = FakeAzure(
        subscriptions=[Subscription("sub1"), Subscription("sub2")], gateways=[a], connections=[conn("to-dc", a)]
    )
    az.fail[("gateways", "sub2")] = AzureFailure("forbidden", code="AuthorizationFailed")
    reply, _ = run(az, "to-dc")
    assert reply.visibility == "ephemeral"
    assert "The connection `to-dc` belongs to gateway `gw-a`, which the bot could not read." in text_of(reply)


def test_unknown_target_answers_with_choices_and_a_guess() -> None:
    reply, _ = run(seed_like(), "vgw-au")
    assert reply.visibility == "ephemeral"
    assert "Unknown region or gateway `vgw-au`." in reply.fallback
    assert "Did you mean `vgw-aue`?" in text_of(reply)


def test_unknown_target_says_which_subscriptions_could_not_be_read() -> None:
    az = seed_like()
    az.subs = [*az.subs, Subscription("sub9", "Prod")]
    az.fail[("gateways", "sub9")] = AzureFailure("forbidden", code="AuthorizationFailed")
    reply, _ = run(az, "vgw-nowhere")
    assert (
        "(Some subscriptions could not be read, so the gateway may be there: subscription `Prod` (sub9).)"
        in text_of(reply)
    )


def test_atlantis_is_a_clear_error() -> None:
    reply, _ = run(seed_like(), "atlantis")
    body = text_of(reply)
    assert "Unknown region or gateway `atlantis`." in body and "`europe`" in body
    assert "Example: `/vpn status australia`" in body


def test_no_target_asks_for_one() -> None:
    reply, _ = run(seed_like(), "   ")
    assert "Which region or gateway?" in reply.fallback


@pytest.mark.parametrize("target", ["europe", "australia", "all", "vgw-eun"])
def test_the_command_is_registered_with_usage_and_example(target: str) -> None:
    cmd = REGISTRY.command("status")
    assert cmd is not None
    assert cmd.usage == "status <region|gateway>" and cmd.example == "/vpn status australia"
    assert cmd.summary.startswith("Is every tunnel up")
    reply, _ = run(seed_like(), target)
    assert reply.visibility == "in_channel"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_any_target_text_gets_an_answer_never_an_exception(text: str) -> None:
    reply, _ = run(seed_like(), text)
    assert reply.fallback
    assert "<!" not in text_of(reply)  # what was typed is escaped: it never becomes a mention
