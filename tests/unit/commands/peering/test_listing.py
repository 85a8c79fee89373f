"""`/vpn requests` and `/vpn audit`."""

from __future__ import annotations

from pathlib import Path

from bot.store.sqlite import SqliteStore
from commands.core.model import VirtualNetwork
from commands.core.registry import Ctx
from commands.peering.command import audit as audit_cmd
from commands.peering.command import peering as peering_cmd
from commands.peering.command import requests as requests_cmd
from tests.unit.commands.peering.peering_estate import (
    answer,
    click,
    estate,
    file_change,
    make_ctx,
    peering,
    text_of,
    vnet_id,
)


def test_requests_lists_open_ones_only(ctx: Ctx) -> None:
    file_change(ctx)
    file_change(ctx, "vn-spoke/spoke-to-hub forwarded-traffic on")
    click(ctx, "U_ALICE", "cancel", 2)
    listing = text_of(requests_cmd(ctx, ""))
    assert "#1" in listing and "#2" not in listing


def test_audit_for_one_vnet_does_not_match_a_vnet_with_a_longer_name(tmp_path: Path) -> None:
    az = estate()
    hub2 = VirtualNetwork(
        id=vnet_id("vn-hub2"),
        name="vn-hub2",
        peerings=(peering("vn-hub2", "x-to-far", "vn-far"),),
    )
    az.vnets[hub2.id.lower()] = hub2
    c = make_ctx(az, SqliteStore(tmp_path / "s.sqlite"))
    peering_cmd(c, "vn-hub2/x-to-far forwarded-traffic on")
    assert "no entries" in text_of(audit_cmd(c, "vn-hub"))
    assert "requested" in text_of(audit_cmd(c, "vn-hub2"))
    assert "cannot be a virtual network name" in text_of(answer(c, audit_cmd, "<!here>"))
