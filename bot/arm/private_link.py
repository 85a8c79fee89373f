"""The port's private endpoints and the DNS that resolves to them: each endpoint's DNS zone
groups, the private DNS zones (A records and virtual network links) and the DNS private
resolvers (inbound endpoint IPs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.arm import convert
from bot.arm.calls import ArmCalls
from commands.core.errors import AzureFailure
from commands.core.model import (
    DnsResolver,
    DnsZoneGroup,
    NetworkInterface,
    PrivateDnsZone,
    PrivateEndpoint,
    ResourceId,
    name_of,
)


class PrivateLink(ArmCalls):
    """Private endpoints (with their IPs and zone groups), private DNS zones, DNS resolvers."""

    def private_endpoints(self, subscription_id: str) -> list[PrivateEndpoint]:
        net = self._network(subscription_id)
        raw = self._call(
            "private_endpoints",
            f"private endpoints in {subscription_id}",
            lambda: list(net.private_endpoints.list_by_subscription()),
        )
        return self._map(self._complete_private_endpoint, raw)

    def dns_zone_groups(self, private_endpoint_id: str) -> list[DnsZoneGroup]:
        sub, rg, (name,) = self._parse(private_endpoint_id, "privateEndpoints")
        net = self._network(sub)
        raw = self._call(
            "dns_zone_groups",
            private_endpoint_id,
            lambda: list(net.private_dns_zone_groups.list(private_endpoint_name=name, resource_group_name=rg)),
        )
        return [convert.dns_zone_group(g) for g in raw]

    def private_dns_zones(self, subscription_id: str) -> list[PrivateDnsZone]:
        dns = self._privatedns(subscription_id)
        zones = self._call(
            "private_dns_zones", f"private DNS zones in {subscription_id}", lambda: list(dns.private_zones.list())
        )

        def complete(zone: Any) -> PrivateDnsZone:
            # One zone whose records or links cannot be read (a deny assignment on its
            # resource group, a throttled list) is named as such; the other zones still answer.
            zid, rg, zname = _id_group_name(zone)
            records, records_failure = _or_failure(
                lambda: self._call("record_sets", zid, lambda: list(dns.record_sets.list_by_type(rg, zname, "A")))
            )
            links, links_failure = _or_failure(
                lambda: self._call(
                    "virtual_network_links", zid, lambda: list(dns.virtual_network_links.list(rg, zname))
                )
            )
            return convert.private_dns_zone(zone, records, links, records_failure, links_failure)

        return self._map(complete, zones)

    def dns_resolvers(self, subscription_id: str) -> list[DnsResolver]:
        dr = self._dnsresolver(subscription_id)
        resolvers = self._call(
            "dns_resolvers", f"DNS resolvers in {subscription_id}", lambda: list(dr.dns_resolvers.list())
        )

        def complete(resolver: Any) -> DnsResolver:
            rid, rg, name = _id_group_name(resolver)
            inbound = self._call("inbound_endpoints", rid, lambda: list(dr.inbound_endpoints.list(rg, name)))
            return convert.dns_resolver(resolver, inbound)

        return self._map(complete, resolvers)

    def _complete_private_endpoint(self, raw: Any) -> PrivateEndpoint:
        pe_id = str(convert.wire(raw).get("id") or "")
        groups = self.dns_zone_groups(pe_id)
        nic_ips: tuple[str, ...] = ()
        if not convert.private_endpoint_ips(raw):
            # With a private DNS zone group, Azure leaves customDnsConfigs empty and a
            # dynamic endpoint has no ipConfigurations: only its NIC knows the IP.
            nic_ids = convert.private_endpoint(raw).nic_ids
            nic_ips = tuple(ip for nic in nic_ids for ip in self._nic_by_any_id(nic).private_ips)
        return convert.private_endpoint(raw, zone_groups=groups, nic_ips=nic_ips)

    def _nic_by_any_id(self, nic_id: str) -> NetworkInterface:
        # Tolerates an id whose provider segment is odd (a published example has
        # "provders"): the subscription, group and last name are enough for a GET.
        try:
            r = ResourceId.parse(nic_id)
        except ValueError:
            raise AzureFailure("bad_request", "not a network interface id", "InvalidResourceId", nic_id) from None
        name = name_of(nic_id)
        if not (r.subscription_id and r.resource_group and name):
            raise AzureFailure("bad_request", "not a network interface id", "InvalidResourceId", nic_id)
        raw = self._call(
            "network_interface",
            nic_id,
            lambda: self._network(r.subscription_id).network_interfaces.get(r.resource_group, name),
        )
        return convert.network_interface(raw)


def _or_failure(read: Callable[[], list[Any]]) -> tuple[list[Any], AzureFailure | None]:
    """What `read` returned, or nothing and why (an AzureFailure, already logged by `_call`)."""
    try:
        return read(), None
    except AzureFailure as f:
        return [], f


def _id_group_name(raw: Any) -> tuple[str, str, str]:
    """(id, resource group, name) of a listed resource, "" for what its id lacks."""
    rid = str(convert.wire(raw).get("id") or "")
    try:
        r = ResourceId.parse(rid)
    except ValueError:
        return rid, "", name_of(rid)
    return rid, r.resource_group, r.name
