"""Where a `response_url` may point: Slack's hooks hosts, over https, and nowhere else.

Slack hands every slash command and interaction a `response_url` on its hooks host
(`https://hooks.slack.com/commands/…`, `…/actions/…`). GovSlack runs on its own domain,
slack-gov.com, isolated from commercial Slack ("GovSlack does not run on the slack.com
domain", https://api.slack-gov.com/gov-slack/about), so its hooks host is
`hooks.slack-gov.com`. The bot posts answers to whatever URL a job names, so a job naming
another host (a forged or tampered queue message, a payload from somewhere else) would
make it send an answer — a `/vpn status all` — to a stranger: such a URL is refused.

The sandbox's Slack emulator serves response URLs on loopback http; they are accepted only
when SLACK_API_URL points at that same loopback origin (the console, the tests).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def response_url_problem(url: str, emulator_api_url: str = "") -> str | None:
    """Why `url` may not be used as a response_url (None when it may). `emulator_api_url`
    is SLACK_API_URL: set to a loopback emulator, its origin is accepted too."""
    if not url:
        return None  # no response_url: the answer goes through the Web API
    if any(c.isspace() or ord(c) < 0x20 for c in url) or len(url) > 2048:
        return "it contains spaces or control characters, or is too long"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "it is not a URL"
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None:
        return "it carries credentials"
    if emulator_api_url:
        emu = urlsplit(emulator_api_url)
        same_origin = (parts.scheme, host, port) == (emu.scheme, (emu.hostname or "").lower(), emu.port)
        if same_origin and _loopback(host):
            return None
    if parts.scheme != "https":
        return "it is not https"
    if host not in SLACK_HOOK_HOSTS:
        return f"its host is not Slack's ({', '.join(sorted(SLACK_HOOK_HOSTS))})"
    if port not in (None, 443):
        return "it names a port other than 443"
    if not parts.path.startswith("/"):
        return "it has no path"
    return None
