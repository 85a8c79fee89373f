"""Fan-out benchmark: `/vpn status all` over N gateways × M connections through the real SDK.

    .venv/bin/python bench/status_fanout.py                 # 200 gateways, 800 connections, 50 ms
    .venv/bin/python bench/status_fanout.py --gateways 40 --connections 160 --latency-ms 20

What it does:
1. generates an estate (ARM documents in the estate format of DESIGN.md): gateways spread
   over subscriptions, resource groups and regions; VNet-to-VNet pairs (one connection per
   direction, with shared keys) and site-to-site connections; BGP on half the gateways
   (`getBgpPeerStatus` bodies), point-to-site on a quarter (`getVpnclientConnectionHealth`),
   active-active tunnels on a quarter; a few problems sprinkled in;
2. starts the ARM emulator (sandbox.arm_emulator.ArmEmulator) with L ms added to every
   answer — in a child process, so the emulator's own Python work does not compete with
   the bot for this process's GIL (as Azure does not) — in the mode every figure of
   docs/performance.md was measured in (`MEASURED_IN`: both LRO headers, Retry-After 0,
   pages of 50), so the figures stay comparable whatever the emulator's default;
3. runs the real command (`commands.status.command.status(ctx, "all")`) through the real adapter
   (`bot.arm.factory.azure_from_settings` → ArmClient → azure-mgmt-network over HTTP),
   printing its progress messages;
4. counts every HTTP request the emulator answered (its request log) and prints
      bound_s   = requests × L / concurrency   (the best any client could do)
      wall_s    = the command's wall time      (ratio_to_bound = wall_s / bound_s)
      sequential_s = the same work at concurrency 1 (measured on all of it when that takes
                  under --sequential-budget-s, otherwise on one region and scaled by requests;
                  the output says which), speedup = sequential_s / wall_s.

The last line is the result:
status_fanout gateways=G connections=C latency_ms=L concurrency=K wall_s=… bound_s=… ratio_to_bound=… sequential_s=… speedup=…

`--profile DIR` profiles the concurrent run in both processes, every thread (cProfile sees one
thread at a time, so each thread gets its own, merged at the end), writes DIR/bot.pstats and
DIR/emulator.pstats and prints the top functions of each (`python -m pstats FILE` reads them).
Profiling costs CPU, so the figures of a profiled run are not comparable; the emulator's
profile also holds the warm-up's ~15 requests.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing as mp
import platform
import pstats
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._machine import load, machine  # noqa: E402

REGIONS = (
    "northeurope",
    "westeurope",
    "australiaeast",
    "australiasoutheast",
    "eastus",
    "westus2",
    "southeastasia",
    "japaneast",
)
NET = "Microsoft.Network"


# --- the estate ---------------------------------------------------------------------------------


def _sub_id(i: int) -> str:
    return str(uuid.UUID(int=0xBE4C0000_0000_4000_8000_000000000000 + i))


def _rid(sub: str, rg: str, *type_name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{NET}/" + "/".join(type_name)


def _etag(n: int) -> str:
    return f'W/"{uuid.UUID(int=n)}"'


def make_estate(gateways: int, connections: int, subscriptions: int = 2, groups_per_sub: int = 5) -> dict[str, Any]:
    """N gateways, M connections (≥ one VNet-to-VNet half per paired gateway, the rest
    site-to-site), as ARM returns them."""
    subs = [_sub_id(i) for i in range(subscriptions)]
    resources: list[dict[str, Any]] = []
    actions: dict[str, Any] = {}
    shared_keys: dict[str, str] = {}
    gws: list[dict[str, Any]] = []
    for i in range(gateways):
        # Pairs (2k, 2k+1) share a subscription so their VNet-to-VNet halves sit together.
        sub = subs[(i // 2) % len(subs)]
        rg = f"rg-bench-{(i // 2) % groups_per_sub}"
        loc = REGIONS[i % len(REGIONS)]
        name = f"vgw-{i:04d}"
        gid = _rid(sub, rg, "virtualNetworkGateways", name)
        bgp, p2s, aa = i % 2 == 0, i % 4 == 1, i % 4 == 3
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "gatewayType": "Vpn",
            "vpnType": "RouteBased",
            "sku": {"name": "VpnGw2AZ", "tier": "VpnGw2AZ", "capacity": 2},
            "activeActive": aa,
            "enableBgp": bgp,
            "ipConfigurations": [
                {
                    "name": f"ipconfig{n}",
                    "id": f"{gid}/ipConfigurations/ipconfig{n}",
                    "properties": {
                        "privateIPAllocationMethod": "Dynamic",
                        "subnet": {"id": _rid(sub, rg, "virtualNetworks", f"vnet-{i:04d}", "subnets", "GatewaySubnet")},
                        "publicIPAddress": {"id": _rid(sub, rg, "publicIPAddresses", f"pip-{i:04d}-{n}")},
                    },
                }
                for n in range(2 if aa else 1)
            ],
        }
        if bgp:
            props["bgpSettings"] = {"asn": 65000 + i, "bgpPeeringAddress": f"10.{i % 250}.255.30", "peerWeight": 0}
            actions[f"{gid}/getBgpPeerStatus"] = {
                "value": [
                    {
                        "localAddress": f"10.{i % 250}.255.30",
                        "neighbor": f"192.168.{i % 250}.{n + 1}",
                        "asn": 64600 + n,
                        "state": "Idle" if (i % 20 == 0 and n == 1) else "Connected",
                        "connectedDuration": "02:13:07.1234567",
                        "routesReceived": 4 + n,
                        "messagesSent": 900,
                        "messagesReceived": 880,
                    }
                    for n in range(2)
                ]
            }
        if p2s:
            props["vpnClientConfiguration"] = {
                "vpnClientAddressPool": {"addressPrefixes": [f"172.{16 + i % 16}.{i % 250}.0/25"]},
                "vpnClientProtocols": ["OpenVPN"],
            }
            actions[f"{gid}/getVpnclientConnectionHealth"] = {
                "value": [
                    {
                        "vpnConnectionId": f"OvpnConnection_{i:04d}{n:02d}",
                        "vpnConnectionDuration": 600 + n,
                        "vpnConnectionTime": "2026-03-23T13:28:14",
                        "publicIpAddress": f"203.0.113.{n + 1}:5{n:04d}",
                        "privateIpAddress": f"172.16.{i % 250}.{n + 2}",
                        "vpnUserName": f"user{n}@contoso.com",
                        "egressBytesTransferred": 1_000_000 * (n + 1),
                        "ingressBytesTransferred": 300_000 * (n + 1),
                        "egressPacketsTransferred": 100,
                        "ingressPacketsTransferred": 90,
                        "maxBandwidth": 2_000_000,
                        "maxPacketsPerSecond": 10,
                    }
                    for n in range(3)
                ]
            }
        gdoc: dict[str, Any] = {
            "name": name,
            "id": gid,
            "etag": _etag(i + 1),
            "type": f"{NET}/virtualNetworkGateways",
            "location": loc,
            "properties": props,
        }
        resources.append(gdoc)
        gws.append(gdoc)

    def conn_doc(n: int, owner: dict[str, Any], name: str, props: dict[str, Any]) -> dict[str, Any]:
        sub, rg = owner["id"].split("/")[2], owner["id"].split("/")[4]
        aa = owner["properties"]["activeActive"]
        status = "NotConnected" if n % 25 == 7 else "Connected"
        ing, eg = 2_000_000_000 + n * 1_000_003, 3_000_000_000 + n * 999_983
        if n % 40 == 13:
            ing = 0  # one-way
        tunnels = [
            {
                "tunnel": f"tunnel{t}_{owner['name']}",
                "connectionStatus": "NotConnected"
                if (status == "NotConnected" or (aa and t == 1 and n % 30 == 3))
                else "Connected",
                "ingressBytesTransferred": ing // (2 if aa else 1),
                "egressBytesTransferred": eg // (2 if aa else 1),
                "lastConnectionEstablishedUtcTime": "2026-03-02T08:14:09.6351827Z",
            }
            for t in range(2 if aa else 1)
        ]
        return {
            "name": name,
            "id": _rid(sub, rg, "connections", name),
            "etag": _etag(100_000 + n),
            "type": f"{NET}/connections",
            "location": owner["location"],
            "properties": {
                "provisioningState": "Succeeded",
                "virtualNetworkGateway1": {"id": owner["id"], "properties": {}},
                "connectionProtocol": "IKEv2",
                "routingWeight": 0,
                "connectionStatus": status,
                "ingressBytesTransferred": ing,
                "egressBytesTransferred": eg,
                "tunnelConnectionStatus": tunnels,
                **props,
            },
        }

    per_gw = [connections // gateways + (1 if i < connections % gateways else 0) for i in range(gateways)]
    n = 0
    for i, g in enumerate(gws):
        partner = i + 1 if i % 2 == 0 else i - 1
        for k in range(per_gw[i]):
            if k == 0 and partner < gateways and per_gw[partner] > 0:
                other = gws[partner]
                name = f"cn-{i:04d}-to-{partner:04d}"
                both_bgp = g["properties"]["enableBgp"] and other["properties"]["enableBgp"]
                doc = conn_doc(
                    n,
                    g,
                    name,
                    {
                        "connectionType": "Vnet2Vnet",
                        "enableBgp": both_bgp,
                        "virtualNetworkGateway2": {"id": other["id"], "properties": {}},
                    },
                )
                # One pair in 50 has keys that differ.
                shared_keys[doc["id"]] = f"key-{min(i, partner)}" + ("-x" if (i % 100 == 1) else "")
            else:
                sub, rg = g["id"].split("/")[2], g["id"].split("/")[4]
                lng = _rid(sub, rg, "localNetworkGateways", f"lng-{i:04d}-{k}")
                resources.append(
                    {
                        "name": f"lng-{i:04d}-{k}",
                        "id": lng,
                        "etag": _etag(500_000 + n),
                        "type": f"{NET}/localNetworkGateways",
                        "location": g["location"],
                        "properties": {
                            "provisioningState": "Succeeded",
                            "gatewayIpAddress": f"198.51.{i % 250}.{k + 1}",
                            "localNetworkAddressSpace": {"addressPrefixes": [f"192.168.{(i * 7 + k) % 250}.0/24"]},
                        },
                    }
                )
                doc = conn_doc(
                    n,
                    g,
                    f"cn-{i:04d}-s2s-{k}",
                    {
                        "connectionType": "IPsec",
                        "enableBgp": False,
                        "localNetworkGateway2": {"id": lng, "properties": {}},
                    },
                )
            resources.append(doc)
            n += 1
    return {
        "subscriptions": [{"subscriptionId": s, "displayName": f"bench-{k}"} for k, s in enumerate(subs)],
        "resources": resources,
        "actions": actions,
        "sharedKeys": shared_keys,
    }


# --- profiling (--profile) ---------------------------------------------------------------------------


class _Snapshot:
    """What pstats.Stats reads from a profiler (`create_stats`, `stats`), taken as it stands."""

    def __init__(self, profile: cProfile.Profile) -> None:
        profile.snapshot_stats()
        self.stats = profile.stats

    def create_stats(self) -> None:
        return


class ThreadProfiles:
    """cProfile for this thread and every thread started while it is on, merged on `stop`.

    Timed by each thread's own CPU clock (`time.thread_time`): a thread waiting for an answer
    or for the interpreter lock costs nothing, so "tottime" is where the CPU went."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._profiles: list[cProfile.Profile] = []

    def _in_new_thread(self, frame: Any, event: str, arg: Any) -> None:
        # threading.setprofile runs this on a new thread's first event; enabling a profiler
        # replaces it (for that thread) with cProfile's own hook.
        p = cProfile.Profile(time.thread_time)
        with self._lock:
            self._profiles.append(p)
        p.enable()

    def start(self) -> None:
        threading.setprofile(self._in_new_thread)
        self._in_new_thread(None, "call", None)

    def stop(self, path: Path) -> str:
        """Merge every thread's profile into `path`; returns the top functions as text."""
        threading.setprofile(None)
        with self._lock:
            profiles, self._profiles = self._profiles, []
        profiles[0].disable()
        out = io.StringIO()
        stats = pstats.Stats(profiles[0], stream=out)
        for p in profiles[1:]:
            # Read, do not disable: disabling from this thread would close the calls still
            # open on the other thread (a server thread waiting in recv) by *this* thread's
            # clock. Those open calls are left out; every finished call is in.
            stats.add(cast(Any, _Snapshot(p)))
        stats.dump_stats(path)
        stats.sort_stats("tottime").print_stats(25)
        return f"{path} ({len(profiles)} threads, CPU seconds)\n" + out.getvalue()


# --- the emulator in a child process ----------------------------------------------------------------

# The emulator's answers when docs/performance.md's figures were measured: Azure-AsyncOperation
# and Location on every 202, Retry-After 0 (not what ARM sends — it sends 10 — but what the
# 1814-request count and the bound assume: no wait between polls), 50 items a page.
MEASURED_IN = {"lro_headers": "both", "retry_after_s": 0, "page_size": 50}


def _emulator(estate: dict[str, Any], latency_ms: int) -> Any:
    from sandbox.arm_emulator import ArmEmulator, Fidelity

    return ArmEmulator(estate, latency_ms=latency_ms, fidelity=Fidelity(**MEASURED_IN))


def _serve(estate: dict[str, Any], latency_ms: int, pipe: Pipe, profile: str = "") -> None:
    emu = _emulator(estate, latency_ms)
    profiles = ThreadProfiles() if profile else None
    if profiles is not None:
        profiles.start()  # before the server's threads exist, so each is profiled
    pipe.send(emu.start())
    try:
        while True:
            cmd = pipe.recv()
            if cmd == "profile":
                pipe.send(profiles.stop(Path(profile)) if profiles is not None else "")
                profiles = None
            elif cmd == "count":
                reqs = emu.requests
                pipe.send((len(reqs), sum(1 for r in reqs if r.status >= 400 or r.status == 0), time.process_time()))
            elif cmd == "clear":
                emu.clear_requests()
                pipe.send(True)
            elif cmd == "stop":
                break
    finally:
        emu.stop()


class Emulator:
    """The ARM emulator, in this process or a child process; same three operations."""

    def __init__(self, estate: dict[str, Any], latency_ms: int, in_process: bool, profile: str = "") -> None:
        self.in_process = in_process
        if in_process:
            self._emu = _emulator(estate, latency_ms)
            self.url = self._emu.start()
        else:
            ctx = mp.get_context("spawn")
            self._pipe, child = ctx.Pipe()
            self._proc = ctx.Process(target=_serve, args=(estate, latency_ms, child, profile), daemon=True)
            self._proc.start()
            self.url = self._pipe.recv()

    def count(self) -> tuple[int, int]:
        """(requests answered since the last clear, how many of them failed)."""
        if self.in_process:
            reqs = self._emu.requests
            return len(reqs), sum(1 for r in reqs if r.status >= 400 or r.status == 0)
        self._pipe.send("count")
        n, failed, self.cpu_s = self._pipe.recv()
        return n, failed

    cpu_s: float = 0.0  # the emulator process's CPU time so far (child process only)

    def clear(self) -> None:
        if self.in_process:
            self._emu.clear_requests()
            return
        self._pipe.send("clear")
        self._pipe.recv()

    def profile(self) -> str:
        """Stop the child's profiling and write its file (see --profile); the top functions."""
        if self.in_process:
            return ""
        self._pipe.send("profile")
        return str(self._pipe.recv())

    def stop(self) -> None:
        if self.in_process:
            self._emu.stop()
            return
        self._pipe.send("stop")
        self._proc.join(10)


# --- running the command ---------------------------------------------------------------------------


@dataclass
class PrintMessenger:
    """Prints progress as it comes (the console's view of "checked 12 of 40 gateways…")."""

    started: float = field(default_factory=time.monotonic)
    replies: list[Any] = field(default_factory=list)
    quiet: bool = False

    def respond(self, reply: Any) -> None:
        self.replies.append(reply)

    def revise(self, reply: Any, final: bool = True) -> None:
        self.replies.append(reply)

    def progress(self, text: str) -> None:
        if not self.quiet:
            print(f"  [{time.monotonic() - self.started:6.1f} s] {text!s}", flush=True)

    def post(self, channel: str, reply: Any, thread: str | None = None) -> str:
        self.replies.append(reply)
        return f"{channel}:{len(self.replies)}"

    def update(self, ref: str, reply: Any) -> None:
        self.replies.append(reply)

    def user_groups_members(self, group: str) -> set[str]:
        return set()


@dataclass
class Run:
    wall_s: float
    requests: int
    failed: int
    headline: str
    cpu_s: float  # this process's CPU time during the run (the bot's side; the emulator's is apart)


def run_status(
    url: str, target: str, concurrency: int, emu: Emulator, quiet: bool = False, profile: Path | None = None
) -> Run:
    """One `/vpn status <target>` through the real adapter, timed; requests from the log."""
    from bot.arm.factory import azure_from_settings
    from commands.core.registry import Ctx, DomainSettings
    from commands.status.command import status

    # Pinned as measured (docs/performance.md): no reads shared between requests, so the
    # warm-up below does not answer part of the timed run.
    azure = azure_from_settings(
        SimpleNamespace(arm_url=url, concurrency=concurrency, subscription_ids=(), arm_cache_ttl_s=0.0)
    )
    # Warm-up outside the timing: SDK imports, clients, the (cached) subscription list.
    for s in azure.subscriptions():
        azure.gateways(s.id)
    emu.clear()
    emu.count()
    emu_cpu0 = emu.cpu_s
    out = PrintMessenger(quiet=quiet)
    ctx = Ctx(azure, out, settings=DomainSettings(concurrency=concurrency, progress_every_s=1.0))
    profiles = ThreadProfiles() if profile is not None else None
    if profiles is not None:
        profiles.start()
    t0, c0 = time.perf_counter(), time.process_time()
    # The answer is returned, or (a large scope) posted first and revised through `out`.
    reply = status(ctx, target) or (out.replies[-1] if out.replies else None)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if profiles is not None and profile is not None:
        print(f"  profile of the bot: {profiles.stop(profile / 'bot.pstats')}", flush=True)
        print(f"  profile of the emulator: {emu.profile()}", flush=True)
    requests, failed = emu.count()
    if not emu.in_process:
        print(f"  emulator CPU {emu.cpu_s - emu_cpu0:.2f} s", flush=True)
    close = getattr(azure, "close", None)
    if callable(close):
        close()
    return Run(wall, requests, failed, str(reply.fallback) if reply else "", cpu)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--gateways", type=int, default=200)
    ap.add_argument("--connections", type=int, default=800)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--subscriptions", type=int, default=2)
    ap.add_argument(
        "--sequential-budget-s",
        type=float,
        default=150.0,
        help="measure the sequential run on the whole estate when it should take less than this; else on one region, scaled",
    )
    ap.add_argument("--in-process", action="store_true", help="run the emulator in this process (shares the GIL)")
    ap.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile the concurrent run (both processes, every thread) into DIR/bot.pstats and DIR/emulator.pstats",
    )
    args = ap.parse_args(argv)
    if args.gateways < 1 or args.connections < 0 or args.latency_ms < 0 or args.concurrency < 1:
        ap.error("gateways ≥ 1, connections ≥ 0, latency ≥ 0, concurrency ≥ 1")

    print(f"status_fanout: {machine()} os={platform.system()} {platform.release()} {load()}", flush=True)
    t = time.perf_counter()
    estate = make_estate(args.gateways, args.connections, args.subscriptions)
    print(
        f"estate: {args.gateways} gateways, {args.connections} connections, {len(estate['resources'])} resources, "
        f"{len(estate['actions'])} action bodies, {args.subscriptions} subscriptions ({time.perf_counter() - t:.1f} s)",
        flush=True,
    )
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    emu_profile = str(args.profile.resolve() / "emulator.pstats") if args.profile and not args.in_process else ""
    emu = Emulator(estate, args.latency_ms, args.in_process, emu_profile)
    print(
        f"ARM emulator at {emu.url} ({'in process' if args.in_process else 'child process'}), +{args.latency_ms} ms per answer",
        flush=True,
    )
    try:
        print(f"/vpn status all — concurrency {args.concurrency}:", flush=True)
        par = run_status(emu.url, "all", args.concurrency, emu, profile=args.profile)
        print(f"  answer: {par.headline}", flush=True)
        print(
            f"  {par.wall_s:.2f} s, {par.requests} HTTP requests ({par.failed} failed); "
            f"bot CPU {par.cpu_s:.2f} s = {1000 * par.cpu_s / max(1, par.requests):.1f} ms per request",
            flush=True,
        )
        bound = par.requests * args.latency_ms / 1000 / args.concurrency

        per_call = args.latency_ms / 1000 + 0.004
        if par.requests * per_call <= args.sequential_budget_s:
            print("same work at concurrency 1 (whole estate):", flush=True)
            seq = run_status(emu.url, "all", 1, emu, quiet=False)
            sequential = seq.wall_s
            how = f"measured on the whole estate ({seq.requests} requests)"
        else:
            region = REGIONS[0]
            print(f"same work at concurrency 1, measured on `/vpn status {region}` and scaled by requests:", flush=True)
            seq = run_status(emu.url, region, 1, emu, quiet=False)
            sequential = seq.wall_s * par.requests / max(1, seq.requests)
            how = f"measured on {region} ({seq.requests} requests in {seq.wall_s:.1f} s), scaled ×{par.requests / max(1, seq.requests):.2f}"
        print(f"  sequential: {sequential:.1f} s, {how}", flush=True)
    finally:
        emu.stop()
    print(f"done; {load()}", flush=True)
    ratio = par.wall_s / bound if bound else float("nan")
    speedup = sequential / par.wall_s if par.wall_s else float("nan")
    print(
        f"status_fanout gateways={args.gateways} connections={args.connections} latency_ms={args.latency_ms} "
        f"concurrency={args.concurrency} wall_s={par.wall_s:.2f} bound_s={bound:.2f} ratio_to_bound={ratio:.2f} "
        f"sequential_s={sequential:.1f} speedup={speedup:.1f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
