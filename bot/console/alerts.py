"""Console commands for alerts: `/webhook alerts FILE` and `/watch`.

Listed in `bot/console/app.py`'s CONSOLE_COMMANDS. Both go through the same code as production: the webhook body is handed to
`bot.monitor.webhook.handle_webhook` exactly as the HTTP function hands it over (raw bytes,
the query with the shared token), and `/watch` runs `bot.runtime.timer.run_watch` against
the ARM emulator, then advances the emulator's counters by one cycle (the estate's
`counterGrowth`), so the next `/watch` sees traffic move as five minutes would. Against
another ARM endpoint (`--arm-url`) it reads the counters as they are.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from bot.console.commands import ConsoleCommand, console_command
from bot.logging import add_secret
from bot.monitor.webhook import TOKEN_PARAM, handle_webhook
from bot.runtime.timer import run_watch

if TYPE_CHECKING:
    from bot.console.app import Console

# One token per console process: the console plays both Azure Monitor and the endpoint.
_TOKEN = secrets.token_hex(16)
add_secret(_TOKEN)


@console_command(
    "webhook", "/webhook alerts FILE", "deliver an Azure Monitor alert body (common schema) to /api/alerts"
)
def _webhook(console: Console, rest: str) -> None:
    kind, _, path = rest.partition(" ")
    path = path.strip()
    if kind.lower() != "alerts" or not path:
        console.note(
            "Usage: /webhook alerts FILE — FILE holds an Azure Monitor webhook body in the common alert schema, "
            "e.g. /webhook alerts ../shared/fixtures/real/alerts/alerts-payload-samples.test-action-metric-static-threshold.json"
        )
        return
    file = Path(path).expanduser()
    try:
        body = file.read_bytes()
    except OSError as exc:
        console.note(f"Cannot read {file}: {exc.strerror or exc}. Give the path of a JSON file.")
        return
    token = console.settings.alert_token or _TOKEN
    settings = dataclasses.replace(console.settings, alert_token=token)
    resp = handle_webhook(body, {TOKEN_PARAM: token}, console.deps, settings=settings)
    console.wait()
    console.note(f"/api/alerts answered HTTP {resp.status} {json.dumps(resp.body, ensure_ascii=False)}")


@console_command("watch", "/watch", "run one watch cycle now, then let the estate's counters grow by one cycle")
def _watch(console: Console, rest: str) -> None:
    if rest.strip():
        console.note("/watch takes no arguments: it checks every connection of the estate.")
        return
    # min_interval_s=0: in the console, one /watch is one cycle, however fast they follow.
    result = run_watch(console.deps, min_interval_s=0)
    if console.arm is None:
        console.wait()
        console.note(result.summary + "; counters read as the ARM endpoint has them (it is not the console's own)")
        return
    console.arm.advance_counters(1)
    console.wait()
    console.note(result.summary + "; counters advanced one cycle")


COMMANDS: tuple[ConsoleCommand, ...] = (_webhook, _watch)
