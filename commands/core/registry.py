"""The command registry: every `/vpn` subcommand and every button, in one place.

A command is a function `(ctx, args) -> Reply | None` registered with `@command`. Its
docstring's first paragraph is its `/vpn help` text; `usage` and `example` are shown
beside it. A command may answer by returning a Reply (sent with `ctx.out.respond`) or by
calling `ctx.out` itself (progress, several messages, posts to a channel).

A button is a function `(ctx, value, ref) -> Reply | None` registered with `@action`
under its Slack `action_id`; `ref` is the message the button was on.

Modules that define commands are listed in `COMMAND_MODULES` and imported by `load()`;
Slack's listener registration, the help text and the manifest test all read from here.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from commands.core.port import AzurePort, Messenger
from commands.core.reply import Reply

# Modules whose import registers commands/actions. Order = order in `/vpn help`.
COMMAND_MODULES: list[str] = [
    "commands.status",
    "commands.routes",
    "commands.peering",
    "commands.checklist",
    "commands.diagnose",
    "commands.alerts",
    "commands.help",
    "commands.watch",  # no command: registers the watch's counter samples for /vpn status
]


@dataclass(frozen=True)
class DomainSettings:
    """The settings the domain needs (built by bot.settings from the environment)."""

    concurrency: int = 16
    approvers: frozenset[str] = frozenset()
    approver_group: str = ""
    request_ttl_minutes: int = 60
    alert_channel: str = ""
    progress_every_s: float = 2.0


@dataclass
class Ctx:
    """Everything a command runs with. Built per job by the worker."""

    azure: AzurePort
    out: Messenger
    user: str = ""  # Slack user id of the person who asked / clicked
    user_name: str = ""
    team: str = ""
    channel: str = ""
    settings: DomainSettings = field(default_factory=DomainSettings)
    store: Any = None  # commands.core.store.Store when the command needs state
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


CommandFn = Callable[[Ctx, str], "Reply | None"]
ActionFn = Callable[[Ctx, str, str], "Reply | None"]


@dataclass(frozen=True)
class Command:
    name: str
    fn: CommandFn
    usage: str  # e.g. "status <region|gateway>"
    example: str  # e.g. "/vpn status australia"
    summary: str  # first paragraph of the docstring
    aliases: tuple[str, ...] = ()
    hidden: bool = False


@dataclass(frozen=True)
class Action:
    action_id: str
    fn: ActionFn


COMMANDS: dict[str, Command] = {}
ACTIONS: dict[str, Action] = {}
# Message shortcuts: callback_id -> fn(ctx, message_text) (e.g. "Check VPN client log").
SHORTCUTS: dict[str, tuple[str, Callable[[Ctx, str], Reply | None]]] = {}


def command(
    name: str, usage: str, example: str, aliases: tuple[str, ...] = (), hidden: bool = False
) -> Callable[[CommandFn], CommandFn]:
    def deco(fn: CommandFn) -> CommandFn:
        doc = inspect.getdoc(fn) or ""
        summary = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
        COMMANDS[name] = Command(name, fn, usage, example, summary, aliases, hidden)
        return fn

    return deco


def action(action_id: str) -> Callable[[ActionFn], ActionFn]:
    def deco(fn: ActionFn) -> ActionFn:
        ACTIONS[action_id] = Action(action_id, fn)
        return fn

    return deco


def shortcut(callback_id: str, title: str) -> Callable[[Callable[[Ctx, str], Reply | None]], Any]:
    def deco(fn: Callable[[Ctx, str], Reply | None]) -> Callable[[Ctx, str], Reply | None]:
        SHORTCUTS[callback_id] = (title, fn)
        return fn

    return deco


_loaded = False


def load() -> dict[str, Command]:
    """Import every command module once (registers them) and return the registry."""
    global _loaded
    if not _loaded:
        for mod in COMMAND_MODULES:
            try:
                importlib.import_module(mod)
            except ModuleNotFoundError as exc:
                # A module not written yet must not break the others; a typo inside one must.
                if exc.name != mod:
                    raise
        _loaded = True
    return COMMANDS


def lookup(name: str) -> Command | None:
    load()
    key = name.lower()
    if key in COMMANDS:
        return COMMANDS[key]
    for c in COMMANDS.values():
        if key in c.aliases:
            return c
    return None
