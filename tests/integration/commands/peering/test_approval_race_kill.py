"""Kill -9 the worker mid-apply; the next one completes the request, never applying twice.

A child process approves request #1 through the real Azure adapter against the ARM
emulator and the SQLite store; the emulator holds one request of the apply forever so the
child is caught at a known point, and the test SIGKILLs it there:

* before the write lands (the peering PUT hangs): recovery writes it, once;
* after the write landed, before the answer (the LRO poll hangs): recovery finds it in
  place, writes nothing, and answers in the thread.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.arm.factory import azure_from_settings
from bot.settings import Settings
from bot.store.sqlite import SqliteStore
from commands.core.registry import Ctx
from commands.peering.command import peering as peering_cmd
from commands.peering.sweep import sweep
from sandbox.arm_emulator import ArmEmulator
from tests.fakes import RecordingMessenger
from tests.unit.commands.peering.peering_estate import Clock, make_ctx

ROOT = Path(__file__).resolve().parents[4]
PEERING_PATH = "/virtualNetworks/vnet-eun/virtualNetworkPeerings/peer-eun-to-aue"
CHILD = """
import sys
from bot.arm.factory import azure_from_settings
from bot.settings import Settings
from bot.store.sqlite import SqliteStore
from commands.catalog import REGISTRY

from tests.unit.commands.peering.peering_estate import make_ctx

ctx = make_ctx(azure_from_settings(Settings(arm_url=sys.argv[1])), SqliteStore(sys.argv[2]), user="U_BOB")
REGISTRY.action("approval_approve")(ctx, "1", "C_OPS:1")
"""


def ctx_for(emu: ArmEmulator, path: Path, clock: Clock) -> Ctx:
    azure = azure_from_settings(Settings(arm_url=emu.base_url))
    return make_ctx(azure, SqliteStore(path), out=RecordingMessenger(), clock=clock)  # type: ignore[arg-type]


def successful_puts(emu: ArmEmulator) -> int:
    return sum(1 for r in emu.requests if r.method == "PUT" and PEERING_PATH in r.path and 200 <= r.status < 300)


def wait_for(cond, what: str, timeout_s: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("stage", ["before_write", "after_write"])
def test_killed_worker_is_completed_once_after_restart(arm_emulator: ArmEmulator, tmp_path: Path, stage: str) -> None:
    emu, path, clock = arm_emulator, tmp_path / "vpnops.sqlite", Clock()
    first = ctx_for(emu, path, clock)
    peering_cmd(first, "vnet-eun/peer-eun-to-aue forwarded-traffic off reason: kill test")
    assert first.store.get_request(1).state == "pending"
    if stage == "before_write":
        emu.add_fault(PEERING_PATH, method="PUT", kind="hang", count=1, hold_s=20)
    else:
        emu.add_fault("/operations/", method="GET", kind="hang", count=1, hold_s=20)

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, emu.base_url, str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        watcher = SqliteStore(path)
        wait_for(lambda: watcher.get_request(1).state == "applying", "the child to start applying")  # type: ignore[union-attr]
        if stage == "after_write":
            wait_for(lambda: successful_puts(emu) == 1, "the PUT to land")
        else:
            # The PUT is held unanswered: nothing landed.
            wait_for(lambda: any(r.method == "GET" and PEERING_PATH in r.path for r in emu.requests), "the re-read")
            time.sleep(0.3)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert watcher.get_request(1).state == "applying"  # type: ignore[union-attr]
    assert successful_puts(emu) == (1 if stage == "after_write" else 0)

    # The restart: a new process's store and messenger, after the dead worker's lease ran out.
    clock.advance(minutes=6)
    later = ctx_for(emu, path, clock)
    assert sweep(later) == ["#1 applying → applied"]
    assert successful_puts(emu) == 1  # applied once, by whichever process got there
    rec = later.store.get_request(1)
    assert rec is not None and rec.state == "applied" and rec.body["outcome_posted"] is True
    assert later.azure.peering(rec.body["peering_id"]).allow_forwarded_traffic is False
    posted = later.out.posts  # type: ignore[attr-defined]
    assert len(posted) == 1 and "applied" in posted[0][1].fallback
    assert sweep(later) == []
    watcher.close()
