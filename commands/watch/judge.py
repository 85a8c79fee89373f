"""The watch's judgement: from the last sample and what is seen now, which incidents open
and which recover. Pure: the watch cycle (`run.py`) gathers, stores and posts.

Per connection the store keeps one record (namespace `watch.conn`, key = the connection's
id, case-folded): the last sample (time, counters, status, tunnels) and its open
incidents. Per gateway with BGP, one record (`watch.bgp`): the peers' states and their
incidents. An incident is raised once, and recovers once, in the thread of its message:

* `down` — the connection is NotConnected (Azure's connectionStatus);
* a VNet-to-VNet pair is one tunnel (two connection resources, one per direction): its
  `down` and `one_way` incidents are raised once, naming both halves — by the half that
  leads the pair (`leads`), or by the other when the leading half cannot see it (it is
  Connected while this one is not, or not Connected while this one carries traffic);
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

from commands.alerts.card import AlertCard
from commands.core.model import BgpPeer, Connection, Gateway, name_of, rid_key
from commands.core.reply import Context, Finding, Reply, Text
from commands.core.text import Code, Rich, code, rich
from commands.core.units import human_bytes, human_duration, when
from commands.findings.connections.checks import bgp_peer_not_connected, connection_state, one_way, tunnel_down
from commands.watch.cards import bgp_card, connection_card
from commands.watch.state import NS_BGP, NS_CONN, is_named, iso, parse_time, sample_of, utc

# The incidents of a VNet-to-VNet pair: raised once for the tunnel, by the half that speaks.
PAIR_INCIDENTS = frozenset({"down", "one_way"})

# A sample younger than this is not replaced by the next run, so that one-way traffic is
# always judged over a real interval: two runs a second apart (an overlap, a retry) would
# otherwise compare counters that had no time to move. The console passes 0.
DEFAULT_MIN_INTERVAL_S = 60.0


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
    note: str  # the line the incident's own message gets


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
    leads: bool = True,
    causes: Mapping[str, Finding] | None = None,
) -> Verdict:
    """One connection seen now (after a GET: status, counters, tunnels), against its record.

    `muted`: the connection (or its gateway) is muted, or there is no channel to post to.
    `leads`: False for the half of a VNet-to-VNet pair (`reverse` watched too) whose partner
    raises the pair's `down` and `one_way` incidents (one incident per tunnel). `causes`:
    finding key -> the root cause the judgement folds it under (a card names it first).
    """
    now = utc(now)
    old: dict[str, Any] = copy.deepcopy(dict(prev)) if prev else {}
    incidents: dict[str, dict[str, Any]] = old.get("incidents") or {}
    last = old.get("sample") if isinstance(old.get("sample"), dict) else None
    sample = sample_of(conn, now)
    traffic, reconnected = _interval(last, conn, now, min_interval_s, sample)
    t = _Transitions(conn, now, incidents, gateways, reverse, leads, causes or {})
    t.down_or_up()
    t.tunnels()
    if traffic is not None:
        t.one_way(traffic, reverse)
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
    return _settle(NS_CONN, rid_key(conn.id), value, incidents, t.opened, t.closed, now, muted)


@dataclass(frozen=True)
class _Traffic:
    """Bytes out and in over the interval since the last sample, and that interval in words."""

    out: int
    into: int
    words: str


def _interval(
    last: Mapping[str, Any] | None, conn: Connection, now: datetime, min_interval_s: float, sample: dict[str, Any]
) -> tuple[_Traffic | None, bool]:
    """The interval's traffic when there is an interval to judge, and whether the counters
    restarted (a reconnect). Too soon after the last sample, `sample` keeps its baseline."""
    if last is None:
        return None, False
    last_at = parse_time(last.get("at"))
    l_in, l_out = int(last.get("ingress") or 0), int(last.get("egress") or 0)
    reconnected = conn.ingress_bytes < l_in or conn.egress_bytes < l_out
    if reconnected or last_at is None:
        return None, reconnected  # a new baseline: counters restarted (or the old sample is unreadable)
    secs = (now - last_at).total_seconds()
    if secs < min_interval_s:
        # Too soon to judge: keep the older baseline, refresh only status and tunnels.
        sample.update(at=last["at"], ingress=l_in, egress=l_out)
        return None, False
    words = f"over the last {human_duration(secs)}" if secs >= 1 else "since the last check"
    return _Traffic(conn.egress_bytes - l_out, conn.ingress_bytes - l_in, words), False


@dataclass
class _Transitions:
    """The incidents one connection opens and closes now (judged against `incidents`)."""

    conn: Connection
    now: datetime
    incidents: Mapping[str, Mapping[str, Any]]
    gateways: Mapping[str, Gateway] | None
    reverse: Connection | None = None
    leads: bool = True
    causes: Mapping[str, Finding] = field(default_factory=dict)
    opened: dict[str, AlertCard] = field(default_factory=dict)
    closed: dict[str, tuple[Rich, str]] = field(default_factory=dict)  # incident -> (thread text, note)

    def _partner_raises(self, kind: str) -> bool:
        """Whether the leading half of this pair raises `kind` itself (it sees it too)."""
        if self.leads or self.reverse is None or kind not in PAIR_INCIDENTS:
            return False
        if kind == "down":
            return is_named(self.reverse.status, "NotConnected")
        return is_named(self.reverse.status, "Connected")

    def _open(self, kind: str, f: Finding | None) -> None:
        if f is None or self._partner_raises(kind):
            return
        cause = self.causes.get(f.key)
        self.opened[kind] = connection_card(
            self.conn, f, self.now, kind, self.gateways, reverse=self.reverse, cause=cause
        )

    def _lasted(self, kind: str) -> str:
        return _lasted(self.incidents[kind], self.now)

    def down_or_up(self) -> None:
        conn = self.conn
        if is_named(conn.status, "NotConnected") and "down" not in self.incidents:
            self._open("down", connection_state(conn, self.now))
        elif is_named(conn.status, "Connected") and "down" in self.incidents:
            text = rich("✅ ", code(conn.name), f" is Connected again{self._lasted('down')}.")
            self.closed["down"] = (text, "Connected again")

    def tunnels(self) -> None:
        """Judged only while the connection itself is not down."""
        conn = self.conn
        if is_named(conn.status, "NotConnected") or not conn.tunnels:
            return
        bad = [t for t in conn.tunnels if not is_named(t.status, "Connected")]
        if bad and "tunnel" not in self.incidents:
            self._open("tunnel", tunnel_down(conn))
        elif not bad and "tunnel" in self.incidents:
            states = " · ".join(f"{t.name} {t.status}" for t in conn.tunnels)
            text = rich("✅ Every tunnel of ", code(conn.name), f" is up again{self._lasted('tunnel')}: {states}.")
            self.closed["tunnel"] = (text, "every tunnel up again")

    def one_way(self, traffic: _Traffic, reverse: Connection | None) -> None:
        conn = self.conn
        moved = f"+{human_bytes(traffic.out)} out, +{human_bytes(traffic.into)} in {traffic.words}"
        lopsided = (traffic.out > 0) != (traffic.into > 0)
        if lopsided and is_named(conn.status, "Connected") and "one_way" not in self.incidents:
            delta = dataclasses.replace(conn, egress_bytes=traffic.out, ingress_bytes=traffic.into)
            f = one_way(delta, reverse, self.gateways, None)
            if f is not None:
                evidence = rich(
                    f"{moved}, while {conn.status}. Totals since it last connected: "
                    f"↑ {human_bytes(conn.egress_bytes)} out, ↓ {human_bytes(conn.ingress_bytes)} in."
                )
                if reverse is not None:
                    evidence += rich(
                        " Its reverse ",
                        code(reverse.name),
                        f": ↑ {human_bytes(reverse.egress_bytes)} out, ↓ {human_bytes(reverse.ingress_bytes)} in.",
                    )
                self._open("one_way", dataclasses.replace(f, evidence=evidence))
        elif traffic.out > 0 and traffic.into > 0 and "one_way" in self.incidents:
            text = rich("✅ Traffic on ", code(conn.name), f" flows both ways again{self._lasted('one_way')}: {moved}.")
            self.closed["one_way"] = (text, "traffic both ways again")


def judge_gone(prev: Mapping[str, Any], now: datetime) -> Verdict:
    """A connection (or gateway) with a record that no longer exists: its incidents end."""
    now = utc(now)
    old: dict[str, Any] = copy.deepcopy(dict(prev))
    incidents: dict[str, dict[str, Any]] = old.get("incidents") or {}
    name = str(old.get("name") or name_of(str(old.get("id") or "")))
    ns = NS_BGP if "peers" in old else NS_CONN
    if ns == NS_BGP:
        text = rich(
            "✅ ", code(name), " no longer reports BGP peers (deleted, or BGP turned off): this alert is closed."
        )
    else:
        text = rich("✅ ", code(name), " no longer exists in Azure: this alert is closed.")
    closed = {k: (text, "no longer watched") for k in incidents}
    return _settle(ns, rid_key(str(old.get("id") or "")), old, incidents, {}, closed, now, muted=True)


def _lasted(incident: Mapping[str, Any], now: datetime) -> str:
    opened = parse_time(incident.get("opened"))
    if opened is None or opened > now:
        return ""
    return f" after {human_duration((now - opened).total_seconds())}"


def _settle(
    namespace: str,
    key: str,
    value: dict[str, Any],
    incidents: dict[str, dict[str, Any]],
    opened: Mapping[str, AlertCard],
    closed: Mapping[str, tuple[Rich, str]],
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
        reply = Reply(fallback=rich(_plain_first(text))).add(Text(text))
        if inc.get("title"):
            reply.add(Context(rich(f"Raised {when(parse_time(inc.get('opened')))}: {inc['title']}")))
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


def _plain_first(text: Rich) -> str:
    """The words of `text` without code's backticks, cut for a notification."""
    return "".join(s.text if isinstance(s, Code) else str(s) for s in text)[:150]


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
    closed: dict[str, tuple[Rich, str]] = {}
    seen: dict[str, str] = {}
    for p in peers:
        seen[p.neighbor] = p.state
        k = f"bgp:{p.neighbor}"
        was = before.get(p.neighbor, "")
        if is_named(was, "Connected") and not is_named(p.state, "Connected") and k not in incidents:
            f = bgp_peer_not_connected(gateway, p)
            if f is not None:
                opened[k] = bgp_card(gateway, p, f, now)
        elif is_named(p.state, "Connected") and k in incidents:
            closed[k] = (
                rich(
                    "✅ BGP peer ",
                    code(p.neighbor),
                    " of ",
                    code(gateway.name),
                    f" is Connected again{_lasted(incidents[k], now)} ({p.routes_received} routes received).",
                ),
                "Connected again",
            )
    for k in list(incidents):
        neighbor = k.partition(":")[2]
        if neighbor not in seen and k not in closed:
            closed[k] = (
                rich(
                    "✅ ",
                    code(gateway.name),
                    " no longer reports the BGP peer ",
                    code(neighbor),
                    ": this alert is closed.",
                ),
                "peer no longer configured",
            )
    value = {"id": gateway.id, "name": gateway.name, "peers": seen, "incidents": incidents, "at": iso(now)}
    return _settle(NS_BGP, rid_key(gateway.id), value, incidents, opened, closed, now, muted)
