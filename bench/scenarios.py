"""Scenario corpus: how right the bot is on designs nobody here tested (issue 16).

    .venv/bin/python bench/scenarios.py                     # every estate, ~20 s on 2 cores
    .venv/bin/python bench/scenarios.py --verbose           # and what each estate missed
    .venv/bin/python bench/scenarios.py --only dns-forwarder-vm one-way-vnet-to-vnet

Every estate of `sandbox/estates/scenarios/` (real designs from Microsoft's documentation,
about half healthy) runs through the whole bot — `python -m bot console`'s machinery: signed
Slack requests → Bolt → the worker → the real Azure SDK → the ARM emulator — with two
watch cycles, then status, routes of every gateway and VM NIC, peering of every VNet, the
checklist of every SQL server, diagnose, and the estate's own extra lines; what each
command found is compared with the estate's `.expect.json` (tests/e2e/sandbox/corpus.py;
what is counted: sandbox/estates/scenarios/README.md).

* expected — `must` entries of every estate; found — those every named command showed;
* false_alarms — warning-or-worse findings on a healthy estate, `must_not` entries shown,
  watch incidents beyond the expected number;
* contradictions — a finding one command calls a problem and another fine, a problem
  `diagnose` does not show, a watch incident `status` does not.

Last line: `scenarios estates=N expected=E found=F false_alarms=X contradictions=Y`
(the target is found=E, X=0, Y=0).
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--only", nargs="+", default=[], metavar="ESTATE", help="run these estates only")
    ap.add_argument("--verbose", action="store_true", help="what each estate missed, false alarms, contradictions")
    args = ap.parse_args(argv)

    # The bot logs every command at INFO; the figures are the point here.
    logging.disable(logging.WARNING)
    from tests.e2e.sandbox import corpus

    chosen = [sc for sc in corpus.scenarios() if not args.only or sc.name in args.only]
    unknown = set(args.only) - {sc.name for sc in chosen}
    if unknown:
        names = ", ".join(sc.name for sc in corpus.scenarios())
        print(f"scenarios: no estate named {', '.join(sorted(unknown))}; estates: {names}", file=sys.stderr)
        return 2
    print(f"machine: {machine()}; {load()}", flush=True)
    totals = corpus.Totals()
    started = time.perf_counter()
    for sc in chosen:
        t0 = time.perf_counter()
        score = corpus.score(corpus.run(sc))
        totals.add(score)
        mark = "pass" if score.passed else "FAIL"
        print(
            f"  {mark} {sc.name:<46} {'healthy' if sc.healthy else 'broken '} found {score.found}/{score.expected} "
            f"false_alarms {len(score.false_alarms)} contradictions {len(score.contradictions)} "
            f"({time.perf_counter() - t0:.1f}s)",
            flush=True,
        )
        if args.verbose and not score.passed:
            print("\n".join("      " + line for line in score.explain().splitlines()[1:]), flush=True)
    print(f"{len(chosen)} estates in {time.perf_counter() - started:.1f}s", flush=True)
    print(totals.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
