"""`/vpn diagnose` end to end: the console drives the real Bolt app, worker, Azure SDK client
against the ARM emulator, Block Kit renderer and Slack API emulator."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console.app import Console
from sandbox.estate import load_estate

ROOT = Path(__file__).resolve().parents[4]
SEED = ROOT / "sandbox" / "estates" / "seed.json"
HUB_SPOKE = ROOT / "sandbox" / "estates" / "hub-spoke.json"


def _answers(con: Console, lines: list[str]) -> dict[str, str]:
    con.run(lines)
    assert isinstance(con.out, io.StringIO)
    out = con.out.getvalue()
    who = con.user_label(con.user)
    parts: dict[str, str] = {}
    for i, line in enumerate(lines):
        start = out.index(f"{who}> {line}\n")
        end = out.index(f"{who}> {lines[i + 1]}\n") if i + 1 < len(lines) else len(out)
        parts[line] = out[start:end]
    return parts


@pytest.fixture
def seed() -> Iterator[Console]:
    con = Console(load_estate(SEED), out=io.StringIO())
    try:
        yield con
    finally:
        con.close()


def test_the_seed_estate_explains_both_failed_designs_dns_and_the_options(seed: Console) -> None:
    ans = _answers(seed, ["/vpn diagnose"])["/vpn diagnose"]
    assert "Traceback" not in ans
    assert "problems in the whole estate" in ans
    # Attempt 1: the peering with gateway transit, unusable while vnet-aue keeps its gateway;
    # finishing it sends Australian users through North Europe.
    assert "Gateway transit from `vnet-eun` to `vnet-aue` is half set up" in ans
    assert "users near Australia East would cross to North Europe and back" in ans
    # Attempt 2: VNet-to-VNet with one-way counters, different shared keys, BGP on one side.
    assert "`cn-eun-to-aue` (vgw-eun → vgw-aue) sends but receives nothing" in ans
    assert "use different shared keys" in ans
    assert "BGP is on for one side" in ans
    # The DNS problem: the private zone is linked to the Europe VNet only; clients cannot resolve.
    assert "`privatelink.database.windows.net` is not linked to `vnet-aue`" in ans
    assert "cannot resolve private endpoint names" in ans and "certificate" in ans
    # The options, side by side, with what they change here.
    assert "■ What to do instead" in ans
    assert "1. Hub+spoke" in ans and "2. GW per region" in ans and "3. Virtual WAN" in ans
    assert "delete `vgw-aue`" in ans
    assert "give `cn-eun-to-aue` and `cn-aue-to-eun` the same shared key" in ans
    assert "North Europe, Australia East" in ans
    # The shared keys themselves never appear.
    seed_keys = json.loads(SEED.read_text(encoding="utf-8"))["sharedKeys"].values()
    assert not any(k in ans for k in seed_keys)


def test_a_region_and_a_vnet_scope_on_the_seed(seed: Console) -> None:
    ans = _answers(seed, ["/vpn diagnose australia", "/vpn diagnose vnet-aue", "/vpn diagnose atlantis"])
    aus = ans["/vpn diagnose australia"]
    assert (
        "problems in Australia" in aus and "`cn-aue-to-eun` (vgw-aue → vgw-eun) receives but sends nothing back" in aus
    )
    assert "Looked at 1 VNet, 1 gateway, 1 connection" in aus
    vnet = ans["/vpn diagnose vnet-aue"]
    assert "problems in vnet-aue" in vnet and "What to do instead" in vnet
    bad = ans["/vpn diagnose atlantis"]
    assert "`atlantis` is neither a region nor a virtual network I can see." in bad
    assert "only alice sees this" in bad


def test_the_hub_spoke_estate_gets_its_own_findings_and_no_redesign() -> None:
    con = Console(load_estate(HUB_SPOKE), out=io.StringIO())
    try:
        ans = _answers(con, ["/vpn diagnose", "/vpn diagnose vnet-spoke"])
    finally:
        con.close()
    whole = ans["/vpn diagnose"]
    assert "tunnel `vgw-hub_51.105.20.12` is down — redundancy lost" in whole
    assert "What to do instead" not in whole  # one region: nothing of the seed's situation
    assert "vnet-aue" not in whole and "vgw-eun" not in whole  # nothing from the seed leaks in
    spoke = ans["/vpn diagnose vnet-spoke"]
    assert "vgw-hub" in spoke  # the spoke's users depend on the hub's gateway: it is checked too


def test_a_forbidden_list_is_reported_and_the_rest_answered() -> None:
    con = Console(load_estate(SEED), out=io.StringIO())
    try:
        con.arm.add_fault("privateDnsZones", method="GET", kind="error", status=403, code="AuthorizationFailed")
        ans = _answers(con, ["/vpn diagnose europe"])["/vpn diagnose europe"]
    finally:
        con.close()
    assert "Could not read everything" in ans
    assert "list private DNS zones failed" in ans and "AuthorizationFailed" in ans
    assert "vnet-eun" in ans and "sends but receives nothing" in ans


def test_piped_into_python_m_bot_console() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="/vpn diagnose\n/vpn diagnose australia\n/vpn diagnose vnet-aue\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("What to do instead") == 3
    assert "Traceback" not in proc.stdout + proc.stderr
