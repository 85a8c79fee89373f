"""Bringing requests up to date: expiry, applies a dead worker left half done, outcomes
not yet checked against Azure, answers that were lost.

Requests expire after `VPNOPS_REQUEST_TTL_MINUTES`. Every click on a request brings it
up to date first (`touch`), and the timer runs `sweep()` so that one nobody touches
again does not stay "pending" past its expiry, nor an interrupted apply wait for a click.
The sweep reconciles every `applying` request whose lease ran out (taking it over), and
every `unknown` or not-yet-checked `failed` one, with what Azure holds
(`commands.peering.outcome.reconcile`).
"""

from __future__ import annotations

import uuid

from commands.core.registry import Ctx
from commands.core.store import StoreConflict
from commands.peering.apply import apply_approved, apply_leased
from commands.peering.messages import post_in_thread, report, request_message, result_message, update_card
from commands.peering.outcome import needs_reconcile, reconcile
from commands.peering.request import (
    APPLY_LEASE,
    IN_FLIGHT,
    OPEN,
    SYSTEM,
    TERMINAL,
    Loaded,
    is_expired,
    lease_over,
    load,
    parse_time,
    save,
    store_of,
    transition,
)


def touch(ctx: Ctx, cur: Loaded) -> Loaded:
    """Bring a request up to date before anyone acts on it: expire it when due, finish an
    apply whose worker died, post an outcome that never got posted."""
    now = ctx.now()
    if is_expired(cur.req, cur.state, now):
        try:
            cur = transition(ctx, cur, "expired", SYSTEM)
        except StoreConflict:
            fresh = load(ctx, cur.number)
            return fresh or cur
        update_card(ctx, cur)
        post_in_thread(ctx, cur, result_message(cur))
        return cur
    if cur.state == "planned" and now >= parse_time(cur.req.created_at) + APPLY_LEASE:
        # The worker died between numbering the request and posting it: post it now.
        try:
            ref = ctx.out.post(cur.req.channel or ctx.channel, request_message(cur))
            return transition(ctx, cur, "pending", SYSTEM, note="posted after a restart", message_ref=ref)
        except StoreConflict:
            return load(ctx, cur.number) or cur
    if cur.state in IN_FLIGHT and lease_over(cur.req, now):
        recover_one(ctx, cur)
        return load(ctx, cur.number) or cur
    if cur.req.outcome_posted and needs_reconcile(cur, lease_over(cur.req, now)):
        _reconcile_any(ctx, cur)
        return load(ctx, cur.number) or cur
    if cur.state in ("applied", "failed", "unknown") and not cur.req.outcome_posted and lease_over(cur.req, now):
        try:
            cur = save(ctx, cur, lease_until=(now + APPLY_LEASE).isoformat())
        except StoreConflict:
            return load(ctx, cur.number) or cur
        report(ctx, cur)
        return load(ctx, cur.number) or cur
    return cur


def _reconcile_any(ctx: Ctx, cur: Loaded) -> None:
    if cur.req.kind == "peering":
        reconcile(ctx, cur)
        return
    from commands.actions.engine import reconcile as reconcile_action

    reconcile_action(ctx, cur)


def recover_one(ctx: Ctx, cur: Loaded) -> None:
    """Complete a request whose worker died between approve and apply, or mid-apply."""
    action = cur.req.kind != "peering"
    if cur.state == "approved":
        if action:
            from commands.actions.engine import apply_approved as apply_action

            apply_action(ctx, cur, recovering=True)
            return
        apply_approved(ctx, cur, recovering=True)
        return
    if cur.state == "applying":
        try:
            # The takeover: a conditional update with a new token and lease. The worker we
            # take over from fails its own conditional update (the fence) and cannot write.
            cur = save(
                ctx,
                cur,
                lease_until=(ctx.now() + APPLY_LEASE).isoformat(),
                apply_attempts=cur.req.apply_attempts + 1,
                apply_marker=uuid.uuid4().hex,
            )
        except StoreConflict:
            return  # someone else took it over
        if action:
            from commands.actions.engine import apply_leased as apply_action_leased

            apply_action_leased(ctx, cur, recovering=True)
            return
        apply_leased(ctx, cur, recovering=True)


def sweep(ctx: Ctx) -> list[str]:
    """Expire due requests, complete interrupted ones, post lost outcomes. For the timer.

    Returns one line per request it changed, e.g. "#4 pending → expired".
    """
    store = store_of(ctx)
    lines = []
    now = ctx.now()
    for rec in store.list_requests(set(OPEN | IN_FLIGHT | {"applied", "failed", "unknown"}), limit=500):
        cur = Loaded.of(rec)
        if cur.state in TERMINAL and cur.req.outcome_posted and not needs_reconcile(cur, lease_over(cur.req, now)):
            continue
        after = touch(ctx, cur)
        if after.state != cur.state or after.req.outcome_posted != cur.req.outcome_posted:
            lines.append(f"#{cur.number} {cur.state} → {after.state}")
    from commands.actions.capture import stop_overdue  # a capture whose scheduled stop never ran

    lines += stop_overdue(ctx)
    return lines
