"""Every benchmark still runs: each script, with the smallest workload, in a subprocess.

The benches print figures and assert nothing on time (docs/performance.md); this only
checks that a change elsewhere did not break one (they import the product's modules and
drive them like a user would), so the figures can always be reproduced.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

SMALL = {
    "status_fanout.py": ["--gateways", "6", "--connections", "12", "--latency-ms", "1"],
    "status_realistic.py": ["--gateways", "6", "--connections", "12", "--users", "2", "--time-scale", "0.02"],
    "ack_latency.py": ["--rounds", "2", "--concurrency", "3", "--warmup", "1"],
    "cold_start.py": ["--runs", "1"],
    "faults.py": ["--rounds", "1", "--parallel", "1", "--hang-rate", "0", "--fail-rate", "0.05"],
    "forgery.py": ["--requests", "14", "--no-functions"],
    "fuzz.py": ["--cases", "200"],
    "scenarios.py": ["--only", "hub-spoke-transit", "one-way-vnet-to-vnet"],
    "attacks.py": ["--n", "2"],
    "az_actions.py": ["--rounds", "1", "--retry-after", "0.05", "--only", "learned_routes"],
    "metrics.py": ["--gateways", "4", "--charts", "2"],
    "changes_cost.py": ["shared-key-change-breaks-s2s"],
    "netwatch.py": ["--rounds", "1", "--latency-ms", "1"],
    "permalinks.py": [],
}


def test_every_bench_script_is_exercised_here() -> None:
    scripts = {p.name for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(SMALL), f"give {sorted(scripts - set(SMALL))} a small workload in SMALL"


@pytest.mark.azurite
@pytest.mark.parametrize("script", sorted(SMALL))
def test_the_bench_runs_and_prints_its_result_line(script: str, azurite: object) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *SMALL[script]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-3000:])
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith(script.removesuffix(".py")) or "=" in last, last
