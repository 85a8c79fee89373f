"""Listener registration, one module per Slack surface (registration apart from logic)."""

from __future__ import annotations

from slack_bolt import App

from bot.jobs import Dispatcher


def register_listeners(app: App, dispatcher: Dispatcher) -> None:
    from bot.slack.listeners import actions, commands, shortcuts

    commands.register(app, dispatcher)
    actions.register(app, dispatcher)
    shortcuts.register(app, dispatcher)
