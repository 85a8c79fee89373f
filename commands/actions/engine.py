"""Filing, applying and settling a request of any action (`commands.actions.spec.Spec`).

Filing: refused when the pre-flight has a critical finding, when the requester may not ask
for this kind (its policy's requesters), or when fewer approvers than the policy needs are
left once the requester is taken out. One open request per resource: each request holds
the locks its plan names (`params["locks"]`, resource ids) in the store, as a peering
change does, so two requests on one gateway — or a reset of both ends of a pair — cannot
both be open or in flight.

Applying (after the approvals its policy needs, `commands.peering.buttons`):

1. claim it (approved → applying, with a lease, one conditional store write);
2. the action's pre-flight again on a fresh read, with the operation's own guard (the etag
   the plan saw, nothing else running on the resource) — refused: nothing is written;
3. the fence (a conditional store write right before the write: a worker whose lease was
   taken over cannot write) — and a request whose write was already sent by a worker that
   died is never written again when a second write is not harmless (`Spec.guarded`);
4. the write; then Azure is read back (`Spec.verify`) and the request ends in what Azure
   holds: applied, failed (not applied), or unknown (re-checked by the sweep).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from commands.actions.spec import SENT_NO_ANSWER, SENT_OK, SENT_REFUSED, Spec, Verdict
from commands.core.errors import AzureFailure
from commands.core.freshness import fresh_reads
from commands.core.model import rid_key
from commands.core.policy import KINDS, policy_of
from commands.core.registry import Ctx
from commands.core.reply import Context, Finding, Reply, Text, error_reply
from commands.core.store import StoreConflict, update_state
from commands.core.text import Icon, code, rich, strong, user
from commands.findings import dedup, ranked
from commands.peering.apply import claim_for_apply, may_still_land
from commands.peering.filing import LOCK_NS, post_request
from commands.peering.outcome import RECHECK_FOR, mark_unknown, not_applied, write_error_words
from commands.peering.request import (
    APPLY_LEASE,
    OPEN,
    SYSTEM,
    TERMINAL,
    ChangeRequest,
    Loaded,
    audit_entry,
    fmt_time,
    lease_over,
    load,
    parse_time,
    save,
    store_of,
    transition,
)
from commands.peering.rules import approvers_hint_of, approvers_of, blocking, request_refusal, who


def spec_of(kind: str) -> Spec:
    from commands.actions.kinds import SPECS

    return SPECS[kind]


def new_request(
    ctx: Ctx,
    kind: str,
    target_id: str,
    target_name: str,
    reason: str,
    params: dict[str, Any],
    plan_etag: str = "",
    revert_of: int = 0,
) -> ChangeRequest:
    """A request of `kind` as planned now (times, requester, the approvals its policy needs)."""
    now = ctx.now()
    return ChangeRequest(
        requester=ctx.user,
        created_at=now.isoformat(),
        expires_at=(now + timedelta(minutes=ctx.settings.request_ttl_minutes)).isoformat(),
        plan_etag=plan_etag,
        reason=reason,
        channel=ctx.channel,
        revert_of=revert_of,
        kind=kind,
        target_id=target_id,
        target_name=target_name,
        params=params,
        needed=policy_of(ctx.settings.policies, kind).needed,
    )


def summary(req: ChangeRequest) -> str:
    """One line: what the request does ("reset connection conn-eun-to-aue")."""
    return str(req.params.get("summary") or f"{KINDS.get(req.kind, req.kind)} of {req.target_name}")


def file_action(ctx: Ctx, req: ChangeRequest, findings: list[Finding]) -> Reply:
    """Pre-flight, policy, lock, number, post: the answer for the person who asked."""
    findings = ranked(dedup(findings))
    blockers = blocking(findings)
    what = summary(req)
    if blockers:
        r = Reply(fallback=rich(f"Refused: {what} — {len(blockers)} problem(s)"), visibility="ephemeral")
        r.add(Text(rich(Icon.REFUSED, " ", strong("Not filed:"), f" {what} would not work or is not allowed now.")))
        r.add(*blockers)
        r.add(Context("Nothing was filed and nobody was asked. Fix the above, then ask again."))
        return r
    if not ctx.channel:
        return error_reply(
            "A change request must be posted in a channel, so its approvers can see it.",
            "Run the command in the channel where the team approves changes.",
        )
    refusal = request_refusal(ctx, req.kind)
    if refusal is not None:
        return error_reply(refusal, "Ask one of them to file it, or have the policy changed.")
    others = approvers_of(ctx, req.kind) - {ctx.user}
    if len(others) < req.needed:
        return error_reply(
            rich(
                f"A {KINDS.get(req.kind, req.kind)} needs {req.needed} approver(s) besides the requester, "
                f"and only {len(others)} other can approve it, so it was not filed."
            ),
            rich(
                "Approvers are ",
                approvers_hint_of(ctx, req.kind),
                "; the requester never counts. Add approvers (VPNOPS_APPROVERS, VPNOPS_APPROVER_GROUP, "
                "or this kind's entry in VPNOPS_ACTION_POLICY).",
            ),
        )
    req = dataclasses.replace(req, approvers=sorted(others | {ctx.user}))
    rows = req.params.get("rows") or []
    rec = store_of(ctx).create_request(
        "planned",
        req.to_body(),
        audit_entry(
            ctx,
            req,
            ctx.user,
            "requested",
            note=req.reason,
            before={str(r[0]): str(r[1]) for r in rows},
            after={str(r[0]): str(r[2]) for r in rows},
        ),
    )
    cur = Loaded.of(rec)
    holder = claim_locks(ctx, [str(k) for k in req.params.get("locks") or [req.target_id]], cur.number)
    if holder is not None:
        transition(ctx, cur, "cancelled", SYSTEM, note=f"another request holds {holder[1]}: #{holder[0]}")
        other = load(ctx, holder[0])
        return already_open(other) if other else error_reply("Another request for this resource was just filed.")
    posted = post_request(ctx, cur, findings)
    if isinstance(posted, Reply):
        return posted
    cur = posted
    r = Reply(fallback=f"Request #{cur.number} filed", visibility="ephemeral")
    r.add(
        Text(
            rich(
                Icon.NOTE,
                " Request ",
                strong(f"#{cur.number}"),
                f" is posted in the channel: {what}. It needs {req.needed} approval(s) from ",
                who(others),
                f" before {fmt_time(req.expires_at)}.",
            )
        )
    )
    return r


def already_open(cur: Loaded) -> Reply:
    req = cur.req
    status = "still waiting for approval" if cur.state in OPEN else "being applied right now"
    name = req.target_name or f"{req.vnet_name}/{req.peering_name}"
    return error_reply(
        rich(
            f"Request #{cur.number} (",
            summary(req) if req.kind != "peering" else rich(req.flag, " on ", code(name)),
            f") is {status} (asked by ",
            user(req.requester),
            "), so no second one was filed.",
        ),
        "One request at a time per gateway, connection or peering (a reset also holds the other end of its pair): "
        "approve, reject or cancel it first, then ask again.",
        "/vpn requests",
    )


def holder_of(ctx: Ctx, key: str) -> Loaded | None:
    """The request open or in flight that holds the lock `key` (a resource id), if any."""
    from commands.peering.sweep import touch

    rec = store_of(ctx).get_state(LOCK_NS, rid_key(key))
    number = int(rec.value.get("request", 0)) if rec is not None else 0
    cur = load(ctx, number) if number else None
    if cur is None:
        return None
    cur = touch(ctx, cur)
    return None if cur.state in TERMINAL else cur


def claim_locks(ctx: Ctx, keys: list[str], number: int) -> tuple[int, str] | None:
    """Make request `number` the holder of every key (in sorted order); (holder, key) of the
    first key another live request holds (the keys claimed before it point at `number`,
    which the caller cancels: a cancelled holder holds nothing)."""
    for key in sorted({rid_key(k) for k in keys if k}):
        held = _claim_one(ctx, key, number)
        if held:
            return held, key.rsplit("/", 1)[-1]
    return None


def _claim_one(ctx: Ctx, key: str, number: int) -> int:
    """Make `number` the holder of `key`; the live request holding it instead (0: none)."""
    from commands.peering.sweep import touch

    holder: list[int] = []

    def claim(lock: dict[str, Any]) -> dict[str, Any] | None:
        holder.clear()
        held = int(lock.get("request", 0))
        if held == number:
            return None
        cur = load(ctx, held) if held else None
        if cur is not None and touch(ctx, cur).state not in TERMINAL:
            holder.append(held)
            return None
        return {"request": number}

    update_state(store_of(ctx), LOCK_NS, key, claim, attempts=10)
    return holder[0] if holder else 0


# --- applying -----------------------------------------------------------------------------------


@fresh_reads()  # the plan an approver approves and the re-reads after a write: Azure now
def apply_approved(ctx: Ctx, cur: Loaded, recovering: bool = False) -> None:
    """Take an approved request to applying (claiming it) and apply it."""
    claimed = claim_for_apply(ctx, cur, recovering)
    if claimed is None:
        return  # another worker claimed it; it answers in the thread
    apply_leased(ctx, claimed, recovering=False)


def apply_leased(ctx: Ctx, cur: Loaded, recovering: bool) -> None:
    """Apply a request in state "applying" whose lease this worker holds."""
    spec = spec_of(cur.req.kind)
    if recovering and cur.req.write_sent_at and not spec.guarded:
        # The worker we took over from sent the write: never a second one (a reset twice
        # drops the tunnels twice). Read Azure and say what it holds.
        settle(ctx, cur, spec.verify(ctx, cur, SENT_NO_ANSWER), before="after a restart (not written again)")
        return
    try:
        refusal = spec.recheck(ctx, cur)
    except AzureFailure as exc:
        refusal = f"could not re-read Azure before writing: {exc}. {exc.advice!s} Nothing was written."
    if refusal:
        not_applied(ctx, cur, refusal)
        return
    fenced = _fence(ctx, cur)
    if fenced is None:
        return  # our lease is gone: whoever took it over writes, not us
    cur = fenced
    try:
        spec.write(ctx, cur)
    except AzureFailure as exc:
        sent = SENT_NO_ANSWER if may_still_land(exc) else SENT_REFUSED
        settle(ctx, cur, _verify(ctx, spec, cur, sent), before=write_error_words(exc))
        return
    settle(ctx, cur, _verify(ctx, spec, cur, SENT_OK))


def _verify(ctx: Ctx, spec: Spec, cur: Loaded, sent: str) -> Verdict:
    try:
        return spec.verify(ctx, cur, sent)
    except AzureFailure as exc:
        return Verdict("unknown", f"Azure could not be read back to learn what it holds ({exc}).")


def _fence(ctx: Ctx, cur: Loaded) -> Loaded | None:
    """The conditional store update right before the write (see `commands.peering.apply`)."""
    now = ctx.now()
    if lease_over(cur.req, now):
        return None
    try:
        return save(ctx, cur, write_sent_at=now.isoformat(), lease_until=(now + APPLY_LEASE).isoformat())
    except StoreConflict:
        return None


def settle(ctx: Ctx, cur: Loaded, v: Verdict, before: str = "") -> None:
    """End the request in the state the verdict supports, and answer in its thread."""
    if v.verdict == "applied":
        note = "; ".join(x for x in (before and f"{before}, but reading Azure back showed it done", v.words) if x)
        finish(ctx, cur, v, note)
        return
    lead = f"{before}: " if before else ""
    if v.verdict == "not_applied":
        not_applied(ctx, cur, lead + v.words)
        return
    unknown(ctx, cur, lead + v.words)


def finish(ctx: Ctx, cur: Loaded, v: Verdict, note: str = "") -> None:
    from commands.peering.messages import report

    req = cur.req
    rows = req.params.get("rows") or []
    params = dict(req.params, after=v.after)
    if note:
        cur = Loaded(cur.number, cur.state, cur.etag, dataclasses.replace(req, note=note[:1].upper() + note[1:] + "."))
    try:
        cur = transition(
            ctx,
            cur,
            "applied",
            SYSTEM,
            note=note,
            audit_before={str(r[0]): str(r[1]) for r in rows},
            audit_after={str(r[0]): v.after.get(str(r[0]), str(r[2])) for r in rows},
            params=params,
            applied_at=ctx.now().isoformat(),
            settled=True,
            error="",
            outcome_posted=False,
        )
    except StoreConflict:
        return
    _after_write(ctx, cur)
    report(ctx, cur)


def _after_write(ctx: Ctx, cur: Loaded) -> None:
    hook = spec_of(cur.req.kind).on_applied
    if hook is not None:  # idempotent: an unknown outcome settled later may run it again
        hook(ctx, cur)


def unknown(ctx: Ctx, cur: Loaded, error: str) -> None:
    """Azure's state could not be learned (`commands.peering.outcome.mark_unknown`); a write
    that was sent may have landed, so its follow-up (`Spec.on_applied`) runs, idempotent."""
    from commands.peering.messages import report

    marked = mark_unknown(ctx, cur, error)
    if marked is None:
        return
    if marked.req.write_sent_at:
        _after_write(ctx, marked)
    report(ctx, marked)


@fresh_reads()
def reconcile(ctx: Ctx, cur: Loaded) -> Loaded:
    """Read Azure again for an unknown outcome (the sweep, after the lease) and settle it."""
    from commands.peering.outcome import needs_reconcile

    now = ctx.now()
    req = cur.req
    if not needs_reconcile(cur, lease_over(req, now)):
        return cur
    try:
        cur = save(ctx, cur, lease_until=(now + APPLY_LEASE).isoformat())
    except StoreConflict:
        return cur
    v = _verify(ctx, spec_of(req.kind), cur, SENT_NO_ANSWER)
    if cur.state == "failed":
        if v.verdict == "applied":
            finish(ctx, cur, v, note="found done in Azure when the failure was re-checked")
        elif v.verdict == "not_applied":
            cur = save(ctx, cur, settled=True)
        return cur
    if v.verdict == "unknown":
        started = parse_time(req.write_sent_at) if req.write_sent_at else None
        if started is not None and now >= started + RECHECK_FOR:
            cur = save(ctx, cur, settled=True)
        return cur
    if v.verdict == "applied":
        finish(ctx, cur, v, note="found done when re-checked after the outcome was unknown")
    else:
        settle(ctx, cur, v, before="re-checked after the outcome was unknown")
    return cur


@fresh_reads()
def revert(ctx: Ctx, cur: Loaded) -> Reply:
    """The Revert button on an applied action: a new request of its own, or why there is none."""
    spec = spec_of(cur.req.kind)
    if spec.revert is None:
        why = str(cur.req.params.get("not_revertible") or "this action cannot be undone")
        return error_reply(f"Request #{cur.number} is not revertible: {why}.")
    if not ctx.channel and cur.req.channel:
        ctx = dataclasses.replace(ctx, channel=cur.req.channel)
    return spec.revert(ctx, cur)
