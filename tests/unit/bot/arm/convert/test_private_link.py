"""bot.arm.convert.private_link on Azure's published payloads: private endpoints, DNS zone
groups, private DNS zones and DNS resolvers.

Each payload of ../shared/fixtures/real goes through the SDK's own model first (the hybrid
models take the REST JSON as their constructor argument, exactly what the operations do with a
response body), then through the converter. Tests skip with a reason when ../shared is absent.
"""

from __future__ import annotations

import copy

from azure.mgmt.dnsresolver import models as dr_models
from azure.mgmt.network import models as net
from azure.mgmt.privatedns import models as pdns

from bot.arm import convert
from tests.unit.bot.arm.convert.published import body


def test_private_endpoint_ips_from_static_configs_and_custom_dns() -> None:
    pe = convert.private_endpoint(net.PrivateEndpoint(body("arm/PrivateEndpointGet.json")))
    assert pe.name == "testPe" and pe.location == "eastus"
    assert pe.private_ips == ("192.168.0.6", "192.168.0.7", "192.168.0.4", "192.168.0.5")
    assert [(d.fqdn, d.ips) for d in pe.custom_dns] == [
        ("abc.cosmos.com", ("192.168.0.4",)),
        ("abc2.cosmos.com", ("192.168.0.5",)),
    ]
    assert pe.vnet_id.endswith("/virtualNetworks/myVnet")
    assert len(pe.connections) == 1
    link = pe.connections[0]
    assert (link.status, link.manual, link.group_ids) == ("Approved", False, ("groupIdFromResource",))
    assert link.target_id.endswith("/privateLinkServices/testPls")
    # The published id says "provders": read as the NIC it names, so it matches that NIC's own id.
    assert pe.nic_ids == (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/testPe.nic.abcd1234",
    )


def test_private_endpoint_without_own_ips_takes_its_nics() -> None:
    raw = copy.deepcopy(body("arm/PrivateEndpointGet.json"))
    raw["properties"]["ipConfigurations"] = []
    raw["properties"]["customDnsConfigs"] = []
    model = net.PrivateEndpoint(raw)
    assert convert.private_endpoint_ips(model) == ()
    pe = convert.private_endpoint(model, nic_ips=("10.0.1.4",))
    assert pe.private_ips == ("10.0.1.4",)


def test_manual_private_link_connection_is_marked_manual() -> None:
    raw = copy.deepcopy(body("arm/PrivateEndpointGet.json"))
    raw["properties"]["manualPrivateLinkServiceConnections"] = copy.deepcopy(
        raw["properties"]["privateLinkServiceConnections"]
    )
    raw["properties"]["manualPrivateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"][
        "status"
    ] = "Pending"
    pe = convert.private_endpoint(net.PrivateEndpoint(raw))
    assert [(c.status, c.manual) for c in pe.connections] == [("Approved", False), ("Pending", True)]


def test_dns_zone_group_configs_and_records() -> None:
    group = convert.dns_zone_group(net.PrivateDnsZoneGroup(body("arm/PrivateEndpointDnsZoneGroupGet.json")))
    assert group.name == "testPdnsgroup"
    assert [c.zone_id.rsplit("/", 1)[-1] for c in group.configs] == ["zone1.com", "zone2.com"]
    assert [(r.name, r.fqdn, r.ips) for r in group.configs[0].records] == [
        ("abc", "abc.zone1.com", ("10.0.0.4",)),
        ("abc2", "abc2.zone1.com", ("10.0.0.5",)),
    ]


def test_private_zone_with_records_and_links() -> None:
    zone = pdns.PrivateZone(body("privatedns/PrivateZoneGet.json"))
    records = [pdns.RecordSet(r) for r in body("privatedns/RecordSetALLList.json")["value"]]
    links = [pdns.VirtualNetworkLink(x) for x in body("privatedns/VirtualNetworkLinkList.json")["value"]]
    z = convert.private_dns_zone(zone, records, links)
    assert z.name == "privatezone1.com"
    assert [(r.name, r.record_type, r.fqdn, r.ips) for r in z.records] == [
        ("recorda", "A", "recorda.privatezone1.com", ("1.2.3.4",)),
        ("recordcname", "CNAME", "recordcname.privatezone1.com", ()),
        ("recordmx", "MX", "recordmx.privatezone1.com", ()),
    ]
    assert z.records[0].ttl == 3600
    assert [(x.name, x.registration_enabled, x.state) for x in z.links] == [
        ("virtualNetworkLink1", False, "Completed"),
        ("virtualNetworkLink2", True, "InProgress"),
    ]
    assert z.links[0].vnet_id.endswith("/virtualNetworks/virtualNetworkName")
    assert z.links[0].resolution_policy == ""  # absent in the published payload


def test_private_zone_list_and_single_record_and_link() -> None:
    zones = [
        convert.private_dns_zone(pdns.PrivateZone(z))
        for z in body("privatedns/PrivateZoneListInSubscription.json")["value"]
    ]
    assert [z.name for z in zones] == ["privatezone1.com", "privatezone2.com"]
    rec = convert.record_set(pdns.RecordSet(body("privatedns/RecordSetAGet.json")))
    assert (rec.name, rec.ips) == ("recorda", ("1.2.3.4",))
    link = convert.vnet_link(pdns.VirtualNetworkLink(body("privatedns/VirtualNetworkLinkGet.json")))
    assert (link.name, link.state, link.registration_enabled) == ("virtualNetworkLink1", "Completed", False)


def test_dns_resolver_from_msrest_models_with_inbound_ips() -> None:
    resolver = dr_models.DnsResolver.deserialize(
        {
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/dnsResolvers/res1",
            "name": "res1",
            "location": "northeurope",
            "properties": {
                "virtualNetwork": {
                    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1"
                },
                "dnsResolverState": "Connected",
                "provisioningState": "Succeeded",
            },
        }
    )
    inbound = dr_models.InboundEndpoint.deserialize(
        {
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/dnsResolvers/res1/inboundEndpoints/in1",
            "name": "in1",
            "location": "northeurope",
            "properties": {
                "ipConfigurations": [
                    {
                        "subnet": {"id": "/x/subnets/in"},
                        "privateIpAddress": "10.0.2.4",
                        "privateIpAllocationMethod": "Dynamic",
                    }
                ]
            },
        }
    )
    r = convert.dns_resolver(resolver, [inbound])
    assert (r.name, r.state, r.inbound_ips) == ("res1", "Connected", ("10.0.2.4",))
    assert r.vnet_id.endswith("/virtualNetworks/v1")
