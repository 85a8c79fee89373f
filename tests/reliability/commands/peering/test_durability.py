"""Kill -9 the worker process mid-approval; on restart the request is completed or
reported — never lost, never applied twice.

The worker is a real process (tests/reliability/durability_child.py: `bot.runtime.worker.run_job`
with the real Azure adapter, Slack client and the SQLite store in a state directory). The
emulators and the console that filed the request live in this process, so they survive
the kill. The ARM emulator holds one request of the apply unanswered, so the worker is
caught at a known point, and SIGKILLed there:

* between approve and apply — the peering PUT never answers (it does not land);
* between apply and answer — the PUT landed, its long-running-operation poll never
  answers (the answer is never posted).

Then a restarted worker runs the recovery (`commands.peering.sweep.sweep`, the timer's entry
point): at once, while the dead worker's lease still runs, it must leave the request alone
(the worker might only be slow); once the lease is over it completes it, exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from bot.slack.listeners.actions import job_from_block_actions
from tests.reliability.harness import ALICE, BOB, PEERING_EUN, ROOT, Rig

CHANGE = "peering vnet-eun/peer-eun-to-aue forwarded-traffic off reason: durability drill"
PUT = "virtualNetworkPeerings/peer-eun-to-aue$"


def child(rig: Rig, state: Path, *args: str) -> subprocess.Popen[str]:
    s = rig.console.settings
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.durability_child", "--state", str(state), *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(
        json.dumps(
            {
                "slack_api_url": s.slack_api_url,
                "bot_token": s.bot_token,
                "arm_url": s.arm_url,
                "approvers": sorted(s.approvers),
                "channel": "C_VPNOPS",
            }
        )
        + "\n"
    )
    proc.stdin.close()
    proc.stdin = None  # written and closed: communicate() must not touch it again
    return proc


def finish(proc: subprocess.Popen[str], timeout: float = 90) -> dict[str, object]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def wait_for(cond: object, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def approve_job_json(rig: Rig, number: str) -> str:
    msg = rig.slack.find_button("approval_approve", number)
    body, _ = rig.slack.click_request(msg, "approval_approve", BOB, number)
    payload = json.loads(urllib.parse.parse_qs(body.decode())["payload"][0])
    return job_from_block_actions(payload).to_json()


@pytest.mark.parametrize(
    "moment",
    ["between_approve_and_apply", "between_apply_and_answer"],
)
def test_a_worker_killed_mid_approval_is_completed_once_after_restart(tmp_path: Path, moment: str) -> None:
    state = tmp_path / "state"
    with Rig(state_dir=state) as rig:
        ask = rig.slash(CHANGE, ALICE)
        number = rig.request_number(ask)
        assert number, ask.block_texts
        if moment == "between_approve_and_apply":
            hold = rig.arm.add_fault(PUT, method="PUT", kind="hang", count=1, hold_s=120)
        else:  # the PUT lands; the poll of its long-running operation never answers
            hold = rig.arm.add_fault("operations|asyncoperations", method="GET", kind="hang", count=1, hold_s=120)

        worker = child(rig, state, "run", approve_job_json(rig, number))
        wait_for(lambda: hold.hits >= 1, "the worker to reach the held request")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        rig.arm.clear_faults()

        rec = rig.store.get_request(int(number))
        assert rec is not None and rec.state == "applying", rec  # not lost: it says where it stopped
        landed = 1 if moment == "between_apply_and_answer" else 0
        assert rig.successful_writes() == landed
        thread = rig.slack.thread(rec.body["message_ref"])
        assert not any(f"#{number} applied" in m.text for m in thread)

        # Restarted at once: the dead worker's lease still runs, so nobody touches it…
        assert finish(child(rig, state, "sweep"))["swept"] == []
        # …and whoever asks meanwhile is told it is being applied, not that it is gone.
        listed = rig.slash("requests", ALICE)
        assert f"#{number}" in "\n".join(listed.block_texts), listed.block_texts
        assert rig.successful_writes() == landed

        # After the lease: the restarted worker completes it, exactly once.
        done = finish(child(rig, state, "sweep", "--later-min", "6"))
        assert done["swept"] == [f"#{number} applying → applied"], done
        rec = rig.store.get_request(int(number))
        assert rec.state == "applied" and rec.body["outcome_posted"] is True
        assert rig.successful_writes() == 1  # written once, whichever moment it died at
        assert rig.arm.resource(PEERING_EUN)["properties"]["allowForwardedTraffic"] is False
        thread = rig.slack.thread(rec.body["message_ref"])
        assert sum(f"#{number} applied" in m.text for m in thread) == 1
        trail = [e.action for e in rig.store.recent_audit(limit=100) if e.request == int(number)]
        assert trail.count("applied") == 1 and trail.count("approved") == 1 and "failed" not in trail

        # A later sweep finds nothing left to do.
        assert finish(child(rig, state, "sweep", "--later-min", "12"))["swept"] == []
        assert rig.successful_writes() == 1
