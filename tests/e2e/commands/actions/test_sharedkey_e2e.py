"""`/vpn sharedkey sync` end to end, and the proof that the key never leaves the worker's memory.

Expectations from "Configure a VNet-to-VNet VPN gateway connection" (both halves of a
VNet-to-VNet link carry the same shared key, else the tunnel does not come up,
https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-vnet-vnet-resource-manager-portal)
and the REST reference of GetSharedKey / SetSharedKey (VirtualNetworkGatewayConnections).

The leak test drives the whole path (signed Slack requests → Bolt → the worker → the real SDK
→ the ARM emulator, SQLite store) and then scans everything the bot wrote on its side of the
boundary — every log record (root logger at DEBUG, azure-core's HTTP logging included), every
row of every store table, every job as the Storage Queue would carry it (sealed with
`bot.runtime.queue.encode_job`), every payload the Slack emulator received — for either key."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime.queue import encode_job
from bot.runtime.signing import JobSeal
from sandbox.arm import ids
from tests.reliability.harness import ALICE, BOB, CAROL, Rig

SUB = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups"
AUE_TO_EUN = f"{SUB}/rg-vpn-aue/providers/Microsoft.Network/connections/cn-aue-to-eun"
EUN_TO_AUE = f"{SUB}/rg-vpn-eun/providers/Microsoft.Network/connections/cn-eun-to-aue"


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.name} {record.getMessage()} {record.__dict__}")
        except Exception:
            self.lines.append(repr(record.__dict__))


@pytest.fixture
def logs() -> Iterator[_Everything]:
    h = _Everything()
    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(h)
    try:
        yield h
    finally:
        root.removeHandler(h)
        root.setLevel(old)


def _said(answer: object) -> str:
    """Everything the bot said in answer (text and Block Kit)."""
    return "\n".join(answer.block_texts)  # type: ignore[attr-defined]


def _store_text(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        out = []
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            out += [repr(row) for row in db.execute(f"SELECT * FROM {table}")]
        return "\n".join(out)
    finally:
        db.close()


def test_sharedkey_sync_sets_one_half_to_the_other_and_no_key_leaves_the_worker(
    tmp_path: Path, logs: _Everything
) -> None:
    with Rig(state_dir=tmp_path / "state") as rig:
        keys = rig.arm.estate.shared_keys
        source_key, old_key = keys[ids.key(EUN_TO_AUE)], keys[ids.key(AUE_TO_EUN)]
        assert source_key != old_key  # the seed problem: the halves differ

        ask = rig.slash("sharedkey sync cn-aue-to-eun from cn-eun-to-aue reason: one-way counters", ALICE)
        assert "different from cn-eun-to-aue's" in _said(ask) and "stays down" in _said(ask)
        number = rig.request_number(ask)
        assert number
        rig.click("approval_approve", number, ALICE)  # refused: the requester
        done = rig.click("approval_approve", number, BOB)
        assert done is not None and "equal to cn-eun-to-aue's" in _said(done)
        assert keys[ids.key(AUE_TO_EUN)] == source_key  # Azure holds the source's key now
        rig.slash("sharedkey sync cn-aue-to-eun from cn-eun-to-aue", CAROL)  # equal now: refused
        rig.slash("audit", CAROL)
        rec = rig.store.get_request(int(number))
        assert rec is not None and rec.state == "applied"

        seal = JobSeal.for_settings(rig.console.settings.secret_key, "vpnops-jobs")
        queued = [encode_job(job, seal) for job in rig.dispatcher.submitted]
        slack = [json.dumps(ev.message.__dict__, default=str) for ev in rig.slack.events]
        slack_requests = [json.dumps(c.args, default=str) for c in rig.slack.calls]
        store = _store_text(tmp_path / "state" / "vpnops.sqlite")
        assert queued and slack and slack_requests and store and logs.lines
        for secret in (source_key, old_key):
            assert not [line for line in logs.lines if secret in line], "a log record holds a shared key"
            assert secret not in store, "a store row holds a shared key"
            assert not [q for q in queued if secret in q], "a queue message holds a shared key"
            assert not [s for s in slack + slack_requests if secret in s], "a Slack payload holds a shared key"


def test_connections_that_are_not_one_pair_are_refused(tmp_path: Path) -> None:
    with Rig(state_dir=tmp_path / "state") as rig:
        ask = rig.slash("sharedkey sync cn-aue-to-eun from cn-aue-to-eun reason: x", ALICE)
        assert "cannot take its own key" in _said(ask)
        ask = rig.slash("sharedkey cn-aue-to-eun cn-eun-to-aue", ALICE)
        assert "Usage:" in _said(ask) and "takes the key of the second" in _said(ask)
