"""What `/vpn routes` reads of the estate, and what it says when a part cannot be read."""

from __future__ import annotations

from commands.core.errors import AzureFailure
from commands.core.model import Subscription
from commands.core.reply import Context
from tests.unit.commands.routes.estates import SUB, seed_v2v
from tests.unit.commands.routes.replies import run, text_of


def test_a_subscription_that_cannot_be_read_is_reported_and_the_rest_answers() -> None:
    az = seed_v2v()
    az.subs = [Subscription("dead-sub", "Locked"), Subscription(SUB, "Seed")]
    az.fail[("private_endpoints", "dead-sub")] = AzureFailure(
        "forbidden", "denied", "AuthorizationFailed", "dead-sub", 403
    )
    [reply], _ = run(az, "nic-vm-aue")
    assert "Routes of nic-vm-aue" in text_of(reply)
    assert any(
        "list private endpoints failed for subscription `Locked` (dead-sub)" in p.text
        for p in (reply.parts + reply.thread)
        if isinstance(p, Context)
    )
