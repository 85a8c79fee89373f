"""Forged-request benchmark: none of them may reach a listener.

    .venv/bin/python bench/forgery.py                 # 1400 forged requests per entry point
    .venv/bin/python bench/forgery.py --requests 3000 --seed 2

Generates forged Slack requests (tests/reliability/forge.py: bad signatures, stale or future
timestamps — correctly signed —, malformed timestamps, genuine headers on altered bodies,
missing headers, wrong content types) and sends each through both real entry points:

* the Bolt app, through `bot.slack.adapter.handle_http` (what `python -m bot serve`, the
  console and the tests use), with the local thread-pool dispatcher;
* the Azure Functions HTTP function `slack_events` (`get_user_function()` with a real
  `azure.functions.HttpRequest`), whose dispatcher is a real Storage Queue on Azurite.

A request is *executed* when it reached a listener: the app answered 200 (every listener
acks with 200), or a job reached the dispatcher (thread pool) or the queue (Azurite). A
genuine request is sent first and last through each entry point, as the control that the
counting works (it must be executed).

Last line: `forgery requests=N rejected=N executed=0`
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._machine import machine  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=1400, help="forged requests per entry point")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-functions", action="store_true", help="only the Bolt adapter (no Azurite needed)")
    args = ap.parse_args(argv)

    from bot.logging import configure
    from tests.reliability.forge import CATEGORIES, forgeries

    configure("ERROR", stream=sys.stderr, force=True)
    # Bolt logs every refused request at WARNING; a thousand of them are the point here.
    logging.getLogger("vpnops.bolt").setLevel(logging.ERROR)
    print(
        f"machine: {machine()}; {args.requests} forged requests per entry point, categories: {', '.join(CATEGORIES)}",
        flush=True,
    )
    total = rejected = executed = 0
    by: Counter[tuple[str, str, int]] = Counter()

    # --- 1. the Bolt app through the adapter ---------------------------------------------
    from tests.reliability.harness import Rig

    with Rig() as rig:
        control = rig.slash("status australia")
        assert control.status == 200 and control.jobs, "a genuine request was not executed: counting is broken"
        before = len(rig.dispatcher.submitted)
        t0 = time.perf_counter()
        for i, f in enumerate(forgeries(rig.slack, args.requests, args.seed), start=1):
            status, _, _ = rig.console.post_http(f.body, f.headers)
            total += 1
            by[("bolt", f.category, status)] += 1
            if status == 200:
                executed += 1
                print(f"  EXECUTED via bolt: {f.category}: {f.how}", flush=True)
            else:
                rejected += 1
            if i % 200 == 0:
                print(f"  bolt: {i}/{args.requests} sent, {executed} executed", flush=True)
        reached = len(rig.dispatcher.submitted) - before
        executed += reached
        rejected -= reached
        rate = args.requests / (time.perf_counter() - t0)
        control = rig.slash("status australia")
        assert control.status == 200 and control.jobs, "a genuine request was not executed after the run"
        print(f"  bolt: done, {reached} jobs reached the dispatcher; {rate:.0f} requests/s", flush=True)

    # --- 2. the Azure Functions HTTP function ---------------------------------------------
    if not args.no_functions:
        t, r, e = functions_run(args.requests, args.seed + 1, by)
        total, rejected, executed = total + t, rejected + r, executed + e

    for (where, category, status), n in sorted(by.items()):
        print(f"  {where:<9} {category:<17} HTTP {status}: {n}", flush=True)
    print(f"forgery requests={total} rejected={rejected} executed={executed}", flush=True)
    return 0 if executed == 0 and rejected == total else 1


def functions_run(n: int, seed: int, by: Counter[tuple[str, str, int]]) -> tuple[int, int, int]:
    """Send `n` forgeries through the Functions HTTP function, jobs going to Azurite."""
    import azure.functions as func
    from azure.storage.queue import QueueClient

    from sandbox.slack_emulator import SlackEmulator
    from tests.azurite import AZURITE, start_azurite, stop_azurite, unique_name
    from tests.reliability.forge import forgeries

    if not AZURITE.exists():
        print("  functions: skipped (Azurite is not installed: npm install)", flush=True)
        return 0, 0, 0
    proc, az = start_azurite(Path(tempfile.mkdtemp(prefix="vpnops-forgery-")))
    total = rejected = executed = 0
    try:
        queue = unique_name("forgery")
        with SlackEmulator(token="xoxb-forgery-bench") as slack:
            os.environ.update(
                SLACK_SIGNING_SECRET=slack.signing_secret,
                SLACK_BOT_TOKEN=slack.token,
                SLACK_API_URL=slack.api_url,
                VPNOPS_STORAGE_CONNECTION=az.connection_string,
                VPNOPS_QUEUE=queue,
                VPNOPS_JOBS="queue",
                VPNOPS_SECRET_KEY="forgery-bench-deployment-secret-0123456789abcdef",
                VPNOPS_LOG_LEVEL="ERROR",
            )
            import function_app
            from bot.functions import runtime

            runtime.reset()
            fn = {f.get_function_name(): f for f in function_app.app.get_functions()}["slack_events"]
            call = fn.get_user_function()
            q = QueueClient.from_connection_string(az.connection_string, queue)

            def send(body: bytes, headers: dict[str, str]) -> int:
                req = func.HttpRequest("POST", "/api/slack/events", headers=headers, body=body)
                return int(call(req, None).status_code)

            def queued() -> int:
                try:
                    return int(q.get_queue_properties().approximate_message_count or 0)
                except Exception:  # noqa: BLE001 - no queue yet = nothing was enqueued
                    return 0

            body, headers, _ = slack.command_request("status australia", "U_ALICE")
            assert send(body, headers) == 200 and queued() == 1, "a genuine request was not enqueued"
            logging.getLogger("vpnops.bolt").setLevel(logging.ERROR)
            for i, f in enumerate(forgeries(slack, n, seed), start=1):
                status = send(f.body, f.headers)
                total += 1
                by[("functions", f.category, status)] += 1
                if status == 200:
                    executed += 1
                    print(f"  EXECUTED via functions: {f.category}: {f.how}", flush=True)
                else:
                    rejected += 1
                if i % 200 == 0:
                    print(f"  functions: {i}/{n} sent, {executed} executed", flush=True)
            extra = queued() - 1
            executed += max(0, extra)
            rejected -= max(0, extra)
            body, headers, _ = slack.command_request("status europe", "U_BOB")
            assert send(body, headers) == 200 and queued() == 2, "a genuine request was not enqueued after the run"
            print(f"  functions: done, {max(0, extra)} forged jobs reached the queue", flush=True)
            runtime.reset()
    finally:
        stop_azurite(proc)
    return total, rejected, executed


if __name__ == "__main__":
    raise SystemExit(main())
