"""What a request says: the request posted in the channel, its outcome, the answers in its thread."""

from __future__ import annotations

from commands.core.registry import Ctx
from commands.core.reply import Actions, Button, Context, Fields, Finding, Header, Reply, Table, Text
from commands.core.store import StoreConflict
from commands.core.text import Icon, Rich, code, em, prose, rich, strong, user
from commands.findings.peerings import FLAG_ORDER, SHORT_NAMES, flag_label, on_off
from commands.peering.request import IN_FLIGHT, OPEN, ChangeRequest, Loaded, fmt_time, save
from commands.peering.rules import DOC_P2S_PROFILE, who


def _flag_cells(before: dict[str, bool], after: dict[str, bool]) -> tuple[str, ...]:
    cells = []
    for f in FLAG_ORDER:
        if f not in before:
            cells.append("?")
            continue
        b, a = before[f], after.get(f, before[f])
        cells.append(on_off(b) if a == b else f"{on_off(b)} → {on_off(a)}")
    return tuple(cells)


def plan_table(
    req: ChangeRequest,
    after_local: dict[str, bool] | None = None,
    after_remote: dict[str, bool] | None = None,
    caption: Rich | str = "",
) -> Table:
    """Both sides, each flag `before → after` where it changes (plain text cells)."""
    if after_local is None:
        after_local = dict(req.before_local, **{req.flag: req.value})
    rows = [(req.vnet_name, req.peering_name, *_flag_cells(req.before_local, after_local), req.state_local or "?")]
    if req.reverse_name:
        rows.append(
            (
                req.remote_vnet_name,
                req.reverse_name,
                *_flag_cells(req.before_remote, after_remote or req.before_remote),
                req.state_remote or "?",
            )
        )
    else:
        rows.append((req.remote_vnet_name or "?", "(no peering back)", "", "", "", "", ""))
    return Table(
        columns=("VNet", "Peering", *(SHORT_NAMES[f] for f in FLAG_ORDER), "State"),
        rows=tuple(rows),
        caption=caption,
        filename=f"peering-{req.peering_name}.txt",
    )


def _headline(number: int, req: ChangeRequest) -> str:
    return f"Peering change #{number}: {req.flag} → {on_off(req.value)} for {req.vnet_name}/{req.peering_name}"


def request_message(
    cur: Loaded, findings: list[Finding] | None = None, outcome: Rich | None = None, buttons: bool = True
) -> Reply:
    """The request as posted in the channel; later updated with the outcome instead of buttons."""
    if cur.req.kind != "peering":
        from commands.actions.messages import action_message

        return action_message(cur, findings, outcome, buttons)
    req, n = cur.req, cur.number
    r = Reply(fallback=rich(_headline(n, req), "" if cur.state in OPEN else f" — {cur.state}"))
    r.add(Header(_headline(n, req)))
    r.add(
        Text(
            rich(
                f"Revert of #{req.revert_of}: " if req.revert_of else None,
                user(req.requester),
                " asks to turn ",
                strong(on_off(req.value)),
                " ",
                code(flag_label(req.flag)),
                " on peering ",
                code(req.peering_name),
                " of ",
                code(req.vnet_name),
                " (towards ",
                code(req.remote_vnet_name or "?"),
                ").",
            )
        )
    )
    r.add(
        Fields(
            (
                ("Requested by", user(req.requester)),
                ("Reason", rich(req.reason) if req.reason else em("none given")),
                ("Expires", fmt_time(req.expires_at)),
                ("Approvers", who(set(req.approvers) - {req.requester})),
            )
        )
    )
    r.add(plan_table(req, caption=rich(strong("Plan"), " (before → after; only this peering is written)")))
    for f in findings or []:
        r.add(f)
    if outcome:
        r.add(Text(outcome))
    if buttons and cur.state in OPEN:
        v = str(n)
        r.add(
            Actions(
                (
                    Button(
                        "Approve",
                        "approval_approve",
                        v,
                        "primary",
                        confirm=f"Apply #{n} to Azure now: {req.flag} → {on_off(req.value)} for {req.peering_name}?",
                    ),
                    Button("Reject", "approval_reject", v, "danger"),
                    Button("Cancel", "approval_cancel", v),
                ),
                block_id=f"approval_{n}",
            )
        )
        r.add(Context(f"Request #{n} · the requester cannot approve · discuss in the thread"))
    return r


def outcome_line(cur: Loaded) -> Rich:
    """One line on where the request stands (shown on the card and in answers)."""
    req, st = cur.req, cur.state
    decided = rich(user(req.decided_by), f" at {fmt_time(req.decided_at)}") if req.decided_by else rich()
    if st == "applied":
        return rich(
            Icon.DONE, " ", strong("Applied"), " — approved by ", decided, f"; applied {fmt_time(req.applied_at)}."
        )
    if st == "failed":
        by = rich(" — approved by ", decided) if decided else None
        # The stored reason is our words (with `backticked` commands) around Azure's message.
        # "Not applied": a failed request's outcome was read back from Azure.
        return rich(Icon.FAILED, " ", strong("Not applied"), by, ": ", prose(req.error or req.note))
    if st == "unknown":
        by = rich(" — approved by ", decided) if decided else None
        return rich(Icon.WARNING, " ", strong("Outcome unknown"), by, ": ", prose(req.error or req.note))
    if st == "rejected":
        return rich(Icon.REFUSED, " ", strong("Rejected"), " by ", decided, ".")
    if st == "cancelled":
        return rich(
            Icon.NEUTRAL,
            " ",
            strong("Cancelled"),
            " by ",
            user(req.decided_by or req.requester),
            f" ({req.note})." if req.note else ".",
        )
    if st == "expired":
        return rich(
            Icon.WAITING,
            " ",
            strong("Expired"),
            f" at {fmt_time(req.expires_at)}: nobody approved it in time. Ask again if it is still needed.",
        )
    if st in IN_FLIGHT:
        return rich(Icon.REVERT, " ", strong("Approved"), " by ", decided, "; applying to Azure…")
    return rich(f"Waiting for approval until {fmt_time(req.expires_at)}.")


def state_reply(cur: Loaded) -> Reply:
    """The answer to a click on a request that is no longer waiting for that click."""
    if cur.req.kind != "peering":
        from commands.actions.messages import action_state_reply

        return action_state_reply(cur)
    req = cur.req
    text = rich(
        f"Request #{cur.number} (",
        code(req.flag),
        f" → {on_off(req.value)} for ",
        code(req.vnet_name + "/" + req.peering_name),
        ") is ",
        strong(cur.state),
        ".",
    )
    r = Reply(fallback=f"Request #{cur.number} is {cur.state}", visibility="ephemeral")
    r.add(Text(text), Text(outcome_line(cur)))
    return r


def result_message(cur: Loaded) -> Reply:
    """The answer in the request's thread once it is decided (applied: with a Revert button)."""
    if cur.req.kind != "peering":
        from commands.actions.messages import action_result

        return action_result(cur)
    req, n = cur.req, cur.number
    if cur.state == "applied":
        r = Reply(
            fallback=rich(f"#{n} applied: {req.flag} is now {on_off(req.value)} for {req.vnet_name}/{req.peering_name}")
        )
        r.add(
            Text(
                rich(
                    Icon.DONE,
                    " Request ",
                    strong(f"#{n}"),
                    " applied: ",
                    code(req.flag),
                    " is now ",
                    strong(on_off(req.value)),
                    " for ",
                    code(req.vnet_name + "/" + req.peering_name),
                    ". Approved by ",
                    user(req.decided_by),
                    f" at {fmt_time(req.decided_at)}; verified by re-reading the peering.",
                )
            )
        )
        now = rich(strong("Now"), " (before → after)")
        r.add(plan_table(req, req.after_local, req.after_remote or None, caption=now))
        for gw in req.p2s_gateways:
            r.add(
                Finding(
                    "info",
                    rich("VPN clients of ", code(gw), " get other routes now"),
                    evidence=rich(
                        "Gateway transit took effect or stopped, so the routes ",
                        code(gw),
                        " hands point-to-site clients changed.",
                    ),
                    next_step=rich(
                        "Windows clients that use the native VPN client (IKEv2/SSTP) download and install the VPN "
                        "client configuration package again; Azure VPN Client (OpenVPN) users reconnect."
                    ),
                    doc_url=DOC_P2S_PROFILE,
                    key=f"p2s_profile:{gw}",
                )
            )
        if req.note:
            r.add(Context(rich(req.note)))
        r.add(
            Actions(
                (Button("Revert", "approval_revert", str(n), confirm=f"Ask for a new request that undoes #{n}?"),),
                block_id=f"approval_revert_{n}",
            )
        )
        return r
    r = Reply(fallback=f"#{n} {cur.state}")
    r.add(Text(rich("Request ", strong(f"#{n}"), ": ", outcome_line(cur))))
    return r


def post_in_thread(ctx: Ctx, cur: Loaded, reply: Reply) -> str:
    """Post into the request's thread (or the channel when it never got a message); the
    posted message's ref ("" when there was nowhere to post)."""
    channel = cur.req.channel or ctx.channel
    ref = cur.req.message_ref or None
    if ref and ":" in ref and not channel:
        channel = ref.split(":", 1)[0]
    if channel:
        return ctx.out.post(channel, reply, thread=ref)
    return ""


def update_card(ctx: Ctx, cur: Loaded) -> None:
    """The request as posted, with where it stands instead of its buttons."""
    if cur.req.message_ref:
        ctx.out.update(cur.req.message_ref, request_message(cur, outcome=outcome_line(cur), buttons=False))


def report(ctx: Ctx, cur: Loaded) -> None:
    """Answer in the thread and replace the buttons; then remember that it was answered."""
    update_card(ctx, cur)
    posted = post_in_thread(ctx, cur, result_message(cur))
    try:
        # The outcome's message carries the Revert button: a click on it is bound to it.
        save(ctx, cur, outcome_posted=True, result_ref=posted or cur.req.result_ref)
    except StoreConflict:
        pass
