"""Findings about virtual network peerings: their health, and whether a flag change is safe.

Pure functions over the facts below (no I/O). `/vpn peering` shows `health()` for each
peering and runs `preflight()` before filing a change request; `/vpn diagnose` may compose
`health()` for any VNet. A `critical` preflight finding means Azure would refuse the
change or it would break something: the plan is refused and nothing is filed.

Azure's rules behind the checks (https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview,
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit):
* `useRemoteGateways` needs: no gateway in the local VNet; a gateway in the remote VNet
  (else ARM answers `RemoteVnetHasNoGateways`); `allowGatewayTransit` on the remote
  VNet's peering back; and no other peering of the local VNet using remote gateways.
* A peering works only when both sides exist (`Connected`); `Initiated` means the other
  side is missing, `Disconnected` that it was deleted (the survivor must be recreated).
* Routes learned through gateway transit reach point-to-site clients only after they
  download the VPN client profile again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commands.core.model import PEERING_FLAGS, Gateway, Peering, VirtualNetwork, name_of, rid_key
from commands.core.reply import Finding, code, esc, literal
from commands.findings import dedup, ranked

DOC_PEERING = "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering"
DOC_TRANSIT = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit"
DOC_V2V = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal"
DOC_VWAN = "https://learn.microsoft.com/azure/virtual-wan/virtual-wan-about"
DOC_P2S_PROFILE = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing"
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
# Flags whose change alters the routes a gateway learns or advertises (gateway transit).
TRANSIT_FLAGS = frozenset({"allowGatewayTransit", "useRemoteGateways"})


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


def flags_of(p: Peering) -> dict[str, bool]:
    return {f: p.flag(f) for f in FLAG_ORDER}


def flag_label(flag: str) -> str:
    """`allowGatewayTransit (gateway-transit)`."""
    return f"{flag} ({SHORT_NAMES[flag]})" if flag in SHORT_NAMES else flag


def on_off(value: bool) -> str:
    return "on" if value else "off"


def _gw_names(gws: Iterable[Gateway]) -> str:
    return ", ".join(code(g.name) for g in gws)


def _prefixes(prefixes: Iterable[str]) -> str:
    return ", ".join(code(p) for p in prefixes) or "its address space"


def change_command(vnet: str, peering: str, flag: str, value: bool) -> str:
    """The `/vpn` line that asks for a change (shown in next steps)."""
    return f"`/vpn peering {literal(vnet)}/{literal(peering)} {flag} {on_off(value)}`"


def _pair_key(a: Peering, b: Peering | None) -> str:
    keys = sorted([rid_key(a.id), rid_key(b.id) if b else rid_key(a.remote_vnet_id)])
    return "|".join(keys)


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
        out.append(
            Finding(
                "warning",
                f"{code(p.name)} is only half configured: {code(remote)} has no peering back to {code(vnet.name)}",
                evidence=f"peeringState is {code(state)}: a peering carries traffic only when both VNets have one.",
                next_step=f"Create the peering in {code(remote)} towards {code(vnet.name)} "
                f"(`az network vnet peering create --vnet-name {literal(remote)} --remote-vnet {literal('<id of ' + vnet.name + '>')} …`).",
                doc_url=DOC_PEERING,
                key=f"peering_half_configured:{rid_key(p.id)}",
            )
        )
    elif state == "Disconnected":
        out.append(
            Finding(
                "critical",
                f"{code(p.name)} is Disconnected: the peering in {code(remote)} was deleted",
                evidence=f"peeringState is {code(state)}; no traffic flows between {code(vnet.name)} and {code(remote)}.",
                next_step=f"A disconnected peering cannot be repaired: delete {code(p.name)} and create both sides again.",
                doc_url=DOC_PEERING,
                key=f"peering_disconnected:{rid_key(p.id)}",
            )
        )
    elif state != "Connected":
        out.append(
            Finding(
                "warning",
                f"{code(p.name)} is {esc(state)}, not Connected",
                evidence="Azure reports no usable peering state.",
                next_step="Check the peering in the portal, then `/vpn peering` again.",
                key=f"peering_not_connected:{rid_key(p.id)}",
            )
        )
    elif f.remote is not None and f.reverse is None:
        out.append(
            Finding(
                "warning",
                f"{code(p.name)} says Connected but {code(remote)} has no peering back to {code(vnet.name)}",
                evidence="The remote VNet lists no peering whose remote network is this VNet.",
                next_step=f"Check the peerings of {code(remote)}: it may have been deleted a moment ago.",
                key=f"peering_half_configured:{rid_key(p.id)}",
            )
        )
    if p.sync_level and p.sync_level != "FullyInSync":
        out.append(
            Finding(
                "warning",
                f"{code(p.name)} is out of sync ({esc(p.sync_level)})",
                evidence="An address space changed since the peering was set up; the other side does not know the new prefixes.",
                next_step=f"Sync the peering: `az network vnet peering sync --vnet-name {literal(vnet.name)} --name {literal(p.name)} -g {literal('<rg>')}`.",
                doc_url=DOC_SYNC,
                key=f"peering_out_of_sync:{rid_key(p.id)}",
            )
        )
    if not p.allow_virtual_network_access:
        out.append(
            Finding(
                "warning",
                f"Traffic from {code(vnet.name)} to {code(remote)} is blocked: vnet-access is off on {code(p.name)}",
                evidence="allowVirtualNetworkAccess is off, so the peer's address space is not reachable from this side.",
                next_step=change_command(vnet.name, p.name, "allowVirtualNetworkAccess", True) + " if it should flow.",
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
                f"{code(p.name)} offers gateway transit but {code(vnet.name)} has no gateway",
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
                f"{code(p.name)} uses remote gateways although {code(vnet.name)} has its own ({_gw_names(f.local.gateways)})",
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
                f"{code(p.name)} uses remote gateways but {code(remote)} has none",
                evidence="RemoteVnetHasNoGateways: the gateway was removed after the peering was set up.",
                next_step=change_command(vnet.name, p.name, "useRemoteGateways", False) + ", or recreate the gateway.",
                doc_url=DOC_TRANSIT,
                key=f"peering_remote_gw_missing:{rid_key(p.id)}",
            )
        )
    if f.reverse is not None and not f.reverse.allow_gateway_transit:
        out.append(
            Finding(
                "warning",
                f"{code(p.name)} asks for remote gateways but {code(f.reverse.name)} in {code(remote)} does not allow gateway transit",
                evidence="useRemoteGateways takes effect only with allowGatewayTransit on the other side.",
                next_step=change_command(remote, f.reverse.name, "allowGatewayTransit", True) + ".",
                doc_url=DOC_TRANSIT,
                key=f"peering_transit_not_offered:{rid_key(p.id)}",
            )
        )
    elif f.remote is not None and f.remote.gateways and not f.local.gateways:
        hub = f.remote.gateways[0]
        far = f.remote.vnet.location and vnet.location and f.remote.vnet.location != vnet.location
        evidence = (
            f"{code(vnet.name)} has no gateway: its on-premises and VPN traffic goes through {code(hub.name)}"
            + (f" in {esc(f.remote.vnet.location)}" if f.remote.vnet.location else "")
            + ". VPN clients reach both VNets only by connecting to that one gateway"
            + (", so clients near " + esc(vnet.location) + " cross regions twice." if far else ".")
        )
        out.append(
            Finding(
                "info",
                f"{code(vnet.name)} uses {code(remote)}'s gateway (gateway transit through {code(p.name)})",
                evidence=evidence,
                next_step=alternatives_text(),
                doc_url=DOC_TRANSIT,
                key=f"peering_transit_in_use:{rid_key(p.id)}",
            )
        )
    return out


def alternatives_text() -> str:
    return (
        "To let each region's VPN clients use a nearby gateway instead: keep a gateway in each VNet and join them "
        "with VNet-to-VNet connections (one per direction, same shared key); or accept one hub gateway for everyone "
        "(hub-and-spoke); or use Azure Virtual WAN with a hub per region (any-to-any, point-to-site in each hub)."
    )


# --- preflight: is this change safe, and what will it do? -------------------------------------


def preflight(f: PeeringFacts, flag: str, value: bool, others: Iterable[Peering] = ()) -> list[Finding]:
    """Check a change of `flag` to `value` on `f.peering` before anyone is asked.

    `others` are the local VNet's other peerings (default: from `f.local.vnet`).
    Critical findings block the change; warnings and info go into the plan.
    """
    if flag not in PEERING_FLAGS:
        raise ValueError(f"not a peering flag: {flag!r}")
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    siblings = [o for o in (others or vnet.peerings) if rid_key(o.id) != rid_key(p.id)]
    out: list[Finding] = []
    if p.flag(flag) == value:
        out.append(
            Finding(
                "critical",
                f"Nothing to change: {flag} is already {on_off(value)} for {code(vnet.name + '/' + p.name)}",
                evidence=f"{code(vnet.name)}/{code(p.name)} has {flag} = {on_off(value)} right now.",
                key=f"preflight_noop:{rid_key(p.id)}:{flag}",
            )
        )
        return out
    state = p.state or "Unknown"
    if state != "Connected":
        why = {
            "Initiated": f"{code(remote)} has no peering back to {code(vnet.name)}; create it first.",
            "Disconnected": f"the peering in {code(remote)} was deleted; delete {code(p.name)} and create both sides again.",
        }.get(state, "Azure reports no usable peering state.")
        out.append(
            Finding(
                "critical",
                f"{code(p.name)} is {esc(state)}, not Connected: changing its flags would not make it work",
                evidence=why,
                doc_url=DOC_PEERING,
                key=f"preflight_not_connected:{rid_key(p.id)}",
            )
        )
    if p.provisioning_state in ("Updating", "Deleting"):
        out.append(
            Finding(
                "critical",
                f"{code(p.name)} is being changed right now (provisioningState {esc(p.provisioning_state)})",
                evidence="Azure refuses a second write while one is in progress.",
                next_step="Wait a minute and ask again.",
                key=f"preflight_busy:{rid_key(p.id)}",
            )
        )
    if f.remote is None:
        out.append(
            Finding(
                "warning",
                f"Could not read the other side ({code(remote)}): its rules were not checked",
                evidence=esc(f.remote_error) if f.remote_error else "The remote VNet could not be read.",
                next_step="Azure still enforces its rules when the change is applied; a refusal will be reported in the thread.",
                key=f"preflight_remote_unknown:{rid_key(p.id)}",
            )
        )
    if flag == "useRemoteGateways":
        out += _preflight_remote_gateways(f, value, siblings)
    elif flag == "allowGatewayTransit":
        out += _preflight_gateway_transit(f, value)
    elif flag == "allowVirtualNetworkAccess":
        if not value:
            out.append(
                Finding(
                    "warning",
                    f"Traffic from {code(vnet.name)} to {code(remote)} will stop",
                    evidence=f"With vnet-access off, {code(vnet.name)} can no longer reach {_prefixes(p.remote_address_prefixes)}.",
                    key=f"preflight_access_off:{rid_key(p.id)}",
                )
            )
        else:
            out.append(
                Finding(
                    "info",
                    f"{code(vnet.name)} will reach {code(remote)} again",
                    evidence=f"Address space {_prefixes(p.remote_address_prefixes)} becomes reachable (NSGs permitting).",
                    key=f"preflight_access_on:{rid_key(p.id)}",
                )
            )
    elif flag == "allowForwardedTraffic":
        out.append(
            Finding(
                "info" if value else "warning",
                f"Traffic forwarded from {code(remote)} into {code(vnet.name)} will be "
                + ("accepted" if value else "dropped"),
                evidence="allowForwardedTraffic concerns packets that did not originate in the peer VNet "
                "(sent on by an NVA or gateway there); traffic from the peer's own address space is unaffected.",
                key=f"preflight_forwarded:{rid_key(p.id)}",
            )
        )
    out += [_profile_finding(g, flag) for g in p2s_affected(f, flag)]
    return ranked(dedup(out))


def _preflight_remote_gateways(f: PeeringFacts, value: bool, siblings: list[Peering]) -> list[Finding]:
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    out: list[Finding] = []
    if not value:
        hub = _gw_names(f.remote.gateways) if f.remote and f.remote.gateways else f"the gateway in {code(remote)}"
        out.append(
            Finding(
                "warning",
                f"{code(vnet.name)} will stop using {hub}",
                evidence=f"Its on-premises and VPN routes through {hub} disappear; VPN clients of {hub} lose the route "
                f"to {_prefixes(vnet.address_prefixes)} (after they download the profile again).",
                key=f"preflight_remote_gw_off:{rid_key(p.id)}",
            )
        )
        return out
    if f.local.gateways:
        gws = f.local.gateways
        p2s = [g for g in gws if g.serves_p2s]
        loses = f"{code(vnet.name)}'s gateway {_gw_names(gws)} would have to be deleted first"
        if p2s:
            pools = ", ".join(code(x) for g in p2s for x in g.p2s_address_pool)
            loses += f", and its VPN clients (pool {pools}) would then have to connect to {code(remote)}'s gateway"
            if f.remote and f.remote.vnet.location and f.remote.vnet.location != vnet.location:
                loses += f" in {esc(f.remote.vnet.location)} — the long way round for users near {esc(vnet.location)}"
        out.append(
            Finding(
                "critical",
                f"{code(vnet.name)} has its own gateway ({_gw_names(gws)}), so it cannot use {code(remote)}'s",
                evidence=f"Azure allows useRemoteGateways only in a VNet without a gateway: {loses}.",
                next_step=alternatives_text(),
                doc_url=DOC_TRANSIT,
                key=f"preflight_local_gateway:{rid_key(p.id)}",
            )
        )
    if f.remote is not None and f.remote.gateways_known and not f.remote.gateways:
        out.append(
            Finding(
                "critical",
                f"{code(remote)} has no gateway to use (RemoteVnetHasNoGateways)",
                evidence="Azure refuses useRemoteGateways when the remote VNet has no virtual network gateway.",
                next_step=f"Create a VPN or ExpressRoute gateway in {code(remote)} first, or keep this flag off.",
                doc_url=DOC_TRANSIT,
                key=f"preflight_remote_no_gateway:{rid_key(p.id)}",
            )
        )
    if f.reverse is not None and not f.reverse.allow_gateway_transit:
        out.append(
            Finding(
                "critical",
                f"{code(remote)}'s peering {code(f.reverse.name)} does not allow gateway transit",
                evidence="useRemoteGateways needs allowGatewayTransit on the other side's peering; Azure refuses it otherwise.",
                next_step="Ask for that first: "
                + change_command(remote, f.reverse.name, "allowGatewayTransit", True)
                + ".",
                doc_url=DOC_TRANSIT,
                key=f"preflight_transit_not_offered:{rid_key(p.id)}",
            )
        )
    users = [o for o in siblings if o.use_remote_gateways]
    if users:
        out.append(
            Finding(
                "critical",
                f"{code(vnet.name)} already uses remote gateways through {', '.join(code(o.name) for o in users)}",
                evidence="Only one peering of a VNet can have useRemoteGateways on.",
                next_step=change_command(vnet.name, users[0].name, "useRemoteGateways", False)
                + " first, if this one should replace it.",
                doc_url=DOC_TRANSIT,
                key=f"preflight_other_remote_gw:{rid_key(p.id)}",
            )
        )
    if not out and f.remote is not None and f.remote.gateways:
        hub = _gw_names(f.remote.gateways)
        out.append(
            Finding(
                "info",
                f"{code(vnet.name)} will use {hub} for on-premises and VPN traffic",
                evidence=f"{hub} will advertise {_prefixes(vnet.address_prefixes)} to its connections and VPN clients.",
                next_step=alternatives_text(),
                doc_url=DOC_TRANSIT,
                key=f"preflight_remote_gw_on:{rid_key(p.id)}",
            )
        )
    return out


def _preflight_gateway_transit(f: PeeringFacts, value: bool) -> list[Finding]:
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    out: list[Finding] = []
    if value:
        if f.local.gateways_known and not f.local.gateways:
            out.append(
                Finding(
                    "warning",
                    f"{code(vnet.name)} has no gateway: offering gateway transit will have no effect yet",
                    evidence="allowGatewayTransit lets the peer use this VNet's gateway; there is none.",
                    key=f"preflight_transit_no_gateway:{rid_key(p.id)}",
                )
            )
        else:
            out.append(
                Finding(
                    "info",
                    f"{code(remote)} may then use {_gw_names(f.local.gateways) or 'this gateway'}",
                    evidence=f"It takes effect when {code(remote)}'s peering back turns useRemoteGateways on "
                    f"(possible only while {code(remote)} has no gateway of its own).",
                    doc_url=DOC_TRANSIT,
                    key=f"preflight_transit_on:{rid_key(p.id)}",
                )
            )
        return out
    if f.reverse is not None and f.reverse.use_remote_gateways:
        out.append(
            Finding(
                "critical",
                f"{code(remote)} uses this gateway through {code(f.reverse.name)}",
                evidence=f"Turning gateway transit off would cut {code(remote)} off from on-premises and VPN clients.",
                next_step="Turn that off first: "
                + change_command(remote, f.reverse.name, "useRemoteGateways", False)
                + ".",
                doc_url=DOC_TRANSIT,
                key=f"preflight_transit_in_use:{rid_key(p.id)}",
            )
        )
    return out


def p2s_affected(f: PeeringFacts, flag: str) -> list[Gateway]:
    """Point-to-site gateways whose clients get new routes when `flag` changes."""
    if flag not in TRANSIT_FLAGS:
        return []
    gws = list(f.local.gateways) + (list(f.remote.gateways) if f.remote else [])
    seen: set[str] = set()
    out = []
    for g in gws:
        if g.serves_p2s and rid_key(g.id) not in seen:
            seen.add(rid_key(g.id))
            out.append(g)
    return out


def _profile_finding(g: Gateway, flag: str) -> Finding:
    return Finding(
        "info",
        f"VPN clients of {code(g.name)} must download the VPN client profile again",
        evidence=f"Changing {flag} changes the routes {code(g.name)} gives point-to-site clients; "
        "a client only learns them from a freshly downloaded profile.",
        next_step="Tell the users of that gateway to re-download and re-import the profile after the change.",
        doc_url=DOC_P2S_PROFILE,
        key=f"p2s_profile:{rid_key(g.id)}",
    )


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that refuse a plan."""
    return [x for x in findings if x.severity == "critical"]
