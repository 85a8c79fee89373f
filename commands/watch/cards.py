"""The watch's alert messages: a connection down, a tunnel lost, one-way traffic, a BGP peer
that left Connected. Each is an `AlertCard` built from the finding `/vpn status` would show
for the same facts, with the connection's or the gateway's details beside it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from commands.alerts.card import AlertCard
from commands.core import regions
from commands.core.model import BgpPeer, Connection, Gateway, rid_key
from commands.core.reply import Finding
from commands.core.text import Rich, code, rich, strong
from commands.core.units import when
from commands.findings.connections.facts import direction, remote_name
from commands.watch.state import is_named

TITLES = {
    "down": "is NotConnected",
    "tunnel": "lost a tunnel",
    "one_way": "traffic flows one way",
}


def _summary(f: Finding) -> Rich:
    return rich(strong(f.title), "\n", f.evidence) if f.evidence else rich(strong(f.title))


def _next(f: Finding) -> tuple[Rich, ...]:
    return (rich(strong("Next:"), " ", f.next_step),) if f.next_step else ()


def _links(f: Finding) -> tuple[tuple[str, str], ...]:
    return (("Microsoft Learn", f.doc_url),) if f.doc_url else ()


def connection_card(
    conn: Connection,
    f: Finding,
    now: datetime,
    kind: str,
    gateways: Mapping[str, Gateway] | None,
    reverse: Connection | None = None,
    cause: Finding | None = None,
) -> AlertCard:
    """A connection's incident (`down`, `tunnel`, `one_way`) as an alert message. A
    VNet-to-VNet pair is one tunnel: the card names both halves. With `cause` (the root
    cause the judgement found), the card says it first, and its next step is the cause's."""
    gw = (gateways or {}).get(rid_key(conn.gateway1_id))
    region = regions.display_name(conn.location or (gw.location if gw else "")) or "?"
    emoji = "🔴" if f.severity == "critical" or (cause is not None and cause.severity == "critical") else "🟠"
    what = TITLES[kind]
    if kind == "tunnel" and conn.tunnels and not any(is_named(t.status, "Connected") for t in conn.tunnels):
        what = "every tunnel is down"
    name = f"{conn.name} ⇄ {reverse.name}" if reverse is not None else conn.name
    fields: list[tuple[str, Rich]] = [
        ("Connection", rich(code(conn.name), f" · {conn.connection_type or '?'}")),
        ("Path", rich(direction(conn))),
        ("Region", rich(region)),
        ("Status", rich(conn.status or "Unknown")),
    ]
    if reverse is not None:
        fields.append(("Reverse", rich(code(reverse.name), f" · {reverse.status or 'Unknown'}")))
    if conn.tunnels:
        fields.append(("Tunnels", rich(" · ".join(f"{t.name} {t.status}" for t in conn.tunnels))))
    summary = _summary(f)
    if cause is not None and cause.key != f.key:
        summary = (
            rich(strong("Cause: ", cause.title), "\n", cause.evidence, "\n", f.title)
            if cause.evidence
            else rich(strong("Cause: ", cause.title), "\n", f.title)
        )
    return AlertCard(
        title=f"{emoji} {name}: {what}",
        severity=f.severity,
        summary=summary,
        fields=tuple(fields),
        details=_next(cause if cause is not None else f),
        context=rich(f"vpnops watch · since {when(now)} · remote ", code(remote_name(conn))),
        subject=conn.id,
        subject_label=conn.name,
        status_target=conn.id,
        links=_links(cause if cause is not None and cause.doc_url else f),
        fallback=f"{name}: {what}",
        source="watch",
    )


def bgp_card(gateway: Gateway, peer: BgpPeer, f: Finding, now: datetime) -> AlertCard:
    """A BGP peer that left Connected, as an alert message."""
    asn = f"AS {peer.asn}" if peer.asn is not None else "?"
    return AlertCard(
        title=f"🟠 {gateway.name}: BGP peer {peer.neighbor} left Connected ({peer.state or 'Unknown'})",
        severity="warning",
        summary=rich(strong(f.title), "\n", f.evidence),
        fields=(
            ("Gateway", rich(code(gateway.name))),
            ("Peer", rich(f"{peer.neighbor} · {asn}")),
            ("Region", rich(regions.display_name(gateway.location) or "?")),
            ("State", rich(f"Connected → {peer.state or 'Unknown'}")),
        ),
        details=_next(f),
        context=rich(f"vpnops watch · since {when(now)}"),
        subject=gateway.id,
        subject_label=gateway.name,
        status_target=gateway.id,
        links=_links(f),
        fallback=f"BGP peer {peer.neighbor} of {gateway.name} left Connected",
        source="watch",
    )
