"""Network interfaces and their effective routes."""

from __future__ import annotations

from bot.arm.convert.wire import items, json_objs, props, ref, resource_name, strs, text, uniq, wire
from commands.core.model import EffectiveRoute, NetworkInterface


def network_interface(obj: object) -> NetworkInterface:
    d = wire(obj)
    p = props(d)
    ipcs = [props(c) for c in json_objs(p.get("ipConfigurations"))]
    return NetworkInterface(
        id=text(d.get("id")),
        name=resource_name(d),
        location=text(d.get("location")),
        vm_id=ref(p.get("virtualMachine")),
        subnet_ids=uniq(ref(c.get("subnet")) for c in ipcs),
        private_ips=uniq(text(c.get("privateIPAddress")) for c in ipcs),
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
