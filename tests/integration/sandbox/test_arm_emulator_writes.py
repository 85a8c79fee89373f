"""Resource writes other than peerings (sandbox/arm/writes.py), through the real SDK clients:
the writes the az commands the bot suggests send, with ARM's rules as documented (cited in
writes.py), and what the bot reads afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from sandbox.arm_emulator import ArmEmulator
from tests.integration import arm_sdk as S
from tests.integration.sandbox.test_arm_emulator import raw

SUB = S.SEED_SUB
EUN, AUE = "rg-vpn-eun", "rg-vpn-aue"
VNET_EUN = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/virtualNetworks/vnet-eun"
RESOLVER = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network/dnsResolvers/dnsr-test"
SQL_AUE = f"/subscriptions/{SUB}/resourceGroups/{AUE}/providers/Microsoft.Sql/servers/sql-aue"


def add_subnet(net: Any, name: str, prefix: str, *, delegated: bool = False) -> Any:
    from azure.mgmt.network.models import Delegation, Subnet

    delegations = [Delegation(name="0", service_name="Microsoft.Network/dnsResolvers")] if delegated else None
    return net.subnets.begin_create_or_update(
        EUN, "vnet-eun", name, Subnet(address_prefixes=[prefix], delegations=delegations)
    ).result()


def test_a_shared_key_set_is_read_back_and_never_shows_in_the_connection(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    net.virtual_network_gateway_connections.begin_set_shared_key(EUN, "cn-eun-to-aue", {"value": "Same-Key-1"}).result()
    assert net.virtual_network_gateway_connections.get_shared_key(EUN, "cn-eun-to-aue").value == "Same-Key-1"
    conn = net.virtual_network_gateway_connections.get(EUN, "cn-eun-to-aue")
    assert conn.shared_key is None
    dumped = arm_emulator.dump()
    assert "Same-Key-1" in dumped["sharedKeys"].values()
    assert "Same-Key-1" not in str(dumped["resources"])
    status, _, body = raw(
        arm_emulator,
        "PUT",
        conn.id + "/sharedkey?api-version=2026-03-01",
        body={"value": ""},
    )
    assert status == 400 and body["error"]["code"] == "InvalidRequestFormat"


def test_a_connection_put_changes_what_it_says_and_keeps_what_the_service_owns(arm_emulator: ArmEmulator) -> None:
    """What `az network vpn-connection update --enable-bgp true` does: GET, change, PUT."""
    net = S.network(arm_emulator.base_url)
    before = net.virtual_network_gateway_connections.get(AUE, "cn-aue-to-eun")
    assert before.enable_bgp is False
    before.enable_bgp = True
    before.connection_status = "Connected"  # read-only: the service's, whatever the body says
    before.shared_key = "From-The-Put"
    after = net.virtual_network_gateway_connections.begin_create_or_update(AUE, "cn-aue-to-eun", before).result()
    assert after.enable_bgp is True and after.provisioning_state == "Succeeded"
    assert after.etag != before.etag
    again = net.virtual_network_gateway_connections.get(AUE, "cn-aue-to-eun")
    assert again.connection_status == arm_emulator.resource(before.id)["properties"]["connectionStatus"]
    assert again.ingress_bytes_transferred == before.ingress_bytes_transferred
    assert net.virtual_network_gateway_connections.get_shared_key(AUE, "cn-aue-to-eun").value == "From-The-Put"
    assert "sharedKey" not in arm_emulator.resource(before.id)["properties"]


def test_a_new_write_shows_updating_until_its_operation_ends(arm_emulator: ArmEmulator) -> None:
    status, _, body = raw(
        arm_emulator,
        "PUT",
        f"{RESOLVER}?api-version=2022-07-01",
        body={"location": "northeurope", "properties": {"virtualNetwork": {"id": VNET_EUN}}},
    )
    assert status == 201 and body["properties"]["provisioningState"] == "Updating"
    assert body["name"] == "dnsr-test" and body["type"] == "Microsoft.Network/dnsResolvers" and body["etag"]
    dns = S.dnsresolver(arm_emulator.base_url)
    # A client that only re-reads sees the write go on (state.Operation: one poll in progress).
    states = [dns.dns_resolvers.get(EUN, "dnsr-test").provisioning_state for _ in range(2)]
    assert states == ["Updating", "Succeeded"]
    assert dns.dns_resolvers.get(EUN, "dnsr-test").virtual_network.id == VNET_EUN
    status, _, body = raw(
        arm_emulator,
        "PUT",
        f"{RESOLVER}-2?api-version=2022-07-01",
        body={"location": "northeurope", "properties": {"virtualNetwork": {"id": VNET_EUN + "-nope"}}},
    )
    assert status == 400 and body["error"]["code"] == "InvalidResourceReference"


def test_subnets_must_fit_the_vnet_be_aligned_and_not_overlap(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    ok = add_subnet(net, "snet-new", "10.0.5.0/28")
    assert ok.address_prefixes == ["10.0.5.0/28"] and ok.provisioning_state == "Succeeded"
    assert "snet-new" in [s.name for s in net.virtual_networks.get(EUN, "vnet-eun").subnets]
    for prefix, code in (
        ("10.9.0.0/28", "NetcfgSubnetRangeOutsideVnet"),
        ("10.0.5.1/28", "InvalidCIDRNotation"),
        ("10.0.1.128/25", "NetcfgSubnetRangesOverlap"),  # inside snet-data
        ("10.0.5.0/30x", "InvalidAddressPrefixFormat"),
    ):
        with pytest.raises(HttpResponseError) as e:
            add_subnet(net, "snet-bad", prefix)
        assert (e.value.status_code, e.value.error.code) == (400, code), prefix
    with pytest.raises(HttpResponseError) as wrong:
        add_subnet(net, "snet-bad", "10.0.5.1/28")
    assert "should be 10.0.5.0/28" in wrong.value.error.message


def test_a_vnet_put_drops_unlisted_empty_subnets_refuses_in_use_ones_and_keeps_peerings(
    arm_emulator: ArmEmulator,
) -> None:
    """What `az network vnet update --dns-servers …` does: GET the VNet, change it, PUT it whole."""
    net = S.network(arm_emulator.base_url)
    add_subnet(net, "snet-empty", "10.0.6.0/28")
    vnet = net.virtual_networks.get(EUN, "vnet-eun")
    peerings = [p.name for p in vnet.virtual_network_peerings]
    from azure.mgmt.network.models import DhcpOptions

    vnet.dhcp_options = DhcpOptions(dns_servers=["10.0.5.4"])
    vnet.subnets = [s for s in vnet.subnets if s.name != "snet-empty"]
    after = net.virtual_networks.begin_create_or_update(EUN, "vnet-eun", vnet).result()
    assert after.dhcp_options.dns_servers == ["10.0.5.4"]
    assert "snet-empty" not in [s.name for s in after.subnets]
    assert [p.name for p in after.virtual_network_peerings] == peerings
    used = net.subnets.get(EUN, "vnet-eun", "snet-data")
    assert used.ip_configurations or used.private_endpoints
    vnet = net.virtual_networks.get(EUN, "vnet-eun")
    vnet.subnets = [s for s in vnet.subnets if s.name != "snet-data"]
    with pytest.raises(HttpResponseError) as e:
        net.virtual_networks.begin_create_or_update(EUN, "vnet-eun", vnet).result()
    assert (e.value.status_code, e.value.error.code) == (400, "InUseSubnetCannotBeDeleted")
    assert net.subnets.get(EUN, "vnet-eun", "snet-data").address_prefix == used.address_prefix


def test_an_inbound_endpoint_gets_the_subnets_first_free_address_and_needs_its_delegation(
    arm_emulator: ArmEmulator,
) -> None:
    from azure.mgmt.dnsresolver.models import DnsResolver, InboundEndpoint, IpConfiguration, SubResource

    net = S.network(arm_emulator.base_url)
    dns = S.dnsresolver(arm_emulator.base_url)
    add_subnet(net, "snet-dns", "10.0.5.0/28", delegated=True)
    add_subnet(net, "snet-plain", "10.0.6.0/28")
    dns.dns_resolvers.begin_create_or_update(
        EUN, "dnsr-test", DnsResolver(location="northeurope", virtual_network=SubResource(id=VNET_EUN))
    ).result()

    def endpoint(name: str, subnet: str) -> Any:
        ipc = IpConfiguration(
            subnet=SubResource(id=f"{VNET_EUN}/subnets/{subnet}"), private_ip_allocation_method="Dynamic"
        )
        body = InboundEndpoint(location="northeurope", ip_configurations=[ipc])
        return dns.inbound_endpoints.begin_create_or_update(EUN, "dnsr-test", name, body).result()

    first = endpoint("in-1", "snet-dns")
    second = endpoint("in-2", "snet-dns")
    # Azure keeps .0–.3 of every subnet: the first address it hands out is .4.
    assert [first.ip_configurations[0].private_ip_address, second.ip_configurations[0].private_ip_address] == [
        "10.0.5.4",
        "10.0.5.5",
    ]
    users = [c.id for c in net.subnets.get(EUN, "vnet-eun", "snet-dns").ip_configurations]
    assert any(u.endswith("/inboundEndpoints/in-1/ipConfigurations/default") for u in users)
    with pytest.raises(HttpResponseError) as e:
        endpoint("in-3", "snet-plain")
    assert (e.value.status_code, e.value.error.code) == (400, "SubnetNotDelegated")


def test_patch_merges_and_sql_writes_carry_no_provisioning_state(arm_emulator: ArmEmulator) -> None:
    status, _, body = raw(arm_emulator, "PATCH", f"{SQL_AUE}?api-version=2021-11-01", body={"tags": {"team": "net"}})
    assert status == 200 and body["tags"] == {"team": "net"}
    status, _, body = raw(
        arm_emulator,
        "PATCH",
        f"{SQL_AUE}?api-version=2021-11-01",
        body={"properties": {"publicNetworkAccess": "Disabled"}},
    )
    assert status == 200 and body["tags"] == {"team": "net"}
    doc = arm_emulator.resource(SQL_AUE)
    assert doc is not None and doc["properties"]["publicNetworkAccess"] == "Disabled"
    assert "provisioningState" not in doc["properties"] and doc["properties"]["fullyQualifiedDomainName"]


def test_a_write_under_a_missing_parent_is_404_and_a_denied_one_403(arm_emulator: ArmEmulator) -> None:
    net = S.network(arm_emulator.base_url)
    from azure.mgmt.network.models import Subnet

    with pytest.raises(ResourceNotFoundError):
        net.subnets.begin_create_or_update(EUN, "vnet-nope", "s", Subnet(address_prefix="10.0.9.0/28")).result()
    status, _, _ = raw(arm_emulator, "PATCH", f"{RESOLVER}?api-version=2022-07-01", body={"tags": {}})
    assert status == 404  # PATCH updates; it does not create
    arm_emulator.deny("Microsoft.Network/virtualNetworks/subnets/write")
    with pytest.raises(HttpResponseError) as e:
        add_subnet(net, "snet-x", "10.0.7.0/28")
    assert e.value.status_code == 403 and e.value.error.code == "AuthorizationFailed"
