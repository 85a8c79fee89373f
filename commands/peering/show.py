"""`/vpn peering <vnet>`: every peering of a VNet and the remote VNet's peering back."""

from __future__ import annotations

from commands.core.model import Gateway, Peering, VirtualNetwork, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Context, Fields, Header, Reply, Table, Text
from commands.core.store import StoreError
from commands.core.text import Icon, Rich, code, join, rich
from commands.findings import dedup, ranked
from commands.findings.peerings import FLAG_ORDER, SHORT_NAMES, PeeringFacts, health, on_off
from commands.peering.request import IN_FLIGHT, OPEN, store_of


def _flags_row(vnet: str, p: Peering | None) -> tuple[str, ...]:
    if p is None:
        return (vnet, "(no peering back)", "", "", "", "", "")
    return (vnet, p.name, *(on_off(p.flag(f)) for f in FLAG_ORDER), p.state or "?")


def show_reply(ctx: Ctx, vnet: VirtualNetwork, facts: list[PeeringFacts], only: str = "") -> Reply:
    """Both sides of each peering in `facts` (flags and state), the gateways of every VNet
    involved, what is wrong, and the requests still open for them. `only`: the one peering
    the user named."""
    loc = " · ".join(x for x in (vnet.location, ", ".join(vnet.address_prefixes)) if x)
    title = f"Peerings of {vnet.name}" + (f" ({loc})" if loc else "")
    r = Reply(fallback=rich(f"{title}: {len(facts)} peering(s)"))
    r.add(Header(title))
    if not facts:
        r.add(Text(rich(code(vnet.name), " has no peerings.")))
        return r
    rows: list[tuple[str, ...]] = []
    gateways: dict[str, Rich] = {}
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
                gateways.setdefault(side.vnet.name, rich("unknown (gateway list unreadable)"))
                continue
            gateways[side.vnet.name] = join(", ", (_gateway(g) for g in side.gateways)) or rich("none")
    r.add(
        Table(
            ("VNet", "Peering", *(SHORT_NAMES[f] for f in FLAG_ORDER), "State"),
            tuple(rows),
            caption="Each peering, then the remote VNet's peering back",
            filename=f"peerings-{vnet.name}.txt",
        )
    )
    # A Fields label is still read as mrkdwn by bot/slack/render.py (checklist writes code
    # there), so the estate's name is escaped here until labels are plain words.
    r.add(Fields(tuple((rich("Gateways in ", name), desc) for name, desc in gateways.items())))
    found = ranked(dedup([x for f in facts for x in health(f)]))
    if found:
        r.add(*found)
    else:
        r.add(Text(rich(Icon.DONE, " Both sides of every peering are Connected and consistent.")))
    open_lines = _open_requests_for(ctx, [f.peering for f in facts])
    if open_lines:
        r.add(Context(open_lines))
    example = f"/vpn peering {vnet.name}/{only or facts[0].peering.name} <flag> on|off reason: …"
    flags = join(", ", (code(SHORT_NAMES[f]) for f in FLAG_ORDER))
    r.add(Context(rich("Change a flag: ", code(example), " · flags: ", flags)))
    return r


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
        if rid_key(str(rec.body.get("peering_id", ""))) in keys:
            b = rec.body
            change = f"#{rec.number} {rec.state}: {b.get('flag')} {on_off(bool(b.get('value')))} on "
            bits.append(rich(change, code(b.get("peering_name", ""))))
    return rich("Open requests: ", join("; ", bits)) if bits else rich()
