"""Human units used by `/vpn status`: bytes, rates, durations, ages, .NET TimeSpans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commands.core.units import ago, human_bytes, human_duration, human_rate, parse_timespan

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1_000, "1.0 KB"),
        (1_234_567, "1.2 MB"),
        (1_234_567_890, "1.2 GB"),
        (99_940_000, "99.9 MB"),
        (123_456_789, "123 MB"),
        (5 * 10**15, "5.0 PB"),
        (None, "?"),
    ],
)
def test_human_bytes(n: int | None, text: str) -> None:
    assert human_bytes(n) == text


def test_human_rate_is_in_bits_per_second() -> None:
    assert human_rate(1_200_000) == "9.6 Mbit/s"
    assert human_rate(0) == "0 bit/s"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (180, "3 min"),
        (3 * 3600, "3 h"),
        (3 * 3600 + 720, "3 h 12 min"),
        (2 * 86400 + 4 * 3600, "2 d 4 h"),
        (None, "?"),
        (-5, "0 s"),
    ],
)
def test_human_duration(seconds: int | None, text: str) -> None:
    assert human_duration(seconds) == text


def test_ago_in_one_unit() -> None:
    assert ago(NOW - timedelta(hours=3, minutes=40), NOW) == "3 h ago"
    assert ago(NOW - timedelta(seconds=45), NOW) == "45 s ago"
    assert ago(NOW - timedelta(days=9), NOW) == "9 d ago"
    assert ago(NOW - timedelta(minutes=12), NOW) == "12 min ago"


def test_ago_tolerates_clock_skew_naive_times_and_none() -> None:
    assert ago(NOW + timedelta(seconds=30), NOW) == "just now"
    assert ago(datetime(2025, 3, 1, 9, 0), NOW) == "3 h ago"  # naive = UTC, as ARM's …UtcTime
    assert ago(None, NOW) == "?"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("01:02:03", 3723), ("1.02:03:04.5", 93784.5), ("00:00:00.1234567", 0.1234567), ("-00:01:00", -60)],
)
def test_parse_timespan(text: str, seconds: float) -> None:
    td = parse_timespan(text)
    assert td is not None and td.total_seconds() == pytest.approx(seconds, abs=1e-6)


@pytest.mark.parametrize("text", [None, "", "soon", "1:2", "25h"])
def test_parse_timespan_rejects_what_is_not_a_timespan(text: str | None) -> None:
    assert parse_timespan(text) is None
