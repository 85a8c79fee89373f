"""`/vpn status all` against a realistic ARM: ten users at once, and the watch after them.

    .venv/bin/python bench/status_realistic.py                  # 200 gateways, 800 connections, 10 users
    .venv/bin/python bench/status_realistic.py --gateways 40 --connections 160 --time-scale 0.5

What it does:
1. generates the fan-out benchmark's estate (`bench/status_fanout.py` `make_estate`: 200
   gateways over 2 subscriptions, BGP on half, point-to-site on a quarter) and serves it with
   the emulator's realistic mode (`sandbox/arm/latency.py`: GETs 40–250 ms, the diagnostic
   operations 5–60 s polled at Retry-After 10, ARM's token buckets per subscription and
   principal — reads 250 + 25/s, writes and actions 200 + 10/s — with 429 + Retry-After),
   in a child process, at `--time-scale` (1: Azure's own time; every figure below is in
   Azure's seconds: wall seconds / scale);
2. one user: the real bot (`bot.console.Console`: the Bolt app, signed slash commands, the
   job runner, Slack's Web API on the Slack emulator, the Azure SDK against the emulator)
   answers `/vpn status all`; then, on a fresh emulator (full buckets) and a fresh bot
   (nothing shared yet), ten users send it at the same moment;
3. the watch runs one cycle right after them (nothing changed in the estate meanwhile), and one
   on a fresh bot (nothing kept: its cost every cycle when nobody asks).

It times, in this process, from each signed request to the bot's first posted message (the
first answer, with the findings known so far) and to the complete answer (the last revision
of that message); the Functions queue's polling delay comes on top and is printed apart
(host.json `maxPollingInterval`). It counts the emulator's requests and prints:

status_realistic gateways=G users=U first_answer_p95_s=… complete_s=… slowest_lro_s=… complete_over_slowest=… arm_requests_one_user=… arm_requests_ten_users=… requests_per_gateway=… limit_s=… complete_over_limit=…
watch_realistic connections=C requests_per_connection=… alone_requests_per_connection=…

`slowest_lro_s`: the longest diagnostic operation the answer needs (the model draws each
one's duration per resource, so the bench knows them); `limit_s`: the physical floor — that,
or the time ARM's token buckets need to admit the requests made, whichever is larger.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import multiprocessing as mp
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._machine import load, machine  # noqa: E402
from bench.status_fanout import make_estate  # noqa: E402

CHANNEL = "C_VPNOPS"


# --- the emulator, in a child process ------------------------------------------------------------


def _serve(estate: dict[str, Any], pipe: Pipe) -> None:
    from sandbox.arm_emulator import ArmEmulator

    emu = ArmEmulator(estate)  # the realistic mode comes with the estate's "arm": {"latency": …}
    pipe.send(emu.start())
    try:
        while True:
            cmd = pipe.recv()
            if cmd == "log":
                pipe.send([(r.method, r.path, r.status) for r in emu.requests])
            elif cmd == "clear":
                emu.clear_requests()
                pipe.send(True)
            elif cmd == "stop":
                break
    finally:
        emu.stop()


class Emulator:
    def __init__(self, estate: dict[str, Any]) -> None:
        ctx = mp.get_context("spawn")
        self._pipe, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(estate, child), daemon=True)
        self._proc.start()
        self.url: str = self._pipe.recv()

    def log(self) -> list[tuple[str, str, int]]:
        self._pipe.send("log")
        return list(self._pipe.recv())

    def clear(self) -> None:
        self._pipe.send("clear")
        self._pipe.recv()

    def stop(self) -> None:
        self._pipe.send("stop")
        self._proc.join(10)


# --- the floor -------------------------------------------------------------------------------------


def slowest_lro_s(estate: dict[str, Any], model: Any) -> float:
    """The longest diagnostic operation `/vpn status all` needs (Azure's seconds): BGP peers and
    learned routes of every BGP gateway, VPN clients of every point-to-site one (queued per
    gateway in the serial mode)."""
    from bot.arm import convert
    from sandbox.arm import ids

    worst = 0.0
    for doc in estate["resources"]:
        if str(doc.get("type", "")).lower() != "microsoft.network/virtualnetworkgateways":
            continue
        gw = convert.gateway(doc)
        key = ids.key(doc["id"])
        actions = (["getBgpPeerStatus", "getLearnedRoutes"] if gw.enable_bgp else []) + (
            ["getVpnclientConnectionHealth"] if gw.serves_p2s else []
        )
        durations = [model.lro_duration_s(key, a) for a in actions]
        if durations:
            worst = max(worst, sum(durations) if model.serial_gateway_actions else max(durations))
    return worst


def bucket_floor_s(log: list[tuple[str, str, int]], model: Any) -> float:
    """The time ARM's token buckets need to admit the requests made (429s took no token):
    per subscription and operation type, (requests − bucket) / refill."""
    counts: Counter[tuple[str, str]] = Counter()
    for method, path, status in log:
        parts = [p for p in path.split("/") if p]
        if status == 429 or len(parts) < 2 or parts[0].lower() != "subscriptions":
            continue
        kind = "reads" if method == "GET" else "deletes" if method == "DELETE" else "writes"
        counts[(parts[1].lower(), kind)] += 1
    floor = 0.0
    for (_, kind), n in counts.items():
        size, refill = getattr(model, kind)
        floor = max(floor, (n - size) / refill)
    return floor


# --- the bot ---------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Per job: when its request was sent, its first message posted, its answer complete."""

    sent: dict[str, float] = field(default_factory=dict)  # user -> monotonic
    first: dict[str, float] = field(default_factory=dict)
    complete: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Timed:
    """The job's real messenger, with the moments it posted noted (by user)."""

    def __init__(self, inner: Any, user: str, t: Timings) -> None:
        self._inner, self._user, self._t = inner, user, t

    def _note(self, final: bool) -> None:
        now = time.monotonic()
        with self._t.lock:
            self._t.first.setdefault(self._user, now)
            if final:
                self._t.complete[self._user] = now

    def respond(self, reply: Any) -> None:
        self._inner.respond(reply)
        self._note(final=not getattr(reply, "live", False))

    def revise(self, reply: Any, final: bool = True) -> None:
        self._inner.revise(reply, final)
        self._note(final)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def make_console(url: str, scale: float) -> Any:
    import dataclasses

    from bot.console.app import Console
    from bot.settings import Settings

    base = dataclasses.replace(Settings.from_env(), arm_time_scale=scale)
    # Jobs run at once, as Functions runs a queue batch (host.json batchSize 8 + newBatchThreshold 4).
    return Console(None, arm_url=url, out=io.StringIO(), echo=False, base_settings=base, workers=12)


def ask_together(console: Any, users: list[str], text: str, t: Timings) -> None:
    """Each user sends the signed slash command at the same moment; returns when all are answered."""
    real = console.deps.messenger_for

    def timed(job: Any) -> Any:
        return _Timed(real(job), job.user, t)

    console.deps.messenger_for = timed
    barrier = threading.Barrier(len(users))

    def one(user: str) -> None:
        body, headers, response_url = console.slack.command_request(text, user, CHANNEL)
        barrier.wait()
        with t.lock:
            t.sent[user] = time.monotonic()
        status, _, out = console.post_http(body, headers)
        if status == 200:
            console.slack.deliver_ack(response_url, out)

    threads = [threading.Thread(target=one, args=(u,)) for u in users]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    console.wait()
    console.deps.messenger_for = real


def p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)] if s else float("nan")


def run_users(estate: dict[str, Any], users: int, scale: float, watch: bool) -> dict[str, Any]:
    """Fresh emulator (full buckets), fresh bot (nothing shared): `users` ask at once."""
    emu = Emulator(estate)
    console = make_console(emu.url, scale)
    try:
        # Warm-up outside the timing: the SDK's imports and clients (on a subscription list,
        # which the bot keeps for minutes anyway).
        console.deps.azure_port().subscriptions()
        emu.clear()
        t = Timings()
        names = [f"U_BENCH{i:02d}" for i in range(users)]
        started = time.monotonic()
        ask_together(console, names, "status all", t)
        log = emu.log()
        out: dict[str, Any] = {
            "first": [(t.first[u] - t.sent[u]) / scale for u in names if u in t.first],
            "complete": [(t.complete[u] - t.sent[u]) / scale for u in names if u in t.complete],
            "requests": len(log),
            "throttled": sum(1 for r in log if r[2] == 429),
            "log": log,
            "wall_s": time.monotonic() - started,
        }
        if watch:
            from bot.runtime.timer import run_watch

            emu.clear()
            w0 = time.monotonic()
            result = run_watch(console.deps)
            wlog = emu.log()
            out["watch"] = {
                "connections": result.connections,
                "requests": len(wlog),
                "wall_s": (time.monotonic() - w0) / scale,
                "failures": result.failures,
            }
            # And a cycle with nothing kept (a bot that read nothing in the last minute: the
            # watch's own cost every cycle when nobody asks).
            alone = make_console(emu.url, scale)
            try:
                alone.deps.azure_port().subscriptions()
                emu.clear()
                run_watch(alone.deps)
                out["watch"]["alone_requests"] = len(emu.log())
            finally:
                alone.close()
        return out
    finally:
        console.close()
        emu.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gateways", type=int, default=200)
    ap.add_argument("--connections", type=int, default=800)
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--time-scale", type=float, default=1.0, help="wall seconds per Azure second (1: Azure's own)")
    ap.add_argument("--serial", action="store_true", help="gateways run their diagnostic operations one at a time")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from bot.logging import configure
    from sandbox.arm.latency import LatencyModel

    configure("WARNING")  # the figures, not the bot's log lines

    model = LatencyModel(scale=args.time_scale, serial_gateway_actions=args.serial, seed=args.seed)
    estate = make_estate(args.gateways, args.connections)
    estate["arm"] = {
        "latency": {"scale": args.time_scale, "serialGatewayActions": args.serial, "seed": args.seed},
    }
    print(machine(), flush=True)
    print(f"  load average {load()}", flush=True)
    slowest = slowest_lro_s(estate, model)
    print(f"  slowest diagnostic operation needed: {slowest:.1f} s (Azure's time)", flush=True)

    one = run_users(estate, 1, args.time_scale, watch=False)
    print(
        f"  one user: first answer {one['first'][0]:.2f} s, complete {one['complete'][0]:.1f} s, "
        f"{one['requests']} requests ({one['throttled']} answered 429)",
        flush=True,
    )
    many = run_users(estate, args.users, args.time_scale, watch=True)
    print(
        f"  {args.users} users: first answers {', '.join(f'{x:.2f}' for x in sorted(many['first']))} s; "
        f"complete {', '.join(f'{x:.1f}' for x in sorted(many['complete']))} s; "
        f"{many['requests']} requests ({many['throttled']} answered 429)",
        flush=True,
    )
    print(f"  the Functions queue adds up to its maxPollingInterval on top: {_queue_polling_s()} s (host.json)")
    print(f"  load average {load()}", flush=True)
    limit = max(slowest, bucket_floor_s(many["log"], model))
    complete = max(many["complete"]) if many["complete"] else float("nan")
    watch = many["watch"]
    print(
        f"status_realistic gateways={args.gateways} users={args.users} "
        f"first_answer_p95_s={p95(many['first']):.2f} complete_s={complete:.1f} "
        f"slowest_lro_s={slowest:.1f} complete_over_slowest={complete / slowest:.2f} "
        f"arm_requests_one_user={one['requests']} arm_requests_ten_users={many['requests']} "
        f"requests_per_gateway={many['requests'] / args.gateways:.2f} "
        f"limit_s={limit:.1f} complete_over_limit={complete / limit:.2f}"
    )
    print(
        f"watch_realistic connections={watch['connections']} "
        f"requests_per_connection={watch['requests'] / max(1, watch['connections']):.2f} "
        f"alone_requests_per_connection={watch['alone_requests'] / max(1, watch['connections']):.2f}"
    )
    return 0


def _queue_polling_s() -> float:
    try:
        raw = json.loads((ROOT / "host.json").read_text())["extensions"]["queues"]["maxPollingInterval"]
        h, m, s = (float(x) for x in str(raw).split(":"))
        return h * 3600 + m * 60 + s
    except (OSError, KeyError, ValueError):
        return float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
