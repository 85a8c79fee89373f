"""What a point-to-site gateway hands its clients."""

from __future__ import annotations

from commands.findings.dns.p2s import p2s_routes
from tests.unit.commands.findings.dns.builders import (
    transit_like,
)


def test_transit_hub_hands_the_spoke_prefix_to_clients() -> None:
    f = transit_like()
    view = p2s_routes(f.gateways[0], f)
    assert {r.prefix for r in view.routes} == {"10.0.0.0/16", "10.1.0.0/16"}
    assert "useRemoteGateways" in view.covering("10.1.1.4").why  # type: ignore[union-attr]
