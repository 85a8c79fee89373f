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
from datetime import datetime
from typing import Protocol

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
    bps: float | None = None  # its connections' rate since the watch's last samples (None: no rate)
    rated: int = 0  # how many of its connections gave a rate
    sstp: int | None = None  # of `clients`, those on SSTP (None: a client's protocol is unknown)

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


class Sample(Protocol):
    """An earlier reading of a connection's counters (the watch's `CounterSample`)."""

    @property
    def at(self) -> datetime: ...

    @property
    def ingress_bytes(self) -> int: ...

    @property
    def egress_bytes(self) -> int: ...


# A rate needs this long between two readings, and one above this many times the SKU's
# benchmark is not a rate (a counter reset or a failover between the samples): the same
# rules as the rates `/vpn status` shows (commands/status/deltas.py).
MIN_RATE_INTERVAL_S = 60.0
CEILING_FACTOR = 2.0


def connection_rate(c: Connection, sample: Sample | None, now: datetime | None, ceiling: VpnSku) -> float | None:
    """Bits per second through `c` since `sample` (None when the two give no rate)."""
    if sample is None or now is None or (now.tzinfo is None) != (sample.at.tzinfo is None):
        return None
    seconds = (now - sample.at).total_seconds()
    moved = (c.ingress_bytes - sample.ingress_bytes) + (c.egress_bytes - sample.egress_bytes)
    if seconds < MIN_RATE_INTERVAL_S or c.ingress_bytes < sample.ingress_bytes or c.egress_bytes < sample.egress_bytes:
        return None
    bps = moved * 8 / seconds
    return None if bps > CEILING_FACTOR * ceiling.aggregate_bps else bps


def usage(
    gateways: Iterable[Gateway],
    connections: Iterable[Connection],
    clients: Mapping[str, int],
    samples: Mapping[str, Sample] | None = None,
    now: datetime | None = None,
    sstp: Mapping[str, int] | None = None,
) -> list[Usage]:
    """Each VPN gateway with a SKU of the table, with its tunnels (the site-to-site and
    VNet-to-VNet connections it owns), connected clients (where read) and the rate its
    connections carry since the watch's samples (where both readings are comparable)."""
    owned: dict[str, list[Connection]] = {}
    for c in connections:
        if (c.connection_type or "").lower() in S2S_TYPES:
            owned.setdefault(rid_key(c.gateway1_id), []).append(c)
    out: list[Usage] = []
    for g in gateways:
        s = sku(g.sku)
        if s is None or (g.gateway_type or "Vpn").lower() != "vpn":
            continue
        k = rid_key(g.id)
        mine = owned.get(k, [])
        rates = [r for c in mine if (r := connection_rate(c, (samples or {}).get(rid_key(c.id)), now, s)) is not None]
        bps = sum(rates) if rates else None
        out.append(Usage(g, s, len(mine), clients.get(k), bps, len(rates), (sstp or {}).get(k)))
    return out


def sku_findings(used: Iterable[Usage]) -> list[Finding]:
    """Caps near or over, and SKUs on the retirement path."""
    out: list[Finding] = []
    non_az: list[Usage] = []
    for u in used:
        for f in (tunnels_near_cap(u), clients_near_cap(u), throughput_near_cap(u)):
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


def throughput_near_cap(u: Usage) -> Finding | None:
    """The gateway's connections together at 80 % of the SKU's aggregate benchmark or over.
    Microsoft's figure is a benchmark, not a cap: over it is still a warning, never critical."""
    if u.bps is None or u.bps < NEAR * u.sku.aggregate_bps:
        return None
    mbps = u.bps / 1_000_000
    share = round(100 * u.bps / u.sku.aggregate_bps)
    return Finding(
        "warning",
        rich(
            code(u.gateway.name),
            f" carries {mbps:,.0f} Mbit/s, {share} % of its SKU's {u.sku.aggregate_mbps:,} Mbit/s benchmark",
        ),
        evidence=rich(
            f"The rate of {u.rated} of its connections since the watch's last samples, in and out together. "
            f"SKU {u.sku.name}: Microsoft's aggregate throughput benchmark, measured over several tunnels and not "
            "guaranteed — near it, packets are dropped first at peaks."
        ),
        next_step=_resize(u.gateway, bigger(u.sku, 0, "aggregate_mbps"), "throughput"),
        doc_url=DOC_SKUS,
        key=f"sku_throughput:{rid_key(u.gateway.id)}",
    )


def client_protocol(connection_id: str) -> str:
    """ "sstp", "ikev2_openvpn" or "" from a client's `vpnConnectionId`, whose prefix names its
    tunnel (`IKEv2_…` in Azure's published example, `OvpnConnection_…` for OpenVPN)."""
    low = (connection_id or "").lower()
    if low.startswith("sstp"):
        return "sstp"
    if low.startswith(("ikev2", "ovpn", "openvpn")):
        return "ikev2_openvpn"
    return ""


def sstp_counts(clients: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Gateway key -> its SSTP clients, for the gateways whose every client's protocol is known."""
    out: dict[str, int] = {}
    for k, ids in clients.items():
        kinds = [client_protocol(i) for i in ids]
        if all(kinds):
            out[k] = kinds.count("sstp")
    return out


def _per_protocol(u: Usage) -> tuple[int, int, str] | None:
    """(clients, cap, words) of the fuller protocol pool, when the clients' protocols are known."""
    if u.sstp is None or u.clients is None:
        return None
    ike = u.clients - u.sstp
    pools = [(u.sstp, u.sku.p2s_sstp, "SSTP")]
    if u.sku.p2s_ikev2_openvpn:
        pools.append((ike, u.sku.p2s_ikev2_openvpn, "IKEv2/OpenVPN"))
    return max(pools, key=lambda p: p[0] / p[1])


def clients_near_cap(u: Usage) -> Finding | None:
    if u.clients is None or not u.gateway.serves_p2s:
        return None
    pool = _per_protocol(u)
    n, cap, what = pool if pool is not None else (u.clients, u.p2s_cap, "VPN")
    sev = _severity(n, cap)
    if sev is None:
        return None
    protocols = ", ".join(u.gateway.p2s_protocols) or "the configured protocols"
    return Finding(
        sev,
        rich(
            code(u.gateway.name),
            f" has {n} {what} clients connected, {round(100 * n / cap)} % of its SKU's {cap}",
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


__all__ = [
    "NEAR",
    "Sample",
    "Usage",
    "clients_near_cap",
    "connection_rate",
    "retiring",
    "sku_findings",
    "throughput_near_cap",
    "tunnels_near_cap",
    "usage",
]
