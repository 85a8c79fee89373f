"""Listener registration, one module per Slack surface (registration apart from logic)."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime.jobs import Dispatcher
from commands.core.registry import Registry


def register_listeners(app: App, dispatcher: Dispatcher, registry: Registry, notices: tuple[str, ...] = ()) -> None:
    from bot.slack.listeners import actions, commands, shortcuts

    commands.register(app, dispatcher, registry, notices)
    actions.register(app, dispatcher)
    shortcuts.register(app, dispatcher)
