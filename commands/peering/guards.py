"""Pre-flight of the write path: what can block a direct peering write or undo it later.

Called when a request is filed (`commands.peering.filing`) and again right before the write
(`commands.peering.apply`), beside Azure's flag rules (`commands.peering.rules`).

* **Another operation holds a resource.** While the peering's VNet, the remote VNet or the
  peering back is `Updating` (or `Deleting`), ARM refuses a peering write: 429
  `RetryableErrorDueToAnotherOperation` ("Operation PutSubnetOperation (…) is updating
  resource …") or 400 `ReferencedResourceNotProvisioned` ("… is not in Succeeded state").
  That is not throttling: the plan must wait for that operation and be made again on what
  it leaves (critical: nothing is filed or written meanwhile).
* **Azure Virtual Network Manager manages the peering.** A hub-and-spoke connectivity
  configuration creates the peerings between its hub and the VNets of its groups and keeps
  them as it says: deploying it again can undo a direct change ("Use hub as a gateway"
  sets `allowGatewayTransit` / `useRemoteGateways` itself; "delete existing peerings"
  removes the ones it did not make). ARM shows it by the configurations in effect on each
  VNet (`POST …/virtualNetworks/{vnet}/listNetworkManagerEffectiveConnectivityConfigurations`):
  the peering is AVNM's when one hub-and-spoke configuration is in effect on both VNets
  and one of them is its hub. (A mesh configuration connects VNets through a connected
  group, not peerings.) https://learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from commands.core.errors import AzureFailure
from commands.core.fanout import gather
from commands.core.model import ConnectivityConfiguration, name_of, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Finding
from commands.core.text import code, join, rich
from commands.findings.peerings import PeeringFacts

DOC_AVNM = "https://learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration"
DOC_PROVISIONING = "https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors"
BUSY_STATES = frozenset({"Updating", "Deleting"})
# The flags "Use hub as a gateway" of a hub-and-spoke configuration sets itself.
HUB_GATEWAY_FLAGS = frozenset({"allowGatewayTransit", "useRemoteGateways"})


@dataclass(frozen=True)
class Managers:
    """The Virtual Network Manager configurations in effect on both VNets of a peering
    (None: that side could not be read, `errors` says why)."""

    local: tuple[ConnectivityConfiguration, ...] | None
    remote: tuple[ConnectivityConfiguration, ...] | None
    errors: tuple[AzureFailure, ...] = ()


def read_managers(ctx: Ctx, facts: PeeringFacts) -> Managers:
    """Both VNets' effective connectivity configurations, read side by side."""
    ids = [facts.local.vnet.id]
    if facts.peering.remote_vnet_id:
        ids.append(facts.peering.remote_vnet_id)
    tasks: list[Callable[[], list[ConnectivityConfiguration]]] = [
        functools.partial(ctx.azure.connectivity_configurations, v) for v in ids
    ]
    outcomes = gather(tasks, ctx.settings.concurrency)
    got = [tuple(o.value) if o.ok and o.value is not None else None for o in outcomes]
    errors = tuple(o.error for o in outcomes if o.error is not None)
    return Managers(got[0], got[1] if len(got) > 1 else (), errors)


def write_guards(ctx: Ctx, facts: PeeringFacts, flag: str) -> list[Finding]:
    """The guards below, with the reads they need."""
    return guards(facts, read_managers(ctx, facts), flag)


def guards(facts: PeeringFacts, managers: Managers, flag: str) -> list[Finding]:
    """Findings about another operation holding a resource (critical) and about Azure
    Virtual Network Manager managing the peering (warning)."""
    return [*_busy(facts), *_managed(facts, managers, flag)]


def _busy(facts: PeeringFacts) -> list[Finding]:
    """A resource the write depends on is being changed by another operation right now."""
    held: list[tuple[str, str, str]] = []  # (kind, name, provisioningState)
    local = facts.local.vnet
    if local.provisioning_state in BUSY_STATES:
        held.append(("virtual network", local.name, local.provisioning_state))
    if facts.remote is not None and facts.remote.vnet.provisioning_state in BUSY_STATES:
        held.append(("virtual network", facts.remote.vnet.name, facts.remote.vnet.provisioning_state))
    if facts.reverse is not None and facts.reverse.provisioning_state in BUSY_STATES:
        held.append(("peering back", facts.reverse.name, facts.reverse.provisioning_state))
    if not held:
        return []
    what = join(", ", (rich(f"{kind} ", code(name), f" ({state})") for kind, name, state in held))
    return [
        Finding(
            "critical",
            rich("Another operation is changing ", what, " right now"),
            evidence=rich(
                "ARM refuses a peering write while a resource it depends on is being changed "
                "(RetryableErrorDueToAnotherOperation, ReferencedResourceNotProvisioned). "
                "That operation may change what this plan is based on."
            ),
            next_step="Wait until it has finished (provisioningState Succeeded), then ask again: the plan is made on what it leaves.",
            doc_url=DOC_PROVISIONING,
            key=f"guard_busy:{rid_key(facts.peering.id)}",
        )
    ]


def _hub_and_spoke_over(facts: PeeringFacts, managers: Managers) -> list[ConnectivityConfiguration]:
    """Hub-and-spoke configurations in effect on both VNets with one of them as hub."""
    if managers.local is None or managers.remote is None:
        return []
    local_id, remote_id = rid_key(facts.local.vnet.id), rid_key(facts.peering.remote_vnet_id)
    remote_ids = {rid_key(c.id) for c in managers.remote}
    out = []
    for c in managers.local:
        if c.topology.lower() != "hubandspoke" or rid_key(c.id) not in remote_ids:
            continue
        hubs = {rid_key(h) for h in c.hub_ids}
        if local_id in hubs or remote_id in hubs:
            out.append(c)
    return out


def _managed(facts: PeeringFacts, managers: Managers, flag: str) -> list[Finding]:
    p = facts.peering
    out: list[Finding] = []
    for c in _hub_and_spoke_over(facts, managers):
        hubs = join(", ", (code(name_of(h)) for h in c.hub_ids))
        undo = []
        if c.use_hub_gateway and flag in HUB_GATEWAY_FLAGS:
            undo.append(rich("it sets ", code(flag), " itself (Use hub as a gateway)"))
        if c.delete_existing_peering:
            undo.append(rich("it removes peerings it did not create (delete existing peerings)"))
        out.append(
            Finding(
                "warning",
                rich(
                    code(p.name),
                    " is managed by Azure Virtual Network Manager: connectivity configuration ",
                    code(c.name),
                    " of ",
                    code(c.manager or "?"),
                    " (hub-and-spoke, hub ",
                    hubs,
                    ")",
                ),
                evidence=rich(
                    "A deployment of that configuration can undo a direct change to this peering",
                    rich("; ", join("; ", undo)) if undo else None,
                    ".",
                ),
                next_step=rich("To keep the change, make it in ", code(c.name), " and deploy it."),
                doc_url=DOC_AVNM,
                key=f"guard_avnm:{rid_key(p.id)}:{rid_key(c.id)}",
            )
        )
    if managers.errors:
        first = managers.errors[0]
        out.append(
            Finding(
                "warning",
                rich("Could not check whether Azure Virtual Network Manager manages ", code(p.name)),
                evidence=rich(f"{first}. {first.advice!s}"),
                next_step=(
                    "If it does, a deployment of its connectivity configuration can undo this change. "
                    "The bot needs Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveConnectivityConfigurations/action."
                ),
                doc_url=DOC_AVNM,
                key=f"guard_avnm_unknown:{rid_key(p.id)}",
            )
        )
    return out
