"""How far apart two Azure regions are, in the words people use (never invented numbers).

From `commands.core.regions`' geography and area (continent) of each region, so the
topology findings and the design options can say "users near Australia East would cross
to North Europe and back" without guessing a latency. Azure's measured round-trip times
are linked instead: https://learn.microsoft.com/azure/networking/azure-network-latency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from commands.core import regions
from commands.core.estate import EstateIndex
from commands.core.model import Gateway, rid_key

DistanceKind = Literal["same_region", "same_geography", "same_area", "far", "unknown"]


@dataclass(frozen=True)
class Distance:
    """How far apart two Azure regions are, in words people use (no invented numbers)."""

    kind: DistanceKind
    a: str  # display names
    b: str
    words: str  # plain text, e.g. "North Europe is in Europe, Australia East in Oceania"

    @property
    def apart(self) -> bool:
        return self.kind != "same_region"


def region_distance(a: str, b: str) -> Distance:
    """Same region, same country/market, same area (continent), or far apart.

    From `commands.core.regions`' geography and area of each region; an unknown location is
    only said to be another region.
    """
    ra, rb = regions.BY_NAME.get(regions.normalise(a)), regions.BY_NAME.get(regions.normalise(b))
    da, db = regions.display_name(a), regions.display_name(b)
    if regions.normalise(a) == regions.normalise(b):
        return Distance("same_region", da, db, f"both in {da}")
    if ra is None or rb is None:
        return Distance("unknown", da, db, f"{da} and {db} are different regions")
    if ra.geography == rb.geography:
        return Distance("same_geography", da, db, f"{da} and {db} are both in {ra.geography}")
    if ra.area == rb.area:
        return Distance("same_area", da, db, f"{da} ({ra.geography}) and {db} ({rb.geography}) are both in {ra.area}")
    return Distance("far", da, db, f"{da} is in {ra.area}, {db} in {rb.area}")


def where(location: str) -> str:
    """A region's display name, or words for a missing one."""
    return regions.display_name(location) if location else "an unknown region"


def gateway_location(g: Gateway, facts: EstateIndex) -> str:
    """Where a gateway is: its own location, else its VNet's."""
    v = facts.vnet_by_key.get(rid_key(g.vnet_id))
    return g.location or (v.location if v else "")
