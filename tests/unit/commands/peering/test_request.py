"""A request's own rules: when it expires."""

from __future__ import annotations

from commands.peering.request import ChangeRequest, is_expired
from tests.unit.commands.peering.peering_estate import Clock


def test_expiry_rule_ignores_an_approved_request() -> None:
    req = ChangeRequest("p", "p", "v", "v", "allowForwardedTraffic", True, "U", "", "2000-01-01T00:00:00+00:00", "")
    assert is_expired(req, "pending", Clock()())
    assert not is_expired(req, "approved", Clock()())
