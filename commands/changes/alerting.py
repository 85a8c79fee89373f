"""What changed, and is it Azure, for the alerts the bot posts (its watch and Azure Monitor's).

`IncidentContext` reads the estate's past once — lazily, on the first alert that needs it,
so a watch cycle or a delivery with nothing to announce reads nothing — and gives, for an
alert about some resources that started at some time, the lines for its message (the most
relevant change, "14 min before: …"; Azure's word when it reports a problem) and the rest
for its thread. Never raises: an alert is posted whether or not its context could be read
(a context that could not be read says so).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from commands.changes.context import LOOKBACK, gateways_of, history_lines, is_azure, problem_context
from commands.changes.read import History, read_history
from commands.changes.scope import around
from commands.changes.words import NEITHER
from commands.core.errors import AzureFailure
from commands.core.model import Connection, Gateway, ResourceId, Subscription, rid_key
from commands.core.registry import Ctx
from commands.core.reply import Context, Part, Text
from commands.core.text import Rich, join, rich, strong
from commands.judgement.estate import Estate


class IncidentContext:
    """The context of the alerts of one watch cycle or one delivery (see the module doc).
    `est`: what is known of the estate (the watch's gateways and connections); None to read
    the alert's own resource and its gateway (an Azure Monitor alert)."""

    def __init__(self, ctx: Ctx, est: Estate | None = None) -> None:
        self._ctx = ctx
        self._est = est
        self._lock = threading.Lock()
        self._hist: History | None = None

    def now(self) -> datetime:
        return self._ctx.now()

    def _history(self, est: Estate) -> History:
        with self._lock:
            if self._hist is None:
                self._hist = read_history(self._ctx, est.subscriptions, self._ctx.now() - LOOKBACK)
            return self._hist

    def lines(self, subjects: Sequence[str], started: datetime, area: str = "network") -> tuple[list[Rich], list[Part]]:
        """(lines for the alert's message, parts for its thread); ([], []) when nothing is
        known or found. `area`: what kind of problem it is (`commands.changes.context.area_of`:
        "tunnel" for the watch's incidents). Never raises."""
        subjects = [s for s in subjects if s]
        if not subjects:
            return [], []
        try:
            est = self._est if self._est is not None else _around_alert(self._ctx, subjects)
            hist = self._history(est)
            c = problem_context(self._ctx, hist, est, subjects, started, before=started, area=area)
        except AzureFailure as exc:
            return [rich("What changed could not be read (", exc.kind, "): not the same as no change.")], []
        first = [x if is_azure(x) else rich(strong("What changed: "), x) for x in c.first[:2]]
        thread: list[Part] = []
        if c.first[2:] or c.thread:
            thread.append(Text(rich(strong("Also changed before it"))))
            thread.append(Context(join("\n", [*c.first[2:], *c.thread])))
        past = history_lines(
            self._ctx, gateways_of(around(est, subjects)), {rid_key(g.id): g.name for g in est.gateways}
        )
        if past:
            thread.append(Context(join("\n", past)))
        if thread:
            thread.append(Context(rich(NEITHER)))
        return first, thread


def _around_alert(ctx: Ctx, subjects: Sequence[str]) -> Estate:
    """What an Azure Monitor alert's resources are joined to, read with a GET or two: a
    connection's gateways, a gateway's connections and VNet."""
    subs: dict[str, Subscription] = {}
    gateways: dict[str, Gateway] = {}
    connections: dict[str, Connection] = {}
    for rid in subjects:
        try:
            r = ResourceId.parse(rid)
        except ValueError:
            continue
        subs.setdefault(r.subscription_id.lower(), Subscription(r.subscription_id))
        kind = "/".join(r.types).lower()
        try:
            if kind == "connections":
                conn = ctx.azure.connection(rid)
                connections[rid_key(conn.id)] = conn
                for g in (conn.gateway1_id, conn.gateway2_id):
                    if g and rid_key(g) not in gateways:
                        gateways[rid_key(g)] = ctx.azure.gateway(g)
            elif kind == "virtualnetworkgateways":
                gateways[rid_key(rid)] = ctx.azure.gateway(rid)
                for c in ctx.azure.gateway_connections(rid):
                    connections[rid_key(c.id)] = c
        except AzureFailure:
            continue  # its neighbours stay unknown; the resource itself is still looked at
    return Estate(
        subscriptions=list(subs.values()), gateways=list(gateways.values()), connections=list(connections.values())
    )
