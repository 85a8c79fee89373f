"""`/vpn status` when ARM throttles, through the real SDK against the emulator: the answer
still comes, says what was throttled and when to try again (ARM's Retry-After), and shows
everything else ("Request limits and throttling": on 429, wait Retry-After seconds)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.arm.deadline import arm_deadline
from bot.slack.mrkdwn import mrkdwn
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Context, Text
from commands.status.command import status_answer
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.fakes import RecordingMessenger
from tests.integration.bot.arm.support import make_client


@pytest.fixture
def emu() -> Iterator[ArmEmulator]:
    with ArmEmulator(load_estate(SEED_ESTATE)) as e:
        yield e


def test_a_read_throttled_past_the_deadline_is_a_partial_answer_that_says_when_to_retry(emu: ArmEmulator) -> None:
    # ARM keeps throttling one connection's GET, asking for 8 s each time (0.8 s at this
    # client's scale): waited out until the job's deadline, then reported.
    emu.add_fault("/connections/cn-eun-to-aue$", method="GET", kind="throttle", retry_after=8)
    with make_client(emu, poll_delay_scale=0.1) as client, arm_deadline(time.monotonic() + 3.0):
        ctx = Ctx(client, RecordingMessenger(), settings=DomainSettings(progress_every_s=0.0))
        reply = status_answer(ctx, "all")
    assert reply is not None
    words = "\n".join(mrkdwn(p.text) for p in [*reply.parts, *reply.thread] if isinstance(p, Text | Context))
    assert "read connection failed for connection `cn-eun-to-aue`: throttled" in words
    assert "Try again in about 8 s" in words
    assert "cn-aue-to-eun" in words  # the rest is shown
