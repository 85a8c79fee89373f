"""Slack's Block Kit limits, checked the way Slack refuses a message (`invalid_blocks`).

The Slack emulator runs every posted or updated message through `validate_blocks`, so a
renderer that would break one of Slack's documented limits fails in tests as it would in
Slack (Block Kit reference: each block's fields and their maximum lengths).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_VALUE = 2000
MAX_BUTTON_TEXT = 75
MAX_BLOCK_ID = 255
# Block types Slack accepts that the bot never checks further.
_OTHER_TYPES = frozenset({"divider", "image", "rich_text", "file", "input", "video", "markdown"})


def validate_blocks(blocks: list[Any]) -> list[str]:
    """Slack's Block Kit limits, as `invalid_blocks` details ([] when the blocks are fine)."""
    problems: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"too many blocks: {len(blocks)} > {MAX_BLOCKS}")
    seen_ids: set[str] = set()
    for i, b in enumerate(blocks):
        where = f"blocks[{i}]"
        if not isinstance(b, dict):
            problems.append(f"{where}: not an object")
            continue
        problems += _block_id(where, b, seen_ids)
        kind = b.get("type")
        check = _CHECKS.get(str(kind))
        if check is not None:
            problems += check(where, b)
        elif kind not in _OTHER_TYPES:
            problems.append(f"{where}: unknown block type {kind!r}")
    return problems


def _block_id(where: str, b: dict[str, Any], seen: set[str]) -> list[str]:
    bid = b.get("block_id")
    if not bid:
        return []
    out = []
    if len(str(bid)) > MAX_BLOCK_ID:
        out.append(f"{where}: block_id longer than {MAX_BLOCK_ID}")
    if bid in seen:
        out.append(f"{where}: duplicate block_id {bid!r}")
    seen.add(str(bid))
    return out


def _section(where: str, b: dict[str, Any]) -> list[str]:
    out = []
    text = (b.get("text") or {}).get("text", "") if isinstance(b.get("text"), dict) else ""
    fields = b.get("fields") or []
    if not text and not fields:
        out.append(f"{where}: section needs text or fields")
    if len(text) > MAX_SECTION_TEXT:
        out.append(f"{where}: section text {len(text)} > {MAX_SECTION_TEXT}")
    if len(fields) > MAX_FIELDS:
        out.append(f"{where}: {len(fields)} fields > {MAX_FIELDS}")
    out += [
        f"{where}.fields[{j}]: text > {MAX_FIELD_TEXT}"
        for j, f in enumerate(fields)
        if len(f.get("text", "")) > MAX_FIELD_TEXT
    ]
    return out


def _header(where: str, b: dict[str, Any]) -> list[str]:
    out = []
    text = (b.get("text") or {}).get("text", "")
    if not text or len(text) > MAX_HEADER_TEXT:
        out.append(f"{where}: header text must be 1..{MAX_HEADER_TEXT} chars")
    if (b.get("text") or {}).get("type") != "plain_text":
        out.append(f"{where}: header text must be plain_text")
    return out


def _context(where: str, b: dict[str, Any]) -> list[str]:
    out = []
    els = b.get("elements") or []
    if not els or len(els) > MAX_CONTEXT_ELEMENTS:
        out.append(f"{where}: context needs 1..{MAX_CONTEXT_ELEMENTS} elements")
    out += [
        f"{where}.elements[{j}]: text > {MAX_SECTION_TEXT}"
        for j, el in enumerate(els)
        if len(el.get("text", "")) > MAX_SECTION_TEXT
    ]
    return out


def _actions(where: str, b: dict[str, Any]) -> list[str]:
    out = []
    els = b.get("elements") or []
    if not els or len(els) > MAX_ACTIONS_ELEMENTS:
        out.append(f"{where}: actions needs 1..{MAX_ACTIONS_ELEMENTS} elements")
    ids = [el.get("action_id") for el in els if el.get("action_id")]
    if len(ids) != len(set(ids)):
        out.append(f"{where}: duplicate action_id in one block")
    for j, el in enumerate(els):
        if len(str(el.get("value", ""))) > MAX_BUTTON_VALUE:
            out.append(f"{where}.elements[{j}]: value > {MAX_BUTTON_VALUE}")
        if len((el.get("text") or {}).get("text", "")) > MAX_BUTTON_TEXT:
            out.append(f"{where}.elements[{j}]: button text > {MAX_BUTTON_TEXT}")
    return out


_CHECKS: dict[str, Callable[[str, dict[str, Any]], list[str]]] = {
    "section": _section,
    "header": _header,
    "context": _context,
    "actions": _actions,
}
