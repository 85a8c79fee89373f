"""Azure Monitor metrics: how many calls the rates of N gateways take, and how fast a chart is.

1. Reading: N VPN gateways (half in North Europe, half in West Europe, one connection each)
   in the sandbox, their last hour read as `/vpn status` reads it
   (`commands.judgement.rates.read_rates`: the batch API through azure-monitor-querymetrics'
   MetricsClient over HTTP). Counted: the `metrics:getBatch` calls the emulator served, against
   the per-resource ARM metrics calls the same data would take (one per gateway and
   dimension set — the known cause of ARM throttling the batch API avoids).
2. Rendering: the chart of one connection (two series of 12 points, and of 24) to PNG with
   matplotlib's Agg renderer — the first in a fresh process (matplotlib's import included)
   and the median of the next ones.

Prints, last line:

    metrics gateways=60 batch_calls=8 per_resource_calls=240 read_s=0.41 chart_first_ms=420 chart_ms=38 chart_24_ms=41 png_kb=18

    .venv/bin/python bench/metrics.py [--gateways 60] [--charts 20]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.arm.client import ArmClient  # noqa: E402
from bot.arm.credentials import StaticTokenCredential  # noqa: E402
from commands.core.model import Gateway  # noqa: E402
from commands.core.registry import Ctx, DomainSettings  # noqa: E402
from commands.judgement.rates import read_rates, window_ending  # noqa: E402
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator  # noqa: E402
from sandbox.estate import load_estate  # noqa: E402

_FIRST_CHART = """
import sys, time
t = time.perf_counter()
sys.path.insert(0, {root!r})
from bench.metrics import sample_chart
from bot.slack.chart import png
png(sample_chart(12))
print((time.perf_counter() - t) * 1000)
"""


def estate(n: int) -> dict[str, object]:
    """The seed's subscription with `n` copies of its Europe gateway, each with a tunnel's metrics."""
    seed = load_estate(SEED_ESTATE)
    sub = seed["subscriptions"][0]["subscriptionId"]  # type: ignore[index]
    base = next(r for r in seed["resources"] if r["type"].endswith("virtualNetworkGateways"))  # type: ignore[attr-defined]
    spec = next(iter(v for k, v in seed["metrics"].items() if not k.startswith("$")))  # type: ignore[attr-defined]
    gws, metrics = [], {}
    for i in range(n):
        doc = copy.deepcopy(base)
        doc["name"] = f"vgw-{i:03d}"
        doc["id"] = (
            f"/subscriptions/{sub}/resourceGroups/rg-bench/providers/Microsoft.Network/virtualNetworkGateways/vgw-{i:03d}"
        )
        doc["location"] = "northeurope" if i % 2 == 0 else "westeurope"
        gws.append(doc)
        metrics[doc["id"]] = spec
    return {
        "subscriptions": seed["subscriptions"],
        "resourceGroups": [
            {"id": f"/subscriptions/{sub}/resourceGroups/rg-bench", "name": "rg-bench", "location": "northeurope"}
        ],
        "resources": gws,
        "actions": {},
        "metrics": metrics,
    }


class _Quiet:
    def respond(self, reply: object) -> None: ...
    def progress(self, text: object) -> None: ...
    def post(self, channel: str, reply: object, thread: str | None = None) -> str:
        return ""

    def update(self, ref: str, reply: object) -> None: ...
    def user_groups_members(self, group: str) -> set[str]:
        return set()


def sample_chart(points: int) -> object:
    import math
    from datetime import UTC, datetime, timedelta

    from commands.core.reply import Chart, ChartSeries

    t0 = datetime(2026, 3, 23, 13, 0, tzinfo=UTC)
    out = tuple((t0 + timedelta(minutes=5 * i), 2 + math.sin(i / 2)) for i in range(points))
    inn = tuple((t0 + timedelta(minutes=5 * i), 1 + math.cos(i / 3) / 2) for i in range(points))
    return Chart(
        "cn-hub-to-onprem: traffic, the last hour", "Mbit/s", (ChartSeries("out", out), ChartSeries("in", inn))
    )


def read(n: int) -> tuple[int, float]:
    data = estate(n)
    with (
        ArmEmulator(data) as emu,
        ArmClient(
            StaticTokenCredential(), base_url=emu.base_url, metrics_url=emu.base_url + "/metrics/{region}"
        ) as client,
    ):
        gws = [Gateway(d["id"], d["name"], location=d["location"], sku="VpnGw2AZ") for d in data["resources"]]  # type: ignore[index,union-attr]
        ctx = Ctx(client, _Quiet(), settings=DomainSettings(concurrency=16))  # type: ignore[arg-type]
        t = time.perf_counter()
        reading = read_rates(ctx, gws, window_ending(ctx.now()))
        took = time.perf_counter() - t
        assert not reading.failures, reading.failures
        assert len(reading.tunnels) == n, len(reading.tunnels)
        calls = sum(1 for r in emu.requests if "metrics:getBatch" in r.path)
    return calls, took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gateways", type=int, default=60)
    ap.add_argument("--charts", type=int, default=20)
    args = ap.parse_args()

    calls, took = read(args.gateways)
    first = float(
        subprocess.run(
            [sys.executable, "-c", _FIRST_CHART.format(root=str(ROOT))], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    from bot.slack.chart import png

    png(sample_chart(12))
    times12, times24, size = [], [], 0
    for _ in range(max(1, args.charts)):
        t = time.perf_counter()
        size = len(png(sample_chart(12)))  # type: ignore[arg-type]
        times12.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        png(sample_chart(24))  # type: ignore[arg-type]
        times24.append((time.perf_counter() - t) * 1000)
    print(
        f"metrics gateways={args.gateways} batch_calls={calls} per_resource_calls={args.gateways * 4} "
        f"read_s={took:.2f} chart_first_ms={first:.0f} chart_ms={statistics.median(times12):.0f} "
        f"chart_24_ms={statistics.median(times24):.0f} png_kb={size / 1024:.0f}"
    )


if __name__ == "__main__":
    main()
