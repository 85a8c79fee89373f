"""The port's reads, shared between requests (`bot.arm.shared`): each read method of the areas
below, kept per (operation, resource) for a short TTL and single-flighted, so ten users and
the watch asking at once cost ARM about one request each. Long-running diagnostic actions
(BGP peers, learned and advertised routes, VPN clients, effective routes) are kept a little
longer: each costs Azure seconds to a minute.

Not shared: `peering` (the approval path reads the etag it will write on), the writes
(`update_peering`, which drops what is kept for its subscription), and any read made inside
`commands.core.freshness.fresh_reads()`. A port method added to an area is not shared until
it is added here (reads are correct unshared; sharing is an optimisation that must be chosen).
"""

from __future__ import annotations

from bot.arm.gateways import Gateways
from bot.arm.nics import NetworkInterfaces
from bot.arm.private_link import PrivateLink
from bot.arm.resources import Resources
from bot.arm.shared import subscription_target
from bot.arm.vnets import VirtualNetworks
from commands.core.model import (
    BgpPeer,
    Connection,
    DnsResolver,
    DnsZoneGroup,
    EffectiveRoute,
    Gateway,
    GatewayRoute,
    GenericResource,
    LocalNetworkGateway,
    NetworkInterface,
    P2SClient,
    PrivateDnsZone,
    PrivateEndpoint,
    RouteTable,
    SqlServer,
    VirtualNetwork,
)


class SharedAreas(Resources, Gateways, VirtualNetworks, NetworkInterfaces, PrivateLink):
    """The areas' reads through `self._shared` (see the module docstring)."""

    # -- subscription-wide lists ----------------------------------------------------------------

    def gateways(self, subscription_id: str) -> list[Gateway]:
        return self._shared.read(
            "gateways", subscription_target(subscription_id), lambda: super(SharedAreas, self).gateways(subscription_id)
        )

    def connections(self, subscription_id: str) -> list[Connection]:
        return self._shared.read(
            "connections",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).connections(subscription_id),
        )

    def local_network_gateways(self, subscription_id: str) -> list[LocalNetworkGateway]:
        return self._shared.read(
            "local_network_gateways",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).local_network_gateways(subscription_id),
        )

    def network_interfaces(self, subscription_id: str) -> list[NetworkInterface]:
        return self._shared.read(
            "network_interfaces",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).network_interfaces(subscription_id),
        )

    def private_endpoints(self, subscription_id: str) -> list[PrivateEndpoint]:
        return self._shared.read(
            "private_endpoints",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).private_endpoints(subscription_id),
        )

    def private_dns_zones(self, subscription_id: str) -> list[PrivateDnsZone]:
        return self._shared.read(
            "private_dns_zones",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).private_dns_zones(subscription_id),
        )

    def dns_resolvers(self, subscription_id: str) -> list[DnsResolver]:
        return self._shared.read(
            "dns_resolvers",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).dns_resolvers(subscription_id),
        )

    def sql_servers(self, subscription_id: str) -> list[SqlServer]:
        return self._shared.read(
            "sql_servers",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).sql_servers(subscription_id),
        )

    def virtual_networks(self, subscription_id: str) -> list[VirtualNetwork]:
        return self._shared.read(
            "virtual_networks",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).virtual_networks(subscription_id),
        )

    def route_tables(self, subscription_id: str) -> list[RouteTable]:
        return self._shared.read(
            "route_tables",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).route_tables(subscription_id),
        )

    def resources(self, subscription_id: str, resource_type: str) -> list[GenericResource]:
        return self._shared.read(
            f"resources {resource_type.lower()}",
            subscription_target(subscription_id),
            lambda: super(SharedAreas, self).resources(subscription_id, resource_type),
        )

    # -- one resource, its children, its actions -------------------------------------------------

    def gateway(self, gateway_id: str) -> Gateway:
        return self._shared.read("gateway", gateway_id, lambda: super(SharedAreas, self).gateway(gateway_id))

    def gateway_connections(self, gateway_id: str) -> list[Connection]:
        return self._shared.read(
            "gateway_connections", gateway_id, lambda: super(SharedAreas, self).gateway_connections(gateway_id)
        )

    def connection(self, connection_id: str) -> Connection:
        return self._shared.read(
            "connection", connection_id, lambda: super(SharedAreas, self).connection(connection_id)
        )

    def shared_key_digest(self, connection_id: str) -> str:
        return self._shared.read(
            "shared_key_digest", connection_id, lambda: super(SharedAreas, self).shared_key_digest(connection_id)
        )

    def network_interface(self, nic_id: str) -> NetworkInterface:
        return self._shared.read(
            "network_interface", nic_id, lambda: super(SharedAreas, self).network_interface(nic_id)
        )

    def virtual_network(self, vnet_id: str) -> VirtualNetwork:
        return self._shared.read("virtual_network", vnet_id, lambda: super(SharedAreas, self).virtual_network(vnet_id))

    def dns_zone_groups(self, private_endpoint_id: str) -> list[DnsZoneGroup]:
        return self._shared.read(
            "dns_zone_groups",
            private_endpoint_id,
            lambda: super(SharedAreas, self).dns_zone_groups(private_endpoint_id),
        )

    def bgp_peer_status(self, gateway_id: str) -> list[BgpPeer]:
        return self._shared.read(
            "bgp_peer_status", gateway_id, lambda: super(SharedAreas, self).bgp_peer_status(gateway_id), action=True
        )

    def learned_routes(self, gateway_id: str) -> list[GatewayRoute]:
        return self._shared.read(
            "learned_routes", gateway_id, lambda: super(SharedAreas, self).learned_routes(gateway_id), action=True
        )

    def vpn_client_health(self, gateway_id: str) -> list[P2SClient]:
        return self._shared.read(
            "vpn_client_health", gateway_id, lambda: super(SharedAreas, self).vpn_client_health(gateway_id), action=True
        )

    def effective_routes(self, nic_id: str) -> list[EffectiveRoute]:
        return self._shared.read(
            "effective_routes", nic_id, lambda: super(SharedAreas, self).effective_routes(nic_id), action=True
        )

    def advertised_routes(self, gateway_id: str, peer: str) -> list[GatewayRoute]:
        return self._shared.read(
            f"advertised_routes {peer}",
            gateway_id,
            lambda: super(SharedAreas, self).advertised_routes(gateway_id, peer),
            action=True,
        )
