"""The port's VPN gateways, their connections and local network gateways, and the gateway
actions (BGP peers, learned and advertised routes, point-to-site clients).

The lists and the connection reads are the hot reads of `/vpn status`: raw JSON through the
SDK client's pipeline (`bot.arm.raw`). The actions are POSTs that answer with a long-running
operation, waited for and read where Azure puts the result by `_action`, and retried as the
reads they are (`READ_ONLY_POST`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Any

from bot.arm import convert
from bot.arm.calls import ArmCalls
from bot.arm.pipeline import READ_ONLY_POST, ActionAnswer
from bot.arm.raw import NETWORK_API_VERSION, get_json, list_any_json, list_json
from commands.core.errors import AzureFailure
from commands.core.model import (
    BgpPeer,
    Connection,
    Gateway,
    GatewayRoute,
    IkeSa,
    LocalNetworkGateway,
    NatRule,
    P2SClient,
    ResourceId,
)


class Gateways(ArmCalls):
    """Gateways, connections, local network gateways and the gateway actions."""

    # The key of shared-key digests (`ArmClient(digest_key=…)`: derived from VPNOPS_SECRET_KEY).
    _digest_key: bytes

    def gateways(self, subscription_id: str) -> list[Gateway]:
        raw = self._list_in_groups(
            subscription_id,
            "Microsoft.Network/virtualNetworkGateways",
            self._group_lister(subscription_id, "virtualNetworkGateways"),
        )
        return [convert.gateway(g) for g in raw]

    def gateway(self, gateway_id: str) -> Gateway:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        raw = self._call("gateway", gateway_id, lambda: self._network(sub).virtual_network_gateways.get(rg, name))
        return convert.gateway(raw)

    def gateway_connections(self, gateway_id: str) -> list[Connection]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        net = self._network(sub)
        url = self._url(sub, rg, "virtualNetworkGateways", name, "connections")
        raw = self._call("gateway_connections", gateway_id, lambda: list_json(net, url, NETWORK_API_VERSION))
        return [convert.connection(c) for c in raw]

    def connections(self, subscription_id: str) -> list[Connection]:
        raw = self._list_in_groups(
            subscription_id, "Microsoft.Network/connections", self._group_lister(subscription_id, "connections")
        )
        return [convert.connection(c) for c in raw]

    def connection(self, connection_id: str) -> Connection:
        sub, rg, (name,) = self._parse(connection_id, "connections")
        net = self._network(sub)
        url = self._url(sub, rg, "connections", name)
        raw = self._call("connection", connection_id, lambda: get_json(net, url, NETWORK_API_VERSION))
        return convert.connection(raw)

    def shared_key_digest(self, connection_id: str) -> str:
        """HMAC-SHA256 (hex), keyed with the deployment's digest key, of the connection's
        shared key; "" when the connection has none (certificate authentication). Keyed,
        never a bare hash: a pre-shared key is often short or reused, and a bare SHA-256 of
        it, once stored or shown, can be tested against guesses offline. The key itself
        never leaves this method and is never logged: only ARM's error code/message are
        read on failure."""
        sub, rg, (name,) = self._parse(connection_id, "connections")
        net = self._network(sub)
        url = self._url(sub, rg, "connections", name, "sharedkey")

        def digest() -> str:
            result = get_json(net, url, NETWORK_API_VERSION)
            key = result.get("value")
            del result
            if not isinstance(key, str) or not key:
                return ""
            return hmac.new(self._digest_key, key.encode("utf-8"), hashlib.sha256).hexdigest()

        return self._call("shared_key_digest", connection_id, digest)

    def bgp_peer_status(self, gateway_id: str) -> list[BgpPeer]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        ops = self._network(sub).virtual_network_gateways
        raw = self._action(
            "bgp_peer_status",
            gateway_id,
            lambda polling: ops.begin_get_bgp_peer_status(rg, name, polling=polling, retry_on_methods=READ_ONLY_POST),
        )
        return convert.bgp_peers(raw)

    def learned_routes(self, gateway_id: str) -> list[GatewayRoute]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        ops = self._network(sub).virtual_network_gateways
        raw = self._action(
            "learned_routes",
            gateway_id,
            lambda polling: ops.begin_get_learned_routes(rg, name, polling=polling, retry_on_methods=READ_ONLY_POST),
        )
        return convert.gateway_routes(raw)

    def advertised_routes(self, gateway_id: str, peer: str) -> list[GatewayRoute]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        ops = self._network(sub).virtual_network_gateways
        raw = self._action(
            "advertised_routes",
            gateway_id,
            lambda polling: ops.begin_get_advertised_routes(
                rg, name, peer=peer, polling=polling, retry_on_methods=READ_ONLY_POST
            ),
        )
        return convert.gateway_routes(raw)

    def vpn_client_health(self, gateway_id: str) -> list[P2SClient]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        ops = self._network(sub).virtual_network_gateways
        raw = self._action(
            "vpn_client_health",
            gateway_id,
            lambda polling: ops.begin_get_vpnclient_connection_health(
                rg, name, polling=polling, retry_on_methods=READ_ONLY_POST
            ),
        )
        return convert.p2s_clients(raw)

    def ike_sas(self, connection_id: str) -> list[IkeSa]:
        """Long-running `getikesas`: the connection's live IKE SAs. Its answer is a string
        (a JSON document, see `bot.arm.convert.ipsec`); an answer with no result at all is a
        failure ("could not read"), never "no SA"."""
        sub, rg, (name,) = self._parse(connection_id, "connections")
        ops = self._network(sub).virtual_network_gateway_connections
        answer = self._lro(
            "ike_sas",
            connection_id,
            lambda polling: ops.begin_get_ike_sas(rg, name, polling=polling, retry_on_methods=READ_ONLY_POST),
            action=True,
        )
        body = answer.body if isinstance(answer, ActionAnswer) else answer
        if body is None or (isinstance(answer, ActionAnswer) and answer.source == "status"):
            raise AzureFailure(
                "failed", "Azure's answer to getikesas carried no result", "UnreadableResponse", connection_id
            )
        return convert.ike_sas(body)

    def nat_rules(self, gateway_id: str) -> list[NatRule]:
        """The gateway's NAT rules (VirtualNetworkGatewayNatRules_ListByVirtualNetworkGateway)."""
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        net = self._network(sub)
        url = self._url(sub, rg, "virtualNetworkGateways", name, "natRules")
        raw = self._call("nat_rules", gateway_id, lambda: list_any_json(net, url, NETWORK_API_VERSION))
        return convert.nat_rules(raw)

    def local_network_gateways(self, subscription_id: str) -> list[LocalNetworkGateway]:
        raw = self._list_in_groups(
            subscription_id,
            "Microsoft.Network/localNetworkGateways",
            self._group_lister(subscription_id, "localNetworkGateways"),
        )
        return [convert.local_network_gateway(x) for x in raw]

    # -- subscription-wide lists of per-group collections ------------------------------------------
    def _list_in_groups(self, sub: str, resource_type: str, list_group: Callable[[str], Iterable[Any]]) -> list[Any]:
        # ARM has no subscription-wide list for virtualNetworkGateways, connections or
        # localNetworkGateways. Two ways: (a) generic resources `$filter=resourceType eq …`
        # then GET each (1 + N calls), or (b) list every resource group, then list per group
        # (1 + G calls, most groups holding none). We do better than both: the generic filter
        # names the groups that hold one, and we list only those groups (1 + groups holding
        # one ≤ 1 + N, and each list returns full bodies — the same as a GET).
        groups = self._groups_holding(sub, resource_type)

        def one(rg: str) -> list[Any]:
            try:
                return self._call(f"{resource_type} list", f"{resource_type} in {rg}", lambda: list(list_group(rg)))
            except AzureFailure as f:
                if f.kind == "not_found":  # the group was deleted since the generic list ran
                    return []
                raise

        return [item for chunk in self._map(one, groups) for item in chunk]

    def _groups_holding(self, sub: str, resource_type: str) -> list[str]:
        """Resource groups that hold at least one resource of `resource_type`."""
        found = self._call(
            "resources.list", f"{resource_type} in subscription {sub}", lambda: self._generic_list(sub, resource_type)
        )
        groups: dict[str, str] = {}
        for item in found:
            rid = item.get("id") or ""
            try:
                rg = ResourceId.parse(str(rid)).resource_group
            except ValueError:
                continue
            if rg:
                groups.setdefault(rg.lower(), rg)  # ARM group names are case-insensitive
        return list(groups.values())

    def _group_lister(self, sub: str, collection: str) -> Callable[[str], list[dict[str, Any]]]:
        """List one Microsoft.Network collection (e.g. "connections") of a resource group."""
        net = self._network(sub)
        return lambda rg: list_json(net, self._url(sub, rg, collection), NETWORK_API_VERSION)
