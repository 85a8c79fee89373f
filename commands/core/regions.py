"""Azure public regions and the words people use for them.

`/vpn status australia` means every Australian region; `europe` every European one;
`australiaeast`, `Australia East` and `australia-east` the one region. The table is
Azure's public cloud as `az account list-locations` reports it (name, displayName,
metadata.geography), grouped into areas people say out loud (europe, asia, americas…).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from commands.core.errors import UsageError
from commands.core.text import code, join, rich


@dataclass(frozen=True)
class Region:
    name: str  # ARM location, e.g. "australiaeast"
    display: str  # e.g. "Australia East"
    geography: str  # country/market, e.g. "Australia", "United States"
    area: str  # e.g. "Asia Pacific", "Europe", "Americas", "Middle East", "Africa"


# (name, display name, geography, area). Public cloud only: sovereign clouds (China, US Gov)
# are separate ARM endpoints and the bot is pointed at one cloud at a time.
_TABLE: tuple[tuple[str, str, str, str], ...] = (
    # United States
    ("eastus", "East US", "United States", "Americas"),
    ("eastus2", "East US 2", "United States", "Americas"),
    ("centralus", "Central US", "United States", "Americas"),
    ("northcentralus", "North Central US", "United States", "Americas"),
    ("southcentralus", "South Central US", "United States", "Americas"),
    ("westcentralus", "West Central US", "United States", "Americas"),
    ("westus", "West US", "United States", "Americas"),
    ("westus2", "West US 2", "United States", "Americas"),
    ("westus3", "West US 3", "United States", "Americas"),
    # Rest of the Americas
    ("canadacentral", "Canada Central", "Canada", "Americas"),
    ("canadaeast", "Canada East", "Canada", "Americas"),
    ("brazilsouth", "Brazil South", "Brazil", "Americas"),
    ("brazilsoutheast", "Brazil Southeast", "Brazil", "Americas"),
    ("mexicocentral", "Mexico Central", "Mexico", "Americas"),
    ("chilecentral", "Chile Central", "Chile", "Americas"),
    # Europe
    ("northeurope", "North Europe", "Europe", "Europe"),  # Ireland
    ("westeurope", "West Europe", "Europe", "Europe"),  # Netherlands
    ("uksouth", "UK South", "United Kingdom", "Europe"),
    ("ukwest", "UK West", "United Kingdom", "Europe"),
    ("francecentral", "France Central", "France", "Europe"),
    ("francesouth", "France South", "France", "Europe"),
    ("germanywestcentral", "Germany West Central", "Germany", "Europe"),
    ("germanynorth", "Germany North", "Germany", "Europe"),
    ("norwayeast", "Norway East", "Norway", "Europe"),
    ("norwaywest", "Norway West", "Norway", "Europe"),
    ("swedencentral", "Sweden Central", "Sweden", "Europe"),
    ("swedensouth", "Sweden South", "Sweden", "Europe"),
    ("switzerlandnorth", "Switzerland North", "Switzerland", "Europe"),
    ("switzerlandwest", "Switzerland West", "Switzerland", "Europe"),
    ("polandcentral", "Poland Central", "Poland", "Europe"),
    ("italynorth", "Italy North", "Italy", "Europe"),
    ("spaincentral", "Spain Central", "Spain", "Europe"),
    ("belgiumcentral", "Belgium Central", "Belgium", "Europe"),
    # Asia
    ("eastasia", "East Asia", "Asia Pacific", "Asia"),  # Hong Kong
    ("southeastasia", "Southeast Asia", "Asia Pacific", "Asia"),  # Singapore
    ("japaneast", "Japan East", "Japan", "Asia"),
    ("japanwest", "Japan West", "Japan", "Asia"),
    ("koreacentral", "Korea Central", "Korea", "Asia"),
    ("koreasouth", "Korea South", "Korea", "Asia"),
    ("centralindia", "Central India", "India", "Asia"),
    ("southindia", "South India", "India", "Asia"),
    ("westindia", "West India", "India", "Asia"),
    ("jioindiawest", "Jio India West", "India", "Asia"),
    ("jioindiacentral", "Jio India Central", "India", "Asia"),
    ("indonesiacentral", "Indonesia Central", "Indonesia", "Asia"),
    ("malaysiawest", "Malaysia West", "Malaysia", "Asia"),
    # Oceania
    ("australiaeast", "Australia East", "Australia", "Oceania"),
    ("australiasoutheast", "Australia Southeast", "Australia", "Oceania"),
    ("australiacentral", "Australia Central", "Australia", "Oceania"),
    ("australiacentral2", "Australia Central 2", "Australia", "Oceania"),
    ("newzealandnorth", "New Zealand North", "New Zealand", "Oceania"),
    # Middle East
    ("uaenorth", "UAE North", "UAE", "Middle East"),
    ("uaecentral", "UAE Central", "UAE", "Middle East"),
    ("qatarcentral", "Qatar Central", "Qatar", "Middle East"),
    ("israelcentral", "Israel Central", "Israel", "Middle East"),
    # Africa
    ("southafricanorth", "South Africa North", "South Africa", "Africa"),
    ("southafricawest", "South Africa West", "South Africa", "Africa"),
)

REGIONS: tuple[Region, ...] = tuple(Region(*row) for row in _TABLE)
BY_NAME: dict[str, Region] = {r.name: r for r in REGIONS}


EVERY_LABEL = "every region"


def _regions(pred: Callable[[Region], bool]) -> frozenset[str]:
    return frozenset(r.name for r in REGIONS if pred(r))


def _geo(*geographies: str) -> frozenset[str]:
    return _regions(lambda r: r.geography in geographies)


def _area(*areas: str) -> frozenset[str]:
    return _regions(lambda r: r.area in areas)


# Areas: (label shown to the user, regions, words that mean it). Words are compared after
# normalisation (lower case, letters and digits only), so "Middle East", "middle-east" and
# "middleeast" are one word. Listed broadest last so `help` reads country first.
_AREAS: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...] = (
    ("Australia", _geo("Australia"), ("australia", "aus", "au")),
    ("New Zealand", _geo("New Zealand"), ("newzealand", "nz")),
    ("Oceania", _area("Oceania"), ("oceania", "anz", "australasia")),
    ("the United States", _geo("United States"), ("us", "usa", "america", "unitedstates", "unitedstatesofamerica")),
    ("Canada", _geo("Canada"), ("canada", "ca")),
    ("Brazil", _geo("Brazil"), ("brazil", "br")),
    ("Mexico", _geo("Mexico"), ("mexico", "mx")),
    ("Chile", _geo("Chile"), ("chile", "cl")),
    ("North America", _geo("United States", "Canada", "Mexico"), ("northamerica", "nam", "na")),
    ("South America", _geo("Brazil", "Chile"), ("southamerica", "sam", "latam", "latinamerica")),
    ("the Americas", _area("Americas"), ("americas", "amer")),
    ("Europe", _area("Europe"), ("europe", "eu", "eur")),
    ("the United Kingdom", _geo("United Kingdom"), ("uk", "unitedkingdom", "gb", "britain", "greatbritain")),
    ("Ireland", frozenset({"northeurope"}), ("ireland", "ie")),
    ("the Netherlands", frozenset({"westeurope"}), ("netherlands", "nl", "holland")),
    ("France", _geo("France"), ("france", "fr")),
    ("Germany", _geo("Germany"), ("germany", "de")),
    ("Norway", _geo("Norway"), ("norway",)),
    ("Sweden", _geo("Sweden"), ("sweden", "se")),
    ("Switzerland", _geo("Switzerland"), ("switzerland", "swiss", "ch")),
    ("Poland", _geo("Poland"), ("poland", "pl")),
    ("Italy", _geo("Italy"), ("italy",)),
    ("Spain", _geo("Spain"), ("spain", "es")),
    ("Belgium", _geo("Belgium"), ("belgium",)),
    ("Asia", _area("Asia"), ("asia",)),
    ("Asia Pacific", _area("Asia", "Oceania"), ("asiapacific", "apac", "apj")),
    ("Hong Kong", frozenset({"eastasia"}), ("hongkong", "hk")),
    ("Singapore", frozenset({"southeastasia"}), ("singapore", "sg")),
    ("Japan", _geo("Japan"), ("japan", "jp")),
    ("Korea", _geo("Korea"), ("korea", "southkorea", "kr")),
    ("India", _geo("India"), ("india",)),
    ("Indonesia", _geo("Indonesia"), ("indonesia",)),
    ("Malaysia", _geo("Malaysia"), ("malaysia",)),
    ("the UAE", _geo("UAE"), ("uae", "emirates", "unitedarabemirates", "ae")),
    ("Qatar", _geo("Qatar"), ("qatar", "qa")),
    ("Israel", _geo("Israel"), ("israel", "il")),
    ("the Middle East", _area("Middle East"), ("middleeast", "mideast", "me", "mea")),
    ("South Africa", _geo("South Africa"), ("southafrica", "za", "rsa")),
    ("Africa", _area("Africa"), ("africa",)),
    ("Europe, the Middle East and Africa", _area("Europe", "Middle East", "Africa"), ("emea",)),
    (EVERY_LABEL, frozenset(BY_NAME), ("all", "everywhere", "global", "world", "any")),
)

# The words shown as choices when a target is not understood (one per area).
AREA_WORDS: tuple[str, ...] = tuple(words[0] for _, _, words in _AREAS)


@dataclass(frozen=True)
class RegionScope:
    """What a region word selected: a label for headlines and the ARM location names."""

    label: str  # "Australia", "Australia East", "every region"
    regions: frozenset[str]
    word: str  # what the user typed, normalised
    every: bool = False  # "all": also locations newer than this table

    def contains(self, location: str) -> bool:
        return self.every or normalise(location) in self.regions


def normalise(text: str) -> str:
    """Lower case, letters and digits only: "Australia-East" → "australiaeast"."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _token_key(text: str) -> str:
    """Words in sorted order, so "us-east-2" matches "East US 2"."""
    return " ".join(sorted(re.findall(r"[0-9a-z]+", text.lower())))


_INDEX: dict[str, RegionScope] = {}
for _r in REGIONS:
    _one = RegionScope(_r.display, frozenset({_r.name}), _r.name)
    _INDEX[_r.name] = _one
    _INDEX.setdefault(normalise(_r.display), _one)
    _INDEX.setdefault(_token_key(_r.display), _one)
for _label, _names, _words in _AREAS:
    for _w in _words:
        _INDEX.setdefault(_w, RegionScope(_label, _names, _w, every=_label == EVERY_LABEL))


def match_regions(text: str) -> RegionScope | None:
    """The regions `text` names (an area word, a region name or display name), else None."""
    raw = text.strip()
    if not raw:
        return None
    for key in (normalise(raw), _token_key(raw)):
        if key and key in _INDEX:
            return _INDEX[key]
    return None


def display_name(location: str) -> str:
    """ "australiaeast" → "Australia East"; unknown locations come back as given."""
    r = BY_NAME.get(normalise(location))
    return r.display if r else location


def guesses(text: str, extra_names: tuple[str, ...] = (), n: int = 3) -> list[str]:
    """The closest region words / names to `text` (difflib), best first."""
    key = normalise(text)
    if not key:
        return []
    pool: dict[str, str] = {}
    for r in REGIONS:
        pool.setdefault(r.name, r.name)
    for words in (w for _, _, w in _AREAS):
        for w in words:
            if len(w) > 2:  # two-letter codes make poor guesses
                pool.setdefault(w, w)
    for name in extra_names:
        pool.setdefault(normalise(name), name)
    found = difflib.get_close_matches(key, list(pool), n=n, cutoff=0.6)
    return [pool[k] for k in found]


def nearest_names(text: str, names: tuple[str, ...], n: int = 3) -> list[str]:
    """The `n` names most like `text` (by edit similarity, best first), however far: a person
    who mistyped a gateway's name sees the ones it could have been."""
    key = text.strip().lower()
    unique = list(dict.fromkeys(names))
    if not key or not unique:
        return []
    score = {name: difflib.SequenceMatcher(None, key, name.lower()).ratio() for name in unique}
    return sorted(unique, key=lambda name: (-score[name], name.lower()))[:n]


def unknown_target(text: str, extra_names: tuple[str, ...] = (), what: str = "region or gateway") -> UsageError:
    """The UsageError for a word that is neither a region nor a known name: choices and a guess."""
    shown = text.strip()
    if not shown:
        return UsageError(
            rich(f"Which {what}?"),
            hint=rich(
                "Give an area (",
                join(", ", [code(w) for w in AREA_WORDS[:12]]),
                ", …), a region such as ",
                code("australiaeast"),
                ", or a gateway name.",
            ),
            example="/vpn status australia",
        )
    found = guesses(shown, extra_names)
    near = nearest_names(shown, extra_names)
    return UsageError(
        rich(f"Unknown {what} ", code(shown[:80]), "."),
        hint=rich(
            rich("Did you mean ", code(found[0]), "? ") if found else None,
            rich("Nearest names: ", join(", ", [code(n) for n in near]), ". ") if near else None,
            "Valid areas: ",
            join(", ", [code(w) for w in AREA_WORDS]),
            "; or a region name such as ",
            code("australiaeast"),
            " or ",
            code("West Europe"),
            "; or a gateway name.",
        ),
        example="/vpn status " + (found[0] if found else "australia"),
    )


def parse_regions(text: str, extra_names: tuple[str, ...] = ()) -> RegionScope:
    """Like `match_regions`, but raise UsageError (valid choices and a guess) when unknown."""
    scope = match_regions(text)
    if scope is None:
        raise unknown_target(text, extra_names, what="region")
    return scope
