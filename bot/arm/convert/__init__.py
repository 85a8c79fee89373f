"""SDK models → the domain's plain dataclasses (`commands.core.model`), one module per area
of the port (as `bot.arm` splits its methods), on the defensive readers of `wire`.

Every converter takes whatever the SDK returned — a hybrid model of azure-mgmt-network 33 /
azure-mgmt-privatedns 2 / azure-mgmt-resource 26 (a `MutableMapping` over the REST JSON), an
msrest model of azure-mgmt-dnsresolver 1.1, or a plain dict (the raw reads of `bot.arm.raw`)
— and reads the REST (wire) JSON by ARM's own property names. Why the wire JSON and not the
SDK attributes:

* a hybrid model's attribute access deserializes on the fly and can raise on a payload that
  does not match the spec (a comma-separated string where a list was declared, a number sent
  as a string); dict access over the JSON cannot;
* the published payloads show real quirks that must convert, not crash: the connections list
  has no `connectionStatus` ("Unknown"); learned/advertised routes and BGP peers answer `{}`
  (no peers, no routes → []); `bgpPeeringAddress` is comma-separated on active-active
  gateways; effective routes have `nextHopIpAddress: []`; a private endpoint's IPs live in
  `ipConfigurations` (static), `customDnsConfigs` or only on its NIC.

So every field is optional, every type is checked, and a converter never raises on data.
The port's areas call them as `convert.<name>`, the names below.
"""

from bot.arm.convert.gateways import (
    bgp_peers,
    connection,
    gateway,
    gateway_routes,
    local_network_gateway,
    p2s_clients,
)
from bot.arm.convert.ipsec import ike_sas, nat_rules
from bot.arm.convert.nics import effective_routes, network_interface
from bot.arm.convert.private_link import (
    dns_resolver,
    dns_zone_group,
    private_dns_zone,
    private_endpoint,
    private_endpoint_ips,
    record_set,
    vnet_link,
)
from bot.arm.convert.resources import generic_resource, sql_server, subscription
from bot.arm.convert.vnets import connectivity_configuration, peering, route_table, virtual_network
from bot.arm.convert.wire import items, wire

__all__ = [
    "bgp_peers",
    "connection",
    "connectivity_configuration",
    "dns_resolver",
    "dns_zone_group",
    "effective_routes",
    "gateway",
    "gateway_routes",
    "generic_resource",
    "ike_sas",
    "items",
    "local_network_gateway",
    "nat_rules",
    "network_interface",
    "p2s_clients",
    "peering",
    "private_dns_zone",
    "private_endpoint",
    "private_endpoint_ips",
    "record_set",
    "route_table",
    "sql_server",
    "subscription",
    "virtual_network",
    "vnet_link",
    "wire",
]
