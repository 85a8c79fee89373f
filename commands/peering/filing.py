"""Filing a request: plan it, pre-flight it, number it, post it in the channel for approval.

The pre-flight is Azure's flag rules (`commands.peering.rules`) and the write path's guards
(`commands.peering.guards`: another operation holding a resource, Virtual Network Manager
managing the peering). The plan records the peering's etag and what it saw of it
(`plan_seen`): the write is conditional on that etag.

One request per peering at a time: a lock in the store (key = peering id) names the open
request, so two requests filed at the same instant (or one command delivered twice) end
with one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from commands.core.model import rid_key
from commands.core.registry import Ctx
from commands.core.reply import Context, Finding, Reply, Text, error_reply
from commands.core.store import update_state
from commands.core.text import Icon, code, rich, strong, user
from commands.findings import dedup, ranked
from commands.findings.peerings import FLAG_ORDER, PeeringFacts, on_off
from commands.peering.guards import write_guards
from commands.peering.messages import request_message
from commands.peering.request import (
    OPEN,
    SYSTEM,
    TERMINAL,
    ChangeRequest,
    Loaded,
    audit_entry,
    fmt_time,
    load,
    seen,
    store_of,
    transition,
)
from commands.peering.rules import (
    approvers_hint,
    blocking,
    current_approvers,
    p2s_affected,
    preflight,
    who,
)
from commands.peering.sweep import touch

LOCK_NS = "peering_request"  # one open request per peering: key = peering id, value = number


def plan_request(
    ctx: Ctx, facts: PeeringFacts, flag: str, value: bool, reason: str, revert_of: int = 0
) -> tuple[ChangeRequest, list[Finding]]:
    """The request the user would file and the preflight findings (critical = refused)."""
    p = facts.peering
    findings = ranked(dedup([*preflight(facts, flag, value), *write_guards(ctx, facts, flag)]))
    now = ctx.now()
    req = ChangeRequest(
        peering_id=p.id,
        peering_name=p.name,
        vnet_id=facts.local.vnet.id,
        vnet_name=facts.local.vnet.name,
        flag=flag,
        value=value,
        requester=ctx.user,
        created_at=now.isoformat(),
        expires_at=(now + timedelta(minutes=ctx.settings.request_ttl_minutes)).isoformat(),
        plan_etag=p.etag,
        remote_vnet_id=facts.remote.vnet.id if facts.remote else p.remote_vnet_id,
        remote_vnet_name=facts.remote_name,
        reverse_id=facts.reverse.id if facts.reverse else "",
        reverse_name=facts.reverse.name if facts.reverse else "",
        reason=reason,
        channel=ctx.channel,
        before_local={f: p.flag(f) for f in FLAG_ORDER},
        before_remote={f: facts.reverse.flag(f) for f in FLAG_ORDER} if facts.reverse else {},
        state_local=p.state,
        state_remote=facts.reverse.state if facts.reverse else "",
        p2s_gateways=[g.name for g in p2s_affected(facts, flag)],
        revert_of=revert_of,
        plan_seen=seen(p),
    )
    return req, findings


def file_request(ctx: Ctx, facts: PeeringFacts, flag: str, value: bool, reason: str, revert_of: int = 0) -> Reply:
    """Plan, pre-flight and — when nothing blocks — file and post the request.

    Returns the answer for the person who asked (the request itself goes to the channel).
    """
    req, findings = plan_request(ctx, facts, flag, value, reason, revert_of)
    target = code(f"{req.vnet_name}/{req.peering_name}")
    blockers = blocking(findings)
    if blockers:
        r = Reply(
            fallback=rich(
                f"Refused: {flag} → {on_off(value)} for {req.vnet_name}/{req.peering_name} — {len(blockers)} problem(s)"
            ),
            visibility="ephemeral",
        )
        r.add(
            Text(
                rich(
                    Icon.REFUSED,
                    " ",
                    strong("Not filed:"),
                    " turning ",
                    code(flag),
                    " ",
                    strong(on_off(value)),
                    " for ",
                    target,
                    " would not work.",
                )
            )
        )
        r.add(*blockers)
        r.add(Context("Nothing was filed and nobody was asked. Fix the above, then ask again."))
        return r
    if not ctx.channel:
        return error_reply(
            "A change request must be posted in a channel, so its approvers can see it.",
            "Run the command in the channel where the team approves changes.",
        )
    approvers = current_approvers(ctx)
    others = approvers - {ctx.user}
    if not others:
        return error_reply(
            "Nobody else could approve this request, so it was not filed.",
            rich(
                "Approvers are ",
                approvers_hint(ctx),
                "; the requester cannot approve their own request. "
                "Add approvers with VPNOPS_APPROVERS (user ids) or VPNOPS_APPROVER_GROUP.",
            ),
        )
    existing = open_request_for(ctx, req.peering_id)
    if existing is not None:
        return _already_open(existing)
    req.approvers = sorted(approvers)
    store = store_of(ctx)
    # The trail credits a request with its own flag only.
    rec = store.create_request(
        "planned",
        req.to_body(),
        audit_entry(
            ctx, req, ctx.user, "requested", note=reason, before={flag: req.before_local[flag]}, after={flag: value}
        ),
    )
    cur = Loaded.of(rec)
    holder = _claim_peering(ctx, req.peering_id, cur.number)
    if holder is not None:
        # Another request for this peering was filed at the same instant (or this very
        # command was delivered twice): keep the first, retire this one.
        transition(ctx, cur, "cancelled", SYSTEM, note=f"duplicate of #{holder}")
        other = load(ctx, holder)
        return _already_open(other) if other else error_reply("Another request for this peering was just filed.")
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
                " is posted in the channel: ",
                code(flag),
                " → ",
                strong(on_off(value)),
                " for ",
                target,
                ". It needs an approval from ",
                who(others),
                f" before {fmt_time(req.expires_at)}.",
            )
        )
    )
    return r


def _already_open(cur: Loaded) -> Reply:
    req = cur.req
    status = "still waiting for approval" if cur.state in OPEN else "being applied right now"
    return error_reply(
        rich(
            f"Request #{cur.number} for ",
            code(req.vnet_name + "/" + req.peering_name),
            f" is {status} (asked by ",
            user(req.requester),
            "), so no second one was filed.",
        ),
        "One request per peering at a time: approve, reject or cancel it first, then ask again.",
        "/vpn requests",
    )


def open_request_for(ctx: Ctx, peering_id: str) -> Loaded | None:
    """The request still open or in flight for this peering, if any (expiring lazily)."""
    rec = store_of(ctx).get_state(LOCK_NS, rid_key(peering_id))
    if rec is None:
        return None
    number = int(rec.value.get("request", 0))
    cur = load(ctx, number) if number else None
    if cur is None:
        return None
    cur = touch(ctx, cur)
    return None if cur.state in TERMINAL else cur


def _claim_peering(ctx: Ctx, peering_id: str, number: int) -> int | None:
    """Make `number` the one open request of this peering; return the holder if another is."""
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

    update_state(store_of(ctx), LOCK_NS, rid_key(peering_id), claim, attempts=10)
    return holder[0] if holder else None


def post_request(ctx: Ctx, cur: Loaded, findings: list[Finding]) -> Loaded | Reply:
    """Post a filed request's card in the channel and mark it pending; a card that cannot be
    posted withdraws the request (recorded as failed) and says why, for every kind of request."""
    try:
        ref = ctx.out.post(ctx.channel, request_message(cur, findings))
    except Exception as exc:  # noqa: BLE001 - any transport failure: record it, tell the user
        transition(ctx, cur, "failed", SYSTEM, note=f"could not post the request: {type(exc).__name__}", settled=True)
        return error_reply(
            f"Request #{cur.number} could not be posted in the channel, so it was withdrawn.",
            "Check that the bot is a member of this channel, then ask again.",
        )
    return transition(ctx, cur, "pending", SYSTEM, note="posted", message_ref=ref)
