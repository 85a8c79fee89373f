"""A phase of reading the estate: the client VMs' effective security rules, for the SQL
checklist's item 7 (its ports checked against them: `commands.findings.dns.ports`).

Read only where a SQL server's connection policy needs ports checked and it has private
endpoints; each client NIC once (a long-running POST per NIC), at most `MAX_CLIENTS` per
endpoint — the endpoint's own VNet's first. Failures are kept per NIC ("could not read").
"""

from __future__ import annotations

from commands.core.model import NetworkInterface, rid_key
from commands.core.netwatch import ClientRules
from commands.core.registry import Ctx
from commands.findings.dns.facts import endpoints_for
from commands.findings.dns.ports import needed_ports
from commands.judgement.estate import Estate
from commands.judgement.progress import gather_with_progress

MAX_CLIENTS = 6


def clients(est: Estate, endpoint_vnet: str) -> list[NetworkInterface]:
    """The VM NICs that would connect: the endpoint's own VNet's first, then the rest."""
    vm_nics = [n for n in est.nics if n.vm_id and n.private_ips]
    vm_nics.sort(key=lambda n: (rid_key(endpoint_vnet) not in {rid_key(v) for v in n.vnet_ids}, n.name))
    return vm_nics[:MAX_CLIENTS]


def read_client_rules(ctx: Ctx, est: Estate) -> None:
    """Fill `est.client_rules` for every private endpoint of a SQL server whose policy needs
    ports checked."""
    facts = est.dns
    wanted: dict[str, list[NetworkInterface]] = {}
    for server in est.sql_servers:
        if needed_ports(server) is None:
            continue
        for pe, _ in endpoints_for(server.id, facts):
            wanted[rid_key(pe.id)] = clients(est, pe.vnet_id)
    unique = list({rid_key(n.id): n for nics in wanted.values() for n in nics}.values())
    if not unique:
        return
    tasks = [(lambda n=n: ctx.azure.effective_nsgs(n.id)) for n in unique]
    outcomes = gather_with_progress(ctx, tasks, "Reading the client VMs' security rules")
    read = {rid_key(n.id): ClientRules(n, tuple(o.value or ()), o.error) for n, o in zip(unique, outcomes, strict=True)}
    est.client_rules = {pe: tuple(read[rid_key(n.id)] for n in nics) for pe, nics in wanted.items()}
    est.__dict__.pop("dns", None)  # `Estate.dns` is cached: the next read must carry the rules
