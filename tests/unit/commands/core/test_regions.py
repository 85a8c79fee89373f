"""Region words: areas, exact names, display names, and a clear error with a guess."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.mrkdwn import mrkdwn
from commands.core.errors import UsageError
from commands.core.regions import (
    AREA_WORDS,
    BY_NAME,
    REGIONS,
    display_name,
    parse_regions,
    unknown_target,
)

AUSTRALIA = {"australiaeast", "australiasoutheast", "australiacentral", "australiacentral2"}


@pytest.mark.parametrize("word", ["australia", "aus", "AUS", " Australia ", "au"])
def test_australia_means_every_australian_region(word: str) -> None:
    scope = parse_regions(word)
    assert scope.regions == AUSTRALIA
    assert scope.label == "Australia"


@pytest.mark.parametrize("word", ["europe", "eu", "Europe"])
def test_europe_means_every_european_region(word: str) -> None:
    regions = parse_regions(word).regions
    for name in ("northeurope", "westeurope", "francecentral", "germanywestcentral", "uksouth", "swedencentral"):
        assert name in regions
    assert "australiaeast" not in regions and "eastus" not in regions


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("us", {"eastus", "westus2", "centralus"}),
        ("usa", {"eastus2", "westus3"}),
        ("america", {"southcentralus"}),
        ("asia", {"eastasia", "southeastasia", "japaneast", "koreacentral", "centralindia"}),
        ("uk", {"uksouth", "ukwest"}),
        ("canada", {"canadacentral", "canadaeast"}),
        ("brazil", {"brazilsouth", "brazilsoutheast"}),
        ("japan", {"japaneast", "japanwest"}),
        ("korea", {"koreacentral", "koreasouth"}),
        ("india", {"centralindia", "southindia", "westindia"}),
        ("uae", {"uaenorth", "uaecentral"}),
        ("switzerland", {"switzerlandnorth", "switzerlandwest"}),
        ("germany", {"germanywestcentral", "germanynorth"}),
        ("norway", {"norwayeast", "norwaywest"}),
        ("sweden", {"swedencentral"}),
        ("poland", {"polandcentral"}),
        ("italy", {"italynorth"}),
        ("spain", {"spaincentral"}),
        ("southafrica", {"southafricanorth", "southafricawest"}),
        ("South Africa", {"southafricanorth"}),
        ("middle-east", {"uaenorth", "qatarcentral", "israelcentral"}),
    ],
)
def test_every_geography_has_a_word(word: str, expected: set[str]) -> None:
    assert expected <= parse_regions(word).regions


def test_asia_leaves_out_australia_but_apac_includes_it() -> None:
    assert not AUSTRALIA & parse_regions("asia").regions
    assert parse_regions("apac").regions >= AUSTRALIA


def test_us_does_not_include_canada() -> None:
    assert "canadacentral" not in parse_regions("us").regions


@pytest.mark.parametrize(
    "word", ["australiaeast", "Australia East", "australia-east", "AUSTRALIA_EAST", "east australia"]
)
def test_one_region_by_name_or_display_name(word: str) -> None:
    scope = parse_regions(word)
    assert scope.regions == {"australiaeast"}
    assert scope.label == "Australia East"


def test_numbered_regions_in_any_word_order() -> None:
    assert parse_regions("us-east-2").regions == {"eastus2"}
    assert parse_regions("East US 2").regions == {"eastus2"}
    assert parse_regions("australia central 2").regions == {"australiacentral2"}


def test_every_region_is_found_by_its_name_and_display_name() -> None:
    for r in REGIONS:
        assert parse_regions(r.name).regions == {r.name}
        assert parse_regions(r.display).regions == {r.name}
        assert display_name(r.name) == r.display


def test_every_area_word_selects_known_regions() -> None:
    for word in AREA_WORDS:
        scope = parse_regions(word)
        assert scope.regions and scope.regions <= set(BY_NAME)


def test_all_covers_locations_newer_than_the_table() -> None:
    scope = parse_regions("all")
    assert scope.contains("australiaeast") and scope.contains("someregionofthefuture")
    assert not parse_regions("europe").contains("someregionofthefuture")


def test_unknown_region_lists_the_choices_and_guesses() -> None:
    with pytest.raises(UsageError) as err:
        parse_regions("austrlia")
    e = err.value
    assert "`austrlia`" in e.message
    assert "Did you mean `australia`?" in e.hint
    assert "`europe`" in e.hint and "`asia`" in e.hint and "australiaeast" in e.hint
    assert e.example == "/vpn status australia"


def test_unknown_without_a_close_guess_still_lists_choices() -> None:
    e = unknown_target("atlantis")
    assert str(e.message) == "Unknown region or gateway `atlantis`."
    assert "Did you mean" not in e.hint and "`europe`" in e.hint
    assert e.example == "/vpn status australia"


def test_a_gateway_name_can_be_the_guess() -> None:
    e = unknown_target("vgw-eu", ("vgw-eun", "vgw-aue"))
    assert "Did you mean `vgw-eun`?" in e.hint


def test_empty_target_asks_which_one() -> None:
    e = unknown_target("   ")
    assert e.message.startswith("Which")
    assert "`australia`" in e.hint


def test_unknown_input_is_escaped_in_the_message() -> None:
    e = unknown_target("<!channel>")
    assert "<!channel>" not in mrkdwn(e.message) and "&lt;!channel&gt;" in mrkdwn(e.message)


def test_display_name_of_an_unknown_location_is_kept() -> None:
    assert display_name("mars1") == "mars1"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_gives_a_usage_error(text: str) -> None:
    try:
        scope = parse_regions(text)
    except UsageError as e:
        assert e.message and e.hint and e.example
    else:
        assert scope.regions


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60), st.lists(st.text(max_size=30), max_size=5))
def test_unknown_target_never_fails_on_any_names(text: str, names: list[str]) -> None:
    e = unknown_target(text, tuple(names))
    assert isinstance(e, UsageError) and e.message
