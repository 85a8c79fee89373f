"""Which VNets see a private zone: linked to it, or resolving through DNS servers that are.

Azure's rule (https://learn.microsoft.com/azure/dns/private-resolver-hybrid-dns): a query
sent to a DNS Private Resolver's inbound endpoint, or to a forwarder VM that forwards to
168.63.129.16, is answered by Azure DNS in the endpoint's (or the VM's) VNet, so it sees
the private zones linked to that VNet. A spoke whose DNS servers point at a resolver in a
linked hub resolves the zone without a link of its own.
"""

from __future__ import annotations

import dataclasses

from commands.core.model import DnsResolver, Subnet
from commands.findings.dns.checks import check_zone_links
from commands.findings.dns.facts import DnsFacts
from commands.findings.dns.findings import assess, zone_link_findings
from commands.findings.dns.records import link_states
from commands.findings.dns.sql import sql_checklist
from tests.unit.commands.findings.dns.builders import (
    NET,
    PE_AUE,
    RG,
    SQL_AUE,
    VNET_AUE,
    VNET_EUN,
    statuses,
    target,
    transit_like,
)

RESOLVER_IP = "10.0.4.4"


def hub_with_resolver(dns: str = RESOLVER_IP) -> DnsFacts:
    """Hub-and-spoke with gateway transit; the zone linked to the hub only; a DNS Private
    Resolver inbound endpoint in the hub; both VNets name it as their DNS server."""
    f = transit_like()
    resolver = DnsResolver(
        f"{RG}/rg-eun/{NET}/dnsResolvers/dnspr-hub", "dnspr-hub", "northeurope", VNET_EUN, (RESOLVER_IP,)
    )
    vnets = tuple(dataclasses.replace(v, dns_servers=(dns,)) for v in f.vnets)
    return dataclasses.replace(f, resolvers=(resolver,), vnets=vnets)


def test_a_spoke_whose_dns_is_the_hubs_resolver_resolves_the_zone_without_a_link() -> None:
    f = hub_with_resolver()
    t = target(f, PE_AUE, SQL_AUE)
    spoke = next(s for s in link_states(t, f) if s.vnet_id == VNET_AUE)
    assert spoke.status == "pass" and spoke.zone is None
    assert "dnspr-hub" in str(spoke.through) and "vnet-eun" in str(spoke.through)
    item = check_zone_links(t, f)
    assert item.status == "pass"
    assert any("not linked, but its DNS servers resolve the zone" in str(line) for line in item.evidence)
    assert zone_link_findings([t], f) == []
    assert not [x for x in assess(f) if x.key.startswith("pe_zone_link:")]


def test_the_checklist_then_agrees_with_itself_no_hosts_file_stop_gap() -> None:
    f = hub_with_resolver()
    checks = sql_checklist(None, target(f, PE_AUE, SQL_AUE), f)
    assert statuses(checks)[3] == "pass" and statuses(checks)[4] == "pass"
    assert statuses(checks)[6] == "pass"
    assert not any("hosts file" in str(line) for c in checks for line in c.evidence)


def test_a_forwarder_vm_in_the_linked_hub_counts_the_same() -> None:
    f = hub_with_resolver(dns="10.0.5.10")
    hub = next(v for v in f.vnets if v.id == VNET_EUN)
    dns_subnet = Subnet(f"{VNET_EUN}/subnets/snet-dns", "snet-dns", ("10.0.5.0/24",))
    hub = dataclasses.replace(hub, subnets=(*hub.subnets, dns_subnet))
    f = dataclasses.replace(f, resolvers=(), vnets=tuple(hub if v.id == VNET_EUN else v for v in f.vnets))
    spoke = next(s for s in link_states(target(f, PE_AUE, SQL_AUE), f) if s.vnet_id == VNET_AUE)
    assert spoke.status == "pass" and "forwarder" in str(spoke.through)


def test_a_spoke_on_azure_provided_dns_is_still_not_linked() -> None:
    f = hub_with_resolver()
    vnets = tuple(dataclasses.replace(v, dns_servers=()) if v.id == VNET_AUE else v for v in f.vnets)
    f = dataclasses.replace(f, vnets=vnets)
    spoke = next(s for s in link_states(target(f, PE_AUE, SQL_AUE), f) if s.vnet_id == VNET_AUE)
    assert spoke.status == "fail"


def test_a_resolver_in_a_vnet_that_is_not_linked_either_resolves_nothing() -> None:
    f = hub_with_resolver()
    f = dataclasses.replace(f, zones=(dataclasses.replace(f.zones[0], links=()),))
    spoke = next(s for s in link_states(target(f, PE_AUE, SQL_AUE), f) if s.vnet_id == VNET_AUE)
    assert spoke.status == "fail"
