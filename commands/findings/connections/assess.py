"""The whole assessment: every single check over the gateways in scope, deduplicated and
ranked the way `/vpn status` shows them."""

from __future__ import annotations

from collections.abc import Iterable

from commands.core.model import Connection, Gateway, rid_key
from commands.core.reply import SEVERITY_RANK, Finding
from commands.findings import dedup, ranked
from commands.findings.connections.checks import (
    bgp_asn_clash,
    bgp_one_side,
    bgp_peer_not_connected,
    connection_state,
    gateway_state,
    missing_reverse,
    one_way,
    p2s_summary,
    shared_key_mismatch,
    shared_keys_unreadable,
    tunnel_down,
)
from commands.findings.connections.facts import (
    Assessed,
    ConnectionFacts,
    GatewayFacts,
    is_v2v,
    pair_key,
    reverse_index,
)

# Within a severity, the order findings are shown in (by the prefix of their key): what the
# user sees first (a missing or down connection, traffic one way), then the configuration
# behind it (keys, BGP).
KIND_ORDER = {
    k: i
    for i, k in enumerate(
        (
            "gateway_failed",
            "provisioning_failed",
            "missing_reverse",
            "down",
            "one_way",
            "shared_key",
            "tunnel_down",
            "connecting",
            "bgp_one_side",
            "bgp_asn",
            "bgp_peer",
            "shared_key_unreadable",
            "p2s",
        )
    )
}


def assess(facts: ConnectionFacts, summaries: bool = False) -> list[Assessed]:
    """Every connection finding for the gateways in `facts`, deduplicated and ranked.

    `summaries` adds the informational P2S summaries (status shows them per gateway
    instead, so it leaves them out).
    """
    run = _Assessment(facts)
    for gf in facts.gateways:
        run.gateway(gf, summaries)
    run.add(shared_keys_unreadable(run.unreadable), connections=[c.id for pair in run.unreadable for c in pair])
    return _rank(run.out)


class _Assessment:
    """The findings so far, and what every check of one assessment shares."""

    def __init__(self, facts: ConnectionFacts) -> None:
        self.facts = facts
        self.out: list[Assessed] = []
        self.unreadable: list[tuple[Connection, Connection]] = []  # pairs whose shared keys could not be read
        self.seen_pairs: set[frozenset[str]] = set()
        every = list(facts.connections.values())
        self.reverses = reverse_index(every)
        self.gws: dict[str, Gateway] = dict(facts.known_gateways)
        for gf in facts.gateways:
            self.gws.setdefault(rid_key(gf.gateway.id), gf.gateway)
        self.in_scope = {rid_key(gf.gateway.id) for gf in facts.gateways}
        # Incoming halves whose owner is outside the scope and that have no reverse, by the
        # gateway they point at.
        self.orphans_to: dict[str, list[Connection]] = {}
        for c in every:
            if is_v2v(c) and rid_key(c.gateway1_id) not in self.in_scope and self.reverse_of(c) is None:
                self.orphans_to.setdefault(rid_key(c.gateway2_id), []).append(c)

    def reverse_of(self, c: Connection) -> Connection | None:
        return self.reverses.get(rid_key(c.id))

    def add(self, f: Finding | None, gateways: Iterable[str] = (), connections: Iterable[str] = ()) -> None:
        if f is not None:
            self.out.append(Assessed(f, tuple(gateways), tuple(connections)))

    def gateway(self, gf: GatewayFacts, summaries: bool) -> None:
        gw = gf.gateway
        self.add(gateway_state(gw), gateways=[gw.id])
        for conn in gf.connections:
            self.connection(conn)
        # Incoming halves whose owner is outside scope but whose remote is here.
        for conn in self.orphans_to.get(rid_key(gw.id), ()):
            self.add(missing_reverse(conn, None, gf.connections_complete), connections=[conn.id])
        for peer in gf.bgp_peers or ():
            self.add(bgp_peer_not_connected(gw, peer), gateways=[gw.id])
        if summaries:
            self.add(p2s_summary(gw, gf.p2s_clients), gateways=[gw.id])

    def connection(self, conn: Connection) -> None:
        facts = self.facts
        rev = self.reverse_of(conn)
        ids = [conn.id] + ([rev.id] if rev else [])
        self.add(connection_state(conn, facts.now), connections=[conn.id])
        self.add(tunnel_down(conn), connections=[conn.id])
        self.add(missing_reverse(conn, rev, rid_key(conn.gateway2_id) in facts.complete), connections=[conn.id])
        # One-way: when both halves are in scope, speak from the sending half.
        sender_in_scope = rev is not None and rid_key(rev.gateway1_id) in self.in_scope and rev.egress_bytes > 0
        if not (conn.egress_bytes == 0 and conn.ingress_bytes > 0 and sender_in_scope):
            self.add(one_way(conn, rev, self.gws, facts.now), connections=ids)
        if rev is not None:
            self.pair(conn, rev, ids)
        g1, g2 = self.gws.get(rid_key(conn.gateway1_id)), self.gws.get(rid_key(conn.gateway2_id))
        self.add(bgp_one_side(conn, rev, g1, g2), connections=ids)
        self.add(bgp_asn_clash(conn, g1, g2), gateways=[x.id for x in (g1, g2) if x])

    def pair(self, conn: Connection, rev: Connection, ids: list[str]) -> None:
        """The shared keys of a VNet-to-VNet pair, once per pair."""
        pk = pair_key(conn, rev)
        if pk in self.seen_pairs:
            return
        self.seen_pairs.add(pk)
        check = self.facts.shared_keys.get(pk)
        self.add(shared_key_mismatch(conn, rev, check), connections=ids)
        if check == "unreadable":
            self.unreadable.append((conn, rev))


def _rank(found: list[Assessed]) -> list[Assessed]:
    """Without duplicates; most severe first, then by KIND_ORDER, then in the order found."""
    kept = {id(f) for f in dedup([a.finding for a in found])}
    unique = [a for a in found if id(a.finding) in kept]
    order = {id(f): i for i, f in enumerate(ranked([a.finding for a in unique]))}
    return sorted(
        unique,
        key=lambda a: (
            SEVERITY_RANK.get(a.finding.severity, 9),
            KIND_ORDER.get(a.finding.key.split(":", 1)[0], len(KIND_ORDER)),
            order[id(a.finding)],
        ),
    )
