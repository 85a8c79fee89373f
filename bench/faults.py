"""Faults benchmark: every read command and full approval flows while ARM misbehaves.

    .venv/bin/python bench/faults.py                       # 4 rounds, 20 % failing, 1 % hanging
    .venv/bin/python bench/faults.py --rounds 2 --seed 7

The whole real path, as `python -m bot console` runs it (tests/reliability/harness.py):
signed Slack requests → the Bolt app → the dispatcher → the worker → the real Azure SDK
(ArmClient, production retry/timeout settings) → the ARM emulator; answers → the real
Slack Web API client → the Slack emulator. The emulator is told (`add_fault`) to fail 20 %
of ALL its answers — lists, GETs, long-running POSTs, their status polls, the peering PUT —
evenly as 429 with Retry-After, 500 and 503, and to never answer 1 % (held until the
client's read timeout). The fault picks are seeded, so a run is repeatable.

Each round runs every read command (status, routes, checklist, peering, requests, audit,
diagnose when it exists) and one approval flow (alice asks to flip a peering flag, bob
clicks Approve). A command counts as *answered* when it ended with a result, a partial
result or a clear error (not an internal error, not only "working on it…"), and *within
60 s* when its last job ended within 60 s of Slack's request. A *double apply* is a change
request whose approval made more than one peering write land.

Last line: `faults commands=N answered=N within_60s=N double_applies=N`
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._machine import machine  # noqa: E402

LIMIT_S = 60.0
READS = [
    "status australia",
    "status europe",
    "status all",
    "status vgw-eun",
    "routes vm-aue",
    "routes nic-vm-eun 10.1.1.4",
    "routes vgw-eun",
    "routes vgw-aue",
    "checklist sql-eun.database.windows.net",
    "checklist sql-aue",
    "peering vnet-eun",
    "peering vnet-aue/peer-aue-to-eun",
    "requests",
    "audit vnet-eun",
]
DIAGNOSE = ["diagnose australia", "diagnose vnet-eun"]


def add_faults(arm: object, fail_rate: float, hang_rate: float) -> None:
    """`fail_rate` of every ARM answer fails (thirds: 429 / 500 / 503), `hang_rate` never comes.

    The emulator tries faults in order and each fires with its own probability, so each
    probability here is conditional on the earlier ones not having fired.
    """
    left = 1.0
    share = fail_rate / 3
    plan: list[tuple[float, dict[str, object]]] = [
        (hang_rate, {"kind": "hang", "hold_s": 300.0}),
        (share, {"kind": "throttle", "retry_after": 1}),
        (share, {"kind": "error", "status": 500}),
        (share, {"kind": "error", "status": 503}),
    ]
    for p, kw in plan:
        arm.add_fault(".*", probability=min(1.0, p / left), **kw)  # type: ignore[attr-defined]
        left -= p


@dataclass
class Tally:
    commands: int = 0
    answered: int = 0
    within: int = 0
    double: int = 0
    internal: int = 0
    slowest: float = 0.0
    arm_requests: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    unanswered: list[str] = field(default_factory=list)
    slow: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def account(self, ans: Any, label: str) -> None:
        ok = ans.answered
        fast = ans.finished and ans.elapsed_s <= LIMIT_S
        first = (ans.texts[-1] if ans.texts else ans.ack or "(nothing)").splitlines()[0][:90]
        with self.lock:
            self.commands += 1
            self.answered += ok
            self.within += fast
            self.internal += ans.internal_error
            self.slowest = max(self.slowest, ans.elapsed_s)
            if not ok:
                self.unanswered.append(f"{label}: {first}")
            if not fast:
                self.slow.append(f"{label}: {ans.elapsed_s:.1f}s finished={ans.finished}")
            mark = "ok " if ok and fast else "BAD"
            print(f"  [{self.commands:3d}] {mark} {ans.elapsed_s:5.1f}s {label:<52} → {first}", flush=True)


def run_rig(index: int, rounds: list[int], reads: list[str], args: argparse.Namespace, tally: Tally) -> None:
    from sandbox.arm_emulator import SEED_ESTATE
    from sandbox.estate import load_estate
    from tests.reliability.harness import ALICE, BOB, PEERING_EUN, Rig

    with Rig(load_estate(SEED_ESTATE)) as rig:
        rig.arm.faults._rng.seed(args.seed * 1000 + index)
        add_faults(rig.arm, args.fail_rate, args.hang_rate)
        for rnd in rounds:
            print(f"round {rnd}/{args.rounds} (rig {index})", flush=True)
            for text in reads:
                tally.account(rig.slash(text, ALICE, timeout_s=LIMIT_S * 2), f"r{rnd} /vpn {text}")
            # One approval flow: flip allowForwardedTraffic on vnet-eun's peering (back next round).
            to = "off" if flag_now(rig, PEERING_EUN, "allowForwardedTraffic") else "on"
            ask = rig.slash(
                f"peering vnet-eun/peer-eun-to-aue forwarded-traffic {to} reason: fault drill {rnd}",
                ALICE,
                timeout_s=LIMIT_S * 2,
            )
            tally.account(ask, f"r{rnd} /vpn peering vnet-eun/peer-eun-to-aue forwarded-traffic {to}")
            number = rig.request_number(ask)
            if not number:
                continue
            writes_before = rig.successful_writes()
            click = rig.click("approval_approve", number, BOB, timeout_s=LIMIT_S * 2)
            if click is None:
                continue
            tally.account(click, f"r{rnd} approve #{number}")
            landed = rig.successful_writes() - writes_before
            if landed > 1:
                with tally.lock:
                    tally.double += 1
                print(f"  !! request #{number}: {landed} peering writes landed", flush=True)
        # Anything still running (a recovery finishing late) must not write again either.
        rig.dispatcher.wait_idle(LIMIT_S)
        with tally.lock:
            for f in rig.arm.faults.all():
                tally.hits[f.kind + (str(f.status) if f.kind == "error" else "")] += f.hits
            tally.arm_requests += len(rig.arm.requests)


def flag_now(rig: object, peering_id: str, flag: str) -> bool:
    doc = rig.arm.resource(peering_id) or {}  # type: ignore[attr-defined]
    return bool((doc.get("properties") or {}).get(flag))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=8, help="rounds of (every read command + one approval flow)")
    ap.add_argument("--fail-rate", type=float, default=0.20, help="share of ARM answers that fail (429/500/503)")
    ap.add_argument("--hang-rate", type=float, default=0.01, help="share of ARM requests never answered")
    ap.add_argument("--seed", type=int, default=0, help="seed of the emulator's fault picks")
    ap.add_argument("--parallel", type=int, default=4, help="independent rigs (emulators + bot) run side by side")
    ap.add_argument("--log", type=Path, default=None, help="the bot's JSON log goes here (default: a temp file)")
    args = ap.parse_args(argv)

    from bot.logging import configure

    log_path = args.log or Path(tempfile.mkstemp(prefix="vpnops-faults-", suffix=".log")[1])
    log_file = log_path.open("w", encoding="utf-8")
    configure("INFO", stream=log_file, force=True)
    logging.getLogger("vpnops.bolt").setLevel(logging.ERROR)

    from commands.catalog import REGISTRY

    reads = list(READS) + (list(DIAGNOSE) if REGISTRY.command("diagnose") else [])
    print(
        f"machine: {machine()}; "
        f"faults: {args.fail_rate:.0%} failing (429 Retry-After 1 / 500 / 503), {args.hang_rate:.0%} never "
        f"answering; seed {args.seed}; {args.rounds} rounds × ({len(reads)} reads + 1 approval flow)",
        flush=True,
    )
    print(f"bot log (and the emulators' stderr): {log_path}", flush=True)
    # The emulator's HTTP server prints a traceback when a client gives up on a held
    # ("hang") request; that is the fault working, so it goes to the log, not the screen.
    real_stderr, sys.stderr = sys.stderr, log_file
    tally = Tally()
    started = time.monotonic()
    # Rigs (each its own emulators, bot and store) run side by side: most of a faulty
    # command's time is spent waiting out timeouts and Retry-After, not computing.
    rigs = max(1, min(args.parallel, args.rounds))
    rounds = [list(range(i + 1, args.rounds + 1, rigs)) for i in range(rigs)]
    threads = [
        threading.Thread(target=run_rig, args=(i, rounds[i], reads, args, tally), name=f"rig-{i}") for i in range(rigs)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    commands, answered, within, double = tally.commands, tally.answered, tally.within, tally.double
    wall = time.monotonic() - started
    sys.stderr = real_stderr
    log_file.close()
    print(
        f"ARM requests {tally.arm_requests}; faults fired {dict(tally.hits)}; internal errors {tally.internal}; "
        f"slowest answer {tally.slowest:.1f}s; wall {wall:.0f}s",
        flush=True,
    )
    for line in tally.unanswered:
        print(f"  unanswered: {line}", flush=True)
    for line in tally.slow:
        print(f"  over {LIMIT_S:.0f}s: {line}", flush=True)
    print(f"faults commands={commands} answered={answered} within_60s={within} double_applies={double}", flush=True)
    return 0 if answered == within == commands and double == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
