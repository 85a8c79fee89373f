"""What `/vpn diagnose …` looks at: a region, an area, a VNet (and the hub it uses), or a
choice when the text names nothing or several VNets."""

from __future__ import annotations

import dataclasses

import pytest

from bot.runtime.failures import reply_for
from bot.runtime.jobs import Job
from commands.core.errors import UsageError
from commands.core.model import Subscription, rid_key
from tests.fakes import FakeAzure
from tests.unit.commands.diagnose.diagnose_support import both_attempts, has, keys, run, text_of
from tests.unit.commands.findings.topology_support import SUB, far_spoke, lng, nid, s2s, vid, vnet


def test_a_region_word_limits_the_gateways_read_and_a_vnet_name_its_vnet() -> None:
    azure = both_attempts()
    reply, _ = run(azure, "japan")
    assert "in Japan" in reply.fallback
    got = {rid_key(k) for m, k in azure.calls if m == "connection"}
    assert rid_key(nid("connections", "tyo-ams")) in got  # Tokyo's connection, read with GET
    assert any(k.startswith("pe_zone_link:") for k in keys(reply))
    reply2, _ = run(both_attempts(), "vn-tyo")
    assert "in vn-tyo" in reply2.fallback
    reply3, _ = run(both_attempts(), "rg-net/vn-tyo")
    assert "in vn-tyo" in reply3.fallback
    reply4, _ = run(both_attempts(), vid("vn-tyo"))
    assert "in vn-tyo" in reply4.fallback


def test_a_spokes_hub_gateway_is_checked_with_the_spoke() -> None:
    facts = far_spoke()
    hub_gw = facts.gateways[0]
    site = lng("lng-office", "westeurope", "192.168.1.0/24")
    down = s2s("hub-office", hub_gw, site, status="NotConnected", ingress_bytes=0, egress_bytes=0)
    azure = FakeAzure(
        subscriptions=(Subscription(SUB),),
        vnets=facts.vnets,
        gateways=facts.gateways,
        local_gateways=(site,),
        connections=(down,),
    )
    reply, _ = run(azure, "australia")
    assert has(reply, "down:").severity == "critical"


def test_unknown_target_answers_with_choices_and_a_guess() -> None:
    with pytest.raises(UsageError) as err:
        run(both_attempts(), "vn-tyoo")
    reply = reply_for(err.value, Job("command", "diagnose", "vn-tyoo"))
    assert reply.visibility == "ephemeral"
    text = text_of(reply)
    assert "`vn-tyoo` is neither a region nor a virtual network I can see." in text
    assert "Did you mean `vn-tyo`?" in text and "`vn-ams`, `vn-tyo`" in text
    assert "Example: `/vpn diagnose vn-tyo`" in text


def test_a_region_without_vnets_says_where_vnets_are() -> None:
    reply, _ = run(both_attempts(), "brazil")
    text = text_of(reply)
    assert "No virtual networks in Brazil." in text
    assert "West Europe (1)" in text and "Japan East (1)" in text


def test_same_vnet_name_in_two_resource_groups_asks_which() -> None:
    a = vnet("vn-dup", "eastus", "10.1.0.0/16")
    b = dataclasses.replace(a, id=nid("virtualNetworks", "vn-dup").replace("rg-net", "rg-other"))
    reply, _ = run(FakeAzure(subscriptions=(Subscription(SUB),), vnets=(a, b)), "vn-dup")
    assert "Several virtual networks are called `vn-dup`" in text_of(reply)
    assert "rg-other" in text_of(reply)
