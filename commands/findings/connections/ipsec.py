"""The IPsec/IKE layer of one connection, from its configuration and both ends' resources:
where most site-to-site outages happen, and what Network Watcher's status alone never says.

Each check returns a finding with the documented rule, the fix on Azure's side and the
setting to check on the far end where Azure cannot see it:

* policy-based traffic selectors (`usePolicyBasedTrafficSelectors`) need a custom IPsec/IKE
  policy, and pass only what the selectors hold: Azure proposes its own VNet's prefixes
  against the local network gateway's, or the custom `trafficSelectorPolicies`. Spokes
  using the gateway, the point-to-site pool and NAT'd ranges are not in the VNet's own
  address space, so traffic from them is dropped unless a selector holds them
  (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-connect-multiple-policybased-rm-ps,
  https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto);
* `connectionMode` says who starts IKE: ResponderOnly never initiates, so a far end that
  only responds leaves the tunnel down
  (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices);
* NAT rules named by a connection must exist on its gateway; a rule whose internal mapping
  holds none of the addresses it is for translates nothing
  (https://learn.microsoft.com/azure/vpn-gateway/nat-overview);
* custom APIPA BGP addresses: the connection's must be one the gateway holds, and Azure's
  APIPA range is 169.254.21.0–169.254.22.255; a non-APIPA BGP peer address must be in the
  local network gateway's address space as a /32
  (https://learn.microsoft.com/azure/vpn-gateway/bgp-howto, vpn-gateway-bgp-overview).

Pure: `commands.judgement.judge` runs them over every connection read in depth, so
`/vpn status`, `/vpn diagnose` and `/vpn connection` show the same findings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from commands.core.estate import EstateIndex
from commands.core.model import Connection, Gateway, LocalNetworkGateway, NatRule, TrafficSelector, rid_key
from commands.core.reply import Finding
from commands.core.text import Rich, code, rich
from commands.findings.connections.facts import label, resource_group
from commands.findings.routing.nat import seen_through
from commands.findings.routing.selection import parse_net

DOC_POLICY_BASED = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-connect-multiple-policybased-rm-ps"
DOC_IPSEC_POLICY = "https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto"
DOC_DEVICES = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices"
DOC_NAT = "https://learn.microsoft.com/azure/vpn-gateway/nat-overview"
DOC_BGP_HOWTO = "https://learn.microsoft.com/azure/vpn-gateway/bgp-howto"
DOC_BGP = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview"

# Azure's APIPA range for custom BGP addresses (bgp-howto: 169.254.21.0 to 169.254.22.255).
APIPA_AZURE = (ipaddress.ip_network("169.254.21.0/24"), ipaddress.ip_network("169.254.22.0/24"))
APIPA = ipaddress.ip_network("169.254.0.0/16")


@dataclass(frozen=True)
class Passing:
    """An address space that should pass through a connection, and why."""

    prefix: str
    why: str  # "the VNet vnet-hub", "spoke vnet-a (uses the gateway)", "VPN client pool"


def should_pass(facts: EstateIndex, conn: Connection, gw: Gateway) -> list[Passing]:
    """What Azure's side sends into the tunnel, as the far end sees it (after egress NAT):
    the gateway's VNet, the spokes that use the gateway, and the point-to-site pool."""
    out: list[Passing] = []
    hub = rid_key(gw.vnet_id)
    out += [Passing(p, f"the VNet {facts.vnet_name(gw.vnet_id)}") for p in facts.vnet_prefixes(gw.vnet_id)]
    for (a, b), peering in facts.all_peerings.items():
        if b == hub and peering.use_remote_gateways and (peering.state or "Connected").lower() == "connected":
            name = facts.vnet_name(peering.vnet_id)
            out += [Passing(p, f"spoke {name} (uses the gateway)") for p in facts.vnet_prefixes(a)]
    out += [Passing(p, "the VPN client pool") for p in gw.p2s_address_pool]
    egress = egress_rules(gw, conn)
    if not egress:
        return out
    return [Passing(t, f"{x.why}, NAT'd from {x.prefix}") for x in out for t in seen_through([x.prefix], egress)]


def egress_rules(gw: Gateway, conn: Connection) -> list[NatRule]:
    wanted = {rid_key(i) for i in conn.egress_nat_rule_ids}
    return [r for r in gw.nat_rules if rid_key(r.id) in wanted]


def selectors(
    facts: EstateIndex, conn: Connection, gw: Gateway, lng: LocalNetworkGateway | None
) -> list[TrafficSelector]:
    """The traffic selectors Azure proposes on a policy-based connection: the custom ones, else
    every VNet prefix against every local network gateway prefix."""
    if conn.traffic_selectors:
        return list(conn.traffic_selectors)
    return [TrafficSelector(facts.vnet_prefixes(gw.vnet_id), lng.address_prefixes if lng else ())]


def _held(prefix: str, ranges: Iterable[str]) -> bool:
    net = parse_net(prefix)
    if net is None:
        return True
    for r in ranges:
        outer = parse_net(r)
        if outer is not None and outer.version == net.version and net.subnet_of(outer):  # type: ignore[arg-type]
            return True
    return False


def selectors_miss(
    facts: EstateIndex, conn: Connection, gw: Gateway, lng: LocalNetworkGateway | None
) -> Finding | None:
    """Policy-based selectors that leave out an address space that should pass."""
    if not conn.policy_based_selectors:
        return None
    key = f"ipsec_selectors:{rid_key(conn.id)}"
    if not conn.ipsec_policies:
        return Finding(
            "critical",
            rich(label(conn), " uses policy-based traffic selectors without a custom IPsec/IKE policy"),
            evidence="usePolicyBasedTrafficSelectors is on and ipsecPolicies is empty.",
            next_step=rich(
                "Set the IPsec/IKE policy the device uses on the connection (",
                code(
                    f"az network vpn-connection ipsec-policy add -g {resource_group(conn.id)} --connection-name {conn.name} …"
                ),
                "); policy-based selectors need one.",
            ),
            doc_url=DOC_POLICY_BASED,
            key=key,
        )
    local = [p for s in selectors(facts, conn, gw, lng) for p in s.local]
    missing = [x for x in should_pass(facts, conn, gw) if not _held(x.prefix, local)]
    if not missing:
        return None
    shown = ", ".join(f"{x.prefix} ({x.why})" for x in missing[:4])
    more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
    where = (
        "the custom traffic selectors"
        if conn.traffic_selectors
        else "the selectors Azure derives (VNet × site prefixes)"
    )
    return Finding(
        "warning",
        rich(
            label(conn),
            f" drops traffic from {len(missing)} address space{'s' if len(missing) > 1 else ''}: not in its traffic selectors",
        ),
        evidence=rich(
            f"Policy-based: only ranges in {where} pass ({', '.join(local) or 'none'}). Left out: {shown}{more}."
        ),
        next_step=rich(
            "Add them to the connection's trafficSelectorPolicies and, on the far device, to the crypto ACL / "
            "policy (the remote side of its selectors) — both ends must propose the same pairs."
        ),
        doc_url=DOC_POLICY_BASED,
        key=key,
    )


def initiator(conn: Connection) -> Finding | None:
    """A connection down while Azure only responds (or only initiates)."""
    mode = (conn.connection_mode or "Default").lower()
    down = (conn.status or "").lower() in ("notconnected", "connecting")
    if mode == "default" or not down:
        return None
    if mode == "responderonly":
        step = rich(
            "Azure never starts IKE on this connection: make the far device initiate (and keep the tunnel up with "
            "DPD or a keepalive), or set connectionMode Default: ",
            code(
                f"az network vpn-connection update -g {resource_group(conn.id)} -n {conn.name} --connection-mode Default"
            ),
        )
        what = "only responds (ResponderOnly)"
    else:
        step = rich(
            "Azure starts IKE and never accepts the far device's: the device must accept IKE from the gateway's "
            "public IP (its responder settings, peer address and proposals)."
        )
        what = "only initiates (InitiatorOnly)"
    return Finding(
        "warning",
        rich(label(conn), f" is {conn.status} and Azure {what}"),
        evidence=rich(f"connectionMode {conn.connection_mode}: who must start the negotiation is fixed."),
        next_step=step,
        doc_url=DOC_DEVICES,
        key=f"ipsec_initiator:{rid_key(conn.id)}",
    )


def nat_unmatched(facts: EstateIndex, conn: Connection, gw: Gateway, lng: LocalNetworkGateway | None) -> Finding | None:
    """NAT rules the connection names that its gateway lacks, or that translate nothing."""
    rules = {rid_key(r.id): r for r in gw.nat_rules}
    named = [*conn.ingress_nat_rule_ids, *conn.egress_nat_rule_ids]
    if not named:
        return None
    absent = [i for i in named if rid_key(i) not in rules]
    idle: list[str] = []
    site = lng.address_prefixes if lng else ()
    azure_side = [x.prefix for x in _untranslated(facts, gw)]
    for i in conn.ingress_nat_rule_ids:
        r = rules.get(rid_key(i))
        if r is not None and site and not _overlaps_any(r.internal, site):
            idle.append(f"{r.name} (IngressSnat {', '.join(r.internal)} holds none of the site's {', '.join(site)})")
    for i in conn.egress_nat_rule_ids:
        r = rules.get(rid_key(i))
        if r is not None and azure_side and not _overlaps_any(r.internal, azure_side):
            idle.append(f"{r.name} (EgressSnat {', '.join(r.internal)} holds none of {', '.join(azure_side)})")
    if not absent and not idle:
        return None
    parts: list[str] = []
    if absent:
        parts.append("not on the gateway: " + ", ".join(i.rstrip("/").rsplit("/", 1)[-1] for i in absent))
    if idle:
        parts.append("translating nothing: " + "; ".join(idle))
    return Finding(
        "critical" if absent else "warning",
        rich(label(conn), " names NAT rules that do not apply"),
        evidence=rich("; ".join(parts) + "."),
        next_step=rich(
            "Point the connection at the gateway's rules whose internal mappings hold the addresses to translate (",
            code(f"az network vnet-gateway nat-rule list -g {resource_group(gw.id)} --gateway-name {gw.name}"),
            "); the far device must route the external mappings into the tunnel.",
        ),
        doc_url=DOC_NAT,
        key=f"ipsec_nat:{rid_key(conn.id)}",
    )


def _untranslated(facts: EstateIndex, gw: Gateway) -> list[Passing]:
    bare = Connection(id="", name="")
    return should_pass(facts, bare, gw)


def _overlaps_any(a: Iterable[str], b: Iterable[str]) -> bool:
    nets_b = [n for n in (parse_net(x) for x in b) if n is not None]
    for x in a:
        n = parse_net(x)
        if n is None:
            continue
        if any(n.version == m.version and n.overlaps(m) for m in nets_b):
            return True
    return False


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def apipa(conn: Connection, gw: Gateway, lng: LocalNetworkGateway | None) -> Finding | None:
    """Custom APIPA BGP addresses against the gateway's and the local network gateway's."""
    if not conn.enable_bgp:
        return None
    key = f"ipsec_apipa:{rid_key(conn.id)}"
    held = {ip for _, ip in gw.custom_bgp_addresses}
    unknown = [ip for _, ip in conn.custom_bgp_addresses if ip not in held]
    peer = _ip(lng.bgp_peering_address) if lng and lng.bgp_peering_address else None
    problems: list[str] = []
    if unknown:
        problems.append(
            f"the connection uses {', '.join(unknown)}, which the gateway does not hold as a custom APIPA address"
        )
    if peer is not None and peer in APIPA and not any(peer in n for n in APIPA_AZURE):
        problems.append(f"the site's BGP address {peer} is APIPA outside Azure's range 169.254.21.0–169.254.22.255")
    if peer is not None and peer in APIPA and held and not conn.custom_bgp_addresses:
        problems.append(
            f"the site peers from APIPA {peer} but the connection sets no custom APIPA address, so Azure peers from "
            f"its default {', '.join(gw.bgp_peering_addresses) or 'address'}"
        )
    if not problems:
        return None
    return Finding(
        "critical",
        rich(label(conn), ": its BGP addresses do not match the site's"),
        evidence=rich("; ".join(problems) + "."),
        next_step=rich(
            "Set the connection's custom BGP addresses to the gateway's APIPA addresses the device peers with (",
            code(
                f"az network vpn-connection update -g {resource_group(conn.id)} -n {conn.name} --gateway-custom-bgp-ip-addresses …"
            ),
            "); on the device, the BGP neighbor must be that APIPA address and its own must be the local network "
            "gateway's bgpPeeringAddress.",
        ),
        doc_url=DOC_BGP_HOWTO,
        key=key,
    )


def bgp_peer_prefix(conn: Connection, lng: LocalNetworkGateway | None) -> Finding | None:
    """A non-APIPA BGP peer address that the local network gateway's address space does not hold."""
    if not conn.enable_bgp or lng is None or not lng.bgp_peering_address:
        return None
    peer = _ip(lng.bgp_peering_address)
    if peer is None or peer in APIPA or _held(f"{peer}/{peer.max_prefixlen}", lng.address_prefixes):
        return None
    return Finding(
        "critical",
        rich(label(conn), f": the site's BGP address {peer} is not in its local network gateway's address space"),
        evidence=rich(
            code(lng.name),
            f" lists {', '.join(lng.address_prefixes) or 'no prefix'}; Azure routes the BGP session "
            f"to {peer} over the tunnel only when the address space holds it.",
        ),
        next_step=rich(
            "Add the peer as a /32: ",
            code(
                f"az network local-gateway update -g {resource_group(lng.id)} -n {lng.name} "
                f"--local-address-prefixes {' '.join([*lng.address_prefixes, f'{peer}/{peer.max_prefixlen}'])}"
            ),
        ),
        doc_url=DOC_BGP,
        key=f"ipsec_bgp_prefix:{rid_key(conn.id)}",
    )


def _policy_words(c: Connection) -> str:
    if not c.ipsec_policies:
        return "Azure's default proposals"
    p = c.ipsec_policies[0]
    return f"IKE {p.ike_encryption}/{p.ike_integrity}/{p.dh_group}, IPsec {p.ipsec_encryption}/{p.ipsec_integrity}, PFS {p.pfs_group}"


def pair_mismatch(conn: Connection, rev: Connection | None) -> Finding | None:
    """The two halves of a VNet-to-VNet pair, both visible to Azure, compared: the IKE
    version, the custom IPsec/IKE policy, and who initiates (two ResponderOnly halves wait
    for each other forever). Said once per pair, from the half whose id sorts first."""
    if rev is None or rid_key(conn.id) > rid_key(rev.id):
        return None
    problems: list[str] = []
    if (conn.protocol or "IKEv2").lower() != (rev.protocol or "IKEv2").lower():
        problems.append(f"IKE version {conn.protocol or 'IKEv2'} against {rev.protocol or 'IKEv2'}")
    if conn.ipsec_policies and rev.ipsec_policies and conn.ipsec_policies[0] != rev.ipsec_policies[0]:
        problems.append(f"custom policies differ ({_policy_words(conn)} against {_policy_words(rev)})")
    modes = {(conn.connection_mode or "Default").lower(), (rev.connection_mode or "Default").lower()}
    if modes == {"responderonly"}:
        problems.append("both halves are ResponderOnly: neither starts IKE")
    if modes == {"initiatoronly"}:
        problems.append("both halves are InitiatorOnly: neither accepts the other's IKE")
    if not problems:
        return None
    return Finding(
        "critical",
        rich(code(conn.name), " and ", code(rev.name), ": the two halves do not negotiate alike"),
        evidence=rich("; ".join(problems) + "."),
        next_step=rich(
            "Make both halves alike (same IKE version and custom policy, at most one of them ResponderOnly): ",
            code(f"az network vpn-connection show -g {resource_group(rev.id)} -n {rev.name}"),
            " against ",
            code(f"az network vpn-connection show -g {resource_group(conn.id)} -n {conn.name}"),
        ),
        doc_url=DOC_IPSEC_POLICY,
        key=f"ipsec_pair:{rid_key(conn.id)}|{rid_key(rev.id)}",
    )


def connection_layer(facts: EstateIndex, conn: Connection, rev: Connection | None = None) -> list[Finding]:
    """Every check above for one connection (its gateway and far end from `facts`; `rev`, the
    other half of a VNet-to-VNet pair, from `reverse_index` once for the whole estate)."""
    gw = facts.gateway_by_key.get(rid_key(conn.gateway1_id))
    if gw is None or (conn.connection_type or "").lower() not in ("ipsec", "vnet2vnet"):
        return []
    lng = facts.lng_by_key.get(rid_key(conn.local_network_gateway_id))
    found = [
        selectors_miss(facts, conn, gw, lng),
        initiator(conn),
        nat_unmatched(facts, conn, gw, lng),
        apipa(conn, gw, lng),
        bgp_peer_prefix(conn, lng),
        pair_mismatch(conn, rev),
    ]
    return [f for f in found if f is not None]


def far_end(conn: Connection, gw: Gateway, lng: LocalNetworkGateway | None, facts: EstateIndex) -> list[Rich]:
    """What the far device must hold for this connection, which Azure cannot see."""
    lines: list[Rich] = []
    policy = conn.ipsec_policies[0] if conn.ipsec_policies else None
    proto = conn.protocol or "IKEv2"
    if policy is not None:
        lines.append(
            rich(
                f"{proto} with exactly: IKE {policy.ike_encryption}/{policy.ike_integrity}/{policy.dh_group}, "
                f"IPsec {policy.ipsec_encryption}/{policy.ipsec_integrity}, PFS {policy.pfs_group}, "
                f"SA lifetime {policy.sa_lifetime_s} s / {policy.sa_data_kb} KB"
            )
        )
    else:
        lines.append(
            rich(f"{proto} with one of Azure's default proposals (any custom policy on the device must match one)")
        )
    mode = (conn.connection_mode or "Default").lower()
    lines.append(
        rich(
            {
                "responderonly": "the device must initiate IKE (Azure only responds)",
                "initiatoronly": "the device must accept IKE from Azure (Azure only initiates)",
            }.get(mode, "either side may initiate")
        )
    )
    if conn.dpd_timeout_s:
        lines.append(rich(f"dead peer detection within {conn.dpd_timeout_s} s"))
    sel = selectors(facts, conn, gw, lng) if conn.policy_based_selectors else []
    if sel:
        lines.append(
            rich(
                "policy-based selectors, mirrored: ",
                "; ".join(f"{', '.join(s.remote) or '?'} ↔ {', '.join(s.local) or '?'}" for s in sel),
            )
        )
    egress = egress_rules(gw, conn)
    if egress:
        outside = ", ".join(x for r in egress for x in r.external)
        lines.append(rich(f"route {outside} (Azure's side after egress NAT) into the tunnel"))
    else:
        lines.append(
            rich("route ", ", ".join(x.prefix for x in should_pass(facts, conn, gw)) or "?", " into the tunnel")
        )
    return lines


__all__ = [
    "Passing",
    "apipa",
    "bgp_peer_prefix",
    "connection_layer",
    "egress_rules",
    "far_end",
    "initiator",
    "nat_unmatched",
    "pair_mismatch",
    "selectors",
    "selectors_miss",
    "should_pass",
]
