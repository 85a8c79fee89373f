"""Forged Slack requests: everything an attacker who lacks the signing secret can send.

Slack signs each request: `X-Slack-Signature: v0=HMAC_SHA256(secret, "v0:" + ts + ":" + body)`
with `X-Slack-Request-Timestamp: ts`, and a receiver must refuse a timestamp more than five
minutes from its clock ("Verifying requests from Slack"). `forgeries(slack, n, seed)`
starts from genuine requests (a slash command, a button click, a message shortcut, signed
by the Slack emulator with the app's real secret) and spoils them in every way but one —
an exact copy within five minutes, which is authentic by Slack's definition and is handled
as a duplicate delivery (tests/reliability/bot/runtime/test_duplicates.py), not as a forgery:

* bad_signature    random, truncated, wrong scheme, wrong secret, another body's, case-changed
* stale_timestamp  correctly signed, but 5 min + 1 s … a year old
* future_timestamp correctly signed, but 5 min + 1 s … a year ahead
* bad_timestamp    not a number, empty, negative, fractional
* altered_body     a genuine request's headers with its body changed (text, user, value,
                   an extra field, one byte, whitespace, re-encoded)
* missing_headers  no signature, no timestamp, neither
* wrong_content    JSON / multipart / text bodies (unsigned or signed with another secret)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sandbox.slack_emulator import Message, SlackEmulator

CATEGORIES = (
    "bad_signature",
    "stale_timestamp",
    "future_timestamp",
    "bad_timestamp",
    "altered_body",
    "missing_headers",
    "wrong_content",
)
FIVE_MINUTES = 5 * 60


@dataclass(frozen=True)
class Forged:
    category: str
    how: str
    body: bytes
    headers: dict[str, str]


def sign(secret: str, body: bytes, ts: str) -> str:
    base = b"v0:" + ts.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def genuine(slack: SlackEmulator, rng: random.Random) -> tuple[bytes, dict[str, str]]:
    """A correctly signed request of a random kind (slash command, click, shortcut)."""
    kind = rng.choice(("command", "click", "shortcut"))
    user = rng.choice(("U_ALICE", "U_BOB", "U_CAROL"))
    if kind == "command":
        text = rng.choice(("status australia", "peering vnet-eun/peer-eun-to-aue gateway-transit off", "help", ""))
        body, headers, _ = slack.command_request(text, user)
        return body, headers
    msg = Message(
        "C_VPNOPS",
        f"{int(time.time())}.{rng.randrange(10**6):06d}",
        text="Peering change #1",
        blocks=[
            {
                "type": "actions",
                "block_id": "approval_1",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approval_approve",
                        "value": "1",
                        "text": {"type": "plain_text", "text": "Approve"},
                    }
                ],
            }
        ],
    )
    if kind == "click":
        return slack.click_request(msg, "approval_approve", user, "1")
    return slack.shortcut_request(msg, "check_vpn_client_log", user)


def _alter(body: bytes, rng: random.Random) -> tuple[str, bytes]:
    form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
    flat = {k: v[0] for k, v in form.items()}
    choice = rng.randrange(7)
    if choice == 0 and "text" in flat:
        flat["text"] = "peering vnet-eun/peer-eun-to-aue use-remote-gateways on"
        return "changed the command text", urllib.parse.urlencode(flat).encode()
    if choice == 1 and "user_id" in flat:
        flat["user_id"] = "U_BOB" if flat["user_id"] != "U_BOB" else "U_CAROL"
        return "changed the user", urllib.parse.urlencode(flat).encode()
    if choice == 2 and "payload" in flat:
        payload = json.loads(flat["payload"])
        payload["user"]["id"] = "U_CAROL" if payload["user"]["id"] != "U_CAROL" else "U_BOB"
        if payload.get("actions"):
            payload["actions"][0]["value"] = str(rng.randrange(2, 99))
        flat["payload"] = json.dumps(payload)
        return "changed the clicker / button value", urllib.parse.urlencode(flat).encode()
    if choice == 3:
        flat["extra"] = "1"
        return "added a field", urllib.parse.urlencode(flat).encode()
    if choice == 4 and body:
        i = rng.randrange(len(body))
        b = bytearray(body)
        b[i] = (b[i] + 1) % 128 or 65
        return "changed one byte", bytes(b)
    if choice == 5:
        return "added a trailing newline", body + b"\n"
    return "re-encoded (spaces as %20)", body.replace(b"+", b"%20") + (b"" if b"+" in body else b"&")


# One forgery of a category: (how, body, headers) from a genuine request and its headers.
_Forge = Callable[["_Ctx", bytes, dict[str, Any]], tuple[str, bytes, dict[str, Any]]]


@dataclass
class _Ctx:
    slack: SlackEmulator
    rng: random.Random
    secret: str
    other_secret: str


def _bad_signature(c: _Ctx, body: bytes, h: dict[str, Any]) -> tuple[str, bytes, dict[str, Any]]:
    j = c.rng.randrange(7)
    ts, good = h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"]
    if j == 0:
        h["X-Slack-Signature"], how = "v0=" + secrets.token_hex(32), "random signature"
    elif j == 1:
        h["X-Slack-Signature"], how = sign(c.other_secret, body, ts), "signed with another secret"
    elif j == 2:
        h["X-Slack-Signature"], how = good[: c.rng.randrange(3, len(good) - 1)], "truncated signature"
    elif j == 3:
        h["X-Slack-Signature"], how = "v1=" + good[3:], "wrong signature version"
    elif j == 4:
        h["X-Slack-Signature"], how = good.upper(), "upper-cased signature"
    elif j == 5:
        other, _ = genuine(c.slack, c.rng)
        h["X-Slack-Signature"], how = sign(c.secret, other, ts), "a genuine signature of another body"
    else:
        h["X-Slack-Signature"], how = "", "empty signature"
    return how, body, h


def _skewed(future: bool) -> _Forge:
    def forge(c: _Ctx, body: bytes, h: dict[str, Any]) -> tuple[str, bytes, dict[str, Any]]:
        skew = c.rng.choice((FIVE_MINUTES + 1, FIVE_MINUTES + 30, 3600, 86400, 365 * 86400))
        t = str(int(time.time()) + (skew if future else -skew))
        h["X-Slack-Request-Timestamp"] = t
        h["X-Slack-Signature"] = sign(c.secret, body, t)  # the signature itself is right
        return f"{'+' if future else '-'}{skew}s, correctly signed", body, h

    return forge


def _bad_timestamp(c: _Ctx, body: bytes, h: dict[str, Any]) -> tuple[str, bytes, dict[str, Any]]:
    ts = h["X-Slack-Request-Timestamp"]
    t = c.rng.choice(("", "abc", "-1", f"{time.time():.3f}", "1e9", "0x" + format(int(ts), "x"), "١٧"))
    h["X-Slack-Request-Timestamp"] = t
    h["X-Slack-Signature"] = sign(c.secret, body, t)
    return f"timestamp {t!r}", body, h


def _altered_body(c: _Ctx, body: bytes, h: dict[str, Any]) -> tuple[str, bytes, dict[str, Any]]:
    how, body = _alter(body, c.rng)
    return how, body, h


def _missing_headers(c: _Ctx, body: bytes, h: dict[str, Any]) -> tuple[str, bytes, dict[str, Any]]:
    j = c.rng.randrange(3)
    if j in (0, 2):
        h.pop("X-Slack-Signature")
    if j in (1, 2):
        h.pop("X-Slack-Request-Timestamp")
    return ("no signature", "no timestamp", "neither header")[j], body, h


def _wrong_content(c: _Ctx, body: bytes, h: dict[str, Any]) -> tuple[str, bytes, dict[str, Any]]:
    ts = h["X-Slack-Request-Timestamp"]
    j = c.rng.randrange(4)
    if j == 0:
        body = json.dumps({"command": "/vpn", "text": "status", "user_id": "U_ALICE"}).encode()
        h = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts}
        h["X-Slack-Signature"] = sign(c.other_secret, body, ts)
        return "JSON body signed with another secret", body, h
    if j == 1:
        body = b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nstatus\r\n--b--\r\n'
        h = {"Content-Type": "multipart/form-data; boundary=b", "X-Slack-Request-Timestamp": ts}
        return "multipart body without a signature", body, h
    if j == 2:
        h = {"Content-Type": "text/plain", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=00"}
        return "text body, bad signature", b"/vpn status all", h
    h["Content-Type"] = "application/json"
    h["X-Slack-Signature"] = sign(c.other_secret, body, ts)
    return "form body labelled JSON, signed with another secret", body, h


_FORGE: dict[str, _Forge] = {  # "wrong_content" is the default below
    "bad_signature": _bad_signature,
    "stale_timestamp": _skewed(future=False),
    "future_timestamp": _skewed(future=True),
    "bad_timestamp": _bad_timestamp,
    "altered_body": _altered_body,
    "missing_headers": _missing_headers,
}


def forgeries(slack: SlackEmulator, n: int, seed: int = 0) -> Iterator[Forged]:
    """`n` forged requests, cycling through CATEGORIES; repeatable for a seed."""
    c = _Ctx(slack, random.Random(seed), slack.signing_secret, secrets.token_hex(16))
    for i in range(n):
        category = CATEGORIES[i % len(CATEGORIES)]
        body, headers = genuine(slack, c.rng)
        how, body, h = _FORGE.get(category, _wrong_content)(c, body, dict(headers))
        yield Forged(category, how, body, h)
