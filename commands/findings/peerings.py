"""Virtual network peerings as facts, and findings about their health.

Pure functions over the facts below (no I/O). `/vpn peering` shows `health()` for each
peering and `/vpn diagnose` composes it for any VNet; the pre-flight of a flag change
(`commands.peering.rules`) shares the words defined here.

Azure's rules behind the checks (https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview,
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit):
* `useRemoteGateways` needs: no gateway in the local VNet; a gateway in the remote VNet
  (else ARM answers `RemoteVnetHasNoGateways`); `allowGatewayTransit` on the remote
  VNet's peering back.
* A peering works only when both sides exist (`Connected`); `Initiated` means the other
  side is missing, `Disconnected` that it was deleted (the survivor must be recreated).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commands.core.model import Gateway, Peering, VirtualNetwork, name_of, rid_key
from commands.core.reply import Finding
from commands.core.text import Code, Rich, code, join, prose, rich
from commands.findings import dedup, ranked

DOC_PEERING = "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering"
DOC_TRANSIT = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit"
DOC_SYNC = "https://learn.microsoft.com/azure/virtual-network/update-virtual-network-peering-address-space"

# ARM flag name -> the short name people may type (`/vpn peering … gateway-transit on`).
SHORT_NAMES: dict[str, str] = {
    "allowGatewayTransit": "gateway-transit",
    "useRemoteGateways": "remote-gateways",
    "allowForwardedTraffic": "forwarded-traffic",
    "allowVirtualNetworkAccess": "vnet-access",
}
# Order in which flags are shown.
FLAG_ORDER: tuple[str, ...] = (
    "allowVirtualNetworkAccess",
    "allowForwardedTraffic",
    "allowGatewayTransit",
    "useRemoteGateways",
)


# --- facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VnetFacts:
    """A VNet with the gateways that sit in it (`gateways_known`: the list was readable)."""

    vnet: VirtualNetwork
    gateways: tuple[Gateway, ...] = ()
    gateways_known: bool = True


@dataclass(frozen=True)
class PeeringFacts:
    """One peering seen from `local`: the peering itself, and the other side when readable.

    `reverse` is the remote VNet's peering back to `local` (None when it has none, or when
    the remote VNet could not be read — then `remote` is None and `remote_error` says why).
    """

    local: VnetFacts
    peering: Peering
    remote: VnetFacts | None = None
    reverse: Peering | None = None
    remote_error: str = ""

    @property
    def remote_name(self) -> str:
        return self.remote.vnet.name if self.remote else name_of(self.peering.remote_vnet_id)

    def flipped(self) -> PeeringFacts | None:
        """The same peering seen from the other side (None when that side is unknown)."""
        if self.remote is None or self.reverse is None:
            return None
        return PeeringFacts(self.remote, self.reverse, self.local, self.peering)


def find_reverse(peering: Peering, remote_vnet: VirtualNetwork) -> Peering | None:
    """The remote VNet's peering that points back at `peering`'s VNet."""
    local = rid_key(peering.vnet_id)
    for p in remote_vnet.peerings:
        if rid_key(p.remote_vnet_id) == local:
            return p
    return None


def gateways_in(vnet_id: str, gateways: Iterable[Gateway]) -> tuple[Gateway, ...]:
    """The gateways whose ip configuration sits in `vnet_id`."""
    k = rid_key(vnet_id)
    return tuple(g for g in gateways if g.vnet_id and rid_key(g.vnet_id) == k)


def flag_label(flag: str) -> str:
    """`allowGatewayTransit (gateway-transit)`."""
    return f"{flag} ({SHORT_NAMES[flag]})" if flag in SHORT_NAMES else flag


def on_off(value: bool) -> str:
    """A flag's value as people say it."""
    return "on" if value else "off"


def gw_names(gws: Iterable[Gateway]) -> Rich:
    """`gw-a`, `gw-b`."""
    return join(", ", (code(g.name) for g in gws))


def prefixes(items: Iterable[str]) -> Rich:
    """`10.0.0.0/16`, `10.1.0.0/16` (or "its address space" when none is known)."""
    return join(", ", (code(p) for p in items)) or rich("its address space")


def change_code(vnet: str, peering: str, flag: str, value: bool) -> Code:
    """The `/vpn` line that asks for a change (shown in next steps)."""
    return code(f"/vpn peering {vnet}/{peering} {flag} {on_off(value)}")


def state_key(p: Peering) -> str:
    """The key of the finding `health` gives a peering that is not Connected ("" when it is)."""
    state = p.state or "Unknown"
    if state == "Initiated":
        return f"peering_half_configured:{rid_key(p.id)}"
    if state == "Disconnected":
        return f"peering_disconnected:{rid_key(p.id)}"
    if state != "Connected":
        return f"peering_not_connected:{rid_key(p.id)}"
    return ""


def pair_causes(there: Peering | None, back: Peering | None) -> tuple[str, ...]:
    """The keys of the findings that say why a peering pair does not work: a side that is
    not Connected, or the one side that exists when the other is missing."""
    out = [k for k in (state_key(p) for p in (there, back) if p is not None) if k]
    if not out and (there is None) != (back is None):
        only = there or back
        assert only is not None
        out.append(f"peering_half_configured:{rid_key(only.id)}")
    return tuple(out)


# --- health: what is wrong with a peering as it is -------------------------------------------


def health(f: PeeringFacts) -> list[Finding]:
    """Findings about one peering as configured, from both sides where readable."""
    out = _health_one(f)
    other = f.flipped()
    if other is not None:
        out += _health_one(other)
    return ranked(dedup(out))


def _health_one(f: PeeringFacts) -> list[Finding]:
    p, vnet = f.peering, f.local.vnet
    remote = f.remote_name
    out: list[Finding] = []
    state = p.state or "Unknown"
    if state == "Initiated":
        create = f"az network vnet peering create --vnet-name {remote} --remote-vnet <id of {vnet.name}> …"
        out.append(
            Finding(
                "warning",
                rich(
                    code(p.name),
                    " is only half configured: ",
                    code(remote),
                    " has no peering back to ",
                    code(vnet.name),
                ),
                evidence=rich(
                    "peeringState is ", code(state), ": a peering carries traffic only when both VNets have one."
                ),
                next_step=rich(
                    "Create the peering in ", code(remote), " towards ", code(vnet.name), " (", code(create), ")."
                ),
                doc_url=DOC_PEERING,
                key=f"peering_half_configured:{rid_key(p.id)}",
            )
        )
    elif state == "Disconnected":
        out.append(
            Finding(
                "critical",
                rich(code(p.name), " is Disconnected: the peering in ", code(remote), " was deleted"),
                evidence=rich(
                    "peeringState is ",
                    code(state),
                    "; no traffic flows between ",
                    code(vnet.name),
                    " and ",
                    code(remote),
                    ".",
                ),
                next_step=rich(
                    "A disconnected peering cannot be repaired: delete ", code(p.name), " and create both sides again."
                ),
                doc_url=DOC_PEERING,
                key=f"peering_disconnected:{rid_key(p.id)}",
            )
        )
    elif state != "Connected":
        out.append(
            Finding(
                "warning",
                rich(code(p.name), f" is {state}, not Connected"),
                evidence="Azure reports no usable peering state.",
                next_step=prose("Check the peering in the portal, then `/vpn peering` again."),
                key=f"peering_not_connected:{rid_key(p.id)}",
            )
        )
    elif f.remote is not None and f.reverse is None:
        out.append(
            Finding(
                "warning",
                rich(code(p.name), " says Connected but ", code(remote), " has no peering back to ", code(vnet.name)),
                evidence="The remote VNet lists no peering whose remote network is this VNet.",
                next_step=rich("Check the peerings of ", code(remote), ": it may have been deleted a moment ago."),
                key=f"peering_half_configured:{rid_key(p.id)}",
            )
        )
    if p.sync_level and p.sync_level != "FullyInSync":
        sync = f"az network vnet peering sync --vnet-name {vnet.name} --name {p.name} -g <rg>"
        out.append(
            Finding(
                "warning",
                rich(code(p.name), f" is out of sync ({p.sync_level})"),
                evidence="An address space changed since the peering was set up; the other side does not know the new prefixes.",
                next_step=rich("Sync the peering: ", code(sync), "."),
                doc_url=DOC_SYNC,
                key=f"peering_out_of_sync:{rid_key(p.id)}",
            )
        )
    if not p.allow_virtual_network_access:
        out.append(
            Finding(
                "warning",
                rich(
                    "Traffic from ",
                    code(vnet.name),
                    " to ",
                    code(remote),
                    " is blocked: vnet-access is off on ",
                    code(p.name),
                ),
                evidence="allowVirtualNetworkAccess is off, so the peer's address space is not reachable from this side.",
                next_step=rich(
                    change_code(vnet.name, p.name, "allowVirtualNetworkAccess", True), " if it should flow."
                ),
                doc_url=DOC_PEERING,
                key=f"peering_access_off:{rid_key(p.id)}",
            )
        )
    if p.use_remote_gateways:
        out += _uses_remote_gateways(f)
    if p.allow_gateway_transit and f.local.gateways_known and not f.local.gateways:
        out.append(
            Finding(
                "info",
                rich(code(p.name), " offers gateway transit but ", code(vnet.name), " has no gateway"),
                evidence="allowGatewayTransit is on; it has no effect until a gateway exists in this VNet.",
                key=f"peering_transit_without_gateway:{rid_key(p.id)}",
            )
        )
    return out


def _uses_remote_gateways(f: PeeringFacts) -> list[Finding]:
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    out: list[Finding] = []
    if f.local.gateways:
        out.append(
            Finding(
                "critical",
                rich(
                    code(p.name),
                    " uses remote gateways although ",
                    code(vnet.name),
                    " has its own (",
                    gw_names(f.local.gateways),
                    ")",
                ),
                evidence="Azure allows useRemoteGateways only in a VNet without a gateway.",
                next_step="Turn useRemoteGateways off, or remove the local gateway.",
                doc_url=DOC_TRANSIT,
                key=f"peering_remote_gw_with_local_gw:{rid_key(p.id)}",
            )
        )
    if f.remote is not None and f.remote.gateways_known and not f.remote.gateways:
        out.append(
            Finding(
                "critical",
                rich(code(p.name), " uses remote gateways but ", code(remote), " has none"),
                evidence="RemoteVnetHasNoGateways: the gateway was removed after the peering was set up.",
                next_step=rich(
                    change_code(vnet.name, p.name, "useRemoteGateways", False), ", or recreate the gateway."
                ),
                doc_url=DOC_TRANSIT,
                key=f"peering_remote_gw_missing:{rid_key(p.id)}",
            )
        )
    if f.reverse is not None and not f.reverse.allow_gateway_transit:
        out.append(
            Finding(
                "warning",
                rich(
                    code(p.name),
                    " asks for remote gateways but ",
                    code(f.reverse.name),
                    " in ",
                    code(remote),
                    " does not allow gateway transit",
                ),
                evidence="useRemoteGateways takes effect only with allowGatewayTransit on the other side.",
                next_step=rich(change_code(remote, f.reverse.name, "allowGatewayTransit", True), "."),
                doc_url=DOC_TRANSIT,
                key=f"peering_transit_not_offered:{rid_key(p.id)}",
            )
        )
    elif f.remote is not None and f.remote.gateways and not f.local.gateways and _both_connected(f):
        # Only a peering Connected on both sides carries anything: a Disconnected or
        # Initiated one uses no gateway, whatever its flags say.
        hub = f.remote.gateways[0]
        far = f.remote.vnet.location and vnet.location and f.remote.vnet.location != vnet.location
        evidence = rich(
            code(vnet.name),
            " has no gateway: its on-premises and VPN traffic goes through ",
            code(hub.name),
            f" in {f.remote.vnet.location}" if f.remote.vnet.location else None,
            ". VPN clients reach both VNets only by connecting to that one gateway",
            f", so clients near {vnet.location} cross regions twice." if far else ".",
        )
        out.append(
            Finding(
                "info",
                rich(
                    code(vnet.name), " uses ", code(remote), "'s gateway (gateway transit through ", code(p.name), ")"
                ),
                evidence=evidence,
                next_step=alternatives_text(),
                doc_url=DOC_TRANSIT,
                key=f"peering_transit_in_use:{rid_key(p.id)}",
            )
        )
    return out


def _both_connected(f: PeeringFacts) -> bool:
    return (f.peering.state or "") == "Connected" and f.reverse is not None and (f.reverse.state or "") == "Connected"


def alternatives_text() -> str:
    """The designs that give each region's VPN clients a gateway nearby."""
    return (
        "To let each region's VPN clients use a nearby gateway instead: keep a gateway in each VNet and join them "
        "with VNet-to-VNet connections (one per direction, same shared key); or accept one hub gateway for everyone "
        "(hub-and-spoke); or use Azure Virtual WAN with a hub per region (any-to-any, point-to-site in each hub)."
    )
