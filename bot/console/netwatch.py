"""Console commands for Network Watcher work that outlives a job: `/resume` runs the timer's
VPN troubleshoot sweep now (as the Functions timer does every few minutes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.console.commands import ConsoleCommand, console_command
from bot.runtime.timer import resume_troubleshoots

if TYPE_CHECKING:
    from bot.console.app import Console


@console_command("resume", "/resume", "follow VPN troubleshoot runs whose job ended (what the timer does)")
def _resume(console: Console, rest: str) -> None:
    if rest.strip():
        console.note("/resume takes no arguments: it follows every troubleshoot run the store holds.")
        return
    done = resume_troubleshoots(console.deps)
    console.wait()
    console.note("; ".join(done) if done else "no troubleshoot run to follow, or none has news yet")


COMMANDS: tuple[ConsoleCommand, ...] = (_resume,)
