"""Reply / posted Block Kit → readable console text."""

from __future__ import annotations

from bot.slack.mrkdwn import esc
from bot.slack.render import to_blocks
from bot.slack.text import blocks_to_text, mrkdwn_to_plain, to_text
from commands.core.reply import Actions, Button, Context, Fields, Finding, Header, Reply, Table, Text
from commands.core.text import rich, strong


def test_mrkdwn_formatting_links_and_entities_become_plain_text() -> None:
    src = "*Bold* and _it_ ~gone~ <https://x.example/a|the docs> <@U_BOB> <#C1|ops> <!here> a &lt;b&gt; &amp; c"
    assert mrkdwn_to_plain(src) == "Bold and it gone the docs (https://x.example/a) @U_BOB #ops @here a <b> & c"


def test_escaped_names_keep_their_characters() -> None:
    name = "vnet_*prod*_`x`<!channel>"
    assert mrkdwn_to_plain(f"VNet {esc(name)} is down") == f"VNet {name} is down"


def test_emoji_shortcodes_become_characters_and_unknown_ones_stay() -> None:
    assert mrkdwn_to_plain(":warning: :white_check_mark: :custom_thing:") == "⚠️ ✅ :custom_thing:"


def test_code_blocks_are_kept_verbatim_and_indented() -> None:
    out = mrkdwn_to_plain("Routes:\n```\nprefix  *next*\n10.0.0.0/16  &lt;none&gt;\n```")
    assert out == "Routes:\n\n  prefix  *next*\n  10.0.0.0/16  <none>"


def test_to_text_renders_every_part_in_order() -> None:
    reply = Reply(
        "status",
        [
            Header("Australia East"),
            Text(rich(strong("2"), " gateways")),
            Fields((("Status", "Connected"), ("Bytes", "1 GB"))),
            Finding("critical", "one-way traffic", "↑ 1 GB ↓ 0 B", "check the key", "https://learn.microsoft.com/x"),
            Table(("name", "state"), (("cn-1", "Connected"),)),
            Context("as of now"),
            Actions((Button("Approve", "approval_approve", "3"),)),
        ],
    )
    text = to_text(reply, button_hint=lambda a, v: f"/approve {v}")
    assert text.split("\n") == [
        "■ Australia East",
        "2 gateways",
        "  Status: Connected",
        "  Bytes: 1 GB",
        "🔴 one-way traffic",
        "   ↑ 1 GB ↓ 0 B",
        "   Next: check the key",
        "   Docs: https://learn.microsoft.com/x",
        "  name  state",
        "  ────  ─────────",
        "  cn-1  Connected",
        "  as of now",
        "[ Approve ] (/approve 3)",
    ]


def test_posted_blocks_read_the_same_as_the_reply() -> None:
    reply = Reply(
        "x",
        [Header("Gateways"), Fields((("Status", strong("Connected")),)), Finding("ok", "all good"), Context("note")],
    )
    (blocks,) = to_blocks(reply)
    assert blocks_to_text(blocks).split("\n") == ["■ Gateways", "  Status: Connected", "✅ all good", "  note"]


def test_a_reply_without_parts_reads_as_its_fallback() -> None:
    assert to_text(Reply(rich(strong("nothing"), " to do"))) == "nothing to do"
    assert blocks_to_text([], "fallback only") == "fallback only"
