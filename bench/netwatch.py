"""Network Watcher and diagnostic logs benchmark: what `/vpn path`, `/vpn troubleshoot`,
`/vpn logs` and `/vpn checklist` (its item 7 reads the client VMs' security rules) cost,
through the whole real path (the console: signed slash command, Bolt, the worker, the real
SDKs against the ARM emulator, the Slack emulator).

    .venv/bin/python bench/netwatch.py                      # seed estate, 50 ms per ARM answer
    .venv/bin/python bench/netwatch.py --latency-ms 20 --rounds 3

Per command it prints the ARM requests the emulator answered (and how many were polls of a
long-running operation) and the wall time per run (median of the rounds). The emulator
answers long-running operations with ARM's Retry-After (10 s), which the console's client
shrinks (×0.005), so wall time is mostly request latency × the calls that must follow each
other. Figures, not assertions (docs/performance.md).

Last line: netwatch latency_ms=L path_requests=… path_s=… troubleshoot_requests=… troubleshoot_s=… logs_requests=… logs_s=… checklist_requests=… checklist_s=…
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LINES = {
    "path": "/vpn path vm-eun 10.1.1.4 tcp 1433",
    "troubleshoot": "/vpn troubleshoot cn-eun-to-aue",
    "logs": "/vpn logs cn-eun-to-aue",
    "checklist": "/vpn checklist sql-eun",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--latency-ms", type=int, default=50, help="added to every ARM answer")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)

    from bot.console.app import Console
    from sandbox.estate import load_estate

    estate = load_estate(ROOT / "sandbox" / "estates" / "seed.json")
    figures: list[str] = []
    for name, line in LINES.items():
        walls: list[float] = []
        requests = polls = 0
        for _ in range(args.rounds):
            con = Console(estate, out=io.StringIO())
            try:
                assert con.arm is not None
                con.arm.latency_ms = args.latency_ms
                before = len(con.arm.requests)
                t = time.perf_counter()
                con.run([line])
                walls.append(time.perf_counter() - t)
                made = con.arm.requests[before:]
                requests = len(made)
                polls = sum(1 for r in made if "/operation" in r.path.lower())
            finally:
                con.close()
        wall = statistics.median(walls)
        print(f"{line:<40} {requests:>3} ARM requests ({polls} polls)  {wall:.2f} s")
        figures.append(f"{name}_requests={requests} {name}_s={wall:.2f}")
    print(f"netwatch latency_ms={args.latency_ms} " + " ".join(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
