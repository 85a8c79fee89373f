"""The first message of every answer, read on a phone: the headline, then at most three root
causes, a line each with the next step; the rest (every finding in full, evidence,
tables) goes in the thread (`Reply.thread`).

What a phone shows without scrolling is a few hundred words: three lines of cause and
next step are what a person on call acts on; the evidence is one tap away.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from commands.core.reply import Context, Finding, Part, Text
from commands.core.text import Code, Link, Pre, Rich, RichLike, Span, as_rich, join, rich, strong
from commands.judgement.causes import worst

MAX_ROOTS = 3  # root causes in the first message
STEP_CHARS = 160  # a next step longer than this is cut at a sentence or a span (the rest is in the thread)
SEVERITY_MARK = {"critical": "🔴", "warning": "🟠", "info": "🔵", "ok": "✅"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s|\n")


def problems(roots: Sequence[Finding]) -> list[Finding]:
    """The root causes that are problems (warning or worse, themselves or a symptom)."""
    return [f for f in roots if worst(f) <= 1]


def mark(f: Finding) -> str:
    """The marker of a root: its own severity, or its worst symptom's when that is worse."""
    rank = worst(f)
    return SEVERITY_MARK[("critical", "warning", "info", "ok")[min(rank, 3)]]


def short_step(step: RichLike | None) -> Rich:
    """The first sentence of a next step, within `STEP_CHARS`; commands in a block stay in
    the thread. Empty when there is no step."""
    if not step:
        return Rich()
    out: list[Span] = []
    used = 0
    for span in as_rich(step).spans:
        if isinstance(span, Pre):
            break
        if isinstance(span, str):
            m = _SENTENCE_END.search(span)
            piece = span[: m.start()] if m else span
            if used + len(piece) > STEP_CHARS:
                cut = piece.rfind(" ", 0, max(0, STEP_CHARS - used))
                out.append(piece[: cut if cut > 0 else 0].rstrip(" ,;:") + "…")
                break
            out.append(piece)
            used += len(piece)
            if m:
                break
        else:
            size = len(str(span))
            if used + size > STEP_CHARS and isinstance(span, Code | Link):
                out.append("…")
                break
            out.append(span)
            used += size
    if out and isinstance(out[-1], str) and out[-1].rstrip().endswith(":"):
        # What followed the colon (the commands) stays in the thread: "Link the zone", not "…zone:".
        out[-1] = out[-1].rstrip()[:-1]
    return rich(*out)


def root_line(f: Finding) -> Rich:
    """ "🔴 *title* — next step (explains 2 more)"."""
    step = short_step(f.next_step)
    n = len(f.every()) - 1
    return rich(
        mark(f),
        " ",
        strong(f.title),
        rich(" — ", step) if step else None,
        f" (explains {n} more)" if n else None,
    )


def head(headline: RichLike, roots: Sequence[Finding], unread: int = 0, more: RichLike = "") -> list[Part]:
    """The first message: the headline, the first `MAX_ROOTS` root causes a line each, and
    what else is in the thread."""
    parts: list[Part] = [Text(rich(strong(headline)))]
    shown = list(roots[:MAX_ROOTS])
    if shown:
        parts.append(Text(join("\n", [root_line(f) for f in shown])))
    tail: list[Rich] = []
    if len(roots) > MAX_ROOTS:
        left = len(roots) - MAX_ROOTS
        tail.append(rich(f"{left} more {'cause' if left == 1 else 'causes'} in the thread"))
    if unread:
        tail.append(rich(f"⚠️ {unread} {'read' if unread == 1 else 'reads'} failed (what, in the thread)"))
    if more:
        tail.append(as_rich(more))
    if tail:
        parts.append(Context(join(" · ", tail)))
    return parts


__all__ = ["MAX_ROOTS", "SEVERITY_MARK", "head", "mark", "problems", "root_line", "short_step"]
