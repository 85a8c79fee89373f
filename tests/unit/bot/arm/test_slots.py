"""bot.arm.slots.Slots: the in-flight limit hands a free connection to what starts work in
Azure first, then to the polls of work already started, then to plain reads."""

from __future__ import annotations

import threading
import time

from bot.arm.slots import LONG_STARTS, POLLS, READS, STARTS, Slots, slot_priority


def _queue(slots: Slots, priority: int, order: list[int], ready: threading.Event) -> threading.Thread:
    def run() -> None:
        ready.set()
        assert slots.acquire(priority, 5)
        order.append(priority)
        slots.release()

    th = threading.Thread(target=run)
    th.start()
    return th


def _wait_for_waiters(slots: Slots, n: int) -> None:
    deadline = time.monotonic() + 5
    while sum(slots._waiting) < n:
        assert time.monotonic() < deadline, "the waiters never queued"
        time.sleep(0.005)


def test_a_freed_slot_goes_to_a_long_start_then_a_start_then_a_poll_then_a_read_whatever_order_they_came_in() -> None:
    slots = Slots(1)
    assert slots.acquire(READS, 1)
    order: list[int] = []
    threads = []
    for n, p in enumerate((READS, READS, POLLS, STARTS, POLLS, LONG_STARTS)):
        threads.append(_queue(slots, p, order, threading.Event()))
        _wait_for_waiters(slots, n + 1)
    slots.release()
    for th in threads:
        th.join(5)
    assert order == [LONG_STARTS, STARTS, POLLS, POLLS, READS, READS]


def test_never_more_holders_than_slots() -> None:
    slots = Slots(3)
    lock = threading.Lock()
    held = [0]
    most = [0]

    def run(p: int) -> None:
        for _ in range(50):
            assert slots.acquire(p, 5)
            with lock:
                held[0] += 1
                most[0] = max(most[0], held[0])
            time.sleep(0.0005)
            with lock:
                held[0] -= 1
            slots.release()

    threads = [threading.Thread(target=run, args=(i % 3,)) for i in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert most[0] == 3 and held[0] == 0
    # every slot came back: three can be taken at once again, and a fourth cannot
    assert all(slots.acquire(READS, 0.1) for _ in range(3)) and not slots.acquire(STARTS, 0.05)


def test_a_waiter_that_times_out_takes_no_slot_and_lets_the_next_class_in() -> None:
    slots = Slots(1)
    assert slots.acquire(READS, 1)
    assert not slots.acquire(STARTS, 0.05)
    slots.release()
    assert slots.acquire(READS, 0.1)  # the start that gave up holds nothing


def test_which_class_a_request_is() -> None:
    sub = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"
    assert slot_priority("POST", f"{sub}/virtualNetworkGateways/g/getLearnedRoutes") == LONG_STARTS
    assert slot_priority("POST", f"{sub}/virtualNetworkGateways/g/getBgpPeerStatus") == STARTS
    assert slot_priority("PUT", f"{sub}/virtualNetworks/v/virtualNetworkPeerings/p") == STARTS
    assert slot_priority("GET", "/subscriptions/s/providers/Microsoft.Network/locations/eastus/operations/1") == POLLS
    assert (
        slot_priority("GET", "/subscriptions/s/providers/Microsoft.Network/locations/eastus/operationResults/1")
        == POLLS
    )
    assert slot_priority("GET", f"{sub}/connections/c") == READS
