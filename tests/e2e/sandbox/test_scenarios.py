"""Every command on every estate of the scenario corpus, against the documented rules.

Each estate of `sandbox/estates/scenarios/` runs through the whole bot (the protocol and
the scoring are `tests/e2e/sandbox/corpus.py`'s; the corpus README says what is counted).
A test fails on a missing finding, a false alarm, or two commands disagreeing.

Where the bot is wrong today the test is marked xfail, strictly, with the issue-16
example it shows: a fix that makes an estate pass turns its xfail into an XPASS, which
fails the run until the mark is removed here. `bench/scenarios.py` prints the totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.sandbox import corpus

# Estates the bot gets wrong today, and the issue-16 example each one shows.
XFAIL: dict[str, str] = {
    "dns-private-resolver-hub": "example 1: spokes resolving through the hub's DNS Private Resolver are said 'not linked'",
    "dns-forwarder-vm": "example 1: spokes resolving through a forwarder VM in the hub are said 'not linked'",
    "multi-subscription-landing-zone": "example 1: spokes of other subscriptions using the hub's resolver said 'not linked'",
    "learned-routes-empty": "example 2: an empty ({}) learned-routes answer is read as 'does not reach' its own VNet",
    "route-propagation-off": "example 3: prefixes learned by BGP (192.168.0.0/20) are never checked, only the peer's /32",
    "p2s-pool-overlaps-spoke": "example 4: a P2S pool inside a spoke is 'reached by VnetLocal'; status silent, diagnose 🟠",
    "half-peering-other-side": "example 5: /vpn peering vnet-x misses the Initiated peering vnet-y holds towards it",
    "multi-subscription-half-peering": "example 5: the hub's peering view misses the spoke's Initiated peering",
    "disconnected-peering-transit": "example 6: a Disconnected peering 'uses the hub's gateway'; the hub's view misses it",
    "transit-change-requests": "example 7: profile re-download on every transit change; a no-effect change is filed",
    "rates-recent-sample": "example 8: a rate over ~1 s between samples (needs no_rate, new vocabulary)",
    "rates-implausible": "example 8: 3.4 Gbit/s on a VpnGw1 and a reconnect give no 'no rate' (no_rate, new vocabulary)",
    "connection-into-hub-without-reverse": "example 9: the hub's coverage ignores the connection pointing at it",
    "v2v-without-bgp-p2s": "example 10: routes warns about P2S replies, status and diagnose do not",
    "v2v-bgp-same-asn": "example 10: routes' 'does not reach' is absent from diagnose",
    "custom-dns-zone-not-linked-to-resolver-vnet": "example 10: checklist ✘ items diagnose does not show",
    "p2s-clients-without-dns": "example 10: checklist ✘ items diagnose does not show under the same finding",
    "stale-dns-record": "example 10: checklist ✘ items diagnose does not show",
    "apipa-bgp-peer-mismatch": "example 10: status flags the BGP peer stuck Connecting, routes of the gateway does not",
    "one-way-vnet-to-vnet": "example 11: the watch raises two incidents for the two halves of one tunnel",
    "vpn-nat-overlapping-branches": "NAT rules (issue 16 intro): overlaps the gateway translates are reported critical",
}


def _cases() -> Iterator[Any]:
    for sc in corpus.scenarios():
        marks = (
            [pytest.mark.xfail(strict=True, raises=AssertionError, reason=XFAIL[sc.name])] if sc.name in XFAIL else []
        )
        yield pytest.param(sc, id=sc.name, marks=marks)


@pytest.mark.parametrize("sc", list(_cases()))
def test_every_command_finds_what_the_documented_rules_say_and_agrees(sc: corpus.Scenario) -> None:
    score = corpus.score(corpus.run(sc))
    assert score.passed, score.explain()


def test_every_xfail_names_an_estate_of_the_corpus() -> None:
    assert set(XFAIL) <= {sc.name for sc in corpus.scenarios()}
