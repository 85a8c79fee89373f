"""Root causes before symptoms: which finding explains which.

A finding that explains others is the headline, with its symptoms folded under it: two
halves of a VNet-to-VNet pair with different shared keys explain the connection that is
NotConnected and the traffic that flows one way; a missing reverse connection explains the
NotConnected half and the BGP peer that never came up behind it; a half-configured or
Disconnected peering explains everything said about that peering's flags (none of them
has any effect until both sides are Connected — Azure's peering rules).

Two ways a finding names its cause:

* explicitly, in `Finding.causes` (a coverage gap names the missing reverse connection
  behind it, a route P2S clients never get names the half peering);
* by the rules below: a kind of cause, the kinds of symptom it explains, and how the two
  must be linked — the same resource (`same`), a connection owned by the gateway
  (`owner`), the two sides of one peering (`pair`), or a BGP peer reached through the
  connection (`bgp`).

Rules behind the table: a VNet-to-VNet tunnel is two connection resources with the same
shared key (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal);
a peering works only when both sides are Connected
(https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering); a BGP
session runs inside its tunnel (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from commands.core.estate import EstateIndex
from commands.core.model import rid_key
from commands.core.reply import SEVERITY_RANK, Finding

Link = Literal["same", "owner", "pair", "bgp"]

TUNNEL = frozenset({"down", "connecting", "tunnel_down", "one_way"})
# What is said about a peering's flags and what they lead to: all of it waits for both
# sides to be Connected.
PEERING_EFFECTS = frozenset(
    {
        "peering_out_of_sync",
        "peering_access_off",
        "peering_remote_gw_with_local_gw",
        "peering_remote_gw_missing",
        "peering_transit_not_offered",
        "peering_transit_in_use",
        "peering_transit_without_gateway",
        "topology:far_hub",
        "topology:transit_unused",
        "topology:flags_differ",
    }
)


@dataclass(frozen=True)
class Rule:
    cause: str  # kind of the explaining finding
    symptoms: frozenset[str]  # kinds it explains
    link: Link


RULES: tuple[Rule, ...] = (
    Rule(
        "gateway_failed",
        TUNNEL | {"missing_reverse", "shared_key", "bgp_one_side", "bgp_asn", "bgp_peer", "routing:p2s_oneway"},
        "owner",
    ),
    Rule("provisioning_failed", TUNNEL, "same"),
    Rule("missing_reverse", TUNNEL, "same"),
    Rule("shared_key", TUNNEL, "same"),
    Rule("down", frozenset({"tunnel_down", "one_way"}), "same"),
    # A BGP session runs inside its tunnel, between the addresses both sides configured:
    # a tunnel that is down, a key that differs, BGP off on a piece of the pair or the
    # same ASN on both gateways keeps the session from coming up.
    Rule("down", frozenset({"bgp_peer"}), "bgp"),
    Rule("connecting", frozenset({"bgp_peer"}), "bgp"),
    Rule("missing_reverse", frozenset({"bgp_peer"}), "bgp"),
    Rule("shared_key", frozenset({"bgp_peer"}), "bgp"),
    Rule("bgp_one_side", frozenset({"bgp_peer"}), "bgp"),
    Rule("bgp_asn", frozenset({"bgp_peer"}), "owner"),
    Rule("peering_disconnected", PEERING_EFFECTS, "pair"),
    Rule("peering_half_configured", PEERING_EFFECTS, "pair"),
    Rule("peering_not_connected", PEERING_EFFECTS, "pair"),
    Rule(
        "peering_remote_gw_missing",
        frozenset({"peering_transit_not_offered", "peering_transit_in_use", "topology:far_hub"}),
        "pair",
    ),
)

_ID = re.compile(r"/subscriptions/[^|>:\s]+", re.IGNORECASE)


def kind_of(key: str) -> str:
    """The kind of a finding key: its first part (`down`), or two for the namespaced ones
    (`topology:far_hub`, `routing:p2s_oneway`)."""
    parts = key.split(":")
    if parts[0] in ("topology", "routing") and len(parts) > 1:
        return f"{parts[0]}:{parts[1]}"
    return parts[0]


def ids_in(key: str) -> frozenset[str]:
    """The resource ids a finding key names (case-folded)."""
    return frozenset(m.lower().rstrip("/") for m in _ID.findall(key))


class Links:
    """How resources are linked in the estate, for the rules' `owner`, `pair` and `bgp`."""

    def __init__(self, facts: EstateIndex) -> None:
        self.facts = facts
        self.owner = {rid_key(c.id): rid_key(c.gateway1_id) for c in facts.connections}
        self.reverse_peering: dict[str, str] = {}
        for (a, b), p in facts.all_peerings.items():
            back = facts.all_peerings.get((b, a))
            if back is not None:
                self.reverse_peering[rid_key(p.id)] = rid_key(back.id)

    def owners(self, ids: Iterable[str]) -> set[str]:
        """The gateways these ids are or belong to (a connection: its owner)."""
        return {self.owner.get(i, i) for i in ids}

    def sides(self, ids: Iterable[str]) -> set[str]:
        """Peering ids with the other side's peering added."""
        out = set(ids)
        out |= {self.reverse_peering[i] for i in ids if i in self.reverse_peering}
        return out

    def remote_bgp(self, connection_key: str) -> tuple[str, set[str]]:
        """(owner gateway key, the BGP addresses of the connection's far end)."""
        c = next((c for c in self.facts.connections if rid_key(c.id) == connection_key), None)
        if c is None:
            return "", set()
        out: set[str] = set()
        lng = self.facts.lng_by_key.get(rid_key(c.local_network_gateway_id))
        if lng is not None and lng.bgp_peering_address:
            out.add(lng.bgp_peering_address)
        g2 = self.facts.gateway_by_key.get(rid_key(c.gateway2_id))
        if g2 is not None:
            out |= set(g2.bgp_peering_addresses)
        return rid_key(c.gateway1_id), out

    def linked(self, link: Link, cause: str, symptom: str) -> bool:
        a, b = ids_in(cause), ids_in(symptom)
        if link == "same":
            return bool(a & b)
        if link == "owner":
            return bool(self.owners(a) & self.owners(b))
        if link == "pair":
            return bool(self.sides(a) & self.sides(b))
        # bgp: `bgp_peer:<gateway>:[<instance>>]<neighbor>` behind a connection `cause` names
        neighbor = symptom.rsplit(":", 1)[-1].rsplit(">", 1)[-1]
        for i in a:
            if i in self.owner:
                owner, addresses = self.remote_bgp(i)
                if owner and owner in b and neighbor in addresses:
                    return True
        return False


def parent_of(f: Finding, by_key: dict[str, Finding], links: Links) -> str:
    """The key of the finding that explains `f` ("" when none in `by_key` does)."""
    for c in f.causes:
        if c in by_key and c != f.key:
            return c
    kind = kind_of(f.key)
    for rule in RULES:
        if kind not in rule.symptoms:
            continue
        for k, other in by_key.items():
            if k != f.key and kind_of(k) == rule.cause and links.linked(rule.link, k, f.key):
                return other.key
    return ""


def fold(findings: Sequence[Finding], facts: EstateIndex) -> list[Finding]:
    """The root causes, each with the symptoms it explains folded under it (`explains`).
    Order: as given (the caller ranks). A root keeps its own severity: the same finding
    reads the same in every command, whatever else a command read (`worst` ranks it)."""
    by_key = {f.key: f for f in findings if f.key}
    links = Links(facts)
    parent: dict[str, str] = {}
    for f in findings:
        if f.key:
            p = parent_of(f, by_key, links)
            if p:
                parent[f.key] = p
    # A cycle (two findings each explaining the other) keeps both as roots.
    for k in list(parent):
        seen, cur = {k}, parent.get(k, "")
        while cur:
            if cur in seen:
                parent.pop(k, None)
                break
            seen.add(cur)
            cur = parent.get(cur, "")
    children: dict[str, list[Finding]] = {}
    for f in findings:
        if f.key in parent:
            children.setdefault(parent[f.key], []).append(f)

    def build(f: Finding) -> Finding:
        kids = [build(c) for c in children.get(f.key, [])] if f.key else []
        return dataclasses.replace(f, explains=tuple(kids)) if kids else f

    return [build(f) for f in findings if not f.key or f.key not in parent]


def worst(f: Finding) -> int:
    """The rank (0 = critical) of the worst of a finding and the symptoms under it."""
    return min(SEVERITY_RANK.get(x.severity, 9) for x in f.every())


__all__ = ["RULES", "Links", "Rule", "fold", "ids_in", "kind_of", "parent_of", "worst"]
