"""What Azure holds after a write: applied, not applied, or unknown with what to check.

A request's outcome is never taken from the write's answer alone. An answer can be lost
after Azure applied the change (a reset, a timeout, a 504), a retried PUT then meets its
own earlier write (412), and a write can fail after it landed. So after the PUT, and after
any error of it, the peering is read again (waiting out provisioningState `Updating`) and
the request ends in the state that read supports:

* **applied**: the requested flag has the requested value and the etag is no longer the
  plan's (something was written since the plan — the bot's write);
* **failed** (not applied): Azure holds the peering as planned (nothing was written), or
  holds someone else's change instead (said field by field); settled, never re-checked;
* **unknown**: the peering could not be read, Azure still reports it `Updating` or
  `Failed`, or the write got no answer and the peering is still as planned (a write in
  flight may still land). The note says what to check; `reconcile` (the sweep) reads
  again after the lease and settles it.

The audit's before/after of an applied request holds only the flag it changed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from tenacity import RetryCallState, retry, retry_if_result, stop_after_attempt, wait_fixed

from commands.core.errors import AzureFailure
from commands.core.freshness import fresh_reads
from commands.core.model import Peering
from commands.core.port import AzurePort
from commands.core.registry import Ctx
from commands.core.store import StoreConflict
from commands.findings.peerings import FLAG_ORDER, on_off
from commands.peering.messages import report
from commands.peering.request import (
    APPLY_LEASE,
    SYSTEM,
    Loaded,
    differences,
    lease_over,
    parse_time,
    save,
    store_of,
    transition,
)

# After the PUT, how long to wait for provisioningState to leave "Updating": this many
# reads, this far apart (tests record the pauses instead through `read_settled.retry.sleep`).
VERIFY_ATTEMPTS = 10
VERIFY_PAUSE_S = 0.5
# An "unknown" outcome is re-checked by the sweep for this long after the write, then left
# as it is (its note says what to check by hand).
RECHECK_FOR = timedelta(days=1)
# ARM's code for "another operation holds the resource" (see bot/arm/errors.py).
ANOTHER_OPERATION = "RetryableErrorDueToAnotherOperation"
BUSY_CODES = frozenset({ANOTHER_OPERATION, "ReferencedResourceNotProvisioned", "AnotherOperationInProgress"})


def still_updating(p: Peering) -> bool:
    """Azure has not finished writing the peering yet."""
    return p.provisioning_state == "Updating"


def _last_read(state: RetryCallState) -> Peering:
    """Out of attempts: the last read, judged like any other (it may still say "Updating")."""
    assert state.outcome is not None
    last: Peering = state.outcome.result()
    return last


@retry(
    retry=retry_if_result(still_updating),
    stop=stop_after_attempt(VERIFY_ATTEMPTS),
    wait=wait_fixed(VERIFY_PAUSE_S),
    retry_error_callback=_last_read,
)
def read_settled(azure: AzurePort, peering_id: str) -> Peering:
    """The peering once Azure has finished writing it, or as the last attempt read it.

    Only the waiting is repeated here: a failed read raises at once, because azure-core's
    retry policy (the one retry layer for ARM calls) has already retried it.
    """
    return azure.peering(peering_id)


@dataclass(frozen=True)
class Holding:
    """What Azure holds: `verdict` applied | not_applied | unknown, in `words` for the
    request's note and audit row; `peering` as read (None when it could not be)."""

    verdict: str
    words: str = ""
    peering: Peering | None = None


def check_hint(cur: Loaded) -> str:
    req = cur.req
    return (
        f"Check with `/vpn peering {req.vnet_name}`: if {req.flag} reads {on_off(req.value)} "
        f"on {req.peering_name}, the change is in place."
    )


def changed_words(ctx: Ctx, cur: Loaded, now: Peering) -> str:
    """Why the peering is not as planned: who changed it (our own trail, else someone
    outside the bot, or Azure itself) and which fields differ."""
    req = cur.req
    before = req.plan_seen or {**req.before_local, "peeringState": req.state_local}
    flags, azure = differences(before, now)
    if flags:
        by = _changed_by(ctx, cur)
        return f"the peering changed {by} since the plan ({'; '.join(flags + azure)}); nothing written. Ask again."
    if azure:
        return (
            f"the peering changed since the plan: Azure updated it itself ({'; '.join(azure)}), as it does when "
            "the remote side connects or re-syncs; nothing written. Ask again, so the plan is made on what it is now."
        )
    return (
        "the peering changed outside the bot since the plan (its etag is new; the flags, state and remote address "
        "space read the same); nothing written. Ask again."
    )


def _changed_by(ctx: Ctx, cur: Loaded) -> str:
    """ "by request #N" when our own trail explains the change, else "outside the bot"."""
    for e in store_of(ctx).recent_audit(limit=50, matching=cur.req.peering_id):
        if e.action == "applied" and e.request != cur.number and e.at >= parse_time(cur.req.created_at):
            return f"by request #{e.request}"
    return "outside the bot (the portal, the CLI or a deployment)"


def judge(ctx: Ctx, cur: Loaded, p: Peering | None, read_error: AzureFailure | None, no_answer: bool) -> Holding:
    """What Azure holds, from one read of the peering after the write (or its error).

    `no_answer`: the write got no answer, or a server error (it may still land)."""
    req = cur.req
    if p is None:
        return Holding(
            "unknown", f"the peering could not be read to learn what Azure holds ({read_error}). {check_hint(cur)}"
        )
    shown = f"{req.flag} reads {on_off(p.flag(req.flag))}"
    if p.provisioning_state == "Failed":
        return Holding(
            "unknown",
            f"Azure reports provisioningState Failed for the peering ({shown}), so the change may not be in effect. "
            f"{check_hint(cur)} If it stays Failed, look at the peering's activity log in the portal.",
            p,
        )
    if p.flag(req.flag) == req.value and p.etag != req.plan_etag:
        busy = p.provisioning_state in ("Updating", "Deleting")
        return Holding("applied", f"Azure still reported provisioningState {p.provisioning_state}" if busy else "", p)
    if p.provisioning_state in ("Updating", "Deleting"):
        return Holding(
            "unknown", f"Azure is still writing the peering (provisioningState {p.provisioning_state}, {shown}).", p
        )
    if p.etag == req.plan_etag:
        if no_answer:
            return Holding(
                "unknown",
                f"the peering is still as planned ({shown}), but a write without a proper answer may still land. "
                f"{check_hint(cur)}",
                p,
            )
        return Holding("not_applied", f"Azure holds the peering as planned ({shown}): nothing was written.", p)
    return Holding("not_applied", changed_words(ctx, cur, p), p)


def read_and_judge(ctx: Ctx, cur: Loaded, no_answer: bool = False) -> Holding:
    """Read the peering (waiting out Updating) and judge what Azure holds (a fresh read)."""
    try:
        with fresh_reads():
            p = read_settled(ctx.azure, cur.req.peering_id)
    except AzureFailure as exc:
        return judge(ctx, cur, None, exc, no_answer)
    return judge(ctx, cur, p, None, no_answer)


def write_error_words(exc: AzureFailure) -> str:
    """What happened to the write, for the start of the outcome's note."""
    if exc.code == "PreconditionFailed" and exc.status == 412:
        # Our If-Match was stale by the time ARM saw it: someone else's write, or our own
        # earlier attempt whose answer was lost (azure-core sends a PUT again after a reset).
        return "Azure answered the write 412 PreconditionFailed (the peering's etag had changed)"
    if exc.kind == "timeout":
        return f"Azure's answer to the write was lost ({exc.message or exc.kind})"
    if exc.code in BUSY_CODES:
        return f"Azure refused the write: another operation holds the peering or a VNet it depends on ({exc.message})"
    arm = f" ({exc.code}: {exc.message})" if exc.code or exc.message else ""
    if exc.status is not None and 400 <= exc.status < 500:
        return f"Azure refused the write{arm}"
    return f"Azure answered the write with an error{arm}"


def settle(ctx: Ctx, cur: Loaded, holding: Holding, before: str = "") -> None:
    """End the request in the state `holding` supports, and answer in its thread.

    `before`: what happened to the write (its error) or to the request ("re-checked"), put
    in front of the words."""
    if holding.verdict == "applied" and holding.peering is not None:
        found = f"{before}, but re-reading the peering showed the change in place" if before else ""
        finish(ctx, cur, holding.peering, note="; ".join(x for x in (found, holding.words) if x))
        return
    lead = f"{before}: " if before else ""
    if holding.verdict == "not_applied":
        not_applied(ctx, cur, lead + holding.words)
        return
    unknown(ctx, cur, lead + holding.words)


def finish(ctx: Ctx, cur: Loaded, after: Peering, note: str = "") -> None:
    """The change is in Azure: record both sides after it, and answer. The audit row credits
    the request with its own flag only; another flag that differs from the plan is named
    in the note as someone else's (the second guard behind If-Match)."""
    req = cur.req
    others = [
        f"{f} {on_off(req.before_local[f])} → {on_off(after.flag(f))}"
        for f in FLAG_ORDER
        if f != req.flag and f in req.before_local and after.flag(f) != req.before_local[f]
    ]
    if others:
        note = "; ".join(x for x in (note, f"changed outside the bot, not by this request: {', '.join(others)}") if x)
    remote_after: dict[str, bool] = {}
    if req.reverse_id:
        try:
            rev = ctx.azure.peering(req.reverse_id)
            remote_after = {f: rev.flag(f) for f in FLAG_ORDER}
        except AzureFailure:
            remote_after = {}
    after_local = {f: after.flag(f) for f in FLAG_ORDER}
    if note:  # shown under the answer in the thread, as well as in the audit row
        cur = Loaded(cur.number, cur.state, cur.etag, dataclasses.replace(req, note=note[:1].upper() + note[1:] + "."))
    try:
        cur = transition(
            ctx,
            cur,
            "applied",
            SYSTEM,
            note=note,
            audit_before={req.flag: req.before_local.get(req.flag, not req.value)},
            audit_after={req.flag: after.flag(req.flag)},
            after_local=after_local,
            after_remote=remote_after,
            applied_at=ctx.now().isoformat(),
            state_local=after.state or req.state_local,
            settled=True,
            error="",
            outcome_posted=False,
        )
    except StoreConflict:
        return
    report(ctx, cur)


def not_applied(ctx: Ctx, cur: Loaded, error: str) -> None:
    """Azure does not hold the change (verified, or nothing was sent): failed, settled. The
    same for every kind of change request (`commands.actions.engine` too)."""
    try:
        cur = transition(ctx, cur, "failed", SYSTEM, note=error, error=error, settled=True, outcome_posted=False)
    except StoreConflict:
        return  # another worker moved it first and answers for it
    report(ctx, cur)


def mark_unknown(ctx: Ctx, cur: Loaded, error: str) -> Loaded | None:
    """Record that Azure's state could not be learned, with what to check and when the sweep
    re-checks (after the lease); None when another worker moved the request first."""
    until = ctx.now() + APPLY_LEASE
    text = f"{error} The bot checks again after {until.strftime('%H:%M')} UTC."
    try:
        return transition(
            ctx,
            cur,
            "unknown",
            SYSTEM,
            note=text,
            error=text,
            settled=False,
            lease_until=until.isoformat(),
            outcome_posted=False,
        )
    except StoreConflict:
        return None


def unknown(ctx: Ctx, cur: Loaded, error: str) -> None:
    """Azure's state could not be learned: say what to check; the sweep re-checks after the lease."""
    marked = mark_unknown(ctx, cur, error)
    if marked is not None:
        report(ctx, marked)


def needs_reconcile(cur: Loaded, now_lease_over: bool) -> bool:
    """An outcome the sweep still has to check against Azure: "unknown", or "failed" from
    before outcomes were checked (a write was attempted, nothing settled it)."""
    req = cur.req
    if req.settled or not now_lease_over:
        return False
    return cur.state == "unknown" or (cur.state == "failed" and req.apply_attempts > 0)


def reconcile(ctx: Ctx, cur: Loaded) -> Loaded:
    """Read the peering and settle an unknown (or unchecked failed) request; returns it as stored."""
    now = ctx.now()
    req = cur.req
    if not needs_reconcile(cur, lease_over(req, now)):
        return cur
    started = parse_time(req.write_sent_at) if req.write_sent_at else None
    try:
        # Claim the check (one sweeper at a time) and push the next one a lease away.
        cur = save(ctx, cur, lease_until=(now + APPLY_LEASE).isoformat())
    except StoreConflict:
        return cur
    holding = read_and_judge(ctx, cur)
    if cur.state == "failed":
        # Recorded before outcomes were checked: only Azure holding the change changes it.
        if holding.verdict == "applied" and holding.peering is not None:
            finish(ctx, cur, holding.peering, note="found applied in Azure when the failure was re-checked")
        elif holding.verdict == "not_applied":
            cur = save(ctx, cur, settled=True)
        return cur
    if holding.verdict == "unknown":
        if started is not None and now >= started + RECHECK_FOR:
            cur = save(ctx, cur, settled=True)  # left as it is: its note says what to check
        return cur
    if holding.verdict == "applied" and holding.peering is not None:
        finish(ctx, cur, holding.peering, note="found in place when re-checked after the outcome was unknown")
    else:
        settle(ctx, cur, holding, before="re-checked after the outcome was unknown")
    return cur
