"""What the watch keeps in the store, and what `/vpn status` and `/vpn alerts` read of it.

Per connection one record (namespace `watch.conn`, key = the connection's id, case-folded):
the last sample (time, counters, status, tunnels) and its open incidents. Per gateway with
BGP one record (`watch.bgp`): the peers' states and their incidents. `judge` decides how
they change; this module only names and reads them, so the commands that show them need
nothing else of the watch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from commands.core.model import Connection
from commands.core.store import Store
from commands.core.text import Rich, rich
from commands.core.units import when

NS_CONN = "watch.conn"
NS_BGP = "watch.bgp"


class CounterSample(Protocol):
    """An earlier reading of one connection's counters (the watch keeps one per connection)."""

    @property
    def at(self) -> datetime: ...

    @property
    def ingress_bytes(self) -> int: ...

    @property
    def egress_bytes(self) -> int: ...


@dataclass(frozen=True)
class Sample:
    """A plain `CounterSample`."""

    at: datetime
    ingress_bytes: int
    egress_bytes: int


# --- time in records -------------------------------------------------------------------------


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat() if t.tzinfo else t.replace(tzinfo=UTC).isoformat()


def parse_time(raw: Any) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        t = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def is_named(value: str, name: str) -> bool:
    return (value or "").lower() == name.lower()


def sample_of(conn: Connection, at: datetime) -> dict[str, Any]:
    return {
        "at": iso(at),
        "ingress": conn.ingress_bytes,
        "egress": conn.egress_bytes,
        "status": conn.status,
        "tunnels": {t.name: t.status for t in conn.tunnels},
    }


def last_samples(store: Store) -> dict[str, Sample]:
    """The watch's last counters per connection, for "+1.2 GB out … in the last 5 min"."""
    out: dict[str, Sample] = {}
    for rec in store.list_state(NS_CONN):
        s = rec.value.get("sample")
        if not isinstance(s, dict):
            continue
        at = parse_time(s.get("at"))
        if at is None:
            continue
        out[rec.key] = Sample(at=at, ingress_bytes=int(s.get("ingress") or 0), egress_bytes=int(s.get("egress") or 0))
    return out


def open_incidents(store: Store, now: datetime) -> list[Rich]:
    """One line per open incident of the watch, for `/vpn alerts`."""
    lines: list[Rich] = []
    for ns in (NS_CONN, NS_BGP):
        for rec in store.list_state(ns):
            for k, inc in sorted((rec.value.get("incidents") or {}).items()):
                opened = parse_time(inc.get("opened"))
                since = f" since {when(opened)}" if opened else ""
                quiet = "" if inc.get("announced") else " (not posted yet: muted, or no alert channel)"
                lines.append(rich(f"• {inc.get('title') or k}{since}{quiet}"))
    return lines
