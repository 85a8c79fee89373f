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

import threading
import time
from collections.abc import Callable, Mapping

from commands.core.model import Gateway, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Reply
from commands.core.text import Rich, join, rich
from commands.core.units import plural
from commands.judgement.estate import Estate
from commands.judgement.judge import judge
from commands.judgement.view import head, problems

# A complete answer ready this soon after the command started is the only message; later,
# what is known by then is posted first.
FIRST_AFTER_S = 1.0

# Azure's names of the operations still running, in the user's words.
_PENDING_WORDS = {
    "getBgpPeerStatus": "BGP peers",
    "getLearnedRoutes": "learned routes",
    "getVpnclientConnectionHealth": "VPN clients",
}


class LiveAnswer:
    """One answer posted once and revised in place: `offer` a partial version at each
    checkpoint (posted when `FIRST_AFTER_S` has passed — by a timer if no checkpoint comes —
    then revised at most every `progress_every_s`), `finish` with the complete one."""

    def __init__(self, ctx: Ctx, first_after_s: float = FIRST_AFTER_S) -> None:
        self.ctx = ctx
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
            if self._posted and now - self._last < self.ctx.settings.progress_every_s:
                return
        reply = partial()
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
                self._timer = threading.Timer(wait, self._on_timer)
                self._timer.daemon = True
                self._timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            if not self._finished and not self._posted and self._candidate is not None:
                self._post_first()

    def _post_first(self) -> None:
        assert self._candidate is not None
        self._candidate.live = True
        self.ctx.out.respond(self._candidate)
        self._posted = True
        self._last = time.monotonic()
        self.first_posted_at = self._last

    def finish(self, reply: Reply) -> Reply | None:
        """The complete answer: the revision of the message posted first (None is returned),
        or — nothing posted yet — `reply` itself, for the caller to answer with."""
        with self._lock:
            self._finished = True
            if self._timer is not None:
                self._timer.cancel()
            if not self._posted:
                return reply
            self.ctx.out.revise(reply, final=True)
            return None


def render_partial(
    label: str, est: Estate, scope: Callable[[Gateway], bool], reading: str, pending: Mapping[str, int]
) -> Reply:
    """What is known so far: the one judgement of what was read, about the gateways in scope
    and their connections; what is still being read (`reading`: the connections' reads, or
    ""; `pending`: diagnostic operations still running, by Azure's name)."""
    judgement = judge(est)
    gws = [g for g in est.vpn_gateways if scope(g)]
    keys = {rid_key(g.id) for g in gws}
    conns = [c for c in est.connections_now if rid_key(c.gateway1_id) in keys]
    roots = judgement.touching(keys | {rid_key(c.id) for c in conns})
    probs = problems(roots)
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
