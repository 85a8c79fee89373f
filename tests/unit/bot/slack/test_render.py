"""Reply → Block Kit: Slack's limits are met by splitting, never by cutting."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.slack.render import (
    MAX_BLOCKS,
    MESSAGE_CHAR_BUDGET,
    PHONE_BUDGET,
    render,
    split_mrkdwn,
    to_blocks,
)
from commands.core.reply import (
    Actions,
    Button,
    Context,
    Divider,
    Fields,
    Finding,
    Header,
    Reply,
    Table,
    Text,
)
from commands.core.text import code, rich, strong
from sandbox.slack_blocks import validate_blocks


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for b in blocks:
        if isinstance(b.get("text"), dict):
            out.append(b["text"]["text"])
        out.extend(f["text"] for f in b.get("fields") or [])
        out.extend(e.get("text", "") for e in b.get("elements") or [] if isinstance(e, dict) and "text" in e)
    return out


def _all_valid(reply: Reply) -> list[list[dict[str, Any]]]:
    messages = to_blocks(reply)
    for blocks in messages:
        assert len(blocks) <= MAX_BLOCKS
        assert validate_blocks(blocks) == []
    return messages


def test_the_first_message_fits_a_phone_and_the_rest_goes_in_its_thread() -> None:
    r = render(Reply("status", [Text("x " * 500) for _ in range(6)], thread=[Text("evidence")]))
    (first,) = r.messages
    assert sum(len(t) for t in _texts(first.blocks)) <= PHONE_BUDGET
    assert "More in the thread" in json.dumps(first.blocks)
    thread = json.dumps([m.blocks for m in r.thread])
    assert thread.count("x x") >= 4 and "evidence" in thread  # moved, not cut


def test_an_ephemeral_reply_has_no_thread_its_parts_follow_in_order() -> None:
    r = render(Reply("help", [Text("a")], visibility="ephemeral", thread=[Text("b")]))
    assert r.thread == [] and [_texts(m.blocks) for m in r.messages] == [["a", "b"]]


def test_a_small_reply_is_one_message_with_its_fallback_text() -> None:
    r = render(Reply("3 gateways", [Header("Status"), Text("all *good*"), Divider(), Context("as of now")]))
    (msg,) = r.messages
    assert msg.text == "3 gateways"
    assert [b["type"] for b in msg.blocks] == ["header", "section", "divider", "context"]
    assert r.files == []


def test_long_text_is_split_into_sections_of_at_most_3000_chars_and_nothing_is_lost() -> None:
    words = [f"w{i}" for i in range(3000)]
    text = " ".join(words)
    messages = _all_valid(Reply("long", [Text(text)]))
    chunks = [t for m in messages for t in _texts(m) if "continued" not in t and "More in the thread" not in t]
    assert len(chunks) > 1 and all(len(c) <= 3000 for c in chunks)
    assert " ".join(chunks).split() == words


def test_a_code_block_split_in_two_is_closed_and_reopened() -> None:
    body = "\n".join(f"10.{i}.0.0/16  VirtualNetworkGateway  10.0.0.{i % 250}" for i in range(200))
    chunks = split_mrkdwn("Routes:\n```\n" + body + "\n```", 3000)
    assert len(chunks) > 1
    for c in chunks:
        assert len(c) <= 3000
        assert c.count("```") % 2 == 0
    kept = [line for c in chunks for line in c.split("\n") if line.startswith("10.")]
    assert kept == body.split("\n")


def test_a_word_longer_than_a_section_is_cut_hard_but_kept_whole_across_sections() -> None:
    word = "x" * 7000
    chunks = split_mrkdwn(word, 3000)
    assert all(len(c) <= 3000 for c in chunks) and "".join(chunks) == word


def test_more_than_fifty_blocks_become_several_messages_marked_continued() -> None:
    reply = Reply("many", [Text(f"line {i}") for i in range(120)], visibility="ephemeral")
    messages = _all_valid(reply)
    assert len(messages) == 3
    assert messages[1][0]["type"] == "context" and "(continued 2/3)" in messages[1][0]["elements"][0]["text"]
    assert "(continued 3/3)" in messages[2][0]["elements"][0]["text"]
    shown = [t for m in messages for t in _texts(m) if t.startswith("line ")]
    assert shown == [f"line {i}" for i in range(120)]
    texts = [m.text for m in render(reply).messages]
    assert texts == ["many (1/3)", "many (continued 2/3)", "many (continued 3/3)"]


def test_a_message_never_exceeds_the_character_budget() -> None:
    reply = Reply("big", [Text("y " * 1400) for _ in range(40)])
    for blocks in _all_valid(reply):
        assert sum(len(t) for t in _texts(blocks)) <= MESSAGE_CHAR_BUDGET + 100


def test_a_header_is_not_left_alone_at_the_end_of_a_message() -> None:
    parts: list[Any] = []
    for g in range(30):
        parts += [Header(f"gateway {g}"), Text(f"details of gateway {g}")]
    for blocks in _all_valid(Reply("gateways", parts)):
        assert blocks[-1]["type"] != "header"


def test_more_than_ten_fields_go_in_several_sections() -> None:
    items = tuple((f"label {i}", f"value {i}") for i in range(23))
    (blocks,) = _all_valid(Reply("f", [Fields(items)]))
    assert [len(b["fields"]) for b in blocks] == [10, 10, 3]


def test_a_field_longer_than_2000_chars_becomes_its_own_section() -> None:
    (blocks,) = _all_valid(Reply("f", [Fields((("short", "v"), ("long", "z" * 2500)))], visibility="ephemeral"))
    assert blocks[0]["fields"][0]["text"] == "*short*\nv"
    assert sum(t.count("z") for t in _texts(blocks[1:])) == 2500


def test_a_header_longer_than_150_chars_continues_below_it() -> None:
    title = " ".join(f"vgw-{i}" for i in range(60))
    (blocks,) = _all_valid(Reply("h", [Header(title)]))
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    joined = blocks[0]["text"]["text"].rstrip(" …") + " " + _texts(blocks[1:])[0].strip("*… ")
    assert joined.split() == title.split()


def test_findings_show_severity_title_evidence_next_step_and_doc() -> None:
    f = Finding(
        "critical",
        rich(code("cn-eun-to-aue"), " sends but receives nothing"),
        evidence="↑ 48 GB out, ↓ 0 B in",
        next_step="check the reverse connection",
        doc_url="https://learn.microsoft.com/azure/vpn-gateway/x",
    )
    (blocks,) = _all_valid(
        Reply("finding", [f, Finding("ok", "DNS resolves"), Finding("warning", "w"), Finding("info", "i")])
    )
    text = _texts(blocks)
    assert text[0].startswith("🔴 *`cn-eun-to-aue` sends but receives nothing*")
    assert "↑ 48 GB out, ↓ 0 B in" in text[0] and "*Next:* check the reverse connection" in text[0]
    assert "<https://learn.microsoft.com/azure/vpn-gateway/x|Microsoft Learn>" in text[0]
    assert [t[0] for t in text[1:]] == ["✅", "🟠", "🔵"]


def test_buttons_keep_action_id_value_style_and_confirm() -> None:
    b = Button("Approve", "approval_approve", "7", "primary", confirm="Apply the change now?")
    (blocks,) = _all_valid(Reply("req", [Actions((b, Button("Reject", "approval_reject", "7", "danger")), "req-7")]))
    (actions,) = blocks
    assert actions["block_id"] == "req-7"
    approve, reject = actions["elements"]
    assert (approve["action_id"], approve["value"], approve["style"]) == ("approval_approve", "7", "primary")
    assert approve["confirm"]["text"]["text"] == "Apply the change now?"
    assert reject["style"] == "danger" and "confirm" not in reject


def test_more_than_25_buttons_are_spread_over_actions_blocks_with_distinct_ids() -> None:
    buttons = tuple(Button(f"b{i}", f"act_{i}", str(i)) for i in range(30))
    (blocks,) = _all_valid(Reply("b", [Actions(buttons, "many")]))
    assert [len(b["elements"]) for b in blocks] == [25, 5]
    assert [b["block_id"] for b in blocks] == ["many", "many-2"]


def test_a_table_renders_as_aligned_monospace_with_escaped_cells() -> None:
    t = Table(
        ("name", "prefix"), (("vgw-<eun>", "10.0.0.0/16"), ("vgw-aue", "10.1.0.0/16")), caption=strong("Gateways")
    )
    (blocks,) = _all_valid(Reply("t", [t]))
    caption, table = _texts(blocks)
    assert caption == "*Gateways*"
    lines = table.split("\n")
    assert lines[0] == "```" and lines[-1] == "```"
    assert lines[1].startswith("name") and set(lines[2]) <= {"─", " "}
    assert "vgw-&lt;eun&gt;  10.0.0.0/16" in lines[3]


def test_a_long_table_splits_by_rows_repeating_the_header() -> None:
    rows = tuple((f"10.{i}.0.0/16", "VnetLocal", "") for i in range(400))
    messages = _all_valid(Reply("routes", [Table(("prefix", "next hop type", "next hop"), rows)]))
    tables = [t for m in messages for t in _texts(m) if t.startswith("```")]
    assert len(tables) > 1
    for t in tables:
        assert len(t) <= 3000 and t.split("\n")[1].startswith("prefix")
    shown = [line.split()[0] for t in tables for line in t.split("\n")[3:-1]]
    assert shown == [r[0] for r in rows]
    assert render(Reply("routes", [Table(("prefix", "next hop type", "next hop"), rows)])).files == []


def test_a_table_too_big_for_three_messages_is_summarised_and_attached_whole() -> None:
    rows = tuple((f"10.{i // 250}.{i % 250}.0/24", "VirtualNetworkGateway", f"10.0.0.{i % 250}") for i in range(2000))
    r = render(
        Reply(
            "routes",
            [Text("Routes of vgw-x")],
            thread=[Table(("prefix", "type", "next hop"), rows, caption="Learned routes", filename="learned.txt")],
        )
    )
    assert len(r.messages) == 1 and len(r.thread) == 1
    text = json.dumps(r.thread[0].blocks)
    assert "Showing " in text and "of 2000 rows" in text and "learned.txt" in text
    (f,) = r.files
    assert f.filename == "learned.txt" and f.title == "Learned routes"
    lines = f.content.strip("\n").split("\n")
    assert len(lines) == 2 + 2000 and all(row[0] in f.content for row in rows)


def test_an_empty_table_says_so() -> None:
    (blocks,) = _all_valid(Reply("t", [Table(("a", "b"), ())]))
    assert "a  b" in _texts(blocks)[0]


def test_a_reply_without_parts_shows_its_fallback() -> None:
    (blocks,) = _all_valid(Reply("nothing to report"))
    assert _texts(blocks) == ["nothing to report"]


def test_nothing_in_a_huge_mixed_reply_is_dropped() -> None:
    parts: list[Any] = []
    for i in range(80):
        parts += [Header(f"gw {i}"), Fields(((f"conn {i}", "Connected"),)), Finding("warning", f"finding {i}")]
    messages = _all_valid(Reply("all", parts))
    blob = json.dumps(messages)
    assert all(f"finding {i}*" in blob and f"conn {i}*" in blob and f'"gw {i}"' in blob for i in range(80))
    # The first message fits a phone; the rest goes in its thread, numbered there.
    thread = render(Reply("all", parts)).thread
    markers = re.findall(r"continued (\d+)/(\d+)", json.dumps([m.blocks for m in thread]))
    assert markers and {total for _, total in markers} == {str(len(thread))}
