"""The whole assessment: every check over a scope, each problem once, ranked."""

from __future__ import annotations

from commands.core.model import BgpPeer, Connection, Gateway, P2SClient, rid_key
from commands.findings.connections.assess import assess
from commands.findings.connections.facts import ConnectionFacts, GatewayFacts
from tests.unit.commands.findings.connections.support import AUE, EUN, NOW, s2s, v2v


def _facts(
    *gfs: GatewayFacts, extra: tuple[Connection, ...] = (), complete: tuple[Gateway, ...] = (), **kw: object
) -> ConnectionFacts:
    conns = {rid_key(c.id): c for gf in gfs for c in gf.connections}
    conns.update({rid_key(c.id): c for c in extra})
    done = {rid_key(gf.gateway.id) for gf in gfs} | {rid_key(g.id) for g in complete}
    return ConnectionFacts(gateways=gfs, connections=conns, complete=frozenset(done), now=NOW, **kw)  # type: ignore[arg-type]


def test_assess_ranks_critical_before_warning_and_reports_a_pair_once() -> None:
    out = v2v("eun-to-aue", EUN, AUE, egress_bytes=10, enable_bgp=True)
    back = v2v("aue-to-eun", AUE, EUN, ingress_bytes=10)
    facts = _facts(GatewayFacts(EUN, (out,)), GatewayFacts(AUE, (back,)))
    found = assess(facts)
    keys = [a.finding.key for a in found]
    assert sum(k.startswith("one_way:") for k in keys) == 1
    assert sum(k.startswith("bgp_one_side:") for k in keys) == 1
    sev = [a.finding.severity for a in found]
    assert sev == sorted(sev, key=["critical", "warning", "info", "ok"].index)
    # Both halves in view: spoken from the sending half.
    one = next(a for a in found if a.finding.key.startswith("one_way:"))
    assert "sends but receives nothing" in one.finding.title


def test_assess_finds_an_incoming_half_without_its_reverse() -> None:
    # vgw-aue (out of scope) connects to vgw-eun; vgw-eun (in scope, fully listed) has nothing back.
    incoming = v2v("aue-to-eun", AUE, EUN)
    found = assess(_facts(GatewayFacts(EUN, ()), extra=(incoming,)))
    assert [a.finding.key for a in found] == [f"missing_reverse:{rid_key(incoming.id)}"]


def test_assess_marks_unreadable_shared_keys_once_for_all_pairs() -> None:
    a, b = v2v("eun-to-aue", EUN, AUE), v2v("aue-to-eun", AUE, EUN)
    facts = _facts(
        GatewayFacts(EUN, (a,)), extra=(b,), shared_keys={frozenset({rid_key(a.id), rid_key(b.id)}): "unreadable"}
    )
    found = assess(facts)
    assert [x.finding.key for x in found] == ["shared_key_unreadable"]


def test_assess_on_a_healthy_estate_finds_nothing() -> None:
    a = v2v("eun-to-aue", EUN, AUE, egress_bytes=5, ingress_bytes=7)
    b = v2v("aue-to-eun", AUE, EUN, egress_bytes=7, ingress_bytes=5)
    peers = (BgpPeer("10.0.0.1", 65010, "Connected", routes_received=2),)
    facts = _facts(
        GatewayFacts(EUN, (a,), bgp_peers=peers, p2s_clients=(P2SClient("alice"),)),
        GatewayFacts(AUE, (b,)),
        shared_keys={frozenset({rid_key(a.id), rid_key(b.id)}): "same"},
    )
    assert assess(facts) == []
    assert [x.finding.key for x in assess(facts, summaries=True)] == [f"p2s:{rid_key(EUN.id)}"]


def test_assess_puts_what_the_user_sees_before_the_configuration_behind_it() -> None:
    out = v2v("eun-to-aue", EUN, AUE, egress_bytes=10)
    back = v2v("aue-to-eun", AUE, EUN, ingress_bytes=10)
    down = s2s("to-office", EUN, status="NotConnected")
    pk = frozenset({rid_key(out.id), rid_key(back.id)})
    found = assess(_facts(GatewayFacts(EUN, (out, down)), extra=(back,), shared_keys={pk: "different"}))
    kinds = [a.finding.key.split(":", 1)[0] for a in found]
    assert kinds == ["down", "one_way", "shared_key"]
