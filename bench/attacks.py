"""Attacks on a change and on who may make the bot act, through the real path, N times each.

    .venv/bin/python bench/attacks.py                  # the write path 20 times each, the auth set 24 times each
    .venv/bin/python bench/attacks.py --n 40           # both sets, 40 runs of every attack
    .venv/bin/python bench/attacks.py --only auth      # one set (writes | auth | actions)
    .venv/bin/python bench/attacks.py --only actions   # every other action, 4 runs of each attack

Two sets, each printing one line, then (when both ran) the two as one line in the order of
issue 17's figure:

* the write path (`bench/_attacks_writes.py` `run()`): a PUT Azure applied but whose answer
  was lost, a change made in the portal (or by Azure itself) between approval and write, a
  worker stalled past its lease while the sweep takes over — signed Slack requests → Bolt →
  the worker → the real Azure SDK → the ARM emulator's `lost_answer` / `concurrent_change`
  faults; `attacks lost_answers=N audit_wrong=0 portal_races=N lost_updates=0
  stale_workers=N double_writes=0`;
* authority (`bench/_attacks_auth.py`): forged and tampered jobs on a real Storage Queue
  (Azurite) handed to the Functions `worker` function, Slack-signed clicks on a request's
  Approve button from anywhere but its card, clients that stall their upload on the
  `python -m bot serve` server; `attacks queue_forged=N executed=0 foreign_clicks=N
  executed=0 slow_clients=N acks_blocked=0`.

* every action besides a peering flag (`bench/_attacks_actions.py`): connection reset, gateway
  reset, BGP on/off, peering sync, shared-key sync, capture start — concurrent clicks by every
  approver, a write whose answer is lost, signed clicks from anywhere but the card; one line
  per action, `actions <kind> clicks=N double=0 lost_answers=N wrong=0 foreign_clicks=N
  executed=0`.

docs/reliability.md (sections 8 and 10) says what each count covers. Every scenario
checks its control first (the genuine request runs), so a 0 means refused, not "not
counted". The exit status is non-zero when a figure is not the one required: an attack
that got through, or fewer runs than asked.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._machine import load, machine  # noqa: E402

WRITES_N = 20
AUTH_N = 24
ACTIONS_N = 4

# The count that must stay 0 beside each attack's run count (what the line prints).
WRITES_ZERO = {"lost_answers": "audit_wrong", "portal_races": "lost_updates", "stale_workers": "double_writes"}
AUTH_ZERO = {"queue_forged": "executed", "foreign_clicks": "executed", "slow_clients": "acks_blocked"}


def line(pairs: list[tuple[str, int]]) -> str:
    """`attacks k=v k=v …` (a name may repeat: `executed` follows each auth attack)."""
    return "attacks " + " ".join(f"{k}={v}" for k, v in pairs)


def writes(n: int) -> tuple[list[tuple[str, int]], bool]:
    """The write-path set: its figure's pairs and whether it holds."""
    from bench._attacks_writes import run

    counts = run(n)
    pairs = [(k, counts[k]) for attack, zero in WRITES_ZERO.items() for k in (attack, zero)]
    ok = all(counts[attack] >= n and counts[zero] == 0 for attack, zero in WRITES_ZERO.items())
    return pairs, ok


def auth(n: int) -> tuple[list[tuple[str, int]], bool]:
    """The authority set: its figure's pairs and whether it holds."""
    from bench._attacks_auth import foreign_clicks, queue_forged, slow_clients

    counts = {"queue_forged": queue_forged(n), "foreign_clicks": foreign_clicks(n), "slow_clients": slow_clients(n)}
    pairs = [(k, counts[attack][k]) for attack, zero in AUTH_ZERO.items() for k in (attack, zero)]
    ok = all(counts[attack][attack] >= n and counts[attack][zero] == 0 for attack, zero in AUTH_ZERO.items())
    return pairs, ok


def actions(n: int) -> tuple[list[tuple[str, int]], bool]:
    """Every other action's figures: printed one line per action here; the pairs are empty
    (the issue-17 line is about the peering path and authority)."""
    from bench._attacks_actions import holds, line, run

    results = run(n)
    for kind, counts in results.items():
        print(line(kind, counts), flush=True)
    return [], all(holds(c, n) for c in results.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument(
        "--n", type=int, default=None, help=f"runs of every attack (default {WRITES_N} / {AUTH_N} / {ACTIONS_N})"
    )
    ap.add_argument("--only", choices=("writes", "auth", "actions"), default=None, help="run one set")
    args = ap.parse_args(argv)
    if args.n is not None and args.n < 1:
        ap.error("--n must be at least 1, e.g. --n 20")

    from bot.logging import configure

    configure("CRITICAL", stream=sys.stderr, force=True)
    logging.disable(logging.WARNING)  # the bot's own warnings (412, forged jobs, refused clicks) are the point here
    print(f"machine: {machine()} {load()}", flush=True)
    lines: list[str] = []
    every: list[tuple[str, int]] = []
    held = True
    for name, run, default in (("writes", writes, WRITES_N), ("auth", auth, AUTH_N), ("actions", actions, ACTIONS_N)):
        if args.only not in (None, name):
            continue
        n = args.n or default
        print(f"{name}: {n} runs of each attack", flush=True)
        started = time.monotonic()
        pairs, ok = run(n)
        print(f"  {name}: {time.monotonic() - started:.0f} s", flush=True)
        if pairs:
            lines.append(line(pairs))
        every += pairs
        held = held and ok
    print("\n".join(lines), flush=True)
    if len(lines) > 1:
        # Both sets: the one figure, in its order (authority first, as an attacker meets it).
        order = ("queue_forged", "foreign_clicks", "lost_answers", "portal_races", "stale_workers", "slow_clients")
        by_attack = {every[i][0]: every[i : i + 2] for i in range(0, len(every), 2)}
        print(line([pair for attack in order for pair in by_attack[attack]]), flush=True)
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
