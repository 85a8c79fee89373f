"""Inline text as the domain writes it: words and spans, no markup language.

A `Rich` is a sequence of spans. A plain `str` span is words, exactly as a person should
read them, whatever characters they hold (`<!channel>`, `*`, a backtick from an estate
name): the renderer (`bot/slack/`) escapes it for the medium. The other spans say what a
piece of text *is*, not how it looks in Slack:

    Code("vgw-eun")          a name or a command to copy and paste
    Strong(...), Em(...)     emphasis
    Link(url, "label")       a link
    UserRef("U123")          a person, by Slack user id (or a name when there is no id)
    ChannelRef("C123")       a channel, by id
    ThreadRef("C123", "1700000000.000100", "request #12")
                             a message's thread, by channel id and message ts (the chat
                             adapter makes the label a link to it, or says where it is)
    Icon.WARNING             a marker the renderer draws (an emoji in Slack and the console)
    Pre("az network …")      preformatted lines (commands to run), copied verbatim

Build with `rich(...)` and `+`:

    rich(code(conn.name), " sends but receives nothing: check ", code(f"/vpn routes {gw}"))
    "Asked by " + user(req.requester)

`str(x)` gives the readable plain form (code keeps its backticks, as the console shows it),
so tests and logs can read a Rich like a string, and `"sends" in title` works. Formatting a
span into an f-string would silently drop what it is, so `format()` refuses: use `rich()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeAlias


class Icon(StrEnum):
    """Markers with a meaning; the renderer picks the glyph."""

    WARNING = "warning"  # bad input, something to look at
    DONE = "done"  # a change went through, a check passed
    FAILED = "failed"  # an operation failed
    REFUSED = "refused"  # refused by a rule (requester ≠ approver, a blocking pre-flight)
    INFO = "info"
    NEUTRAL = "neutral"  # neither good nor bad (a closed request)
    NOTE = "note"  # a request was filed
    WAITING = "waiting"  # expired, waiting on time
    REVERT = "revert"  # a revert / redo

    def __format__(self, spec: str) -> str:
        raise TypeError("an Icon is not text: put it in rich(...) instead of an f-string")


@dataclass(frozen=True)
class Code:
    """A name, address or command shown as code and copied verbatim."""

    text: str

    def __str__(self) -> str:
        return f"`{self.text}`"

    def __format__(self, spec: str) -> str:
        raise TypeError("a Code span is not text: put it in rich(...) instead of an f-string")


@dataclass(frozen=True)
class Pre:
    """Preformatted lines (a block of commands), copied verbatim."""

    text: str

    def __str__(self) -> str:
        return f"\n{self.text}\n"

    def __format__(self, spec: str) -> str:
        raise TypeError("a Pre span is not text: put it in rich(...) instead of an f-string")


@dataclass(frozen=True)
class Strong:
    content: Rich

    def __str__(self) -> str:
        return str(self.content)

    def __format__(self, spec: str) -> str:
        raise TypeError("a Strong span is not text: put it in rich(...) instead of an f-string")


@dataclass(frozen=True)
class Em:
    content: Rich

    def __str__(self) -> str:
        return str(self.content)

    def __format__(self, spec: str) -> str:
        raise TypeError("an Em span is not text: put it in rich(...) instead of an f-string")


@dataclass(frozen=True)
class Link:
    url: str
    label: str = ""

    def __str__(self) -> str:
        return f"{self.label} ({self.url})" if self.label and self.label != self.url else self.url

    def __format__(self, spec: str) -> str:
        raise TypeError("a Link is not text: put it in rich(...) instead of an f-string")


@dataclass(frozen=True)
class UserRef:
    """A person: a Slack user id is shown as a mention; anything else (a name from the
    audit of another system, "vpnops") is shown as words. `empty` when there is neither."""

    id: str
    empty: str = "?"

    def __str__(self) -> str:
        return f"@{self.id}" if self.id else self.empty

    def __format__(self, spec: str) -> str:
        raise TypeError("a UserRef is not text: put it in rich(...) instead of an f-string")


@dataclass(frozen=True)
class ChannelRef:
    """A channel by its Slack id (shown as a link to it), or by name."""

    id: str

    def __str__(self) -> str:
        return f"#{self.id}"

    def __format__(self, spec: str) -> str:
        raise TypeError("a ChannelRef is not text: put it in rich(...) instead of an f-string")


@dataclass(frozen=True)
class ThreadRef:
    """The thread of a message the bot posted (a change request's card), by channel id and
    the message's ts, with the words to show (`label`: "request #12").

    The domain knows no chat service's URLs: the Slack adapter fills in `url` (Slack's
    `chat.getPermalink`) just before rendering, and the renderer makes `label` a link to it
    followed by the channel. With no `url` (the permalink could not be had, or an inert
    notification text) the same words are shown without a link, never a broken one."""

    channel: str
    ts: str
    label: str
    url: str = ""

    def __str__(self) -> str:
        return f"{self.label} in #{self.channel}" if self.channel else self.label

    def __format__(self, spec: str) -> str:
        raise TypeError("a ThreadRef is not text: put it in rich(...) instead of an f-string")


Span: TypeAlias = str | Code | Pre | Strong | Em | Link | UserRef | ChannelRef | Icon | ThreadRef

_ICON_TEXT = {
    Icon.WARNING: "⚠️",
    Icon.DONE: "✅",
    Icon.FAILED: "❌",
    Icon.REFUSED: "⛔",
    Icon.INFO: "ℹ️",
    Icon.NEUTRAL: "⚪",
    Icon.NOTE: "📝",
    Icon.WAITING: "⌛",
    Icon.REVERT: "🔄",
}


def icon_text(i: Icon) -> str:
    """The glyph of an icon in plain text."""
    return _ICON_TEXT[i]


@dataclass(frozen=True)
class Rich:
    """Inline text: a tuple of spans. Immutable; `+` and `rich()` build new ones."""

    spans: tuple[Span, ...] = ()

    def __add__(self, other: RichLike) -> Rich:
        return rich(self, other)

    def __radd__(self, other: RichLike) -> Rich:
        return rich(other, self)

    def __str__(self) -> str:
        return "".join(_plain(s) for s in self.spans)

    def __format__(self, spec: str) -> str:
        raise TypeError("a Rich is not text: put it in rich(...) instead of an f-string")

    def __bool__(self) -> bool:
        return any(_plain(s) for s in self.spans)

    def __contains__(self, text: str) -> bool:
        return text in str(self)

    def __len__(self) -> int:
        """The length of the readable text (for budgets such as a phone screen)."""
        return len(str(self))

    def __iter__(self) -> Iterator[Span]:
        return iter(self.spans)

    def join(self, items: Iterable[RichLike]) -> Rich:
        """`items` with this text between them (like `str.join`)."""
        out: list[RichLike] = []
        for i, item in enumerate(items):
            if i:
                out.append(self)
            out.append(item)
        return rich(*out)

    def startswith(self, prefix: str) -> bool:
        return str(self).startswith(prefix)


RichLike: TypeAlias = Rich | Span


def _plain(span: Span) -> str:
    if isinstance(span, Icon):
        return icon_text(span)
    return str(span)


def rich(*pieces: RichLike | None) -> Rich:
    """One Rich from words, spans and Rich pieces (flattened; empty words and None dropped)."""
    spans: list[Span] = []
    for p in pieces:
        if p is None:
            continue
        if isinstance(p, Rich):
            spans.extend(p.spans)
        elif isinstance(p, str) and not isinstance(p, Icon):
            if not p:
                continue
            if spans and type(spans[-1]) is str:
                spans[-1] = spans[-1] + p
            else:
                spans.append(p)
        else:
            spans.append(p)
    return Rich(tuple(spans))


def as_rich(value: RichLike | None) -> Rich:
    """Any inline value as a Rich."""
    return value if isinstance(value, Rich) else rich(value)


def join(sep: RichLike, items: Iterable[RichLike]) -> Rich:
    """`items` with `sep` between them."""
    return as_rich(sep).join(items)


def code(text: object) -> Code:
    """`text` as code (a name, address or command to copy)."""
    return Code(str(text))


def strong(*pieces: RichLike) -> Strong:
    return Strong(rich(*pieces))


def em(*pieces: RichLike) -> Em:
    return Em(rich(*pieces))


def link(url: str, label: str = "") -> Link:
    return Link(url, label)


def user(user_id: str, empty: str = "?") -> UserRef:
    """A person by Slack user id (shown as a mention), or by name when that is all there is."""
    return UserRef(user_id or "", empty)


def prose(text: str) -> Rich:
    """Text we wrote with `backticks` around names and commands (docstrings, help): the
    backticked parts become code, the rest words. An unpaired backtick stays a backtick."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an odd number of backticks: the last one is a character
        pieces[-2:] = [pieces[-2] + "`" + pieces[-1]]
    return rich(*(code(p) if i % 2 else p for i, p in enumerate(pieces)))


def channel(channel_id: str) -> ChannelRef:
    """A channel by Slack id."""
    return ChannelRef(channel_id)


def thread(ref: str, label: str) -> ThreadRef | None:
    """The thread of the message `ref` ("CHANNEL:TS", as the messenger names a message it
    posted), shown as `label`; None when `ref` names no message."""
    channel_id, _, ts = ref.partition(":")
    return ThreadRef(channel_id, ts, label) if channel_id and ts else None


def pre(lines: Iterable[str] | str) -> Pre:
    """Preformatted lines (commands to run)."""
    return Pre(lines if isinstance(lines, str) else "\n".join(lines))


# --- stored form ----------------------------------------------------------------------------
# A Rich is kept as a JSON list of spans: words as strings, other spans as one-key objects.
# A bare string where a Rich is expected (text stored before it was Rich) is read as words.


def to_json(value: Rich) -> list[Any]:
    """A Rich as JSON (for the store): words as strings, each span as a small object."""
    return [_span_to_json(s) for s in value.spans]


def _span_to_json(s: Span) -> Any:
    if isinstance(s, Icon):
        return {"icon": s.value}
    if isinstance(s, str):
        return s
    if isinstance(s, Code):
        return {"code": s.text}
    if isinstance(s, Pre):
        return {"pre": s.text}
    if isinstance(s, Strong):
        return {"strong": to_json(s.content)}
    if isinstance(s, Em):
        return {"em": to_json(s.content)}
    if isinstance(s, Link):
        return {"link": s.url, "label": s.label}
    if isinstance(s, UserRef):
        return {"user": s.id, "empty": s.empty}
    if isinstance(s, ThreadRef):
        # The url is the adapter's, resolved when rendered: not kept.
        return {"thread": s.ts, "channel": s.channel, "label": s.label}
    return {"channel": s.id}


def from_json(value: Any) -> Rich:
    """`to_json`'s inverse. A plain string is words; an unknown span is dropped, so text
    stored by another version still reads."""
    if isinstance(value, str):
        return rich(value)
    if not isinstance(value, list):
        return Rich()
    return rich(*(_span_from_json(s) for s in value))


def _span_from_json(s: Any) -> Span | Rich | None:
    if isinstance(s, str):
        return s
    if not isinstance(s, dict):
        return None
    if "icon" in s:
        return Icon(s["icon"]) if s["icon"] in Icon._value2member_map_ else None
    if "code" in s:
        return Code(str(s["code"]))
    if "pre" in s:
        return Pre(str(s["pre"]))
    if "strong" in s:
        return Strong(from_json(s["strong"]))
    if "em" in s:
        return Em(from_json(s["em"]))
    if "link" in s:
        return Link(str(s["link"]), str(s.get("label") or ""))
    if "user" in s:
        return UserRef(str(s["user"]), str(s.get("empty") or "?"))
    if "thread" in s:
        return ThreadRef(str(s.get("channel") or ""), str(s["thread"]), str(s.get("label") or ""))
    if "channel" in s:
        return ChannelRef(str(s["channel"]))
    return None
