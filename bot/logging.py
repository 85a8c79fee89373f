"""Structured logs for every part of the bot: JSON lines, bound context, no secrets.

Use it everywhere in `bot/`::

    from bot.logging import get_logger, bind, command_span

    log = get_logger(__name__)
    with bind(invocation_id=ctx.invocation_id, user=job.user, team=job.team):
        with command_span(log, command="status") as span:
            ...
            span["outcome"] = "partial"

What is guaranteed:

* One JSON object per line (Azure Functions forwards each stdlib log record to
  Application Insights as a trace; a JSON message keeps it queryable with KQL
  `parse_json(message)`).
* `invocation_id`, `command`, `user`, `team` (whatever was bound with `bind`) are on
  every line logged while bound — structlog contextvars, so they follow the call into
  the worker's helpers without being passed around.
* `command_span` writes the one canonical line per command (`command_done`) with its
  `outcome` and `duration_ms`, also when the command raised.
* Redaction runs last, on every structlog event *and* on every stdlib record (slack_sdk
  logs request headers — including `Authorization: Bearer xoxb-…` — at DEBUG): Slack
  tokens, signing secrets, response_urls on hooks.slack.com and GovSlack's
  hooks.slack-gov.com (with ":443", URL-encoded, JSON-escaped), bearer tokens and raw
  JWTs, storage SAS signatures and account keys, VPN shared keys (also ARM's
  `{"value": …}` shared-key bodies), the Functions key `?code=`, and any value registered
  with `add_secret` are replaced with `[REDACTED]` before anything is written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import structlog
from structlog.contextvars import bound_contextvars
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "REDACTED",
    "add_secret",
    "bind",
    "command_span",
    "configure",
    "get_logger",
    "processors",
    "redact",
    "redact_event",
    "redact_value",
]

REDACTED = "[REDACTED]"

# ---------------------------------------------------------------------------------------
# Redaction
# ---------------------------------------------------------------------------------------

# Keys whose *value* is a secret whatever it looks like. Compared after lower-casing and
# removing "_" and "-", by suffix: "slack_bot_token", "alert_token", "X-Slack-Signature",
# "AzureWebJobsStorage__accountKey", "response_url" all match.
_SECRET_KEY_SUFFIXES = (
    "token",
    "secret",
    "password",
    "passwd",
    "sharedkey",
    "accountkey",
    "accesskey",
    "apikey",
    "authorization",
    "cookie",
    "responseurl",
    "connectionstring",
    "connstr",
    "signature",
    "sas",
    "sig",
    "credential",
    "credentials",
)
# ... except these, which only look like it (counts, names, ids of things, not secrets).
_NOT_SECRET_KEYS = frozenset({"tokencount", "tokentype", "sharedkeylength", "authorizationtype"})

# Value patterns. Each replaces only the secret part so the line still reads well.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Slack tokens: bot xoxb-, user xoxp-, app-level xapp-, legacy xoxa-/xoxr-/xoxs-,
    # rotating xoxe.xoxb-… and refresh xoxe-… (Slack "Token types" doc).
    (re.compile(r"\bxox[a-z]?(?:\.xox[a-z])?-[A-Za-z0-9-]+"), REDACTED),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), REDACTED),
    # Slack response_url and incoming webhooks on Slack's hooks hosts — commercial
    # (hooks.slack.com) and GovSlack (hooks.slack-gov.com), with or without ":443" — as
    # written, URL-encoded inside a raw form body (https%3A%2F%2F…%2F…) and JSON-escaped
    # (https:\/\/…\/…). (Every pattern must be idempotent: stdlib records are redacted
    # again after structlog.)
    (
        re.compile(
            r"https?(?::|%3A)(?://|%2F%2F|\\/\\/)hooks\.slack(?:-gov)?\.com(?::443|%3A443)?"
            r"(?:/|%2F|\\/)(?!\[REDACTED\])[^\s\"'<>&,;)}\]]+",
            re.IGNORECASE,
        ),
        "https://hooks.slack.com/" + REDACTED,
    ),
    # The sandbox Slack emulator's response_urls (loopback, /response/<id>): as good as a
    # real one for the 30 minutes it lives.
    (
        re.compile(r"(https?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?/response/)(?!\[REDACTED\])[A-Za-z0-9_-]+"),
        r"\1" + REDACTED,
    ),
    # response_url=… / "response_url": "…" wherever it points (the emulator's loopback URL
    # is as good as a real one for the 30 minutes it lives).
    (
        re.compile(r"(response_url[\"']?\s*(?:=|:)\s*[\"']?)[^\s\"'&,}]+", re.IGNORECASE),
        r"\1" + REDACTED,
    ),
    # HTTP Authorization values.
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE), r"\1 " + REDACTED),
    # Storage connection strings and SAS: AccountKey=…; SharedAccessKey=…;
    # SharedAccessSignature=…; and the sig= of a SAS URL.
    (
        re.compile(r"\b(AccountKey|SharedAccessKey|SharedAccessSignature)=[^;\s\"']+", re.IGNORECASE),
        r"\1=" + REDACTED,
    ),
    (re.compile(r"([?&]sig=)[^&\s\"']+", re.IGNORECASE), r"\1" + REDACTED),
    # VPN connection shared keys in ARM JSON / query strings: "sharedKey": "…", sharedKey=…
    (re.compile(r"(\"?shared_?key\"?\s*[:=]\s*\"?)[^\"\s,;&}]+", re.IGNORECASE), r"\1" + REDACTED),
    # ARM's connection shared-key bodies ({"value": "<the key>"}, the answer of …/sharedkey
    # and the body of its PUT) are handled in `redact` (they are only a "value").
    # Raw JWTs (an Azure access token without its "Bearer"): header.payload.signature.
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    # The Functions host key in a URL (`/api/alerts?code=…`).
    (re.compile(r"([?&]code=)(?!\[REDACTED\])[^&\s\"'#]+", re.IGNORECASE), r"\1" + REDACTED),
    # Slack request signatures (v0=<64 hex>): not a secret by itself, but a replayable
    # credential for five minutes.
    (re.compile(r"\bv0=[0-9a-f]{64}\b"), "v0=" + REDACTED),
    # signing_secret=… / "signing_secret": "…" in text.
    (
        re.compile(r"(signing_?secret[\"']?\s*(?:=|:)\s*[\"']?)[^\s\"'&,}]+", re.IGNORECASE),
        r"\1" + REDACTED,
    ),
]

# A shared key travels as {"value": "…"} (VirtualNetworkGatewayConnections GetSharedKey /
# SetSharedKey, "ConnectionSharedKey"): in a line about a shared key, every "value" is one.
_SHARED_KEY_CONTEXT = re.compile(r"shared_?key|ConnectionSharedKey", re.IGNORECASE)
_VALUE_FIELD = re.compile(
    r"((?:\\?[\"'])value(?:\\?[\"'])\s*:\s*(?:\\?[\"']))(?!\[REDACTED\])(?:[^\"'\\]|\\.)*?((?:\\?[\"']))"
)

# Exact values known to be secret (the signing secret, tokens from Key Vault …), added by
# settings at start-up. A set of strings guarded by a lock; read without the lock (a
# frozenset snapshot is swapped in atomically).
_secrets_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()


def add_secret(value: str | None) -> None:
    """Remember an exact secret value so it is redacted wherever it shows up.

    Values shorter than 6 characters are ignored: redacting "abc" everywhere would make
    the logs unreadable and protects nothing.
    """
    global _secrets
    if not value or len(value) < 6:
        return
    with _secrets_lock:
        _secrets = _secrets | {value}


def _is_secret_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    k = key.lower().replace("_", "").replace("-", "").replace(".", "")
    if k in _NOT_SECRET_KEYS:
        return False
    return k.endswith(_SECRET_KEY_SUFFIXES)


def redact(text: str) -> str:
    """Return `text` with every secret it contains replaced by `[REDACTED]`."""
    if not text:
        return text
    for value in _secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    if _SHARED_KEY_CONTEXT.search(text):
        text = _VALUE_FIELD.sub(r"\1" + REDACTED + r"\2", text)
    return text


def redact_value(value: Any, _depth: int = 0) -> Any:
    """Redact strings inside any JSON-like value (dicts by key and by value, lists, tuples)."""
    if _depth > 20:
        # Deeper than any log payload we write; do not walk a cycle forever.
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if _is_secret_key(k) and v not in (None, "") else redact_value(v, _depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v, _depth + 1) for v in value]
    if isinstance(value, bytes | bytearray):
        return redact(bytes(value).decode("utf-8", "replace"))
    if value is None or isinstance(value, bool | int | float):
        return value
    # Anything else is rendered by repr/str later; redact that text now.
    return redact(str(value))


def redact_event(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: redact every key and value of the event (runs last but one)."""
    out: EventDict = {}
    for key, val in event_dict.items():
        if _is_secret_key(key) and val not in (None, ""):
            out[key] = REDACTED
        else:
            out[key] = redact_value(val)
    return out


class _RedactingRecordFactory:
    """Wraps the stdlib LogRecord factory so that every record, from any library, leaves
    its constructor already redacted: message and args merged and cleaned, traceback text
    pre-rendered and cleaned. A factory (not a handler filter) because the Functions worker
    installs its own handler on the root logger, and filters on a logger do not see records
    propagated from child loggers."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken %-format in a library must not lose the line
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            # The formatter prefers exc_text; drop the live exception so no handler
            # re-renders it unredacted.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record


# ---------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------

_configured = False
_config_lock = threading.Lock()


def _add_logger_name(logger: Any, method_name: str, event_dict: Any) -> Any:
    """`logger` = the stdlib logger's name (`__name__` of the module that logged)."""
    name = getattr(logger, "name", "")
    if name and "logger" not in event_dict:
        event_dict["logger"] = name
    return event_dict


def processors() -> list[Processor]:
    """The processor chain before rendering (tests use it with `capture_logs`)."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        _add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        redact_event,
    ]


def _json_dumps(obj: Any, **kw: Any) -> str:
    return json.dumps(obj, default=str, ensure_ascii=False, separators=(",", ":"))


def configure(level: str | int = "INFO", *, stream: Any = None, force: bool = False) -> None:
    """Set up structlog (JSON) and stdlib logging (redacted) once per process.

    level: the minimum level for the bot's own logs and for libraries.
    stream: where to write when nobody else handles the root logger (default stderr:
        stdout belongs to the console's replies). Under Azure Functions the worker has
        already put its handler on the root logger, so no handler is added.
    force: reconfigure even if already configured (tests).
    """
    global _configured
    with _config_lock:
        if _configured and not force:
            return
        lvl = logging.getLevelName(level.upper()) if isinstance(level, str) else level
        if not isinstance(lvl, int):
            lvl = logging.INFO

        factory = logging.getLogRecordFactory()
        if not isinstance(factory, _RedactingRecordFactory):
            logging.setLogRecordFactory(_RedactingRecordFactory(factory))

        root = logging.getLogger()
        if not root.handlers or force:
            if force:
                for h in list(root.handlers):
                    if getattr(h, "_vpnops", False):
                        root.removeHandler(h)
            if not root.handlers:
                handler = logging.StreamHandler(stream or sys.stderr)
                handler.setFormatter(logging.Formatter("%(message)s"))
                handler._vpnops = True  # type: ignore[attr-defined]
                root.addHandler(handler)
        root.setLevel(lvl)
        # The Azure SDK's HTTP logging policy writes every request and response at INFO;
        # that is noise for a chat bot (its failures reach us as exceptions).
        logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)

        structlog.configure(
            processors=[*processors(), structlog.processors.JSONRenderer(serializer=_json_dumps)],
            wrapper_class=structlog.make_filtering_bound_logger(lvl),
            logger_factory=structlog.stdlib.LoggerFactory(),
            cache_logger_on_first_use=False,
        )
        _configured = True


def get_logger(name: str | None = None, **initial: Any) -> Any:
    """A structlog logger; configures logging with the defaults on first use.

    `name` (usually `__name__`) is the stdlib logger the line goes through and is added
    as `logger` on each line.
    """
    if not _configured:
        configure()
    # A lazy proxy, not `.bind()`: binding resolves the configuration once, at import time,
    # so a later `configure(force=True)` or structlog's `capture_logs()` would never reach
    # module-level loggers. With cache_logger_on_first_use=False the proxy reads it per call.
    # The `logger` key comes from structlog.stdlib.add_logger_name in processors().
    return structlog.get_logger(name, **initial)


@contextlib.contextmanager
def bind(**values: Any) -> Iterator[None]:
    """Bind keys (invocation_id, command, user, team, job_id …) to every line logged
    inside the block, in this thread/task; restores the previous values on exit."""
    clean = {k: v for k, v in values.items() if v is not None and v != ""}
    with bound_contextvars(**clean):
        yield


@contextlib.contextmanager
def command_span(log: Any, command: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Write the canonical line for one command: `command_done` with `outcome`,
    `duration_ms` and whatever the caller put into the yielded dict.

    The outcome is "ok" unless the caller sets it ("usage_error", "azure_failure",
    "partial", "duplicate" …); an exception escaping the block makes it "error" with the
    exception's type, and is re-raised.
    """
    span: dict[str, Any] = {"outcome": "ok", **fields}
    start = time.perf_counter()
    with bind(command=command):
        try:
            yield span
        except BaseException as exc:
            span["outcome"] = "error"
            span.setdefault("error", type(exc).__name__)
            duration_ms = round((time.perf_counter() - start) * 1000, 1)
            log.error("command_done", duration_ms=duration_ms, **span)
            raise
        duration_ms = round((time.perf_counter() - start) * 1000, 1)
        level = "info" if span.get("outcome") in ("ok", "duplicate", "usage_error") else "warning"
        getattr(log, level)("command_done", duration_ms=duration_ms, **span)
