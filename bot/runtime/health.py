"""The running bot's own state for `/vpn health` (`commands.core.port.Operations`)."""

from __future__ import annotations

from bot.settings import Settings


class RuntimeOps:
    """What `/vpn health` asks the bot about itself: its settings' problems and the poison
    queue (read from Azure Storage when jobs go through the queue)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def settings_problems(self) -> list[str]:
        return self.settings.problems()

    def poison_queue_length(self) -> int | None:
        if self.settings.jobs_mode != "queue":
            return None
        from bot.runtime.queue import QueueError, approximate_length, poison_queue_name

        try:
            return approximate_length(self.settings.storage_connection, poison_queue_name(self.settings.queue_name))
        except QueueError as exc:
            raise OSError(str(exc)) from None
