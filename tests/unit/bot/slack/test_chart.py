"""A reply's Chart as a PNG (matplotlib's Agg renderer, no pyplot) and as console text."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

from bot.slack.chart import DPI, HEIGHT_IN, WIDTH_IN, png
from bot.slack.render import render
from bot.slack.text import chart_text
from commands.core.reply import Chart, ChartSeries, Reply, Text

T0 = datetime(2026, 3, 23, 13, 0, tzinfo=UTC)


def chart(*values: float | None) -> Chart:
    pts = tuple((T0 + timedelta(minutes=5 * i), v) for i, v in enumerate(values))
    return Chart("cn: traffic, the last hour", "Mbit/s", (ChartSeries("out", pts), ChartSeries("in", pts)), "peak 3")


def test_a_chart_is_a_phone_sized_png_even_with_gaps() -> None:
    data = png(chart(1.0, 2.0, None, 3.0))
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))


def test_a_chart_goes_to_the_thread_as_a_file_and_the_message_says_so() -> None:
    r = render(Reply("x", [Text("head")], thread=[chart(1.0, 2.0, 3.0)]))
    (f,) = r.files
    assert f.filename == "chart.png" and f.data.startswith(b"\x89PNG") and f.alt
    assert "picture below" in str(r.thread[0].blocks)


def test_the_console_draws_a_sparkline_with_gaps() -> None:
    text = chart_text(chart(0.0, 4.0, None, 8.0))
    assert text.splitlines()[0] == "📈 cn: traffic, the last hour — peak 3"
    assert text.splitlines()[1].endswith("▁▄ █")
