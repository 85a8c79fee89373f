"""bot.arm.convert.resources: SQL servers read as generic resources, and subscriptions."""

from __future__ import annotations

from azure.mgmt.resource.resources import models as res_models
from azure.mgmt.resource.subscriptions import models as sub_models

from bot.arm import convert


def test_sql_server_generic_resource_with_connection_policy() -> None:
    server = res_models.GenericResource(
        {
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/sql-eun",
            "name": "sql-eun",
            "type": "Microsoft.Sql/servers",
            "location": "northeurope",
            "properties": {
                "fullyQualifiedDomainName": "sql-eun.database.windows.net",
                "publicNetworkAccess": "Disabled",
                "privateEndpointConnections": [
                    {
                        "id": "/x/privateEndpointConnections/c1",
                        "properties": {
                            "privateEndpoint": {
                                "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1"
                            }
                        },
                    }
                ],
            },
        }
    )
    policy = res_models.GenericResource(
        {"id": "/x/connectionPolicies/default", "properties": {"connectionType": "Redirect"}}
    )
    s = convert.sql_server(server, policy)
    assert (s.name, s.fqdn, s.public_network_access, s.connection_policy) == (
        "sql-eun",
        "sql-eun.database.windows.net",
        "Disabled",
        "Redirect",
    )
    assert s.private_endpoint_ids == (
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1",
    )
    assert convert.sql_server(server).connection_policy == ""  # unreadable policy


def test_subscription_from_the_subscriptions_sdk_model() -> None:
    s = convert.subscription(
        sub_models.Subscription({"id": "/subscriptions/1111", "subscriptionId": "1111", "displayName": "Networks"})
    )
    assert (s.id, s.name) == ("1111", "Networks")
    assert convert.subscription({"id": "/subscriptions/2222"}).id == "2222"
