"""The actions half of `bench/attacks.py`: the peering path's figures for every other action.

Not a script of its own (leading underscore): `bench/attacks.py --only actions` runs it; alone:

    .venv/bin/python -c "from bench._attacks_actions import main; main()"             # N = 4
    .venv/bin/python -c "from bench._attacks_actions import main; main(['--n', '8'])"

Through the product's real path (tests/reliability/harness.py: signed Slack requests → Bolt →
the worker → the real Azure SDK → the ARM emulator; SQLite), on the seed estate, for each
action (connection reset, gateway reset — two approvers —, BGP on/off, peering sync, shared-key
sync, packet capture start), each attack N times on a request alice files:

* **concurrent clicks** — every approver clicks Approve at once, each several times (8 signed
  clicks released together). *double* counts the runs where Azure did not get exactly one
  write, or the request did not end applied.
* **lost answers** — the emulator carries out the write, then drops the connection without an
  answer (`lost_answer`). *wrong* counts the runs where the request's outcome disagrees with
  Azure (applied but not done, or done but failed), more or fewer than one write landed, or a
  reset was sent again. A capture start whose answer was lost may end "unknown" (no ARM read
  shows a running capture) when its stop is scheduled all the same.
* **foreign clicks** — bob's signed click on the request's Approve from anywhere but its card
  (`bench._attacks_auth._foreign`: another channel, another message, another app, another
  installation, another org). *executed* counts the clicks after which the request left
  "pending" or anything was written.

Prints one line per action: `actions <kind> clicks=N double=0 lost_answers=N wrong=0
foreign_clicks=N executed=0`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import re
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.reliability.harness import ALICE, BOB, CAROL, Rig  # noqa: E402

N = 4
SUB = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups"
AUE_TO_EUN = f"{SUB}/rg-vpn-aue/providers/Microsoft.Network/connections/cn-aue-to-eun"
VNET_AUE = f"{SUB}/rg-vpn-aue/providers/Microsoft.Network/virtualNetworks/vnet-aue"
PEERING = (
    f"{SUB}/rg-vpn-eun/providers/Microsoft.Network/virtualNetworks/vnet-eun/virtualNetworkPeerings/peer-eun-to-aue"
)
# A storage account that is never reached: a capture start needs one configured; the bench
# stops captures in the emulator itself (the stop has its own test, with Azurite).
NO_STORAGE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Zm9v;"
    "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"
)
WRITE_STATUSES = frozenset({0, 200, 201, 202})  # 0: carried out, its answer lost (lost_answer)


@dataclass(frozen=True)
class Case:
    """One action: how to make it possible again, the command, and its writes."""

    kind: str
    prepare: Callable[[Rig, int], None]  # before run i: make the action possible again
    command: Callable[[Rig, int], str]
    method: str
    path: str  # regex on the emulator's request path of the write
    approvers: tuple[str, ...] = (BOB,)
    query: str = ""  # what its query must hold too


def _bgp_command(rig: Rig, i: int) -> str:
    doc = rig.arm.resource(AUE_TO_EUN) or {}
    on = bool(doc.get("properties", {}).get("enableBgp"))
    return f"bgp cn-aue-to-eun {'off' if on else 'on'} reason: bench {i}"


def _out_of_sync(rig: Rig, i: int) -> None:
    prefixes = ["10.1.0.0/16", f"10.{100 + i}.0.0/16"]
    rig.arm.change_resource(VNET_AUE, {"properties.addressSpace.addressPrefixes": prefixes})
    rig.arm.change_resource(PEERING, {"properties.peeringSyncLevel": "LocalNotInSync"})


def _new_key(rig: Rig, i: int) -> None:
    rig.arm.set_shared_key(AUE_TO_EUN, f"bench-{uuid.uuid4().hex}")


def _no_capture(rig: Rig, i: int) -> None:
    """The previous run's capture stopped (as the scheduled stop would), in Azure and in the store."""
    with rig.arm.estate.lock:
        rig.arm.estate.captures.clear()
    for rec in rig.store.list_requests({"applied", "unknown"}, limit=500):
        if rec.body.get("kind") == "capture_start" and not rec.body.get("params", {}).get("stopped"):
            body = dict(rec.body, params={**rec.body["params"], "stopped": True})
            rig.store.update_request(rec.number, rec.state, body, rec.etag)


def _nothing(rig: Rig, i: int) -> None:
    return None


CASES = (
    Case(
        "connection_reset",
        _nothing,
        lambda r, i: f"reset cn-eun-to-aue reason: bench {i}",
        "POST",
        r"/resetconnection$",
    ),
    Case(
        "gateway_reset",
        _nothing,
        lambda r, i: f"reset gateway vgw-eun reason: bench {i}",
        "POST",
        r"/vgw-eun/reset$",
        (BOB, CAROL),
    ),
    Case("bgp", _nothing, _bgp_command, "PUT", r"/connections/cn-aue-to-eun$"),
    Case(
        "peering_sync",
        _out_of_sync,
        lambda r, i: f"peering vnet-eun/peer-eun-to-aue sync reason: bench {i}",
        "PUT",
        r"/peer-eun-to-aue$",
        query="syncRemoteAddressSpace=true",
    ),
    Case(
        "sharedkey_sync",
        _new_key,
        lambda r, i: f"sharedkey sync cn-aue-to-eun from cn-eun-to-aue reason: bench {i}",
        "PUT",
        r"/cn-aue-to-eun/sharedkey$",
    ),
    Case(
        "capture_start",
        _no_capture,
        lambda r, i: f"capture start cn-eun-to-aue 5 reason: bench {i}",
        "POST",
        r"/cn-eun-to-aue/startPacketCapture$",
    ),
)


def _writes(rig: Rig, case: Case) -> int:
    pattern = re.compile(case.path, re.IGNORECASE)
    return sum(
        1
        for r in rig.arm.requests
        if r.method == case.method
        and r.status in WRITE_STATUSES
        and pattern.search(r.path)
        and case.query in (r.query or "")
    )


def _state(rig: Rig, number: int) -> str:
    rec = rig.store.get_request(number)
    return str(rec.state) if rec is not None else ""


def _file(rig: Rig, case: Case, i: int) -> int:
    case.prepare(rig, i)
    ask = rig.slash(case.command(rig, i), ALICE)
    number = rig.request_number(ask)
    if not number:
        raise AssertionError(f"{case.kind}: nothing filed for run {i}: {' | '.join(ask.block_texts)[:400]}")
    return int(number)


def _approve(rig: Rig, case: Case, number: int) -> None:
    for who in case.approvers:
        rig.click("approval_approve", str(number), who)


def concurrent_clicks(rig: Rig, case: Case, n: int) -> dict[str, int]:
    double = 0
    for i in range(n):
        number = _file(rig, case, i)
        before = _writes(rig, case)
        users = [*case.approvers, ALICE, *case.approvers, "U_DAVE", *case.approvers][:8]
        rig.clicks("approval_approve", str(number), users)
        ok = _writes(rig, case) - before == 1 and _state(rig, number) == "applied"
        double += 0 if ok else 1
        print(f"    {case.kind} concurrent clicks {i + 1}/{n}: {'one write' if ok else 'WRONG'}", flush=True)
    return {"clicks": n, "double": double}


def lost_answers(rig: Rig, case: Case, n: int) -> dict[str, int]:
    wrong = 0
    for i in range(n):
        number = _file(rig, case, n + i)
        before = _writes(rig, case)
        rig.arm.add_fault(case.path, method=case.method, kind="lost_answer", count=1)
        _approve(rig, case, number)
        state = _state(rig, number)
        landed = _writes(rig, case) - before
        applied_rows = [e for e in rig.store.recent_audit(limit=200) if e.request == number and e.action == "applied"]
        if case.kind == "capture_start":
            rec = rig.store.get_request(number)
            ok = landed == 1 and state in ("applied", "unknown") and bool(rec and rec.body.get("write_sent_at"))
            ok = ok and bool(rig.arm.estate.captures)
        else:
            ok = landed == 1 and state == "applied" and len(applied_rows) == 1
        wrong += 0 if ok else 1
        print(
            f"    {case.kind} lost answer {i + 1}/{n}: {'reconciled' if ok else f'WRONG ({state}, {landed} writes)'}",
            flush=True,
        )
    return {"lost_answers": n, "wrong": wrong}


def foreign_clicks(rig: Rig, case: Case, n: int) -> dict[str, int]:
    from bench._attacks_auth import _foreign

    executed = 0
    number = _file(rig, case, 3 * n)
    rec = rig.store.get_request(number)
    assert rec is not None
    card = rig.slack.message(rec.body["message_ref"])
    # `_foreign` clicks the button valued "1" (the peering bench's request): the same card with
    # that value, and each click renumbered to this request and signed again below.
    blocks = json.loads(json.dumps(card.blocks).replace(f'"value": "{number}"', '"value": "1"'))
    card = dataclasses.replace(card, blocks=blocks)
    before = _writes(rig, case)
    for i in range(n):
        how, body, _ = _foreign(rig.slack, card, i)
        body, headers = _renumber(rig, body, number)  # the helper's clicks name request 1: this one, re-signed
        rig.deliver(f"foreign click: {how}", body, headers)
        if _state(rig, number) != "pending" or _writes(rig, case) != before:
            executed += 1
            print(f"    EXECUTED {case.kind} foreign click: {how}", flush=True)
    rig.click("approval_cancel", str(number), ALICE)
    print(f"    {case.kind} foreign clicks: {n - executed}/{n} refused", flush=True)
    return {"foreign_clicks": n, "executed": executed}


def _renumber(rig: Rig, body: bytes, number: int) -> tuple[bytes, dict[str, str]]:
    import urllib.parse

    payload = json.loads(urllib.parse.parse_qs(body.decode())["payload"][0])
    for a in payload.get("actions") or []:
        a["value"] = str(number)
    new = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return new, {"Content-Type": "application/x-www-form-urlencoded", **rig.slack.sign(new)}


def run_case(case: Case, n: int) -> dict[str, int]:
    from bot.settings import Settings

    base = dataclasses.replace(Settings.from_env({}), capture_storage=NO_STORAGE)
    with tempfile.TemporaryDirectory(prefix="vpnops-bench-") as tmp, Rig(settings=base, state_dir=Path(tmp)) as rig:
        scheduled: list[Any] = []
        rig.console.deps.requeue = lambda job, delay: scheduled.append((job, delay))  # a capture's stop: noted
        counts: dict[str, int] = {}
        counts.update(concurrent_clicks(rig, case, n))
        counts.update(lost_answers(rig, case, n))
        counts.update(foreign_clicks(rig, case, n))
        if case.kind == "capture_start" and len(scheduled) < 2 * n:
            counts["wrong"] += 1  # every applied (or maybe running) capture has its stop scheduled
        return counts


ORDER = ("clicks", "double", "lost_answers", "wrong", "foreign_clicks", "executed")
ZERO = {"clicks": "double", "lost_answers": "wrong", "foreign_clicks": "executed"}


def run(n: int = N) -> dict[str, dict[str, int]]:
    """Every action's counts, by kind."""
    return {case.kind: run_case(case, n) for case in CASES}


def line(kind: str, counts: dict[str, int]) -> str:
    return f"actions {kind} " + " ".join(f"{k}={counts[k]}" for k in ORDER)


def holds(counts: dict[str, int], n: int) -> bool:
    return all(counts[a] >= n and counts[z] == 0 for a, z in ZERO.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--n", type=int, default=N, help=f"runs of every attack per action (default {N})")
    args = ap.parse_args(argv)
    from bot.logging import configure

    configure("CRITICAL", stream=sys.stderr, force=True)
    logging.disable(logging.WARNING)
    results = run(args.n)
    for kind, counts in results.items():
        print(line(kind, counts), flush=True)
    return 0 if all(holds(c, args.n) for c in results.values()) else 1
