"""Reply → Slack Block Kit, within Slack's limits, never cut silently.

Built with slack_sdk's block models, whose `to_dict()` validates each block against
Slack's documented limits (section text ≤ 3000 chars, ≤ 10 fields of ≤ 2000, header ≤ 150,
button text ≤ 75, confirm text ≤ 300 …). This module splits content so those checks pass:

* long text → several sections, split at paragraph / line / word boundaries, code fences
  closed and reopened across the split;
* more than 50 blocks (Slack's per-message limit), or more than `MESSAGE_CHAR_BUDGET`
  characters → several messages, each after the first marked "(continued k/N)";
* tables → monospace code blocks split by rows with the header row repeated; a table too
  big for `TABLE_MAX_MESSAGES` messages is summarised in the message and sent whole as a
  file snippet (`Rendered.files`, uploaded by the messenger);
* the first message of an answer is read on a phone: `Reply.parts` become it, within
  `PHONE_BUDGET` characters, and `Reply.thread` the messages posted in its thread
  (`Rendered.thread`). Parts that do not fit the first message move to the start of the
  thread, with a line saying so — never cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.mrkdwn import esc, inert, link_target, mrkdwn
from commands.core.reply import (
    Actions,
    Chart,
    Context,
    Divider,
    Fields,
    Finding,
    Header,
    Inline,
    Reply,
    Table,
    Text,
)

# Slack's limits (Block Kit reference: "Blocks" and each block's fields).
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTONS = 25
MAX_BUTTON_TEXT = 75
MAX_CONFIRM_TEXT = 300
MAX_FALLBACK = 3000  # the notification text; the full content is in the blocks
# Our own readability limit: Slack accepts 50 full sections (150k chars) in a message, but
# a message longer than a few screens is collapsed behind "Show more" and unreadable on a
# phone, so we start a new message after this many characters of block text.
MESSAGE_CHAR_BUDGET = 12000
# A table that would take more messages than this is summarised and sent as a file.
TABLE_MAX_MESSAGES = 3
TABLE_PREVIEW_CHARS = 2400
# The first message of an answer fits a phone screen: at most this many characters of
# block text (mrkdwn, which is never shorter than what the reader sees).
PHONE_BUDGET = 2500

SEVERITY_EMOJI = {"critical": "🔴", "warning": "🟠", "info": "🔵", "ok": "✅"}


@dataclass(frozen=True)
class SlackMessage:
    """One Slack message: `text` is the notification / fallback text."""

    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class FileSnippet:
    """A text file to upload next to the messages (e.g. a table too long for them)."""

    filename: str
    title: str
    content: str
    data: bytes = b""  # a binary file (a chart's PNG) instead of `content`
    alt: str = ""  # what an image shows, in words (Slack's alt_txt)


@dataclass(frozen=True)
class Rendered:
    """`messages`: the answer's own messages (the first one fits a phone); `thread`: the
    messages that go in the thread of the first; `files`: uploaded into that thread."""

    messages: list[SlackMessage]
    files: list[FileSnippet] = field(default_factory=list)
    thread: list[SlackMessage] = field(default_factory=list)

    @property
    def all(self) -> list[SlackMessage]:
        return [*self.messages, *self.thread]


def to_blocks(reply: Reply) -> list[list[dict[str, Any]]]:
    """The Block Kit of each message the reply needs (one inner list per message, the
    thread's after the first message's)."""
    return [m.blocks for m in render(reply).all]


def render(reply: Reply) -> Rendered:
    """Everything Slack needs to show `reply`: the first message, the thread, files.

    An ephemeral reply (only the asker sees it) has no thread in Slack: its thread parts
    follow as further messages."""
    files: list[FileSnippet] = []
    head = _blocks(reply.parts, files)
    rest = _blocks(reply.thread, files)
    if not head and not rest and reply.fallback:
        head = _sections(mrkdwn(reply.fallback))
    head_dicts = [b.to_dict() for b in head]  # validates every block against Slack's limits
    rest_dicts = [b.to_dict() for b in rest]
    fallback = fallback_text(reply.fallback)
    if reply.visibility == "ephemeral":
        return Rendered(_pack(head_dicts + rest_dicts, fallback), files)
    first, moved = _phone(head_dicts)
    if moved:
        note = ContextBlock(elements=[MarkdownTextObject(text="_More in the thread._")]).to_dict()
        first.append(note)
    if not rest_dicts and not moved:
        return Rendered(_pack(first, fallback), files)
    thread = _pack(moved + rest_dicts, fallback)
    return Rendered(_pack(first, fallback, numbered=False), files, thread)


def _phone(blocks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The blocks of the first message within `PHONE_BUDGET`, and those moved to the thread
    (from the first that does not fit; the first block always stays)."""
    used = 0
    for i, b in enumerate(blocks):
        used += _block_chars(b)
        # Room for the "more in the thread" line, in characters and in blocks.
        if i and (used > PHONE_BUDGET - 40 or i >= MAX_BLOCKS - 1):
            return blocks[:i], blocks[i:]
    return blocks, []


def _blocks(parts: list[Any], files: list[FileSnippet]) -> list[Block]:
    blocks: list[Block] = []
    for part in parts:
        if isinstance(part, Header):
            blocks.extend(_header(part.text))
        elif isinstance(part, Text):
            blocks.extend(_sections(mrkdwn(part.text)))
        elif isinstance(part, Fields):
            blocks.extend(_fields(part))
        elif isinstance(part, Finding):
            blocks.extend(_sections(finding_mrkdwn(part)))
        elif isinstance(part, Table):
            tb, tf = _table(part)
            blocks.extend(tb)
            files.extend(tf)
        elif isinstance(part, Context):
            blocks.extend(_context(mrkdwn(part.text)))
        elif isinstance(part, Divider):
            blocks.append(DividerBlock())
        elif isinstance(part, Actions):
            blocks.extend(_actions(part))
        elif isinstance(part, Chart):
            blocks.extend(_chart(part, files))
    return blocks


def _chart(part: Chart, files: list[FileSnippet]) -> list[Block]:
    """A chart goes as a PNG into the thread; the message says so, with the picture in words."""
    from bot.slack.chart import png

    files.append(FileSnippet(part.filename, part.title, part.caption, png(part), part.caption or part.title))
    said = f"📈 _{esc(part.title)}_ — picture below"
    if part.caption:
        said += f": {esc(part.caption)}"
    return _context(said)


# ------------------------------------------------------------------------------- parts


def finding_mrkdwn(f: Finding) -> str:
    """A finding as mrkdwn: severity marker and title, the evidence, the next step, the doc,
    then the symptoms it explains (a line each)."""
    lines = [f"{SEVERITY_EMOJI.get(f.severity, '•')} *{mrkdwn(f.title)}*"]
    if f.evidence:
        lines.append(mrkdwn(f.evidence))
    if f.next_step:
        lines.append(f"*Next:* {mrkdwn(f.next_step)}")
    if f.doc_url:
        lines.append(f"📖 <{link_target(f.doc_url)}|{_doc_label(f.doc_url)}>")
    if f.explains:
        lines.append("_Explains:_")
        lines += [f"↳ {SEVERITY_EMOJI.get(s.severity, '•')} {mrkdwn(s.title)}" for s in _symptoms(f)]
    return "\n".join(lines)


def _symptoms(f: Finding) -> list[Finding]:
    return [s for x in f.explains for s in x.every()]


def _doc_label(url: str) -> str:
    m = re.match(r"https?://([^/]+)", url)
    host = m.group(1).lower() if m else ""
    if host == "learn.microsoft.com":
        return "Microsoft Learn"
    return host or "Docs"


def _header(text: str) -> list[Block]:
    text = " ".join(text.split())
    if not text:
        return []
    if len(text) <= MAX_HEADER_TEXT:
        return [HeaderBlock(text=PlainTextObject(text=text, emoji=True))]
    cut = text.rfind(" ", 0, MAX_HEADER_TEXT - 2)
    cut = cut if cut > 40 else MAX_HEADER_TEXT - 2
    head, rest = text[:cut].rstrip(), text[cut:].strip()
    # The header is plain text; the rest continues below it in bold, so nothing is lost.
    return [HeaderBlock(text=PlainTextObject(text=head + " …", emoji=True)), *_sections(f"*… {esc(rest)}*")]


def _sections(text: str) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in split_mrkdwn(text, MAX_SECTION_TEXT)]


def _context(text: str) -> list[Block]:
    return [ContextBlock(elements=[MarkdownTextObject(text=chunk)]) for chunk in split_mrkdwn(text, MAX_SECTION_TEXT)]


def _fields(part: Fields) -> list[Block]:
    out: list[Block] = []
    batch: list[MarkdownTextObject] = []

    def flush() -> None:
        if batch:
            out.append(SectionBlock(fields=list(batch)))
            batch.clear()

    for label, inline in part.items:
        value = mrkdwn(inline)
        text = f"*{mrkdwn(label)}*\n{value}" if label else value
        if len(text) > MAX_FIELD_TEXT:
            # Too long for a field: it gets a full-width section of its own.
            flush()
            out.extend(_sections(text))
            continue
        batch.append(MarkdownTextObject(text=text or " "))
        if len(batch) == MAX_FIELDS:
            flush()
    flush()
    return out


def _actions(part: Actions) -> list[Block]:
    out: list[Block] = []
    buttons = list(part.buttons)
    for n, start in enumerate(range(0, len(buttons), MAX_BUTTONS)):
        elements = []
        for b in buttons[start : start + MAX_BUTTONS]:
            label = b.label if len(b.label) <= MAX_BUTTON_TEXT else b.label[: MAX_BUTTON_TEXT - 1] + "…"
            confirm = None
            if b.confirm:
                ctext = b.confirm if len(b.confirm) <= MAX_CONFIRM_TEXT else b.confirm[: MAX_CONFIRM_TEXT - 1] + "…"
                confirm = ConfirmObject(
                    title="Are you sure?", text=PlainTextObject(text=ctext), confirm="Yes", deny="Cancel"
                )
            elements.append(
                ButtonElement(
                    text=PlainTextObject(text=label, emoji=True),
                    action_id=b.action_id,
                    value=b.value,
                    style=b.style or None,
                    confirm=confirm,
                )
            )
        block_id = part.block_id and (part.block_id if n == 0 else f"{part.block_id}-{n + 1}")
        out.append(ActionsBlock(elements=elements, block_id=block_id or None))
    return out


# ------------------------------------------------------------------------------- tables


def _cell(value: object) -> str:
    # Cells are plain text. Inside a code block Slack still decodes &, < and >, so those
    # are escaped; a backtick gets a zero-width space so it cannot close the block.
    s = " ".join(str(value).split())
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "`\u200b")


def table_lines(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], escape: bool = True) -> list[str]:
    """The table as aligned monospace lines: header, rule, rows."""
    fix = _cell if escape else (lambda v: " ".join(str(v).split()))
    ncol = max([len(columns), *(len(r) for r in rows)]) if (columns or rows) else 0
    head = [fix(c) for c in columns] + [""] * (ncol - len(columns))
    body = [[fix(c) for c in r] + [""] * (ncol - len(r)) for r in rows]
    widths = [max([len(head[i]), *(len(r[i]) for r in body)]) for i in range(ncol)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = []
    if any(head):
        out += [line(head), "  ".join("─" * w for w in widths).rstrip()]
    out += [line(r) for r in body]
    return out


def _table(part: Table) -> tuple[list[Block], list[FileSnippet]]:
    out: list[Block] = []
    caption = mrkdwn(part.caption)
    if caption:
        out.extend(_sections(caption))
    lines = table_lines(part.columns, part.rows)
    has_head = any(part.columns)
    head, body = (lines[:2], lines[2:]) if has_head else ([], lines)
    if not body:
        out.extend(_sections("```\n" + "\n".join(head or ["(no rows)"]) + "\n```"))
        return out, []
    total = sum(len(x) + 1 for x in lines)
    if total > TABLE_MAX_MESSAGES * MESSAGE_CHAR_BUDGET:
        # Too long to read in messages: show the top, say how much more, attach all of it.
        shown = _fit_rows(head, body, TABLE_PREVIEW_CHARS)
        out.extend(_sections("```\n" + "\n".join(head + body[:shown]) + "\n```"))
        out.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"Showing {shown} of {len(body)} rows. The full table is attached as `{esc(part.filename)}`."
                    )
                ]
            )
        )
        plain = "\n".join(table_lines(part.columns, part.rows, escape=False)) + "\n"
        title = (caption and _plain(caption)) or part.filename
        return out, [FileSnippet(part.filename, title[:250], plain)]
    room = MAX_SECTION_TEXT - len("```\n\n```")
    i = 0
    while i < len(body):
        n = max(1, _fit_rows(head, body[i:], room))
        chunk = head + body[i : i + n]
        text = "\n".join(chunk)
        if len(text) > room:
            # A single row wider than a section: wrap that row's line (nothing dropped).
            for piece in _hard_wrap(text, room):
                out.extend(_sections("```\n" + piece + "\n```"))
        else:
            out.extend(_sections("```\n" + text + "\n```"))
        i += n
    return out, []


def _fit_rows(head: list[str], body: list[str], room: int) -> int:
    used = sum(len(h) + 1 for h in head)
    n = 0
    for row in body:
        if used + len(row) + 1 > room:
            break
        used += len(row) + 1
        n += 1
    return n


def _hard_wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def _plain(mrkdwn: str) -> str:
    return re.sub(r"[*_~`]", "", mrkdwn).strip()


# ------------------------------------------------------------------------------- splitting

_FENCE = "```"


def split_mrkdwn(text: str, limit: int) -> list[str]:
    """Split mrkdwn into chunks of at most `limit` chars at paragraph, line or word
    boundaries; a code block cut in two is closed and reopened so both halves render."""
    text = text.strip("\n")
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    reserve = len(_FENCE) * 2 + 2
    chunks: list[str] = []
    rest = text
    prefix = ""
    while rest:
        rest = prefix + rest
        if len(rest) <= limit:
            chunks.append(rest)
            break
        room = limit - reserve
        cut = _break_at(rest, room)
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip("\n")
        if rest.startswith(" "):
            rest = rest[1:]
        if piece.count(_FENCE) % 2 == 1:
            piece += "\n" + _FENCE
            prefix = _FENCE + "\n"
        else:
            prefix = ""
        chunks.append(piece)
    return [c for c in chunks if c.strip()]


def _break_at(text: str, room: int) -> int:
    for sep in ("\n\n", "\n", " "):
        i = text.rfind(sep, 0, room)
        if i > room // 3:
            return i
    # Avoid cutting a <link|label> or an &entity; in half.
    i = room
    lt, gt = text.rfind("<", 0, i), text.rfind(">", 0, i)
    if lt > gt and lt > room // 3:
        return lt
    amp = text.rfind("&", max(0, i - 6), i)
    if amp != -1 and ";" not in text[amp:i]:
        return amp
    return i


# ------------------------------------------------------------------------------- packing


def _block_chars(block: dict[str, Any]) -> int:
    kind = block.get("type")
    if kind in ("section", "header"):
        n = len((block.get("text") or {}).get("text", ""))
        return n + sum(len(f.get("text", "")) for f in block.get("fields") or [])
    if kind == "context":
        return sum(len(e.get("text", "")) for e in block.get("elements", []))
    return 20


def _pack(blocks: list[dict[str, Any]], fallback: str, numbered: bool = True) -> list[SlackMessage]:
    if not blocks:
        return [SlackMessage(_fallback(fallback), [])] if fallback else []
    # One block per message is reserved for the "(continued k/N)" marker.
    cap = MAX_BLOCKS - 1
    messages: list[list[dict[str, Any]]] = [[]]
    chars = 0
    for b in blocks:
        size = _block_chars(b)
        current = messages[-1]
        if current and (len(current) >= cap or chars + size > MESSAGE_CHAR_BUDGET):
            # Keep a header with what follows it rather than alone at the end of a message.
            carry = [current.pop()] if current[-1].get("type") == "header" and len(current) > 1 else []
            messages.append(carry)
            chars = sum(_block_chars(x) for x in carry)
        messages[-1].append(b)
        chars += size
    total = len(messages)
    out = []
    for k, msg in enumerate(messages, start=1):
        text = _fallback(fallback)
        if total > 1 and numbered:
            marker = f"(continued {k}/{total})" if k > 1 else f"(1/{total})"
            if k > 1:
                msg = [ContextBlock(elements=[MarkdownTextObject(text=f"_{marker}_")]).to_dict(), *msg]
            text = f"{text} {marker}".strip()
        out.append(SlackMessage(text, msg))
    return out


def fallback_text(value: Inline) -> str:
    """A reply's notification text. Slack formats a message's top-level `text` too, so a
    raw `<!channel>`, `<@U…>` or `<http://x|y>` from an estate name, an alert rule or a
    reason would ping or link from there even when the blocks are escaped. No fallback is
    meant to ping or link: links and people are shown as words."""
    return _fallback(inert(value))


def _fallback(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_FALLBACK else text[: MAX_FALLBACK - 1] + "…"
