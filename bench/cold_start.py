"""Cold start of the Azure Functions app: what a fresh instance pays before Slack's 3 s.

For each of N fresh Python processes (a new Functions worker is a new process):

* import_s     — wall time of `import function_app` (azure.functions + the bot's light
                 modules; the Slack app and the queue client are built on first use);
* first_ack_ms — the first signed `/vpn status …` through the registered HTTP function:
                 building the Bolt app and the queue client, verifying the signature,
                 enqueueing the job on a real Azurite queue, and returning the ack.

Prints the medians as the last line:

    cold_start import_s=0.171 first_ack_ms=142.3 runs=7 azure_mgmt_loaded=0

Target: import_s < 0.35. `azure_mgmt_loaded` counts runs in which any azure.mgmt module
was loaded by the time the ack returned (must be 0). Needs Azurite (`make node`).

    .venv/bin/python bench/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.slack_emulator import SlackEmulator  # noqa: E402
from tests.azurite import AZURITE, start_azurite, stop_azurite  # noqa: E402

# Runs in the fresh process. Timing starts before the first import of the app.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    import function_app
    import_s = time.perf_counter() - t0
    import azure.functions as func
    fns = {f.get_function_name(): f for f in function_app.app.get_functions()}
    handler = fns["slack_events"].get_user_function()
    req = func.HttpRequest("POST", "/api/slack/events", headers=json.loads(sys.argv[1]), body=sys.argv[2].encode())
    t1 = time.perf_counter()
    resp = handler(req, None)
    first_ack_ms = (time.perf_counter() - t1) * 1000
    mgmt = sorted(m for m in sys.modules if m.startswith("azure.mgmt"))
    print(json.dumps({"import_s": import_s, "first_ack_ms": first_ack_ms, "status": resp.status_code, "mgmt": mgmt}))
    """
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes to measure (default 7)")
    args = parser.parse_args()
    if not AZURITE.exists():
        print("cold_start: Azurite is not installed; run `make node` first", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        proc, azurite = start_azurite(Path(tmp))
        try:
            with SlackEmulator() as slack:
                queue = f"bench{uuid.uuid4().hex[:12]}"
                env = {
                    **os.environ,
                    "PYTHONPATH": str(ROOT),
                    "SLACK_SIGNING_SECRET": slack.signing_secret,
                    "SLACK_BOT_TOKEN": slack.token,
                    "SLACK_API_URL": slack.api_url,
                    "VPNOPS_STORAGE_CONNECTION": azurite.connection_string,
                    "VPNOPS_QUEUE": queue,
                    "VPNOPS_JOBS": "queue",
                    "VPNOPS_SECRET_KEY": "bench-deployment-secret-0123456789abcdef0123",
                    "VPNOPS_LOG_LEVEL": "WARNING",
                }
                # One unmeasured run creates the queue and warms the OS file cache, as a
                # deployed app's package is warm on disk before its first instance starts.
                results = [_run(slack, env) for _ in range(args.runs + 1)][1:]
        finally:
            stop_azurite(proc)

    bad = [r for r in results if r["status"] != 200]
    if bad:
        print(f"cold_start: {len(bad)} run(s) did not ack with 200: {bad[0]}", file=sys.stderr)
        return 1
    import_s = statistics.median(r["import_s"] for r in results)
    first_ack_ms = statistics.median(r["first_ack_ms"] for r in results)
    mgmt_runs = sum(1 for r in results if r["mgmt"])
    print(
        f"cold_start import_s={import_s:.3f} first_ack_ms={first_ack_ms:.1f} runs={len(results)} azure_mgmt_loaded={mgmt_runs}"
    )
    return 0


def _run(slack: SlackEmulator, env: dict[str, str]) -> dict[str, object]:
    body, headers, _ = slack.command_request("status australia", "U_ALICE")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(headers), body.decode()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


if __name__ == "__main__":
    sys.exit(main())
