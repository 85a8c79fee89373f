"""What a command, a button and a message shortcut are, and the registry that holds them.

A command is a function `(ctx, args) -> Reply | None` declared with `@command`. Its
docstring's first paragraph is its `/vpn help` text; `usage` and `example` are shown
beside it. A command may answer by returning a Reply (sent with `ctx.out.respond`) or by
calling `ctx.out` itself (progress, several messages, posts to a channel).

A button is a function `(ctx, value, ref) -> Reply | None` declared with `@action` under
its Slack `action_id`; `ref` is the message the button was on. A message shortcut is a
function `(ctx, message_text) -> Reply | None` declared with `@shortcut`.

Declaring registers nothing: the decorators turn the function into a `Command` / `Action`
/ `Shortcut` value (still callable like the function). `commands/catalog.py` lists them
all in one `Registry`, which Slack's listener registration, the help, the worker and the
manifest test read. A registry refuses two entries answering to the same name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from commands.core.policy import ActionPolicy
from commands.core.port import AzurePort, Messenger, Operations
from commands.core.reply import Reply


@dataclass(frozen=True)
class DomainSettings:
    """The settings the domain needs (built by bot.settings from the environment)."""

    concurrency: int = 16
    approvers: frozenset[str] = frozenset()
    approver_group: str = ""
    request_ttl_minutes: int = 60
    alert_channel: str = ""
    progress_every_s: float = 2.0
    mute_group: str = ""  # a Slack user group whose members may mute alerts (besides approvers)
    notices: tuple[str, ...] = ()  # what is odd about the configuration ("no approvers"), for help
    # VPN troubleshoot (commands.troubleshoot): where Network Watcher writes its logs (the storage
    # account's ARM id and a blob container URL), how long the asking job waits for the result
    # before the timer takes over, and when the bot gives up on one run.
    troubleshoot_storage_id: str = ""
    troubleshoot_storage_path: str = ""
    troubleshoot_wait_s: float = 240.0
    troubleshoot_deadline_s: float = 1200.0
    policies: tuple[ActionPolicy, ...] = ()  # per-action approval policy (commands/core/policy.py)


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
    registry: Registry | None = None  # what `/vpn help` lists; the worker passes the catalog
    ops: Operations | None = None  # the running bot's own state (`/vpn health`); the worker passes it
    # Where packet captures go (commands.core.port.CaptureStorage); None: not configured.
    blobs: Any = None
    # Run the button `action_id` with `value` in `channel` after `delay_s`, durably (a delayed
    # queue message on Functions): (action_id, value, channel, delay_s). None: not available.
    schedule: Callable[[str, str, str, float], None] | None = None


CommandFn = Callable[[Ctx, str], "Reply | None"]
ActionFn = Callable[[Ctx, str, str], "Reply | None"]
ShortcutFn = Callable[[Ctx, str], "Reply | None"]


@dataclass(frozen=True)
class Command:
    name: str
    fn: CommandFn
    usage: str  # e.g. "status <region|gateway>"
    example: str  # e.g. "/vpn status australia"
    summary: str  # first paragraph of the docstring
    aliases: tuple[str, ...] = ()
    hidden: bool = False

    def __call__(self, ctx: Ctx, args: str) -> Reply | None:
        return self.fn(ctx, args)

    @property
    def doc(self) -> str:
        """The whole docstring: `/vpn help <command>`."""
        return inspect.getdoc(self.fn) or self.summary


@dataclass(frozen=True)
class Action:
    action_id: str
    fn: ActionFn

    def __call__(self, ctx: Ctx, value: str, ref: str) -> Reply | None:
        return self.fn(ctx, value, ref)


@dataclass(frozen=True)
class Shortcut:
    callback_id: str
    title: str  # what Slack shows in the message's "More actions" menu
    fn: ShortcutFn

    def __call__(self, ctx: Ctx, text: str) -> Reply | None:
        return self.fn(ctx, text)


def command(
    name: str, usage: str, example: str, aliases: tuple[str, ...] = (), hidden: bool = False
) -> Callable[[CommandFn], Command]:
    """Declare a `/vpn <name>` command (see the module docstring)."""

    def deco(fn: CommandFn) -> Command:
        doc = inspect.getdoc(fn) or ""
        summary = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
        return Command(name, fn, usage, example, summary, aliases, hidden)

    return deco


def action(action_id: str) -> Callable[[ActionFn], Action]:
    """Declare the handler of a button's `action_id`."""

    def deco(fn: ActionFn) -> Action:
        return Action(action_id, fn)

    return deco


def shortcut(callback_id: str, title: str) -> Callable[[ShortcutFn], Shortcut]:
    """Declare a message shortcut (Slack's "More actions" menu on a message)."""

    def deco(fn: ShortcutFn) -> Shortcut:
        return Shortcut(callback_id, title, fn)

    return deco


@dataclass(frozen=True)
class Registry:
    """Every command (in `/vpn help` order), button and shortcut the bot answers."""

    commands: tuple[Command, ...] = ()
    actions: tuple[Action, ...] = ()
    shortcuts: tuple[Shortcut, ...] = ()
    _by_word: dict[str, Command] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_word: dict[str, Command] = {}
        for c in self.commands:
            for word in (c.name, *c.aliases):
                key = word.lower()
                if key in by_word:
                    raise ValueError(f"/vpn {word} is declared twice ({by_word[key].name} and {c.name})")
                by_word[key] = c
        _unique("action_id", [a.action_id for a in self.actions])
        _unique("shortcut callback_id", [s.callback_id for s in self.shortcuts])
        object.__setattr__(self, "_by_word", by_word)

    def command(self, word: str) -> Command | None:
        """The command a user means by `word` (its name or an alias, any case)."""
        return self._by_word.get(word.lower())

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.action_id == action_id), None)

    def shortcut(self, callback_id: str) -> Shortcut | None:
        return next((s for s in self.shortcuts if s.callback_id == callback_id), None)

    def visible(self) -> list[Command]:
        """The commands `/vpn help` lists, in order."""
        return [c for c in self.commands if not c.hidden]

    def words(self) -> list[str]:
        """Every name and alias a user may type as the first word (hidden commands excluded)."""
        return [w for c in self.visible() for w in (c.name, *c.aliases)]

    def with_(
        self, commands: Iterable[Command] = (), actions: Iterable[Action] = (), shortcuts: Iterable[Shortcut] = ()
    ) -> Registry:
        """This registry plus more entries (an extension, or a test's own commands)."""
        return replace(
            self,
            commands=(*self.commands, *commands),
            actions=(*self.actions, *actions),
            shortcuts=(*self.shortcuts, *shortcuts),
        )


def _unique(what: str, keys: list[str]) -> None:
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"{what} declared twice: {', '.join(dup)}")
