"""Inline text (`commands.core.text`) → Slack mrkdwn: the one place that escapes for Slack.

Slack's rule for every message: `&`, `<` and `>` are control characters and must be sent
as `&amp;`, `&lt;`, `&gt;`, so `<!channel>`, `<@U123>` or `<http://x|y>` typed into a
name stay words. Formatting characters (`*`, `_`, `~`, backtick) in words get a
zero-width space after them so a name cannot turn text bold or close a code span; inside
code nothing is formatted, so there only `&<>` are escaped and backticks dropped (what is
pasted must be exactly the name).
"""

from __future__ import annotations

import re

from commands.core.reply import Inline
from commands.core.text import ChannelRef, Code, Em, Icon, Link, Pre, Rich, Strong, ThreadRef, UserRef, as_rich

# Slack user ids (U…, W… for Enterprise Grid, B… for bots; the sandbox's contain "_").
USER_ID = re.compile(r"^[UWB][A-Z0-9_]{1,30}$")
# Slack channel ids (C… public, G… private; the sandbox's contain "_").
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9_]{1,30}$")

SHORTCODES: dict[Icon, str] = {
    Icon.WARNING: ":warning:",
    Icon.DONE: ":white_check_mark:",
    Icon.FAILED: ":x:",
    Icon.REFUSED: ":no_entry:",
    Icon.INFO: ":information_source:",
    Icon.NEUTRAL: ":white_circle:",
    Icon.NOTE: ":memo:",
    Icon.WAITING: ":hourglass:",
    Icon.REVERT: ":arrows_counterclockwise:",
}


def esc(text: object) -> str:
    """Words made inert in mrkdwn: `&<>` escaped, formatting characters neutralised."""
    s = str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A zero-width space after each formatting character keeps it visible but inert.
    for ch in ("`", "*", "_", "~"):
        s = s.replace(ch, ch + "\u200b")
    return s


def literal(text: object) -> str:
    """Words for use inside a code span: `&<>` escaped, a backtick (which would close the
    span) dropped, nothing else touched so a paste gives back the name."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "")


def link_target(url: str) -> str:
    """A URL safe inside `<url|label>`: `|` and `>` would end Slack's syntax early."""
    return url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")


def pre_body(text: str) -> str:
    """Lines for a code block: `&<>` escaped, backticks (which would end the block)
    replaced; `*` and `_` untouched, because the lines are pasted into a shell."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


def mention(user_id: str, empty: str = "?") -> str:
    """`<@U123>` for a Slack user id; anything else is shown as words."""
    return f"<@{user_id}>" if USER_ID.match(user_id or "") else esc(user_id or empty)


def mrkdwn(value: Inline) -> str:
    """Inline text as mrkdwn: every word escaped, every span in Slack's syntax."""
    return _rich(as_rich(value))


def inert(value: Inline) -> str:
    """Inline text as mrkdwn that neither pings nor links (a notification's text): people
    and links are shown as words."""
    return _rich(as_rich(value), inert=True)


def _rich(r: Rich, inert: bool = False) -> str:
    out: list[str] = []
    for s in r.spans:
        if isinstance(s, Icon):
            out.append(SHORTCODES[s])
        elif isinstance(s, str):
            out.append(esc(s))
        elif isinstance(s, Code):
            out.append(f"`{literal(s.text)}`")
        elif isinstance(s, Pre):
            out.append(f"```{pre_body(s.text)}```")
        elif isinstance(s, Strong):
            out.append(f"*{_rich(s.content, inert)}*")
        elif isinstance(s, Em):
            out.append(f"_{_rich(s.content, inert)}_")
        elif isinstance(s, Link):
            if inert:
                out.append(esc(s.label or s.url))
            else:
                out.append(f"<{link_target(s.url)}|{esc(s.label)}>" if s.label else f"<{link_target(s.url)}>")
        elif isinstance(s, UserRef):
            out.append(esc(str(s)) if inert else mention(s.id, s.empty))
        elif isinstance(s, ChannelRef):
            out.append(_channel(s.id, inert))
        elif isinstance(s, ThreadRef):
            out.append(thread_ref(s, inert))
    return "".join(out)


def _channel(channel_id: str, inert: bool) -> str:
    linked = not inert and CHANNEL_ID.match(channel_id)
    return f"<#{channel_id}>" if linked else esc(f"#{channel_id}")


def thread_ref(s: ThreadRef, inert: bool = False) -> str:
    """`<permalink|request #12> in <#C123>`: the label links to the thread when the adapter
    found its permalink (`bot/slack/permalinks.py`); without one the same words, unlinked."""
    label = esc(s.label)
    if s.url and not inert:
        label = f"<{link_target(s.url)}|{label}>"
    return f"{label} in {_channel(s.channel, inert)}" if s.channel else label
