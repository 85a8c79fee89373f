"""The console's own commands (lines starting with "/"), and what a console command is.

    /vpn …                 run a slash command as the current user
    /as USER               act as another user (alice, bob, carol, dave or a user id)
    /approve N             click Approve on request #N (also /reject, /cancel, /revert)
    /click ACTION [VALUE]  click any button by its action_id
    /help                  this list

A command is a `ConsoleCommand`: `fn(console, rest_of_line)`. It can use
`console.settings`, `console.deps`, `console.slack`, `console.arm`, `console.app`,
`console.post_http(...)`, `console.wait()` and `console.note(...)`. The console runs the
commands listed in `bot/console/app.py` (these, and the alert ones of `alerts.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.console.app import Console

Handler = Callable[["Console", str], None]


@dataclass(frozen=True)
class ConsoleCommand:
    name: str  # without the slash, e.g. "watch"
    usage: str  # e.g. "/watch"
    help: str
    fn: Handler


def console_command(name: str, usage: str, help: str) -> Callable[[Handler], ConsoleCommand]:
    """Declare a console command (registers nothing: list it in bot/console/app.py)."""

    def deco(fn: Handler) -> ConsoleCommand:
        return ConsoleCommand(name.lstrip("/").lower(), usage, help, fn)

    return deco


_CLICK_VERBS = {
    "approval_approve": "approve",
    "approval_reject": "reject",
    "approval_cancel": "cancel",
    "approval_revert": "revert",
}


def button_hint(action_id: str, value: str) -> str | None:
    """What to type in the console to click a button."""
    verb = _CLICK_VERBS.get(action_id)
    if verb:
        return f"/{verb} {value}"
    return f"/click {action_id} {value}".rstrip()


@console_command("vpn", "/vpn …", "run a /vpn command as the current user")
def _vpn(console: Console, rest: str) -> None:
    console.slash(rest)


@console_command("as", "/as USER", "act as another user: alice, bob, carol, dave or a user id")
def _as(console: Console, rest: str) -> None:
    console.switch_user(rest)


def _clicker(verb: str, action_id: str) -> Callable[[Console, str], None]:
    def run(console: Console, rest: str) -> None:
        number = rest.strip().lstrip("#")
        # ASCII digits only: "١" (Arabic-Indic one) passes str.isdigit (commands.peering.buttons).
        if not (number.isascii() and number.isdigit()):
            console.note(f"/{verb} needs a request number, e.g. /{verb} 1")
            return
        if not console.click(action_id, number):
            console.note(
                f"There is no request #{number} with a “{verb.capitalize()}” button that "
                f"{console.user_label(console.user)} can see. Requests appear after "
                "`/vpn peering <vnet>/<peering> <flag> on|off`; `/vpn requests` lists the open ones."
            )

    return run


_CLICKERS = tuple(
    console_command(verb, f"/{verb} N", f"click {verb.capitalize()} on request #N")(_clicker(verb, action))
    for action, verb in _CLICK_VERBS.items()
)


@console_command("click", "/click ACTION_ID [VALUE]", "click the latest button with that action_id (and value)")
def _click(console: Console, rest: str) -> None:
    action_id, _, value = rest.partition(" ")
    if not action_id:
        console.note("Usage: /click ACTION_ID [VALUE], e.g. /click alert_ack 3")
        return
    if not console.click(action_id, value.strip() or None):
        console.note(
            f"No message shows a button {action_id!r}" + (f" with value {value.strip()!r}" if value else "") + "."
        )


@console_command("help", "/help", "list the console commands")
def _help(console: Console, rest: str) -> None:
    for c in console.commands.values():
        console.note(f"{c.usage:<28} {c.help}")


COMMANDS: tuple[ConsoleCommand, ...] = (_vpn, _as, *_CLICKERS, _click, _help)
