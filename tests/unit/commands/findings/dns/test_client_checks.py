"""Checklist items 4–5 (what a VPN client resolves and is routed), on facts built by hand."""

from __future__ import annotations

import dataclasses

from commands.findings.dns.client_checks import check_client_resolution, check_route
from commands.findings.dns.facts import AZURE_DNS_IP
from tests.unit.commands.findings.dns.builders import (
    VNET_AUE,
    evidence,
    fixed,
    seed_like,
    target,
    transit_like,
)


def test_seed_nothing_a_vpn_client_can_use_to_resolve_the_zone() -> None:
    f = seed_like()
    c = check_client_resolution(target(f), f)
    assert c.status == "fail"
    text = evidence(c)
    assert "168.63.129.16" in text and "cannot reach" in text
    assert "azurevpnconfig.xml" in text  # what Azure cannot show, and where to look
    # No resolver or forwarder exists: the fix creates a resolver in the gateway's VNet.
    assert any(
        cmd.startswith("az resource create --id ") and "/dnsResolvers/dnsr-" in cmd and "virtualNetwork" in cmd
        for cmd in c.commands
    )
    assert any("--delegations Microsoft.Network/dnsResolvers" in cmd for cmd in c.commands)


def test_resolver_inbound_endpoint_with_vnet_dns_pointing_at_it_passes() -> None:
    f = fixed(seed_like())
    c = check_client_resolution(target(f), f)
    assert c.status == "pass"
    assert "DNS Private Resolver `dnsr-eun` inbound endpoint" in evidence(c)


def test_resolver_present_but_vnet_dns_not_pointing_at_it_suggests_pointing_it() -> None:
    f = fixed(seed_like())
    f = dataclasses.replace(f, vnets=tuple(dataclasses.replace(v, dns_servers=()) for v in f.vnets))
    c = check_client_resolution(target(f), f)
    assert c.status == "fail"
    assert "az network vnet update -g rg-aue -n vnet-aue --dns-servers 10.0.2.4" in c.commands


def test_dns_server_at_azure_resolver_ip_fails() -> None:
    f = fixed(seed_like())
    f = dataclasses.replace(f, vnets=tuple(dataclasses.replace(v, dns_servers=(AZURE_DNS_IP,)) for v in f.vnets))
    c = check_client_resolution(target(f), f)
    assert c.status == "fail"


def test_forwarder_vm_in_a_linked_vnet_passes_but_says_what_cannot_be_seen() -> None:
    f = fixed(seed_like())
    f = dataclasses.replace(
        f,
        resolvers=(),
        vnets=tuple(dataclasses.replace(v, dns_servers=("10.0.1.10",)) for v in f.vnets),
    )
    c = check_client_resolution(target(f), f)
    assert c.status == "pass"
    assert "forwards to 168.63.129.16" in evidence(c)


def test_on_premises_dns_server_cannot_be_checked() -> None:
    f = fixed(seed_like())
    f = dataclasses.replace(f, vnets=tuple(dataclasses.replace(v, dns_servers=("192.168.50.10",)) for v in f.vnets))
    c = check_client_resolution(target(f), f)
    assert c.status == "unknown"
    assert "on-premises" in evidence(c)


def test_transit_without_use_remote_gateways_gives_no_route_and_the_peering_fix() -> None:
    f = transit_like()
    spoke = f.vnet(VNET_AUE)
    assert spoke is not None
    spoke = dataclasses.replace(spoke, peerings=(dataclasses.replace(spoke.peerings[0], use_remote_gateways=False),))
    f = dataclasses.replace(f, vnets=(f.vnets[0], spoke))
    c = check_route(target(f), f)
    assert c.status == "fail"
    assert "useRemoteGateways is off" in evidence(c)
    assert "/vpn peering vnet-aue/aue-to-eun useRemoteGateways on" in c.commands


def test_vnet_to_vnet_route_is_uncertain_and_a_custom_route_is_offered() -> None:
    f = seed_like()
    f = dataclasses.replace(
        f,
        gateways=(f.gateways[0], dataclasses.replace(f.gateways[1], p2s_address_pool=())),
        connections=tuple(dataclasses.replace(c, enable_bgp=True) for c in f.connections),
    )
    c = check_route(target(f), f)
    assert c.status == "unknown"  # depends on the client (coverage.p2s_plan: "maybe")
    assert "VNet-to-VNet" in evidence(c)
    assert "az network vnet-gateway update -g rg-eun -n vgw-eun --custom-routes 10.1.0.0/16" in c.commands


def test_no_p2s_gateway_at_all_fails_the_route() -> None:
    f = dataclasses.replace(seed_like(), gateways=())
    assert check_route(target(f), f).status == "fail"
    assert check_client_resolution(target(f), f).status == "unknown"
