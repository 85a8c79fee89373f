"""Nothing heavy on Slack's 3-second path: handling a slash command never loads the Azure SDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]

SCRIPT = r"""
import json, sys
from bot.runtime.jobs import ThreadPoolDispatcher
from bot.settings import Settings
from bot.slack.adapter import handle_http
from bot.slack.app import create_app
from sandbox.slack_emulator import SlackEmulator

slack = SlackEmulator(signing_secret="ack-path-secret-0123456789abcdef")
slack.start()  # its response_urls are on its loopback origin, which SLACK_API_URL names
dispatcher = ThreadPoolDispatcher(lambda job: None)
jobs = dispatcher.submitted  # queued inside the listener, before the ack
app = create_app(Settings(signing_secret=slack.signing_secret, slack_api_url=slack.api_url), dispatcher)
for text in ("status australia", "help", "stauts"):
    body, headers, _ = slack.command_request(text, "U_ALICE")
    status, _, out = handle_http(app, body, headers)
    assert status == 200, (status, out)
slack.stop()
heavy = sorted(m for m in sys.modules if m.startswith(("azure.mgmt", "azure.identity", "azure.core")))
print(json.dumps({"jobs": len(jobs), "heavy": heavy}))
"""


def test_handling_slash_commands_never_imports_the_azure_sdk() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = __import__("json").loads(proc.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["jobs"] >= 1  # "status australia" was handed off (when status is registered)
