"""`commands.core.port.Messenger` on Slack: the response_url first, the Web API when it is spent.

Slack's rules this follows:

* A `response_url` accepts at most 5 messages within 30 minutes of the interaction
  ("Handling user interaction": message responses). Progress updates and answer messages
  share that budget, so progress is throttled (`DomainSettings.progress_every_s`) and
  stops while the answer still needs the remaining uses. When the URL is spent, expired or
  refused, the rest goes through `chat.postMessage` (or `chat.postEphemeral` for an
  answer only the asker should see).
* The "working on it…" ack of a slash command is an ephemeral message, and an ephemeral
  message cannot become a channel message. So an ephemeral answer replaces it, while an
  answer for the whole channel is posted as a new message and the ack is then deleted.
* For a button click the response_url's "original" is the message with the button: an
  answer must never replace it by accident, so nothing here sets `replace_original` for
  actions; changing that message is `update(ref, …)`.

* Slack's rate limit (HTTP 429) is waited out within the job's deadline
  (`bot.slack.client`); an answer or an update that still cannot be delivered is not
  dropped: it is kept in `deferred` and the worker puts it back on the queue
  (`bot.runtime.delivery`). A post whose message ref the caller needs raises instead.

Message refs are "CHANNEL:TS".
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from bot.logging import get_logger
from bot.slack.client import retry_after_s, retry_handlers
from bot.slack.mrkdwn import mrkdwn
from bot.slack.permalinks import link_threads, permalink
from bot.slack.render import Rendered, SlackMessage, render
from commands.core.port import MessengerError
from commands.core.reply import Inline, Reply

log = get_logger(__name__)

RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL_S = 30 * 60
# Uses of the response_url progress may never take: kept for the answer itself.
RESERVED_FOR_ANSWER = 3


class SlackMessenger:
    """Answers one job (one slash command, button click or shortcut)."""

    def __init__(
        self,
        client: WebClient,
        *,
        response_url: str = "",
        channel: str = "",
        user: str = "",
        replace_ack: bool = True,
        thread_ts: str = "",
        progress_every_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        created_at: float | None = None,
        timeout_s: int = 10,
    ) -> None:
        """replace_ack: True for a slash command (the response_url's original is our own
        "working on it" ack); False for buttons and shortcuts.
        created_at: wall-clock time of the interaction (response_url expiry counts from it)."""
        self.client = client
        self.channel = channel
        self.user = user
        self.thread_ts = thread_ts
        self.progress_every_s = progress_every_s
        self._clock = clock
        self._created = time.time() if created_at is None else created_at
        self._webhook = (
            WebhookClient(response_url, timeout=timeout_s, retry_handlers=retry_handlers()) if response_url else None
        )
        # What Slack's rate limit kept from being delivered (bot.runtime.delivery re-queues it),
        # and the longest Retry-After it asked for.
        self.deferred: list[dict[str, Any]] = []
        self.retry_after_s = 0.0
        self._uses = 0
        self.answer_ref = ""  # "CHANNEL:TS" of the live answer (`revise` updates it)
        self._ack_pending = replace_ack and bool(response_url)  # the "working on it" message is still showing
        self._answered = False
        self._last_progress = float("-inf")
        self._lock = threading.Lock()
        self._defer_lock = threading.Lock()
        # Slack's permalinks of the threads this job's replies name, asked once each.
        self._permalinks: dict[tuple[str, str], str] = {}

    def _render(self, reply: Reply) -> Rendered:
        """The reply in Block Kit, its thread references linked to their threads."""
        return render(link_threads(reply, partial(permalink, self.client), self._permalinks))

    # ------------------------------------------------------------------ response_url
    def _url_left(self) -> int:
        if self._webhook is None or time.time() - self._created > RESPONSE_URL_TTL_S:
            return 0
        return RESPONSE_URL_MAX_USES - self._uses

    def _send_url(self, body: dict[str, Any]) -> bool:
        """POST to the response_url; False (and the URL is treated as spent) on refusal."""
        if self._webhook is None or self._url_left() <= 0:
            return False
        self._uses += 1
        try:
            resp = self._webhook.send_dict(body)
        except Exception as exc:  # noqa: BLE001 - network errors: fall back to the Web API
            log.warning("response_url_failed", error=type(exc).__name__)
            self._uses = RESPONSE_URL_MAX_USES
            return False
        if resp.status_code != 200:
            # Slack answers 404 used_url / expired_url once the URL is spent.
            log.warning("response_url_refused", status=resp.status_code, body=str(resp.body)[:80])
            self._uses = RESPONSE_URL_MAX_USES
            return False
        return True

    # ------------------------------------------------------------------ Messenger
    def respond(self, reply: Reply) -> None:
        """Answer the asker: through the response_url while it lasts, else the Web API.

        An answer with a thread (its evidence and details) is posted with the Web API, whose
        answer names the message, and the thread under it; when the bot may not post there
        (a private channel it is not in), everything goes through the response_url, in order."""
        rendered = self._render(reply)
        ephemeral = reply.visibility == "ephemeral"
        with self._lock:
            self._answered = True
            # The ephemeral "working on it" cannot become the channel answer: remove it
            # first (one use), so it never outlives the answer however long that is.
            if self._ack_pending and not ephemeral and self._send_url({"delete_original": True}):
                self._ack_pending = False
            if reply.live and not ephemeral and not self.thread_ts:
                # A message that will be revised: posted with the Web API, whose answer names it.
                head_ts = self._post_threaded(rendered)
                if head_ts and head_ts != _DEFERRED:
                    self.answer_ref = f"{self.channel}:{head_ts}"
                    self._upload(rendered, thread_ts=head_ts)
                    return
                if head_ts == _DEFERRED:
                    return
            head_ts = self._post_threaded(rendered) if rendered.thread and not self.thread_ts else ""
            if head_ts == _DEFERRED:
                return  # Slack's rate limit: the first message and its thread are re-queued, in order
            if head_ts:
                self._upload(rendered, thread_ts=head_ts)
                return
            for i, msg in enumerate(rendered.all):
                self._respond_one(msg, ephemeral, first=i == 0)
        self._upload(rendered)

    def revise(self, reply: Reply, final: bool = True) -> None:
        """Revise the live answer in place (chat.update; the final version's thread is posted
        under it — `update`). When the first answer could not be posted where it can be
        changed (a private channel the bot is not in: it went through the response_url),
        only the final version is sent, as a new answer."""
        ref = self.answer_ref
        if ref:
            try:
                self.update(ref, reply)
            except MessengerError as exc:
                log.warning("revise_refused", error=exc.code)
                if final:
                    self.answer_ref = ""
                    self.respond(_not_live(reply))
            return
        if final:
            self.respond(_not_live(reply))

    def _post_threaded(self, rendered: Rendered) -> str:
        """The first message with the Web API, then the thread under it; the first message's
        ts, "" when Slack refused it (nothing was posted then), or `_DEFERRED` when Slack's
        rate limit held it back past the deadline: the first message and its thread are then
        re-queued in order, the thread marked to hang off the first message once it is posted."""
        if not self.channel:
            return ""
        head = rendered.messages[0]
        rest = [*rendered.messages[1:], *rendered.thread]
        try:
            resp = self.client.chat_postMessage(channel=self.channel, text=head.text, blocks=head.blocks)
        except SlackApiError as exc:
            if not _rate_limited(exc):
                log.info("threaded_answer_refused", error=exc.response.get("error", "unknown"))
                return ""
            self._defer(exc, op="post", channel=self.channel, text=head.text, blocks=head.blocks, head=True)
            for msg in rest:
                self._defer(exc, op="post", channel=self.channel, text=msg.text, blocks=msg.blocks, under_head=True)
            return _DEFERRED
        ts = str(resp.get("ts") or "")
        for i, msg in enumerate(rest):
            try:
                self.client.chat_postMessage(channel=self.channel, text=msg.text, blocks=msg.blocks, thread_ts=ts)
            except SlackApiError as exc:
                if not _rate_limited(exc):
                    log.error("respond_failed", error=exc.response.get("error", "unknown"))
                    continue
                for later in rest[i:]:  # re-queued in order, under the message already posted
                    self._defer(
                        exc, op="post", channel=self.channel, thread_ts=ts, text=later.text, blocks=later.blocks
                    )
                break
        return ts

    def _respond_one(self, msg: SlackMessage, ephemeral: bool, first: bool) -> None:
        body: dict[str, Any] = {
            "text": msg.text,
            "blocks": msg.blocks,
            "response_type": "ephemeral" if ephemeral else "in_channel",
            "replace_original": False,
        }
        if first and ephemeral and self._ack_pending:
            body["replace_original"] = True
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self._send_url(body):
            if body["replace_original"]:
                self._ack_pending = False
            return
        self._fallback(msg, ephemeral)

    def _fallback(self, msg: SlackMessage, ephemeral: bool) -> None:
        if not self.channel:
            log.error("respond_undeliverable", reason="response_url spent and no channel known")
            return
        try:
            if ephemeral and self.user:
                self.client.chat_postEphemeral(
                    channel=self.channel,
                    user=self.user,
                    text=msg.text,
                    blocks=msg.blocks,
                    thread_ts=self.thread_ts or None,
                )
            else:
                self.client.chat_postMessage(
                    channel=self.channel, text=msg.text, blocks=msg.blocks, thread_ts=self.thread_ts or None
                )
        except SlackApiError as exc:
            if _rate_limited(exc):
                self._defer(
                    exc,
                    op="ephemeral" if ephemeral and self.user else "post",
                    channel=self.channel,
                    user=self.user,
                    thread_ts=self.thread_ts,
                    text=msg.text,
                    blocks=msg.blocks,
                )
                return
            log.error("respond_failed", error=exc.response.get("error", "unknown"))

    def _defer(self, exc: SlackApiError, **part: Any) -> None:
        with self._defer_lock:
            self.deferred.append(part)
            self.retry_after_s = max(self.retry_after_s, retry_after_s(dict(exc.response.headers or {})))
        log.warning("slack_delivery_deferred", op=part["op"], reason="ratelimited")

    def progress(self, text: Inline) -> None:
        """Show progress in place of "working on it…" — only for slash commands (the one
        message a response_url may overwrite), throttled, and never at the answer's cost."""
        with self._lock:
            now = self._clock()
            if self._answered or not self._ack_pending:
                return
            if now - self._last_progress < self.progress_every_s:
                return
            if self._url_left() <= RESERVED_FOR_ANSWER:
                return
            self._last_progress = now
            self._send_url(
                {"text": f"⏳ {mrkdwn(text)}", "response_type": "ephemeral", "replace_original": True},
            )

    def post(self, channel: str, reply: Reply, thread: str | None = None) -> str:
        """Post to a channel (or a thread, given as a "CHANNEL:TS" ref); returns the ref of
        the first message (a thread hangs off it)."""
        channel, thread_ts = _target(channel, thread)
        rendered = self._render(reply)
        first_ref = ""
        for msg in rendered.all:
            with refused():
                resp = self.client.chat_postMessage(
                    channel=channel, text=msg.text, blocks=msg.blocks, thread_ts=thread_ts
                )
            ref = f"{resp['channel']}:{resp['ts']}"
            first_ref = first_ref or ref
            # The thread of an answer hangs off its first message (unless it is in a thread already).
            thread_ts = thread_ts or str(resp["ts"])
        self._upload(rendered, channel=channel, thread_ts=thread_ts or first_ref.partition(":")[2])
        return first_ref

    def update(self, ref: str, reply: Reply) -> None:
        """Replace a message we posted. A reply that needs several messages replaces the
        first and continues in the message's thread."""
        channel, _, ts = ref.partition(":")
        rendered = self._render(reply)
        msgs = rendered.all
        if not msgs:
            return
        parts = [("update", msgs[0])] + [("post", m) for m in msgs[1:]]
        for i, (op, msg) in enumerate(parts):
            try:
                with refused():
                    if op == "update":
                        self.client.chat_update(channel=channel, ts=ts, text=msg.text, blocks=msg.blocks)
                    else:
                        self.client.chat_postMessage(channel=channel, text=msg.text, blocks=msg.blocks, thread_ts=ts)
            except MessengerError as exc:
                cause = exc.__cause__
                if not (isinstance(cause, SlackApiError) and _rate_limited(cause)):
                    raise
                # The update (and what follows it) is re-queued, never dropped.
                for later_op, later in parts[i:]:
                    self._defer(
                        cause, op=later_op, channel=channel, ts=ts, thread_ts=ts, text=later.text, blocks=later.blocks
                    )
                return
        self._upload(rendered, channel=channel, thread_ts=ts)

    def user_groups_members(self, group: str) -> set[str]:
        """Members of a user group given by id ("S…") or handle ("netops" / "@netops")."""
        handle = group.strip().lstrip("@")
        if not handle:
            return set()
        try:
            gid = handle
            if not (handle.startswith("S") and handle.upper() == handle):
                groups = self.client.usergroups_list().get("usergroups") or []
                match = [g for g in groups if str(g.get("handle", "")).lower() == handle.lower()]
                if not match:
                    log.warning("usergroup_unknown", group=handle)
                    return set()
                gid = str(match[0]["id"])
            users = self.client.usergroups_users_list(usergroup=gid).get("users") or []
            return {str(u) for u in users}
        except SlackApiError as exc:
            # missing_scope (usergroups:read) or no_such_subteam: nobody from the group.
            log.warning("usergroup_lookup_failed", group=handle, error=exc.response.get("error", "unknown"))
            return set()

    # ------------------------------------------------------------------ files
    def _upload(self, rendered: Rendered, channel: str = "", thread_ts: str | None = None) -> None:
        if not rendered.files:
            return
        channel = channel or self.channel
        if not channel:
            log.error("file_undeliverable", reason="no channel")
            return
        for f in rendered.files:
            try:
                # files.upload is retired: files_upload_v2 is Slack's current flow
                # (files.getUploadURLExternal, the bytes to the URL, files.completeUploadExternal
                # with channel_id and thread_ts).
                self.client.files_upload_v2(
                    channel=channel,
                    content=f.data or f.content,
                    filename=f.filename,
                    title=f.title,
                    thread_ts=thread_ts or self.thread_ts or None,
                    alt_txt=f.alt or None,
                )
            except SlackApiError as exc:
                log.error("file_upload_failed", filename=f.filename, error=exc.response.get("error", "unknown"))


# `_post_threaded`'s answer when Slack's rate limit re-queued the whole threaded answer.
_DEFERRED = "deferred"


def _not_live(reply: Reply) -> Reply:
    return Reply(fallback=reply.fallback, parts=reply.parts, visibility=reply.visibility, thread=reply.thread)


@contextlib.contextmanager
def refused() -> Iterator[None]:
    """Slack's refusal of a message as the domain's `MessengerError` (with Slack's reason)."""
    try:
        yield
    except SlackApiError as exc:
        raise MessengerError(str(exc.response.get("error", "unknown"))) from exc


def send_deferred(client: WebClient, part: dict[str, Any]) -> tuple[str, float, str]:
    """Deliver one part `SlackMessenger` deferred: ("sent" | "ratelimited" | "refused",
    Slack's Retry-After, Slack's error — or, when sent, the ts of the message posted, which
    the parts marked `under_head` after a `head` part are threaded under)."""
    op = part.get("op")
    text, blocks = str(part.get("text") or ""), part.get("blocks") or None
    thread = str(part.get("thread_ts") or "") or None
    try:
        if op == "update":
            client.chat_update(channel=part["channel"], ts=part["ts"], text=text, blocks=blocks)
        elif op == "ephemeral":
            client.chat_postEphemeral(
                channel=part["channel"], user=part["user"], text=text, blocks=blocks, thread_ts=thread
            )
        else:
            resp = client.chat_postMessage(channel=part["channel"], text=text, blocks=blocks, thread_ts=thread)
            return "sent", 0.0, str(resp.get("ts") or "")
    except SlackApiError as exc:
        if _rate_limited(exc):
            return "ratelimited", retry_after_s(dict(exc.response.headers or {})), "ratelimited"
        return "refused", 0.0, str(exc.response.get("error", "unknown"))
    return "sent", 0.0, ""


def _rate_limited(exc: SlackApiError) -> bool:
    resp = exc.response
    return getattr(resp, "status_code", 0) == 429 or resp.get("error") == "ratelimited"


def _target(channel: str, thread: str | None) -> tuple[str, str | None]:
    if thread:
        tchan, sep, ts = thread.partition(":")
        if sep:
            return tchan or channel, ts
        return channel, thread
    if ":" in channel:
        # A ref passed as the channel: post in that message's thread.
        chan, _, ts = channel.partition(":")
        return chan, ts
    return channel, None
