"""Every text the bot sends to Slack on the golden estates, as Slack receives it, holds no
raw `<`, `>` or `&` outside Slack's own syntax.

Slack: "&, < and > are control characters … replace them with &amp;, &lt; and &gt;"
(api.slack.com/reference/surfaces/formatting#escaping). The one escaping boundary is
bot/slack/mrkdwn.py; this drives every command of the golden scripts (and the bad input
among them, `/vpn status <!channel> & <@U123>`) through the console on every estate and reads
each mrkdwn text of each message: the top-level `text`, every section's text and fields,
every context element. What may remain is Slack's syntax: a link `<https://…|label>` or
`<https://…>`, a user `<@U…>`, a channel `<#C…>`, and the three entities.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.console.app import Console
from sandbox.estate import load_estate
from tests.conformance.drive import SCRIPTS, estate_files

ESTATES = estate_files()
SLACK_SYNTAX = re.compile(
    r"<https?://[^\s<>|]+(?:\|[^<>]*)?>"  # a link, with its label (itself escaped)
    r"|<@[UWB][A-Z0-9_]+>"  # a user
    r"|<#[CG][A-Z0-9_]+>"  # a channel
    r"|&(?:amp|lt|gt);"  # an escaped character
)


def mrkdwn_texts(node: Any) -> Iterator[str]:
    """Every text Slack reads as mrkdwn in a message's blocks."""
    if isinstance(node, list):
        for x in node:
            yield from mrkdwn_texts(x)
    elif isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for v in node.values():
            if isinstance(v, dict | list):
                yield from mrkdwn_texts(v)


def raw_characters(text: str) -> list[str]:
    rest = SLACK_SYNTAX.sub("", text)
    return [m.group(0) for m in re.finditer(r".{0,30}[<>&].{0,30}", rest, re.S)]


def transcript(estate: Path) -> list[dict[str, Any]]:
    lines = (SCRIPTS / "common.txt").read_text(encoding="utf-8").splitlines()
    own = SCRIPTS / f"{estate.stem}.txt"
    if own.exists():
        lines += own.read_text(encoding="utf-8").splitlines()
    out = io.StringIO()
    with Console(load_estate(estate), out=out, json_out=True) as console:
        console.run(lines)
    return [json.loads(x) for x in out.getvalue().splitlines() if x.startswith("{") and '"event"' in x]


@pytest.mark.parametrize("estate", ESTATES, ids=[e.stem for e in ESTATES])
def test_every_text_the_bot_sends_is_escaped_for_slack(estate: Path) -> None:
    texts = [
        (ev, text)
        for ev in transcript(estate)
        for text in [ev.get("text") or "", *mrkdwn_texts(ev.get("blocks") or [])]
    ]
    assert len(texts) > 100, "the transcript was too short to prove anything"
    # The hostile input of the common script (`<!channel> & <@U123>`) came back inert, escaped.
    assert any("@channel &amp; @U123" in text for _, text in texts)
    bad = [f"{ev['event']} {ev['ts']}: …{b}…" for ev, text in texts for b in raw_characters(text)]
    assert not bad, "\n".join(bad[:20])


def test_the_check_sees_a_raw_character_and_passes_slacks_syntax() -> None:
    assert raw_characters("a <!channel> b") and raw_characters("x & y") and raw_characters("1 > 0")
    assert not raw_characters("<https://learn.microsoft.com/a%7Cb|Microsoft Learn> <@U123> <#C9> &lt;x&gt; &amp;")
