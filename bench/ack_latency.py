"""Ack-latency benchmark: 50 concurrent signed `/vpn status` requests against the Bolt app.

    .venv/bin/python bench/ack_latency.py                     # 40 rounds × 50 concurrent
    .venv/bin/python bench/ack_latency.py --rounds 100 --http  # through a real loopback socket

Slack drops a slash command that gets no HTTP 200 within 3 s, so the ack path must stay
fast even when many people type at once. Each round starts 50 threads at a barrier; each
sends one freshly signed slash-command body (Slack's v0 HMAC-SHA256 signature over
`v0:timestamp:body`, checked by Bolt's RequestVerification middleware) to the real app
from `bot.slack.app.create_app` through `bot.slack.adapter.handle_http` — or, with
`--http`, over a loopback socket to `bot.slack.adapter.SlackHttpServer` in a child
process (one new connection per request, as Slack makes them). The dispatcher only records
the jobs (no Azure work), so what is measured is verification + parsing + the ack.

Latency is per request, from the instant the round's 50 requests are released together to
that request's response (so a request queued behind the others counts its wait). Last line:
ack_latency requests=N concurrency=50 p50_ms=… p99_ms=…
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._machine import load, machine  # noqa: E402

SECRET = "bench-signing-secret"  # not a secret: the bench signs and verifies its own requests
TARGETS = ("australia", "europe", "vgw-eun", "us", "all")


def _serve_http(pipe: Any) -> None:
    """Child process: the Bolt app on a loopback socket; reports its URL, then the job count."""
    import logging

    from bot.settings import Settings
    from bot.slack.adapter import SlackHttpServer
    from bot.slack.app import create_app

    logging.disable(logging.INFO)
    dispatcher = RecordingDispatcher()
    server = SlackHttpServer(create_app(Settings(signing_secret=SECRET), dispatcher))
    pipe.send(server.start())
    pipe.recv()  # "stop"
    server.stop()
    pipe.send(len(dispatcher.jobs))


class RecordingDispatcher:
    """Records jobs; runs nothing (the bench measures the ack, not the work)."""

    def __init__(self) -> None:
        self.jobs: list[object] = []
        self._lock = threading.Lock()

    def submit(self, job: object) -> None:
        with self._lock:
            self.jobs.append(job)


def slash_body(i: int) -> bytes:
    """A slash command payload as Slack sends it (application/x-www-form-urlencoded)."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T0BENCH",
            "team_domain": "bench",
            "channel_id": "C0BENCH",
            "channel_name": "vpn-ops",
            "user_id": f"U{i % 97:05d}",
            "user_name": f"user{i % 97}",
            "command": "/vpn",
            "text": f"status {TARGETS[i % len(TARGETS)]}",
            "api_app_id": "A0BENCH",
            "is_enterprise_install": "false",
            "response_url": f"https://hooks.slack.com/commands/T0BENCH/{i}/bench",
            "trigger_id": f"{i}.bench.trigger",
        }
    ).encode()


def signed_headers(body: bytes) -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    ts = str(int(time.time()))
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body.decode()) or ""
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
    }


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100) of an already sorted list."""
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, round(p / 100 * len(sorted_ms) + 0.5) - 1))
    return sorted_ms[k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=3, help="rounds run first and not counted")
    ap.add_argument(
        "--http", action="store_true", help="over a loopback socket (SlackHttpServer) instead of in-process"
    )
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.concurrency < 1:
        ap.error("rounds and concurrency must be ≥ 1")

    import logging

    from bot.settings import Settings
    from bot.slack.adapter import handle_http
    from bot.slack.app import create_app

    # The bot logs one line per command; at 2000 requests that is the console, not the ack.
    logging.disable(logging.INFO)
    print(f"ack_latency: {' '.join(filter(None, (machine(unknown=''), load())))}", flush=True)
    dispatcher = RecordingDispatcher()
    child = None
    if args.http:
        # The app serves from a child process, so the 50 client threads here do not share
        # its interpreter lock (Slack's clients are not in the bot's process either).
        ctx = mp.get_context("spawn")
        pipe, child_end = ctx.Pipe()
        child = ctx.Process(target=_serve_http, args=(child_end,), daemon=True)
        child.start()
        url = pipe.recv()
        parts = urlsplit(url)
        print(f"Bolt app over HTTP at {url} (child process)", flush=True)

        def send(body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
            conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
            try:
                conn.request("POST", parts.path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.read()
            finally:
                conn.close()
    else:
        app = create_app(Settings(signing_secret=SECRET), dispatcher)  # no bot token: ack-only, as on the ack side
        print("Bolt app through bot.slack.adapter.handle_http (in process)", flush=True)

        def send(body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
            status, _, out = handle_http(app, body, headers)
            return status, out

    latencies: list[float] = []
    bad: list[str] = []
    lock = threading.Lock()
    counter = iter(range(10**9))

    released = [0.0]

    def one(barrier: threading.Barrier, keep: bool) -> None:
        with lock:
            i = next(counter)
        body = slash_body(i)
        headers = signed_headers(body)
        barrier.wait()
        status, out = send(body, headers)
        # From the instant all 50 were released together: a request that waits for the
        # others (one interpreter lock) counts its wait, as it would behind a real socket.
        ms = (time.perf_counter() - released[0]) * 1000
        with lock:
            if status != 200:
                bad.append(f"{status} {out[:120]!r}")
            elif keep:
                latencies.append(ms)

    t_start = time.perf_counter()
    total_rounds = args.warmup + args.rounds
    for r in range(total_rounds):
        barrier = threading.Barrier(args.concurrency, action=lambda: released.__setitem__(0, time.perf_counter()))
        threads = [threading.Thread(target=one, args=(barrier, r >= args.warmup)) for _ in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if (r + 1) % 10 == 0 or r + 1 == total_rounds:
            done = sorted(latencies)
            print(
                f"  round {r + 1}/{total_rounds}: {len(done)} timed, p50 {percentile(done, 50):.1f} ms, "
                f"p99 {percentile(done, 99):.1f} ms, {len(bad)} refused",
                flush=True,
            )
    elapsed = time.perf_counter() - t_start
    jobs = len(dispatcher.jobs)
    if child is not None:
        pipe.send("stop")
        jobs = pipe.recv()
        child.join(10)
    if bad:
        print(f"{len(bad)} requests were not acked with 200, e.g. {bad[0]}", flush=True)
    expected = total_rounds * args.concurrency
    print(
        f"dispatcher recorded {jobs} of {expected} jobs; {elapsed:.1f} s; "
        f"mean {statistics.fmean(latencies):.1f} ms, max {max(latencies):.1f} ms",
        flush=True,
    )
    done = sorted(latencies)
    print(
        f"ack_latency requests={len(done)} concurrency={args.concurrency} "
        f"p50_ms={percentile(done, 50):.1f} p99_ms={percentile(done, 99):.1f}",
        flush=True,
    )
    return 0 if not bad and jobs == expected else 1


if __name__ == "__main__":
    raise SystemExit(main())
