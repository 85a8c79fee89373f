"""A peering change request: what it asks, its states, and how it moves between them.

A request lives in the store (`commands.core.store.Store`) and moves through

    planned → pending → approved → applying → applied | failed | unknown
                      ↘ rejected | cancelled | expired          unknown → applied | failed

* **planned**: numbered and stored, not yet posted; **pending**: posted in the channel
  with Approve / Reject / Cancel, waiting for an approver.
* **approved → applying**: the approver's click claims the write. "applying" carries a
  lease: whoever finds it with the lease run out (the process died, or stalled) takes it
  over with a conditional store update, and a worker writes only after its own
  conditional update right before the PUT succeeds (the fence): a worker whose lease was
  taken over cannot write (`commands.peering.apply`, `commands.peering.sweep`).
* **applied | failed | unknown** say what Azure holds, decided by reading the peering
  after the write (and after any write error): applied (the change is in Azure), failed
  (not applied: Azure holds what the plan saw, or someone else's change — nothing of the
  bot's was written), unknown (Azure could not be read, or did not answer and may still
  apply it: the note says what to check; the sweep re-checks until it knows).
* Every state change is one conditional write (etag) together with its audit row, so of
  fifty simultaneous clicks exactly one approves; the others are told the state.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from commands.core.model import PEERING_FLAGS, Peering
from commands.core.registry import Ctx
from commands.core.store import AuditEntry, RequestRecord, Store, StoreConflict, StoreError
from commands.findings.peerings import on_off

STATES = (
    "planned",
    "pending",
    "approved",
    "applying",
    "applied",
    "failed",
    "unknown",
    "rejected",
    "cancelled",
    "expired",
)
OPEN = frozenset({"planned", "pending"})
IN_FLIGHT = frozenset({"approved", "applying"})
# Terminal for the request's lifecycle (the peering's lock is released): "unknown" is still
# re-checked against Azure by the sweep, and so is a "failed" one not yet `settled`.
TERMINAL = frozenset({"applied", "failed", "unknown", "rejected", "cancelled", "expired"})
TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"pending", "expired", "cancelled", "failed"}),
    "pending": frozenset({"approved", "rejected", "cancelled", "expired"}),
    "approved": frozenset({"applying", "failed"}),
    "applying": frozenset({"applied", "failed", "unknown"}),
    "unknown": frozenset({"applied", "failed"}),
    # Only a failure recorded before outcomes were checked against Azure (not `settled`):
    # the sweep finds the change in Azure after all.
    "failed": frozenset({"applied"}),
}
SYSTEM = "vpnops"  # the actor of what the bot does by itself (expiry, recovery)
# How long an approve/apply may run before another worker assumes it died and takes over.
# ARM peering PUTs finish within a minute; the adapter's LRO timeout is shorter than this.
APPLY_LEASE = timedelta(minutes=5)


@dataclass
class ChangeRequest:
    """What a request is about and what happened to it (the store's `body`)."""

    peering_id: str = ""
    peering_name: str = ""
    vnet_id: str = ""
    vnet_name: str = ""
    flag: str = ""
    value: bool = False
    requester: str = ""
    created_at: str = ""
    expires_at: str = ""
    plan_etag: str = ""
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
    # What the plan saw of the peering beyond its flags (state, sync level, remote address
    # space, provisioning state): a changed etag is explained by the fields that differ.
    plan_seen: dict[str, Any] = field(default_factory=dict)
    # When the worker holding the lease passed the fence, right before its PUT ("": no PUT).
    write_sent_at: str = ""
    # The outcome was decided from a read of Azure (failed = verified not applied); an
    # "unknown", or a "failed" from before outcomes were checked, is not, and is re-checked.
    settled: bool = False
    # What the request is (`commands.actions`): "peering" (a flag change, the fields above)
    # or another action, whose target and plan are `target_id`, `target_name`, `params`.
    kind: str = "peering"
    target_id: str = ""
    target_name: str = ""
    # The action's plan and outcome, never a secret: what it writes, `before`/`after` rows
    # (what the card shows), the lock keys it holds, the ids its audit rows are found by.
    params: dict[str, Any] = field(default_factory=dict)
    # Who approved so far (distinct, never the requester) and how many approvals it needs.
    approvals: list[str] = field(default_factory=list)
    needed: int = 1
    # The outcome's message in the thread (its Revert button is bound to it, as the others
    # are to the card).
    result_ref: str = ""

    def to_body(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> ChangeRequest:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in body.items() if k in known})

    @property
    def scope(self) -> str:
        """What `/vpn audit <vnet>` finds this request's rows by."""
        related = [str(x) for x in self.params.get("related", [])] if self.kind != "peering" else []
        return " ".join(x for x in (self.vnet_id, self.remote_vnet_id, self.reverse_id, self.target_id, *related) if x)

    @property
    def subject(self) -> str:
        """The resource the request writes (its audit rows' subject)."""
        return self.peering_id or self.target_id


@dataclass(frozen=True)
class Loaded:
    """A request as read from the store: its number, state and etag (for the next conditional write)."""

    number: int
    state: str
    etag: str
    req: ChangeRequest

    @classmethod
    def of(cls, rec: RequestRecord) -> Loaded:
        return cls(rec.number, rec.state, rec.etag, ChangeRequest.from_body(rec.body))


def seen(p: Peering) -> dict[str, Any]:
    """What the plan records of a peering, by ARM's names: its flags and what Azure itself
    changes (the remote side connecting, a re-sync, an operation in progress)."""
    out: dict[str, Any] = {f: p.flag(f) for f in PEERING_FLAGS}
    out.update(
        {
            "peeringState": p.state,
            "peeringSyncLevel": p.sync_level,
            "remoteAddressSpace": list(p.remote_address_prefixes),
            "provisioningState": p.provisioning_state,
        }
    )
    return out


# Fields Azure changes by itself: the remote side connecting or disconnecting, a re-sync after
# an address space change, an operation in progress (so a new etag need not be anyone's edit).
AZURE_MAINTAINED = ("peeringState", "peeringSyncLevel", "remoteAddressSpace", "provisioningState")


def differences(before: dict[str, Any], now: Peering) -> tuple[list[str], list[str]]:
    """How `now` differs from what was recorded by `seen()`: (flag changes, changes Azure
    makes itself), each as words ("allowForwardedTraffic off → on", "peeringState
    Initiated → Connected")."""
    after = seen(now)
    flags, azure = [], []
    for f in PEERING_FLAGS:
        if f in before and bool(before[f]) != bool(after[f]):
            flags.append(f"{f} {on_off(bool(before[f]))} → {on_off(bool(after[f]))}")
    for f in AZURE_MAINTAINED:
        if f in before and before[f] != after[f]:
            azure.append(f"{f} {_words(before[f])} → {_words(after[f])}")
    return flags, azure


def _words(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(str(x) for x in v) or "(none)"
    return str(v) if v not in (None, "") else "(none)"


def can_transition(state: str, to: str) -> bool:
    """Whether a request in `state` may move to `to` (see TRANSITIONS)."""
    return to in TRANSITIONS.get(state, frozenset())


def is_expired(req: ChangeRequest, state: str, now: datetime) -> bool:
    """Only a request still waiting for a decision expires; an approved one goes on."""
    return state in OPEN and now >= parse_time(req.expires_at)


def lease_over(req: ChangeRequest, now: datetime) -> bool:
    """Whether the worker applying (or answering) the request is presumed dead."""
    return not req.lease_until or now >= parse_time(req.lease_until)


def fmt_time(iso: str) -> str:
    """A stored time as people read it: `2026-12-07 13:00 UTC`."""
    if not iso:
        return "?"
    return parse_time(iso).strftime("%Y-%m-%d %H:%M UTC")


def parse_time(iso: str) -> datetime:
    """A stored time (ISO 8601)."""
    return datetime.fromisoformat(iso)


def store_of(ctx: Ctx) -> Store:
    """The store requests are kept in; StoreError when none is configured."""
    if ctx.store is None:
        raise StoreError("no store is configured (VPNOPS_STORE), so requests cannot be kept")
    store: Store = ctx.store
    return store


def load(ctx: Ctx, number: int) -> Loaded | None:
    """Request `number` as stored now, None when there is none."""
    rec = store_of(ctx).get_request(number)
    return Loaded.of(rec) if rec else None


def audit_entry(
    ctx: Ctx, req: ChangeRequest, actor: str, act: str, note: str = "", before: Any = None, after: Any = None
) -> AuditEntry:
    """The audit row of `actor` doing `act` to the request (found by `/vpn audit <vnet>` through its scope)."""
    return AuditEntry(
        at=ctx.now(),
        actor=actor,
        action=act,
        subject=req.subject,
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
    entry = audit_entry(ctx, req, actor, to, note=note or req.note, before=audit_before, after=audit_after)
    rec = store_of(ctx).update_request(cur.number, to, req.to_body(), cur.etag, entry)
    return Loaded.of(rec)


def save(ctx: Ctx, cur: Loaded, **changes: Any) -> Loaded:
    """Change the body without a state change (e.g. the outcome was posted); conditional too."""
    req = dataclasses.replace(cur.req, **changes)
    return Loaded.of(store_of(ctx).update_request(cur.number, cur.state, req.to_body(), cur.etag))
