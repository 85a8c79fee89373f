"""Text from Slack → the words the user typed: the one place that undoes Slack's escaping.

Slack delivers slash-command text and message text with its own transformations:

* `&`, `<`, `>` arrive escaped as `&amp;`, `&lt;`, `&gt;` (Slack's mrkdwn escaping);
* with "Escape channels, users, and links" on, links and mentions arrive as
  `<http://sql-eun.database.windows.net|sql-eun.database.windows.net>`, `<@U123|bob>`,
  `<#C123|ops>`, `<!here>` — the user typed the label (or the bare host, for an auto-link).

The domain (`commands.core.parse`) then only straightens quotes and collapses spaces.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def _link(m: re.Match[str]) -> str:
    target, label = m.group(1), m.group(2)
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        return "@" + (label or target[1:]).split("^")[0]
    if label:
        return label
    # An auto-linked bare host ("http://sql-eun.database.windows.net") was typed without the scheme.
    return re.sub(r"^(?:https?|mailto):(?://)?", "", target) if "/" not in target.split("://", 1)[-1] else target


def from_slack(text: str) -> str:
    """What the user typed, from Slack's escaped, link-wrapped form."""
    s = _LINK.sub(_link, str(text or ""))
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
