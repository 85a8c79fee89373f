"""How long each gateway action takes through the az CLI against the sandbox.

    .venv/bin/python bench/az_actions.py                     # Retry-After: 1 (what ARM-like integers give)
    .venv/bin/python bench/az_actions.py --retry-after 0     # the emulator before issue 18: ~31 s each
    .venv/bin/python bench/az_actions.py --retry-after 0.05 --rounds 1

What it does: starts `ArmEmulator(tls=…)` on the seed estate with `--retry-after` seconds on
every long-running operation, registers it with the az CLI of .venv-az (`make az`) as a custom
cloud and signs in (sandbox/az_cloud.py), then times each of the POST actions the bot uses, run
as a user would run it with az, `--rounds` times, and prints the median per action and the
items each returned (so a wrong result cannot pass for a fast one):

    list-bgp-peer-status, list-learned-routes, list-advertised-routes (--peer),
    vpn-client show-health, nic show-effective-route-table

azure-core polls an operation once at once, then sleeps the last answer's Retry-After before
each further poll, reading 0 as "no header" and sleeping its own 30 s instead
(azure/core/polling/base_polling.py `_poll`, `_extract_delay`); the emulator's operations
finish on their second poll. So an action costs one Retry-After (30 s at 0) plus az's own
work (start-up, token from its cache, two or three requests). The last line is the result:

az_actions retry_after=S rounds=N bgp_peer_status_s=… learned_routes_s=… advertised_routes_s=… vpn_client_health_s=… effective_routes_s=… az_start_s=…
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._machine import load, machine  # noqa: E402
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator, Fidelity  # noqa: E402
from sandbox.az_cloud import AZ_VENV, AzCli, AzSandbox  # noqa: E402
from sandbox.estate import load_estate  # noqa: E402
from sandbox.tls import loopback_tls  # noqa: E402

EUN = ["-g", "rg-vpn-eun"]
ACTIONS = {
    "bgp_peer_status": ["network", "vnet-gateway", "list-bgp-peer-status", *EUN, "-n", "vgw-eun"],
    "learned_routes": ["network", "vnet-gateway", "list-learned-routes", *EUN, "-n", "vgw-eun"],
    "advertised_routes": [
        "network",
        "vnet-gateway",
        "list-advertised-routes",
        *EUN,
        "-n",
        "vgw-eun",
        "--peer",
        "10.1.255.30",
    ],
    "vpn_client_health": ["network", "vnet-gateway", "vpn-client", "show-health", *EUN, "-n", "vgw-eun"],
    "effective_routes": ["network", "nic", "show-effective-route-table", *EUN, "-n", "nic-vm-eun"],
}


def items(stdout: str) -> int:
    doc = json.loads(stdout or "null")
    if isinstance(doc, dict):
        for key in ("value", "vpnClientConnectionsCount"):
            if key in doc:
                v = doc[key]
                return len(v) if isinstance(v, list) else int(v or 0)
    return len(doc) if isinstance(doc, list) else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--retry-after", type=float, default=1.0, help="Retry-After on LROs, seconds (default 1)")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each action (median printed)")
    ap.add_argument("--only", choices=sorted(ACTIONS), action="append", help="time only these actions")
    args = ap.parse_args()
    print(f"{machine()} {load()}", flush=True)
    az_bin = AZ_VENV / "bin" / "az"
    if not az_bin.exists():
        print("az_actions skipped=no-az-cli (run `make az`: it installs azure-cli in .venv-az)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="az-actions-"))
    tls = loopback_tls(work / "tls")
    results: dict[str, float] = {}
    with ArmEmulator(load_estate(SEED_ESTATE), tls=tls, fidelity=Fidelity(retry_after_s=args.retry_after)) as emu:
        az = AzCli(AzSandbox(emu.base_url, tls.ca_file, emu.tenant), work / "az", az_bin)
        az.sign_in()
        starts = []
        for _ in range(args.rounds):
            t = time.monotonic()
            az.run(["version", "-o", "none"])
            starts.append(time.monotonic() - t)
        results["az_start"] = statistics.median(starts)
        for name, argv in ACTIONS.items():
            if args.only and name not in args.only:
                continue
            times = []
            for _ in range(args.rounds):
                t = time.monotonic()
                done = az.run([*argv, "-o", "json"], timeout=600)
                times.append(time.monotonic() - t)
                if done.returncode != 0:
                    print(f"az {' '.join(argv)} failed: {done.stderr.strip()[-800:]}", file=sys.stderr)
                    return 1
            results[name] = statistics.median(times)
            print(
                f"  az {' '.join(argv)}: {statistics.median(times):.2f} s (median of {args.rounds}), {items(done.stdout)} items"
            )
    figures = " ".join(f"{k}_s={v:.2f}" for k, v in results.items() if k != "az_start")
    print(
        f"az_actions retry_after={args.retry_after:g} rounds={args.rounds} {figures} az_start_s={results['az_start']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
