"""Pairing the halves of VNet-to-VNet connections."""

from __future__ import annotations

import dataclasses

from commands.core.model import rid_key
from commands.findings.connections.facts import find_reverse, reverse_index
from tests.unit.commands.findings.connections.support import AUE, EUN, gw, s2s, v2v


def test_find_reverse_matches_swapped_gateways_case_insensitively() -> None:
    c = v2v("eun-to-aue", EUN, AUE)
    back = dataclasses.replace(v2v("aue-to-eun", AUE, EUN), gateway1_id=AUE.id.upper(), gateway2_id=EUN.id.lower())
    other = v2v("aue-to-x", AUE, gw("vgw-x"))
    assert find_reverse(c, [other, back, c]) == back
    assert find_reverse(s2s("s", EUN), [back]) is None


def test_reverse_index_pairs_every_half_and_nothing_else() -> None:
    c, back = v2v("eun-to-aue", EUN, AUE), v2v("aue-to-eun", AUE, EUN)
    lonely = v2v("aue-to-x", AUE, gw("vgw-x"))
    idx = reverse_index([c, back, lonely, s2s("s", EUN)])
    assert idx == {rid_key(c.id): back, rid_key(back.id): c}
