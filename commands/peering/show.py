"""`/vpn peering <vnet>`: every peering of a VNet and the remote VNet's peering back, and
every peering other VNets hold towards it — a half peering is usually seen from the side
that has it (Initiated), so the VNet without one has "no peerings" only when no other VNet
points at it either (Azure's rule: a peering carries traffic only when both VNets have one,
https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering).

What is wrong is the one judgement's (`commands.judgement`): the same findings `/vpn
diagnose` shows for these peerings, root causes first.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.core.model import Gateway, Peering, VirtualNetwork, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Context, Fields, Finding, Header, Reply, Table, Text
from commands.core.store import StoreError
from commands.core.text import Icon, Rich, code, join, rich
from commands.findings.peerings import FLAG_ORDER, SHORT_NAMES, gateways_in, on_off
from commands.judgement.estate import Estate
from commands.judgement.judge import Judgement
from commands.judgement.view import head, problems
from commands.peering.request import IN_FLIGHT, OPEN, store_of


@dataclass(frozen=True)
class Side:
    """One peering of the VNet asked about (or one pointing at it), with its other side."""

    vnet: str  # the VNet that holds `peering`
    peering: Peering
    remote: str  # the other VNet's name
    reverse: Peering | None  # the other VNet's peering back (None: it has none)
    remote_read: bool  # the other VNet could be read
    towards: bool = False  # `peering` belongs to the other VNet and points at the one asked about


def sides_of(vnet: VirtualNetwork, est: Estate, only: str = "") -> list[Side]:
    """The VNet's peerings (or the one called `only`) with their other side, then the
    peerings other VNets hold towards it that it has no peering back for."""
    facts = est.index
    out: list[Side] = []
    mine = {rid_key(p.remote_vnet_id) for p in vnet.peerings}
    for p in vnet.peerings:
        if only and p.name.lower() != only.lower():
            continue
        remote = facts.vnet_by_key.get(rid_key(p.remote_vnet_id))
        out.append(
            Side(
                vnet.name,
                p,
                facts.vnet_name(p.remote_vnet_id),
                facts.peering(p.remote_vnet_id, vnet.id),
                remote is not None,
            )
        )
    if only:
        return out
    for other in est.vnets:
        for p in other.peerings:
            if rid_key(p.remote_vnet_id) == rid_key(vnet.id) and rid_key(other.id) not in mine:
                out.append(Side(other.name, p, vnet.name, None, True, towards=True))
    return out


def show_reply(ctx: Ctx, vnet: VirtualNetwork, est: Estate, j: Judgement, only: str = "") -> Reply:
    """Both sides of each peering (flags and state), the gateways of every VNet involved,
    what is wrong (root causes first), and the requests still open for them. `only`: the
    one peering the user named."""
    sides = sides_of(vnet, est, only)
    loc = " · ".join(x for x in (vnet.location, ", ".join(vnet.address_prefixes)) if x)
    title = f"Peerings of {vnet.name}" + (f" ({loc})" if loc else "")
    ids = {rid_key(s.peering.id) for s in sides} | {rid_key(s.reverse.id) for s in sides if s.reverse}
    roots = j.naming(ids)
    r = Reply(fallback=rich(f"{title}: {len(sides)} peering(s)"))
    if not sides:
        r.add(Text(rich(code(vnet.name), " has no peerings, and no other VNet the bot can read has one towards it.")))
        return r
    r.add(*head(_headline(vnet, sides, roots), problems(roots), unread=len(est.gap_lines())))
    r.more(Header(title))
    r.more(_table(vnet, sides, est))
    r.more(Fields(tuple((rich("Gateways in ", name), desc) for name, desc in _gateways(sides, est).items())))
    if roots:
        r.more(*roots)
    else:
        r.more(Text(rich(Icon.DONE, " Both sides of every peering are Connected and consistent.")))
    for gap in est.gap_lines()[:5]:
        r.more(Context(rich(Icon.WARNING, " ", gap)))
    open_lines = _open_requests_for(ctx, [s.peering for s in sides])
    if open_lines:
        r.more(Context(open_lines))
    own = [s for s in sides if not s.towards]
    example = (
        f"/vpn peering {vnet.name}/{only or (own[0].peering.name if own else '<peering>')} <flag> on|off reason: …"
    )
    flags = join(", ", (code(SHORT_NAMES[f]) for f in FLAG_ORDER))
    r.more(Context(rich("Change a flag: ", code(example), " · flags: ", flags)))
    return r


def _headline(vnet: VirtualNetwork, sides: list[Side], roots: list[Finding]) -> Rich:
    own = len([s for s in sides if not s.towards])
    towards = len(sides) - own
    probs = problems(roots)
    count = f"{own} peering{'s' if own != 1 else ''}"
    if towards:
        count += f", {towards} towards it with none back"
    if probs:
        mark = "🔴" if any(x.severity == "critical" for f in probs for x in f.every()) else "🟠"
        return rich(f"{mark} Peerings of ", code(vnet.name), f": {count}, {len(probs)} to fix")
    return rich("🟢 Peerings of ", code(vnet.name), f": {count}, both sides Connected and consistent")


def _flags_row(vnet: str, p: Peering | None) -> tuple[str, ...]:
    if p is None:
        return (vnet, "(no peering back)", "", "", "", "", "")
    return (vnet, p.name, *(on_off(p.flag(f)) for f in FLAG_ORDER), p.state or "?")


def _table(vnet: VirtualNetwork, sides: list[Side], est: Estate) -> Table:
    rows: list[tuple[str, ...]] = []
    for s in sides:
        rows.append(_flags_row(s.vnet, s.peering))
        if not s.remote_read:
            rows.append((s.remote, "(could not be read)", "", "", "", "", ""))
        else:
            rows.append(_flags_row(s.remote, s.reverse))
    return Table(
        ("VNet", "Peering", *(SHORT_NAMES[f] for f in FLAG_ORDER), "State"),
        tuple(rows),
        caption="Each peering, then the other VNet's peering back",
        filename=f"peerings-{vnet.name}.txt",
    )


def _gateways(sides: list[Side], est: Estate) -> dict[str, Rich]:
    """The gateways of every VNet involved (or why they are unknown)."""
    facts = est.index
    out: dict[str, Rich] = {}
    for s in sides:
        for vid in (s.peering.vnet_id, s.peering.remote_vnet_id):
            name = facts.vnet_name(vid)
            if name in out:
                continue
            if not est.gateways_known(vid):
                out[name] = rich("unknown (gateway list unreadable)")
                continue
            out[name] = join(", ", (_gateway(g) for g in gateways_in(vid, est.gateways))) or rich("none")
    return out


def _gateway(g: Gateway) -> Rich:
    """`vgw-hub` (VpnGw2, active-active, point-to-site 172.16.1.0/24)."""
    bits = [x for x in (g.sku, "active-active" if g.active_active else "") if x]
    if g.serves_p2s:
        bits.append("point-to-site " + ", ".join(g.p2s_address_pool))
    return rich(code(g.name), f" ({', '.join(bits)})" if bits else None)


def _open_requests_for(ctx: Ctx, peerings: list[Peering]) -> Rich:
    """The requests still open or being applied for these peerings, in one line (none
    when the store cannot say: the peerings are still worth showing)."""
    if ctx.store is None:
        return rich()
    keys = {rid_key(p.id) for p in peerings}
    try:
        recs = store_of(ctx).list_requests(set(OPEN | IN_FLIGHT), limit=100)
    except StoreError:
        return rich()
    bits = []
    for rec in recs:
        b = rec.body
        if rid_key(str(b.get("peering_id", ""))) in keys:
            change = f"#{rec.number} {rec.state}: {b.get('flag')} {on_off(bool(b.get('value')))} on "
            bits.append(rich(change, code(b.get("peering_name", ""))))
        elif b.get("kind") == "peering_sync" and rid_key(str(b.get("target_id", ""))) in keys:
            bits.append(rich(f"#{rec.number} {rec.state}: sync of ", code(str(b.get("target_name", "")))))
    return rich("Open requests: ", join("; ", bits)) if bits else rich()
