"""What an action's request says: the card in the channel, the outcome in its thread, and the
answer to a click on a request that has moved on. The plan is a table of what changes,
before → after; the card says up front whether and how the action can be reverted."""

from __future__ import annotations

from commands.actions.engine import spec_of, summary
from commands.core.reply import Actions, Button, Context, Fields, Finding, Header, Reply, Table, Text
from commands.core.text import Icon, Rich, em, rich, strong, user
from commands.peering.messages import outcome_line
from commands.peering.request import OPEN, ChangeRequest, Loaded, fmt_time
from commands.peering.rules import who


def _title(cur: Loaded) -> str:
    return f"{spec_of(cur.req.kind).title} #{cur.number}: {cur.req.target_name}"


def plan_table(req: ChangeRequest, after: dict[str, str] | None = None, caption: Rich | str = "") -> Table:
    """The plan's rows, `what | before | after` (after: as planned, or as read back)."""
    rows = []
    for what, before, planned in req.params.get("rows") or []:
        rows.append((str(what), str(before), str((after or {}).get(str(what), planned))))
    return Table(
        columns=("What", "Before", "After"),
        rows=tuple(rows),
        caption=caption,
        filename=f"{req.kind}-{req.target_name}.txt",
    )


def _revert_line(req: ChangeRequest) -> Rich:
    how = req.params.get("revert")
    if how:
        return rich(Icon.REVERT, " ", strong("Revertible:"), " ", str(how))
    return rich(Icon.WARNING, " ", strong("Not revertible:"), " ", str(req.params.get("not_revertible") or "—"))


def action_message(
    cur: Loaded, findings: list[Finding] | None = None, outcome: Rich | None = None, buttons: bool = True
) -> Reply:
    req, n = cur.req, cur.number
    head = _title(cur)
    r = Reply(fallback=rich(head, "" if cur.state in OPEN else f" — {cur.state}"))
    r.add(Header(head))
    r.add(
        Text(
            rich(
                f"Revert of #{req.revert_of}: " if req.revert_of else None,
                user(req.requester),
                f" asks to {summary(req)}.",
            )
        )
    )
    r.add(
        Fields(
            (
                ("Requested by", user(req.requester)),
                ("Reason", rich(req.reason) if req.reason else em("none given")),
                ("Expires", fmt_time(req.expires_at)),
                (
                    "Approvals",
                    rich(
                        f"{len(req.approvals)} of {req.needed}",
                        rich(" (", who(req.approvals), ")") if req.approvals else None,
                    ),
                ),
                ("Approvers", who(set(req.approvers) - {req.requester})),
            )
        )
    )
    r.add(plan_table(req, caption=rich(strong("Plan"), " (before → after)")))
    for w in req.params.get("warnings") or []:
        r.add(Text(rich(Icon.WARNING, " ", str(w))))
    r.add(Context(_revert_line(req)))
    for f in findings or []:
        r.add(f)
    if outcome:
        r.add(Text(outcome))
    if buttons and cur.state in OPEN:
        v = str(n)
        r.add(
            Actions(
                (
                    Button("Approve", "approval_approve", v, "primary", confirm=f"Approve #{n}: {summary(req)}?"),
                    Button("Reject", "approval_reject", v, "danger"),
                    Button("Cancel", "approval_cancel", v),
                ),
                block_id=f"approval_{n}",
            )
        )
        r.add(
            Context(
                f"Request #{n} · needs {req.needed} approval(s) · the requester cannot approve · discuss in the thread"
            )
        )
    return r


def action_state_reply(cur: Loaded) -> Reply:
    r = Reply(fallback=f"Request #{cur.number} is {cur.state}", visibility="ephemeral")
    r.add(Text(rich(f"Request #{cur.number} ({summary(cur.req)}) is ", strong(cur.state), ".")))
    r.add(Text(outcome_line(cur)))
    return r


def action_result(cur: Loaded) -> Reply:
    req, n = cur.req, cur.number
    if cur.state != "applied":
        r = Reply(fallback=f"#{n} {cur.state}")
        r.add(Text(rich("Request ", strong(f"#{n}"), ": ", outcome_line(cur))))
        return r
    r = Reply(fallback=f"#{n} applied: {summary(req)}")
    r.add(
        Text(
            rich(
                Icon.DONE,
                " Request ",
                strong(f"#{n}"),
                f" done: {summary(req)}. Approved by ",
                *[x for a in req.approvals for x in (user(a), " ")],
                f"at {fmt_time(req.decided_at)}; verified by reading Azure back.",
            )
        )
    )
    after = req.params.get("after") or {}
    r.add(plan_table(req, after, caption=rich(strong("Now"), " (before → after, as read back)")))
    for line in req.params.get("result_lines") or []:
        r.add(Text(rich(str(line))))
    if req.note:
        r.add(Context(rich(req.note)))
    if spec_of(req.kind).revert is not None:
        r.add(
            Actions(
                (Button("Revert", "approval_revert", str(n), confirm=f"Ask for a new request that undoes #{n}?"),),
                block_id=f"approval_revert_{n}",
            )
        )
    else:
        r.add(Context(_revert_line(req)))
    return r
