"""The buttons on every alert message.

`alert_status` runs `/vpn status` for the gateway or connection, in the alert's thread;
`alert_ack` says on the message who is on it; `alert_mute_1h` and `alert_mute_24h` silence
the watch and the webhooks for that resource until the mute ends. Acknowledgements and
mutes are recorded in the audit trail. A store that fails raises: the failure policy
words it ("nothing was changed").

A click is bound to the alert it is on: the message must be one the bot posted and keeps
(`alert.msg`), clicked in that message's channel, and the button's value must be what that
message's buttons name — a click carried anywhere else does nothing. Muting silences
alerts for everyone, so only approvers (VPNOPS_APPROVERS, VPNOPS_APPROVER_GROUP) or the
members of VPNOPS_MUTE_GROUP may mute; a refused mute is audited (rate-limited).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from commands.alerts.card import AlertCard, message_reply
from commands.alerts.state import MUTE_1H, MUTE_24H, NS_MESSAGE, NS_MUTE, require_store
from commands.core.errors import AzureFailure
from commands.core.model import name_of, rid_key
from commands.core.refusals import audit_refusal
from commands.core.registry import Ctx, action
from commands.core.reply import Reply, Text, error_reply
from commands.core.store import ANY_ETAG, AuditEntry, StateRecord, Store, update_state
from commands.core.text import Rich, code, join, prose, rich, user
from commands.core.units import when
from commands.status.command import status_answer


def _answer_in_thread(ctx: Ctx, ref: str, reply: Reply) -> Reply | None:
    """Post `reply` in the alert's thread (the message the button was on)."""
    channel = ref.partition(":")[0] if ":" in ref else ctx.channel
    if channel and ref:
        ctx.out.post(channel, reply, thread=ref)
        return None
    return reply


def _unbound(ctx: Ctx, store: Store, value: str, ref: str) -> Reply | StateRecord:
    """The stored alert message this click is on, or the refusal when the click is not on
    one (another message, another channel, a value its buttons do not carry)."""
    rec = store.get_state(NS_MESSAGE, ref) if ref else None
    channel = ref.partition(":")[0]
    card = AlertCard.from_json(rec.value.get("card") or {}) if rec is not None else None
    names = {card.subject, card.status_target} - {""} if card is not None else set()
    if rec is None or (ctx.channel and channel != ctx.channel) or value.strip() not in names:
        return error_reply(
            "This button is not on an alert message vpnops posted here, so it does nothing.",
            prose("Use the buttons on the alert itself, or `/vpn alerts` for what is open."),
            "/vpn alerts",
        )
    return rec


def may_mute(ctx: Ctx) -> set[str]:
    """Who may mute right now: the approvers and the members of VPNOPS_MUTE_GROUP."""
    allowed = {a for a in ctx.settings.approvers if a}
    for group in (ctx.settings.approver_group, ctx.settings.mute_group):
        if group:
            allowed |= ctx.out.user_groups_members(group)
    return allowed


def _who_mutes(ctx: Ctx) -> Rich:
    bits: list[Rich] = []
    if ctx.settings.approvers:
        bits.append(join(", ", [user(a) for a in sorted(ctx.settings.approvers)]))
    for group in (ctx.settings.approver_group, ctx.settings.mute_group):
        if group:
            bits.append(rich("members of ", code(group)))
    return join("; ", bits) if bits else rich("nobody is configured (VPNOPS_APPROVERS, VPNOPS_MUTE_GROUP)")


@action("alert_status")
def alert_status(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Run `/vpn status` for the alert's gateway or connection, in the alert's thread."""
    bound = _unbound(ctx, require_store(ctx), value, ref)
    if isinstance(bound, Reply):
        return bound
    target = value.strip()
    if not target:
        return error_reply(
            "This alert's Status button names no gateway or connection.",
            prose("Run `/vpn status <gateway>` yourself."),
            "/vpn status vgw-eun",
        )
    ctx.out.progress(rich(f"reading {name_of(target)}…"))
    try:
        reply = status_answer(ctx, target)  # complete, then posted in the alert's thread
    except AzureFailure as exc:
        raise dataclasses.replace(exc, target=exc.target or name_of(target)) from exc
    if reply is None:
        return None
    if reply.visibility == "ephemeral":
        return reply  # an error only the clicker needs to see
    return _answer_in_thread(ctx, ref, reply)


@action("alert_ack")
def alert_ack(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Acknowledge an alert: the message says who is on it; the audit trail records it."""
    store = require_store(ctx)
    bound = _unbound(ctx, store, value, ref)
    if isinstance(bound, Reply):
        return bound
    now = ctx.now()
    stamp = when(now)
    earlier: dict[str, str] = {}

    def change(v: dict[str, Any]) -> dict[str, Any] | None:
        if v.get("acked_by"):
            earlier.update(by=str(v["acked_by"]), at=str(v.get("acked_at") or "?"))
            return None
        if not v:
            return None
        v["acked_by"], v["acked_at"] = ctx.user, stamp
        return v

    written = update_state(store, NS_MESSAGE, ref, change) if ref else None
    if earlier:
        return Reply(fallback="Already acknowledged", visibility="ephemeral").add(
            Text(
                rich("This alert was already acknowledged by ", user(earlier["by"], "someone"), f" at {earlier['at']}.")
            )
        )
    card = AlertCard.from_json(written["card"]) if written else None
    store.append_audit(
        AuditEntry(
            at=now,
            actor=ctx.user or "unknown",
            action="alert_acknowledged",
            subject=value,
            scope=(card.status_target if card and card.status_target != value else ""),
            note=(card.fallback if card else "alert message not in the store")[:300],
        )
    )
    if written is None:
        return Reply(fallback="Acknowledged", visibility="ephemeral").add(
            Text(
                rich(
                    "✋ Acknowledged ",
                    code(name_of(value) or value),
                    " (recorded in the audit trail). "
                    "The message itself is no longer in the bot's store, so it could not be updated.",
                )
            )
        )
    ctx.out.update(ref, message_reply(written))
    return None


def _mute(ctx: Ctx, value: str, ref: str, length: timedelta, words: str) -> Reply | None:
    store = require_store(ctx)
    subject = value.strip()
    if not subject:
        return error_reply("This alert's Mute button names nothing to mute.", "Click Mute on a newer alert message.")
    bound = _unbound(ctx, store, value, ref)
    if isinstance(bound, Reply):
        return bound
    now = ctx.now()
    if ctx.user not in may_mute(ctx):
        audit_refusal(
            store,
            AuditEntry(at=now, actor=ctx.user or "unknown", action="alert_mute_refused", subject=subject),
            now,
        )
        return error_reply(
            rich("Muting silences this alert for everyone, so only these may mute: ", _who_mutes(ctx), "."),
            prose("Ask one of them, or use Acknowledge to say you are on it."),
        )
    until = now + length
    rec: StateRecord = bound
    card = AlertCard.from_json(rec.value["card"]) if rec.value.get("card") else None
    label = (card.subject_label if card else "") or name_of(subject) or subject
    store.put_state(
        NS_MUTE,
        rid_key(subject),
        {"until": until.isoformat(), "by": ctx.user, "at": now.isoformat(), "label": label, "subject": subject},
        ANY_ETAG,
    )
    store.append_audit(
        AuditEntry(
            at=now,
            actor=ctx.user or "unknown",
            action="alert_muted",
            subject=subject,
            after={"until": until.isoformat()},
            note=f"muted for {words} until {when(until)}",
        )
    )

    def change(v: dict[str, Any]) -> dict[str, Any] | None:
        if not v:
            return None
        v["muted_by"], v["muted_until"] = ctx.user, when(until)
        return v

    written = update_state(store, NS_MESSAGE, ref, change)  # the message shows the mute
    if written is not None:
        ctx.out.update(ref, message_reply(written))
    return Reply(fallback=f"Muted {label} for {words}", visibility="ephemeral").add(
        Text(
            rich(
                "🔕 Muted ",
                code(label),
                f" for {words}, until {when(until)}: the watch and Azure Monitor alerts "
                "about it are not posted until then (recoveries still are). ",
                code(f"/vpn alerts unmute {label}"),
                " ends it sooner.",
            )
        )
    )


@action("alert_mute_1h")
def alert_mute_1h(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Mute alerts about this resource for one hour."""
    return _mute(ctx, value, ref, MUTE_1H, "1 h")


@action("alert_mute_24h")
def alert_mute_24h(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Mute alerts about this resource for 24 hours."""
    return _mute(ctx, value, ref, MUTE_24H, "24 h")
