"""What `/vpn routes` reads, on top of the estate every command reads
(`commands.judgement.estate`): the gateways near the target in depth (their connections'
status, BGP peers), and the routes Azure computes on demand (learned routes of a gateway,
effective routes of a NIC: 5–60 s each, with progress meanwhile)."""

from __future__ import annotations

from collections.abc import Sequence

from commands.core.model import Gateway, rid_key
from commands.judgement.estate import Estate
from commands.judgement.gateways import is_vpn


def near_vnets(est: Estate, vnet_ids: Sequence[str]) -> set[str]:
    """The VNets whose gateways matter for `vnet_ids`: themselves and the VNets peered with them."""
    facts = est.index
    near = {rid_key(v) for v in vnet_ids if v}
    for v in list(near):
        near.update(facts.peer_keys(v))
    return near


def near_gateways(est: Estate, vnet_ids: Sequence[str]) -> list[Gateway]:
    """The VPN gateways in `vnet_ids` and the VNets peered with them."""
    near = near_vnets(est, vnet_ids)
    return [g for g in est.gateways if is_vpn(g) and rid_key(g.vnet_id) in near]


def used_gateways(est: Estate, vnet_id: str) -> list[Gateway]:
    """The VPN gateways whose routes a NIC in `vnet_id` gets: its VNet's own, or the hub's it
    uses through gateway transit."""
    facts = est.index
    own = facts.vpn_gateways_in(vnet_id)
    if own:
        return own
    v = facts.vnet_by_key.get(rid_key(vnet_id))
    hubs = [p.remote_vnet_id for p in (v.peerings if v else ()) if p.use_remote_gateways]
    return [g for h in hubs for g in facts.vpn_gateways_in(h)]
