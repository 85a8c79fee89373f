"""`/vpn peering <vnet>/<peering> sync`: sync a peering with its remote VNet's address space.

Azure's rule (https://learn.microsoft.com/azure/virtual-network/update-virtual-network-peering-address-space):
when the address space of a peered VNet changes, the peerings towards it show
`peeringSyncLevel` LocalNotInSync or RemoteNotInSync until they are synced; until then the
new prefixes are not reachable over the peering. A sync is a PUT of the peering with
`?syncRemoteAddressSpace=true` (VirtualNetworkPeerings_CreateOrUpdate, published example
VirtualNetworkPeeringSync), here conditional on the etag the plan saw. Read back: the sync
level FullyInSync and the remote address space the remote VNet's. Not revertible: the
peering takes the remote VNet's current address space, there is no earlier one to restore.
"""

from __future__ import annotations

from commands.actions.engine import file_action, new_request
from commands.actions.spec import SENT_NO_ANSWER, Spec, Verdict
from commands.core.errors import AzureFailure
from commands.core.model import Peering, VirtualNetwork
from commands.core.registry import Ctx
from commands.core.reply import Finding, Reply
from commands.core.text import code, rich
from commands.peering.request import Loaded

DOC_SYNC = "https://learn.microsoft.com/azure/virtual-network/update-virtual-network-peering-address-space"
IN_SYNC = "FullyInSync"


def _space(prefixes: tuple[str, ...] | list[str]) -> str:
    return ", ".join(prefixes) or "(none)"


def preflight(p: Peering, remote: VirtualNetwork | None) -> list[Finding]:
    key = f"peering_sync:{p.id}"
    if p.sync_level == IN_SYNC:
        return [
            Finding(
                "critical",
                rich("Nothing to sync: ", code(p.name), " is FullyInSync"),
                evidence=rich("Its remote address space is ", code(_space(p.remote_address_prefixes)), "."),
                doc_url=DOC_SYNC,
                key=f"{key}:noop",
            )
        ]
    if p.provisioning_state in ("Updating", "Deleting"):
        return [
            Finding(
                "critical",
                rich("Another operation is changing ", code(p.name), " right now"),
                evidence=f"provisioningState {p.provisioning_state}",
                next_step="Wait until it reads Succeeded, then ask again.",
                key=f"{key}:busy",
            )
        ]
    out = []
    if remote is None:
        out.append(
            Finding(
                "warning",
                rich("The remote VNet of ", code(p.name), " could not be read"),
                evidence="The plan cannot show the address space the peering will take.",
                key=f"{key}:remote",
            )
        )
    out.append(
        Finding(
            "info",
            rich("The peering back needs its own sync"),
            evidence="Each side of a peering is synced on its own; sync the remote VNet's peering too if it is not in sync.",
            doc_url=DOC_SYNC,
            key=f"{key}:other_side",
        )
    )
    return out


def file_sync(ctx: Ctx, vnet: VirtualNetwork, p: Peering, reason: str) -> Reply:
    """Plan and file the sync of `p` (read fresh)."""
    remote: VirtualNetwork | None
    try:
        remote = ctx.azure.virtual_network(p.remote_vnet_id) if p.remote_vnet_id else None
    except AzureFailure:
        remote = None
    rows = [
        ["peeringSyncLevel", p.sync_level or "?", IN_SYNC],
        ["remote address space", _space(p.remote_address_prefixes), _space(remote.address_prefixes) if remote else "?"],
    ]
    params = {
        "summary": f"sync peering {vnet.name}/{p.name} with the remote address space",
        "rows": rows,
        "locks": [p.id],
        "related": [vnet.id, p.remote_vnet_id, p.id],
        "not_revertible": "the peering takes the remote VNet's current address space; there is no earlier one to restore",
    }
    req = new_request(ctx, "peering_sync", p.id, f"{vnet.name}/{p.name}", reason, params, plan_etag=p.etag)
    return file_action(ctx, req, preflight(p, remote))


def _recheck(ctx: Ctx, cur: Loaded) -> str:
    p = ctx.azure.peering(cur.req.target_id)
    if p.etag != cur.req.plan_etag:
        if p.sync_level == IN_SYNC:
            return "the peering is FullyInSync already (synced outside the bot since the plan); nothing written."
        return "the peering changed since the plan (its etag is new); nothing written. Ask again."
    blockers = [f for f in preflight(p, None) if f.severity == "critical"]
    if blockers:
        return "; ".join(str(b.title).replace("`", "") for b in blockers) + ". Nothing was written."
    return ""


def _write(ctx: Ctx, cur: Loaded) -> None:
    ctx.azure.sync_peering(cur.req.target_id, cur.req.plan_etag)


def _verify(ctx: Ctx, cur: Loaded, sent: str) -> Verdict:
    from commands.peering.outcome import read_settled

    p = read_settled(ctx.azure, cur.req.target_id)
    after = {"peeringSyncLevel": p.sync_level or "?", "remote address space": _space(p.remote_address_prefixes)}
    if p.provisioning_state == "Updating":
        return Verdict("unknown", "Azure still reports the peering Updating.", after)
    if p.sync_level == IN_SYNC and p.etag != cur.req.plan_etag:
        return Verdict("applied", "", after)
    if p.etag == cur.req.plan_etag and sent == SENT_NO_ANSWER:
        return Verdict(
            "unknown", "the write got no answer and the peering is still as planned; it may still land.", after
        )
    return Verdict(
        "not_applied", f"the peering reads {p.sync_level or '?'}: nothing of this request was written.", after
    )


PEERING_SYNC = Spec("peering_sync", "Peering sync", _recheck, _write, _verify, guarded=True)
