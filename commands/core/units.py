"""Numbers as people read them: bytes ("1.2 GB"), rates ("9.6 Mbit/s"), ages ("3 h ago").

Bytes use decimal (SI) prefixes, as Azure Monitor's VPN metrics and network tools do
(1 GB = 10^9 bytes). Rates are in bits per second, the unit gateway SKUs are sold in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_BYTE_UNITS = ("B", "KB", "MB", "GB", "TB", "PB", "EB")
_BIT_UNITS = ("bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s")


def _scaled(value: float, units: tuple[str, ...]) -> str:
    i = 0
    while abs(value) >= 1000 and i < len(units) - 1:
        value /= 1000
        i += 1
    if i == 0:
        return f"{value:.0f} {units[0]}"
    # One decimal below 100 ("1.2 GB", "12.3 MB"), none above ("123 MB").
    text = f"{value:.1f}" if abs(value) < 99.95 else f"{value:.0f}"
    return f"{text} {units[i]}"


def plural(n: int, word: str) -> str:
    """`3 gateways`, `1 gateway` (English `s` plurals only)."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def human_bytes(n: int | float | None) -> str:
    """`1234567890` → "1.2 GB"; `0` → "0 B"; None → "?" (Azure did not say)."""
    if n is None:
        return "?"
    return _scaled(float(n), _BYTE_UNITS)


def human_rate(bytes_per_s: float) -> str:
    """Bytes per second as bits per second: `1_200_000` → "9.6 Mbit/s"."""
    return _scaled(bytes_per_s * 8, _BIT_UNITS)


def human_duration(seconds: float | int | None) -> str:
    """A length of time, two units at most: "45 s", "3 min", "3 h 12 min", "2 d 4 h"."""
    if seconds is None:
        return "?"
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    minutes, _ = divmod(s, 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _coarse(seconds: int) -> str:
    """One unit only, for "… ago": "45 s", "12 min", "3 h", "2 d"."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def ago(then: datetime | None, now: datetime) -> str:
    """How long ago `then` was: "just now", "45 s ago", "3 h ago", "2 d ago"; "?" when unknown.

    Naive datetimes are taken as UTC (Azure's `…UtcTime` fields often come without a zone).
    A time slightly in the future (clock skew between Azure and us) reads as "just now".
    """
    if then is None:
        return "?"
    delta = _as_utc_seconds(now) - _as_utc_seconds(then)
    if delta < 5:
        return "just now"
    return f"{_coarse(int(delta))} ago"


def _as_utc_seconds(t: datetime) -> float:
    if t.tzinfo is None:
        return (t - datetime(1970, 1, 1)).total_seconds()
    return t.timestamp()


# .NET TimeSpan as ARM prints it: "[-][d.]hh:mm:ss[.fffffff]" (BgpPeerStatus.connectedDuration).
_TIMESPAN = re.compile(r"^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*$")


def parse_timespan(text: str | None) -> timedelta | None:
    """`"1.02:03:04.5"` → 1 d 2 h 3 min 4.5 s; None when it is not a TimeSpan."""
    if not text:
        return None
    m = _TIMESPAN.match(text)
    if not m:
        return None
    sign, days, hours, minutes, seconds, frac = m.groups()
    td = timedelta(
        days=int(days or 0),
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds) + (float(f"0.{frac}") if frac else 0.0),
    )
    return -td if sign else td


def when(t: datetime | None) -> str:
    """ "2025-04-15 18:17 UTC" (Slack readers are in every time zone: say which one)."""
    if t is None:
        return "?"
    return f"{t.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
