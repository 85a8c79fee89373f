"""A Slack Web API emulator: a threaded HTTP server on an ephemeral loopback port.
(Over 500 lines because it is one fake service behind one lock: its state, the Web API
methods the bot calls and the signed requests Slack sends share that state; Block Kit
validation lives apart in slack_blocks.py.)

The real `slack_sdk.WebClient(base_url=emulator.api_url)` and the real
`slack_sdk.webhook.WebhookClient(response_url)` talk to it over HTTP, exactly as they talk
to slack.com, so the bot's Slack side runs unchanged. It also plays Slack's part towards
the bot: it builds slash-command and block_actions requests signed with the app's signing
secret (`command_request`, `click_request`), and shows the bot's ack as the command's
first message (`deliver_ack`), as the Slack client does.

What it implements, with Slack's documented behaviour:

* Web API methods `auth.test`, `chat.postMessage`, `chat.update`, `chat.delete`,
  `chat.postEphemeral`, `chat.getPermalink`, `users.info`, `usergroups.list`,
  `usergroups.users.list`, and the
  file upload path slack_sdk's `files_upload_v2` takes (`files.getUploadURLExternal`, a POST
  of the bytes to the returned upload URL, `files.completeUploadExternal`).
* Every method checks `Authorization: Bearer <token>`: none → `not_authed`, wrong →
  `invalid_auth` (HTTP 200 with `ok: false`, as Slack answers).
* Messages are validated against Block Kit's limits (≤ 50 blocks, section text ≤ 3000,
  ≤ 10 fields of ≤ 2000, header ≤ 150 …) and refused with `invalid_blocks`, so a renderer
  that overflows fails here instead of in a real workspace.
* `response_url`s (`{root}/response/<id>`): `replace_original`, `delete_original`,
  `response_type` ("ephemeral" | "in_channel"); at most 5 uses within 30 minutes, after
  which the URL answers 404 `used_url` / `expired_url`. An ephemeral message stays
  ephemeral when replaced (Slack cannot turn one into a channel message).
* Rate limits on demand: `rate_limit(method, times, retry_after)` makes the next `times`
  calls of a method (or of any response_url: "response_url") answer HTTP 429 with
  `Retry-After`, as Slack does ("Rate limits": `ok: false, error: ratelimited`).
* Everything is recorded: `.calls` (every API call with its arguments), `.messages(...)`
  (the channel as a client would see it, with threads via `thread_ts`), `.events` (each
  post / update / delete / file, in order), and `on_event` callbacks for the console.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sandbox.slack_blocks import validate_blocks

RESPONSE_URL_MAX_USES = 5  # Slack: "up to 5 times within 30 minutes"
RESPONSE_URL_TTL_S = 30 * 60
MAX_MESSAGE_TEXT = 40000

DEFAULT_USERS: dict[str, tuple[str, str]] = {
    "U_ALICE": ("alice", "Alice Andersen"),
    "U_BOB": ("bob", "Bob Brennan"),
    "U_CAROL": ("carol", "Carol Chen"),
    "U_DAVE": ("dave", "Dave Dlamini"),
}
DEFAULT_CHANNELS: dict[str, str] = {"C_VPNOPS": "vpn-ops", "C_ALERTS": "vpn-alerts"}
BOT_USER = "U_VPNOPS"
BOT_ID = "B_VPNOPS"
TEAM_ID = "T_SANDBOX"
TEAM_DOMAIN = "sandbox"
APP_ID = "A_VPNOPS"


@dataclass
class Message:
    """A message as the channel holds it. `ephemeral_to` is the only user who sees it."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    user: str = BOT_USER
    ephemeral_to: str | None = None
    via: str = ""  # the API method or "response_url" / "ack"
    deleted: bool = False
    edits: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.channel}:{self.ts}"

    def buttons(self) -> list[dict[str, Any]]:
        """Every button element, each with the block_id of its actions block."""
        out: list[dict[str, Any]] = []
        for block in self.blocks:
            if block.get("type") == "actions":
                for el in block.get("elements", []):
                    if el.get("type") == "button":
                        out.append({**el, "block_id": block.get("block_id", "")})
            elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
                acc = block["accessory"]
                if acc.get("type") == "button":
                    out.append({**acc, "block_id": block.get("block_id", "")})
        return out

    def snapshot(self) -> Message:
        return copy.deepcopy(self)


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class Event:
    """Something a person in the channel would notice, in the order it happened."""

    seq: int
    kind: str  # "post" | "update" | "delete" | "file"
    message: Message
    file: dict[str, Any] | None = None


@dataclass
class _ResponseUrl:
    id: str
    channel: str
    user: str
    created: float
    original: str | None  # ts of the message the interaction came from (or the ack)
    uses: int = 0


@dataclass
class _File:
    id: str
    filename: str
    length: int
    title: str = ""
    content: bytes = b""
    uploaded: bool = False
    alt_txt: str = ""  # what an image shows, in words (files.getUploadURLExternal's alt_txt)

    def text(self) -> str:
        """The content as text; "" for a binary file (an image)."""
        try:
            return self.content.decode("utf-8")
        except UnicodeDecodeError:
            return ""

    def describe(self) -> dict[str, Any]:
        """What `files()` and the "file" event say about it: text files with their content,
        binary ones (a PNG chart) with their bytes, size and kind."""
        out: dict[str, Any] = {"id": self.id, "filename": self.filename, "title": self.title, "size": len(self.content)}
        text = self.text()
        out["content"] = text
        if self.content and not text:
            out["bytes"] = self.content
            out["filetype"] = "png" if self.content.startswith(b"\x89PNG\r\n\x1a\n") else "binary"
            out["alt_txt"] = self.alt_txt
        return out


class SlackApiRefusal(Exception):
    def __init__(self, error: str, detail: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail or []


class SlackEmulator:
    """The Slack Web API, a response_url endpoint, and Slack's side of interactions.

    >>> with SlackEmulator(token="xoxb-test") as slack:
    ...     WebClient(token="xoxb-test", base_url=slack.api_url).chat_postMessage(channel="C1", text="hi")
    """

    def __init__(
        self,
        token: str = "xoxb-sandbox-token",
        signing_secret: str = "",
        users: dict[str, tuple[str, str]] | None = None,
        groups: dict[str, Iterable[str]] | None = None,
        channels: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.signing_secret = signing_secret or secrets.token_hex(16)
        self.clock = clock
        self.users: dict[str, tuple[str, str]] = dict(DEFAULT_USERS if users is None else users)
        self.channels: dict[str, str] = dict(DEFAULT_CHANNELS if channels is None else channels)
        self.usergroups: dict[str, dict[str, Any]] = {}
        # Private channels the bot is not a member of: Slack answers chat.postMessage there
        # with `not_in_channel` (chat:write.public covers public channels only), while the
        # response_url of a slash command typed there still works.
        self.private_without_bot: set[str] = set()
        for handle, members in (groups or {}).items():
            self.add_usergroup(handle, members)
        self._lock = threading.RLock()
        self._calls: list[Call] = []
        self._messages: list[Message] = []
        self._events: list[Event] = []
        self._listeners: list[Callable[[Event], None]] = []
        self._responses: dict[str, _ResponseUrl] = {}
        self._files: dict[str, _File] = {}
        self._limits: dict[str, list[int]] = {}  # method -> [calls left to refuse, retry_after]
        self.rate_limited = 0  # 429s answered so far
        self._last_micros = 0
        self._seq = itertools.count(1)
        self._triggers = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.root = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        """Serve on an ephemeral loopback port; returns the Web API base URL (`api_url`)."""
        emulator = self

        class Handler(_Handler):
            emu = emulator

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.root = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-emulator", daemon=True
        )
        self._thread.start()
        return self.api_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackEmulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        """Base URL for `WebClient(base_url=…)` (slack_sdk appends the method name)."""
        return f"{self.root}/api/"

    # ------------------------------------------------------------------ configuration
    def add_user(self, user_id: str, name: str, real_name: str = "") -> None:
        with self._lock:
            self.users[user_id] = (name, real_name or name)

    def add_usergroup(self, handle: str, members: Iterable[str], group_id: str = "") -> str:
        """A user group (`@handle`); returns its id ("S…")."""
        gid = group_id or "S_" + handle.upper().replace("-", "_")
        self.usergroups[gid] = {"id": gid, "handle": handle, "name": handle, "users": list(members)}
        return gid

    def rate_limit(self, method: str, times: int, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` ("chat.postMessage", …, or
        "response_url") with HTTP 429 and `Retry-After: retry_after`."""
        with self._lock:
            self._limits[method] = [times, retry_after]

    def take_limit(self, method: str, args: dict[str, Any] | None = None) -> int | None:
        """The Retry-After to answer this call with, None when it is not limited."""
        with self._lock:
            limit = self._limits.get(method)
            if not limit or limit[0] <= 0:
                return None
            limit[0] -= 1
            self.rate_limited += 1
            self._calls.append(
                Call(method, {k: v for k, v in (args or {}).items() if k != "token"}, False, "ratelimited")
            )
            return limit[1]

    def on_event(self, callback: Callable[[Event], None]) -> None:
        """Call `callback(event)` for every post/update/delete/file, in order (under a lock,
        so the console prints them in the order they happened)."""
        with self._lock:
            self._listeners.append(callback)

    # ------------------------------------------------------------------ records
    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def messages(
        self,
        channel: str | None = None,
        thread_ts: str | None = None,
        include_ephemeral: bool = True,
        include_deleted: bool = False,
    ) -> list[Message]:
        """Messages (snapshots) in posting order; `thread_ts` = that thread's replies only."""
        with self._lock:
            out = []
            for m in self._messages:
                if channel is not None and m.channel != channel:
                    continue
                if thread_ts is not None and m.thread_ts != thread_ts:
                    continue
                if m.ephemeral_to and not include_ephemeral:
                    continue
                if m.deleted and not include_deleted:
                    continue
                out.append(m.snapshot())
            return out

    def message(self, ref: str) -> Message | None:
        channel, _, ts = ref.partition(":")
        with self._lock:
            m = self._find(channel, ts)
            return m.snapshot() if m else None

    def thread(self, ref: str) -> list[Message]:
        """The replies in the thread of the message `ref` ("CHANNEL:TS")."""
        channel, _, ts = ref.partition(":")
        return self.messages(channel=channel, thread_ts=ts)

    def files(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._files.values() if f.uploaded]

    def find_button(self, action_id: str, value: str | None = None, user: str | None = None) -> Message | None:
        """The latest message (visible to `user`) carrying a button `action_id` (with `value`)."""
        with self._lock:
            for m in reversed(self._messages):
                if m.deleted or (m.ephemeral_to and user is not None and m.ephemeral_to != user):
                    continue
                for b in m.buttons():
                    if b.get("action_id") == action_id and (value is None or b.get("value") == value):
                        return m.snapshot()
        return None

    def user_name(self, user_id: str) -> str:
        return self.users.get(user_id, (user_id, user_id))[0]

    def channel_name(self, channel_id: str) -> str:
        return self.channels.get(channel_id, channel_id)

    # ------------------------------------------------------------------ Slack's side of interactions
    def new_response_url(self, channel: str, user: str, original_ts: str | None = None) -> str:
        rid = secrets.token_urlsafe(12)
        with self._lock:
            self._responses[rid] = _ResponseUrl(rid, channel, user, self.clock(), original_ts)
        return f"{self.root}/response/{rid}"

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Headers Slack sends with a request: `v0=HMAC_SHA256(secret, "v0:ts:body")`."""
        ts = str(int(self.clock()) if timestamp is None else timestamp)
        base = b"v0:" + ts.encode() + b":" + body
        sig = "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}

    def command_request(
        self, text: str, user: str, channel: str = "C_VPNOPS", command: str = "/vpn"
    ) -> tuple[bytes, dict[str, str], str]:
        """A signed slash-command request as Slack POSTs it; returns (body, headers, response_url)."""
        response_url = self.new_response_url(channel, user)
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel,
            "channel_name": self.channel_name(channel),
            "user_id": user,
            "user_name": self.user_name(user),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{next(self._triggers)}.{secrets.randbelow(10**9)}.{secrets.token_hex(8)}",
        }
        body = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **self.sign(body)}
        return body, headers, response_url

    def click_request(
        self, message: Message, action_id: str, user: str, value: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A signed block_actions request for clicking a button of `message` as `user`
        (the shape Slack sends: `payload=<url-encoded JSON>`)."""
        button = next(
            (
                b
                for b in message.buttons()
                if b.get("action_id") == action_id and (value is None or b.get("value") == value)
            ),
            None,
        )
        if button is None:
            raise LookupError(f"message {message.ref} has no button {action_id!r} with value {value!r}")
        response_url = self.new_response_url(message.channel, user, original_ts=message.ts)
        now = self.clock()
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": self.user_name(user), "name": self.user_name(user), "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": bool(message.ephemeral_to),
                **({"thread_ts": message.thread_ts} if message.thread_ts else {}),
            },
            "trigger_id": f"{next(self._triggers)}.{secrets.randbelow(10**9)}.{secrets.token_hex(8)}",
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": message.channel, "name": self.channel_name(message.channel)},
            "message": {
                "type": "message",
                "user": message.user,
                "ts": message.ts,
                "text": message.text,
                "blocks": message.blocks,
                # The workspace of whoever posted it (Slack's message objects carry it):
                # in a Slack Connect channel, the installation's, not the clicker's.
                "team": TEAM_ID,
                **({"bot_id": BOT_ID, "app_id": APP_ID} if message.user == BOT_USER else {}),
                **({"thread_ts": message.thread_ts} if message.thread_ts else {}),
            },
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": button.get("block_id", ""),
                    "text": button.get("text", {"type": "plain_text", "text": ""}),
                    "value": button.get("value", ""),
                    "type": "button",
                    "action_ts": f"{now:.6f}",
                }
            ],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **self.sign(body)}
        return body, headers

    def shortcut_request(self, message: Message, callback_id: str, user: str) -> tuple[bytes, dict[str, str]]:
        """A signed message-shortcut (`message_action`) request on `message` as `user`."""
        response_url = self.new_response_url(message.channel, user)
        payload = {
            "type": "message_action",
            "token": "legacy-verification-token",
            "action_ts": f"{self.clock():.6f}",
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "user": {"id": user, "name": self.user_name(user), "username": self.user_name(user), "team_id": TEAM_ID},
            "channel": {"id": message.channel, "name": self.channel_name(message.channel)},
            "is_enterprise_install": False,
            "callback_id": callback_id,
            "trigger_id": f"{next(self._triggers)}.{secrets.token_hex(8)}",
            "response_url": response_url,
            "message_ts": message.ts,
            "message": {"type": "message", "user": message.user, "ts": message.ts, "text": message.text},
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **self.sign(body)}
        return body, headers

    def post_user_message(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> Message:
        """A message typed by a person (e.g. a pasted VPN client log, for message shortcuts)."""
        with self._lock:
            m = Message(channel, self._next_ts(), text=text, thread_ts=thread_ts, user=user, via="user")
            self._messages.append(m)
            self._emit("post", m)
            return m.snapshot()

    def deliver_ack(self, response_url: str, ack_body: bytes | str) -> Message | None:
        """Show the bot's HTTP ack of a slash command the way Slack does: its body (text /
        blocks, `response_type`) becomes the command's first message, which the command's
        response_url may then replace. An empty ack shows nothing."""
        raw = ack_body.decode() if isinstance(ack_body, bytes) else ack_body
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"text": raw}
        if not isinstance(data, dict) or not (data.get("text") or data.get("blocks")):
            return None
        rid = response_url.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            r = self._responses.get(rid)
            if r is None:
                return None
            ephemeral = data.get("response_type", "ephemeral") != "in_channel"
            m = Message(
                r.channel,
                self._next_ts(),
                text=str(data.get("text", "")),
                blocks=list(data.get("blocks") or []),
                ephemeral_to=r.user if ephemeral else None,
                via="ack",
            )
            self._messages.append(m)
            r.original = m.ts
            self._emit("post", m)
            return m.snapshot()

    # ------------------------------------------------------------------ internals
    def _next_ts(self) -> str:
        # Slack ts: seconds.microseconds, unique per channel and increasing. Taken from the
        # clock's microseconds, not a counter from 1: a console run with --state threads
        # replies under messages of an earlier run, whose ts a restarted counter would
        # repeat when both runs start within the same second.
        with self._lock:
            micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
            self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _find(self, channel: str, ts: str) -> Message | None:
        for m in self._messages:
            if m.channel == channel and m.ts == ts:
                return m
        return None

    def _emit(self, kind: str, m: Message, file: dict[str, Any] | None = None) -> None:
        ev = Event(next(self._seq), kind, m.snapshot(), file)
        self._events.append(ev)
        for cb in list(self._listeners):
            try:
                cb(ev)
            except Exception:  # noqa: BLE001 - a broken printer must not break the API
                pass

    def _record(self, method: str, args: dict[str, Any], ok: bool, error: str = "") -> None:
        safe = {k: v for k, v in args.items() if k != "token"}
        with self._lock:
            self._calls.append(Call(method, safe, ok, error))

    # -- Web API ------------------------------------------------------------------------
    def api(self, method: str, args: dict[str, Any], auth: str) -> dict[str, Any]:
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else str(args.get("token", ""))
        if not token:
            self._record(method, args, False, "not_authed")
            return {"ok": False, "error": "not_authed"}
        if not hmac.compare_digest(token, self.token):
            self._record(method, args, False, "invalid_auth")
            return {"ok": False, "error": "invalid_auth"}
        handler = _METHODS.get(method)
        if handler is None:
            self._record(method, args, False, "unknown_method")
            return {"ok": False, "error": "unknown_method"}
        try:
            with self._lock:
                result = handler(self, args)
        except SlackApiRefusal as exc:
            self._record(method, args, False, exc.error)
            out: dict[str, Any] = {"ok": False, "error": exc.error}
            if exc.detail:
                out["errors"] = exc.detail
            return out
        self._record(method, args, True)
        return {"ok": True, **result}

    def _auth_test(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Sandbox",
            "user": "vpnops",
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _content(self, args: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        text = str(args.get("text") or "")
        blocks = args.get("blocks") or []
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except ValueError:
                raise SlackApiRefusal("invalid_blocks_format") from None
        if not isinstance(blocks, list):
            raise SlackApiRefusal("invalid_blocks_format")
        if not text and not blocks:
            raise SlackApiRefusal("no_text")
        if len(text) > MAX_MESSAGE_TEXT:
            raise SlackApiRefusal("msg_too_long")
        problems = validate_blocks(blocks)
        if problems:
            raise SlackApiRefusal("invalid_blocks", problems)
        return text, blocks

    def _thread_of(self, channel: str, thread_ts: Any) -> str | None:
        if not thread_ts:
            return None
        parent = self._find(channel, str(thread_ts))
        # A reply to a reply lands in the parent's thread, as in Slack.
        if parent is not None and parent.thread_ts:
            return parent.thread_ts
        return str(thread_ts)

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            raise SlackApiRefusal("channel_not_found")
        if channel in self.private_without_bot:
            raise SlackApiRefusal("not_in_channel")
        text, blocks = self._content(args)
        m = Message(
            channel,
            self._next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=self._thread_of(channel, args.get("thread_ts")),
            via="chat.postMessage",
        )
        self._messages.append(m)
        self._emit("post", m)
        return {"channel": channel, "ts": m.ts, "message": {"text": text, "blocks": blocks, "ts": m.ts}}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, user = str(args.get("channel") or ""), str(args.get("user") or "")
        if not channel:
            raise SlackApiRefusal("channel_not_found")
        if user not in self.users:
            raise SlackApiRefusal("user_not_found")
        text, blocks = self._content(args)
        m = Message(
            channel,
            self._next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=self._thread_of(channel, args.get("thread_ts")),
            ephemeral_to=user,
            via="chat.postEphemeral",
        )
        self._messages.append(m)
        self._emit("post", m)
        return {"message_ts": m.ts}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        m = self._find(channel, ts)
        if m is None or m.deleted:
            raise SlackApiRefusal("message_not_found")
        if m.ephemeral_to or m.user != BOT_USER:
            raise SlackApiRefusal("cant_update_message")
        text, blocks = self._content(args)
        m.text, m.blocks, m.edits = text, blocks, m.edits + 1
        self._emit("update", m)
        return {"channel": channel, "ts": ts, "text": text}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        m = self._find(channel, ts)
        if m is None or m.deleted:
            raise SlackApiRefusal("message_not_found")
        if m.user != BOT_USER:
            raise SlackApiRefusal("cant_delete_message")
        m.deleted = True
        self._emit("delete", m)
        return {"channel": channel, "ts": ts}

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        """Slack's documented answer (https://api.slack.com/methods/chat.getPermalink):
        `{"ok": true, "channel": …, "permalink": "https://<team>.slack.com/archives/<channel>/p<ts
        without its dot>"}`, with `?thread_ts=<parent ts>&cid=<channel>` when the message is a
        reply in a thread; `channel_not_found` without a channel, `message_not_found` for a ts
        the channel does not hold (a deleted message, or an ephemeral one, which has no
        permalink). The emulator keeps no list of channels, so any channel id is one."""
        channel, ts = str(args.get("channel") or ""), str(args.get("message_ts") or "")
        if not channel:
            raise SlackApiRefusal("channel_not_found")
        m = self._find(channel, ts)
        if m is None or m.deleted or m.ephemeral_to:
            raise SlackApiRefusal("message_not_found")
        url = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        if m.thread_ts and m.thread_ts != m.ts:
            url += f"?thread_ts={m.thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": url}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        uid = str(args.get("user") or "")
        if uid not in self.users:
            raise SlackApiRefusal("user_not_found")
        name, real = self.users[uid]
        return {
            "user": {
                "id": uid,
                "team_id": TEAM_ID,
                "name": name,
                "real_name": real,
                "deleted": False,
                "is_bot": False,
                "tz": "Europe/Dublin",
                "profile": {"real_name": real, "display_name": name},
            }
        }

    def _usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        include = str(args.get("include_users", "")).lower() in ("1", "true")
        groups = []
        for g in self.usergroups.values():
            item = {"id": g["id"], "team_id": TEAM_ID, "handle": g["handle"], "name": g["name"]}
            if include:
                item["users"] = list(g["users"])
            groups.append(item)
        return {"usergroups": groups}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        gid = str(args.get("usergroup") or "")
        if gid not in self.usergroups:
            raise SlackApiRefusal("no_such_subteam")
        return {"users": list(self.usergroups[gid]["users"])}

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "")
        try:
            length = int(args.get("length") or 0)
        except (TypeError, ValueError):
            raise SlackApiRefusal("invalid_arguments") from None
        if not filename or length <= 0:
            raise SlackApiRefusal("invalid_arguments")
        # In order, as Slack's ids look (F + 10 characters): a transcript that uploads a file
        # reads the same on every run.
        fid = f"F{len(self._files) + 1:010X}"
        self._files[fid] = _File(fid, filename, length, alt_txt=str(args.get("alt_txt") or ""))
        return {"upload_url": f"{self.root}/upload/{fid}", "file_id": fid}

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        try:
            items = json.loads(args.get("files") or "[]")
        except ValueError:
            raise SlackApiRefusal("invalid_arguments") from None
        done = []
        for it in items:
            f = self._files.get(str(it.get("id")))
            if f is None or not f.uploaded:
                raise SlackApiRefusal("file_not_found")
            f.title = str(it.get("title") or f.filename)
            done.append({"id": f.id, "name": f.filename, "title": f.title, "size": len(f.content)})
        channel = str(args.get("channel_id") or "")
        if channel:
            # Sharing a file into a channel posts a message carrying it.
            m = Message(
                channel,
                self._next_ts(),
                text=str(args.get("initial_comment") or ""),
                thread_ts=self._thread_of(channel, args.get("thread_ts")),
                via="files.completeUploadExternal",
                files=done,
            )
            self._messages.append(m)
            for d in done:
                self._emit("file", m, {**d, **self._files[str(d["id"])].describe()})
        return {"files": done}

    def _upload(self, fid: str, data: bytes) -> tuple[int, str]:
        with self._lock:
            f = self._files.get(fid)
            if f is None:
                return 404, "file_not_found"
            f.content, f.uploaded = data, True
        return 200, f"OK - {len(data)}"

    # -- response_url ---------------------------------------------------------------------
    def respond(self, rid: str, body: dict[str, Any]) -> tuple[int, str]:
        with self._lock:
            r = self._responses.get(rid)
            if r is None:
                self._record("response_url", body, False, "invalid_url")
                return 404, "invalid_url"
            if self.clock() - r.created > RESPONSE_URL_TTL_S:
                self._record("response_url", body, False, "expired_url")
                return 404, "expired_url"
            if r.uses >= RESPONSE_URL_MAX_USES:
                self._record("response_url", body, False, "used_url")
                return 404, "used_url"
            original = self._find(r.channel, r.original) if r.original else None
            if body.get("delete_original"):
                r.uses += 1
                if original is not None and not original.deleted:
                    original.deleted = True
                    self._emit("delete", original)
                self._record("response_url", body, True)
                return 200, "ok"
            try:
                text, blocks = self._content(body)
            except SlackApiRefusal as exc:
                self._record("response_url", body, False, exc.error)
                return 400, exc.error
            r.uses += 1
            self._record("response_url", body, True)
            if body.get("replace_original") and original is not None and not original.deleted:
                original.text, original.blocks, original.edits = text, blocks, original.edits + 1
                self._emit("update", original)
                return 200, "ok"
            ephemeral = body.get("response_type", "ephemeral") != "in_channel"
            m = Message(
                r.channel,
                self._next_ts(),
                text=text,
                blocks=blocks,
                thread_ts=self._thread_of(r.channel, body.get("thread_ts")),
                ephemeral_to=r.user if ephemeral else None,
                via="response_url",
            )
            self._messages.append(m)
            self._emit("post", m)
            return 200, "ok"


_METHODS: dict[str, Callable[[SlackEmulator, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": SlackEmulator._auth_test,
    "chat.postMessage": SlackEmulator._chat_post_message,
    "chat.postEphemeral": SlackEmulator._chat_post_ephemeral,
    "chat.update": SlackEmulator._chat_update,
    "chat.delete": SlackEmulator._chat_delete,
    "chat.getPermalink": SlackEmulator._chat_get_permalink,
    "users.info": SlackEmulator._users_info,
    "usergroups.list": SlackEmulator._usergroups_list,
    "usergroups.users.list": SlackEmulator._usergroups_users_list,
    "files.getUploadURLExternal": SlackEmulator._files_get_upload_url,
    "files.completeUploadExternal": SlackEmulator._files_complete_upload,
}


class _Handler(BaseHTTPRequestHandler):
    emu: SlackEmulator
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: the request log is `.calls`, and stderr belongs to the bot's JSON logs.
        return

    def _read(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _limited(self, retry_after: int) -> None:
        body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
        self.send_response(429)
        self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: dict[str, Any]) -> None:
        self._send(200, json.dumps(data).encode(), "application/json; charset=utf-8")

    def _args(self, raw: bytes) -> dict[str, Any]:
        url = urllib.parse.urlsplit(self.path)
        args: dict[str, Any] = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        ctype = (self.headers.get("Content-Type") or "").lower()
        if raw:
            if "json" in ctype:
                try:
                    data = json.loads(raw)
                except ValueError:
                    data = None
                if isinstance(data, dict):
                    args.update(data)
            else:
                args.update(urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return args

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        self._dispatch(self._read())

    def _dispatch(self, raw: bytes) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/api/"):
            method = path[len("/api/") :].strip("/")
            args = self._args(raw)
            wait = self.emu.take_limit(method, args)
            if wait is not None:
                self._limited(wait)
                return
            self._json(self.emu.api(method, args, self.headers.get("Authorization") or ""))
        elif path.startswith("/response/") and (wait := self.emu.take_limit("response_url")) is not None:
            self._limited(wait)
        elif path.startswith("/response/"):
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, b"invalid_payload", "text/plain")
                return
            if not isinstance(body, dict):
                self._send(400, b"invalid_payload", "text/plain")
                return
            status, text = self.emu.respond(path.rsplit("/", 1)[-1], body)
            self._send(status, text.encode(), "text/plain")
        elif path.startswith("/upload/"):
            status, text = self.emu._upload(path.rsplit("/", 1)[-1], raw)
            self._send(status, text.encode(), "text/plain")
        else:
            self._send(404, b"not_found", "text/plain")


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections under a burst of concurrent requests
    # (the client then retries after a 1 s SYN timeout).
    request_queue_size = 128
    daemon_threads = True
