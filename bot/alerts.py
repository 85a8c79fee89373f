# shim: removed after the redesign merge
"""Moved to `bot.monitor.webhook` (tests/reliability/test_fuzz.py still imports it here)."""

from bot.monitor.webhook import TOKEN_PARAM, handle_webhook

__all__ = ["TOKEN_PARAM", "handle_webhook"]
