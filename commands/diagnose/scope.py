"""Choosing what `/vpn diagnose …` looks at: the whole estate, a region or area, or one VNet."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from commands.core import regions
from commands.core.errors import UsageError
from commands.core.lookup import by_name
from commands.core.model import Gateway, VirtualNetwork, rid_key
from commands.core.reply import Reply, Text
from commands.core.text import code, join, rich, strong

# VNet names listed when the text matches nothing.
LISTED_NAMES = 12


@dataclass(frozen=True)
class Scope:
    """What `/vpn diagnose …` asked about: a label and the VNets (by key) it covers."""

    label: str
    vnet_keys: frozenset[str]
    whole: bool = False
    # VNets whose gateways the scope's VNets use through gateway transit: their users'
    # tunnels run there, so those gateways are checked too.
    hub_keys: frozenset[str] = frozenset()

    def vnet(self, vnet_id: str) -> bool:
        return self.whole or rid_key(vnet_id) in self.vnet_keys

    def gateway(self, g: Gateway) -> bool:
        k = rid_key(g.vnet_id)
        return self.whole or k in self.vnet_keys or k in self.hub_keys

    def with_hubs(self, vnets: Sequence[VirtualNetwork]) -> Scope:
        """This scope plus the VNets whose gateways its VNets use through gateway transit."""
        hubs = {
            rid_key(p.remote_vnet_id)
            for v in vnets
            if self.vnet(v.id)
            for p in v.peerings
            if p.use_remote_gateways and p.remote_vnet_id
        }
        return dataclasses.replace(self, hub_keys=frozenset(hubs - self.vnet_keys))


def resolve_scope(text: str, vnets: Sequence[VirtualNetwork]) -> Scope | Reply:
    """No text: everything. A region word: its VNets. A VNet's name, `rg/name` or id: that VNet.

    Raises UsageError (choices and a guess) when the text is neither; answers with the ids
    when several VNets share the name.
    """
    t = " ".join(text.split())
    if not t:
        return Scope("the whole estate", frozenset(rid_key(v.id) for v in vnets), whole=True)
    hits = by_name(vnets, t)
    if len({rid_key(v.id) for v in hits}) > 1:
        lines = [
            rich("• ", code(v.name), " in ", regions.display_name(v.location), ": ", code(f"/vpn diagnose {v.id}"))
            for v in hits
        ]
        msg = rich("Several virtual networks are called ", code(t), ". Which one?")
        return Reply(fallback=msg, visibility="ephemeral").add(Text(rich(strong(msg), "\n", join("\n", lines))))
    if hits:
        return Scope(hits[0].name, frozenset({rid_key(hits[0].id)}))
    area = regions.match_regions(t)
    if area is not None:
        return Scope(
            area.label,
            frozenset(rid_key(v.id) for v in vnets if area.contains(v.location)),
            whole=area.every,
        )
    raise _unknown_target(t, vnets)


def _unknown_target(text: str, vnets: Sequence[VirtualNetwork]) -> UsageError:
    names = tuple(sorted({v.name for v in vnets}, key=str.lower))
    found = regions.guesses(text, names)
    listing = (
        rich(
            " VNets: ",
            join(", ", [code(n) for n in names[:LISTED_NAMES]]),
            ", …" if len(names) > LISTED_NAMES else None,
            ".",
        )
        if names
        else None
    )
    return UsageError(
        rich(code(text[:80]), " is neither a region nor a virtual network I can see."),
        hint=rich(
            rich("Did you mean ", code(found[0]), "? ") if found else None,
            "Give an area (",
            join(", ", [code(w) for w in regions.AREA_WORDS[:10]]),
            ", …), a region such as ",
            code("australiaeast"),
            ", a VNet's name, or nothing for the whole estate.",
            listing,
        ),
        example="/vpn diagnose " + (found[0] if found else "europe"),
    )
