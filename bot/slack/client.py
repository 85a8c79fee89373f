"""The Slack Web API client for a bot token (and the sandbox emulator's URL when set), and
the retry policy every Slack call shares.

Slack answers a method called too often with HTTP 429 and `Retry-After: <seconds>`
(docs.slack.dev "Rate limits"); response_urls can be limited the same way. Every client
here retries a 429 after the time Slack asks for — slack_sdk's `RateLimitErrorRetryHandler`
— but only while the job's deadline allows (`job_deadline`): a wait that would run past
it is not started, and the caller defers what it could not deliver instead
(`bot.slack.messenger`, `bot.runtime.delivery`), so an answer is never thrown away.
Connection resets are retried once (`ConnectionErrorRetryHandler`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import WebClient

from bot.settings import Settings

# Outside any job (the watch, an alert delivery): wait at most this long for Slack.
DEFAULT_MAX_WAIT_S = 30.0
RATE_LIMIT_RETRIES = 5

_deadline: ContextVar[float | None] = ContextVar("vpnops_slack_deadline", default=None)


@contextlib.contextmanager
def job_deadline(at: float) -> Iterator[None]:
    """Slack calls inside the block do not wait past `at` (time.monotonic())."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining_s() -> float:
    at = _deadline.get()
    return DEFAULT_MAX_WAIT_S if at is None else at - time.monotonic()


def retry_after_s(headers: dict[str, Any] | None) -> float:
    """Slack's Retry-After (seconds), 1 when it sent none."""
    for k, v in (headers or {}).items():
        if k.lower() == "retry-after":
            raw = v[0] if isinstance(v, list | tuple) and v else v
            try:
                return max(0.0, float(str(raw)))
            except ValueError:
                return 1.0
    return 1.0


class DeadlineRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (it sleeps Retry-After + up to 1 s), started only when the
    wait ends before the job's deadline."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return retry_after_s(response.headers) + 1.0 <= remaining_s()


def retry_handlers() -> list[RetryHandler]:
    return [ConnectionErrorRetryHandler(max_retry_count=1), DeadlineRateLimitRetryHandler(RATE_LIMIT_RETRIES)]


def web_client(settings: Settings, timeout_s: int = 30) -> WebClient:
    kwargs: dict[str, Any] = {"token": settings.bot_token or None, "timeout": timeout_s}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url
    return WebClient(retry_handlers=retry_handlers(), **kwargs)
