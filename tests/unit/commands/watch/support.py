"""What the watch tests share: a small estate's gateways and connections, and a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from commands.core.model import Connection, Gateway, Tunnel

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
NET = "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network"
GW_A = Gateway(f"{NET}/virtualNetworkGateways/gw-a", "gw-a", "westeurope", sku="VpnGw2", enable_bgp=True, bgp_asn=65001)
GW_B = Gateway(f"{NET}/virtualNetworkGateways/gw-b", "gw-b", "eastus", sku="VpnGw2", enable_bgp=True, bgp_asn=65002)


def conn(name: str, out: int = 0, inn: int = 0, status: str = "Connected", **kw: Any) -> Connection:
    base: dict[str, Any] = dict(
        id=f"{NET}/connections/{name}",
        name=name,
        location="westeurope",
        connection_type="IPsec",
        status=status,
        egress_bytes=out,
        ingress_bytes=inn,
        gateway1_id=GW_A.id,
        local_network_gateway_id=f"{NET}/localNetworkGateways/lng-{name}",
    )
    base.update(kw)
    return Connection(**base)


def pair(a: str, b: str) -> tuple[Tunnel, Tunnel]:
    return Tunnel("t-0", a, 100, 100), Tunnel("t-1", b, 100, 100)
