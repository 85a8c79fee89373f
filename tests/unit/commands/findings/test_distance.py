"""How far apart two regions are: from the region table, in words, never invented numbers."""

from __future__ import annotations

import pytest

from commands.findings.distance import region_distance


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("northeurope", "North Europe", "same_region"),
        ("australiaeast", "australiasoutheast", "same_geography"),
        ("uksouth", "westeurope", "same_area"),
        ("northeurope", "australiaeast", "far"),
        ("northeurope", "marsnorth", "unknown"),
    ],
)
def test_region_distance_comes_from_the_region_table(a: str, b: str, kind: str) -> None:
    d = region_distance(a, b)
    assert d.kind == kind
    assert not any(ch.isdigit() for ch in d.words.replace("2", "")), "no invented numbers in the words"


def test_far_regions_are_named_by_their_areas() -> None:
    assert (
        region_distance("northeurope", "australiaeast").words == "North Europe is in Europe, Australia East in Oceania"
    )
