"""The port's virtual networks and their peerings, and the one write: a peering's flags."""

from __future__ import annotations

import structlog

from bot.arm import convert
from bot.arm.calls import ArmCalls
from commands.core.errors import AzureFailure
from commands.core.model import PEERING_FLAGS, Peering, VirtualNetwork

log = structlog.get_logger("bot.arm")


class VirtualNetworks(ArmCalls):
    """Virtual networks (with subnets and peerings), one peering, and a peering update."""

    def virtual_networks(self, subscription_id: str) -> list[VirtualNetwork]:
        net = self._network(subscription_id)
        raw = self._call(
            "virtual_networks", f"virtual networks in {subscription_id}", lambda: list(net.virtual_networks.list_all())
        )
        return [convert.virtual_network(v) for v in raw]

    def virtual_network(self, vnet_id: str) -> VirtualNetwork:
        sub, rg, (name,) = self._parse(vnet_id, "virtualNetworks")
        raw = self._call("virtual_network", vnet_id, lambda: self._network(sub).virtual_networks.get(rg, name))
        return convert.virtual_network(raw)

    def peering(self, peering_id: str) -> Peering:
        sub, rg, (vnet, name) = self._parse(peering_id, "virtualNetworks", "virtualNetworkPeerings")
        raw = self._call("peering", peering_id, lambda: self._network(sub).virtual_network_peerings.get(rg, vnet, name))
        return convert.peering(raw)

    def update_peering(self, peering_id: str, flags: dict[str, bool]) -> Peering:
        """GET the peering, change only `flags` (ARM names) on it, PUT the whole body back
        (ARM's peering PUT replaces the resource and has no PATCH), wait for the LRO."""
        unknown = sorted(k for k in flags if k not in PEERING_FLAGS)
        if unknown:
            raise AzureFailure(
                "bad_request",
                f"unknown peering flag(s) {', '.join(unknown)}; the flags are {', '.join(PEERING_FLAGS)}",
                "UnknownPeeringFlag",
                peering_id,
            )
        sub, rg, (vnet, name) = self._parse(peering_id, "virtualNetworks", "virtualNetworkPeerings")
        ops = self._network(sub).virtual_network_peerings
        # Read just before writing, and write on that read: the PUT carries the etag it read
        # as If-Match, byte for byte (Azure's etags are escaped strings, `W/"…"`), so a change
        # made in between is refused (412) instead of undone.
        current = self._call("peering", peering_id, lambda: ops.get(rg, vnet, name))
        etag = convert.wire(current).get("etag")
        headers = {"If-Match": etag} if isinstance(etag, str) and etag else {}
        for arm_name, value in flags.items():
            setattr(current, PEERING_FLAGS[arm_name], bool(value))
        raw = self._lro(
            "update_peering",
            peering_id,
            lambda polling: ops.begin_create_or_update(rg, vnet, name, current, polling=polling, headers=headers),
        )
        log.info("peering_updated", target=peering_id, flags=sorted(flags))
        return convert.peering(raw)
