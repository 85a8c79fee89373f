"""`/vpn status` as it is read: the first answer within a second or two, then the same
message updated as Azure's slower answers arrive.

Against real ARM a connection's GET takes tens to hundreds of milliseconds, but a gateway's
diagnostic operations (BGP peers, learned routes, VPN clients) seconds to a minute, and the
subscription's token bucket admits 25 reads a second once its 250 are spent. So status posts
what is known first — from the lists, then from the connections' GETs (status, counters,
shared-key comparisons), with the findings that need no long-running operation — and
revises that message in place (`Messenger.revise`, Slack's chat.update) as the diagnostic
answers come in; the last revision is the complete answer with its thread.

Every version is the one judgement of what was read so far (`commands.judgement.judge`),
said as such: a partial version never says "all clear" — it says what is still being
asked, and "no problem found yet". A small scope read within `FIRST_AFTER_S` is answered
once, complete, as before.
"""

from __future__ import annotations

import contextvars
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence

from commands.core.model import Gateway, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Finding, Reply
from commands.core.text import Rich, join, rich
from commands.core.units import plural
from commands.judgement.estate import Estate
from commands.judgement.judge import judge
from commands.judgement.view import head, problems

# A complete answer ready this soon after the command started is the only message; later,
# what is known by then is posted first.
FIRST_AFTER_S = 1.0
# Revisions of the first message at most this often.
REVISE_EVERY_S = 10.0

# Azure's names of the operations still running, in the user's words.
_PENDING_WORDS = {
    "getBgpPeerStatus": "BGP peers",
    "getLearnedRoutes": "learned routes",
    "getVpnclientConnectionHealth": "VPN clients",
}


class LiveAnswer:
    """One answer posted once and revised in place: `offer` a partial version at each
    checkpoint (posted when `FIRST_AFTER_S` has passed — by a timer if no checkpoint comes —
    then revised at most every `REVISE_EVERY_S`), `finish` with the complete one."""

    def __init__(
        self,
        ctx: Ctx,
        first_after_s: float = FIRST_AFTER_S,
        publish: Callable[[Reply, bool], None] | None = None,
    ) -> None:
        """`publish(version, final)`: also hand every version rendered to others (`answer_once`)."""
        self.ctx = ctx
        self._publish = publish
        self._render_s = 0.0
        self._started = time.monotonic()
        self._first_after_s = first_after_s
        self._lock = threading.Lock()
        self._candidate: Reply | None = None
        self._posted = False
        self._finished = False
        self._last = float("-inf")
        self._timer: threading.Timer | None = None
        self.first_posted_at: float | None = None  # monotonic time of the first message (benchmark)

    def offer(self, partial: Callable[[], Reply]) -> None:
        """A checkpoint: `partial()` renders what is known now (called only when it may be shown)."""
        with self._lock:
            if self._finished:
                return
            now = time.monotonic()
            # Each version is the whole judgement again: at most every few times what one costs,
            # and never more often than REVISE_EVERY_S (a message changing every second is
            # unreadable, and the judgements would take the CPU the reads need).
            every = max(self.ctx.settings.progress_every_s, 5 * self._render_s, REVISE_EVERY_S)
            if self._posted and now - self._last < every:
                return
        started = time.monotonic()
        reply = partial()
        self._render_s = time.monotonic() - started
        try:
            self._show(reply)
        finally:
            if self._publish is not None:  # after this asker's own message: it is not kept waiting
                self._publish(reply, False)

    def _show(self, reply: Reply) -> None:
        with self._lock:
            if self._finished:
                return
            if self._posted:
                self._last = time.monotonic()
                self.ctx.out.revise(reply, final=False)
                return
            self._candidate = reply
            wait = self._first_after_s - (time.monotonic() - self._started)
            if wait <= 0:
                self._post_first()
            elif self._timer is None:
                # In this job's context (its deadline for Slack's rate limits, its log fields).
                self._timer = threading.Timer(wait, contextvars.copy_context().run, args=(self._on_timer,))
                self._timer.daemon = True
                self._timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            if not self._finished and not self._posted and self._candidate is not None:
                self._post_first()

    def _post_first(self) -> None:
        assert self._candidate is not None
        first = dataclasses.replace(self._candidate, live=True)  # a version may be shared: not changed
        self.ctx.out.respond(first)
        self._posted = True
        self._last = time.monotonic()
        self.first_posted_at = self._last

    def finish(self, reply: Reply) -> Reply | None:
        """The complete answer: the revision of the message posted first (None is returned),
        or — nothing posted yet — `reply` itself, for the caller to answer with."""
        if self._publish is not None:
            self._publish(reply, True)
        with self._lock:
            self._finished = True
            if self._timer is not None:
                self._timer.cancel()
            if not self._posted:
                return reply
            self.ctx.out.revise(reply, final=True)
            return None


def render_partial(
    label: str,
    est: Estate,
    scope: Callable[[Gateway], bool],
    reading: str,
    pending: Mapping[str, int],
    seen: Callable[[Sequence[Finding]], None] | None = None,
) -> Reply:
    """What is known so far: the one judgement of what was read, about the gateways in scope
    and their connections; what is still being read (`reading`: the connections' reads, or
    ""; `pending`: diagnostic operations still running, by Azure's name). `seen(problems)`:
    told the root causes this version shows."""
    judgement = judge(est)
    gws = [g for g in est.vpn_gateways if scope(g)]
    keys = {rid_key(g.id) for g in gws}
    conns = [c for c in est.connections_now if rid_key(c.gateway1_id) in keys]
    roots = judgement.touching(keys | {rid_key(c.id) for c in conns})
    probs = problems(roots)
    if seen is not None:
        seen(probs)
    what = f"{plural(len(gws), 'gateway')}, {plural(len(conns), 'connection')}"
    if probs:
        headline = rich(f"🔴 {plural(len(probs), 'problem')} found so far in ", label, f" ({what})")
    else:
        headline = rich("⏳ No problem found yet in ", label, f" ({what}) — still reading")
    still = still_reading(reading, pending)
    reply = Reply(fallback=headline)
    reply.add(*head(headline, probs, unread=len(est.gap_lines()), more=still))
    return reply


def still_reading(reading: str, pending: Mapping[str, int]) -> Rich:
    """ "Still asking Azure: BGP peers of 12 gateways, learned routes of 12 (seconds to a
    minute each). This message updates itself." """
    items: list[Rich] = [rich(reading)] if reading else []
    for op, n in pending.items():
        if n:
            items.append(rich(f"{_PENDING_WORDS.get(op, op)} of {plural(n, 'gateway')}"))
    if not items:
        return rich("Putting the findings together…")
    return rich(
        "⏳ Still asking Azure: ",
        join(", ", items),
        " (Azure takes seconds to a minute for each). This message updates itself.",
    )


# --- one reading for everyone asking the same at once -----------------------------------------


class _Broadcast:
    """The versions of one answer being read, for those who asked the same meanwhile."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.versions: list[tuple[Reply, bool]] = []
        self.error: BaseException | None = None
        self.done = False

    def publish(self, reply: Reply, final: bool) -> None:
        with self.cond:
            self.versions.append((reply, final))
            self.done = self.done or final
            self.cond.notify_all()

    def fail(self, exc: BaseException) -> None:
        with self.cond:
            self.error, self.done = exc, True
            self.cond.notify_all()

    def follow(self) -> Iterator[tuple[Reply, bool]]:
        """Each new version as it comes (only the latest of several that came together)."""
        seen = 0
        while True:
            with self.cond:
                while seen >= len(self.versions) and not self.done:
                    self.cond.wait(1.0)
                batch, seen = self.versions[seen:], len(self.versions)
                error, done = self.error, self.done
            finals = [v for v in batch if v[1]]
            if finals:
                yield finals[-1]
                return
            if batch:
                yield batch[-1]
            if error is not None:
                raise error
            if done and not batch:
                return


_FLIGHTS: dict[tuple[str, ...], _Broadcast] = {}
_FLIGHTS_LOCK = threading.Lock()


def answer_once(
    ctx: Ctx, key: tuple[str, ...], compute: Callable[[Callable[[Reply, bool], None]], Reply | None]
) -> Reply | None:
    """One reading and one judgement for everyone who asks the same question (`key`) while it
    is being read: the first asker computes (`compute(publish)`, handing each version to
    `publish`); the others receive those versions, each in their own message, revised in
    place as theirs would be. Ten users typing `/vpn status all` in the same minute cost ARM
    and this process about what one costs (the reads are shared too: `bot.arm.shared`). Only
    while in flight: a later asker reads again (through the shared reads)."""
    with _FLIGHTS_LOCK:
        flight = _FLIGHTS.get(key)
        leader = flight is None
        if flight is None:
            flight = _FLIGHTS[key] = _Broadcast()
    if leader:
        try:
            answer = compute(flight.publish)
        except BaseException as exc:
            flight.fail(exc)
            raise
        finally:
            with _FLIGHTS_LOCK:
                if _FLIGHTS.get(key) is flight:
                    del _FLIGHTS[key]
        if not flight.done:  # answered without a live version (a question, no gateways…)
            if answer is not None:
                flight.publish(answer, True)
            else:
                flight.fail(RuntimeError("the shared answer ended without a final version"))
        return answer
    live = LiveAnswer(ctx)
    result: Reply | None = None
    for reply, final in flight.follow():
        if final:
            result = live.finish(reply)
        else:
            live.offer(lambda r=reply: r)  # type: ignore[misc]
    return result
