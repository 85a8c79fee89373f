"""`/vpn p2s` in words: the headline and root causes first, then in the thread the
configuration as Azure has it (certificates read), the clients against the SKU's seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commands.core import regions
from commands.core.model import Gateway, P2SClient, rid_key
from commands.core.reply import Context, Finding, Reply, Table, Text
from commands.core.skus import DOC_SKUS, sku
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.core.units import human_bytes
from commands.findings.connections.facts import busiest
from commands.findings.p2s_config import expires_words, read_root
from commands.judgement.estate import Estate
from commands.judgement.judge import Judgement
from commands.judgement.view import head, problems

# The kinds of finding about a gateway's point-to-site side.
P2S_KINDS = ("p2s", "sku_p2s", "sku_retiring", "topology:overlap", "topology:p2s_never", "routing:p2s")


@dataclass
class P2SView:
    gateway: Gateway
    est: Estate
    judgement: Judgement
    now: datetime

    @property
    def clients(self) -> tuple[P2SClient, ...] | None:
        """The connected clients (None: the health call was not read)."""
        if self.est.depth is None:
            return None
        gf = next((g for g in self.est.depth.facts.gateways if rid_key(g.gateway.id) == rid_key(self.gateway.id)), None)
        return gf.p2s_clients if gf is not None else None


def findings_about(v: P2SView) -> list[Finding]:
    return [f for f in v.judgement.touching({v.gateway.id}) if any(x.key.startswith(P2S_KINDS) for x in f.every())]


def render(v: P2SView) -> Reply:
    gw = v.gateway
    roots = findings_about(v)
    probs = problems(roots)
    clients = v.clients
    seen = f"{len(clients)} clients connected" if clients is not None else "clients not read"
    verdict = f"{len(probs)} problem{'s' if len(probs) != 1 else ''}" if probs else "no problem found"
    mark = "🔴" if any(f.severity == "critical" for p in probs for f in p.every()) else "🟠" if probs else "🟢"
    headline = rich(mark, f" Point-to-site on {gw.name}: {seen} · {verdict}")
    gaps = v.est.gap_lines()
    reply = Reply(fallback=headline)
    reply.add(*head(headline, probs, unread=len(gaps)))
    if gaps:
        reply.more(
            Text(
                rich(
                    Icon.WARNING, " ", strong("Could not read everything"), " — the rest is shown:\n", join("\n", gaps)
                )
            )
        )
    reply.more(*[f for f in roots if f.severity != "ok"])
    reply.more(_config(v))
    reply.more(_seats(v))
    reply.more(
        Context(
            rich(
                f"{gw.name} in {regions.display_name(gw.location) or '?'} · its site-to-site side: ",
                code(f"/vpn status {gw.name}"),
                " · Network Watcher's VPN troubleshoot does not cover point-to-site.",
            )
        )
    )
    return reply


def _config(v: P2SView) -> Table:
    gw = v.gateway
    cfg = gw.p2s
    rows: list[tuple[str, str]] = [
        ("address pool", ", ".join(gw.p2s_address_pool) or "none"),
        ("tunnel types", ", ".join(gw.p2s_protocols) or "not given"),
        ("authentication", ", ".join(gw.p2s_auth_types) or "not given"),
    ]
    if cfg is not None:
        auth = {a.lower() for a in cfg.auth_types}
        if "aad" in auth:
            rows += [
                ("Entra tenant", cfg.aad_tenant or "not set"),
                ("Entra audience", cfg.aad_audience or "not set"),
                ("Entra issuer", cfg.aad_issuer or "not set"),
            ]
        if "radius" in auth:
            rows.append(("RADIUS servers", ", ".join(cfg.radius_servers) or "none"))
        for c in cfg.root_certificates:
            r = read_root(c)
            who = f"{r.subject}, " if r.subject else ""
            thumb = f", thumbprint {r.thumbprint}" if r.thumbprint else ""
            rows.append((f"root {c.name}", f"{who}{expires_words(r, v.now)}{thumb}"))
        if "certificate" in auth and not cfg.root_certificates:
            rows.append(("root certificates", "none"))
        if cfg.revoked_certificates:
            rows.append(("revoked", "; ".join(f"{c.name} {c.thumbprint}" for c in cfg.revoked_certificates)))
        if cfg.ipsec_policies:
            p = cfg.ipsec_policies[0]
            rows.append(
                (
                    "client IPsec policy",
                    f"IKE {p.ike_encryption}/{p.ike_integrity}/{p.dh_group}; IPsec {p.ipsec_encryption}/{p.ipsec_integrity}",
                )
            )
    return Table(("setting", "as Azure has it"), tuple(rows), caption=rich(strong("Configuration")), filename="p2s.txt")


def _seats(v: P2SView) -> Text:
    gw = v.gateway
    s = sku(gw.sku)
    protocols = {p.lower() for p in gw.p2s_protocols}
    lines: list[Rich] = []
    if s is not None:
        ike = "ikev2" in protocols or "openvpn" in protocols
        lines.append(
            rich(
                f"• {s.name}: IKEv2/OpenVPN up to {s.p2s_ikev2_openvpn or 'none (not supported)'}"
                f"{'' if ike else ' (not configured)'}, SSTP up to {s.p2s_sstp}"
                f"{'' if 'sstp' in protocols else ' (not configured)'} — ",
                DOC_SKUS,
            )
        )
    clients = v.clients
    if clients is None:
        lines.append(rich("• connected now: could not be read (getVpnclientConnectionHealth, see above)"))
    else:
        lines.append(rich(f"• connected now: {len(clients)}"))
        for who, moved in busiest(clients):
            lines.append(rich("    ", code(who), f" {human_bytes(moved)}"))
    return Text(rich(strong("Seats:"), "\n", join("\n", lines)))


__all__ = ["P2S_KINDS", "P2SView", "findings_about", "render"]
