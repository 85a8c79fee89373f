"""The approval flow end to end: the console drives signed slash commands and button clicks
through the real Bolt app, worker, Azure SDK (against the ARM emulator), Slack Web API
client (against the Slack emulator) and SQLite store."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from bot.console.app import Console
from sandbox.arm_emulator import SEED_ESTATE
from sandbox.estate import load_estate

PEERING = "peer-eun-to-aue"


def peering_flags(console: Console, vnet: str, name: str) -> dict[str, Any]:
    for r in console.arm.dump()["resources"]:
        if r["type"].lower() == "microsoft.network/virtualnetworks" and r["name"] == vnet:
            for p in r["properties"].get("virtualNetworkPeerings", []):
                if p["name"] == name:
                    return dict(p["properties"])
    raise AssertionError(f"{vnet}/{name} not in the estate")


def run(console: Console, *lines: str) -> str:
    start = console.out.tell()  # type: ignore[union-attr]
    console.run(list(lines))
    console.out.seek(start)  # type: ignore[union-attr]
    text = console.out.read()  # type: ignore[union-attr]
    return text.replace("\u200b", "")


@pytest.fixture
def console(tmp_path: Path) -> Any:
    with Console(load_estate(SEED_ESTATE), out=io.StringIO(), state_dir=tmp_path / "state") as c:
        yield c


def test_request_refusals_approval_and_preflight_in_one_console_run(console: Console) -> None:
    before = peering_flags(console, "vnet-eun", PEERING)
    assert before["allowForwardedTraffic"] is True  # the seed's value: the demo turns it off

    text = run(console, f"/vpn peering vnet-eun/{PEERING} allowForwardedTraffic off reason: test")
    assert "Peering change #1" in text and "[ Approve ]" in text and "on → off" in text
    assert "peer-aue-to-eun" in text  # the remote side is part of the plan

    text = run(console, "/approve 1")
    assert "you cannot approve it" in text
    text = run(console, "/as U_DAVE", "/approve 1")
    assert "not one" in text
    assert peering_flags(console, "vnet-eun", PEERING)["allowForwardedTraffic"] is True

    text = run(console, "/as U_BOB", "/approve 1")
    assert "Request #1 applied" in text and "(thread of [" in text and "[ Revert ]" in text
    assert "Applied — approved by @bob" in text
    after = peering_flags(console, "vnet-eun", PEERING)
    assert after["allowForwardedTraffic"] is False
    assert after["allowGatewayTransit"] is before["allowGatewayTransit"]  # only that flag was written

    text = run(console, "/vpn peering vnet-aue/peer-aue-to-eun useRemoteGateways on")
    assert "Not filed" in text and "vgw-aue" in text and "would have to be deleted" in text
    assert "Virtual WAN" in text
    assert "Peering change #2" not in text
    assert peering_flags(console, "vnet-aue", "peer-aue-to-eun")["useRemoteGateways"] is False

    text = run(console, "/vpn audit vnet-eun")
    for action in ("requested", "approve_refused", "approved", "applying", "applied"):
        assert action in text


def test_state_dir_keeps_a_pending_request_across_console_runs(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Console(load_estate(SEED_ESTATE), out=io.StringIO(), state_dir=state) as first:
        text = run(first, f"/vpn peering vnet-eun/{PEERING} vnet-access off reason: maintenance")
        assert "Peering change #1" in text
    saved = json.loads((state / "estate.json").read_text(encoding="utf-8"))
    with Console(saved, out=io.StringIO(), state_dir=state) as second:
        text = run(second, "/vpn requests")
        assert "#1" in text and "pending" in text
        # The store carried over: the open request still guards its peering, numbering goes on.
        text = run(second, f"/vpn peering vnet-eun/{PEERING} forwarded-traffic off")
        assert "Request #1" in text and "still waiting for approval" in text
        text = run(second, "/vpn peering vnet-aue/peer-aue-to-eun forwarded-traffic off")
        assert "Peering change #2" in text
