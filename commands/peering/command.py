"""`/vpn peering`, `/vpn requests`, `/vpn audit`: the commands, and what they take as arguments.

`/vpn peering <vnet>` shows both sides of every peering of a VNet with their flags, state
and what is wrong (`show`). `/vpn peering <vnet>/<peering> <flag> on|off [reason: …]` plans
the change, checks Azure's rules first (`rules`), and — when nothing blocks — posts a
request in the channel (`filing`) that an approver applies with a click (`buttons`, `apply`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from commands.core.errors import UsageError
from commands.core.estate import subscriptions_in_scope
from commands.core.freshness import fresh_reads
from commands.core.model import ResourceId, rid_key
from commands.core.parse import unquote
from commands.core.registry import Ctx, command
from commands.core.reply import Reply
from commands.core.text import code, join, prose, rich
from commands.findings.dns import facts as dnsf
from commands.findings.peerings import FLAG_ORDER, SHORT_NAMES, on_off
from commands.judgement.estate import read_estate, read_peered_vnets
from commands.judgement.judge import judge
from commands.judgement.progress import Progress
from commands.peering.facts import find_peering, find_vnet, pick_vnet, read_facts
from commands.peering.filing import file_request
from commands.peering.listing import audit_reply, requests_reply
from commands.peering.show import show_reply

USAGE = "peering <vnet> | peering <vnet>/<peering> <flag> on|off [reason: text] | peering <vnet>/<peering> sync"
EXAMPLE = "/vpn peering vnet-eun/peer-eun-to-aue allowForwardedTraffic on reason: NVA in the hub"

# Azure's naming rules: VNet 2-64 chars, peering 1-80 chars; letters, digits, _ . -
# (start with a letter or digit, end with a letter, digit or _). Checked before a name is
# looked up, so odd text never reaches an ARM path.
_VNET_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$")
_PEERING_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$")
_REASON = re.compile(r"\breason\s*:", re.IGNORECASE)
_ON = {"on": True, "true": True, "enable": True, "enabled": True, "yes": True}
_OFF = {"off": False, "false": False, "disable": False, "disabled": False, "no": False}
_MAX_REASON = 500
SYNC = "sync"  # `/vpn peering <vnet>/<peering> sync` (commands.actions.sync), not a flag
_USAGE_HINT = rich("Usage: ", code(f"/vpn {USAGE}"))


@dataclass(frozen=True)
class Target:
    """What `/vpn peering` is about: a VNet, or one of its peerings."""

    vnet: str  # a name or an ARM id
    peering: str = ""  # a name ("" = the whole VNet)


@dataclass(frozen=True)
class ChangeArgs:
    """`/vpn peering`'s arguments: what to show, or the change asked for and why."""

    target: Target
    flag: str = ""  # ARM name; "" = show
    value: bool = False
    reason: str = ""


def flag_of(text: str) -> str:
    """ARM name from an ARM or short name, any case (`gateway-transit` → allowGatewayTransit)."""
    t = text.strip().lower()
    for arm, short in SHORT_NAMES.items():
        if t in (arm.lower(), short, short.replace("-", "_"), short.replace("-", "")):
            return arm
    names = join(", ", (rich(code(a), " / ", code(SHORT_NAMES[a])) for a in FLAG_ORDER))
    raise UsageError(rich(code(text), " is not a peering flag I can change."), rich("Flags: ", names, "."), EXAMPLE)


def _value_of(text: str) -> bool:
    t = text.strip().lower()
    if t in _ON:
        return True
    if t in _OFF:
        return False
    raise UsageError(rich(code(text), " is neither on nor off."), prose("Say `on` or `off` after the flag."), EXAMPLE)


def parse_target(text: str) -> Target:
    """`<vnet>`, `<vnet>/<peering>` or the resource id of either → Target; UsageError when not.
    Quotes or backticks around it (`"vnet-hub"`, as a Slack client may type it) are dropped."""
    t = unquote(text)
    if t.lower().startswith("/subscriptions/"):
        try:
            rid = ResourceId.parse(t)
        except ValueError:
            raise UsageError(rich(code(t), " is not a valid Azure resource id."), example=EXAMPLE) from None
        types = [x.lower() for x in rid.types]
        if types[:1] != ["virtualnetworks"] or len(rid.names) < 1:
            raise UsageError(
                rich(code(t), " is not a virtual network or a peering id."),
                rich("Give a VNet name, ", code("<vnet>/<peering>"), ", or the full id of either."),
                EXAMPLE,
            )
        # The names of a pasted id go into ARM paths too: hold them to ARM's alphabet, as
        # typed names are below (a `%2F` or `..` inside one is never a real resource).
        rules = ((_VNET_NAME, "virtual network"), (_PEERING_NAME, "peering"))
        for name, (rule, what) in zip(rid.names[:2], rules[: len(rid.names[:2])], strict=True):
            if not rule.match(name):
                raise UsageError(
                    rich(code(name), f" in that id cannot be a {what} name."),
                    prose("Names are letters, digits, `_`, `.` or `-`, starting with a letter or digit."),
                    EXAMPLE,
                )
        if len(rid.names) >= 2 and types[1:2] == ["virtualnetworkpeerings"]:
            return Target(rid.parent, rid.names[1])
        if len(rid.names) > 1:
            raise UsageError(rich(code(t), " is not a virtual network or a peering id."), example=EXAMPLE)
        return Target(rid.raw.rstrip("/"))
    parts = t.split("/")
    if len(parts) > 2 or not all(parts):
        raise UsageError(
            rich(code(t), " is not ", code("<vnet>"), " or ", code("<vnet>/<peering>"), "."),
            "Give the VNet's name, then a slash and the peering's name (or a full resource id).",
            EXAMPLE,
        )
    if not _VNET_NAME.match(parts[0]):
        raise UsageError(
            rich(code(parts[0]), " cannot be a virtual network name."),
            prose("VNet names are 2-64 letters, digits, `_`, `.` or `-`, starting with a letter or digit."),
            EXAMPLE,
        )
    if len(parts) == 2 and not _PEERING_NAME.match(parts[1]):
        raise UsageError(
            rich(code(parts[1]), " cannot be a peering name."),
            prose("Peering names are 1-80 letters, digits, `_`, `.` or `-`."),
            EXAMPLE,
        )
    return Target(parts[0], parts[1] if len(parts) == 2 else "")


def parse_args(text: str) -> ChangeArgs:
    """`<vnet>[/<peering>] [<flag> on|off] [reason: …]` → ChangeArgs; UsageError when not."""
    reason = ""
    m = _REASON.search(text)
    if m:
        reason = " ".join(text[m.end() :].split())
        text = text[: m.start()]
        if len(reason) > _MAX_REASON:
            raise UsageError(f"The reason is {len(reason)} characters long; keep it under {_MAX_REASON}.")
    words = text.split()
    if not words:
        raise UsageError("Which virtual network?", _USAGE_HINT, EXAMPLE)
    target = parse_target(words[0])
    rest = words[1:]
    if not rest:
        if reason:
            raise UsageError("A reason only goes with a change.", _USAGE_HINT, EXAMPLE)
        return ChangeArgs(target)
    if not target.peering:
        raise UsageError(
            "Which peering? A change names the peering after the VNet.",
            rich("Write ", code(target.vnet + "/<peering>"), "; ", code(f"/vpn peering {target.vnet}"), " lists them."),
            EXAMPLE,
        )
    if len(rest) == 1 and rest[0].lower() == "sync":
        return ChangeArgs(target, SYNC, reason=reason)
    if len(rest) == 1:
        flag_of(rest[0])
        raise UsageError(
            rich("Turn ", code(rest[0]), " on or off?"), prose("Add `on` or `off` after the flag."), EXAMPLE
        )
    if len(rest) > 2:
        raise UsageError(
            rich("I do not understand ", code(" ".join(rest[2:])), " after the change."),
            prose("Put any explanation after `reason:`."),
            EXAMPLE,
        )
    return ChangeArgs(target, flag_of(rest[0]), _value_of(rest[1]), reason)


# --- commands ----------------------------------------------------------------------------


@command("peering", usage=USAGE, example=EXAMPLE, aliases=("peerings", "peer"))
@fresh_reads()  # the plan an approver approves and the re-reads after a write: Azure now
def peering(ctx: Ctx, args: str) -> Reply | None:
    """See a VNet's peerings from both sides, or ask to change one flag (applied after a second person approves).

    `/vpn peering <vnet>` shows every peering of the VNet and the remote VNet's peering back, with
    allowVirtualNetworkAccess, allowForwardedTraffic, allowGatewayTransit and useRemoteGateways,
    their state, and what is wrong. `/vpn peering <vnet>/<peering> <flag> on|off reason: …` checks
    Azure's rules first (a refused plan files nothing), then posts a request in the channel:
    an approver — never the requester — clicks Approve and the bot applies, verifies and answers
    in the thread. Flags: allowGatewayTransit (gateway-transit), useRemoteGateways (remote-gateways),
    allowForwardedTraffic (forwarded-traffic), allowVirtualNetworkAccess (vnet-access).
    `/vpn peering <vnet>/<peering> sync` syncs a peering whose peeringSyncLevel is not FullyInSync
    with the remote VNet's address space (after approval; not revertible).
    """
    parsed = parse_args(args)
    target = parsed.target
    if not parsed.flag:
        return _show(ctx, target)
    vnet = find_vnet(ctx, target.vnet)
    chosen = find_peering(vnet, target.peering)
    what = "the sync" if parsed.flag == SYNC else f"{parsed.flag} → {on_off(parsed.value)}"
    ctx.out.progress(rich(f"Planning {what} for {vnet.name}/{chosen.name}…"))
    # The VNet list may be seconds old: plan on a fresh GET (its etag is what apply compares).
    fresh = ctx.azure.peering(chosen.id)
    vnet = dataclasses.replace(
        vnet, peerings=tuple(fresh if rid_key(p.id) == rid_key(fresh.id) else p for p in vnet.peerings)
    )
    if parsed.flag == SYNC:
        from commands.actions.sync import file_sync

        return file_sync(ctx, vnet, fresh, parsed.reason)
    facts = read_facts(ctx, vnet, fresh)
    return file_request(ctx, facts, parsed.flag, parsed.value, parsed.reason)


def _show(ctx: Ctx, target: Target) -> Reply:
    """Both sides of the VNet's peerings and those pointing at it, judged with the estate."""
    progress = Progress(ctx)
    subs = subscriptions_in_scope(ctx, "your VNets")
    est = read_estate(ctx, subs, progress)
    failed = [f.error for f in est.failures if f.kind == dnsf.VNETS]
    if target.vnet.startswith("/") and not any(rid_key(v.id) == rid_key(target.vnet) for v in est.vnets):
        est.vnets.append(ctx.azure.virtual_network(target.vnet))  # outside the listed subscriptions
    vnet = pick_vnet(target.vnet, est.vnets, failed, len(subs))
    chosen = find_peering(vnet, target.peering) if target.peering else None
    progress.say(rich(f"Reading both sides of the peerings of {vnet.name}…"), force=True)
    read_peered_vnets(ctx, est, progress, of=lambda v: rid_key(v) == rid_key(vnet.id))
    return show_reply(ctx, vnet, est, judge(est), only=chosen.name if chosen else "")


@command("requests", usage="requests", example="/vpn requests", aliases=("approvals",))
def requests(ctx: Ctx, args: str) -> Reply | None:
    """List the change requests (peering flags and syncs, resets, BGP, shared keys, captures) still waiting for approval or being applied."""
    return requests_reply(ctx)


@command("audit", usage="audit [vnet]", example="/vpn audit vnet-eun")
def audit(ctx: Ctx, args: str) -> Reply | None:
    """Show the recent audit trail of change requests (who asked, approved, rejected, applied, with before and after), optionally for one VNet."""
    name = args.strip()
    if name and not (_VNET_NAME.match(name) or name.lower().startswith("/subscriptions/")):
        raise UsageError(rich(code(name), " cannot be a virtual network name."), example="/vpn audit vnet-eun")
    matching = name if name.startswith("/") else (f"/virtualnetworks/{name}" if name else "")
    return audit_reply(ctx, matching, exact_vnet=name if name and not name.startswith("/") else "")
