"""Reading Azure for /vpn peering: the VNet and peering a user named, and both sides of a peering."""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Callable

from commands.core.errors import AzureFailure, UsageError
from commands.core.fanout import gather
from commands.core.lookup import by_name
from commands.core.model import Gateway, Peering, ResourceId, VirtualNetwork, rid_key
from commands.core.registry import Ctx
from commands.core.text import code, join, rich
from commands.core.units import plural
from commands.findings.peerings import PeeringFacts, VnetFacts, find_reverse, gateways_in
from commands.peering.request import ChangeRequest


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
    return pick_vnet(name_or_id, seen, failed, len(subs))


def pick_vnet(name_or_id: str, seen: list[VirtualNetwork], failed: list[AzureFailure], subs: int) -> VirtualNetwork:
    """The VNet of `seen` with this name (or id). UsageError when none or several match: the
    ids to choose from, or the nearest names (and what could not be read)."""
    matches = by_name(seen, name_or_id, groups=False)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        ids = join("\n", (rich("• ", code(v.id)) for v in matches))
        raise UsageError(
            rich(f"{len(matches)} virtual networks are called ", code(name_or_id), "."),
            rich("Give the full id of the one you mean:\n", ids),
            f"/vpn peering {matches[0].id}",
        )
    if not seen and failed:
        raise failed[0]
    close = difflib.get_close_matches(name_or_id.lower(), [v.name.lower() for v in seen], n=3, cutoff=0.5)
    names = {v.name.lower(): v.name for v in seen}
    hint = rich("Did you mean ", join(", ", (code(names[c]) for c in close)), "?") if close else rich()
    if not hint and seen:
        known = sorted(seen, key=lambda v: v.name)[:20]
        hint = rich("Virtual networks: ", join(", ", (code(v.name) for v in known)))
    missing = f" ({len(failed)} subscription(s) could not be read: {failed[0]})" if failed else ""
    raise UsageError(
        rich(
            "No virtual network named ",
            code(name_or_id),
            f" in the {plural(subs, 'subscription')} the bot can see{missing}.",
        ),
        hint,
    )


def find_peering(vnet: VirtualNetwork, name: str) -> Peering:
    """The peering of `vnet` with this name. UsageError (with its peerings) when none."""
    hits = by_name(vnet.peerings, name, groups=False)
    if hits:
        return hits[0]
    if not vnet.peerings:
        raise UsageError(rich(code(vnet.name), " has no peerings."))
    names = join(", ", (code(p.name) for p in vnet.peerings))
    raise UsageError(
        rich(code(vnet.name), " has no peering called ", code(name), "."),
        rich("Its peerings: ", names, "."),
        f"/vpn peering {vnet.name}/{vnet.peerings[0].name} allowForwardedTraffic on",
    )


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
            out.append(PeeringFacts(local, p, remote_error=f"{got}. {got.advice!s}"))
        else:
            out.append(PeeringFacts(local, p, remote_error="The peering names no remote virtual network."))
    return out


def fresh_facts(ctx: Ctx, req: ChangeRequest, peering: Peering) -> PeeringFacts:
    """Both sides of the request's peering as Azure has them now, with `peering` freshly read."""
    vnet = ctx.azure.virtual_network(req.vnet_id)
    # The VNet read embeds its peerings; use the fresh single GET for the one we change.
    vnet = dataclasses.replace(
        vnet, peerings=tuple(peering if rid_key(p.id) == rid_key(peering.id) else p for p in vnet.peerings)
    )
    return read_facts(ctx, vnet, peering)
