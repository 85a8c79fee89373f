"""Gateways and connections the connection-findings tests build."""

from __future__ import annotations

from datetime import UTC, datetime

from commands.core.model import Connection, Gateway

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NET = "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network"


def gw(name: str, location: str = "northeurope", **kw: object) -> Gateway:
    return Gateway(f"{NET}/virtualNetworkGateways/{name}", name, location, **kw)  # type: ignore[arg-type]


def v2v(name: str, a: Gateway, b: Gateway, **kw: object) -> Connection:
    base: dict[str, object] = {"connection_type": "Vnet2Vnet", "status": "Connected"}
    base.update(kw)
    return Connection(f"{NET}/connections/{name}", name, a.location, gateway1_id=a.id, gateway2_id=b.id, **base)  # type: ignore[arg-type]


def s2s(name: str, a: Gateway, lng: str = "lng-office", **kw: object) -> Connection:
    base: dict[str, object] = {"connection_type": "IPsec", "status": "Connected"}
    base.update(kw)
    return Connection(
        f"{NET}/connections/{name}",
        name,
        a.location,
        gateway1_id=a.id,
        local_network_gateway_id=f"{NET}/localNetworkGateways/{lng}",
        **base,  # type: ignore[arg-type]
    )


EUN = gw("vgw-eun", p2s_address_pool=("172.16.10.0/25",))
AUE = gw("vgw-aue", "australiaeast")
