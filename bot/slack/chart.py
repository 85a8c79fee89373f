"""A reply's `Chart` → a small PNG, with matplotlib's Agg renderer.

The object-oriented API only (`matplotlib.figure.Figure` and its Agg canvas): no pyplot, so
no global figure state shared by the worker's threads and no GUI backend. matplotlib is
imported on first use, never on the Slack ack path (tests/e2e/bot/slack/test_ack_path_imports.py).
The picture is made for a phone: 640×260 px, one line per series, the times in UTC, a gap
where Azure had no data (None), never a line drawn through it at 0.
`bench/chart_render.py` measures how long one takes.
"""

from __future__ import annotations

import io
from typing import Any

from commands.core.reply import Chart

WIDTH_IN, HEIGHT_IN, DPI = 6.4, 2.6, 100
COLOURS = ("#1d3557", "#e63946", "#2a9d8f", "#f4a261", "#6d597a", "#457b9d")


def png(chart: Chart) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    ax: Any = fig.add_subplot(1, 1, 1)
    for i, s in enumerate(chart.series):
        xs = [t for t, _ in s.points]
        ys = [float("nan") if v is None else v for _, v in s.points]
        ax.plot(xs, ys, label=s.label, color=COLOURS[i % len(COLOURS)], linewidth=1.6, marker="o", markersize=2.5)
    ax.set_title(chart.title, fontsize=10, loc="left")
    ax.set_ylabel(chart.unit, fontsize=8)
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)
    ax.set_xlabel("UTC", fontsize=7)
    if len(chart.series) > 1:
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    fig.subplots_adjust(
        left=0.09, right=0.98, top=0.88, bottom=0.2
    )  # fixed margins: tight_layout costs more than the drawing
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


__all__ = ["png"]
