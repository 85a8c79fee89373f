"""The write-path half of `bench/attacks.py`: attacks on a peering change, each N times.

Not a script of its own (leading underscore): `bench/attacks.py` calls `run()` and prints
its counts with the other half's. For a run of this half alone:

    .venv/bin/python -c "from bench._attacks_writes import main; main()"        # N = 20
    .venv/bin/python -c "from bench._attacks_writes import main; main(['--n', '5'])"

Everything goes through the product's real path (tests/reliability/harness.py: signed Slack
requests → the Bolt app → the worker → the real Azure SDK → the ARM emulator with its
faults; the SQLite store; the timer's sweep), on the seed estate's peering
vnet-eun/peer-eun-to-aue. Each scenario files a change as alice and approves it as bob:

* **lost answers** — the emulator applies the PUT, then drops the connection without an
  answer (`lost_answer`). *audit_wrong* counts the runs where the request did not end
  `applied`, Azure does not hold the change, more or fewer than one write landed, or the
  audit's `applied` row does not credit the request with exactly its own flag
  (before → after).
* **portal races** — just before the worker's re-read of the peering (every other run) or
  just before its PUT, someone else changes the peering (`concurrent_change`: the other
  flag, `allowVirtualNetworkAccess`, flipped; every fourth run Azure itself re-syncing it,
  `peeringSyncLevel`). *lost_updates* counts the runs where their change was overwritten,
  the bot's write landed anyway, or the request did not end "not applied: changed outside
  the bot / Azure updated it itself; nothing written".
* **stale workers** — the approving worker stalls (a 1.5 s answer to its re-read of the
  VNet, after its peering check and before its PUT) while the timer's sweep, its clock past
  the worker's 5-minute lease, takes the request over and applies it; then the stale worker
  wakes. *double_writes* counts the approvals after which more than one write landed, or
  the stale worker sent a PUT at all. A run counts only when the takeover happened while
  the worker was stalled (otherwise it is run again, at most N more times).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.reliability.harness import ALICE, BOB, PEERING_EUN, Rig  # noqa: E402

PEERING = "vnet-eun/peer-eun-to-aue"
PUT_PATH = "virtualNetworkPeerings/peer-eun-to-aue$"
VNET_GET = "virtualNetworks/vnet-eun$"
PAST_LEASE = timedelta(minutes=6)
STALL_MS = 1500

# ARM name → what /vpn peering calls it.
FLAGS = {"allowForwardedTraffic": "forwarded-traffic", "allowVirtualNetworkAccess": "vnet-access"}


def _props(rig: Rig) -> dict[str, object]:
    doc = rig.arm.resource(PEERING_EUN)
    assert doc is not None
    props: dict[str, object] = doc["properties"]
    return props


def _file(rig: Rig, flag: str, value: bool, why: str) -> int:
    """File a change of `flag` to `value` as alice; its number (0 when none was filed)."""
    ask = rig.slash(f"peering {PEERING} {FLAGS[flag]} {'on' if value else 'off'} reason: {why}", ALICE)
    number = rig.request_number(ask)
    return int(number) if number else 0


def _approve(rig: Rig, number: int) -> None:
    rig.click("approval_approve", str(number), BOB)


def _state(rig: Rig, number: int) -> str:
    rec = rig.store.get_request(number)
    return str(rec.state) if rec is not None else ""


def _rows(rig: Rig, number: int, action: str) -> list[object]:
    return [e for e in rig.store.recent_audit(limit=500) if e.request == number and e.action == action]


def lost_answers(n: int = 20) -> dict[str, int]:
    """`lost_answers=n audit_wrong=k`: a PUT applied whose answer never arrives."""
    wrong = 0
    with Rig() as rig:
        for i in range(n):
            flag = "allowForwardedTraffic"
            want = not bool(_props(rig)[flag])
            number = _file(rig, flag, want, f"lost answer {i}")
            landed = rig.writes_landed()
            rig.arm.add_fault(PUT_PATH, method="PUT", kind="lost_answer", count=1)
            _approve(rig, number)
            rows = _rows(rig, number, "applied")
            ok = (
                number > 0
                and _state(rig, number) == "applied"
                and _props(rig)[flag] is want
                and rig.writes_landed() - landed == 1
                and len(rows) == 1
                and rows[0].before == {flag: not want}  # type: ignore[attr-defined]
                and rows[0].after == {flag: want}  # type: ignore[attr-defined]
                and not _rows(rig, number, "failed")
                and not _rows(rig, number, "unknown")
            )
            wrong += 0 if ok else 1
            print(f"  lost answer {i + 1}/{n}: {'ok' if ok else 'WRONG'}", flush=True)
    return {"lost_answers": n, "audit_wrong": wrong}


def portal_races(n: int = 20) -> dict[str, int]:
    """`portal_races=n lost_updates=k`: someone else writes between the approval and the write."""
    lost = 0
    with Rig() as rig:
        for i in range(n):
            flag, theirs = "allowForwardedTraffic", "allowVirtualNetworkAccess"
            before = _props(rig)
            want = not bool(before[flag])
            number = _file(rig, flag, want, f"portal race {i}")
            landed = rig.writes_landed()
            if i % 4 == 3:  # Azure itself: the remote side re-syncs
                field = "peeringSyncLevel"
                value: object = "LocalNotInSync" if before.get(field) == "FullyInSync" else "FullyInSync"
                said = "Azure updated it itself"
            else:
                field, value, said = theirs, not bool(before[theirs]), "changed outside the bot"
            rig.arm.add_fault(
                PUT_PATH,
                method="GET" if i % 2 == 0 else "PUT",
                kind="concurrent_change",
                count=1,
                changes={f"properties.{field}": value},
            )
            _approve(rig, number)
            rec = rig.store.get_request(number)
            after = _props(rig)
            ok = (
                number > 0
                and rec is not None
                and rec.state == "failed"
                and said in str(rec.body.get("error", ""))
                and "nothing written" in str(rec.body.get("error", ""))
                and after[field] == value  # their change stands
                and after[flag] == before[flag]  # ours was not written
                and rig.writes_landed() == landed
            )
            lost += 0 if ok else 1
            print(f"  portal race {i + 1}/{n}: {'kept' if ok else 'LOST UPDATE'}", flush=True)
    return {"portal_races": n, "lost_updates": lost}


def stale_workers(n: int = 20) -> dict[str, int]:
    """`stale_workers=n double_writes=k`: the sweep takes over from a stalled worker."""
    double = runs = tries = 0
    with Rig() as rig:
        while runs < n and tries < 2 * n:
            tries += 1
            flag = "allowForwardedTraffic"
            want = not bool(_props(rig)[flag])
            number = _file(rig, flag, want, f"stale worker {tries}")
            puts, landed = rig.puts_sent(), rig.writes_landed()
            rig.arm.add_fault(VNET_GET, method="GET", kind="latency", latency_ms=STALL_MS, count=1)
            clicked = threading.Thread(target=_approve, args=(rig, number))
            clicked.start()
            deadline = time.monotonic() + 30
            while _state(rig, number) != "applying" and time.monotonic() < deadline:
                time.sleep(0.005)
            took_over = rig.sweep_at(PAST_LEASE) == [f"#{number} applying → applied"]
            clicked.join(120)
            if not took_over:
                print(f"  stale worker (try {tries}): the worker woke before the takeover; run again", flush=True)
                continue
            runs += 1
            ok = rig.puts_sent() - puts == 1 and rig.writes_landed() - landed == 1 and _state(rig, number) == "applied"
            double += 0 if ok else 1
            print(f"  stale worker {runs}/{n}: {'one write' if ok else 'DOUBLE WRITE'}", flush=True)
    return {"stale_workers": runs, "double_writes": double}


def run(n: int = 20) -> dict[str, int]:
    """The write-path counts, in the order of the figure line."""
    out: dict[str, int] = {}
    out.update(lost_answers(n))
    out.update(portal_races(n))
    out.update(stale_workers(n))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="The write-path attacks of bench/attacks.py.")
    ap.add_argument("--n", type=int, default=20, help="runs of each attack (default 20)")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)  # the bot's own warnings (412, 403…) are the point here
    started = time.monotonic()
    counts = run(args.n)
    print(f"  ({time.monotonic() - started:.0f} s)")
    print("attacks " + " ".join(f"{k}={v}" for k, v in counts.items()))
    ok = (
        counts["audit_wrong"] == 0
        and counts["lost_updates"] == 0
        and counts["double_writes"] == 0
        and counts["stale_workers"] == args.n
    )
    return 0 if ok else 1
