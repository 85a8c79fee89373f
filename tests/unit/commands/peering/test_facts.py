"""Finding the VNet and peering a user named: close names, the peerings there are, ambiguity."""

from __future__ import annotations

from pathlib import Path

from bot.store.sqlite import SqliteStore
from commands.core.model import Subscription, VirtualNetwork
from commands.core.registry import Ctx
from commands.peering.command import peering as peering_cmd
from tests.unit.commands.peering.peering_estate import answer, estate, make_ctx, text_of


def test_unknown_vnet_suggests_close_names(ctx: Ctx) -> None:
    text = text_of(answer(ctx, peering_cmd, "vn-hbu"))
    assert "No virtual network named" in text and "vn-hub" in text


def test_unknown_peering_lists_the_vnets_peerings(ctx: Ctx) -> None:
    text = text_of(answer(ctx, peering_cmd, "vn-hub/nope forwarded-traffic on"))
    assert "no peering called" in text and "hub-to-far" in text and "hub-to-spoke" in text


def test_same_name_in_two_subscriptions_asks_for_the_full_id(tmp_path: Path) -> None:
    az = estate()
    other = "/subscriptions/sub2/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vn-hub"
    az.subs.append(Subscription("sub2", "Sub two"))
    az.vnets[other.lower()] = VirtualNetwork(id=other, name="vn-hub")
    c = make_ctx(az, SqliteStore(tmp_path / "s.sqlite"))
    text = text_of(answer(c, peering_cmd, "vn-hub"))
    assert "2 virtual networks are called" in text and "sub2" in text
