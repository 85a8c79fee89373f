"""bot.arm.shared / bot.arm.cached: reads shared between requests, through the real SDK
against the emulator — counted in the emulator's own request log."""

from __future__ import annotations

import threading
import time

import pytest

from bot.arm.deadline import arm_deadline
from commands.core.errors import AzureFailure
from commands.core.freshness import fresh_reads
from sandbox.arm.latency import LatencyModel
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import CN_EUN_AUE, GW_EUN, PEER_EUN, SUB, log_of, make_client


def _count(emu: ArmEmulator, needle: str, method: str = "GET") -> int:
    return sum(1 for r in log_of(emu) if r.method == method and r.path.lower().endswith(needle.lower()))


def test_ten_askers_at_once_cost_one_request_each_read() -> None:
    # Slow answers (the realistic mode at a tenth of Azure's time), so the ten overlap.
    model = LatencyModel(scale=0.1, get_ms=(300, 300))
    with ArmEmulator(latency=model) as emu, make_client(emu, cache_ttl_s=30.0, poll_delay_scale=0.1) as c:
        barrier = threading.Barrier(10)
        got: list[int] = []

        def ask() -> None:
            barrier.wait()
            got.append(len(c.gateways(SUB)) + len(c.bgp_peer_status(GW_EUN)))

        threads = [threading.Thread(target=ask) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(got)) == 1 and len(got) == 10
        # One reading for ten askers: the generic list, then one list per resource group
        # holding a gateway (the seed's two).
        assert _count(emu, "/resources") == 1
        assert _count(emu, "/virtualNetworkGateways") == 2
        assert _count(emu, "/getBgpPeerStatus", "POST") == 1  # one long-running operation
        assert c.shared.stats.joined + c.shared.stats.hits >= 18


def test_a_read_is_kept_for_its_ttl_then_read_again(emu: ArmEmulator) -> None:
    with make_client(emu, cache_ttl_s=0.3) as c:
        c.connection(CN_EUN_AUE)
        c.connection(CN_EUN_AUE)
        assert _count(emu, "/connections/cn-eun-to-aue") == 1
        threading.Event().wait(0.35)
        c.connection(CN_EUN_AUE)
        assert _count(emu, "/connections/cn-eun-to-aue") == 2


def test_fresh_reads_bypass_what_is_kept_and_refresh_it(emu: ArmEmulator) -> None:
    with make_client(emu, cache_ttl_s=30.0) as c:
        c.virtual_networks(SUB)
        with fresh_reads():
            c.virtual_networks(SUB)
        c.virtual_networks(SUB)
    assert _count(emu, "/virtualNetworks") == 2


def test_the_bots_own_peering_write_drops_what_is_kept_for_its_subscription(emu: ArmEmulator) -> None:
    with make_client(emu, cache_ttl_s=30.0) as c:
        before = next(p for v in c.virtual_networks(SUB) for p in v.peerings if p.id.lower() == PEER_EUN.lower())
        c.update_peering(PEER_EUN, {"allowForwardedTraffic": not before.allow_forwarded_traffic}, before.etag)
        after = next(p for v in c.virtual_networks(SUB) for p in v.peerings if p.id.lower() == PEER_EUN.lower())
    assert after.allow_forwarded_traffic is not before.allow_forwarded_traffic
    assert _count(emu, "/virtualNetworks") == 2


def test_a_joined_read_waits_only_until_the_askers_deadline() -> None:
    model = LatencyModel(scale=1.0, get_ms=(1500, 1500))
    with ArmEmulator(latency=model) as emu, make_client(emu, cache_ttl_s=30.0) as c:
        first = threading.Thread(target=lambda: c.gateways(SUB))
        first.start()
        threading.Event().wait(0.2)
        with arm_deadline(time.monotonic() + 0.3):
            try:
                c.gateways(SUB)
                raised = None
            except Exception as exc:
                raised = exc
        first.join()
    assert raised is not None and getattr(raised, "kind", "") == "timeout"


def test_an_action_s_write_drops_what_was_kept_even_when_it_fails(emu: ArmEmulator) -> None:
    """Issue 20's writes (bot/arm/actions.py) go through the same rule as the peering write:
    after a reset — answered, or refused by Azure — no read is answered from before it."""
    with make_client(emu, cache_ttl_s=30.0) as c:
        c.connection(CN_EUN_AUE)
        c.connection(CN_EUN_AUE)
        assert _count(emu, "/connections/cn-eun-to-aue") == 1
        c.reset_connection(CN_EUN_AUE)
        c.connection(CN_EUN_AUE)
        assert _count(emu, "/connections/cn-eun-to-aue") == 2
        emu.add_fault("/resetconnection", method="POST", kind="error", status=400, code="BadRequest", count=1)
        with pytest.raises(AzureFailure):
            c.reset_connection(CN_EUN_AUE)
        c.connection(CN_EUN_AUE)
        assert _count(emu, "/connections/cn-eun-to-aue") == 3
