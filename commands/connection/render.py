"""`/vpn connection` in words: the headline and root causes first (a phone screen), then in
the thread every finding, both ends side by side, the live IKE SAs, the site's address
space against what it advertises, the far device's settings and the SKU's limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from commands.core.errors import AzureFailure
from commands.core.model import Connection, Gateway, IkeSa, IpsecPolicy, LocalNetworkGateway, NatRule, rid_key
from commands.core.reply import Context, Finding, Part, Reply, Table, Text
from commands.core.skus import DOC_SKUS, sku
from commands.core.text import Icon, Rich, code, join, rich, strong
from commands.core.units import human_bytes, human_duration
from commands.findings.connections.facts import direction
from commands.findings.connections.ipsec import far_end, selectors, should_pass
from commands.findings.connections.live import live_findings
from commands.findings.routing.selection import parse_net
from commands.judgement.causes import ids_in
from commands.judgement.estate import Estate
from commands.judgement.judge import Judgement
from commands.judgement.view import head, problems

STATUS_MARK = {"connected": "🟢", "connecting": "🟡", "notconnected": "🔴"}


@dataclass
class ConnectionView:
    conn: Connection
    est: Estate
    judgement: Judgement
    sas: list[IkeSa] | AzureFailure
    nat_rules: list[NatRule] | AzureFailure | None
    now: datetime
    rates: list[Part] = field(default_factory=list)  # Azure Monitor (`commands.metrics.view.rates_parts`)
    ike: list[Part] = field(default_factory=list)  # Log Analytics (`commands.logs.ike.ike_failure_parts`)

    @property
    def gateway(self) -> Gateway | None:
        return self.est.index.gateway_by_key.get(rid_key(self.conn.gateway1_id))

    @property
    def lng(self) -> LocalNetworkGateway | None:
        return self.est.index.lng_by_key.get(rid_key(self.conn.local_network_gateway_id))

    @property
    def reverse(self) -> Connection | None:
        if self.est.depth is None:
            return None
        return self.est.depth.reverses.get(rid_key(self.conn.id))


def findings_about(v: ConnectionView) -> list[Finding]:
    """The judgement's root causes about this connection (and its reverse half) and the SKU
    findings of its gateway: the same findings `/vpn status` and `/vpn diagnose` show."""
    ids = {rid_key(v.conn.id)} | ({rid_key(v.reverse.id)} if v.reverse else set())
    roots = v.judgement.touching(ids)
    gw = rid_key(v.conn.gateway1_id)
    gateway_wide = ("sku_", "near_capacity:")  # its SKU's caps and the throughput (one source, one kind)
    roots += [f for f in v.judgement.roots if f.key.startswith(gateway_wide) and gw in ids_in(f.key) and f not in roots]
    return roots


def live_verdicts(v: ConnectionView) -> list[Finding]:
    """What the live SAs say (only this command reads them): said as evidence beside the
    judgement's findings, never as a second verdict the other commands cannot give."""
    return live_findings(v.conn, v.sas) if isinstance(v.sas, list) else []


def render(v: ConnectionView) -> Reply:
    c = v.conn
    roots = findings_about(v)
    probs = problems(roots)
    mark = STATUS_MARK.get((c.status or "").lower(), "⚪")
    verdict = f"{len(probs)} problem{'s' if len(probs) != 1 else ''}" if probs else "no problem found"
    headline = rich(mark, " ", c.name, f" ({direction(c)}): {c.status or 'Unknown'} · {verdict}")
    unread = _unread(v)
    live = live_verdicts(v)
    reply = Reply(fallback=headline)
    more = rich("Live: ", join("; ", [f.title for f in live])) if live else ""
    reply.add(*head(headline, probs, unread=len(unread), more=more))
    if unread:
        reply.more(
            Text(
                rich(
                    Icon.WARNING,
                    " ",
                    strong("Could not read everything"),
                    " — the rest is shown:\n",
                    join("\n", unread),
                )
            )
        )
    reply.more(*[f for f in roots if f.severity != "ok"])
    reply.more(_ends(v))
    reply.more(*_live_parts(v))
    reply.more(*_monitor_parts(v, roots))
    reply.more(*_site_parts(v))
    reply.more(
        Text(
            rich(strong("On the far device (Azure cannot see it):"), "\n", join("\n", [rich("• ", x) for x in _far(v)]))
        )
    )
    reply.more(*_sku_parts(v))
    gw = v.gateway
    reply.more(
        Context(
            rich(
                "Its gateway: ",
                code(f"/vpn status {gw.name if gw else c.gateway1_id}"),
                " · the findings are the same in /vpn status and /vpn diagnose.",
            )
        )
    )
    return reply


def _monitor_parts(v: ConnectionView, roots: list[Finding]) -> list[Part]:
    """The rates over the last hour (Azure Monitor) and the IKE failure reasons (Log
    Analytics), without repeating a rate finding the judgement already shows above."""
    shown = {x.key for f in roots for x in f.every() if x.key}
    rates = [p for p in v.rates if not (isinstance(p, Finding) and p.key in shown)]
    return [*rates, *v.ike]


def _unread(v: ConnectionView) -> list[Rich]:
    lines = v.est.gap_lines()
    if isinstance(v.sas, AzureFailure):
        lines.append(rich(f"• getikesas failed for {v.conn.name}: {v.sas.kind}. ", v.sas.advice))
    if isinstance(v.nat_rules, AzureFailure):
        lines.append(rich(f"• the gateway's NAT rules could not be listed: {v.nat_rules.kind}. ", v.nat_rules.advice))
    return lines


# --- both ends ----------------------------------------------------------------------------------


def _policy(p: IpsecPolicy | None) -> str:
    if p is None:
        return "Azure's default proposals"
    return (
        f"custom: IKE {p.ike_encryption}/{p.ike_integrity}/{p.dh_group}; IPsec {p.ipsec_encryption}/"
        f"{p.ipsec_integrity}, PFS {p.pfs_group}; {p.sa_lifetime_s} s / {p.sa_data_kb} KB"
    )


def _nat(rules: list[NatRule], ids: tuple[str, ...]) -> str:
    by_id = {rid_key(r.id): r for r in rules}
    out = []
    for i in ids:
        r = by_id.get(rid_key(i))
        name = i.rstrip("/").rsplit("/", 1)[-1]
        out.append(
            f"{r.name}: {', '.join(r.internal)} → {', '.join(r.external)}" if r else f"{name} (not on the gateway)"
        )
    return "; ".join(out) or "none"


def _rules(v: ConnectionView) -> list[NatRule]:
    if isinstance(v.nat_rules, list):
        return v.nat_rules
    gw = v.gateway
    return list(gw.nat_rules) if gw else []


def _ends(v: ConnectionView) -> Table:
    c, gw, lng, rev = v.conn, v.gateway, v.lng, v.reverse
    idx = v.est.index
    far_name = lng.name if lng else (rev.name if rev else "?")
    rows: list[tuple[str, str, str]] = [
        (
            "type",
            f"{c.connection_type or '?'} {c.protocol}".strip(),
            f"{rev.protocol} (reverse {rev.name})" if rev else "the device",
        ),
        (
            "IPsec/IKE policy",
            _policy(c.ipsec_policies[0] if c.ipsec_policies else None),
            _policy(rev.ipsec_policies[0] if rev and rev.ipsec_policies else None) if rev else "must offer the same",
        ),
    ]
    if c.policy_based_selectors and gw is not None:
        sel = "; ".join(f"{', '.join(s.local)} ↔ {', '.join(s.remote)}" for s in selectors(idx, c, gw, lng))
        rows.append(("traffic selectors", f"policy-based: {sel}", "the mirror image"))
    else:
        rows.append(
            ("traffic selectors", "route-based: any-to-any (0.0.0.0/0)", "any-to-any, or selectors Azure accepts")
        )
    mode = c.connection_mode or "Default"
    who = {"ResponderOnly": "must initiate", "InitiatorOnly": "must respond"}.get(mode, "either may initiate")
    rules = _rules(v)
    if rev is not None:
        g2 = idx.gateway_by_key.get(rid_key(rev.gateway1_id))
        rev_rules = list(g2.nat_rules) if g2 else []
        rows.append(("who initiates", mode, f"{rev.connection_mode or 'Default'} (the reverse half)"))
        rows.append(("DPD timeout", _dpd(c), _dpd(rev)))
        rows.append(("ingress NAT", _nat(rules, c.ingress_nat_rule_ids), _nat(rev_rules, rev.ingress_nat_rule_ids)))
        rows.append(("egress NAT", _nat(rules, c.egress_nat_rule_ids), _nat(rev_rules, rev.egress_nat_rule_ids)))
    else:
        rows.append(("who initiates", mode, who))
        rows.append(("DPD timeout", _dpd(c), "its own DPD"))
        rows.append(("ingress NAT", _nat(rules, c.ingress_nat_rule_ids), "sends its real addresses"))
        rows.append(("egress NAT", _nat(rules, c.egress_nat_rule_ids), "routes the external mappings"))
    if c.enable_bgp:
        ours = ", ".join(ip for _, ip in c.custom_bgp_addresses) or (", ".join(gw.bgp_peering_addresses) if gw else "?")
        asn = gw.bgp_asn if gw else None
        if lng is not None:
            theirs = f"{lng.bgp_peering_address or '?'} AS {lng.bgp_asn if lng.bgp_asn is not None else '?'}"
        else:
            g2 = idx.gateway_by_key.get(rid_key(c.gateway2_id))
            theirs = f"{', '.join(g2.bgp_peering_addresses) if g2 else '?'} AS {g2.bgp_asn if g2 else '?'}"
        rows.append(("BGP", f"{ours} AS {asn if asn is not None else '?'}", theirs))
    else:
        rows.append(("BGP", "off", "static routes"))
    passing = ", ".join(dict.fromkeys(p.prefix for p in should_pass(idx, c, gw))) if gw else "?"
    if lng is not None:
        site = ", ".join(lng.address_prefixes) or "none"
    else:
        g2 = idx.gateway_by_key.get(rid_key(c.gateway2_id))
        site = ", ".join(idx.vnet_prefixes(g2.vnet_id)) if g2 else "?"
    rows.append(("address space", passing or "?", site))
    rows.append(("shared key", _key_words(v), "the same key" if lng else ""))
    return Table(
        ("", f"Azure ({gw.name if gw else '?'})", f"far end ({far_name})"),
        tuple(rows),
        caption=rich(strong("Both ends")),
        filename="connection.txt",
    )


def _dpd(c: Connection) -> str:
    return f"{c.dpd_timeout_s} s" if c.dpd_timeout_s else "default"


def _key_words(v: ConnectionView) -> str:
    rev = v.reverse
    if rev is None or v.est.depth is None:
        return "PSK (Azure cannot compare it with the device's)" if v.lng else "?"
    check = v.est.depth.facts.shared_keys.get(frozenset({rid_key(v.conn.id), rid_key(rev.id)}))
    return {
        "same": "same as the reverse half (digests compared)",
        "different": "DIFFERENT from the reverse half",
        "unreadable": "could not be compared (no sharedKey/read)",
    }.get(check or "", "not compared")


# --- live SAs ------------------------------------------------------------------------------------


def _live_parts(v: ConnectionView) -> list[Part]:
    if isinstance(v.sas, AzureFailure):
        return []
    verdicts = [rich("⚠️ ", f.title, ". ", f.evidence, " Next: ", f.next_step, " ", f.doc_url) for f in live_verdicts(v)]
    if not v.sas:
        text = rich(strong("Live IKE SAs:"), " none (getikesas answered no security association).")
        return [Text(join("\n", [text, *verdicts]))]
    lines: list[Rich] = [*verdicts]
    for sa in v.sas:
        who = {True: "Azure initiated", False: "the far end initiated", None: "initiator unknown"}[sa.azure_initiated]
        up = f", up {human_duration(sa.elapsed_s)}" if sa.elapsed_s else ""
        lines.append(
            rich(
                f"• IKE {sa.local_endpoint} ↔ {sa.remote_endpoint}: {sa.encryption}/{sa.integrity}/{sa.dh_group}, "
                f"{who}{up}"
            )
        )
        for q in sa.quick_mode:
            lines.append(
                rich(
                    f"    IPsec {q.encryption}/{q.integrity} PFS {q.pfs_group or 'None'}: "
                    f"{', '.join(q.local_selectors) or '?'} ↔ {', '.join(q.remote_selectors) or '?'} · "
                    f"↑ {human_bytes(q.bytes_out)} ↓ {human_bytes(q.bytes_in)}"
                )
            )
        if not sa.quick_mode:
            lines.append(rich("    no IPsec SA under it"))
    return [Text(rich(strong(f"Live IKE SAs ({len(v.sas)}):"), "\n", join("\n", lines)))]


# --- the site's address space against what it advertises ---------------------------------------


def _site_parts(v: ConnectionView) -> list[Part]:
    lng, gw = v.lng, v.gateway
    if lng is None or gw is None:
        return []
    learned = v.est.learned.get(rid_key(gw.id))
    if not isinstance(learned, list):
        if not v.conn.enable_bgp:
            return []  # a gateway without BGP: its learned routes are not read
        return [Text(rich(strong("Site routes:"), " the gateway's learned routes were not read."))]
    if not v.conn.enable_bgp:
        static = {r.network for r in learned if r.origin.lower() == "network"}
        lines = [
            rich(f"• {p}: {'a static route on the gateway' if p in static else 'NOT among the gateway routes'}")
            for p in lng.address_prefixes
        ]
        return [
            Text(rich(strong("The site's address space on the gateway (static, no BGP):"), "\n", join("\n", lines)))
        ]
    peers = {lng.bgp_peering_address, lng.gateway_ip} - {""}
    from_site = sorted(
        {r.network for r in learned if (r.source_peer in peers or r.next_hop in peers) and r.origin.lower() == "ebgp"}
    )
    declared = [p for p in lng.address_prefixes if p != f"{lng.bgp_peering_address}/32"]
    lines = [rich(f"• learned over BGP from {', '.join(sorted(peers))}: {', '.join(from_site) or 'nothing'}")]
    for p in declared:
        net = parse_net(p)
        held = net is not None and any(
            (m := parse_net(x)) is not None and m.version == net.version and net.subnet_of(m)  # type: ignore[arg-type]
            for x in from_site
        )
        lines.append(
            rich(
                f"• {p} (local network gateway): {'also learned' if held else 'static only — not advertised by the site'}"
            )
        )
    return [Text(rich(strong("The site's address space against what it advertises:"), "\n", join("\n", lines)))]


def _far(v: ConnectionView) -> list[Rich]:
    gw = v.gateway
    if gw is None:
        return [rich("the gateway could not be read")]
    return far_end(v.conn, gw, v.lng, v.est.index)


def _sku_parts(v: ConnectionView) -> list[Part]:
    gw = v.gateway
    s = sku(gw.sku) if gw else None
    if gw is None or s is None:
        return []
    tunnels = sum(
        1
        for c in v.est.connections_now
        if rid_key(c.gateway1_id) == rid_key(gw.id) and (c.connection_type or "").lower() in ("ipsec", "vnet2vnet")
    )
    p2s = (
        f"{s.p2s_ikev2_openvpn} IKEv2/OpenVPN + {s.p2s_sstp} SSTP clients"
        if s.p2s_ikev2_openvpn
        else f"{s.p2s_sstp} SSTP clients"
    )
    return [
        Context(
            rich(
                f"{gw.name} is {s.name}: {tunnels} of {s.s2s_tunnels} tunnels used, {p2s}, "
                f"about {s.aggregate_mbps} Mbit/s aggregate (Microsoft's benchmark, not a guarantee): ",
                DOC_SKUS,
            )
        )
    ]


__all__ = ["ConnectionView", "findings_about", "render"]
