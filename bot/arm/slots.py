"""How many HTTP requests to ARM are in flight at once, and which waiting one goes next.

At most `concurrency` HTTP exchanges are in flight across every client and thread of one
`ArmPipeline` (fan-outs nest: subscriptions × gateways × connections). When they are all
taken, a free one goes to the most urgent waiting request (`slot_priority`), not to whichever
thread asked first.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import ServiceRequestTimeoutError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy

# A long-running operation's status or result URL (what its polls GET).
POLL = re.compile(r"/locations/[^/]+/(operations|operationresults)/", re.IGNORECASE)

# The order in which requests waiting for a free connection get one (`Slots`): first what
# starts work in Azure — the actions Azure takes longest on (a gateway's learned or advertised
# routes: up to a minute) before the other POST actions and writes — then the status polls of
# work already started (the answer waits on them, Retry-After by Retry-After), then plain
# reads. With 800 connection GETs queued, the diagnostic operations of /vpn status all used to
# start over 8 s instead of 1.5: the slowest of them, and so the complete answer, finished that
# much later (docs/performance.md, "The realistic ARM").
LONG_STARTS, STARTS, POLLS, READS = 0, 1, 2, 3
_LONG_ACTION = re.compile(r"/(getlearnedroutes|getadvertisedroutes)$", re.IGNORECASE)


def slot_priority(method: str, path: str) -> int:
    if method.upper() not in ("GET", "HEAD"):
        return LONG_STARTS if _LONG_ACTION.search(path) else STARTS
    return POLLS if POLL.search(path) else READS


class Slots:
    """At most `n` holders at once; a free slot goes to the longest-waiting request of the most
    urgent class (`slot_priority`) — one waiter is woken per release, never all."""

    def __init__(self, n: int) -> None:
        self._free = n
        self._lock = threading.Lock()
        self._ready = [threading.Condition(self._lock) for _ in range(READS + 1)]
        self._waiting = [0] * (READS + 1)

    def acquire(self, priority: int, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._lock:
            if self._free > 0 and not any(self._waiting[: priority + 1]):
                self._free -= 1
                return True
            self._waiting[priority] += 1
            try:
                while self._free <= 0 or any(self._waiting[:priority]):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._ready[priority].wait(left)
                self._free -= 1
                return True
            finally:
                self._waiting[priority] -= 1
                self._wake()

    def release(self) -> None:
        with self._lock:
            self._free += 1
            self._wake()

    def _wake(self) -> None:
        """Wake one waiter of the most urgent class waiting, when a slot is free (lock held)."""
        if self._free <= 0:
            return
        for cls, n in enumerate(self._waiting):
            if n:
                self._ready[cls].notify()
                return


class InFlightLimit(HTTPPolicy[Any, Any]):
    """Per-retry policy: at most N HTTP exchanges in flight across every client and thread
    (fan-outs nest: subscriptions × gateways × connections), the urgent first (`Slots`)."""

    def __init__(self, slots: Slots, wait_s: float) -> None:
        super().__init__()
        self._slots = slots
        self._wait_s = wait_s

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        http = request.http_request
        priority = slot_priority(http.method, urlsplit(str(http.url)).path)
        if not self._slots.acquire(priority, self._wait_s):
            raise ServiceRequestTimeoutError(f"no free connection to Azure within {self._wait_s:g} s")
        try:
            return self.next.send(request)
        finally:
            self._slots.release()
