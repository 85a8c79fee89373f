"""The rules a change must pass: Azure's, checked before anyone is asked, and ours.

`preflight()` checks a change of one flag against what Azure allows and says what it will
do; a `critical` finding means Azure would refuse the change or it would break something:
the plan is refused and nothing is filed (`blocking()`). Azure's rules behind the checks
(https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview,
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit):
* `useRemoteGateways` needs: no gateway in the local VNet; a gateway in the remote VNet
  (else ARM answers `RemoteVnetHasNoGateways`); `allowGatewayTransit` on the remote
  VNet's peering back; and no other peering of the local VNet using remote gateways.
* Changing a flag does not make a peering that is not `Connected` work.
* A change that would have no effect is refused, not filed: gateway transit offered by a
  VNet that has no gateway gives nothing to use.
* A transit change alters the routes a point-to-site gateway hands its clients only when
  transit takes effect or stops (the other side's flag is set, both sides Connected, the
  gateway serves P2S). Then Windows clients that use the native VPN client (IKEv2/SSTP,
  from the VPN client configuration package) must download and install the package again
  (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing);
  the Azure VPN Client (OpenVPN) gets routes when it connects — a peering changes nothing
  in its profile (Microsoft's correction, https://github.com/MicrosoftDocs/azure-docs/pull/123039):
  its users reconnect.

Ours: the requester never approves their own request; approvers are `VPNOPS_APPROVERS`
plus the members of the Slack user group `VPNOPS_APPROVER_GROUP`.
"""

from __future__ import annotations

from collections.abc import Iterable

from commands.core.model import PEERING_FLAGS, Gateway, Peering, rid_key
from commands.core.policy import KINDS, policy_of
from commands.core.registry import Ctx
from commands.core.reply import Finding
from commands.core.text import Rich, code, join, link, rich, user
from commands.findings import dedup, ranked
from commands.findings.peerings import (
    DOC_PEERING,
    DOC_TRANSIT,
    PeeringFacts,
    alternatives_text,
    change_code,
    gw_names,
    on_off,
    prefixes,
)

DOC_P2S_PROFILE = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing"
# The doc author's correction: peering has no effect on the VPN client profile package.
DOC_PROFILE_CORRECTION = "https://github.com/MicrosoftDocs/azure-docs/pull/123039"
# The P2S tunnel types a Windows native client uses (configured from the package).
_NATIVE_WINDOWS = frozenset({"ikev2", "sstp"})
# Flags whose change alters the routes a gateway learns or advertises (gateway transit).
TRANSIT_FLAGS = frozenset({"allowGatewayTransit", "useRemoteGateways"})


def preflight(f: PeeringFacts, flag: str, value: bool, others: Iterable[Peering] = ()) -> list[Finding]:
    """Check a change of `flag` to `value` on `f.peering` before anyone is asked.

    `others` are the local VNet's other peerings (default: from `f.local.vnet`).
    Critical findings block the change; warnings and info go into the plan.
    """
    if flag not in PEERING_FLAGS:
        raise ValueError(f"not a peering flag: {flag!r}")
    p, vnet = f.peering, f.local.vnet
    siblings = [o for o in (others or vnet.peerings) if rid_key(o.id) != rid_key(p.id)]
    if p.flag(flag) == value:
        return [
            Finding(
                "critical",
                rich(f"Nothing to change: {flag} is already {on_off(value)} for ", code(vnet.name + "/" + p.name)),
                evidence=rich(code(vnet.name), "/", code(p.name), f" has {flag} = {on_off(value)} right now."),
                key=f"preflight_noop:{rid_key(p.id)}:{flag}",
            )
        ]
    out = _preflight_peering(f)
    if flag == "useRemoteGateways":
        out += _preflight_remote_gateways(f, value, siblings)
    elif flag == "allowGatewayTransit":
        out += _preflight_gateway_transit(f, value)
    elif flag == "allowVirtualNetworkAccess":
        out.append(_preflight_access(f, value))
    elif flag == "allowForwardedTraffic":
        out.append(_preflight_forwarded(f, value))
    out += [_profile_finding(g, flag) for g in p2s_affected(f, flag)]
    return ranked(dedup(out))


def _transit_works(f: PeeringFacts) -> bool:
    """Both sides of the peering exist and are Connected: only then do its flags act."""
    return (
        f.peering.state == "Connected"
        and f.remote is not None
        and f.reverse is not None
        and f.reverse.state == "Connected"
    )


def _preflight_peering(f: PeeringFacts) -> list[Finding]:
    """Whatever the flag: the peering must work, be still, and its other side be known."""
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    out: list[Finding] = []
    state = p.state or "Unknown"
    if state != "Connected":
        why = {
            "Initiated": rich(code(remote), " has no peering back to ", code(vnet.name), "; create it first."),
            "Disconnected": rich(
                "the peering in ", code(remote), " was deleted; delete ", code(p.name), " and create both sides again."
            ),
        }.get(state, rich("Azure reports no usable peering state."))
        out.append(
            Finding(
                "critical",
                rich(code(p.name), f" is {state}, not Connected: changing its flags would not make it work"),
                evidence=why,
                doc_url=DOC_PEERING,
                key=f"preflight_not_connected:{rid_key(p.id)}",
            )
        )
    if p.provisioning_state in ("Updating", "Deleting"):
        out.append(
            Finding(
                "critical",
                rich(code(p.name), f" is being changed right now (provisioningState {p.provisioning_state})"),
                evidence="Azure refuses a second write while one is in progress.",
                next_step="Wait a minute and ask again.",
                key=f"preflight_busy:{rid_key(p.id)}",
            )
        )
    if f.remote is None:
        out.append(
            Finding(
                "warning",
                rich("Could not read the other side (", code(remote), "): its rules were not checked"),
                evidence=rich(f.remote_error) if f.remote_error else "The remote VNet could not be read.",
                next_step="Azure still enforces its rules when the change is applied; a refusal will be reported in the thread.",
                key=f"preflight_remote_unknown:{rid_key(p.id)}",
            )
        )
    return out


def _preflight_access(f: PeeringFacts, value: bool) -> Finding:
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    if not value:
        return Finding(
            "warning",
            rich("Traffic from ", code(vnet.name), " to ", code(remote), " will stop"),
            evidence=rich(
                "With vnet-access off, ",
                code(vnet.name),
                " can no longer reach ",
                prefixes(p.remote_address_prefixes),
                ".",
            ),
            key=f"preflight_access_off:{rid_key(p.id)}",
        )
    return Finding(
        "info",
        rich(code(vnet.name), " will reach ", code(remote), " again"),
        evidence=rich("Address space ", prefixes(p.remote_address_prefixes), " becomes reachable (NSGs permitting)."),
        key=f"preflight_access_on:{rid_key(p.id)}",
    )


def _preflight_forwarded(f: PeeringFacts, value: bool) -> Finding:
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    return Finding(
        "info" if value else "warning",
        rich(
            "Traffic forwarded from ",
            code(remote),
            " into ",
            code(vnet.name),
            " will be " + ("accepted" if value else "dropped"),
        ),
        evidence="allowForwardedTraffic concerns packets that did not originate in the peer VNet "
        "(sent on by an NVA or gateway there); traffic from the peer's own address space is unaffected.",
        key=f"preflight_forwarded:{rid_key(p.id)}",
    )


def _preflight_remote_gateways(f: PeeringFacts, value: bool, siblings: list[Peering]) -> list[Finding]:
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    if not value:
        hub = gw_names(f.remote.gateways) if f.remote and f.remote.gateways else rich("the gateway in ", code(remote))
        return [
            Finding(
                "warning",
                rich(code(vnet.name), " will stop using ", hub),
                evidence=rich(
                    "Its on-premises and VPN routes through ",
                    hub,
                    " disappear; VPN clients of ",
                    hub,
                    " lose the route to ",
                    prefixes(vnet.address_prefixes),
                    " (after they download the profile again).",
                ),
                key=f"preflight_remote_gw_off:{rid_key(p.id)}",
            )
        ]
    out: list[Finding] = []
    if f.local.gateways:
        out.append(_own_gateway(f))
    if f.remote is not None and f.remote.gateways_known and not f.remote.gateways:
        out.append(
            Finding(
                "critical",
                rich(code(remote), " has no gateway to use (RemoteVnetHasNoGateways)"),
                evidence="Azure refuses useRemoteGateways when the remote VNet has no virtual network gateway.",
                next_step=rich(
                    "Create a VPN or ExpressRoute gateway in ", code(remote), " first, or keep this flag off."
                ),
                doc_url=DOC_TRANSIT,
                key=f"preflight_remote_no_gateway:{rid_key(p.id)}",
            )
        )
    if f.reverse is not None and not f.reverse.allow_gateway_transit:
        out.append(
            Finding(
                "critical",
                rich(code(remote), "'s peering ", code(f.reverse.name), " does not allow gateway transit"),
                evidence="useRemoteGateways needs allowGatewayTransit on the other side's peering; Azure refuses it otherwise.",
                next_step=rich(
                    "Ask for that first: ", change_code(remote, f.reverse.name, "allowGatewayTransit", True), "."
                ),
                doc_url=DOC_TRANSIT,
                key=f"preflight_transit_not_offered:{rid_key(p.id)}",
            )
        )
    users = [o for o in siblings if o.use_remote_gateways]
    if users:
        out.append(
            Finding(
                "critical",
                rich(
                    code(vnet.name), " already uses remote gateways through ", join(", ", (code(o.name) for o in users))
                ),
                evidence="Only one peering of a VNet can have useRemoteGateways on.",
                next_step=rich(
                    change_code(vnet.name, users[0].name, "useRemoteGateways", False),
                    " first, if this one should replace it.",
                ),
                doc_url=DOC_TRANSIT,
                key=f"preflight_other_remote_gw:{rid_key(p.id)}",
            )
        )
    if not out and f.remote is not None and f.remote.gateways:
        hub = gw_names(f.remote.gateways)
        out.append(
            Finding(
                "info",
                rich(code(vnet.name), " will use ", hub, " for on-premises and VPN traffic"),
                evidence=rich(
                    hub, " will advertise ", prefixes(vnet.address_prefixes), " to its connections and VPN clients."
                ),
                next_step=alternatives_text(),
                doc_url=DOC_TRANSIT,
                key=f"preflight_remote_gw_on:{rid_key(p.id)}",
            )
        )
    return out


def _own_gateway(f: PeeringFacts) -> Finding:
    """useRemoteGateways in a VNet that has a gateway: what would have to go, and who would lose it."""
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    gws = f.local.gateways
    p2s = [g for g in gws if g.serves_p2s]
    loses = rich(code(vnet.name), "'s gateway ", gw_names(gws), " would have to be deleted first")
    if p2s:
        pools = join(", ", (code(x) for g in p2s for x in g.p2s_address_pool))
        loses += rich(
            ", and its VPN clients (pool ", pools, ") would then have to connect to ", code(remote), "'s gateway"
        )
        if f.remote and f.remote.vnet.location and f.remote.vnet.location != vnet.location:
            loses += f" in {f.remote.vnet.location} — the long way round for users near {vnet.location}"
    return Finding(
        "critical",
        rich(code(vnet.name), " has its own gateway (", gw_names(gws), "), so it cannot use ", code(remote), "'s"),
        evidence=rich("Azure allows useRemoteGateways only in a VNet without a gateway: ", loses, "."),
        next_step=alternatives_text(),
        doc_url=DOC_TRANSIT,
        key=f"preflight_local_gateway:{rid_key(p.id)}",
    )


def _preflight_gateway_transit(f: PeeringFacts, value: bool) -> list[Finding]:
    p, vnet, remote = f.peering, f.local.vnet, f.remote_name
    if value:
        if f.local.gateways_known and not f.local.gateways:
            return [
                Finding(
                    "critical",
                    rich(
                        "Nothing to change: ",
                        code(vnet.name),
                        " has no gateway, so offering gateway transit would have no effect",
                    ),
                    evidence=rich(
                        "allowGatewayTransit lets ",
                        code(remote),
                        " use a gateway in ",
                        code(vnet.name),
                        "; there is none, so nothing would change and nothing is filed.",
                    ),
                    next_step=rich(
                        "Create the VPN (or ExpressRoute) gateway in ",
                        code(vnet.name),
                        " first, then ask again: ",
                        change_code(vnet.name, p.name, "allowGatewayTransit", True),
                        ".",
                    ),
                    doc_url=DOC_TRANSIT,
                    key=f"preflight_transit_no_gateway:{rid_key(p.id)}",
                )
            ]
        return [
            Finding(
                "info",
                rich(code(remote), " may then use ", gw_names(f.local.gateways) or "this gateway"),
                evidence=rich(
                    "It takes effect when ",
                    code(remote),
                    "'s peering back turns useRemoteGateways on (possible only while ",
                    code(remote),
                    " has no gateway of its own).",
                ),
                doc_url=DOC_TRANSIT,
                key=f"preflight_transit_on:{rid_key(p.id)}",
            )
        ]
    if f.reverse is not None and f.reverse.use_remote_gateways:
        return [
            Finding(
                "critical",
                rich(code(remote), " uses this gateway through ", code(f.reverse.name)),
                evidence=rich(
                    "Turning gateway transit off would cut ", code(remote), " off from on-premises and VPN clients."
                ),
                next_step=rich(
                    "Turn that off first: ", change_code(remote, f.reverse.name, "useRemoteGateways", False), "."
                ),
                doc_url=DOC_TRANSIT,
                key=f"preflight_transit_in_use:{rid_key(p.id)}",
            )
        ]
    return []


def p2s_affected(f: PeeringFacts, flag: str) -> list[Gateway]:
    """Point-to-site gateways whose clients get other routes when `flag` changes: only when
    gateway transit takes effect or stops, which needs the other side's flag and both sides
    Connected. allowGatewayTransit on the hub's side changes what the hub's gateways hand
    out (the spoke's address space); useRemoteGateways on the spoke's side, what the remote
    hub's gateways hand out."""
    if flag not in TRANSIT_FLAGS or not _transit_works(f):
        return []
    assert f.remote is not None and f.reverse is not None
    if flag == "allowGatewayTransit":
        gws = list(f.local.gateways) if f.reverse.use_remote_gateways else []
    else:
        gws = list(f.remote.gateways) if f.reverse.allow_gateway_transit and not f.local.gateways else []
    seen: set[str] = set()
    out = []
    for g in gws:
        if g.serves_p2s and rid_key(g.id) not in seen:
            seen.add(rid_key(g.id))
            out.append(g)
    return out


def _profile_finding(g: Gateway, flag: str) -> Finding:
    """Who must do what so that the point-to-site clients of `g` use the new routes."""
    protocols = {x.lower() for x in g.p2s_protocols}
    native = not protocols or bool(protocols & _NATIVE_WINDOWS)
    openvpn = not protocols or "openvpn" in protocols
    who: list[Rich] = []
    if native:
        who.append(
            rich(
                "Windows clients that use the native VPN client (",
                "/".join(sorted(x.upper() if x != "ikev2" else "IKEv2" for x in (protocols & _NATIVE_WINDOWS)))
                or "IKEv2/SSTP",
                ") keep the routes of the VPN client configuration package they installed: they download and "
                "install it again",
            )
        )
    if openvpn:
        who.append(
            rich(
                "Azure VPN Client (OpenVPN) users get the routes when they connect: they reconnect; a peering "
                "change leaves their profile as it is (",
                link(DOC_PROFILE_CORRECTION, "Microsoft's correction"),
                ")",
            )
        )
    tunnel = ", ".join(g.p2s_protocols) if g.p2s_protocols else "not read"
    return Finding(
        "info",
        rich("VPN clients of ", code(g.name), " get other routes after this change"),
        evidence=rich(
            f"Changing {flag} makes gateway transit take effect or stop, which changes the routes ",
            code(g.name),
            f" hands point-to-site clients (its tunnel types: {tunnel}).",
        ),
        next_step=join("; ", who) + rich("."),
        doc_url=DOC_P2S_PROFILE,
        key=f"p2s_profile:{rid_key(g.id)}",
    )


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that refuse a plan."""
    return [x for x in findings if x.severity == "critical"]


def approvers_for(settings_approvers: frozenset[str] | set[str], group_members: set[str]) -> set[str]:
    """Who may approve: the configured user ids plus the approver group's members."""
    return {a for a in settings_approvers if a} | {m for m in group_members if m}


def approval_refusal(number: int, requester: str, user: str, approvers: set[str]) -> Rich | None:
    """Why `user` may not approve (None when they may). Requester ≠ approver, always."""
    if user == requester:
        return rich(
            f"You asked for request #{number}, so you cannot approve it: a second person must "
            "(requester ≠ approver). Ask an approver in the thread."
        )
    if user not in approvers:
        return rich(
            "Only approvers can approve or reject this request, and you are not one. Approvers: ",
            who(approvers),
            ".",
        )
    return None


def current_approvers(ctx: Ctx) -> set[str]:
    """Who may approve right now (the approver group's members are asked of Slack)."""
    members: set[str] = set()
    if ctx.settings.approver_group:
        members = ctx.out.user_groups_members(ctx.settings.approver_group)
    return approvers_for(ctx.settings.approvers, members)


def approvers_of(ctx: Ctx, kind: str) -> set[str]:
    """Who may approve a request of `kind` right now: its policy's approvers (people and
    the members of its user group), else the bot's (`current_approvers`)."""
    pol = policy_of(ctx.settings.policies, kind)
    if not pol.own_approvers:
        return current_approvers(ctx)
    members = ctx.out.user_groups_members(pol.approver_group) if pol.approver_group else set()
    return set(pol.approvers) | members


def approvers_hint_of(ctx: Ctx, kind: str) -> Rich:
    """Who the approvers of `kind` are, as configured."""
    pol = policy_of(ctx.settings.policies, kind)
    if not pol.own_approvers:
        return approvers_hint(ctx)
    bits: list[Rich] = []
    if pol.approvers:
        bits.append(who(set(pol.approvers)))
    if pol.approver_group:
        bits.append(rich("members of the user group ", code(pol.approver_group)))
    return join(" and ", bits)


def request_refusal(ctx: Ctx, kind: str) -> Rich | None:
    """Why `ctx.user` may not file a request of `kind` (None when they may): its policy's
    requesters, when it names any."""
    pol = policy_of(ctx.settings.policies, kind)
    if not pol.restricts_requesters:
        return None
    members = ctx.out.user_groups_members(pol.requester_group) if pol.requester_group else set()
    if ctx.user in pol.requesters or ctx.user in members:
        return None
    bits: list[Rich] = []
    if pol.requesters:
        bits.append(who(set(pol.requesters)))
    if pol.requester_group:
        bits.append(rich("members of the user group ", code(pol.requester_group)))
    return rich("Only ", join(" and ", bits), f" may ask for a {KINDS.get(kind, kind)} (VPNOPS_ACTION_POLICY).")


def approvers_hint(ctx: Ctx) -> Rich:
    """Who the approvers are, as configured: people, a user group, or nobody."""
    bits: list[Rich] = []
    if ctx.settings.approvers:
        bits.append(who(set(ctx.settings.approvers)))
    if ctx.settings.approver_group:
        bits.append(rich("members of the user group ", code(ctx.settings.approver_group)))
    return join(" and ", bits) or rich("nobody (set VPNOPS_APPROVERS or VPNOPS_APPROVER_GROUP)")


def who(users: set[str] | list[str]) -> Rich:
    """The people, by Slack user id, in a stable order."""
    return join(", ", (user(u) for u in sorted(users))) or rich("nobody is configured")
