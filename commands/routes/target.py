"""Which NIC, VM or gateway the user means, and the answers when none or several match."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from commands.core.lookup import by_name, matches
from commands.core.model import Gateway, NetworkInterface, name_of, rid_key
from commands.core.reply import Context, Reply, Text, error_reply
from commands.core.text import Icon, Rich, code, join, rich
from commands.core.units import plural
from commands.judgement.estate import Estate

EXAMPLE = "/vpn routes vm-aue"


@dataclass(frozen=True)
class Resolved:
    """A target: a NIC, a VM (with its NICs) or a gateway."""

    kind: Literal["nic", "vm", "gateway"]
    name: str
    id: str
    nics: tuple[NetworkInterface, ...] = ()
    gateway: Gateway | None = None


def resolve(query: str, kind: str | None, estate: Estate) -> list[Resolved]:
    """Every NIC, VM (→ its NICs) or gateway named `query` (or with that resource id)."""
    out: list[Resolved] = []
    if kind in (None, "nic"):
        out += [Resolved("nic", n.name, n.id, (n,)) for n in by_name(estate.nics, query, groups=False)]
    if kind in (None, "vm"):
        vms: dict[str, list[NetworkInterface]] = {}
        for n in estate.nics:
            if n.vm_id and matches(name_of(n.vm_id), n.vm_id, query, groups=False):
                vms.setdefault(rid_key(n.vm_id), []).append(n)
        for nics in vms.values():
            out.append(Resolved("vm", name_of(nics[0].vm_id), nics[0].vm_id, tuple(nics)))
    if kind in (None, "gateway"):
        out += [Resolved("gateway", g.name, g.id, gateway=g) for g in by_name(estate.gateways, query, groups=False)]
    # A NIC found both by its own name and as its VM's only NIC is one target.
    if kind is None and len(out) > 1:
        nic_ids = {rid_key(r.id) for r in out if r.kind == "nic"}
        out = [r for r in out if not (r.kind == "vm" and {rid_key(n.id) for n in r.nics} <= nic_ids)]
    return out


def unknown_reply(query: str, kind: str | None, estate: Estate) -> Reply:
    """Nothing by that name: the nearest names, what a VNet name holds, and what exists."""
    what = {"nic": "NIC", "vm": "VM", "gateway": "gateway"}.get(kind or "", "NIC, VM or gateway")
    # A private endpoint's NIC has no effective routes to show: not worth suggesting.
    pe_nics = {rid_key(x) for p in estate.private_endpoints for x in p.nic_ids}
    nics = sorted({n.name for n in estate.nics if rid_key(n.id) not in pe_nics})
    vms = sorted({name_of(n.vm_id) for n in estate.nics if n.vm_id})
    gws = sorted({g.name for g in estate.gateways})
    pool = {"nic": nics, "vm": vms, "gateway": gws}.get(kind or "", nics + vms + gws)
    close = difflib.get_close_matches(query.lower(), [p.lower() for p in pool], n=4, cutoff=0.5)
    close_names = [next(p for p in pool if p.lower() == c) for c in close]
    n = len(estate.subscriptions)
    r = error_reply(
        rich(f"No {what} named ", code(query), f" in the {plural(n, 'subscription')} the bot can see."),
        rich("Did you mean ", _codes(close_names), "?") if close_names else "",
        f"/vpn routes {close_names[0]}" if close_names else EXAMPLE,
    )
    vnet = next((v for v in estate.vnets if v.name.lower() == query.lower()), None)
    if vnet is not None:
        inside = [n for n in estate.nics if any(rid_key(x) == rid_key(vnet.id) for x in n.vnet_ids)]
        gw_in = [g for g in estate.gateways if rid_key(g.vnet_id) == rid_key(vnet.id)]
        names = [x.name for x in inside[:8]] + [g.name for g in gw_in]
        r.add(
            Text(
                rich(
                    code(vnet.name),
                    " is a virtual network; name a NIC, VM or gateway in it: ",
                    _codes(names) or "it has none",
                )
            )
        )
    for label, names in (("NICs", nics), ("VMs", vms), ("Gateways", gws)):
        if kind and {"NICs": "nic", "VMs": "vm", "Gateways": "gateway"}[label] != kind:
            continue
        if names:
            more = f" and {len(names) - 12} more" if len(names) > 12 else ""
            r.add(Context(rich(f"{label}: ", _codes(names[:12]), more)))
    for gap in estate.gap_lines()[:3]:
        r.add(Context(rich(Icon.WARNING, " ", gap)))
    return r


def ambiguous_reply(query: str, found: Sequence[Resolved]) -> Reply:
    """Several resources by that name: each with its id, and how to pick one."""
    lines = [rich(f"• {r.kind} ", code(r.name), " — ", code(r.id)) for r in found[:10]]
    if len(found) > 10:
        lines.append(rich(f"…and {len(found) - 10} more"))
    return error_reply(
        rich(code(query), f" matches {len(found)} resources; which one?"),
        rich(join("\n", lines), "\nName the kind, or give the full resource id."),
        f"/vpn routes {found[0].kind} {found[0].id}",
    )


def _codes(names: Sequence[str]) -> Rich:
    return join(", ", [code(x) for x in names])
