"""The buttons on an alert message: Status in the alert's thread, Acknowledge once, Mute
recorded and shown; each in the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.monitor.schema import parse_alert
from bot.slack.mrkdwn import mrkdwn
from bot.slack.text import to_text
from bot.store.sqlite import SqliteStore
from commands.alerts.buttons import alert_ack, alert_mute_1h, alert_mute_24h, alert_status
from commands.alerts.card import alert_card
from commands.alerts.state import NS_MUTE, remember_message
from commands.catalog import REGISTRY
from commands.core.model import Connection, Gateway, Subscription
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Actions, Reply, Text
from commands.core.store import StoreError
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.alerts.support import NOW, doc_with, make_ctx, posted

SUB = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"


def buttons(reply: Reply) -> dict[str, str]:
    return {b.action_id: b.value for p in reply.parts if isinstance(p, Actions) for b in p.buttons}


def test_the_alert_buttons_are_registered() -> None:
    assert {"alert_status", "alert_ack", "alert_mute_1h", "alert_mute_24h"} <= {a.action_id for a in REGISTRY.actions}
    assert REGISTRY.command("alerts").example == "/vpn alerts"


def test_acknowledge_updates_the_message_once_and_writes_the_audit_trail(store: SqliteStore) -> None:
    subject = posted(store)
    ctx, out = make_ctx(store)
    assert alert_ack(ctx, subject, "C_ALERTS:1") is None
    ref, reply = out.updates[-1]
    assert ref == "C_ALERTS:1"
    text = to_text(reply)
    assert "Acknowledged by" in text and "2025-04-15 18:30 UTC" in text
    assert "alert_ack" not in buttons(reply)  # no second acknowledgement from the message
    rows = store.recent_audit(matching="cn-a-to-b")
    assert [(r.actor, r.action) for r in rows] == [("U_ALICE", "alert_acknowledged")]

    bob, out2 = make_ctx(store, user="U_BOB")
    again = alert_ack(bob, subject, "C_ALERTS:1")
    assert again is not None and again.visibility == "ephemeral"
    first = again.parts[0]
    assert isinstance(first, Text) and "already acknowledged by <@U_ALICE>" in mrkdwn(first.text)
    assert out2.updates == [] and len(store.recent_audit(matching="cn-a-to-b")) == 1


def test_mute_records_the_mute_and_the_audit_row_and_shows_it_on_the_message(store: SqliteStore) -> None:
    subject = posted(store)
    ctx, out = make_ctx(store)
    answer = alert_mute_1h(ctx, subject, "C_ALERTS:1")
    assert answer is not None and "until 2025-04-15 19:30 UTC" in to_text(answer)
    rec = store.get_state(NS_MUTE, subject.lower())
    assert rec is not None and rec.value["until"] == (NOW + timedelta(hours=1)).isoformat()
    assert "muted by" in to_text(out.updates[-1][1])
    row = store.recent_audit(matching="cn-a-to-b")[0]
    assert (row.action, row.actor, row.after) == ("alert_muted", "U_ALICE", {"until": rec.value["until"]})

    alert_mute_24h(ctx, subject, "C_ALERTS:1")
    rec = store.get_state(NS_MUTE, subject.lower())
    assert rec is not None and rec.value["until"] == (NOW + timedelta(hours=24)).isoformat()


def status_estate() -> tuple[FakeAzure, Connection]:
    gw = Gateway(f"{SUB}/virtualNetworkGateways/vgw-a", "vgw-a", "westeurope", sku="VpnGw1")
    conn = Connection(
        f"{SUB}/connections/cn-a-to-b", "cn-a-to-b", "westeurope", "IPsec", "NotConnected", gateway1_id=gw.id
    )
    return FakeAzure(subscriptions=[Subscription("s", "S")], gateways=[gw], connections=[conn]), conn


def test_status_button_answers_in_the_alert_thread(store: SqliteStore) -> None:
    az, conn = status_estate()
    card = alert_card(parse_alert(doc_with(alertTargetIDs=[conn.id])))
    remember_message(store, "C_ALERTS:7", card)
    out = RecordingMessenger()
    ctx = Ctx(
        az,
        out,
        user="U_ALICE",
        channel="C_ALERTS",
        settings=DomainSettings(progress_every_s=0),
        store=store,
        now=lambda: NOW,
    )
    assert alert_status(ctx, conn.id, "C_ALERTS:7") is None
    channel, reply, thread, _ = out.posts[-1]
    assert (channel, thread) == ("C_ALERTS", "C_ALERTS:7")
    assert "cn-a-to-b" in to_text(reply) and "NotConnected" in to_text(reply)


@pytest.mark.parametrize(
    ("value", "ref", "channel"),
    [
        (None, "C_ALERTS:99", "C_ALERTS"),  # a message vpnops never posted (or no longer keeps)
        (None, "C_ALERTS:1", "C_OTHER"),  # the alert's message, clicked from another channel
        ("/subscriptions/s/x/connections/other", "C_ALERTS:1", "C_ALERTS"),  # a value its buttons do not carry
        (None, "", "C_ALERTS"),  # no message at all
    ],
)
def test_a_click_not_bound_to_a_posted_alert_does_nothing(
    store: SqliteStore, value: str | None, ref: str, channel: str
) -> None:
    subject = posted(store)
    for button in (alert_ack, alert_mute_1h, alert_mute_24h, alert_status):
        ctx, out = make_ctx(store, channel=channel)
        answer = button(ctx, value or subject, ref)
        assert answer is not None and "not on an alert message vpnops posted here" in to_text(answer)
        assert out.updates == [] and out.posts == []
    assert store.recent_audit() == [] and store.list_state(NS_MUTE) == []


def test_only_approvers_or_the_mute_group_may_mute_and_refusals_are_audited_once_per_window(
    store: SqliteStore,
) -> None:
    subject = posted(store)
    bob, out = make_ctx(store, user="U_BOB")
    for _ in range(50):
        answer = alert_mute_24h(bob, subject, "C_ALERTS:1")
        assert (
            answer is not None
            and "only these may mute" in to_text(answer)
            and "<@U_ALICE>"
            in mrkdwn(
                answer.parts[0].text  # type: ignore[union-attr]
            )
        )
    assert store.list_state(NS_MUTE) == [] and out.updates == []
    rows = store.recent_audit()
    assert [(r.actor, r.action) for r in rows] == [("U_BOB", "alert_mute_refused")]  # one row, not fifty
    # A member of VPNOPS_MUTE_GROUP may.
    bob.settings = DomainSettings(mute_group="oncall", approvers=frozenset({"U_ALICE"}))
    bob.out = RecordingMessenger(groups={"oncall": {"U_BOB"}})
    assert "Muted" in to_text(alert_mute_1h(bob, subject, "C_ALERTS:1") or Reply(fallback=""))
    assert store.get_state(NS_MUTE, subject.lower()) is not None


def test_a_button_without_a_store_is_left_to_the_failure_policy(store: SqliteStore) -> None:
    ctx, _ = make_ctx(store)
    ctx.store = None
    with pytest.raises(StoreError):
        alert_mute_1h(ctx, "/subscriptions/s/x/connections/c", "C_ALERTS:1")
