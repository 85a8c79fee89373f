"""Thread references (`commands.core.text.ThreadRef`) made into links, just before rendering.

The domain names a thread by channel id and message ts (a change request's card, as the
Store records it: `message_ref`). A link to it is a Slack permalink, which only Slack can
give: `chat.getPermalink` "easily exchange[s] a message timestamp and a channel ID for a
friendly HTTP-based permalink to that message. Handles message threads and all conversation
types" (https://api.slack.com/methods/chat.getPermalink — no scope required; "Special" rate
limit: "hundreds of requests per minute … use it more or less as often as required, but
please obey HTTP 429"). Its errors: `channel_not_found`, `message_not_found`.

Asked when a reply is rendered, not recorded when the request is posted, because:
* it needs no change to the change-request machinery, and works for every request already
  filed (their records hold the channel and ts, never a permalink);
* the Store keeps no Slack URL: the domain's records stay chat-neutral;
* the cost is one call per distinct thread in a reply (at most `MAX_PER_REPLY`), each
  answered once per messenger (`cache`), well inside that limit.

A permalink that cannot be had (an error, a 429 past the job's deadline, a network failure,
an answer that is not an https URL) leaves the reference without a URL: the renderer then
says the same words unlinked ("request #12 in #netops"), never a broken link.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from bot.logging import get_logger
from commands.core.reply import Reply
from commands.core.text import Em, Rich, Span, Strong, ThreadRef

log = get_logger(__name__)

# Distinct threads linked in one reply; the others keep their words (a listing of 300 of
# the bot's own changes must not cost 300 calls).
MAX_PER_REPLY = 25

Lookup = Callable[[str, str], str]
T = TypeVar("T")


def permalink(client: WebClient, channel: str, ts: str) -> str:
    """Slack's permalink of the message `ts` in `channel`; "" when Slack gives none."""
    try:
        resp = client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as exc:
        log.info("permalink_unavailable", channel=channel, error=str(exc.response.get("error", "unknown")))
        return ""
    except Exception as exc:  # noqa: BLE001 - a network failure costs the link, never the answer
        log.info("permalink_unavailable", channel=channel, error=type(exc).__name__)
        return ""
    url = str(resp.get("permalink") or "")
    return url if url.startswith("https://") else ""


def thread_refs(reply: Reply) -> list[ThreadRef]:
    """Every thread reference in the reply (first message, thread and notification text)."""
    found: list[ThreadRef] = []

    def note(s: ThreadRef) -> ThreadRef:
        found.append(s)
        return s

    _walk(reply, note)
    return found


def link_threads(reply: Reply, lookup: Lookup, cache: dict[tuple[str, str], str] | None = None) -> Reply:
    """The reply with each thread reference's `url` filled in by `lookup(channel, ts)`
    (asked once per thread; "" leaves it unlinked). A reply without any is returned as is."""
    refs = thread_refs(reply)
    if not refs:
        return reply
    cache = {} if cache is None else cache
    wanted = list(dict.fromkeys((r.channel, r.ts) for r in refs if r.channel and r.ts))
    for key in wanted[:MAX_PER_REPLY]:
        if key not in cache:
            cache[key] = lookup(*key)

    def fill(s: ThreadRef) -> ThreadRef:
        url = cache.get((s.channel, s.ts), "")
        return dataclasses.replace(s, url=url) if url else s

    return _walk(reply, fill)


def _walk(value: T, fn: Callable[[ThreadRef], ThreadRef]) -> T:
    """`value` with `fn` applied to every ThreadRef in it (Rich text, inside Strong/Em, in
    the parts of a Reply, in tuples and lists), rebuilt only where something changed."""
    out: Any = value
    if isinstance(value, ThreadRef):
        out = fn(value)
    elif isinstance(value, Rich):
        spans = tuple(_span(s, fn) for s in value.spans)
        out = value if spans == value.spans else Rich(spans)
    elif isinstance(value, Strong | Em):
        content = _walk(value.content, fn)
        out = value if content is value.content else dataclasses.replace(value, content=content)
    elif isinstance(value, tuple | list):
        items = [_walk(v, fn) for v in value]
        out = value if all(a is b for a, b in zip(items, value, strict=True)) else type(value)(items)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: new
            for f in dataclasses.fields(value)
            if f.init and (new := _walk(getattr(value, f.name), fn)) is not getattr(value, f.name)
        }
        out = dataclasses.replace(value, **changes) if changes else value
    return out  # type: ignore[no-any-return]


def _span(s: Span, fn: Callable[[ThreadRef], ThreadRef]) -> Span:
    return _walk(s, fn) if isinstance(s, ThreadRef | Strong | Em) else s
