"""Azure VPN gateway SKUs: what Microsoft publishes about each, in one place.

Source: "About gateway SKUs", the table "Gateway SKUs by tunnel, connection, and
throughput" (https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus#benchmark).
Microsoft calls its throughput figures an aggregate *benchmark*, measured over several
tunnels and not guaranteed ("due to Internet traffic conditions and your application
behaviors"): they are rough estimates, good for telling a possible rate from an impossible
one, never for promising a speed.

Where the generations differ (VpnGw2: 1 Gbps in Generation1, 1.25 Gbps in Generation2;
VpnGw3: 1.25 and 2.5 Gbps), the higher figure is kept: the bot does not read a gateway's
generation, and a ceiling must never call a real rate impossible. The AZ SKUs have the
figures of their non-AZ twins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

DOC_SKUS = "https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus#benchmark"


@dataclass(frozen=True)
class VpnSku:
    """One VPN gateway SKU as Microsoft's SKU table describes it."""

    name: str
    aggregate_mbps: int  # aggregate throughput benchmark, Mbit/s (highest across generations)
    s2s_tunnels: int  # S2S/VNet-to-VNet tunnels, at most
    p2s_ikev2_openvpn: int | None  # P2S IKEv2/OpenVPN connections, at most (None: not supported)
    p2s_sstp: int = 128  # P2S SSTP connections, at most
    az: bool = False  # an availability-zone SKU (…AZ)

    @property
    def aggregate_bps(self) -> float:
        return self.aggregate_mbps * 1_000_000.0


_TABLE = (
    VpnSku("Basic", 100, 10, None),
    VpnSku("VpnGw1", 650, 30, 250),
    VpnSku("VpnGw2", 1250, 30, 500),
    VpnSku("VpnGw3", 2500, 30, 1000),
    VpnSku("VpnGw4", 5000, 100, 5000),
    VpnSku("VpnGw5", 10000, 100, 10000),
)
SKUS: dict[str, VpnSku] = {s.name.lower(): s for s in _TABLE}
SKUS.update({f"{s.name.lower()}az": replace(s, name=f"{s.name}AZ", az=True) for s in _TABLE if s.name != "Basic"})
# The legacy SKUs ("Working with VPN Gateway legacy SKUs",
# https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-skus-legacy): Standard 100 Mbps
# and 10 tunnels, High Performance 200 Mbps and 30 tunnels; no IKEv2/OpenVPN point-to-site.
SKUS.update(
    {
        "standard": VpnSku("Standard", 100, 10, None),
        "highperformance": VpnSku("HighPerformance", 200, 30, None),
    }
)


def sku(name: str) -> VpnSku | None:
    """The SKU a gateway reports (`VpnGw2AZ`, any case), or None when it is not a VPN SKU
    in the table (an ExpressRoute SKU, a new one)."""
    return SKUS.get((name or "").strip().lower())


__all__ = ["DOC_SKUS", "SKUS", "VpnSku", "sku"]
