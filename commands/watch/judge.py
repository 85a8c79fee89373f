"""The watch's judgement: from the last sample and what is seen now, which incidents open
and which recover. Pure: the caller (`bot.watch`) gathers, stores and posts.

Per connection the store keeps one record (namespace `watch.conn`, key = the connection's
id, case-folded): the last sample (time, counters, status, tunnels) and its open
incidents. Per gateway with BGP, one record (`watch.bgp`): the peers' states and their
incidents. An incident is raised once, and recovers once, in the thread of its message:

* `down` — the connection is NotConnected (Azure's connectionStatus);
* `tunnel` — a tunnel is down while the connection is not (an active-active pair lost
  its redundancy, or every tunnel is down under a "Connected" status);
* `one_way` — over the interval since the last sample, bytes went out and none came in,
  or the reverse (a VNet-to-VNet half whose partner never answers, a missing route back).
  Counters restart at every reconnect: a counter lower than in the last sample means a
  reconnect, not negative traffic, and that interval is not judged;
* `bgp:<peer>` — a BGP peer that was Connected in the last sample and is not now.

An incident that opens while its resource is muted (or with no alert channel) is kept
unannounced; it is announced when the mute ends if it is still open, and recovers
silently if it ends first. Announcing is part of the same conditional write as the
sample, so of two overlapping runs only the one whose write wins posts.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commands.alerts import AlertCard
from commands.core import regions
from commands.core.model import BgpPeer, Connection, Gateway, name_of, rid_key
from commands.core.reply import Context, Finding, Reply, Text, code, esc
from commands.core.units import human_bytes, human_duration, when
from commands.findings.connections import (
    bgp_peer_not_connected,
    connection_state,
    direction,
    one_way,
    remote_name,
    tunnel_down,
)
from commands.watch.state import NS_BGP, NS_CONN, is_named, iso, parse_time, sample_of, utc

# A sample younger than this is not replaced by the next run, so that one-way traffic is
# always judged over a real interval: two runs a second apart (an overlap, a retry) would
# otherwise compare counters that had no time to move. The console passes 0.
DEFAULT_MIN_INTERVAL_S = 60.0

TITLES = {
    "down": "is NotConnected",
    "tunnel": "lost a tunnel",
    "one_way": "traffic flows one way",
}


@dataclass(frozen=True)
class Fire:
    """Announce an incident: post `card` to the alert channel."""

    namespace: str
    key: str  # the record
    incident: str  # the incident within it: down | tunnel | one_way | bgp:<peer>
    card: AlertCard
    late: bool = False  # opened earlier (while muted), announced now


@dataclass(frozen=True)
class Recover:
    """An announced incident ended: post `reply` in the thread of `ref`; add `note` to it."""

    namespace: str
    key: str
    incident: str
    ref: str
    reply: Reply
    note: str


@dataclass
class Verdict:
    """The new record value and what to post. `value` is written conditionally first."""

    value: dict[str, Any]
    fires: list[Fire] = field(default_factory=list)
    recovers: list[Recover] = field(default_factory=list)


# --- connections -----------------------------------------------------------------------------


def judge_connection(
    prev: Mapping[str, Any] | None,
    conn: Connection,
    now: datetime,
    *,
    reverse: Connection | None = None,
    gateways: Mapping[str, Gateway] | None = None,
    muted: bool = False,
    min_interval_s: float = DEFAULT_MIN_INTERVAL_S,
) -> Verdict:
    """One connection seen now (after a GET: status, counters, tunnels), against its record.

    `muted`: the connection (or its gateway) is muted, or there is no channel to post to.
    """
    now = utc(now)
    old: dict[str, Any] = copy.deepcopy(dict(prev)) if prev else {}
    incidents: dict[str, dict[str, Any]] = old.get("incidents") or {}
    last = old.get("sample") if isinstance(old.get("sample"), dict) else None
    down = is_named(conn.status, "NotConnected")
    connected = is_named(conn.status, "Connected")

    # The interval's traffic, when there is an interval to judge.
    d_out = d_in = None
    sample = sample_of(conn, now)
    reconnected = False
    if last is not None:
        last_at = parse_time(last.get("at"))
        l_in, l_out = int(last.get("ingress") or 0), int(last.get("egress") or 0)
        reconnected = conn.ingress_bytes < l_in or conn.egress_bytes < l_out
        elapsed = (now - last_at).total_seconds() if last_at is not None else None
        if reconnected or elapsed is None:
            pass  # a new baseline: counters restarted (or the old sample is unreadable)
        elif elapsed < min_interval_s:
            # Too soon to judge: keep the older baseline, refresh only status and tunnels.
            sample.update(at=last["at"], ingress=l_in, egress=l_out)
        else:
            d_out, d_in = conn.egress_bytes - l_out, conn.ingress_bytes - l_in
    elapsed_words = ""
    if d_out is not None and last is not None:
        last_at = parse_time(last.get("at"))
        secs = (now - last_at).total_seconds() if last_at else 0.0
        elapsed_words = f"over the last {human_duration(secs)}" if secs >= 1 else "since the last check"

    opened: dict[str, AlertCard] = {}
    closed: dict[str, tuple[str, str]] = {}  # incident -> (thread text, resolved note)

    # down / up
    if down and "down" not in incidents:
        f = connection_state(conn, now)
        if f is not None:
            opened["down"] = _conn_card(conn, f, now, "down", gateways)
    elif connected and "down" in incidents:
        lasted = _lasted(incidents["down"], now)
        closed["down"] = (f"✅ {code(conn.name)} is Connected again{lasted}.", "Connected again")

    # tunnels (judged only while the connection itself is not down)
    bad = [t for t in conn.tunnels if not is_named(t.status, "Connected")]
    if not down and conn.tunnels:
        if bad and "tunnel" not in incidents:
            f = tunnel_down(conn)
            if f is not None:
                opened["tunnel"] = _conn_card(conn, f, now, "tunnel", gateways)
        elif not bad and "tunnel" in incidents:
            states = " · ".join(f"{esc(t.name)} {esc(t.status)}" for t in conn.tunnels)
            closed["tunnel"] = (
                f"✅ Every tunnel of {code(conn.name)} is up again{_lasted(incidents['tunnel'], now)}: {states}.",
                "every tunnel up again",
            )

    # one-way over the interval
    if d_out is not None and d_in is not None:
        moved = f"+{human_bytes(d_out)} out, +{human_bytes(d_in)} in {elapsed_words}"
        lopsided = (d_out > 0) != (d_in > 0)
        if lopsided and connected and "one_way" not in incidents:
            delta = dataclasses.replace(conn, egress_bytes=d_out, ingress_bytes=d_in)
            f = one_way(delta, reverse, gateways, None)
            if f is not None:
                evidence = (
                    f"{moved}, while {esc(conn.status)}. Totals since it last connected: "
                    f"↑ {human_bytes(conn.egress_bytes)} out, ↓ {human_bytes(conn.ingress_bytes)} in."
                )
                if reverse is not None:
                    evidence += (
                        f" Its reverse {code(reverse.name)}: ↑ {human_bytes(reverse.egress_bytes)} out, "
                        f"↓ {human_bytes(reverse.ingress_bytes)} in."
                    )
                opened["one_way"] = _conn_card(
                    conn, dataclasses.replace(f, evidence=evidence), now, "one_way", gateways
                )
        elif d_out > 0 and d_in > 0 and "one_way" in incidents:
            closed["one_way"] = (
                f"✅ Traffic on {code(conn.name)} flows both ways again{_lasted(incidents['one_way'], now)}: {moved}.",
                "traffic both ways again",
            )

    value: dict[str, Any] = {
        "id": conn.id,
        "name": conn.name,
        "gateway": conn.gateway1_id,
        "sample": sample,
        "incidents": incidents,
    }
    if reconnected:
        value["reconnected_at"] = iso(now)
    elif old.get("reconnected_at"):
        value["reconnected_at"] = old["reconnected_at"]
    return _settle(NS_CONN, rid_key(conn.id), value, incidents, opened, closed, now, muted)


def judge_gone(prev: Mapping[str, Any], now: datetime) -> Verdict:
    """A connection (or gateway) with a record that no longer exists: its incidents end."""
    now = utc(now)
    old: dict[str, Any] = copy.deepcopy(dict(prev))
    incidents: dict[str, dict[str, Any]] = old.get("incidents") or {}
    name = str(old.get("name") or name_of(str(old.get("id") or "")))
    ns = NS_BGP if "peers" in old else NS_CONN
    if ns == NS_BGP:
        text = f"✅ {code(name)} no longer reports BGP peers (deleted, or BGP turned off): this alert is closed."
    else:
        text = f"✅ {code(name)} no longer exists in Azure: this alert is closed."
    closed = {k: (text, "no longer watched") for k in incidents}
    return _settle(ns, rid_key(str(old.get("id") or "")), old, incidents, {}, closed, now, muted=True)


def _lasted(incident: Mapping[str, Any], now: datetime) -> str:
    opened = parse_time(incident.get("opened"))
    if opened is None or opened > now:
        return ""
    return f" after {human_duration((now - opened).total_seconds())}"


def _conn_card(
    conn: Connection, f: Finding, now: datetime, kind: str, gateways: Mapping[str, Gateway] | None
) -> AlertCard:
    gw = (gateways or {}).get(rid_key(conn.gateway1_id))
    region = regions.display_name(conn.location or (gw.location if gw else "")) or "?"
    emoji = "🔴" if f.severity == "critical" else "🟠"
    what = TITLES[kind]
    if kind == "tunnel" and conn.tunnels and not any(is_named(t.status, "Connected") for t in conn.tunnels):
        what = "every tunnel is down"
    fields: list[tuple[str, str]] = [
        ("Connection", f"{code(conn.name)} · {esc(conn.connection_type or '?')}"),
        ("Path", esc(direction(conn))),
        ("Region", esc(region)),
        ("Status", esc(conn.status or "Unknown")),
    ]
    if conn.tunnels:
        fields.append(("Tunnels", " · ".join(f"{esc(t.name)} {esc(t.status)}" for t in conn.tunnels)))
    return AlertCard(
        title=f"{emoji} {conn.name}: {what}",
        severity=f.severity,
        summary=f"*{f.title}*\n{f.evidence}" if f.evidence else f"*{f.title}*",
        fields=tuple(fields),
        details=(f"*Next:* {f.next_step}",) if f.next_step else (),
        context=f"vpnops watch · since {esc(when(now))} · remote {code(remote_name(conn))}",
        subject=conn.id,
        subject_label=conn.name,
        status_target=conn.id,
        links=(("Microsoft Learn", f.doc_url),) if f.doc_url else (),
        fallback=f"{conn.name}: {what}",
        source="watch",
    )


def _settle(
    namespace: str,
    key: str,
    value: dict[str, Any],
    incidents: dict[str, dict[str, Any]],
    opened: Mapping[str, AlertCard],
    closed: Mapping[str, tuple[str, str]],
    now: datetime,
    muted: bool,
) -> Verdict:
    """Apply openings and closings to `incidents` (inside `value`) and decide what to post."""
    verdict = Verdict(value)
    for k, card in opened.items():
        # The card is kept only until it is posted (a muted incident may be announced
        # later); then its message's state holds it, and the record stays small (Table
        # Storage allows 64 KiB per property, and a BGP hub may have many peers down).
        incidents[k] = {"opened": iso(now), "announced": False, "ref": "", "title": card.title, "card": card.to_json()}
    for k, (text, note) in closed.items():
        inc = incidents.pop(k, None)
        if inc is None or not inc.get("announced"):
            continue  # never announced (muted): it ends as quietly as it began
        ref = str(inc.get("ref") or "")
        reply = Reply(fallback=_plain_first(text)).add(Text(text))
        if inc.get("title"):
            reply.add(Context(f"Raised {esc(when(parse_time(inc.get('opened'))))}: {esc(inc['title'])}"))
        line = f"Recovered {when(now)}{_lasted(inc, now)}: {note} (see the thread)"
        verdict.recovers.append(Recover(namespace, key, k, ref, reply, line))
    if not muted:
        for k, inc in incidents.items():
            if inc.get("announced"):
                continue
            inc["announced"] = True
            inc["announced_at"] = iso(now)
            opened_at = parse_time(inc.get("opened"))
            card = AlertCard.from_json(inc.pop("card", None) or {})
            verdict.fires.append(Fire(namespace, key, k, card, late=opened_at is not None and opened_at < now))
    return verdict


def _plain_first(text: str) -> str:
    return text.replace("*", "").replace("`", "")[:150]


# --- BGP peers ---------------------------------------------------------------------------------


def judge_bgp(
    prev: Mapping[str, Any] | None,
    gateway: Gateway,
    peers: tuple[BgpPeer, ...] | list[BgpPeer],
    now: datetime,
    *,
    muted: bool = False,
) -> Verdict:
    """A gateway's BGP peers now, against the states in its record: a peer leaving
    Connected opens `bgp:<peer>`; it recovers when the peer is Connected again."""
    now = utc(now)
    old: dict[str, Any] = copy.deepcopy(dict(prev)) if prev else {}
    incidents: dict[str, dict[str, Any]] = old.get("incidents") or {}
    before: dict[str, str] = dict(old.get("peers") or {})
    opened: dict[str, AlertCard] = {}
    closed: dict[str, tuple[str, str]] = {}
    seen: dict[str, str] = {}
    for p in peers:
        seen[p.neighbor] = p.state
        k = f"bgp:{p.neighbor}"
        was = before.get(p.neighbor, "")
        if is_named(was, "Connected") and not is_named(p.state, "Connected") and k not in incidents:
            f = bgp_peer_not_connected(gateway, p)
            if f is not None:
                opened[k] = _bgp_card(gateway, p, f, now)
        elif is_named(p.state, "Connected") and k in incidents:
            closed[k] = (
                f"✅ BGP peer {code(p.neighbor)} of {code(gateway.name)} is Connected again"
                f"{_lasted(incidents[k], now)} ({p.routes_received} routes received).",
                "Connected again",
            )
    for k in list(incidents):
        neighbor = k.partition(":")[2]
        if neighbor not in seen and k not in closed:
            closed[k] = (
                f"✅ {code(gateway.name)} no longer reports the BGP peer {code(neighbor)}: this alert is closed.",
                "peer no longer configured",
            )
    value = {"id": gateway.id, "name": gateway.name, "peers": seen, "incidents": incidents, "at": iso(now)}
    return _settle(NS_BGP, rid_key(gateway.id), value, incidents, opened, closed, now, muted)


def _bgp_card(gateway: Gateway, peer: BgpPeer, f: Finding, now: datetime) -> AlertCard:
    asn = f"AS {peer.asn}" if peer.asn is not None else "?"
    return AlertCard(
        title=f"🟠 {gateway.name}: BGP peer {peer.neighbor} left Connected ({peer.state or 'Unknown'})",
        severity="warning",
        summary=f"*{f.title}*\n{f.evidence}",
        fields=(
            ("Gateway", code(gateway.name)),
            ("Peer", f"{esc(peer.neighbor)} · {esc(asn)}"),
            ("Region", esc(regions.display_name(gateway.location) or "?")),
            ("State", f"Connected → {esc(peer.state or 'Unknown')}"),
        ),
        details=(f"*Next:* {f.next_step}",) if f.next_step else (),
        context=f"vpnops watch · since {esc(when(now))}",
        subject=gateway.id,
        subject_label=gateway.name,
        status_target=gateway.id,
        links=(("Microsoft Learn", f.doc_url),) if f.doc_url else (),
        fallback=f"BGP peer {peer.neighbor} of {gateway.name} left Connected",
        source="watch",
    )


def summary_line(fired: int, recovered: int, connections: int, gateways: int) -> str:
    """ "watch: 4 connections on 2 gateways checked; 2 alerts, 0 recoveries" """
    return (
        f"watch: {connections} connection{'s' if connections != 1 else ''} on {gateways} "
        f"gateway{'s' if gateways != 1 else ''} checked; {fired} alert{'s' if fired != 1 else ''}, "
        f"{recovered} recover{'ies' if recovered != 1 else 'y'}"
    )
