"""A worker process for tests/reliability/commands/peering/test_durability.py — killed and restarted by it.

    python -m tests.reliability.durability_child --state DIR run JOB_JSON     < settings.json
    python -m tests.reliability.durability_child --state DIR sweep [--later-min N] < settings.json

`run` runs one Job exactly as a worker does (`bot.runtime.worker.run_job` with `Deps` built from
settings: the real Azure adapter against the parent's ARM emulator, the real Slack client
against its Slack emulator, the SQLite store in DIR). `sweep` is what a restarted process
runs to finish interrupted requests (`commands.peering.sweep.sweep`, the timer's entry point),
optionally with its clock N minutes ahead, as the timer would see it after the lease.
The settings (slack_api_url, bot_token, arm_url, approvers, channel) come on stdin as JSON,
so the bot token is never on a command line. Prints one JSON line with what it did.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import timedelta
from pathlib import Path

from bot.logging import configure
from bot.runtime.jobs import Job
from bot.runtime.worker import Deps, build_ctx, run_job
from bot.settings import Settings
from commands.peering.sweep import sweep as sweep_requests


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", type=Path, required=True)
    sub = ap.add_subparsers(dest="what", required=True)
    run = sub.add_parser("run")
    run.add_argument("job")
    sweep = sub.add_parser("sweep")
    sweep.add_argument("--later-min", type=float, default=0.0)
    args = ap.parse_args(argv)

    configure("WARNING", stream=sys.stderr, force=True)
    given = json.loads(sys.stdin.readline())
    settings = dataclasses.replace(
        Settings(),
        slack_api_url=given["slack_api_url"],
        bot_token=given["bot_token"],
        arm_url=given["arm_url"],
        approvers=frozenset(given["approvers"]),
        store_url=f"sqlite:{args.state / 'vpnops.sqlite'}",
        subscription_ids=(),
    )
    settings.register_secrets()
    deps = Deps.from_settings(settings)
    if args.what == "run":
        job = Job.from_json(args.job)
        print(json.dumps({"started": job.id}), flush=True)
        run_job(job, deps)
        print(json.dumps({"finished": job.id}), flush=True)
        return 0
    job = Job("command", "sweep", user="vpnops", channel=given.get("channel", ""))
    ctx = build_ctx(job, deps, deps.messenger_for(job))
    if args.later_min:
        real_now, ahead = ctx.now, timedelta(minutes=args.later_min)
        ctx = dataclasses.replace(ctx, now=lambda: real_now() + ahead)
    print(json.dumps({"swept": sweep_requests(ctx)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
