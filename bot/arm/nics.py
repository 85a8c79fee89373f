"""The port's network interfaces and their effective routes."""

from __future__ import annotations

from bot.arm import convert
from bot.arm.calls import ArmCalls
from bot.arm.pipeline import READ_ONLY_POST
from commands.core.model import EffectiveRoute, NetworkInterface


class NetworkInterfaces(ArmCalls):
    """NICs, and the routes Azure applies to one (a long-running POST that only reads)."""

    def network_interfaces(self, subscription_id: str) -> list[NetworkInterface]:
        net = self._network(subscription_id)
        raw = self._call(
            "network_interfaces",
            f"network interfaces in {subscription_id}",
            lambda: list(net.network_interfaces.list_all()),
        )
        return [convert.network_interface(n) for n in raw]

    def network_interface(self, nic_id: str) -> NetworkInterface:
        sub, rg, (name,) = self._parse(nic_id, "networkInterfaces")
        raw = self._call("network_interface", nic_id, lambda: self._network(sub).network_interfaces.get(rg, name))
        return convert.network_interface(raw)

    def effective_routes(self, nic_id: str) -> list[EffectiveRoute]:
        sub, rg, (name,) = self._parse(nic_id, "networkInterfaces")
        ops = self._network(sub).network_interfaces
        raw = self._action(
            "effective_routes",
            nic_id,
            lambda polling: ops.begin_get_effective_route_table(
                rg, name, polling=polling, retry_on_methods=READ_ONLY_POST
            ),
        )
        return convert.effective_routes(raw)
