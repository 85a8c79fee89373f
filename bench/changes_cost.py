"""What "what changed / is it Azure" costs in Azure calls, per answer (issue 22).

    .venv/bin/python bench/changes_cost.py                   # every estate of the corpus and the seed
    .venv/bin/python bench/changes_cost.py seed shared-key-change-breaks-s2s

For each estate, through the console (signed slash commands → Bolt → worker → the real SDKs →
the ARM emulator), runs `/vpn status all`, `/vpn diagnose` and `/vpn changes`, and counts the
emulator's requests of each answer to Resource Graph, the Activity Log and Resource Health,
against the number of subscriptions. The design: at most ONE Resource Graph query per answer,
ONE Activity Log list and ONE Resource Health list per subscription, and Resource Health
history reads for at most three gateways; nothing at all when an answer has no 🔴 problem.

The last line is the result:
changes_cost estates=N answers=A max_graph=G max_log_per_sub=L max_health_per_sub=H max_history=Y answers_with_reads=R
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.console.app import Console  # noqa: E402
from sandbox.estate import load_estate  # noqa: E402

CORPUS = ROOT / "sandbox" / "estates" / "scenarios"
COMMANDS = ("/vpn status all", "/vpn diagnose", "/vpn changes")


def _estates(names: list[str]) -> list[Path]:
    every = [
        ROOT / "sandbox" / "estates" / "seed.json",
        *sorted(
            p for p in CORPUS.glob("*.json") if not p.name.endswith(".expect.json") and p.name != "vocabulary.json"
        ),
    ]
    return [p for p in every if not names or p.stem in names]


def _per_subscription_health(path: str) -> bool:
    """GET /subscriptions/S/providers/Microsoft.ResourceHealth/availabilityStatuses (not one resource's)."""
    parts = [x for x in path.split("/") if x]
    return (
        len(parts) == 5
        and parts[0] == "subscriptions"
        and parts[3:] == ["microsoft.resourcehealth", "availabilitystatuses"]
    )


def main(argv: list[str]) -> int:
    answers = with_reads = 0
    worst = {"graph": 0, "log": 0, "health": 0, "history": 0}
    paths = _estates(argv)
    for path in paths:
        est = load_estate(path)
        subs = max(1, len(est.get("subscriptions") or []))
        con = Console(est, out=io.StringIO())
        try:
            for line in COMMANDS:
                con.arm.clear_requests()
                con.run([line])
                reqs = [r.path.lower() for r in con.arm.requests]
                graph = sum("microsoft.resourcegraph" in p for p in reqs)
                log = sum("microsoft.insights/eventtypes" in p for p in reqs)
                health = sum(_per_subscription_health(p) for p in reqs)
                history = sum("microsoft.resourcehealth" in p for p in reqs) - health
                answers += 1
                with_reads += bool(graph or log or health or history)
                worst["graph"] = max(worst["graph"], graph)
                worst["log"] = max(worst["log"], -(-log // subs))
                worst["health"] = max(worst["health"], -(-health // subs))
                worst["history"] = max(worst["history"], history)
                print(
                    f"{path.stem:45} {line:18} subscriptions={subs} graph={graph} activity_log={log} health={health} history={history}"
                )
        finally:
            con.close()
    print(
        f"changes_cost estates={len(paths)} answers={answers} max_graph={worst['graph']} "
        f"max_log_per_sub={worst['log']} max_health_per_sub={worst['health']} max_history={worst['history']} "
        f"answers_with_reads={with_reads}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
