"""Small estates for the topology findings and `/vpn diagnose` tests, invented here (not the seed).

Names, regions and address ranges differ from the sandbox seed on purpose, so the logic is
shown to follow the facts.
"""

from __future__ import annotations

from collections.abc import Iterable

from commands.core.estate import EstateIndex
from commands.core.model import Connection, Gateway, LocalNetworkGateway, Peering, VirtualNetwork, rid_key
from commands.core.reply import Finding

SUB = "sub-a"


def nid(kind: str, name: str, sub: str = SUB, rg: str = "rg-net") -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{name}"


def vid(name: str, sub: str = SUB) -> str:
    return nid("virtualNetworks", name, sub)


def peer(
    a: str, b: str, b_prefixes: tuple[str, ...] = (), sub: str = SUB, remote_sub: str = SUB, **flags: object
) -> Peering:
    fields: dict[str, object] = {"state": "Connected", "sync_level": "FullyInSync", "provisioning_state": "Succeeded"}
    fields.update(flags)
    return Peering(
        id=f"{vid(a, sub)}/virtualNetworkPeerings/{a}-to-{b}",
        name=f"{a}-to-{b}",
        vnet_id=vid(a, sub),
        remote_vnet_id=vid(b, remote_sub),
        remote_address_prefixes=b_prefixes,
        etag='W/"1"',
        **fields,  # type: ignore[arg-type]
    )


def vnet(name: str, location: str, *prefixes: str, peerings: Iterable[Peering] = (), sub: str = SUB) -> VirtualNetwork:
    return VirtualNetwork(vid(name, sub), name, location, tuple(prefixes), peerings=tuple(peerings))


def gw(
    name: str, vnet_name: str, location: str, pool: tuple[str, ...] = (), asn: int | None = None, sub: str = SUB
) -> Gateway:
    return Gateway(
        nid("virtualNetworkGateways", name, sub),
        name,
        location,
        vpn_type="RouteBased",
        sku="VpnGw2",
        enable_bgp=asn is not None,
        bgp_asn=asn,
        vnet_id=vid(vnet_name, sub),
        p2s_address_pool=pool,
        provisioning_state="Succeeded",
    )


def v2v(name: str, a: Gateway, b: Gateway, **kw: object) -> Connection:
    fields: dict[str, object] = {
        "status": "Connected",
        "connection_type": "Vnet2Vnet",
        "provisioning_state": "Succeeded",
    }
    fields.update(kw)
    sub = a.id.split("/")[2]
    return Connection(nid("connections", name, sub), name, a.location, gateway1_id=a.id, gateway2_id=b.id, **fields)  # type: ignore[arg-type]


def lng(name: str, location: str, *prefixes: str) -> LocalNetworkGateway:
    return LocalNetworkGateway(
        nid("localNetworkGateways", name), name, location, "203.0.113.7", address_prefixes=prefixes
    )


def s2s(name: str, g: Gateway, site: LocalNetworkGateway, **kw: object) -> Connection:
    fields: dict[str, object] = {
        "status": "Connected",
        "connection_type": "IPsec",
        "ingress_bytes": 10,
        "egress_bytes": 10,
    }
    fields.update(kw)
    return Connection(
        nid("connections", name), name, g.location, gateway1_id=g.id, local_network_gateway_id=site.id, **fields
    )  # type: ignore[arg-type]


# --- two estates used by the findings and diagnose tests -------------------------------------------------------


def two_regions_both_attempts() -> tuple[EstateIndex, dict[frozenset[str], str]]:
    """Amsterdam and Tokyo, each with a P2S gateway; gateway transit offered but unusable, and
    VNet-to-VNet with one-way counters, different keys and BGP on one connection only."""
    ams_gw = gw("gw-ams", "vn-ams", "westeurope", ("172.20.0.0/24",), asn=65001)
    tyo_gw = gw("gw-tyo", "vn-tyo", "japaneast", ("172.21.0.0/24",), asn=65002)
    ams = vnet(
        "vn-ams",
        "westeurope",
        "10.50.0.0/16",
        peerings=[peer("vn-ams", "vn-tyo", ("10.60.0.0/16",), allow_gateway_transit=True)],
    )
    tyo = vnet("vn-tyo", "japaneast", "10.60.0.0/16", peerings=[peer("vn-tyo", "vn-ams", ("10.50.0.0/16",))])
    out = v2v("ams-tyo", ams_gw, tyo_gw, egress_bytes=9_000_000, enable_bgp=True)
    back = v2v("tyo-ams", tyo_gw, ams_gw, ingress_bytes=8_000_000)
    facts = EstateIndex(vnets=(ams, tyo), gateways=(ams_gw, tyo_gw), connections=(out, back))
    return facts, {frozenset({rid_key(out.id), rid_key(back.id)}): "different"}


def far_spoke(spoke_location: str = "australiaeast") -> EstateIndex:
    """A hub in West Europe whose gateway a spoke elsewhere uses through gateway transit."""
    hub_gw = gw("gw-hub", "vn-hub", "westeurope", ("192.168.50.0/24",))
    hub = vnet(
        "vn-hub", "westeurope", "10.70.0.0/16", peerings=[peer("vn-hub", "vn-spoke", allow_gateway_transit=True)]
    )
    spoke = vnet(
        "vn-spoke", spoke_location, "10.71.0.0/16", peerings=[peer("vn-spoke", "vn-hub", use_remote_gateways=True)]
    )
    return EstateIndex(vnets=(hub, spoke), gateways=(hub_gw,))


def keys(findings: Iterable[Finding]) -> list[str]:
    return [f.key for f in findings]


def one(findings: Iterable[Finding], prefix: str) -> Finding:
    found = [f for f in findings if f.key.startswith(prefix)]
    assert len(found) == 1, f"expected one {prefix} finding in {keys(findings)}"
    return found[0]
