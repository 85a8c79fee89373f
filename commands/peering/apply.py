"""Applying an approved request: re-read, check again, write once, verify, answer.

ARM's peering PUT has no If-Match, so the peering is re-read and its etag compared with
the one the plan was made on before writing, and re-read again after to verify.
"""

from __future__ import annotations

import uuid

from tenacity import RetryCallState, retry, retry_if_result, stop_after_attempt, wait_fixed

from commands.core.errors import AzureFailure
from commands.core.model import Peering
from commands.core.port import AzurePort
from commands.core.registry import Ctx
from commands.core.reply import Inline
from commands.core.store import StoreConflict
from commands.findings.peerings import FLAG_ORDER, on_off
from commands.peering.facts import fresh_facts
from commands.peering.messages import report
from commands.peering.request import APPLY_LEASE, SYSTEM, ChangeRequest, Loaded, parse_time, store_of, transition
from commands.peering.rules import blocking, preflight

# After the PUT, how long to wait for provisioningState to leave "Updating": this many
# reads, this far apart (tests record the pauses instead through `read_settled.retry.sleep`).
VERIFY_ATTEMPTS = 10
VERIFY_PAUSE_S = 0.5


def apply_approved(ctx: Ctx, cur: Loaded, recovering: bool = False) -> None:
    """Take an approved request to applying (claiming it) and apply it; the outcome is
    answered in the request's thread."""
    now = ctx.now()
    try:
        cur = transition(
            ctx,
            cur,
            "applying",
            SYSTEM if recovering else ctx.user,
            note="recovered after a restart" if recovering else "",
            apply_marker=uuid.uuid4().hex,
            apply_attempts=cur.req.apply_attempts + 1,
            lease_until=(now + APPLY_LEASE).isoformat(),
        )
    except StoreConflict:
        return  # another worker claimed it; it will answer in the thread
    apply_leased(ctx, cur, recovering=False)


def _fail(ctx: Ctx, cur: Loaded, error: str) -> None:
    """The request failed, for `error` (kept in the request and its audit row, shown in the thread)."""
    try:
        cur = transition(ctx, cur, "failed", SYSTEM, note=error, error=error)
    except StoreConflict:
        return  # another worker moved it first and answers for it
    report(ctx, cur)


def apply_leased(ctx: Ctx, cur: Loaded, recovering: bool) -> None:
    """Apply a request in state "applying" that this worker holds the lease of."""
    req = cur.req
    try:
        current = ctx.azure.peering(req.peering_id)
    except AzureFailure as exc:
        _fail(ctx, cur, f"could not re-read the peering before writing: {exc}. {exc.advice!s}")
        return
    if recovering and current.flag(req.flag) == req.value:
        # The write landed before the process died: finish without writing again (waiting
        # out provisioningState "Updating" as the dead worker's LRO poll would have).
        landed = _verify(ctx, req)
        if isinstance(landed, str):
            _fail(ctx, cur, landed)
        else:
            _finish(ctx, cur, landed, note="found applied after a restart; not written again")
        return
    if current.etag != req.plan_etag:
        changed = _what_changed(req, current)
        by = _changed_by(ctx, cur)
        _fail(ctx, cur, f"the peering changed since the request{by} ({changed}); nothing was written. Ask again.")
        return
    try:
        facts = fresh_facts(ctx, req, current)
    except AzureFailure as exc:
        _fail(ctx, cur, f"could not re-read {req.vnet_name} before writing: {exc}. {exc.advice!s}")
        return
    blockers = blocking(preflight(facts, req.flag, req.value))
    if blockers:
        reasons = "; ".join(_words(b.title) for b in blockers)
        _fail(
            ctx,
            cur,
            f"the estate changed since the request and Azure would refuse it now: {reasons}. Nothing was written.",
        )
        return
    try:
        ctx.azure.update_peering(req.peering_id, {req.flag: req.value})
    except AzureFailure as exc:
        arm = f" ({exc.code}: {exc.message})" if exc.code or exc.message else ""
        _fail(ctx, cur, f"Azure refused the change{arm}. {exc.advice!s}")
        return
    after = _verify(ctx, req)
    if isinstance(after, str):
        _fail(ctx, cur, after)
        return
    _finish(ctx, cur, after)


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


def _verify(ctx: Ctx, req: ChangeRequest) -> Peering | str:
    """Re-read after the write until Azure reports it done; the peering, or what is wrong."""
    try:
        last = read_settled(ctx.azure, req.peering_id)
    except AzureFailure as exc:
        return f"the change was sent but could not be verified: {exc}. {exc.advice!s} Check with /vpn peering {req.vnet_name}."
    if last.provisioning_state == "Failed":
        return "Azure reports provisioningState Failed for the peering after the write."
    if last.flag(req.flag) != req.value:
        return f"Azure accepted the write but {req.flag} still reads {on_off(last.flag(req.flag))}."
    return last


def _finish(ctx: Ctx, cur: Loaded, after: Peering, note: str = "") -> None:
    """The change is in place: record both sides after it, and answer."""
    req = cur.req
    remote_after: dict[str, bool] = {}
    if req.reverse_id:
        try:
            rev = ctx.azure.peering(req.reverse_id)
            remote_after = {f: rev.flag(f) for f in FLAG_ORDER}
        except AzureFailure:
            remote_after = {}
    after_local = {f: after.flag(f) for f in FLAG_ORDER}
    try:
        cur = transition(
            ctx,
            cur,
            "applied",
            SYSTEM,
            note=note,
            audit_before=req.before_local,
            audit_after=after_local,
            after_local=after_local,
            after_remote=remote_after,
            applied_at=ctx.now().isoformat(),
            state_local=after.state or req.state_local,
        )
    except StoreConflict:
        return
    report(ctx, cur)


def _what_changed(req: ChangeRequest, now: Peering) -> str:
    """How the peering differs from what the plan saw ("allowForwardedTraffic off → on")."""
    diffs = [f"{f} {on_off(b)} → {on_off(now.flag(f))}" for f, b in req.before_local.items() if now.flag(f) != b]
    return "; ".join(diffs) if diffs else "its etag changed"


def _changed_by(ctx: Ctx, cur: Loaded) -> str:
    """ ", by request #N (approved by …)" when our own trail explains the change."""
    for e in store_of(ctx).recent_audit(limit=50, matching=cur.req.peering_id):
        if e.action == "applied" and e.request != cur.number and e.at >= parse_time(cur.req.created_at):
            return f", by request #{e.request}"
    return ", outside this bot (portal, CLI or a deployment)"


def _words(title: Inline) -> str:
    """A finding's title as words for a stored error text (names without code's backticks)."""
    return str(title).replace("`", "")
