"""The Slack Web API client for a bot token (and the sandbox emulator's URL when set)."""

from __future__ import annotations

from typing import Any

from slack_sdk.web import WebClient

from bot.settings import Settings


def web_client(settings: Settings, timeout_s: int = 30) -> WebClient:
    kwargs: dict[str, Any] = {"token": settings.bot_token or None, "timeout": timeout_s}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url
    return WebClient(**kwargs)
