"""`/vpn alerts`: the running mutes, and `unmute` ending one early."""

from __future__ import annotations

from datetime import timedelta

from bot.slack.text import to_text
from bot.store.sqlite import SqliteStore
from commands.alerts.buttons import alert_mute_1h, alert_mute_24h
from commands.alerts.command import alerts
from tests.unit.commands.alerts.support import NOW, Clock, make_ctx, posted


def test_vpn_alerts_lists_mutes_and_unmute_ends_one(store: SqliteStore) -> None:
    subject = posted(store)
    ctx, _ = make_ctx(store)
    alert_mute_24h(ctx, subject, "C_ALERTS:1")
    listing = to_text(alerts(ctx, ""))
    assert "1 mute" in listing and "cn-a-to-b" in listing
    done = alerts(ctx, "unmute CN-A-TO-B")
    assert "no longer muted" in to_text(done)
    assert "0 mutes" in to_text(alerts(ctx, ""))
    assert [r.action for r in store.recent_audit()][:1] == ["alert_unmuted"]
    missing = alerts(ctx, "unmute nothing-here")
    assert missing.visibility == "ephemeral" and "Nothing called `nothing-here` is muted" in to_text(missing)
    assert "does not understand" in to_text(alerts(ctx, "frobnicate"))


def test_an_expired_mute_is_not_listed(store: SqliteStore) -> None:
    subject = posted(store)
    clock = Clock()
    ctx, _ = make_ctx(store, clock=clock)
    alert_mute_1h(ctx, subject, "C_ALERTS:1")
    clock.t = NOW + timedelta(hours=2)
    assert "0 mutes" in to_text(alerts(ctx, ""))
