"""The port's writes under approval besides a peering's flags: resets, a connection's BGP, a
peering's sync with its remote address space, a shared-key copy, packet captures.

Each one is ARM's own operation, through the SDK's long-running-operation poller (the
operation's own style: `Location` for the POST actions, `Azure-AsyncOperation` for the
PUTs, per the Network spec's `final-state-via`):

* `VirtualNetworkGateways_Reset` (`?gatewayVip=` resets one instance of an active-active
  gateway), `VirtualNetworkGatewayConnections_ResetConnection`;
* `VirtualNetworkGatewayConnections_CreateOrUpdate` with `enableBgp` changed, `If-Match`
  the etag the plan saw; the body carries the connection's current shared key, read with
  `GetSharedKey` right before: a GET never returns the key, and the service's treatment of
  a PUT without one is not documented for an update (on create it generates a key —
  Azure/azure-cli#2799; Terraform found a PUT does not change it — hashicorp/terraform-
  provider-azurerm#11742), so the write never depends on it;
* `VirtualNetworkPeerings_CreateOrUpdate` with `?syncRemoteAddressSpace=true` (the
  published example VirtualNetworkPeeringSync), `If-Match` the plan's etag;
* `GetSharedKey` of one connection → `SetSharedKey` of another;
* `StartPacketCapture` / `StopPacketCapture` of a gateway or a connection.

A shared key exists here only in a local variable between the read and the write: it is
never returned, logged (failures are logged by ARM's code and status only), stored or
put into an exception's text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import structlog
from azure.mgmt.network.models import (
    ConnectionSharedKey,
    VpnPacketCaptureStartParameters,
    VpnPacketCaptureStopParameters,
)

from bot.arm import convert
from bot.arm.calls import ArmCalls
from commands.core.errors import AzureFailure
from commands.core.model import Connection, Peering

log = structlog.get_logger("bot.arm")

CONNECTIONS = "connections"
GATEWAYS = "virtualNetworkGateways"

_W = TypeVar("_W", bound=Callable[..., Any])


def _invalidates(index: int = 0) -> Callable[[_W], _W]:
    """After the write — applied, failed, or its answer lost — its subscription's shared reads
    are dropped (`bot.arm.shared`), so no later answer shows the state before it. `index`: the
    position of the written resource's id among the method's arguments."""

    def wrap(fn: _W) -> _W:
        @functools.wraps(fn)
        def inner(self: ArmCalls, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            finally:
                self.invalidate(str(args[index]) if len(args) > index else "")

        return cast(_W, inner)

    return wrap


class Actions(ArmCalls):
    """Resets, BGP on a connection, peering sync, shared-key copy, packet capture."""

    @_invalidates()
    def reset_gateway(self, gateway_id: str, gateway_vip: str = "") -> None:
        sub, rg, (name,) = self._parse(gateway_id, GATEWAYS)
        ops = self._network(sub).virtual_network_gateways
        self._lro(
            "reset_gateway",
            gateway_id,
            lambda polling: ops.begin_reset(rg, name, gateway_vip=gateway_vip or None, polling=polling),
        )
        log.info("gateway_reset", target=gateway_id, instance=gateway_vip or "all")

    @_invalidates()
    def reset_connection(self, connection_id: str) -> None:
        sub, rg, (name,) = self._parse(connection_id, CONNECTIONS)
        ops = self._network(sub).virtual_network_gateway_connections
        self._lro(
            "reset_connection", connection_id, lambda polling: ops.begin_reset_connection(rg, name, polling=polling)
        )
        log.info("connection_reset", target=connection_id)

    @_invalidates()
    def set_connection_bgp(self, connection_id: str, enable: bool, etag: str) -> Connection:
        sub, rg, (name,) = self._parse(connection_id, CONNECTIONS)
        ops = self._network(sub).virtual_network_gateway_connections
        current = self._call("connection", connection_id, lambda: ops.get(rg, name))
        now = str(convert.wire(current).get("etag") or "")
        if not etag or now != etag:
            raise AzureFailure(
                "conflict",
                f"the connection's etag is {now or 'missing'}, not {etag or '(none)'}: it changed since; nothing was sent",
                "PreconditionFailed",
                connection_id,
            )

        def start(polling: Any) -> Any:
            # The key is read here, set on the body, and taken off it as soon as the PUT
            # has been sent (begin_create_or_update sends it before returning the poller).
            current.shared_key = ops.get_shared_key(rg, name).value or None
            current.enable_bgp = bool(enable)
            try:
                return ops.begin_create_or_update(rg, name, current, polling=polling, headers={"If-Match": etag})
            finally:
                current.shared_key = None

        try:
            raw = self._lro("set_connection_bgp", connection_id, start)
        except AzureFailure as failure:
            raise failure from None  # no SDK error (with a request or answer quoted) chained on
        log.info("connection_bgp_set", target=connection_id, enable=bool(enable))
        return convert.connection(raw)

    @_invalidates()
    def sync_peering(self, peering_id: str, etag: str) -> Peering:
        sub, rg, (vnet, name) = self._parse(peering_id, "virtualNetworks", "virtualNetworkPeerings")
        ops = self._network(sub).virtual_network_peerings
        current = self._call("peering", peering_id, lambda: ops.get(rg, vnet, name))
        now = str(convert.wire(current).get("etag") or "")
        if not etag or now != etag:
            raise AzureFailure(
                "conflict",
                f"the peering's etag is {now or 'missing'}, not {etag or '(none)'}: it changed since; nothing was sent",
                "PreconditionFailed",
                peering_id,
            )
        raw = self._lro(
            "sync_peering",
            peering_id,
            lambda polling: ops.begin_create_or_update(
                rg, vnet, name, current, sync_remote_address_space="true", polling=polling, headers={"If-Match": etag}
            ),
        )
        log.info("peering_synced", target=peering_id)
        return convert.peering(raw)

    @_invalidates(1)
    def copy_shared_key(self, source_connection_id: str, target_connection_id: str) -> None:
        s_sub, s_rg, (s_name,) = self._parse(source_connection_id, CONNECTIONS)
        t_sub, t_rg, (t_name,) = self._parse(target_connection_id, CONNECTIONS)
        source = self._network(s_sub).virtual_network_gateway_connections
        target = self._network(t_sub).virtual_network_gateway_connections

        def start(polling: Any) -> Any:
            body = ConnectionSharedKey(value=source.get_shared_key(s_rg, s_name).value)
            if not body.value:
                raise AzureFailure(
                    "failed", "the source connection has no shared key to copy", "NoSharedKey", source_connection_id
                )
            try:
                # Not retried by azure-core after a lost answer: the bot reads the keys back
                # instead, so the key is sent once (a second PUT would be harmless, not needed).
                return target.begin_set_shared_key(t_rg, t_name, body, polling=polling, retry_total=0)
            finally:
                body.value = ""  # drop the reference: the key lives no longer than the call

        # The poller's result holds the key Azure echoes back: it is dropped here, unread. A
        # failure is raised without its cause: azure-core's error text quotes the answer's body.
        try:
            self._lro("copy_shared_key", target_connection_id, start)
        except AzureFailure as failure:
            raise failure from None
        log.info("shared_key_copied", target=target_connection_id, source=source_connection_id)

    @_invalidates()
    def start_packet_capture(self, resource_id: str, filter_data: str = "") -> None:
        kind = GATEWAYS if f"/{GATEWAYS.lower()}/" in resource_id.lower() else CONNECTIONS
        sub, rg, (name,) = self._parse(resource_id, kind)
        net = self._network(sub)
        params = VpnPacketCaptureStartParameters(filter_data=filter_data or None)
        if kind == GATEWAYS:
            ops_g = net.virtual_network_gateways
            raw = self._lro(
                "start_packet_capture",
                resource_id,
                lambda polling: ops_g.begin_start_packet_capture(rg, name, params, polling=polling),
            )
        else:
            ops_c = net.virtual_network_gateway_connections
            raw = self._lro(
                "start_packet_capture",
                resource_id,
                lambda polling: ops_c.begin_start_packet_capture(rg, name, params, polling=polling),
            )
        # Azure's answer is a status string ({"Status": "Successful"}): the LRO ending well is
        # what counts (without a Location URL there is no string to read at all).
        del raw
        log.info("packet_capture_started", target=resource_id)

    @_invalidates()
    def stop_packet_capture(self, resource_id: str, sas_url: str) -> None:
        kind = GATEWAYS if f"/{GATEWAYS.lower()}/" in resource_id.lower() else CONNECTIONS
        sub, rg, (name,) = self._parse(resource_id, kind)
        net = self._network(sub)
        params = VpnPacketCaptureStopParameters(sas_url=sas_url)
        if kind == GATEWAYS:
            ops_g = net.virtual_network_gateways
            raw = self._lro(
                "stop_packet_capture",
                resource_id,
                lambda polling: ops_g.begin_stop_packet_capture(rg, name, params, polling=polling),
            )
        else:
            ops_c = net.virtual_network_gateway_connections
            raw = self._lro(
                "stop_packet_capture",
                resource_id,
                lambda polling: ops_c.begin_stop_packet_capture(rg, name, params, polling=polling),
            )
        del raw
        log.info("packet_capture_stopped", target=resource_id)
