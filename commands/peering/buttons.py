"""The buttons on a request: Approve, Reject, Cancel, and Revert on an applied one.

Approvers approve or reject, never the request's own requester; only the requester
cancels. A click on a request that has moved on is answered with where it stands.

A click is bound to its request: it must come from the request's own message (the card
the bot posted, `message_ref`) in the request's channel. The same button value carried
on any other message, in any other channel, does nothing — whoever clicks it. (In a Slack
Connect channel the clicker's own workspace may differ; the binding to the app's
installation is checked before the job exists, `bot/slack/binding.py`.) Refused approvals
are audited, at most one row per person and request per window (`commands.core.refusals`).
"""

from __future__ import annotations

import dataclasses

from commands.core.refusals import audit_refusal
from commands.core.registry import Ctx, action
from commands.core.reply import Reply, Text, error_reply
from commands.core.store import StoreConflict
from commands.core.text import Icon, prose, rich, strong, user
from commands.peering.apply import apply_approved
from commands.peering.facts import fresh_facts
from commands.peering.filing import file_request, open_request_for
from commands.peering.messages import outcome_line, post_in_thread, request_message, state_reply, update_card
from commands.peering.request import APPLY_LEASE, OPEN, Loaded, audit_entry, load, store_of, transition
from commands.peering.rules import approval_refusal, approvers_hint_of, approvers_of
from commands.peering.sweep import touch

_SEE_REQUESTS = prose("Use `/vpn requests` to see open requests.")


def parse_number(value: str) -> int | None:
    """The request number a button carries (its value), None when it carries none. ASCII
    digits only: `str.isdigit` also takes "١" (an Arabic-Indic one), which int() reads as 1."""
    text = (value or "").strip().lstrip("#")
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 9 else None


def _clicked(ctx: Ctx, value: str, ref: str, on_result: bool = False) -> Loaded | Reply:
    """The request a button is about, brought up to date; or the answer when there is none
    or the click is not on that request's message."""
    number = parse_number(value)
    if number is None:
        return error_reply(rich(f"That button carries no request number ({value[:20]!r})."), _SEE_REQUESTS)
    cur = load(ctx, number)
    if cur is None:
        return error_reply(f"There is no request #{number}.", _SEE_REQUESTS, "/vpn requests")
    card, channel = cur.req.message_ref, cur.req.channel
    # Revert is on the outcome's message in the thread: that message is the request's too.
    own = {card, cur.req.result_ref} if on_result else {card}
    if not card or ref not in own or (channel and ctx.channel != channel):
        return error_reply(
            f"This button is not on request #{number}'s own message, so it does nothing.",
            rich("Click the buttons on the request's message in its channel. ", _SEE_REQUESTS),
            "/vpn requests",
        )
    return touch(ctx, cur)


@action("approval_approve")
def approve(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Approve a pending request; once it has the approvals its policy needs, apply it."""
    cur = _clicked(ctx, value, ref)
    if isinstance(cur, Reply):
        return cur
    for _ in range(_APPROVAL_RACES):
        if cur.state != "pending":
            return state_reply(cur)
        refusal = approval_refusal(cur.number, cur.req.requester, ctx.user, approvers_of(ctx, cur.req.kind))
        if refusal:
            audit_refusal(
                store_of(ctx),
                dataclasses.replace(
                    audit_entry(ctx, cur.req, ctx.user, "approve_refused", note=str(refusal)), request=cur.number
                ),
                ctx.now(),
            )
            return error_reply(refusal)
        if ctx.user in cur.req.approvals:
            left = max(1, cur.req.needed) - len(cur.req.approvals)
            return error_reply(
                f"You already approved request #{cur.number}; it needs {left} more approval(s) from someone else.",
                "A second approval by the same person does not count.",
            )
        approvals = [*cur.req.approvals, ctx.user]
        try:
            if len(approvals) < max(1, cur.req.needed):
                cur = _record_approval(ctx, cur, approvals)
                if cur.req.message_ref:  # still waiting: the card keeps its buttons, shows the count
                    ctx.out.update(cur.req.message_ref, request_message(cur))
                post_in_thread(ctx, cur, _approval_noted(cur))
                return None
            now = ctx.now()
            cur = transition(
                ctx,
                cur,
                "approved",
                ctx.user,
                approvals=approvals,
                decided_by=ctx.user,
                decided_at=now.isoformat(),
                lease_until=(now + APPLY_LEASE).isoformat(),
            )
        except StoreConflict:
            fresh = load(ctx, cur.number)
            if fresh is None:
                return error_reply(f"There is no request #{cur.number}.")
            cur = fresh  # another click moved it first: judge this one on what it left
            continue
        update_card(ctx, cur)
        apply_any(ctx, cur)
        return None
    return _reread_state(ctx, cur.number)


# Concurrent approvals of a request that needs several: each click re-reads and tries again
# after losing a conditional write to another click, at most this many times.
_APPROVAL_RACES = 8


def _record_approval(ctx: Ctx, cur: Loaded, approvals: list[str]) -> Loaded:
    """One more approval of a request that needs several: conditional on its etag, with its
    audit row; the request stays pending (StoreConflict when another click wrote first)."""
    req = dataclasses.replace(cur.req, approvals=approvals)
    entry = audit_entry(ctx, req, ctx.user, "approval", note=f"{len(approvals)} of {req.needed} approvals")
    rec = store_of(ctx).update_request(cur.number, cur.state, req.to_body(), cur.etag, entry)
    return Loaded.of(rec)


def _approval_noted(cur: Loaded) -> Reply:
    req = cur.req
    left = req.needed - len(req.approvals)
    return Reply(fallback=f"#{cur.number}: {len(req.approvals)} of {req.needed} approvals").add(
        Text(
            rich(
                Icon.NOTE,
                " ",
                user(req.approvals[-1]),
                f" approved request #{cur.number} ({len(req.approvals)} of {req.needed}); ",
                strong(f"{left} more"),
                " approval(s) needed from another approver before it is applied.",
            )
        )
    )


def apply_any(ctx: Ctx, cur: Loaded, recovering: bool = False) -> None:
    """Apply an approved request of any kind (`commands.actions` for the kinds besides peering)."""
    if cur.req.kind == "peering":
        apply_approved(ctx, cur, recovering=recovering)
        return
    from commands.actions.engine import apply_approved as apply_action

    apply_action(ctx, cur, recovering=recovering)


@action("approval_reject")
def reject(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Reject a pending request (approvers only)."""
    cur = _clicked(ctx, value, ref)
    if isinstance(cur, Reply):
        return cur
    if cur.state != "pending":
        return state_reply(cur)
    if ctx.user == cur.req.requester:
        return error_reply(f"You asked for request #{cur.number}: use Cancel to withdraw it.")
    if ctx.user not in approvers_of(ctx, cur.req.kind):
        return error_reply(
            rich(
                f"Only approvers can reject request #{cur.number}. Approvers: ",
                approvers_hint_of(ctx, cur.req.kind),
                ".",
            )
        )
    return _close(ctx, cur, "rejected")


@action("approval_cancel")
def cancel(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Withdraw a pending request (the requester only)."""
    cur = _clicked(ctx, value, ref)
    if isinstance(cur, Reply):
        return cur
    if cur.state not in OPEN:
        return state_reply(cur)
    if ctx.user != cur.req.requester:
        return error_reply(
            rich("Only ", user(cur.req.requester), f", who asked for request #{cur.number}, can cancel it."),
            "Approvers can Reject it instead.",
        )
    return _close(ctx, cur, "cancelled")


@action("approval_revert")
def revert(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Ask to undo an applied request: a new request, which needs its own approval."""
    cur = _clicked(ctx, value, ref, on_result=True)
    if isinstance(cur, Reply):
        return cur
    if cur.state != "applied":
        return state_reply(cur)
    if cur.req.kind != "peering":
        from commands.actions.engine import revert as revert_action

        return revert_action(ctx, cur)
    req = cur.req
    peering = ctx.azure.peering(req.peering_id)
    facts = fresh_facts(ctx, req, peering)
    if not ctx.channel and req.channel:
        ctx = dataclasses.replace(ctx, channel=req.channel)
    answer = file_request(
        ctx,
        facts,
        req.flag,
        not req.value,
        f"Revert of #{cur.number}" + (f" ({req.reason})" if req.reason else ""),
        revert_of=cur.number,
    )
    opened = open_request_for(ctx, req.peering_id)
    if opened is not None and opened.req.revert_of == cur.number:
        post_in_thread(
            ctx,
            cur,
            Reply(fallback=f"Revert of #{cur.number} requested as #{opened.number}").add(
                Text(
                    rich(
                        Icon.REVERT,
                        " ",
                        user(ctx.user),
                        f" asked to revert #{cur.number}: request ",
                        strong(f"#{opened.number}"),
                        " needs an approval.",
                    )
                )
            ),
        )
    return answer


def _close(ctx: Ctx, cur: Loaded, state: str) -> Reply | None:
    """The clicker closes the request as `state`: the card loses its buttons and the thread
    says so. A click that lost the race to another answers with the state that won."""
    try:
        cur = transition(ctx, cur, state, ctx.user, decided_by=ctx.user, decided_at=ctx.now().isoformat())
    except StoreConflict:
        return _reread_state(ctx, cur.number)
    update_card(ctx, cur)
    post_in_thread(
        ctx,
        cur,
        Reply(fallback=f"#{cur.number} {state}").add(Text(rich(f"Request #{cur.number}: ", outcome_line(cur)))),
    )
    return None


def _reread_state(ctx: Ctx, number: int) -> Reply:
    cur = load(ctx, number)
    return state_reply(cur) if cur else error_reply(f"There is no request #{number}.")
