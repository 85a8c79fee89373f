"""What a command answers, independent of Slack.

A `Reply` is a list of parts. `bot/slack/render.py` turns it into Block Kit (validated by
slack_sdk's block models, split over several messages when Slack's limits are reached,
never cut silently) and `bot/slack/text.py` into readable text for the console.

Text in parts is inline text (`commands.core.text`: a `Rich` of words and spans such as
code, links and user references, or a plain `str` of words). Nothing here is Slack markup:
the renderer escapes every word for the medium, so a name from the estate or a reason a
user typed can never mention, link or format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeAlias

from commands.core.text import Icon, Rich, Span, code, rich

# Inline text in a part: a Rich, or a single span (a plain str is words).
Inline: TypeAlias = Rich | Span

Severity = Literal["critical", "warning", "info", "ok"]

SEVERITY_RANK: dict[str, int] = {"critical": 0, "warning": 1, "info": 2, "ok": 3}


@dataclass(frozen=True)
class Header:
    text: str  # plain words, <= 150 chars; longer is wrapped by the renderer


@dataclass(frozen=True)
class Text:
    text: Inline


@dataclass(frozen=True)
class Fields:
    """Label/value pairs shown side by side (two columns on a phone)."""

    items: tuple[tuple[Inline, Inline], ...]  # (label, value)


@dataclass(frozen=True)
class Finding:
    """Something worth knowing, ranked by severity: what, the evidence, what to do next."""

    severity: Severity
    title: Inline  # one line: "vgw-aue→vgw-eun sends but receives nothing"
    evidence: Inline = ""  # the facts behind it
    next_step: Inline = ""  # what to look at / run
    doc_url: str = ""  # Azure's rule behind it, when there is one
    key: str = ""  # stable identity (for dedup / tests), e.g. "one_way:<connection id>"
    # Keys of findings that would explain this one when present (a coverage gap names the
    # missing reverse connection behind it); the judgement folds it under such a cause.
    causes: tuple[str, ...] = ()
    # The symptoms this root cause explains, folded under it (filled by the judgement).
    explains: tuple[Finding, ...] = ()

    def every(self) -> list[Finding]:
        """This finding and the symptoms folded under it, depth first."""
        out: list[Finding] = [self]
        for f in self.explains:
            out += f.every()
        return out


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


@dataclass(frozen=True)
class ChartSeries:
    """One line of a chart: its label and (time, value) points; None is a gap (no data)."""

    label: str
    points: tuple[tuple[datetime, float | None], ...]


@dataclass(frozen=True)
class Chart:
    """A small line chart over time, where a line of text says less than a picture. Slack
    gets it as a PNG uploaded into the answer's thread (`bot/slack/chart.py`); the console
    as a line per series. `caption` is the picture in words (its alt text)."""

    title: str
    unit: str  # what the values are, e.g. "Mbit/s", "packets"
    series: tuple[ChartSeries, ...]
    caption: str = ""
    filename: str = "chart.png"


Part = Header | Text | Fields | Finding | Table | Context | Divider | Actions | Chart


@dataclass
class Reply:
    """One answer. `fallback` is the notification text (and the console's first line).

    `parts` are the first message: it must read on a phone screen (the headline, at most
    three root causes a line each with the next step). `thread` is the rest — evidence,
    tables, every finding in full — posted in the thread of that first message.

    visibility: "ephemeral" = only the asker sees it (errors, help);
                "in_channel" = everyone in the channel sees it.
    """

    fallback: Inline
    parts: list[Part] = field(default_factory=list)
    visibility: Literal["ephemeral", "in_channel"] = "in_channel"
    thread: list[Part] = field(default_factory=list)
    # An answer that will be revised in place (`Messenger.revise`): posted where it can be.
    live: bool = False

    def add(self, *parts: Part) -> Reply:
        self.parts.extend(parts)
        return self

    def more(self, *parts: Part) -> Reply:
        """Add to the thread of the first message."""
        self.thread.extend(parts)
        return self

    @property
    def findings(self) -> list[Finding]:
        """Every finding of the answer, first message and thread, with the symptoms folded
        under each (once each, in order)."""
        out: list[Finding] = []
        seen: set[int] = set()
        for p in [*self.parts, *self.thread]:
            if isinstance(p, Finding):
                for f in p.every():
                    if id(f) not in seen:
                        seen.add(id(f))
                        out.append(f)
        return out


def error_reply(what: Inline, hint: Inline = "", example: str = "") -> Reply:
    """A clear, specific error: what was wrong, what would be right, an example."""
    r = Reply(fallback=what, visibility="ephemeral").add(Text(rich(Icon.WARNING, " ", what)))
    if hint:
        r.add(Text(hint))
    if example:
        r.add(Context(rich("Example: ", code(example))))
    return r
