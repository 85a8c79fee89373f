"""Which NIC, VM or gateway the user means: nearest names, a VNet's contents, several matches."""

from __future__ import annotations

from commands.core.model import NetworkInterface, rid_key
from tests.unit.commands.routes.estates import NIC_AUE, SUB, seed_v2v
from tests.unit.commands.routes.replies import run, text_of


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
