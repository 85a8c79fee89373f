"""Reply (or posted Block Kit) → readable plain text, for the console and logs.

Slack mrkdwn is turned into what a person would read: `*bold*` loses its stars, links
show as "label (url)", entities are decoded, the zero-width spaces `esc()` inserts are
removed, and the few emoji shortcodes we use become their characters. Severity markers
(🔴 🟠 🔵 ✅) stay: they carry meaning. Code (tables) stays verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.slack.mrkdwn import mrkdwn
from commands.core.reply import (
    Actions,
    Button,
    Chart,
    Context,
    Divider,
    Fields,
    Finding,
    Header,
    Part,
    Reply,
    Table,
    Text,
)

ButtonHint = Callable[[str, str], "str | None"]  # (action_id, value) -> e.g. "/approve 3"
UserName = Callable[[str], str]  # user id -> display name, for <@U123> mentions

_EMOJI = {
    ":warning:": "⚠️",
    ":white_check_mark:": "✅",
    ":heavy_check_mark:": "✔",
    ":x:": "❌",
    ":no_entry:": "⛔",
    ":red_circle:": "🔴",
    ":large_orange_circle:": "🟠",
    ":large_blue_circle:": "🔵",
    ":large_green_circle:": "🟢",
    ":white_circle:": "⚪",
    ":hourglass_flowing_sand:": "⏳",
    ":hourglass:": "⌛",
    ":information_source:": "ℹ️",
    ":lock:": "🔒",
    ":rotating_light:": "🚨",
    ":bell:": "🔔",
    ":no_bell:": "🔕",
    ":mag:": "🔍",
    ":memo:": "📝",
    ":arrow_right:": "→",
    ":arrows_counterclockwise:": "🔄",
    ":leftwards_arrow_with_hook:": "↩",
    ":books:": "📚",
    ":book:": "📖",
    ":bulb:": "💡",
    ":zzz:": "💤",
    ":stopwatch:": "⏱",
}
_SHORTCODE = re.compile(r":[a-z0-9_+\-]+:")
# esc() puts a zero-width space after formatting characters to make them inert. Those
# pairs are literal text: protect them while formatting is stripped.
_INERT = {"*\u200b": "\ue001", "_\u200b": "\ue002", "~\u200b": "\ue003", "`\u200b": "\ue004"}
_RESTORE = {"\ue001": "*", "\ue002": "_", "\ue003": "~", "\ue004": "`"}
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")
_ANGLE = re.compile(r"<([^<>\n]+)>")


def _angle(m: re.Match[str], users: UserName | None = None) -> str:
    inner = m.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or (users(target[1:]) if users else target[1:]))
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        return label or "@" + target[len("!subteam^") :]
    if target.startswith("!"):
        return "@" + (label or target[1:]).split("^")[0]
    if label and label != target:
        return f"{label} ({target})"
    return target


def _inline(text: str, users: UserName | None = None) -> str:
    for k, v in _INERT.items():
        text = text.replace(k, v)
    text = _ANGLE.sub(lambda m: _angle(m, users), text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _STRIKE.sub(r"\1", text)
    text = _SHORTCODE.sub(lambda m: _EMOJI.get(m.group(0), m.group(0)), text)
    for k, v in _RESTORE.items():
        text = text.replace(k, v)
    return _entities(text.replace("\u200b", ""))


def _entities(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn_to_plain(text: str, users: UserName | None = None) -> str:
    """Slack mrkdwn → plain text; code blocks are kept verbatim (entities decoded).
    `users` turns `<@U123>` mentions into names."""
    out: list[str] = []
    for i, piece in enumerate(text.split("```")):
        if i % 2 == 1:
            body = _entities(piece.replace("\u200b", "")).strip("\n")
            out.append("\n" + "\n".join("  " + line for line in body.split("\n")) + "\n")
        else:
            out.append(_inline(piece, users))
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip("\n")


def _indent(text: str, pad: str = "   ") -> str:
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _buttons_line(buttons: list[tuple[str, str, str]], hint: ButtonHint | None) -> str:
    bits = []
    for label, action_id, value in buttons:
        h = hint(action_id, value) if hint else None
        bits.append(f"[ {label} ]" + (f" ({h})" if h else ""))
    return "  ".join(bits)


# --------------------------------------------------------------------------- Reply → text


def to_text(reply: Reply, button_hint: ButtonHint | None = None) -> str:
    """A Reply as plain text: every part, in order, nothing cut (the console has no limits);
    the thread follows the first message under a line that says so."""
    lines = _parts_text(reply.parts, button_hint)
    if reply.thread:
        lines.append("── in the thread ──")
        lines += _parts_text(reply.thread, button_hint)
    if not lines:
        lines.append(mrkdwn_to_plain(mrkdwn(reply.fallback)))
    return "\n".join(x for x in lines if x is not None)


def _parts_text(parts: list[Part], button_hint: ButtonHint | None) -> list[str]:
    lines: list[str] = []
    for part in parts:
        if isinstance(part, Header):
            lines.append(f"■ {part.text}")
        elif isinstance(part, Text):
            lines.append(mrkdwn_to_plain(mrkdwn(part.text)))
        elif isinstance(part, Fields):
            lines.extend(f"  {_inline(mrkdwn(label))}: {mrkdwn_to_plain(mrkdwn(value))}" for label, value in part.items)
        elif isinstance(part, Finding):
            lines.append(finding_text(part))
        elif isinstance(part, Table):
            lines.append(table_text(part))
        elif isinstance(part, Context):
            lines.append(_indent(mrkdwn_to_plain(mrkdwn(part.text)), "  "))
        elif isinstance(part, Divider):
            lines.append("─" * 40)
        elif isinstance(part, Actions):
            lines.append(_buttons_line([_button(b) for b in part.buttons], button_hint))
        elif isinstance(part, Chart):
            lines.append(chart_text(part))
    return lines


_BARS = "▁▂▃▄▅▆▇█"


def chart_text(c: Chart) -> str:
    """A chart for a terminal: its title and caption, then a sparkline per series (a space
    where there is no data), scaled to the chart's highest value."""
    top = max((v for s in c.series for _, v in s.points if v is not None), default=0.0)
    lines = [f"📈 {c.title}" + (f" — {c.caption}" if c.caption else "")]
    width = max((len(s.label) for s in c.series), default=0)
    for s in c.series:
        bars = "".join(
            " " if v is None else _BARS[min(len(_BARS) - 1, int(v / top * (len(_BARS) - 1))) if top > 0 else 0]
            for _, v in s.points
        )
        lines.append(f"  {s.label.ljust(width)} {bars}")
    return "\n".join(lines)


def _button(b: Button) -> tuple[str, str, str]:
    return b.label, b.action_id, b.value


def finding_text(f: Finding) -> str:
    from bot.slack.render import SEVERITY_EMOJI

    out = [f"{SEVERITY_EMOJI.get(f.severity, '•')} {_inline(mrkdwn(f.title))}"]
    if f.evidence:
        out.append(_indent(mrkdwn_to_plain(mrkdwn(f.evidence))))
    if f.next_step:
        out.append(_indent("Next: " + mrkdwn_to_plain(mrkdwn(f.next_step))))
    if f.doc_url:
        out.append(_indent("Docs: " + f.doc_url))
    for x in f.every()[1:]:
        out.append(_indent(f"↳ {SEVERITY_EMOJI.get(x.severity, '•')} {_inline(mrkdwn(x.title))}"))
    return "\n".join(out)


def table_text(t: Table) -> str:
    from bot.slack.render import table_lines

    out = []
    if t.caption:
        out.append(mrkdwn_to_plain(mrkdwn(t.caption)))
    out.extend("  " + line for line in table_lines(t.columns, t.rows, escape=False))
    if not t.rows:
        out.append("  (no rows)")
    return "\n".join(out)


# --------------------------------------------------------------------------- Block Kit → text


def blocks_to_text(
    blocks: list[dict[str, Any]],
    fallback: str = "",
    button_hint: ButtonHint | None = None,
    users: UserName | None = None,
) -> str:
    """Posted Block Kit (as recorded by the Slack emulator) → plain text."""
    lines: list[str] = []
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            lines.append(f"■ {(b.get('text') or {}).get('text', '')}")
        elif kind == "section":
            text = b.get("text") or {}
            if text.get("text"):
                lines.append(_text_obj(text, users))
            for f in b.get("fields") or []:
                lines.append("  " + _field(f, users))
            acc = b.get("accessory") or {}
            if acc.get("type") == "button":
                lines.append(_buttons_line([_button_dict(acc)], button_hint))
        elif kind == "context":
            lines.append(_indent(" ".join(_text_obj(e, users) for e in b.get("elements", []) if "text" in e), "  "))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "actions":
            btns = [_button_dict(e) for e in b.get("elements", []) if e.get("type") == "button"]
            lines.append(_buttons_line(btns, button_hint))
        elif kind == "rich_text":
            lines.append(fallback)
        elif kind == "image":
            lines.append(f"[image: {b.get('alt_text', '')}]")
    if not lines and fallback:
        lines.append(mrkdwn_to_plain(fallback, users))
    return "\n".join(lines)


def _text_obj(t: dict[str, Any], users: UserName | None = None) -> str:
    s = str(t.get("text", ""))
    return mrkdwn_to_plain(s, users) if t.get("type") == "mrkdwn" else s


def _field(f: dict[str, Any], users: UserName | None = None) -> str:
    s = str(f.get("text", ""))
    if f.get("type") == "mrkdwn":
        m = re.match(r"^\*([^*\n]+)\*\n(.*)$", s, re.S)
        if m:
            return f"{_inline(m.group(1), users)}: {mrkdwn_to_plain(m.group(2), users)}"
        return mrkdwn_to_plain(s, users)
    return s


def _button_dict(e: dict[str, Any]) -> tuple[str, str, str]:
    return str((e.get("text") or {}).get("text", "")), str(e.get("action_id", "")), str(e.get("value", ""))
