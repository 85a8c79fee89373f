"""Applying an approved request: check again, fence, write once with If-Match, learn what Azure holds.

1. Re-read the peering: its etag must still be the one the plan and the approver saw
   (`plan_etag`); if not, nothing is written and the answer says which fields changed and
   whether Azure itself changed them (`commands.peering.outcome.changed_words`).
2. Re-read both sides and check Azure's rules (`commands.peering.rules`) and the write
   path's guards (`commands.peering.guards`: another operation, Virtual Network Manager).
3. The fence: a conditional store update of the request right before the PUT. A worker
   whose lease another worker took over (the sweep, after the lease ran out) loses it and
   does not write.
4. The PUT carries `If-Match: plan_etag` and only the requested flag changed on the state
   of that etag: ARM's Microsoft.Network provider answers 412 PreconditionFailed to a stale
   etag, so a change made by anyone in between is never overwritten.
5. Re-read (waiting out `Updating`) after the write and after any error of it, and end in
   what Azure holds (`commands.peering.outcome`). When ARM answers that another operation
   holds the resource (429 RetryableErrorDueToAnotherOperation — not throttling), wait for
   it and plan again from step 1, at most `BUSY_REPLANS` times.
"""

from __future__ import annotations

import re
import time
import uuid

from commands.core.errors import AzureFailure
from commands.core.freshness import fresh_reads
from commands.core.model import Peering
from commands.core.registry import Ctx
from commands.core.reply import Inline
from commands.core.store import StoreConflict
from commands.findings import dedup
from commands.findings.peerings import on_off
from commands.peering.facts import fresh_facts
from commands.peering.guards import write_guards
from commands.peering.outcome import (
    ANOTHER_OPERATION,
    VERIFY_ATTEMPTS,
    VERIFY_PAUSE_S,
    Holding,
    changed_words,
    finish,
    judge,
    not_applied,
    read_and_judge,
    read_settled,
    settle,
    still_updating,
    write_error_words,
)
from commands.peering.request import APPLY_LEASE, SYSTEM, Loaded, lease_over, save, transition
from commands.peering.rules import blocking, preflight

__all__ = ["VERIFY_ATTEMPTS", "VERIFY_PAUSE_S", "apply_approved", "apply_leased", "read_settled", "still_updating"]

# After ARM says another operation holds the resource: plan again at most this many times,
# waiting what its message says ("can be retried in N seconds"), at most BUSY_WAIT_MAX_S.
BUSY_REPLANS = 2
BUSY_WAIT_MAX_S = 30.0
_RETRY_IN = re.compile(r"retried in (\d+) seconds", re.IGNORECASE)


def apply_approved(ctx: Ctx, cur: Loaded, recovering: bool = False) -> None:
    """Take an approved request to applying (claiming it) and apply it; the outcome is
    answered in the request's thread."""
    claimed = claim_for_apply(ctx, cur, recovering)
    if claimed is None:
        return  # another worker claimed it; it will answer in the thread
    apply_leased(ctx, claimed, recovering=False)


def claim_for_apply(ctx: Ctx, cur: Loaded, recovering: bool) -> Loaded | None:
    """Move an approved request to "applying" under a fresh lease and marker (None: another
    worker claimed it first). Every kind of change request is claimed this way."""
    try:
        return transition(
            ctx,
            cur,
            "applying",
            SYSTEM if recovering else ctx.user,
            note="recovered after a restart" if recovering else "",
            apply_marker=uuid.uuid4().hex,
            apply_attempts=cur.req.apply_attempts + 1,
            lease_until=(ctx.now() + APPLY_LEASE).isoformat(),
        )
    except StoreConflict:
        return None


def apply_leased(ctx: Ctx, cur: Loaded, recovering: bool) -> None:
    """Apply a request in state "applying" that this worker holds the lease of. Every read on
    the way (the re-check, the verification) is fresh: never one another request shared."""
    with fresh_reads():
        _apply_leased(ctx, cur, recovering)


def _apply_leased(ctx: Ctx, cur: Loaded, recovering: bool) -> None:
    busy: _Busy | None = None
    for attempt in range(BUSY_REPLANS + 1):
        busy = _attempt(ctx, cur, recovering)
        if busy is None:
            return
        cur = busy.cur
        if attempt < BUSY_REPLANS:
            _wait_for_other_operation(ctx, cur, busy.failure)
    assert busy is not None
    outcome = busy
    holding = read_and_judge(ctx, cur)
    if holding.verdict == "not_applied":
        not_applied(
            ctx,
            cur,
            f"{write_error_words(outcome.failure)}. Nothing was written. Wait until that operation has finished "
            f"(`/vpn peering {cur.req.vnet_name}` shows the peering Succeeded), then ask again.",
        )
        return
    settle(ctx, cur, holding, before=write_error_words(outcome.failure))


class _Busy:
    """ARM refused the write because another operation holds a resource: plan again."""

    def __init__(self, cur: Loaded, failure: AzureFailure) -> None:
        self.cur = cur
        self.failure = failure


def _attempt(ctx: Ctx, cur: Loaded, recovering: bool) -> _Busy | None:
    """Steps 1–5 once. `_Busy` when ARM answered that another operation holds the resource
    and nothing was written (the caller waits and plans again); None when the request has
    reached its outcome (or another worker holds it now)."""
    req = cur.req
    try:
        current = ctx.azure.peering(req.peering_id)
    except AzureFailure as exc:
        if req.write_sent_at:
            # A PUT may have been sent by the worker we took over from: we cannot say.
            settle(ctx, cur, judge(ctx, cur, None, exc, no_answer=True), before="after a restart")
        else:
            not_applied(
                ctx, cur, f"could not re-read the peering before writing: {exc}. {exc.advice!s} Nothing was written."
            )
        return None
    if recovering and current.flag(req.flag) == req.value and current.etag != req.plan_etag:
        # The write landed before the process died: finish without writing again (waiting
        # out provisioningState "Updating" as the dead worker's LRO poll would have).
        holding = read_and_judge(ctx, cur)
        if holding.verdict == "applied" and holding.peering is not None:
            finish(ctx, cur, holding.peering, note="found applied after a restart; not written again")
        else:
            settle(ctx, cur, holding, before="after a restart")
        return None
    if current.etag != req.plan_etag:
        not_applied(ctx, cur, changed_words(ctx, cur, current))
        return None
    refusal = _recheck(ctx, cur, current)
    if refusal:
        not_applied(ctx, cur, refusal)
        return None
    fenced = _fence(ctx, cur)
    if fenced is None:
        return None  # our lease is gone: whoever took it over writes, not us
    cur = fenced
    try:
        ctx.azure.update_peering(req.peering_id, {req.flag: req.value}, req.plan_etag)
    except AzureFailure as exc:
        if exc.code == ANOTHER_OPERATION:
            holding = read_and_judge(ctx, cur)
            if (
                holding.verdict == "not_applied"
                and holding.peering is not None
                and holding.peering.etag == req.plan_etag
            ):
                return _Busy(cur, exc)
            settle(ctx, cur, holding, before=write_error_words(exc))
            return None
        holding = read_and_judge(ctx, cur, no_answer=may_still_land(exc))
        stale = exc.code == "PreconditionFailed" and holding.verdict == "not_applied"
        # A 412 that left someone else's change in place: the changed fields say it all.
        settle(ctx, cur, holding, before="" if stale else write_error_words(exc))
        return None
    holding = read_and_judge(ctx, cur)
    if holding.verdict == "not_applied" and holding.peering is not None:
        # Azure said the write succeeded but the peering does not hold it (someone changed
        # it right after, or ARM ignored the If-Match): say what it holds.
        now = on_off(holding.peering.flag(req.flag))
        holding = Holding(
            "not_applied",
            f"Azure accepted the write, but the peering no longer holds it: {req.flag} reads {now} "
            "(changed again right after). Ask again if it is still needed.",
            holding.peering,
        )
    settle(ctx, cur, holding)
    return None


def may_still_land(exc: AzureFailure) -> bool:
    """Whether a write that failed this way may still be applied by Azure later: no answer
    at all, or a server error (a 502/503/504 from ARM's front door while the resource
    provider carries on). A 4xx is Azure's refusal: nothing was applied."""
    return exc.kind == "timeout" or exc.kind == "unavailable" or (exc.status or 0) >= 500


def _recheck(ctx: Ctx, cur: Loaded, current: Peering) -> str:
    """Why the write may not go ahead now ("" when it may): both sides re-read, Azure's rules
    and the write path's guards checked again."""
    req = cur.req
    try:
        facts = fresh_facts(ctx, req, current)
    except AzureFailure as exc:
        return f"could not re-read {req.vnet_name} before writing: {exc}. {exc.advice!s} Nothing was written."
    findings = dedup([*preflight(facts, req.flag, req.value), *write_guards(ctx, facts, req.flag)])
    blockers = blocking(findings)
    if not blockers:
        return ""
    reasons = "; ".join(_words(b.title) for b in blockers)
    return f"the estate changed since the request and the write cannot go ahead now: {reasons}. Nothing was written."


def _fence(ctx: Ctx, cur: Loaded) -> Loaded | None:
    """The conditional store update right before the PUT: it succeeds only if nobody changed
    the request since this worker last wrote it (a takeover changes it), and renews the
    lease for the write. None: this worker no longer holds the request."""
    now = ctx.now()
    if lease_over(cur.req, now):
        return None  # past our lease: the sweep may be taking over right now; leave it to it
    try:
        return save(
            ctx,
            cur,
            write_sent_at=now.isoformat(),
            lease_until=(now + APPLY_LEASE).isoformat(),
        )
    except StoreConflict:
        return None


def _wait_for_other_operation(ctx: Ctx, cur: Loaded, failure: AzureFailure) -> None:
    """Wait what ARM's message asks ("can be retried in N seconds", at most BUSY_WAIT_MAX_S),
    and for the peering to leave `Updating`."""
    found = _RETRY_IN.search(failure.message or "")
    pause = min(float(found.group(1)), BUSY_WAIT_MAX_S) if found else 1.0
    if pause > 0:
        time.sleep(pause)
    try:
        read_settled(ctx.azure, cur.req.peering_id)
    except AzureFailure:
        pass  # the next attempt reads it again and says what it could not read


def _words(title: Inline) -> str:
    """A finding's title as words for a stored error text (names without code's backticks)."""
    return str(title).replace("`", "")
