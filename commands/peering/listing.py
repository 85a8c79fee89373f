"""`/vpn requests` and `/vpn audit`: the open requests, and the trail of what happened."""

from __future__ import annotations

from commands.core.registry import Ctx
from commands.core.reply import Context, Header, Reply, Table, Text
from commands.core.store import AuditEntry
from commands.core.text import code, rich
from commands.findings.peerings import on_off
from commands.peering.request import IN_FLIGHT, OPEN, TERMINAL, Loaded, fmt_time, store_of
from commands.peering.sweep import touch


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


def _word(v: object) -> str:
    """An audit row's value: on/off for a flag, else as stored (an action's before/after words)."""
    return on_off(v) if isinstance(v, bool) else str(v)


def requests_reply(ctx: Ctx) -> Reply:
    """`/vpn requests`: the requests waiting for approval or being applied (each brought up to date)."""
    store = store_of(ctx)
    rows = []
    for rec in store.list_requests(set(OPEN | IN_FLIGHT), limit=100):
        cur = touch(ctx, Loaded.of(rec))
        if cur.state in TERMINAL:
            continue
        req = cur.req
        peering = req.kind == "peering"
        rows.append(
            (
                f"#{cur.number}",
                cur.state,
                f"{req.flag} {on_off(req.value)}" if peering else str(req.params.get("summary", req.kind)),
                f"{req.vnet_name}/{req.peering_name}" if peering else req.target_name,
                req.requester,
                fmt_time(req.expires_at) if cur.state in OPEN else "",
            )
        )
    if not rows:
        return Reply(fallback="No open requests", visibility="ephemeral").add(
            Text("No change requests are open."),
            Context(rich("Ask for one with ", code("/vpn peering <vnet>/<peering> <flag> on|off reason: …"))),
        )
    r = Reply(fallback=f"{len(rows)} open request(s)")
    r.add(Header(f"Open change requests ({len(rows)})"))
    r.add(Table(("#", "State", "Change", "Subject", "Requested by", "Expires"), tuple(rows), filename="requests.txt"))
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
                f"{k} {_word(v)}→{_word(e.after.get(k))}"
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
        return Reply(fallback=rich(f"No audit entries{scope}"), visibility="ephemeral").add(
            Text(rich(f"The audit trail has no entries{scope} yet."))
        )
    r = Reply(fallback=rich(f"Audit trail{scope}: {len(rows)} entries"))
    r.add(Header(f"Audit trail{scope} (newest first)"))
    r.add(Table(("When (UTC)", "#", "Who", "What", "Subject", "Note"), tuple(rows), filename="audit.txt"))
    return r
