"""A gateway's SKU against what the estate asks of it: tunnels, VPN clients, retirement.

Microsoft's table ("About gateway SKUs", `commands.core.skus`) caps each SKU: site-to-site
and VNet-to-VNet tunnels (every connection of the gateway is one), point-to-site
connections per protocol (IKEv2/OpenVPN by SKU, SSTP 128 on every SKU). A gateway at 80 %
of a cap is a warning (the next sites or the Monday-morning clients will not fit), over it
critical (Azure refuses the connection or the client).

SKUs on Microsoft's retirement path, with the dates Microsoft announced
("What's new in Azure VPN Gateway?", https://learn.microsoft.com/azure/vpn-gateway/whats-new):

* VpnGw1-5 without AZ: retired on 30 September 2026; Microsoft migrates them to the AZ SKU of
  the same size with no downtime and no action needed (gateway-sku-consolidation), so it is
  information, said with the date;
* Standard and High Performance (legacy): retired in March 2026 (extended from September
  2025); the migration is the customer's, with up to 10 minutes of downtime — a warning;
* Basic: the SKU stays, but its Basic public IP address is deprecated (end of June 2026);
  Microsoft removes the Basic IP resource from the gateway without changing the address,
  so scripts and templates that reference it must change — information.

Pure: the caller passes what was read (`commands.judgement.judge`), so `/vpn status`,
`/vpn diagnose` and `/vpn connection` say the same about the same gateway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from commands.core.model import Connection, Gateway, rid_key
from commands.core.reply import Finding, Severity
from commands.core.skus import DOC_SKUS, SKUS, VpnSku, sku
from commands.core.text import Rich, code, rich
from commands.findings.connections.facts import resource_group

DOC_CONSOLIDATION = "https://learn.microsoft.com/azure/vpn-gateway/gateway-sku-consolidation"
DOC_LEGACY = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-skus-legacy"
DOC_BASIC_IP = "https://learn.microsoft.com/azure/vpn-gateway/basic-public-ip-migrate-about"
DOC_RESIZE = "https://learn.microsoft.com/azure/vpn-gateway/gateway-sku-resize"

NEAR = 0.8  # a share of a cap from which it is said (80 %)

S2S_TYPES = frozenset({"ipsec", "vnet2vnet"})


@dataclass(frozen=True)
class Usage:
    """What one gateway uses of its SKU."""

    gateway: Gateway
    sku: VpnSku
    tunnels: int
    clients: int | None  # None: not read (no point-to-site, or the health call failed)

    @property
    def p2s_cap(self) -> int:
        """Connected VPN clients the SKU takes with the configured protocols."""
        protocols = {p.lower() for p in self.gateway.p2s_protocols}
        cap = 0
        if self.sku.p2s_ikev2_openvpn and (not protocols or protocols & {"ikev2", "openvpn"}):
            cap += self.sku.p2s_ikev2_openvpn
        if not protocols or "sstp" in protocols:
            cap += self.sku.p2s_sstp
        return cap or self.sku.p2s_sstp


def usage(gateways: Iterable[Gateway], connections: Iterable[Connection], clients: Mapping[str, int]) -> list[Usage]:
    """Each VPN gateway with a SKU of the table, with its tunnels (the site-to-site and
    VNet-to-VNet connections it owns) and connected clients (where read)."""
    owned: dict[str, int] = {}
    for c in connections:
        if (c.connection_type or "").lower() in S2S_TYPES:
            owned[rid_key(c.gateway1_id)] = owned.get(rid_key(c.gateway1_id), 0) + 1
    out: list[Usage] = []
    for g in gateways:
        s = sku(g.sku)
        if s is None or (g.gateway_type or "Vpn").lower() != "vpn":
            continue
        k = rid_key(g.id)
        out.append(Usage(g, s, owned.get(k, 0), clients.get(k)))
    return out


def sku_findings(used: Iterable[Usage]) -> list[Finding]:
    """Caps near or over, and SKUs on the retirement path."""
    out: list[Finding] = []
    non_az: list[Usage] = []
    for u in used:
        for f in (tunnels_near_cap(u), clients_near_cap(u)):
            if f is not None:
                out.append(f)
        if u.sku.name.startswith("VpnGw") and not u.sku.az:
            non_az.append(u)
        elif (r := retiring(u.gateway, u.sku)) is not None:
            out.append(r)
    if len(non_az) == 1:
        out += [f for f in [retiring(non_az[0].gateway, non_az[0].sku)] if f is not None]
    elif non_az:
        out.append(_non_az_together(non_az))
    return out


NAMED = 5  # gateways named in a finding about many, before the rest are counted


def _non_az_together(used: list[Usage]) -> Finding:
    """One note for every gateway on a non-AZ SKU: the same date and the same (no) action."""
    used = sorted(used, key=lambda u: u.gateway.name.lower())
    names = ", ".join(u.gateway.name for u in used[:NAMED])
    more = f" and {len(used) - NAMED} more" if len(used) > NAMED else ""
    skus = ", ".join(dict.fromkeys(u.sku.name for u in used))
    return Finding(
        "info",
        rich(f"{len(used)} gateways use non-AZ SKUs ({skus}), retired by Microsoft on 30 September 2026"),
        evidence=rich(
            f"{names}{more}. Non-AZ VpnGw1-5 SKUs are consolidated into the AZ SKUs: Microsoft migrates each to the "
            "AZ SKU of the same size with no downtime expected and no action needed; the AZ pricing applies after."
        ),
        next_step=rich(
            "Nothing to do unless you want zone redundancy now: ",
            code("az network vnet-gateway update -g <group> -n <gateway> --sku VpnGw<N>AZ"),
            " (a gateway on a Basic public IP moves to a Standard IP first).",
        ),
        doc_url=DOC_CONSOLIDATION,
        key="sku_retiring:" + "|".join(rid_key(u.gateway.id) for u in used),
    )


def _severity(n: int, cap: int) -> Severity | None:
    if cap <= 0 or n < NEAR * cap:
        return None
    return "critical" if n > cap else "warning"


def bigger(s: VpnSku, need: int, attr: str) -> VpnSku | None:
    """The smallest SKU of the same family (AZ or not) whose `attr` cap is above both `need`
    and this SKU's own."""
    need = max(need, getattr(s, attr) or 0)
    family = [x for x in SKUS.values() if x.az == s.az and x.name.startswith("VpnGw")]
    fits = sorted((x for x in family if (getattr(x, attr) or 0) > need), key=lambda x: getattr(x, attr) or 0)
    return fits[0] if fits else None


def _resize(gw: Gateway, to: VpnSku | None, what: str) -> Rich:
    if to is None:
        return rich(
            f"No VPN gateway SKU takes more {what}: split the sites over a second gateway or move to Virtual WAN."
        )
    return rich(
        f"Resize to {to.name} before adding more: ",
        code(f"az network vnet-gateway update -g {resource_group(gw.id)} -n {gw.name} --sku {to.name}"),
        " (resizing within the family keeps the public IP; Basic and legacy SKUs must be re-created).",
    )


def tunnels_near_cap(u: Usage) -> Finding | None:
    sev = _severity(u.tunnels, u.sku.s2s_tunnels)
    if sev is None:
        return None
    share = round(100 * u.tunnels / u.sku.s2s_tunnels)
    return Finding(
        sev,
        rich(code(u.gateway.name), f" uses {u.tunnels} of the {u.sku.s2s_tunnels} tunnels its SKU allows ({share} %)"),
        evidence=rich(
            f"SKU {u.sku.name}: at most {u.sku.s2s_tunnels} site-to-site and VNet-to-VNet tunnels; "
            f"the gateway owns {u.tunnels} such connections."
        ),
        next_step=_resize(u.gateway, bigger(u.sku, u.tunnels, "s2s_tunnels"), "tunnels"),
        doc_url=DOC_SKUS,
        key=f"sku_tunnels:{rid_key(u.gateway.id)}",
    )


def clients_near_cap(u: Usage) -> Finding | None:
    if u.clients is None or not u.gateway.serves_p2s:
        return None
    cap = u.p2s_cap
    sev = _severity(u.clients, cap)
    if sev is None:
        return None
    protocols = ", ".join(u.gateway.p2s_protocols) or "the configured protocols"
    return Finding(
        sev,
        rich(
            code(u.gateway.name),
            f" has {u.clients} VPN clients connected, {round(100 * u.clients / cap)} % of its SKU's {cap}",
        ),
        evidence=rich(
            f"SKU {u.sku.name} with {protocols}: IKEv2/OpenVPN at most "
            f"{u.sku.p2s_ikev2_openvpn or 'none'}, SSTP at most {u.sku.p2s_sstp}. A client past the cap is refused."
        ),
        next_step=_resize(u.gateway, bigger(u.sku, u.clients, "p2s_ikev2_openvpn"), "VPN clients"),
        doc_url=DOC_SKUS,
        key=f"sku_p2s:{rid_key(u.gateway.id)}",
    )


def retiring(gw: Gateway, s: VpnSku) -> Finding | None:
    """The SKU's place on Microsoft's retirement path, with the announced date."""
    key = f"sku_retiring:{rid_key(gw.id)}"
    rg = resource_group(gw.id)
    if s.name in ("Standard", "HighPerformance"):
        to = "VpnGw1AZ" if s.name == "Standard" else "VpnGw2AZ"
        return Finding(
            "warning",
            rich(code(gw.name), f" uses the legacy {s.name} SKU, retired in March 2026"),
            evidence=rich(
                "Microsoft retired the Standard and High Performance SKUs in March 2026 (extended from 30 September "
                f"2025); they are migrated to the VpnGw1/VpnGw2 families. {s.name} maps to {to}."
            ),
            next_step=rich(
                "Migrate it yourself in a maintenance window (up to 10 minutes of downtime): the portal's gateway "
                "SKU migration, after moving a Basic public IP to Standard."
            ),
            doc_url=DOC_LEGACY,
            key=key,
        )
    if s.name == "Basic":
        return Finding(
            "info",
            rich(code(gw.name), " uses the Basic SKU, whose Basic public IP is deprecated at the end of June 2026"),
            evidence=rich(
                "The Basic gateway SKU is not retiring, but Microsoft deprecates Basic public IP addresses for every "
                "VPN gateway (end of June 2026): the address stays, the public IP resource reference goes. The SKU "
                "also has no BGP, no active-active, no IKEv2/OpenVPN point-to-site and 10 tunnels."
            ),
            next_step=rich(
                "Update scripts, templates and monitoring that reference the gateway's public IP resource; "
                "for BGP or IKEv2 clients re-create it as VpnGw1AZ."
            ),
            doc_url=DOC_BASIC_IP,
            key=key,
        )
    if s.name.startswith("VpnGw") and not s.az:
        return Finding(
            "info",
            rich(code(gw.name), f" uses {s.name} (no availability zones), retired by Microsoft on 30 September 2026"),
            evidence=rich(
                f"Non-AZ VpnGw1-5 SKUs are consolidated into the AZ SKUs: Microsoft migrates {s.name} to {s.name}AZ "
                "with no downtime expected and no action needed; the AZ SKU's pricing applies after the migration."
            ),
            next_step=rich(
                "Nothing to do unless you want zone redundancy now: ",
                code(f"az network vnet-gateway update -g {rg} -n {gw.name} --sku {s.name}AZ"),
                " (a gateway on a Basic public IP must move to a Standard IP first).",
            ),
            doc_url=DOC_CONSOLIDATION,
            key=key,
        )
    return None


__all__ = ["NEAR", "Usage", "clients_near_cap", "retiring", "sku_findings", "tunnels_near_cap", "usage"]
