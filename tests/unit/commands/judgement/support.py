"""Running every command that judges the estate on one estate, and reading what each said.

No tests here: helpers for the judgement's tests. Estates are built in the tests, from
the routes tests' builders (invented names, not the sandbox's).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.runtime.failures import reply_for
from bot.runtime.jobs import Job
from commands.core.errors import AzureFailure, UsageError
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Finding, Reply
from commands.diagnose.command import diagnose
from commands.peering.command import peering
from commands.routes.command import routes
from commands.status.command import status
from tests.fakes import FakeAzure, RecordingMessenger

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
Command = Callable[[Ctx, str], "Reply | None"]


def ask(az: FakeAzure, command: Command, text: str) -> list[Reply]:
    """Every answer `command` gives to `text` (a VM answers once per NIC)."""
    out = RecordingMessenger()
    ctx = Ctx(az, out, settings=DomainSettings(concurrency=4, progress_every_s=0.0), now=lambda: NOW)
    try:
        reply = command(ctx, text)
    except (UsageError, AzureFailure) as exc:
        reply = reply_for(exc, Job("command", "test", text))
    return [*out.responses, *([reply] if reply is not None else [])]


def findings(replies: list[Reply]) -> list[Finding]:
    return [f for r in replies for f in r.findings]


def by_key(replies: list[Reply]) -> dict[str, Finding]:
    return {f.key: f for f in findings(replies)}


def status_of(az: FakeAzure, text: str = "all") -> list[Reply]:
    return ask(az, status, text)


def diagnose_of(az: FakeAzure, text: str = "") -> list[Reply]:
    return ask(az, diagnose, text)


def routes_of(az: FakeAzure, text: str) -> list[Reply]:
    return ask(az, routes, text)


def peering_of(az: FakeAzure, text: str) -> list[Reply]:
    return ask(az, peering, text)


def disagreements(*answers: list[Reply]) -> list[str]:
    """Finding keys two answers give different verdicts (severity) for."""
    seen: dict[str, str] = {}
    out: list[str] = []
    for replies in answers:
        for f in findings(replies):
            if f.key in seen and seen[f.key] != f.severity:
                out.append(f"{f.key}: {seen[f.key]} vs {f.severity}")
            seen.setdefault(f.key, f.severity)
    return out


def first_message(reply: Reply) -> Reply:
    """The reply's first message alone (what a phone shows)."""
    return Reply(reply.fallback, list(reply.parts), reply.visibility)
