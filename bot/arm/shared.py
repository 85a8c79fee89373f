"""Shared reads: what one command read from ARM, reused by the next for a few seconds, and
one request for many askers at once.

Ten engineers typing `/vpn status all` in the same minute of an outage, while the watch
runs, would each cost ARM the same two thousand requests, from the same identity: ARM's
token buckets are per subscription *and principal* (250 reads then 25 a second), so the
tenth would wait for the other nine. Here:

* single flight — a read already on its way (same operation, same resource) is joined,
  not sent again: ten askers at once cost one request;
* a short TTL per resource — a list or a GET is reused for `ttl_s` [60 s: a 200-gateway
  status takes about that long, and the watch that follows it reuses its reads], a
  long-running diagnostic action's result (BGP peers, learned routes, VPN clients,
  effective routes: seconds to a minute of Azure's work each) for `action_ttl_s` [120 s];
* never for a fresh read: `commands.core.freshness.fresh_reads()` (the approval path, the
  verification re-reads after a write) goes to ARM and refreshes what is kept;
* the bot's own writes drop what they may have changed (`invalidate`): everything kept
  for the written resource's subscription.

Per process, in memory: on Azure Functions each worker process keeps its own, so two
workers may each read once, and a change made by someone else shows after at most the TTL —
the same as if the user had asked a few seconds earlier. Nothing here claims more: no
answer says its data is fresher than the moment it was read. Failures are not kept (the
next asker tries again); askers that joined a read that failed share its failure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.arm.deadline import time_left
from commands.core.errors import AzureFailure
from commands.core.freshness import wants_fresh

T = TypeVar("T")

DEFAULT_TTL_S = 60.0
DEFAULT_ACTION_TTL_S = 120.0


@dataclass
class SharedStats:
    """What the shared reads did (for the benchmark and the logs)."""

    loads: int = 0  # reads sent to ARM
    hits: int = 0  # answered from what was kept
    joined: int = 0  # answered by a read already on its way
    fresh: int = 0  # fresh reads (bypassing what was kept)


class SharedReads:
    """Reads kept per (operation, resource) for a TTL, and single-flighted. Thread-safe."""

    def __init__(
        self,
        ttl_s: float = DEFAULT_TTL_S,
        action_ttl_s: float = DEFAULT_ACTION_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.action_ttl_s = action_ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, str], tuple[float, Any]] = {}  # key -> (expires, value)
        self._flights: dict[tuple[str, str], Future[Any]] = {}
        self.stats = SharedStats()

    def read(self, operation: str, target: str, load: Callable[[], T], *, action: bool = False) -> T:
        """`load()`'s answer for (operation, target): kept, joined, or read now."""
        if self.ttl_s <= 0:
            return load()
        key = (operation, target.lower())
        if wants_fresh():
            with self._lock:
                self.stats.fresh += 1
            return self._load(key, load, action, Future())
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] > self._clock():
                self.stats.hits += 1
                return _copy(kept[1])  # type: ignore[no-any-return]
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = Future()
                mine = True
            else:
                self.stats.joined += 1
                mine = False
        if mine:
            return self._load(key, load, action, flight)
        joined: T = self._join(flight, target)
        return joined

    def _load(self, key: tuple[str, str], load: Callable[[], T], action: bool, flight: Future[Any]) -> T:
        with self._lock:
            self.stats.loads += 1
        try:
            value = load()
        except BaseException as exc:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.set_exception(exc)
            raise
        ttl = self.action_ttl_s if action else self.ttl_s
        with self._lock:
            self._kept[key] = (self._clock() + ttl, value)
            if self._flights.get(key) is flight:
                del self._flights[key]
            if len(self._kept) % 512 == 0:
                self._prune()
        flight.set_result(value)
        out: T = _copy(value)
        return out

    @staticmethod
    def _join(flight: Future[Any], target: str) -> Any:
        wait = time_left(float("inf"))
        try:
            return _copy(flight.result(timeout=None if wait == float("inf") else wait))
        except TimeoutError:
            raise AzureFailure(
                "timeout", "the read another request started was still running at the deadline", "", target
            ) from None

    def invalidate(self, resource_id: str) -> None:
        """Drop everything kept about the subscription of `resource_id` (a write there may have
        changed any list or resource of it). Reads on their way finish, but are not kept."""
        sub = _subscription_prefix(resource_id)
        with self._lock:
            for key in [k for k in self._kept if not sub or k[1].startswith(sub)]:
                del self._kept[key]
            for key in [k for k in self._flights if not sub or k[1].startswith(sub)]:
                # Whoever waits on it still gets its answer; it is just not kept afterwards.
                del self._flights[key]

    def clear(self) -> None:
        """Drop everything kept."""
        with self._lock:
            self._kept.clear()

    def _prune(self) -> None:
        now = self._clock()
        for key in [k for k, (exp, _) in self._kept.items() if exp <= now]:
            del self._kept[key]


def _copy(value: Any) -> Any:
    """A list is handed out as a new list (the items are frozen dataclasses)."""
    return list(value) if isinstance(value, list) else value


def _subscription_prefix(resource_id: str) -> str:
    parts = [p for p in resource_id.lower().split("/") if p]
    if len(parts) >= 2 and parts[0] == "subscriptions":
        return f"/subscriptions/{parts[1]}"
    return ""


def subscription_target(subscription_id: str) -> str:
    """The target of a subscription-wide list (so `invalidate` of any id in it drops it)."""
    return f"/subscriptions/{subscription_id}"
