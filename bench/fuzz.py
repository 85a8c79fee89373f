"""Fuzzing campaign: /vpn texts through the parser and every command's argument handling.

    .venv/bin/python bench/fuzz.py                     # 100 000 cases, seed 0
    .venv/bin/python bench/fuzz.py --cases 300000 --seed 9

Each case is a `/vpn` text from tests/reliability/fuzzing.py's grammar (command words and
typos, estate names, regions, flags, IPs, resource ids with `..` and `%2e`, Slack's
escaping and links, typographic quotes, zero-width and right-to-left characters, control
characters, emoji, pasted VPN client logs, very long words). In-process and fast: the ack
side's `commands.core.parse.parse`, then the command's own function against an in-memory
estate and a SQLite store, then Block Kit rendering of every answer; every tenth case
also goes through the "Check VPN client log" message shortcut as a pasted message.

A case is *unhandled* when anything raised other than UsageError / AzureFailure (which
the worker turns into answers); *unclear* when an error answer does not say what was
wrong or what would be right. Findings are printed with the text that caused them.

Last line: `fuzz cases=N unhandled=N`
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._machine import machine  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=5, help="findings shown per kind")
    args = ap.parse_args(argv)

    from bot.logging import configure
    from tests.reliability.fuzzing import World, check, check_shortcut, random_text

    configure("CRITICAL", stream=sys.stderr, force=True)
    print(
        f"machine: {machine()}; {args.cases} cases, seed {args.seed}",
        flush=True,
    )
    rng = random.Random(args.seed)
    world = World.create()
    unhandled = unclear = 0
    kinds: Counter[str] = Counter()
    shown: Counter[str] = Counter()
    started = time.perf_counter()
    try:
        for i in range(1, args.cases + 1):
            text = random_text(rng)
            problems = check(text, world)
            if i % 10 == 0:
                problems += check_shortcut(text, world)
            for p in problems:
                first = p.splitlines()[0]
                kind = first.split(":", 1)[0] + ":" + (first.split(":", 2)[1] if ":" in first else "")
                kinds[kind[:100]] += 1
                if p.startswith("unhandled"):
                    unhandled += 1
                else:
                    unclear += 1
                if shown[kind] < args.show:
                    shown[kind] += 1
                    print(f"  FINDING {p.strip()}\n    text: {text[:300]!r}", flush=True)
            if i % 10_000 == 0:
                rate = i / (time.perf_counter() - started)
                print(f"  {i}/{args.cases} cases, {unhandled} unhandled, {unclear} unclear, {rate:.0f}/s", flush=True)
    finally:
        world.close()
    wall = time.perf_counter() - started
    for kind, n in kinds.most_common():
        print(f"  {n:6d} × {kind}", flush=True)
    print(f"unclear error answers: {unclear}; wall {wall:.0f}s", flush=True)
    print(f"fuzz cases={args.cases} unhandled={unhandled}", flush=True)
    return 0 if unhandled == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
