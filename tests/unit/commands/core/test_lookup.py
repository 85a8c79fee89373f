"""Finding resources by name, `resource-group/name` or id: case-insensitive, every hit kept."""

from __future__ import annotations

from commands.core.lookup import by_name, matches
from commands.core.model import VirtualNetwork

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"


def vnet(rg: str, name: str, sub: str = SUB) -> VirtualNetwork:
    return VirtualNetwork(id=f"{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}", name=name)


HUB = vnet("rg-hub", "vnet-hub")
SPOKE = vnet("rg-spoke", "vnet-spoke")
TWIN = vnet("rg-other", "vnet-hub")  # same name, another resource group
VNETS = [HUB, SPOKE, TWIN]


def test_a_name_matches_whatever_its_case_and_surrounding_spaces() -> None:
    assert by_name(VNETS, "  VNET-Spoke ") == [SPOKE]


def test_a_name_used_twice_returns_every_match_in_order_so_the_caller_can_ask_which() -> None:
    assert by_name(VNETS, "vnet-hub") == [HUB, TWIN]


def test_resource_group_and_name_picks_one_of_two_with_the_same_name() -> None:
    assert by_name(VNETS, "RG-OTHER/vnet-hub") == [TWIN]
    assert by_name(VNETS, "rg-spoke/vnet-hub") == []


def test_an_id_matches_regardless_of_case_and_a_trailing_slash() -> None:
    assert by_name(VNETS, HUB.id.upper() + "/") == [HUB]


def test_an_id_never_matches_a_different_resource_with_the_same_name() -> None:
    other_sub = vnet("rg-hub", "vnet-hub", sub="/subscriptions/00000000-0000-0000-0000-000000000002")
    assert by_name([HUB, other_sub], other_sub.id) == [other_sub]


def test_without_groups_a_slash_is_part_of_the_name_not_a_resource_group() -> None:
    assert by_name(VNETS, "rg-hub/vnet-hub", groups=False) == []
    assert by_name(VNETS, "vnet-hub", groups=False) == [HUB, TWIN]
    assert by_name(VNETS, HUB.id, groups=False) == [HUB]


def test_an_unknown_name_matches_nothing() -> None:
    assert by_name(VNETS, "vnet-nowhere") == []
    assert by_name([], "vnet-hub") == []


def test_matches_compares_a_name_and_id_given_separately() -> None:
    vm_id = f"{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-App1"
    assert matches("vm-App1", vm_id, "VM-APP1")
    assert matches("vm-App1", vm_id, "rg-app/vm-app1")
    assert matches("vm-App1", vm_id, vm_id.lower())
    assert not matches("vm-App1", vm_id, "vm-app")
    assert not matches("vm-App1", vm_id, "rg-db/vm-app1")
