"""Every log line the test suite writes is checked for secrets: a test captures every log
line of the suite and looks.

`secret_audit` is a session-scoped autouse fixture (tests/conftest.py imports it): it puts
a handler on the root logger for the whole session — the same place the Azure Functions
worker's handler sits — and checks each formatted record as it is emitted. At the end of
the session any leak fails the run, naming the logger and showing the line with the
secret masked (so the failure report does not leak it either).

What counts as a leak: a Slack token, a Slack or emulator response_url, a storage account
key / SAS signature, a bearer token, or any exact value registered with
`bot.logging.add_secret` (the signing secret, bot token and alert token of every Settings
built during the suite).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

import bot.logging as bot_logging

_LEAKS = [
    ("slack token", re.compile(r"\bxox[a-z]?(?:\.xox[a-z])?-[A-Za-z0-9-]{4,}|\bxapp-[A-Za-z0-9-]{4,}")),
    ("slack response_url", re.compile(r"hooks\.slack\.com/(?!\[REDACTED\])[^\s\"'&]+", re.IGNORECASE)),
    ("emulator response_url", re.compile(r"https?://127\.0\.0\.1:\d+/response/[A-Za-z0-9_-]+")),
    ("storage account key", re.compile(r"AccountKey=(?!\[REDACTED\])[^;\s\"']+", re.IGNORECASE)),
    ("SAS signature", re.compile(r"[?&]sig=(?!\[REDACTED\])[^&\s\"']+", re.IGNORECASE)),
    ("bearer token", re.compile(r"\bBearer\s+(?!\[REDACTED\])[A-Za-z0-9\-._~+/]{8,}")),
]


def find_leaks(text: str) -> list[str]:
    """Names of the kinds of secret found in `text` (empty when clean)."""
    found = [name for name, pattern in _LEAKS if pattern.search(text)]
    found += ["registered secret" for value in bot_logging._secrets if value in text][:1]
    return found


def _mask(text: str) -> str:
    for _name, pattern in _LEAKS:
        text = pattern.sub("<secret>", text)
    for value in bot_logging._secrets:
        text = text.replace(value, "<secret>")
    return text[:300]


class LeakRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.leaks: list[str] = []
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted is not written either
            return
        self.seen += 1
        kinds = find_leaks(text)
        if kinds and len(self.leaks) < 50:
            self.leaks.append(f"{', '.join(kinds)}: {_mask(text)}")


@pytest.fixture(scope="session", autouse=True)
def secret_audit() -> Iterator[LeakRecorder]:
    recorder = LeakRecorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
    if recorder.leaks:
        pytest.fail(
            f"{len(recorder.leaks)} log line(s) of {recorder.seen} held a secret:\n" + "\n".join(recorder.leaks),
            pytrace=False,
        )
