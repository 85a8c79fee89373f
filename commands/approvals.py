"""Peering change requests under approval: the state machine, its rules, its buttons.

A request lives in the store (`commands.core.store.Store`) and moves through

    planned → pending → approved → applying → applied | failed
                      ↘ rejected | cancelled | expired

* **planned**: numbered and stored, not yet posted; **pending**: posted in the channel
  with Approve / Reject / Cancel, waiting for an approver.
* **approved → applying → applied|failed**: the approver's click applies it. "applying"
  carries an idempotency marker and a lease: whoever finds it with the lease run out
  (the process died mid-way) re-reads Azure and either finds the change in place
  (→ applied, no second write) or, when the peering is untouched since the plan,
  writes it once.
* Every state change is one conditional write (etag) together with its audit row, so of
  fifty simultaneous clicks exactly one approves; the others are told the state.

Rules (pure functions, tested alone): the requester never approves their own request;
approvers are `VPNOPS_APPROVERS` plus the members of the Slack user group
`VPNOPS_APPROVER_GROUP`; only the requester cancels; requests expire after
`VPNOPS_REQUEST_TTL_MINUTES` — checked on every touch, and by `sweep()` for the timer.
ARM's peering PUT has no If-Match, so we re-read the peering and compare its etag with
the one the plan was made on before writing, and re-read again after to verify.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from commands.core.errors import AzureFailure
from commands.core.fanout import gather
from commands.core.model import Gateway, Peering, ResourceId, VirtualNetwork, rid_key
from commands.core.registry import Ctx, action
from commands.core.reply import (
    Actions,
    Button,
    Context,
    Fields,
    Finding,
    Header,
    Reply,
    Table,
    Text,
    code,
    error_reply,
    esc,
)
from commands.core.store import AuditEntry, RequestRecord, Store, StoreConflict, StoreError
from commands.findings.peerings import (
    FLAG_ORDER,
    SHORT_NAMES,
    PeeringFacts,
    VnetFacts,
    blocking,
    find_reverse,
    flag_label,
    gateways_in,
    on_off,
    p2s_affected,
    preflight,
)

STATES = ("planned", "pending", "approved", "applying", "applied", "failed", "rejected", "cancelled", "expired")
OPEN = frozenset({"planned", "pending"})
IN_FLIGHT = frozenset({"approved", "applying"})
TERMINAL = frozenset({"applied", "failed", "rejected", "cancelled", "expired"})
TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"pending", "expired", "cancelled", "failed"}),
    "pending": frozenset({"approved", "rejected", "cancelled", "expired"}),
    "approved": frozenset({"applying", "failed"}),
    "applying": frozenset({"applied", "failed"}),
}
SYSTEM = "vpnops"  # the actor of what the bot does by itself (expiry, recovery)
LOCK_NS = "peering_request"  # one open request per peering: key = peering id, value = number
# How long an approve/apply may run before another worker assumes it died and takes over.
# ARM peering PUTs finish within a minute; the adapter's LRO timeout is shorter than this.
APPLY_LEASE = timedelta(minutes=5)
# After the PUT, how long to wait for provisioningState to leave "Updating".
VERIFY_ATTEMPTS = 10
VERIFY_PAUSE_S = 0.5

_USER_ID = re.compile(r"^[UWB][A-Z0-9_]{1,30}$")


# --- the request -----------------------------------------------------------------------------


@dataclass
class ChangeRequest:
    """What a request is about and what happened to it (the store's `body`)."""

    peering_id: str
    peering_name: str
    vnet_id: str
    vnet_name: str
    flag: str
    value: bool
    requester: str
    created_at: str
    expires_at: str
    plan_etag: str
    remote_vnet_id: str = ""
    remote_vnet_name: str = ""
    reverse_id: str = ""
    reverse_name: str = ""
    reason: str = ""
    channel: str = ""
    before_local: dict[str, bool] = field(default_factory=dict)
    before_remote: dict[str, bool] = field(default_factory=dict)
    state_local: str = ""
    state_remote: str = ""
    p2s_gateways: list[str] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)
    message_ref: str = ""
    decided_by: str = ""
    decided_at: str = ""
    apply_marker: str = ""
    apply_attempts: int = 0
    lease_until: str = ""
    after_local: dict[str, bool] = field(default_factory=dict)
    after_remote: dict[str, bool] = field(default_factory=dict)
    applied_at: str = ""
    error: str = ""
    outcome_posted: bool = False
    revert_of: int = 0
    note: str = ""

    def to_body(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> ChangeRequest:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in body.items() if k in known})

    @property
    def scope(self) -> str:
        """What `/vpn audit <vnet>` finds this request's rows by."""
        return " ".join(x for x in (self.vnet_id, self.remote_vnet_id, self.reverse_id) if x)


@dataclass(frozen=True)
class Loaded:
    number: int
    state: str
    etag: str
    req: ChangeRequest

    @classmethod
    def of(cls, rec: RequestRecord) -> Loaded:
        return cls(rec.number, rec.state, rec.etag, ChangeRequest.from_body(rec.body))


# --- pure rules ---------------------------------------------------------------------------


def approvers_for(settings_approvers: frozenset[str] | set[str], group_members: set[str]) -> set[str]:
    """Who may approve: the configured user ids plus the approver group's members."""
    return {a for a in settings_approvers if a} | {m for m in group_members if m}


def approval_refusal(number: int, requester: str, user: str, approvers: set[str]) -> str | None:
    """Why `user` may not approve (None when they may). Requester ≠ approver, always."""
    if user == requester:
        return (
            f"You asked for request #{number}, so you cannot approve it: a second person must "
            "(requester ≠ approver). Ask an approver in the thread."
        )
    if user not in approvers:
        return (
            f"Only approvers can approve or reject peering changes, and you are not one. Approvers: {who(approvers)}."
        )
    return None


def can_transition(state: str, to: str) -> bool:
    return to in TRANSITIONS.get(state, frozenset())


def is_expired(req: ChangeRequest, state: str, now: datetime) -> bool:
    """Only a request still waiting for a decision expires; an approved one goes on."""
    return state in OPEN and now >= _dt(req.expires_at)


def lease_over(req: ChangeRequest, now: datetime) -> bool:
    return not req.lease_until or now >= _dt(req.lease_until)


def mention(user: str) -> str:
    """A Slack mention for a user id; anything else is escaped text."""
    return f"<@{user}>" if _USER_ID.match(user or "") else esc(user or "?")


def who(users: set[str] | list[str]) -> str:
    return ", ".join(mention(u) for u in sorted(users)) or "nobody is configured"


def fmt_time(iso: str) -> str:
    if not iso:
        return "?"
    return _dt(iso).strftime("%Y-%m-%d %H:%M UTC")


def _dt(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def parse_number(value: str) -> int | None:
    text = (value or "").strip().lstrip("#")
    return int(text) if text.isdigit() and 0 < len(text) <= 9 else None


# --- reading Azure ------------------------------------------------------------------------


def read_facts(ctx: Ctx, vnet: VirtualNetwork, peering: Peering) -> PeeringFacts:
    """Both sides of one peering, with the gateways of both VNets (see `read_facts_many`)."""
    return read_facts_many(ctx, vnet, [peering])[0]


def read_facts_many(ctx: Ctx, vnet: VirtualNetwork, peerings: list[Peering]) -> list[PeeringFacts]:
    """Both sides of each peering of `vnet`, with the gateways of every VNet involved.

    One concurrent fan-out: the gateway list of each subscription involved and each
    remote VNet. A remote VNet may be unreadable (another subscription, no permission):
    its facts then say why in `remote_error`, and the checks that need it say so.
    """

    def sub_of(rid: str) -> str:
        return ResourceId.parse(rid).subscription_id.lower() if rid.startswith("/") else ""

    remote_ids = list(dict.fromkeys(p.remote_vnet_id for p in peerings if p.remote_vnet_id))
    subs = list(dict.fromkeys(s for s in [sub_of(vnet.id), *(sub_of(r) for r in remote_ids)] if s))
    tasks: list[Callable[[], object]] = [functools.partial(ctx.azure.gateways, s) for s in subs]
    tasks += [functools.partial(ctx.azure.virtual_network, r) for r in remote_ids]
    outcomes = gather(tasks, ctx.settings.concurrency)
    gateways: dict[str, list[Gateway] | None] = {}
    for s, o in zip(subs, outcomes[: len(subs)], strict=True):
        gateways[s] = list(o.value) if o.ok and isinstance(o.value, list) else None
    remotes: dict[str, VirtualNetwork | AzureFailure] = {}
    for r, o in zip(remote_ids, outcomes[len(subs) :], strict=True):
        if o.ok and isinstance(o.value, VirtualNetwork):
            remotes[rid_key(r)] = o.value
        elif o.error is not None:
            remotes[rid_key(r)] = o.error

    def facts_for(v: VirtualNetwork) -> VnetFacts:
        gws = gateways.get(sub_of(v.id))
        return VnetFacts(v, gateways_in(v.id, gws or []), gws is not None)

    local = facts_for(vnet)
    out = []
    for p in peerings:
        got = remotes.get(rid_key(p.remote_vnet_id))
        if isinstance(got, VirtualNetwork):
            out.append(PeeringFacts(local, p, facts_for(got), find_reverse(p, got)))
        elif isinstance(got, AzureFailure):
            out.append(PeeringFacts(local, p, remote_error=f"{got}. {got.advice}"))
        else:
            out.append(PeeringFacts(local, p, remote_error="The peering names no remote virtual network."))
    return out


def _fresh_facts(ctx: Ctx, req: ChangeRequest, peering: Peering) -> PeeringFacts:
    vnet = ctx.azure.virtual_network(req.vnet_id)
    # The VNet read embeds its peerings; use the fresh single GET for the one we change.
    vnet = dataclasses.replace(
        vnet, peerings=tuple(peering if rid_key(p.id) == rid_key(peering.id) else p for p in vnet.peerings)
    )
    return read_facts(ctx, vnet, peering)


# --- store helpers ------------------------------------------------------------------------


def store_of(ctx: Ctx) -> Store:
    if ctx.store is None:
        raise StoreError("no store is configured (VPNOPS_STORE), so requests cannot be kept")
    store: Store = ctx.store
    return store


def load(ctx: Ctx, number: int) -> Loaded | None:
    rec = store_of(ctx).get_request(number)
    return Loaded.of(rec) if rec else None


def _audit(
    ctx: Ctx, req: ChangeRequest, actor: str, act: str, note: str = "", before: Any = None, after: Any = None
) -> AuditEntry:
    return AuditEntry(
        at=ctx.now(),
        actor=actor,
        action=act,
        subject=req.peering_id,
        scope=req.scope,
        before=before if before is not None else {},
        after=after if after is not None else {},
        note=note,
    )


def transition(
    ctx: Ctx,
    cur: Loaded,
    to: str,
    actor: str,
    note: str = "",
    audit_before: Any = None,
    audit_after: Any = None,
    **changes: Any,
) -> Loaded:
    """Move `cur` to state `to` with `changes`, conditional on its etag, with its audit row.

    Raises StoreConflict when someone else moved it first (re-read and report the state).
    """
    if not can_transition(cur.state, to):
        raise StoreConflict(f"request #{cur.number} is {cur.state}; it cannot become {to}")
    req = dataclasses.replace(cur.req, **changes)
    entry = _audit(ctx, req, actor, to, note=note or req.note, before=audit_before, after=audit_after)
    rec = store_of(ctx).update_request(cur.number, to, req.to_body(), cur.etag, entry)
    return Loaded.of(rec)


def _save(ctx: Ctx, cur: Loaded, **changes: Any) -> Loaded:
    """Change the body without a state change (e.g. the outcome was posted); conditional too."""
    req = dataclasses.replace(cur.req, **changes)
    return Loaded.of(store_of(ctx).update_request(cur.number, cur.state, req.to_body(), cur.etag))


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
    store = store_of(ctx)
    key = rid_key(peering_id)
    for _ in range(10):
        rec = store.get_state(LOCK_NS, key)
        if rec is not None:
            holder = int(rec.value.get("request", 0))
            if holder == number:
                return None
            cur = load(ctx, holder) if holder else None
            if cur is not None and touch(ctx, cur).state not in TERMINAL:
                return holder
        try:
            store.put_state(LOCK_NS, key, {"request": number}, rec.etag if rec else None)
            return None
        except StoreConflict:
            continue
    raise StoreError("the request lock of this peering is contended; try again")


# --- approvers ----------------------------------------------------------------------------


def current_approvers(ctx: Ctx) -> set[str]:
    members: set[str] = set()
    if ctx.settings.approver_group:
        members = ctx.out.user_groups_members(ctx.settings.approver_group)
    return approvers_for(ctx.settings.approvers, members)


def approvers_hint(ctx: Ctx) -> str:
    bits = []
    if ctx.settings.approvers:
        bits.append(who(set(ctx.settings.approvers)))
    if ctx.settings.approver_group:
        bits.append(f"members of the user group {code(ctx.settings.approver_group)}")
    return " and ".join(bits) or "nobody (set VPNOPS_APPROVERS or VPNOPS_APPROVER_GROUP)"


# --- filing -------------------------------------------------------------------------------


def plan_request(
    ctx: Ctx, facts: PeeringFacts, flag: str, value: bool, reason: str, revert_of: int = 0
) -> tuple[ChangeRequest, list[Finding]]:
    """The request the user would file and the preflight findings (critical = refused)."""
    p = facts.peering
    findings = preflight(facts, flag, value)
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
            fallback=f"Refused: {flag} → {on_off(value)} for {req.vnet_name}/{req.peering_name} — {len(blockers)} problem(s)",
            visibility="ephemeral",
        )
        r.add(Text(f":no_entry: *Not filed:* turning {code(flag)} *{on_off(value)}* for {target} would not work."))
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
            f"Approvers are {approvers_hint(ctx)}; the requester cannot approve their own request. "
            "Add approvers with VPNOPS_APPROVERS (user ids) or VPNOPS_APPROVER_GROUP.",
        )
    existing = open_request_for(ctx, req.peering_id)
    if existing is not None:
        return _already_open(existing)
    req.approvers = sorted(approvers)
    store = store_of(ctx)
    after = dict(req.before_local, **{flag: value})
    rec = store.create_request(
        "planned",
        req.to_body(),
        _audit(ctx, req, ctx.user, "requested", note=reason, before=req.before_local, after=after),
    )
    cur = Loaded.of(rec)
    holder = _claim_peering(ctx, req.peering_id, cur.number)
    if holder is not None:
        # Another request for this peering was filed at the same instant (or this very
        # command was delivered twice): keep the first, retire this one.
        transition(ctx, cur, "cancelled", SYSTEM, note=f"duplicate of #{holder}")
        other = load(ctx, holder)
        return _already_open(other) if other else error_reply("Another request for this peering was just filed.")
    try:
        ref = ctx.out.post(ctx.channel, request_message(cur, findings))
    except Exception as exc:  # noqa: BLE001 - any transport failure: record it, tell the user
        transition(ctx, cur, "failed", SYSTEM, note=f"could not post the request: {type(exc).__name__}")
        return error_reply(
            f"Request #{cur.number} could not be posted in the channel, so it was withdrawn.",
            "Check that the bot is a member of this channel, then ask again.",
        )
    cur = transition(ctx, cur, "pending", SYSTEM, note="posted", message_ref=ref)
    r = Reply(fallback=f"Request #{cur.number} filed", visibility="ephemeral")
    r.add(
        Text(
            f":memo: Request *#{cur.number}* is posted in the channel: {code(flag)} → *{on_off(value)}* for {target}. "
            f"It needs an approval from {who(others)} before {fmt_time(req.expires_at)}."
        )
    )
    return r


def _already_open(cur: Loaded) -> Reply:
    req = cur.req
    status = "still waiting for approval" if cur.state in OPEN else "being applied right now"
    return error_reply(
        f"Request #{cur.number} for {code(req.vnet_name + '/' + req.peering_name)} is {status} "
        f"(asked by {mention(req.requester)}), so no second one was filed.",
        "One request per peering at a time: approve, reject or cancel it first, then ask again.",
        "/vpn requests",
    )


# --- messages ----------------------------------------------------------------------------


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
    caption: str = "",
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
    cur: Loaded, findings: list[Finding] | None = None, outcome: str = "", buttons: bool = True
) -> Reply:
    """The request as posted in the channel; later updated with the outcome instead of buttons."""
    req, n = cur.req, cur.number
    r = Reply(fallback=_headline(n, req) + ("" if cur.state in OPEN else f" — {cur.state}"))
    r.add(Header(_headline(n, req)))
    what = f"Revert of #{req.revert_of}: " if req.revert_of else ""
    r.add(
        Text(
            f"{what}{mention(req.requester)} asks to turn *{on_off(req.value)}* {code(flag_label(req.flag))} on peering "
            f"{code(req.peering_name)} of {code(req.vnet_name)} (towards {code(req.remote_vnet_name or '?')})."
        )
    )
    r.add(
        Fields(
            (
                ("Requested by", mention(req.requester)),
                ("Reason", esc(req.reason) if req.reason else "_none given_"),
                ("Expires", fmt_time(req.expires_at)),
                ("Approvers", who(set(req.approvers) - {req.requester})),
            )
        )
    )
    r.add(plan_table(req, caption="*Plan* (before → after; only this peering is written)"))
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


def outcome_line(cur: Loaded) -> str:
    req, st = cur.req, cur.state
    decided = f"{mention(req.decided_by)} at {fmt_time(req.decided_at)}" if req.decided_by else ""
    if st == "applied":
        return f":white_check_mark: *Applied* — approved by {decided}; applied {fmt_time(req.applied_at)}."
    if st == "failed":
        by = f" — approved by {decided}" if decided else ""
        return f":x: *Failed*{by}: {esc(req.error or req.note)}"
    if st == "rejected":
        return f":no_entry: *Rejected* by {decided}."
    if st == "cancelled":
        return f":white_circle: *Cancelled* by {mention(req.decided_by or req.requester)}" + (
            f" ({esc(req.note)})." if req.note else "."
        )
    if st == "expired":
        return f":hourglass: *Expired* at {fmt_time(req.expires_at)}: nobody approved it in time. Ask again if it is still needed."
    if st in IN_FLIGHT:
        return f":arrows_counterclockwise: *Approved* by {decided}; applying to Azure…"
    return f"Waiting for approval until {fmt_time(req.expires_at)}."


def state_reply(cur: Loaded) -> Reply:
    """The answer to a click on a request that is no longer waiting for that click."""
    req = cur.req
    text = (
        f"Request #{cur.number} ({code(req.flag)} → {on_off(req.value)} for "
        f"{code(req.vnet_name + '/' + req.peering_name)}) is *{cur.state}*."
    )
    r = Reply(fallback=f"Request #{cur.number} is {cur.state}", visibility="ephemeral")
    r.add(Text(text), Text(outcome_line(cur)))
    return r


def _thread(ctx: Ctx, cur: Loaded, reply: Reply) -> None:
    """Post into the request's thread (or the channel when it never got a message)."""
    channel = cur.req.channel or ctx.channel
    ref = cur.req.message_ref or None
    if ref and ":" in ref and not channel:
        channel = ref.split(":", 1)[0]
    if channel:
        ctx.out.post(channel, reply, thread=ref)


def _update_message(ctx: Ctx, cur: Loaded) -> None:
    if cur.req.message_ref:
        ctx.out.update(cur.req.message_ref, request_message(cur, outcome=outcome_line(cur), buttons=False))


# --- the buttons --------------------------------------------------------------------------


def _clicked(ctx: Ctx, value: str) -> Loaded | Reply:
    number = parse_number(value)
    if number is None:
        return error_reply(
            f"That button carries no request number ({value!r}).", "Use `/vpn requests` to see open requests."
        )
    cur = load(ctx, number)
    if cur is None:
        return error_reply(
            f"There is no request #{number}.", "Use `/vpn requests` to see open requests.", "/vpn requests"
        )
    return touch(ctx, cur)


@action("approval_approve")
def approve(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Approve a pending request and apply it."""
    cur = _clicked(ctx, value)
    if isinstance(cur, Reply):
        return cur
    if cur.state != "pending":
        return state_reply(cur)
    refusal = approval_refusal(cur.number, cur.req.requester, ctx.user, current_approvers(ctx))
    if refusal:
        store_of(ctx).append_audit(
            dataclasses.replace(_audit(ctx, cur.req, ctx.user, "approve_refused", note=refusal), request=cur.number)
        )
        return error_reply(refusal)
    now = ctx.now()
    try:
        cur = transition(
            ctx,
            cur,
            "approved",
            ctx.user,
            decided_by=ctx.user,
            decided_at=now.isoformat(),
            lease_until=(now + APPLY_LEASE).isoformat(),
        )
    except StoreConflict:
        return _reread_state(ctx, cur.number)
    _update_message(ctx, cur)
    return apply_approved(ctx, cur)


@action("approval_reject")
def reject(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Reject a pending request (approvers only)."""
    cur = _clicked(ctx, value)
    if isinstance(cur, Reply):
        return cur
    if cur.state != "pending":
        return state_reply(cur)
    if ctx.user == cur.req.requester:
        return error_reply(f"You asked for request #{cur.number}: use Cancel to withdraw it.")
    if ctx.user not in current_approvers(ctx):
        return error_reply(f"Only approvers can reject request #{cur.number}. Approvers: {approvers_hint(ctx)}.")
    return _close(ctx, cur, "rejected")


@action("approval_cancel")
def cancel(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Withdraw a pending request (the requester only)."""
    cur = _clicked(ctx, value)
    if isinstance(cur, Reply):
        return cur
    if cur.state not in OPEN:
        return state_reply(cur)
    if ctx.user != cur.req.requester:
        return error_reply(
            f"Only {mention(cur.req.requester)}, who asked for request #{cur.number}, can cancel it.",
            "Approvers can Reject it instead.",
        )
    return _close(ctx, cur, "cancelled")


@action("approval_revert")
def revert(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Ask to undo an applied request: a new request, which needs its own approval."""
    cur = _clicked(ctx, value)
    if isinstance(cur, Reply):
        return cur
    if cur.state != "applied":
        return state_reply(cur)
    req = cur.req
    peering = ctx.azure.peering(req.peering_id)
    facts = _fresh_facts(ctx, req, peering)
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
        _thread(
            ctx,
            cur,
            Reply(fallback=f"Revert of #{cur.number} requested as #{opened.number}").add(
                Text(
                    f":arrows_counterclockwise: {mention(ctx.user)} asked to revert #{cur.number}: "
                    f"request *#{opened.number}* needs an approval."
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
    _update_message(ctx, cur)
    _thread(ctx, cur, Reply(fallback=f"#{cur.number} {state}").add(Text(f"Request #{cur.number}: {outcome_line(cur)}")))
    return None


def _reread_state(ctx: Ctx, number: int) -> Reply:
    cur = load(ctx, number)
    return state_reply(cur) if cur else error_reply(f"There is no request #{number}.")


# --- applying -------------------------------------------------------------------------------


def apply_approved(ctx: Ctx, cur: Loaded, recovering: bool = False) -> Reply | None:
    """Take an approved request to applying (claiming it) and apply it."""
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
        return None  # another worker claimed it; it will answer in the thread
    return _apply(ctx, cur, recovering=False)


def _fail(ctx: Ctx, cur: Loaded, error: str, actor: str = SYSTEM) -> Loaded:
    try:
        cur = transition(ctx, cur, "failed", actor, note=error, error=error)
    except StoreConflict:
        fresh = load(ctx, cur.number)
        return fresh or cur
    _report(ctx, cur)
    return cur


def _apply(ctx: Ctx, cur: Loaded, recovering: bool) -> Reply | None:
    """Apply a request in state "applying" that this worker holds the lease of."""
    req = cur.req
    try:
        current = ctx.azure.peering(req.peering_id)
    except AzureFailure as exc:
        _fail(ctx, cur, f"could not re-read the peering before writing: {exc}. {exc.advice}")
        return None
    if recovering and current.flag(req.flag) == req.value:
        # The write landed before the process died: finish without writing again (waiting
        # out provisioningState "Updating" as the dead worker's LRO poll would have).
        landed = _verify(ctx, req)
        if isinstance(landed, str):
            _fail(ctx, cur, landed)
        else:
            _finish(ctx, cur, landed, note="found applied after a restart; not written again")
        return None
    if current.etag != req.plan_etag:
        changed = _what_changed(req, current)
        by = _changed_by(ctx, cur)
        _fail(ctx, cur, f"the peering changed since the request{by} ({changed}); nothing was written. Ask again.")
        return None
    try:
        facts = _fresh_facts(ctx, req, current)
    except AzureFailure as exc:
        _fail(ctx, cur, f"could not re-read {req.vnet_name} before writing: {exc}. {exc.advice}")
        return None
    blockers = blocking(preflight(facts, req.flag, req.value))
    if blockers:
        reasons = "; ".join(_plain(str(b.title)) for b in blockers)
        _fail(
            ctx,
            cur,
            f"the estate changed since the request and Azure would refuse it now: {reasons}. Nothing was written.",
        )
        return None
    try:
        ctx.azure.update_peering(req.peering_id, {req.flag: req.value})
    except AzureFailure as exc:
        arm = f" ({exc.code}: {exc.message})" if exc.code or exc.message else ""
        _fail(ctx, cur, f"Azure refused the change{arm}. {exc.advice}")
        return None
    after = _verify(ctx, req)
    if isinstance(after, str):
        _fail(ctx, cur, after)
        return None
    _finish(ctx, cur, after)
    return None


def _verify(ctx: Ctx, req: ChangeRequest) -> Peering | str:
    """Re-read after the write until Azure reports it done; the peering, or what is wrong."""
    last: Peering | None = None
    for attempt in range(VERIFY_ATTEMPTS):
        try:
            last = ctx.azure.peering(req.peering_id)
        except AzureFailure as exc:
            return f"the change was sent but could not be verified: {exc}. {exc.advice} Check with /vpn peering {req.vnet_name}."
        if last.provisioning_state != "Updating":
            break
        if attempt + 1 < VERIFY_ATTEMPTS:
            time.sleep(VERIFY_PAUSE_S)
    assert last is not None
    if last.provisioning_state == "Failed":
        return "Azure reports provisioningState Failed for the peering after the write."
    if last.flag(req.flag) != req.value:
        return f"Azure accepted the write but {req.flag} still reads {on_off(last.flag(req.flag))}."
    return last


def _finish(ctx: Ctx, cur: Loaded, after: Peering, note: str = "") -> None:
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
    _report(ctx, cur)


def _report(ctx: Ctx, cur: Loaded) -> None:
    """Answer in the thread and replace the buttons; then remember that it was answered."""
    _update_message(ctx, cur)
    _thread(ctx, cur, result_message(cur))
    try:
        _save(ctx, cur, outcome_posted=True)
    except StoreConflict:
        pass


def result_message(cur: Loaded) -> Reply:
    req, n = cur.req, cur.number
    if cur.state == "applied":
        r = Reply(
            fallback=f"#{n} applied: {req.flag} is now {on_off(req.value)} for {req.vnet_name}/{req.peering_name}"
        )
        r.add(
            Text(
                f":white_check_mark: Request *#{n}* applied: {code(req.flag)} is now *{on_off(req.value)}* for "
                f"{code(req.vnet_name + '/' + req.peering_name)}. Approved by {mention(req.decided_by)} at "
                f"{fmt_time(req.decided_at)}; verified by re-reading the peering."
            )
        )
        r.add(plan_table(req, req.after_local, req.after_remote or None, caption="*Now* (before → after)"))
        for gw in req.p2s_gateways:
            r.add(
                Finding(
                    "info",
                    f"VPN clients of {code(gw)} must download the VPN client profile again",
                    evidence=f"The change alters the routes {code(gw)} gives point-to-site clients.",
                    key=f"p2s_profile:{gw}",
                )
            )
        if req.note:
            r.add(Context(esc(req.note)))
        r.add(
            Actions(
                (Button("Revert", "approval_revert", str(n), confirm=f"Ask for a new request that undoes #{n}?"),),
                block_id=f"approval_revert_{n}",
            )
        )
        return r
    r = Reply(fallback=f"#{n} {cur.state}")
    r.add(Text(f"Request *#{n}*: {outcome_line(cur)}"))
    return r


def _what_changed(req: ChangeRequest, now: Peering) -> str:
    diffs = [f"{f} {on_off(b)} → {on_off(now.flag(f))}" for f, b in req.before_local.items() if now.flag(f) != b]
    return "; ".join(diffs) if diffs else "its etag changed"


def _changed_by(ctx: Ctx, cur: Loaded) -> str:
    """ ", by request #N (approved by …)" when our own trail explains the change."""
    for e in store_of(ctx).recent_audit(limit=50, matching=cur.req.peering_id):
        if e.action == "applied" and e.request != cur.number and e.at >= _dt(cur.req.created_at):
            return f", by request #{e.request}"
    return ", outside this bot (portal, CLI or a deployment)"


def _plain(text: str) -> str:
    return text.replace("`", "")


# --- expiry and recovery --------------------------------------------------------------------


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
        _update_message(ctx, cur)
        _thread(ctx, cur, result_message(cur))
        return cur
    if cur.state == "planned" and now >= _dt(cur.req.created_at) + APPLY_LEASE:
        # The worker died between numbering the request and posting it: post it now.
        try:
            ref = ctx.out.post(cur.req.channel or ctx.channel, request_message(cur))
            return transition(ctx, cur, "pending", SYSTEM, note="posted after a restart", message_ref=ref)
        except StoreConflict:
            return load(ctx, cur.number) or cur
    if cur.state in IN_FLIGHT and lease_over(cur.req, now):
        recover_one(ctx, cur)
        return load(ctx, cur.number) or cur
    if cur.state in ("applied", "failed") and not cur.req.outcome_posted and lease_over(cur.req, now):
        try:
            cur = _save(ctx, cur, lease_until=(now + APPLY_LEASE).isoformat())
        except StoreConflict:
            return load(ctx, cur.number) or cur
        _report(ctx, cur)
        return load(ctx, cur.number) or cur
    return cur


def recover_one(ctx: Ctx, cur: Loaded) -> None:
    """Complete a request whose worker died between approve and apply, or mid-apply."""
    if cur.state == "approved":
        apply_approved(ctx, cur, recovering=True)
        return
    if cur.state == "applying":
        try:
            cur = _save(
                ctx, cur, lease_until=(ctx.now() + APPLY_LEASE).isoformat(), apply_attempts=cur.req.apply_attempts + 1
            )
        except StoreConflict:
            return  # someone else took it over
        _apply(ctx, cur, recovering=True)


def sweep(ctx: Ctx) -> list[str]:
    """Expire due requests, complete interrupted ones, post lost outcomes. For the timer.

    Returns one line per request it changed, e.g. "#4 pending → expired".
    """
    store = store_of(ctx)
    lines = []
    for rec in store.list_requests(set(OPEN | IN_FLIGHT | {"applied", "failed"}), limit=500):
        cur = Loaded.of(rec)
        if cur.state in TERMINAL and cur.req.outcome_posted:
            continue
        after = touch(ctx, cur)
        if after.state != cur.state or after.req.outcome_posted != cur.req.outcome_posted:
            lines.append(f"#{cur.number} {cur.state} → {after.state}")
    return lines


# --- listing --------------------------------------------------------------------------------


def _about_vnet(e: AuditEntry, vnet: str) -> bool:
    for rid in [e.subject, *e.scope.split()]:
        parts = [x.lower() for x in rid.split("/")]
        for i, part in enumerate(parts[:-1]):
            if part == "virtualnetworks" and parts[i + 1] == vnet.lower():
                return True
    return False


def _short_subject(subject: str) -> str:
    """`vnet/peering` for a peering id, the last segment for other ids."""
    parts = subject.rstrip("/").split("/")
    lower = [x.lower() for x in parts]
    if "virtualnetworkpeerings" in lower and len(parts) >= 4:
        return f"{parts[-3]}/{parts[-1]}"
    return parts[-1] if parts else subject


def requests_reply(ctx: Ctx) -> Reply:
    store = store_of(ctx)
    rows = []
    for rec in store.list_requests(set(OPEN | IN_FLIGHT), limit=100):
        cur = touch(ctx, Loaded.of(rec))
        if cur.state in TERMINAL:
            continue
        req = cur.req
        rows.append(
            (
                f"#{cur.number}",
                cur.state,
                f"{req.flag} {on_off(req.value)}",
                f"{req.vnet_name}/{req.peering_name}",
                req.requester,
                fmt_time(req.expires_at) if cur.state in OPEN else "",
            )
        )
    if not rows:
        return Reply(fallback="No open requests", visibility="ephemeral").add(
            Text("No peering change requests are open."),
            Context("Ask for one with `" + esc("/vpn peering <vnet>/<peering> <flag> on|off reason: …") + "`"),
        )
    r = Reply(fallback=f"{len(rows)} open request(s)")
    r.add(Header(f"Open peering change requests ({len(rows)})"))
    r.add(Table(("#", "State", "Change", "Peering", "Requested by", "Expires"), tuple(rows), filename="requests.txt"))
    return r


def audit_reply(ctx: Ctx, matching: str = "", limit: int = 30, exact_vnet: str = "") -> Reply:
    """The newest audit rows whose subject or scope contains `matching`; with `exact_vnet`,
    only rows about a VNet of exactly that name (so `vnet-eun` does not match `vnet-eun2`)."""
    rows: list[tuple[str, ...]] = []
    fetched = store_of(ctx).recent_audit(limit=limit * 4 if exact_vnet else limit, matching=matching)
    for e in fetched:
        if exact_vnet and not _about_vnet(e, exact_vnet):
            continue
        if len(rows) >= limit:
            break
        what = e.action
        if e.before or e.after:
            changed = [
                f"{k} {on_off(bool(v))}→{on_off(bool(e.after.get(k)))}"
                for k, v in e.before.items()
                if k in e.after and e.after.get(k) != v
            ]
            if changed:
                what += ": " + ", ".join(changed)
        rows.append(
            (
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                f"#{e.request}" if e.request else "",
                e.actor,
                what,
                _short_subject(e.subject),
                e.note[:80],
            )
        )
    matching = exact_vnet or matching
    scope = f" for {matching}" if matching else ""
    if not rows:
        return Reply(fallback=f"No audit entries{scope}", visibility="ephemeral").add(
            Text(f"The audit trail has no entries{esc(scope)} yet.")
        )
    r = Reply(fallback=f"Audit trail{scope}: {len(rows)} entries")
    r.add(Header(f"Audit trail{scope} (newest first)"))
    r.add(Table(("When (UTC)", "#", "Who", "What", "Subject", "Note"), tuple(rows), filename="audit.txt"))
    return r
