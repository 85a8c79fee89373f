"""`/vpn peering`, `/vpn requests`, `/vpn audit`: see peerings, ask for a flag change, follow it.

`/vpn peering <vnet>` shows both sides of every peering of a VNet with their flags, state
and what is wrong. `/vpn peering <vnet>/<peering> <flag> on|off [reason: …]` plans the
change, checks Azure's rules first, and — when nothing blocks — posts a request in the
channel that an approver applies with a click (see `commands.approvals`).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from commands.approvals import (
    IN_FLIGHT,
    OPEN,
    audit_reply,
    file_request,
    read_facts,
    read_facts_many,
    requests_reply,
    store_of,
)
from commands.core.errors import UsageError
from commands.core.fanout import gather
from commands.core.lookup import by_name
from commands.core.model import Peering, ResourceId, VirtualNetwork, rid_key
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Fields, Header, Reply, Table, Text, code, esc, literal
from commands.core.store import StoreError
from commands.findings import dedup, ranked
from commands.findings.peerings import FLAG_ORDER, SHORT_NAMES, PeeringFacts, health, on_off

USAGE = "peering <vnet> | peering <vnet>/<peering> <flag> on|off [reason: text]"
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


@dataclass(frozen=True)
class Target:
    vnet: str  # a name or an ARM id
    peering: str = ""  # a name ("" = the whole VNet)


@dataclass(frozen=True)
class ChangeArgs:
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
    names = ", ".join(f"`{a}` / `{SHORT_NAMES[a]}`" for a in FLAG_ORDER)
    raise UsageError(f"{code(text)} is not a peering flag I can change.", f"Flags: {names}.", EXAMPLE)


def _value_of(text: str) -> bool:
    t = text.strip().lower()
    if t in _ON:
        return True
    if t in _OFF:
        return False
    raise UsageError(f"{code(text)} is neither on nor off.", "Say `on` or `off` after the flag.", EXAMPLE)


def parse_target(text: str) -> Target:
    t = text.strip()
    if t.lower().startswith("/subscriptions/"):
        try:
            rid = ResourceId.parse(t)
        except ValueError:
            raise UsageError(f"{code(t)} is not a valid Azure resource id.", example=EXAMPLE) from None
        types = [x.lower() for x in rid.types]
        if types[:1] != ["virtualnetworks"] or len(rid.names) < 1:
            raise UsageError(
                f"{code(t)} is not a virtual network or a peering id.",
                "Give a VNet name, `" + esc("<vnet>/<peering>") + "`, or the full id of either.",
                EXAMPLE,
            )
        # The names of a pasted id go into ARM paths too: hold them to ARM's alphabet, as
        # typed names are below (a `%2F` or `..` inside one is never a real resource).
        rules = ((_VNET_NAME, "virtual network"), (_PEERING_NAME, "peering"))
        for name, (rule, what) in zip(rid.names[:2], rules[: len(rid.names[:2])], strict=True):
            if not rule.match(name):
                raise UsageError(
                    f"{code(name)} in that id cannot be a {what} name.",
                    "Names are letters, digits, `_`, `.` or `-`, starting with a letter or digit.",
                    EXAMPLE,
                )
        if len(rid.names) >= 2 and types[1:2] == ["virtualnetworkpeerings"]:
            return Target(rid.parent, rid.names[1])
        if len(rid.names) > 1:
            raise UsageError(f"{code(t)} is not a virtual network or a peering id.", example=EXAMPLE)
        return Target(rid.raw.rstrip("/"))
    parts = t.split("/")
    if len(parts) > 2 or not all(parts):
        raise UsageError(
            f"{code(t)} is not {code('<vnet>')} or {code('<vnet>/<peering>')}.",
            "Give the VNet's name, then a slash and the peering's name (or a full resource id).",
            EXAMPLE,
        )
    if not _VNET_NAME.match(parts[0]):
        raise UsageError(
            f"{code(parts[0])} cannot be a virtual network name.",
            "VNet names are 2-64 letters, digits, `_`, `.` or `-`, starting with a letter or digit.",
            EXAMPLE,
        )
    if len(parts) == 2 and not _PEERING_NAME.match(parts[1]):
        raise UsageError(
            f"{code(parts[1])} cannot be a peering name.",
            "Peering names are 1-80 letters, digits, `_`, `.` or `-`.",
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
        raise UsageError("Which virtual network?", f"Usage: `/vpn {literal(USAGE)}`", EXAMPLE)
    target = parse_target(words[0])
    rest = words[1:]
    if not rest:
        if reason:
            raise UsageError("A reason only goes with a change.", f"Usage: `/vpn {literal(USAGE)}`", EXAMPLE)
        return ChangeArgs(target)
    if not target.peering:
        raise UsageError(
            "Which peering? A change names the peering after the VNet.",
            f"Write {code(target.vnet + '/<peering>')}; `/vpn peering {literal(target.vnet)}` lists them.",
            EXAMPLE,
        )
    if len(rest) == 1:
        flag_of(rest[0])
        raise UsageError(f"Turn {code(rest[0])} on or off?", "Add `on` or `off` after the flag.", EXAMPLE)
    if len(rest) > 2:
        raise UsageError(
            f"I do not understand {code(' '.join(rest[2:]))} after the change.",
            "Put any explanation after `reason:`.",
            EXAMPLE,
        )
    return ChangeArgs(target, flag_of(rest[0]), _value_of(rest[1]), reason)


# --- reading -----------------------------------------------------------------------------


def find_vnet(ctx: Ctx, name_or_id: str) -> VirtualNetwork:
    """The VNet with this name in any subscription in scope (or by id). UsageError when none
    or several match (with what would be right)."""
    if name_or_id.startswith("/"):
        return ctx.azure.virtual_network(name_or_id)
    subs = ctx.azure.subscriptions()
    tasks: list[Callable[[], list[VirtualNetwork]]] = [
        functools.partial(ctx.azure.virtual_networks, s.id) for s in subs
    ]
    outcomes = gather(tasks, ctx.settings.concurrency)
    seen: list[VirtualNetwork] = [v for o in outcomes if o.ok and o.value for v in o.value]
    failed = [o.error for o in outcomes if o.error is not None]
    matches = by_name(seen, name_or_id, groups=False)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        ids = "\n".join(f"• {code(v.id)}" for v in matches)
        raise UsageError(
            f"{len(matches)} virtual networks are called {code(name_or_id)}.",
            f"Give the full id of the one you mean:\n{ids}",
            f"/vpn peering {matches[0].id}",
        )
    if not seen and failed:
        raise failed[0]
    close = difflib.get_close_matches(name_or_id.lower(), [v.name.lower() for v in seen], n=3, cutoff=0.5)
    names = {v.name.lower(): v.name for v in seen}
    hint = ("Did you mean " + ", ".join(code(names[c]) for c in close) + "?") if close else ""
    if not hint and seen:
        hint = "Virtual networks: " + ", ".join(code(v.name) for v in sorted(seen, key=lambda v: v.name)[:20])
    missing = f" ({len(failed)} subscription(s) could not be read: {esc(failed[0])})" if failed else ""
    raise UsageError(f"No virtual network called {code(name_or_id)} in {len(subs)} subscription(s){missing}.", hint)


def find_peering(vnet: VirtualNetwork, name: str) -> Peering:
    hits = by_name(vnet.peerings, name, groups=False)
    if hits:
        return hits[0]
    if not vnet.peerings:
        raise UsageError(f"{code(vnet.name)} has no peerings.")
    names = ", ".join(code(p.name) for p in vnet.peerings)
    raise UsageError(
        f"{code(vnet.name)} has no peering called {code(name)}.",
        f"Its peerings: {names}.",
        f"/vpn peering {vnet.name}/{vnet.peerings[0].name} allowForwardedTraffic on",
    )


# --- show --------------------------------------------------------------------------------


def _flags_row(vnet: str, p: Peering | None, label: str = "") -> tuple[str, ...]:
    if p is None:
        return (vnet, label or "(no peering back)", "", "", "", "", "")
    return (vnet, p.name, *(on_off(p.flag(f)) for f in FLAG_ORDER), p.state or "?")


def show_reply(ctx: Ctx, vnet: VirtualNetwork, facts: list[PeeringFacts], only: str = "") -> Reply:
    loc = " · ".join(x for x in (vnet.location, ", ".join(vnet.address_prefixes)) if x)
    title = f"Peerings of {vnet.name}" + (f" ({loc})" if loc else "")
    r = Reply(fallback=f"{title}: {len(facts)} peering(s)")
    r.add(Header(title))
    if not facts:
        r.add(Text(f"{code(vnet.name)} has no peerings."))
        return r
    rows: list[tuple[str, ...]] = []
    gateways: dict[str, str] = {}
    for f in facts:
        rows.append(_flags_row(vnet.name, f.peering))
        remote = f.remote_name
        if f.remote is None:
            rows.append((remote, "(could not be read)", "", "", "", "", ""))
        else:
            rows.append(_flags_row(remote, f.reverse))
        for side in (f.local, f.remote):
            if side is None:
                continue
            if not side.gateways_known:
                gateways.setdefault(side.vnet.name, "unknown (gateway list unreadable)")
                continue
            desc = []
            for g in side.gateways:
                bits = [x for x in (g.sku, "active-active" if g.active_active else "") if x]
                if g.serves_p2s:
                    bits.append("point-to-site " + ", ".join(g.p2s_address_pool))
                desc.append(code(g.name) + (f" ({esc(', '.join(bits))})" if bits else ""))
            gateways[side.vnet.name] = ", ".join(desc) or "none"
    r.add(
        Table(
            ("VNet", "Peering", *(SHORT_NAMES[f] for f in FLAG_ORDER), "State"),
            tuple(rows),
            caption="Each peering, then the remote VNet's peering back",
            filename=f"peerings-{vnet.name}.txt",
        )
    )
    r.add(Fields(tuple((f"Gateways in {esc(name)}", desc) for name, desc in gateways.items())))
    found = ranked(dedup([x for f in facts for x in health(f)]))
    if found:
        r.add(*found)
    else:
        r.add(Text(":white_check_mark: Both sides of every peering are Connected and consistent."))
    open_lines = _open_requests_for(ctx, [f.peering for f in facts])
    if open_lines:
        r.add(Context(open_lines))
    example = esc(f"/vpn peering {vnet.name}/{only or facts[0].peering.name} <flag> on|off reason: …")
    r.add(Context(f"Change a flag: `{example}` · flags: " + ", ".join(f"`{SHORT_NAMES[f]}`" for f in FLAG_ORDER)))
    return r


def _open_requests_for(ctx: Ctx, peerings: list[Peering]) -> str:
    if ctx.store is None:
        return ""
    keys = {rid_key(p.id) for p in peerings}
    try:
        recs = store_of(ctx).list_requests(set(OPEN | IN_FLIGHT), limit=100)
    except StoreError:
        return ""
    bits = []
    for rec in recs:
        if rid_key(str(rec.body.get("peering_id", ""))) in keys:
            b = rec.body
            bits.append(
                f"#{rec.number} {esc(rec.state)}: {esc(b.get('flag'))} {on_off(bool(b.get('value')))} "
                f"on {code(b.get('peering_name', ''))}"
            )
    return ("Open requests: " + "; ".join(bits)) if bits else ""


# --- commands ----------------------------------------------------------------------------


@command("peering", usage=USAGE, example=EXAMPLE, aliases=("peerings", "peer"))
def peering(ctx: Ctx, args: str) -> Reply | None:
    """See a VNet's peerings from both sides, or ask to change one flag (applied after a second person approves).

    `/vpn peering <vnet>` shows every peering of the VNet and the remote VNet's peering back, with
    allowVirtualNetworkAccess, allowForwardedTraffic, allowGatewayTransit and useRemoteGateways,
    their state, and what is wrong. `/vpn peering <vnet>/<peering> <flag> on|off reason: …` checks
    Azure's rules first (a refused plan files nothing), then posts a request in the channel:
    an approver — never the requester — clicks Approve and the bot applies, verifies and answers
    in the thread. Flags: allowGatewayTransit (gateway-transit), useRemoteGateways (remote-gateways),
    allowForwardedTraffic (forwarded-traffic), allowVirtualNetworkAccess (vnet-access).
    """
    parsed = parse_args(args)
    target = parsed.target
    vnet = find_vnet(ctx, target.vnet)
    chosen = find_peering(vnet, target.peering) if target.peering else None
    if not parsed.flag:
        shown = [chosen] if chosen else list(vnet.peerings)
        ctx.out.progress(f"Reading both sides of {len(shown)} peering(s) of {vnet.name}…")
        return show_reply(ctx, vnet, read_facts_many(ctx, vnet, shown), only=chosen.name if chosen else "")
    assert chosen is not None
    ctx.out.progress(f"Planning {parsed.flag} → {on_off(parsed.value)} for {vnet.name}/{chosen.name}…")
    # The VNet list may be seconds old: plan on a fresh GET (its etag is what apply compares).
    fresh = ctx.azure.peering(chosen.id)
    vnet = dataclasses.replace(
        vnet, peerings=tuple(fresh if rid_key(p.id) == rid_key(fresh.id) else p for p in vnet.peerings)
    )
    facts = read_facts(ctx, vnet, fresh)
    return file_request(ctx, facts, parsed.flag, parsed.value, parsed.reason)


@command("requests", usage="requests", example="/vpn requests", aliases=("approvals",))
def requests(ctx: Ctx, args: str) -> Reply | None:
    """List the peering change requests still waiting for approval or being applied."""
    return requests_reply(ctx)


@command("audit", usage="audit [vnet]", example="/vpn audit vnet-eun")
def audit(ctx: Ctx, args: str) -> Reply | None:
    """Show the recent audit trail of peering changes (who asked, approved, rejected, applied, with before and after), optionally for one VNet."""
    name = args.strip()
    if name and not (_VNET_NAME.match(name) or name.lower().startswith("/subscriptions/")):
        raise UsageError(f"{code(name)} cannot be a virtual network name.", example="/vpn audit vnet-eun")
    matching = name if name.startswith("/") else (f"/virtualnetworks/{name}" if name else "")
    return audit_reply(ctx, matching, exact_vnet=name if name and not name.startswith("/") else "")


__all__ = ["ChangeArgs", "Target", "audit", "find_peering", "find_vnet", "flag_of", "parse_args", "peering", "requests"]
