"""deploy/slack/manifest.yaml matches the code: the slash command and the shortcuts the
Bolt app registers, the URL the Functions app serves, and exactly the OAuth scopes of the
Slack Web API methods the bot calls ("only what is used")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.slack.app import SLASH_COMMAND
from commands.catalog import REGISTRY

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "deploy" / "slack" / "manifest.yaml"

# Slack Web API method (slack_sdk spelling) → the bot scope it needs (api.slack.com/methods).
METHOD_SCOPES = {
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "users_info": "users:read",
    "users_list": "users:read",
    "usergroups_list": "usergroups:read",
    "usergroups_users_list": "usergroups:read",
    "files_upload_v2": "files:write",
    "conversations_info": "channels:read",
    "conversations_join": "channels:join",
    "reactions_add": "reactions:write",
    "views_open": "commands",
}
# Scopes no method call shows: /vpn itself, and posting to public channels the bot was not
# invited to (change requests and alerts go to channels named in settings).
IMPLIED_SCOPES = {"commands", "chat:write.public"}


def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())  # type: ignore[no-any-return]


def test_the_manifest_declares_the_slash_command_the_app_listens_to() -> None:
    commands = manifest()["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [SLASH_COMMAND]
    assert len(commands[0]["usage_hint"]) <= 1000  # Slack's limit
    assert commands[0]["should_escape"] is False  # resource names arrive as typed


def test_the_usage_hint_names_every_visible_command() -> None:
    hint = manifest()["features"]["slash_commands"][0]["usage_hint"]
    named = {segment.split()[0] for segment in hint.split("·") if segment.strip()}
    visible = {c.name for c in REGISTRY.visible()}
    assert named == visible, f"usage_hint names {sorted(named)}, the registry has {sorted(visible)}"


def test_the_manifest_shortcuts_are_exactly_the_registered_ones() -> None:
    shortcuts = manifest()["features"].get("shortcuts", [])
    assert {s["callback_id"]: s["name"] for s in shortcuts} == {s.callback_id: s.title for s in REGISTRY.shortcuts}
    for s in shortcuts:
        assert s["type"] == "message"
        assert len(s["description"]) <= 150  # Slack's limit


def test_commands_and_interactivity_go_to_the_functions_slack_route() -> None:
    m = manifest()
    urls = [c["url"] for c in m["features"]["slash_commands"]] + [m["settings"]["interactivity"]["request_url"]]
    assert m["settings"]["interactivity"]["is_enabled"] is True
    functions = (ROOT / "bot" / "functions.py").read_text()
    route = re.search(r'@bp\.route\(route="([^"]+)"', functions)
    assert route and route.group(1) == "slack/events"
    for url in urls:
        assert url.startswith("https://") and url.endswith("/api/slack/events"), url


def _methods_called() -> set[str]:
    called: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        called |= set(re.findall(r"\.(\w+)\(", path.read_text())) & set(METHOD_SCOPES)
    return called


def test_bot_scopes_are_exactly_those_the_code_uses() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    needed = {METHOD_SCOPES[m] for m in _methods_called()} | IMPLIED_SCOPES
    assert scopes == needed, f"missing {sorted(needed - scopes)}, unused {sorted(scopes - needed)}"


def test_the_manifest_keeps_socket_mode_and_token_rotation_off() -> None:
    settings = manifest()["settings"]
    # HTTP delivery to the Function App; rotation would need a refresh flow the bot lacks.
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False
