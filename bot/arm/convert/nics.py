"""Network interfaces and their effective routes."""

from __future__ import annotations

import ipaddress

from bot.arm.convert.wire import Json, items, json_objs, opt_int, props, ref, resource_name, strs, text, uniq, wire
from commands.core.model import EffectiveRoute, NetworkInterface


def _prefix(ipc: Json) -> str:
    """The block of a prefix ipconfig ("172.20.2.16/28"), "" for one holding an address.

    Azure marks a prefix ipconfig with `privateIPAddressPrefixLength` and writes the block in
    `privateIPAddress` as "<address>/<length>" (virtualNetwork.json 2025-03-01,
    NetworkInterfaceIPConfigurationPropertiesFormat; the NetworkInterfaceGet example)."""
    address = text(ipc.get("privateIPAddress"))
    length = opt_int(ipc.get("privateIPAddressPrefixLength"))
    if length is None and "/" not in address:
        return ""
    base, _, written = address.partition("/")
    try:
        return str(ipaddress.ip_network(f"{base}/{length if length is not None else written}", strict=False))
    except ValueError:
        return address  # not readable as a block: kept as Azure wrote it, still not an address


def network_interface(obj: object) -> NetworkInterface:
    d = wire(obj)
    p = props(d)
    ipcs = [props(c) for c in json_objs(p.get("ipConfigurations"))]
    prefixes = uniq(_prefix(c) for c in ipcs)
    return NetworkInterface(
        id=text(d.get("id")),
        name=resource_name(d),
        location=text(d.get("location")),
        vm_id=ref(p.get("virtualMachine")),
        subnet_ids=uniq(ref(c.get("subnet")) for c in ipcs),
        private_ips=uniq(text(c.get("privateIPAddress")) for c in ipcs if not _prefix(c)),
        private_prefixes=prefixes,
    )


def effective_routes(result: object) -> list[EffectiveRoute]:
    """A NIC's `effectiveRouteTable`; `nextHopIpAddress: []` → no next-hop IPs."""
    return [
        EffectiveRoute(
            source=text(e.get("source")) or "Unknown",
            state=text(e.get("state")),
            address_prefixes=strs(e.get("addressPrefix")),
            next_hop_type=text(e.get("nextHopType")),
            next_hop_ips=strs(e.get("nextHopIpAddress")),
            name=text(e.get("name")),
        )
        for e in items(result)
    ]
