"""`/vpn reset`: reset a connection, a gateway, or one instance of an active-active gateway.

Azure's rules (https://learn.microsoft.com/azure/vpn-gateway/reset-gateway):
* a gateway reset reboots it: every site-to-site and VNet-to-VNet tunnel of the gateway
  drops while it restarts (a minute or two), then reconnects; the public IPs stay;
* an active-active gateway has two instances; `gatewayVip` (the public IP of one instance)
  resets only that one, so the other keeps carrying traffic — reset one, wait, then the other;
* a connection reset re-negotiates that connection's tunnels only;
* nothing can be reset while another operation is changing the gateway or connection
  (provisioningState Updating: ARM answers 409 AnotherOperationInProgress).

Ours: a reason is required; one end of a VNet-to-VNet pair at a time (resetting both ends
at once drops the tunnel on both sides with nobody left to re-initiate it) — a reset holds
the locks of the gateways at both ends; a reset is not revertible, said on the card.

After the write Azure is read back: the gateway (waiting out Updating) and the connections'
tunnels — a tunnel that re-established after the reset was sent is Azure showing it done,
which also settles a reset whose answer was lost. A reset is never sent twice for one
request (`Spec.guarded` False).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from datetime import datetime

from commands.actions.engine import file_action, holder_of, new_request
from commands.actions.spec import SENT_OK, SENT_REFUSED, Spec, Verdict, read_settled
from commands.actions.targets import check_name, connection_or_gateway, split_reason
from commands.core.errors import UsageError
from commands.core.fanout import gather
from commands.core.freshness import fresh_reads
from commands.core.model import Connection, Gateway, name_of
from commands.core.registry import Ctx, command
from commands.core.reply import Finding, Reply
from commands.core.text import code, join, prose, rich
from commands.peering.request import Loaded, parse_time

DOC_RESET = "https://learn.microsoft.com/azure/vpn-gateway/reset-gateway"
USAGE = "reset [connection|gateway] <name> [instance <vip>] reason: <text>"
REASON_EXAMPLE = "tunnels stuck after the ISP outage"
EXAMPLE = f"/vpn reset vgw-eun reason: {REASON_EXAMPLE}"
NOT_REVERTIBLE = "a reset restarts the gateway or re-negotiates the tunnels; there is nothing to undo"
RESET_KINDS = frozenset({"connection_reset", "gateway_reset"})


def parse(text: str) -> tuple[str, str, str, str]:
    """(kind hint "connection" | "gateway" | "", name, instance VIP, reason)."""
    body, reason = split_reason(text)
    words = body.split()
    kind = ""
    if words and words[0].lower() in ("connection", "gateway"):
        kind = words.pop(0).lower()
    if not words:
        raise UsageError("Which connection or gateway?", rich("Usage: ", code(f"/vpn {USAGE}")), EXAMPLE)
    name = check_name(words.pop(0), kind or "connection or gateway", EXAMPLE)
    vip = ""
    if words and words[0].lower() == "instance":
        words.pop(0)
        if not words:
            raise UsageError("Which instance? Give its public IP after `instance`.", example=EXAMPLE)
        vip = words.pop(0)
        try:
            ipaddress.ip_address(vip)
        except ValueError:
            raise UsageError(
                rich(code(vip), " is not an IP address."),
                "An instance of an active-active gateway is named by its public IP (its VIP).",
                "/vpn reset vgw-eun instance 20.54.120.10 reason: instance 0 unresponsive",
            ) from None
    if words:
        raise UsageError(
            rich("I do not understand ", code(" ".join(words)), "."),
            prose("Put any explanation after `reason:`."),
            EXAMPLE,
        )
    if not reason:
        raise UsageError(
            "A reset needs a reason: it drops tunnels, and the approvers and the audit trail should know why.",
            rich("Add ", code("reason: …"), " at the end."),
            EXAMPLE,
        )
    return kind, name, vip, reason


@command("reset", usage=USAGE, example=EXAMPLE)
@fresh_reads()  # the plan an approver approves and the re-reads after a write: Azure now
def reset(ctx: Ctx, args: str) -> Reply | None:
    """Reset a connection or a gateway (or one instance of an active-active gateway: `instance <vip>`), after approval.

    A reason is required. The plan lists the tunnels that drop; one end of a VNet-to-VNet pair at
    a time. Not revertible. A gateway reset needs two approvers by default (VPNOPS_ACTION_POLICY).
    """
    kind, name, vip, reason = parse(args)
    target = connection_or_gateway(ctx, name, kind, "reset", lambda n: f"/vpn reset {n} reason: {REASON_EXAMPLE}")
    ctx.out.progress(rich(f"Planning the reset of {target.name}…"))
    if isinstance(target, Connection):
        if vip:
            raise UsageError(
                "`instance <vip>` resets one instance of a gateway; a connection is reset whole.",
                example=f"/vpn reset connection {target.name} reason: …",
            )
        return _file_connection(ctx, target, reason)
    return _file_gateway(ctx, target, vip, reason)


# --- planning -----------------------------------------------------------------------------------


def _busy(resource: Connection | Gateway, what: str) -> list[Finding]:
    if resource.provisioning_state not in ("Updating", "Deleting"):
        return []
    return [
        Finding(
            "critical",
            rich(f"Another operation is changing {what} ", code(resource.name), " right now"),
            evidence=f"provisioningState is {resource.provisioning_state}; ARM refuses a reset meanwhile "
            "(409 AnotherOperationInProgress).",
            next_step="Wait until it reads Succeeded, then ask again.",
            doc_url=DOC_RESET,
            key=f"reset_busy:{resource.id}",
        )
    ]


def _pair_findings(ctx: Ctx, own: str, pair: list[str]) -> list[Finding]:
    """A reset already open or running on the other end of the pair: refused."""
    out = []
    for key in pair:
        if key.lower() == own.lower():
            continue
        held = holder_of(ctx, key)
        if held is None or held.req.kind not in RESET_KINDS:
            continue
        out.append(
            Finding(
                "critical",
                rich("A reset of the other end of this pair is already open: request ", code(f"#{held.number}")),
                evidence=rich(
                    "Request #",
                    str(held.number),
                    " resets ",
                    code(held.req.target_name),
                    f" ({held.state}). Resetting both ends of a pair at once drops the tunnel on both sides.",
                ),
                next_step="Let that reset finish (or cancel it), check the tunnel, then ask again if it is still down.",
                doc_url=DOC_RESET,
                key=f"reset_pair:{key}",
            )
        )
    return out


def _conn_statuses(ctx: Ctx, ids: list[str]) -> dict[str, Connection | None]:
    tasks: list[Callable[[], Connection]] = [functools.partial(ctx.azure.connection, i) for i in ids]
    outs = gather(tasks, ctx.settings.concurrency)
    return {i: o.value if o.ok else None for i, o in zip(ids, outs, strict=True)}


def _file_connection(ctx: Ctx, c: Connection, reason: str) -> Reply:
    pair = [x for x in (c.gateway1_id, c.gateway2_id) if x]
    findings = [*_busy(c, "connection"), *_pair_findings(ctx, c.id, [c.id, *pair])]
    findings.append(
        Finding(
            "warning",
            rich("The tunnels of ", code(c.name), " drop while they re-negotiate"),
            evidence="A connection reset re-negotiates IKE and IPsec for this connection only; its gateway's other "
            "connections are not touched.",
            doc_url=DOC_RESET,
            key=f"reset_drop:{c.id}",
        )
    )
    rows = [[f"connection {c.name}", f"{c.status} ({_tunnels(c)})", "reset: tunnels re-negotiate"]]
    params = {
        "summary": f"reset connection {c.name}",
        "rows": rows,
        "locks": [c.id, *pair],
        "related": [c.id, *pair],
        "not_revertible": NOT_REVERTIBLE,
        "connections": [c.id],
        "gateway": c.gateway1_id,
    }
    req = new_request(ctx, "connection_reset", c.id, c.name, reason, params, plan_etag=c.etag)
    return file_action(ctx, req, findings)


def _file_gateway(ctx: Ctx, g: Gateway, vip: str, reason: str) -> Reply:
    findings = _busy(g, "gateway")
    if vip and not g.active_active:
        findings.append(
            Finding(
                "critical",
                rich(code(g.name), " is not active-active: it has one instance, reset as a whole"),
                evidence="gatewayVip names one instance of an active-active gateway.",
                next_step=rich("Drop ", code(f"instance {vip}"), " to reset the gateway."),
                doc_url=DOC_RESET,
                key=f"reset_vip_single:{g.id}",
            )
        )
    elif vip and vip not in g.instance_vips:
        findings.append(
            Finding(
                "critical",
                rich(code(vip), " is not an instance of ", code(g.name)),
                evidence=rich("Its instances' public IPs are ", join(", ", (code(v) for v in g.instance_vips)), "."),
                doc_url=DOC_RESET,
                key=f"reset_vip_unknown:{g.id}",
            )
        )
    conns = ctx.azure.gateway_connections(g.id)
    far = sorted({x for c in conns for x in (c.gateway1_id, c.gateway2_id) if x and x.lower() != g.id.lower()})
    findings += _pair_findings(ctx, g.id, [g.id, *far])
    statuses = _conn_statuses(ctx, [c.id for c in conns])
    scope = f"instance {vip} of " if vip else ""
    findings.append(
        Finding(
            "warning",
            rich(
                f"Every tunnel of {scope}",
                code(g.name),
                f" drops for a minute or two ({len(conns)} connection(s))",
            ),
            evidence=(
                "The other instance keeps carrying traffic while this one restarts."
                if vip
                else (
                    "Active-active: reset one instance at a time (`instance <vip>`) to keep traffic flowing."
                    if g.active_active
                    else "The gateway reboots; its public IP stays."
                )
            ),
            doc_url=DOC_RESET,
            key=f"reset_drop:{g.id}",
        )
    )
    rows = [[f"gateway {g.name}" + (f" instance {vip}" if vip else ""), g.provisioning_state or "?", "reset (reboots)"]]
    for c in conns:
        got = statuses.get(c.id)
        rows.append([f"connection {c.name}", got.status if got else "could not read", "drops, then reconnects"])
    params = {
        "summary": f"reset gateway {g.name}" + (f" instance {vip}" if vip else ""),
        "rows": rows,
        "locks": [g.id, *far],
        "related": [g.id, *far, *(c.id for c in conns)],
        "not_revertible": NOT_REVERTIBLE,
        "connections": [c.id for c in conns],
        "gateway": g.id,
        "gateway_vip": vip,
    }
    req = new_request(ctx, "gateway_reset", g.id, g.name, reason, params, plan_etag=g.etag)
    return file_action(ctx, req, findings)


def _tunnels(c: Connection) -> str:
    if not c.tunnels:
        return "no tunnel detail"
    return ", ".join(f"{t.name or '?'} {t.status}" for t in c.tunnels)


# --- applying -------------------------------------------------------------------------------------


def _recheck(ctx: Ctx, cur: Loaded) -> str:
    """Right before the write: not busy (the operation's own guard), the pair rule again."""
    req = cur.req
    if req.kind == "gateway_reset":
        g = ctx.azure.gateway(req.target_id)
        if g.provisioning_state in ("Updating", "Deleting"):
            return f"another operation is changing {g.name} (provisioningState {g.provisioning_state}); nothing was reset. Ask again when it reads Succeeded."
    else:
        c = ctx.azure.connection(req.target_id)
        if c.provisioning_state in ("Updating", "Deleting"):
            return f"another operation is changing {c.name} (provisioningState {c.provisioning_state}); nothing was reset. Ask again when it reads Succeeded."
    return ""


def _write(ctx: Ctx, cur: Loaded) -> None:
    req = cur.req
    if req.kind == "gateway_reset":
        ctx.azure.reset_gateway(req.target_id, str(req.params.get("gateway_vip") or ""))
    else:
        ctx.azure.reset_connection(req.target_id)


def _verify(ctx: Ctx, cur: Loaded, sent: str) -> Verdict:
    req = cur.req
    gateway = req.kind == "gateway_reset"
    read: Callable[[str], Gateway | Connection] = ctx.azure.gateway if gateway else ctx.azure.connection
    now = read_settled(read, req.target_id)
    conns = _conn_statuses(ctx, [str(x) for x in req.params.get("connections") or []])
    after: dict[str, str] = {}
    for cid, c in conns.items():
        after[f"connection {name_of(cid)}"] = _now_words(c)
    first = str(req.params["rows"][0][0])
    after[first] = f"reset; {after.get(first) or now.provisioning_state or '?'}"
    if sent == SENT_REFUSED:
        return Verdict("not_applied", "Azure refused the reset: nothing was reset.", {})
    if now.provisioning_state == "Updating":
        return Verdict("unknown", f"Azure still reports {now.name} Updating: the reset may still be running.", after)
    if sent == SENT_OK:
        return Verdict("applied", "", after)
    # No answer: a tunnel that re-established after the reset was sent shows it was done.
    sent_at = parse_time(req.write_sent_at) if req.write_sent_at else None
    again = [c for c in conns.values() if c and c.last_established and sent_at and _after(c.last_established, sent_at)]
    if again:
        names = ", ".join(c.name for c in again)
        return Verdict("applied", f"the tunnels of {names} re-established after the reset was sent", after)
    return Verdict(
        "unknown",
        f"the reset got no answer and no tunnel shows it yet; look for 'Reset' in the activity log of {req.target_name} "
        "before asking again (a reset is never sent twice for one request).",
        after,
    )


def _now_words(c: Connection | None) -> str:
    if c is None:
        return "could not read"
    when = f", tunnel up since {c.last_established.strftime('%H:%M:%S')} UTC" if c.last_established else ""
    return f"{c.status}{when}"


def _after(t: datetime, ref: datetime) -> bool:
    return t >= ref


CONNECTION_RESET = Spec("connection_reset", "Connection reset", _recheck, _write, _verify)
GATEWAY_RESET = Spec("gateway_reset", "Gateway reset", _recheck, _write, _verify)
