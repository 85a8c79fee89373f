"""What a command answers, independent of Slack.

A `Reply` is a list of parts. `bot/slack/render.py` turns it into Block Kit (validated by
slack_sdk's block models, split over several messages when Slack's limits are reached,
never cut silently) and `bot/slack/text.py` into readable text for the console.

Text in parts is inline text (`commands.core.text.Rich`: words and spans such as code,
links and user references); the renderer escapes it for Slack.

Transition: a plain `str` in a part is still read as mrkdwn authored by us (with `esc()`
around anything untrusted) until every capability writes `Rich`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from commands.core.text import Icon, Rich, Span, rich

# Inline text in a part: a Rich or a single span (a plain str: see the module docstring).
Inline: TypeAlias = Rich | Span

Severity = Literal["critical", "warning", "info", "ok"]

SEVERITY_RANK: dict[str, int] = {"critical": 0, "warning": 1, "info": 2, "ok": 3}


def esc(text: object) -> str:
    """Make untrusted text inert in Slack mrkdwn.

    Slack's rule: escape &, < and > (so `<!channel>` and `<@U123>` are not mentions and
    `<http://x|y>` is not a link). Backticks and formatting characters are neutralised
    too, so a name cannot close our code span or turn text bold.
    """
    s = str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Zero-width joiner after each formatting char keeps it visible but inert.
    for ch in ("`", "*", "_", "~"):
        s = s.replace(ch, ch + "\u200b")
    return s


def literal(text: object) -> str:
    """Untrusted text for use INSIDE a code span (a copy-pasteable name or command).

    Inside a code span Slack applies no formatting, so the zero-width breaks `esc()` puts
    after `*_~` would only corrupt what is pasted; `&<>` stay escaped (Slack's rule for
    every message) and a backtick, which would close the span, is dropped.
    """
    return esc(text).replace("\u200b", "").replace("`", "")


def code(text: object) -> str:
    """`text` as inline code, escaped for a code span."""
    return f"`{literal(text)}`"


@dataclass(frozen=True)
class Header:
    text: str  # plain words, <= 150 chars; longer is wrapped by the renderer


@dataclass(frozen=True)
class Text:
    text: Inline


@dataclass(frozen=True)
class Fields:
    """Label/value pairs shown side by side (two columns on a phone)."""

    items: tuple[tuple[str, Inline], ...]  # (label in plain words, value)


@dataclass(frozen=True)
class Finding:
    """Something worth knowing, ranked by severity: what, the evidence, what to do next."""

    severity: Severity
    title: Inline  # one line: "vgw-aue→vgw-eun sends but receives nothing"
    evidence: Inline = ""  # the facts behind it
    next_step: Inline = ""  # what to look at / run
    doc_url: str = ""  # Azure's rule behind it, when there is one
    key: str = ""  # stable identity (for dedup / tests), e.g. "one_way:<connection id>"


@dataclass(frozen=True)
class Table:
    """Tabular data. Rendered as a monospace block; when too large for a message it is
    summarised in the message and the whole table is sent as a file snippet / split."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # plain words per cell (the renderer escapes)
    caption: Inline = ""
    filename: str = "table.txt"


@dataclass(frozen=True)
class Context:
    text: Inline  # small grey print


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Button:
    label: str  # plain text
    action_id: str  # e.g. "approval_approve", "alert_status"
    value: str  # <= 2000 chars, our own encoding (e.g. request number)
    style: Literal["primary", "danger", ""] = ""
    confirm: str = ""  # when set, Slack asks "Are you sure?" with this text


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]
    block_id: str = ""


Part = Header | Text | Fields | Finding | Table | Context | Divider | Actions


@dataclass
class Reply:
    """One answer. `fallback` is the notification text (and the console's first line).

    visibility: "ephemeral" = only the asker sees it (errors, help);
                "in_channel" = everyone in the channel sees it.
    """

    fallback: Inline
    parts: list[Part] = field(default_factory=list)
    visibility: Literal["ephemeral", "in_channel"] = "in_channel"

    def add(self, *parts: Part) -> Reply:
        self.parts.extend(parts)
        return self

    @property
    def findings(self) -> list[Finding]:
        return [p for p in self.parts if isinstance(p, Finding)]


def error_reply(what: Inline, hint: Inline = "", example: str = "") -> Reply:
    """A clear, specific error: what was wrong, what would be right, an example."""
    if isinstance(what, str):  # mrkdwn (see the module docstring)
        r = Reply(fallback=what, visibility="ephemeral").add(Text(f":warning: {what}"))
    else:
        r = Reply(fallback=what, visibility="ephemeral").add(Text(rich(Icon.WARNING, " ", what)))
    if hint:
        r.add(Text(hint))
    if example:
        r.add(Context(f"Example: `{example}`"))
    return r
