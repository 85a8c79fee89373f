"""What the ArmClient integration tests share: the seed's ids, a fast client on the emulator,
readers of the emulator's request log, and a liveness guard."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.arm.client import ArmClient
from bot.arm.credentials import StaticTokenCredential
from commands.core.errors import AzureFailure
from sandbox.arm_emulator import ArmEmulator

SUB = "3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13"
RG_EUN = f"/subscriptions/{SUB}/resourceGroups/rg-vpn-eun"
RG_AUE = f"/subscriptions/{SUB}/resourceGroups/rg-vpn-aue"
NET_EUN = f"{RG_EUN}/providers/Microsoft.Network"
NET_AUE = f"{RG_AUE}/providers/Microsoft.Network"
GW_EUN = f"{NET_EUN}/virtualNetworkGateways/vgw-eun"
GW_AUE = f"{NET_AUE}/virtualNetworkGateways/vgw-aue"
CN_EUN_AUE = f"{NET_EUN}/connections/cn-eun-to-aue"
CN_AUE_EUN = f"{NET_AUE}/connections/cn-aue-to-eun"
PEER_EUN = f"{NET_EUN}/virtualNetworks/vnet-eun/virtualNetworkPeerings/peer-eun-to-aue"
PEER_AUE = f"{NET_AUE}/virtualNetworks/vnet-aue/virtualNetworkPeerings/peer-aue-to-eun"
GW_PATH = "/virtualNetworkGateways/vgw-eun$"  # the emulator's fault pattern for GW_EUN


def make_client(emu: ArmEmulator, **kw: Any) -> ArmClient:
    opts: dict[str, Any] = {
        "polling_interval_s": 0.01,
        "poll_delay_scale": 0.001,  # the emulator sends ARM's Retry-After: 10 → 10 ms here
        "call_timeout_s": 20.0,
        "read_timeout_s": 5.0,
        "retry_backoff_s": 0.01,
        # One deployment's digest key for every client: shared-key digests are keyed
        # (bot.runtime.signing.digest_key), and two clients must agree on them.
        "digest_key": b"vpnops-tests-digest-key-0123456789abcdef",
        # These tests change the emulator's estate between reads and test each read itself:
        # no sharing between reads (tests/integration/bot/arm/test_shared.py tests the sharing).
        "cache_ttl_s": 0.0,
    }
    opts.update(kw)
    # The emulator serves Azure Monitor's batch metrics API beside ARM (sandbox/arm/metrics.py).
    opts.setdefault("metrics_url", emu.base_url + "/metrics/{region}")
    return ArmClient(StaticTokenCredential(), base_url=emu.base_url, **opts)


def log_of(emu: ArmEmulator) -> list[Any]:
    """The emulator's request log once it has settled: it records a request just after
    answering it, so the last answer the client got may not be in `.requests` yet."""
    seen, still = -1, 0
    deadline = time.monotonic() + 2.0
    while still < 3 and time.monotonic() < deadline:
        now = len(emu.requests)
        still = still + 1 if now == seen else 0
        seen = now
        time.sleep(0.01)
    return emu.requests


def failure_of(fn: Callable[[], Any]) -> AzureFailure:
    with pytest.raises(AzureFailure) as err:
        fn()
    return err.value


def statuses(emu: ArmEmulator, path_end: str, method: str = "GET") -> list[int]:
    """HTTP statuses the emulator answered for `method` requests whose path ends with `path_end`."""
    return [r.status for r in log_of(emu) if r.method == method and r.path.lower().endswith(path_end.lower())]


def finishes_within(seconds: float, fn: Callable[[], Any]) -> Any:
    """Run fn on a thread; fail the test if it has not returned in `seconds` (a liveness
    guard: the server in these tests holds its answer far longer than that)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the test below
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"the call was still waiting after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box.get("value")
