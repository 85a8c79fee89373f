"""The timer's housekeeping for change requests, through the real adapter and Slack client.

A request nobody touches again must still expire, and say so in its thread: the timer runs
`bot.runtime.worker.sweep_requests` on the watch schedule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.web import WebClient

from bot.runtime.timer import sweep_requests
from bot.runtime.worker import Deps
from bot.settings import Settings
from bot.slack.messenger import SlackMessenger
from bot.store.sqlite import SqliteStore
from commands.peering.command import peering as peering_cmd
from sandbox.arm_emulator import ArmEmulator
from sandbox.slack_emulator import SlackEmulator
from tests.unit.commands.peering.peering_estate import Clock, make_ctx

CHANGE = "vnet-eun/peer-eun-to-aue allowForwardedTraffic off reason: sweep test"


@pytest.fixture()
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(token="xoxb-sweep") as emu:
        yield emu


def test_an_untouched_request_expires_on_the_timer_and_says_so_in_its_thread(
    arm_emulator: ArmEmulator, slack: SlackEmulator, tmp_path: Path
) -> None:
    client = WebClient(token="xoxb-sweep", base_url=slack.api_url)
    store = SqliteStore(tmp_path / "vpnops.sqlite")
    settings = Settings(arm_url=arm_emulator.base_url, slack_api_url=slack.api_url, bot_token="xoxb-sweep")
    deps = Deps.from_settings(settings, client=client, store=store)
    # Filed two hours ago with the default 60-minute expiry.
    filed_at = Clock(datetime.now(UTC) - timedelta(hours=2))
    ctx = make_ctx(deps.azure_port(), store, out=SlackMessenger(client, channel="C_OPS"), clock=filed_at)  # type: ignore[arg-type]
    peering_cmd(ctx, CHANGE)
    request_msg = slack.find_button("approval_approve", "1")
    assert request_msg is not None, "the request was not posted"

    changed = sweep_requests(deps, SlackMessenger(client))

    assert changed == ["#1 pending → expired"]
    thread_text = " ".join(m.text for m in slack.thread(request_msg.ref))
    assert "expired" in thread_text.lower()
    assert slack.find_button("approval_approve", "1") is None, "the expired request still offers Approve"
    # Nothing was written to Azure, and a second sweep has nothing left to do.
    assert not [r for r in arm_emulator.requests if r.method == "PUT"]
    assert sweep_requests(deps, SlackMessenger(client)) == []


def test_sweep_reports_an_unreadable_store_in_the_log_and_keeps_the_timer_alive(
    arm_emulator: ArmEmulator, slack: SlackEmulator, tmp_path: Path
) -> None:
    client = WebClient(token="xoxb-sweep", base_url=slack.api_url)
    bad = tmp_path / "not-a-dir" / "x.sqlite"
    bad.parent.write_text("a file where the store's folder should be")
    settings = Settings(arm_url=arm_emulator.base_url, store_url=f"sqlite:{bad}")
    with pytest.raises(Exception):  # noqa: B017 - the store itself refuses: that is the premise
        SqliteStore(bad)
    assert sweep_requests(Deps.from_settings(settings, client=client), SlackMessenger(client)) == []
