"""Subscriptions, generic resources and SQL servers (read as generic resources)."""

from __future__ import annotations

from bot.arm.convert.wire import at_path, dns_name, json_objs, props, ref, resource_name, text, uniq, wire
from commands.core.model import GenericResource, SqlServer, Subscription, name_of


def subscription(obj: object) -> Subscription:
    d = wire(obj)
    sub_id = text(d.get("subscriptionId")) or name_of(text(d.get("id")))
    return Subscription(id=sub_id, name=text(d.get("displayName")))


def sql_server(obj: object, connection_policy: object = None) -> SqlServer:
    """A generic `Microsoft.Sql/servers` resource and (when readable) its
    `connectionPolicies/default` resource."""
    d = wire(obj)
    p = props(d)
    pe_ids = (ref(props(c).get("privateEndpoint")) for c in json_objs(p.get("privateEndpointConnections")))
    return SqlServer(
        id=text(d.get("id")),
        name=resource_name(d),
        location=text(d.get("location")),
        fqdn=dns_name(p.get("fullyQualifiedDomainName")),
        public_network_access=text(p.get("publicNetworkAccess")),
        connection_policy=text(at_path(wire(connection_policy), "properties", "connectionType")),
        private_endpoint_ids=uniq(pe_ids),
    )


def generic_resource(obj: object) -> GenericResource:
    d = wire(obj)
    return GenericResource(
        id=text(d.get("id")),
        name=resource_name(d),
        type=text(d.get("type")),
        location=text(d.get("location")),
        properties=props(d),
    )
