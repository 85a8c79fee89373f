"""Per-action policy (VPNOPS_ACTION_POLICY) on the real path: who may ask for a kind of action,
who approves it, how many distinct approvers it needs — the requester never counted."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from bot.console.app import Console
from bot.settings import Settings
from sandbox.arm_emulator import SEED_ESTATE
from sandbox.estate import load_estate
from tests.e2e.commands.actions.conftest import actions_log, run


def _console(tmp_path: Path, policy: str) -> Console:
    base = Settings.from_env({"VPNOPS_ACTION_POLICY": policy})
    assert not base.errors, base.errors
    base = dataclasses.replace(base, approvers=frozenset({"U_BOB", "U_CAROL", "U_DAVE"}))
    return Console(load_estate(SEED_ESTATE), out=io.StringIO(), state_dir=tmp_path / "state", base_settings=base)


def test_a_kind_with_its_own_approvers_and_requesters(tmp_path: Path) -> None:
    policy = '{"connection_reset": {"approvers": ["U_CAROL"], "requesters": ["U_ALICE", "U_BOB"]}}'
    with _console(tmp_path, policy) as c:
        text = run(c, "/as U_DAVE", "/vpn reset connection cn-eun-to-aue reason: x")
        assert "may ask for a connection reset" in text and "Connection reset #1" not in text
        assert "Connection reset #1" in run(c, "/as U_ALICE", "/vpn reset connection cn-eun-to-aue reason: x")
        assert "not one" in run(c, "/as U_BOB", "/approve 1")  # a bot approver, not this kind's
        assert not actions_log(c)
        assert "Request #1 done" in run(c, "/as U_CAROL", "/approve 1")


def test_needing_more_approvers_than_there_are_besides_the_requester_files_nothing(tmp_path: Path) -> None:
    policy = '{"bgp": {"approvers": ["U_BOB", "U_CAROL"], "needed": 2}}'
    with _console(tmp_path, policy) as c:
        text = run(c, "/as U_BOB", "/vpn bgp cn-aue-to-eun on reason: x")
        assert "needs 2 approver(s) besides the requester" in text and "only 1 other" in text
        text = run(c, "/as U_ALICE", "/vpn bgp cn-aue-to-eun on reason: x")
        assert "BGP change #1" in text and "0 of 2" in text
        assert "1 of 2" in run(c, "/as U_BOB", "/approve 1")
        assert "already approved" in run(c, "/approve 1")
        assert "Request #1 done" in run(c, "/as U_CAROL", "/approve 1")
