"""The port's virtual networks and their peerings, the Virtual Network Manager configurations
in effect on a VNet, and the one write: a peering's flags, conditional on its etag."""

from __future__ import annotations

import structlog
from azure.mgmt.network.models import QueryRequestOptions

from bot.arm import convert
from bot.arm.calls import ArmCalls
from commands.core.errors import AzureFailure
from commands.core.model import PEERING_FLAGS, ConnectivityConfiguration, Peering, RouteTable, VirtualNetwork

log = structlog.get_logger("bot.arm")

# Pages of effective connectivity configurations read at most (a VNet is in a handful).
_MAX_PAGES = 20


class VirtualNetworks(ArmCalls):
    """Virtual networks (with subnets and peerings), one peering, and a peering update."""

    def virtual_networks(self, subscription_id: str) -> list[VirtualNetwork]:
        net = self._network(subscription_id)
        raw = self._call(
            "virtual_networks", f"virtual networks in {subscription_id}", lambda: list(net.virtual_networks.list_all())
        )
        return [convert.virtual_network(v) for v in raw]

    def route_tables(self, subscription_id: str) -> list[RouteTable]:
        net = self._network(subscription_id)
        raw = self._call(
            "route_tables", f"route tables in {subscription_id}", lambda: list(net.route_tables.list_all())
        )
        return [convert.route_table(t) for t in raw]

    def virtual_network(self, vnet_id: str) -> VirtualNetwork:
        sub, rg, (name,) = self._parse(vnet_id, "virtualNetworks")
        raw = self._call("virtual_network", vnet_id, lambda: self._network(sub).virtual_networks.get(rg, name))
        return convert.virtual_network(raw)

    def peering(self, peering_id: str) -> Peering:
        sub, rg, (vnet, name) = self._parse(peering_id, "virtualNetworks", "virtualNetworkPeerings")
        raw = self._call("peering", peering_id, lambda: self._network(sub).virtual_network_peerings.get(rg, vnet, name))
        return convert.peering(raw)

    def update_peering(self, peering_id: str, flags: dict[str, bool], etag: str) -> Peering:
        """PUT the peering as it was at `etag`, with only `flags` (ARM names) changed, and
        `If-Match: etag`; wait for the LRO.

        ARM's peering PUT replaces the whole resource (there is no PATCH), so the body is the
        peering as GET returns it with the flags changed. That body is the state the plan and
        the approver saw only while the etag is still `etag`: a newer one is refused here
        without sending anything, and the Microsoft.Network provider answers 412
        PreconditionFailed to a PUT whose If-Match is stale (azure-core sends the header on
        any call; the peering operation's spec does not declare it, which is why the caller
        also re-reads after writing). Either way nobody else's change is ever overwritten.
        """
        unknown = sorted(k for k in flags if k not in PEERING_FLAGS)
        if unknown:
            raise AzureFailure(
                "bad_request",
                f"unknown peering flag(s) {', '.join(unknown)}; the flags are {', '.join(PEERING_FLAGS)}",
                "UnknownPeeringFlag",
                peering_id,
            )
        if not etag:
            raise AzureFailure(
                "bad_request",
                "a peering write needs the etag it was planned on (If-Match); none was given",
                "MissingEtag",
                peering_id,
            )
        sub, rg, (vnet, name) = self._parse(peering_id, "virtualNetworks", "virtualNetworkPeerings")
        ops = self._network(sub).virtual_network_peerings
        # Read just before writing: the PUT goes only on the state the plan and the approver
        # saw. Its etag is compared as Azure sent it (an escaped string, `W/"…"`) and sent back
        # byte for byte as If-Match, so a change made in between is refused (412), not undone.
        current = self._call("peering", peering_id, lambda: ops.get(rg, vnet, name))
        now = str(convert.wire(current).get("etag") or "")
        if now != etag:
            failure = AzureFailure(
                "conflict",
                f"the peering's etag is {now or 'missing'}, not {etag}: it changed since; nothing was sent",
                "PreconditionFailed",
                peering_id,
            )
            log.info("peering_write_not_sent", target=peering_id, reason="etag_changed")
            raise failure
        for arm_name, value in flags.items():
            setattr(current, PEERING_FLAGS[arm_name], bool(value))
        try:
            raw = self._lro(
                "update_peering",
                peering_id,
                lambda polling: ops.begin_create_or_update(
                    rg, vnet, name, current, polling=polling, headers={"If-Match": etag}
                ),
            )
        finally:
            # Written, or perhaps written (a lost answer): no shared read may show the state before.
            self.invalidate(peering_id)
        log.info("peering_updated", target=peering_id, flags=sorted(flags))
        return convert.peering(raw)

    def connectivity_configurations(self, vnet_id: str) -> list[ConnectivityConfiguration]:
        """POST `listNetworkManagerEffectiveConnectivityConfigurations` on the VNet (a
        synchronous action: 200 with `{"value": [...], "skipToken": …}`), every page."""
        sub, rg, (name,) = self._parse(vnet_id, "virtualNetworks")
        net = self._network(sub)

        def every_page() -> list[ConnectivityConfiguration]:
            out: list[ConnectivityConfiguration] = []
            token = ""
            for _ in range(_MAX_PAGES):
                query = QueryRequestOptions(skip_token=token) if token else QueryRequestOptions()
                page = net.list_network_manager_effective_connectivity_configurations(rg, name, query)
                out.extend(convert.connectivity_configuration(x) for x in convert.items(page))
                token = str(convert.wire(page).get("skipToken") or "")
                if not token:
                    break
            return out

        return self._call("connectivity_configurations", vnet_id, every_page)
