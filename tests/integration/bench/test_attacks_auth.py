"""The auth half of bench/attacks.py, with a small workload: every kind of forged queue
message and foreign click runs nothing, and slow clients block no ack (each scenario
asserts its own control: a genuine job, the genuine click, acks counted)."""

from __future__ import annotations

import pytest

from bench._attacks_auth import foreign_clicks, queue_forged, slow_clients


@pytest.mark.azurite
def test_every_kind_of_forged_queue_message_executes_nothing() -> None:
    assert queue_forged(8) == {"queue_forged": 8, "executed": 0}  # one of each kind


def test_every_kind_of_foreign_click_executes_nothing() -> None:
    assert foreign_clicks(6) == {"foreign_clicks": 6, "executed": 0}


def test_slow_clients_block_no_ack() -> None:
    # Not a timing assertion: 8 s is far above an ack and below the 10 s after which the
    # server drops the stalled uploads, so only a server that waits for them fails it.
    assert slow_clients(4, deadline_s=8.0) == {"slow_clients": 4, "acks_blocked": 0}
