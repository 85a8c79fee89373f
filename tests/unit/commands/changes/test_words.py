"""How the bot's own change is said: its request, linked to the request's thread."""

from __future__ import annotations

from datetime import UTC, datetime

from commands.changes.words import own
from commands.core.model import ResourceChange
from commands.core.text import ThreadRef, UserRef

AT = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
PEERING = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/virtualNetworkPeerings/p"


def test_the_bots_change_names_its_approver_and_links_its_request_to_the_requests_thread() -> None:
    c = ResourceChange(PEERING, AT, request=12, request_channel="C1", request_ref="C1:1700000000.000100")
    said = own(c, approver="U_BOB")
    assert str(said) == " (made by vpnops: approved by @U_BOB, request #12 in #C1)"
    assert ThreadRef("C1", "1700000000.000100", "request #12") in said.spans
    assert UserRef("U_BOB") in said.spans


def test_a_request_whose_message_is_not_recorded_still_says_its_channel() -> None:
    c = ResourceChange(PEERING, AT, request=12, request_channel="C1")
    said = own(c)
    assert str(said) == " (made by vpnops: request #12, thread in #C1)"
    assert not any(isinstance(s, ThreadRef) for s in said.spans)
    assert str(own(ResourceChange(PEERING, AT))) == ""


def test_a_shared_keys_post_action_is_said_as_a_reset_and_its_put_as_a_set() -> None:
    """resource-provider-operations: `connections/sharedKey/write` is the PUT (set), and the
    shared key's one POST action, `connections/sharedkey/action`, is ResetSharedKey's
    (POST …/sharedkey/reset); neither source records the key."""
    from datetime import UTC, datetime

    from commands.changes.words import what
    from commands.core.model import ResourceChange

    at = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    conn = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/connections/cn"
    reset = ResourceChange(conn, at, operation="Microsoft.Network/connections/sharedkey/action", source="activity-log")
    put = ResourceChange(conn, at, operation="Microsoft.Network/connections/sharedKey/write", source="activity-log")
    assert str(what(reset, compact=True)) == "shared key reset"
    assert str(what(put, compact=True)) == "shared key set"
