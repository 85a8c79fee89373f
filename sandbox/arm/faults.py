"""Injectable faults: what a flaky ARM does to a client, on the routes a test chooses.

A fault matches a request when its `path` regex is found in the request path (case-insensitive,
ids are) and its `method` (if set) is the request's. It fires at most `count` times (None:
always) and, when `probability` < 1, only on that share of matching requests (seeded, so a
benchmark run is repeatable).

Kinds:
- "latency":    wait `latency_ms`, then answer normally.
- "throttle":   429 TooManyRequests with `Retry-After: retry_after` (azure-core honours it).
- "error":      `status` (500 by default, or 503…) with an ARM error body.
- "hang":       never answer: hold the request (at most `hold_s`, or until the emulator stops),
                then drop the connection; the client's read timeout is what ends it.
- "lro_failed": the long-running operation started by this request ends with
                {"status": "Failed", "error": {code, message}}.
- "lost_answer": handle the request (a PUT applies its change, its long-running operation
                exists and finishes as usual), then drop the connection without answering:
                the client sees a reset and never learns the outcome. Fires only on a
                request that would have succeeded (2xx).
- "another_operation": 429 as ARM answers while another operation holds the resource:
                {"error": {"code": "RetryableError", "details": [{"code":
                "RetryableErrorDueToAnotherOperation", "message": "Operation PutSubnetOperation
                (…) is updating resource …"}]}} with `Retry-After: retry_after`. Not throttling.
- "concurrent_change": just before handling the request, change a resource as someone
                else would (the portal, a deployment, Azure itself re-syncing a peering):
                `set` maps dotted paths into the resource document to new values
                (`{"properties.allowVirtualNetworkAccess": false}`), the resource gets a new
                etag. The resource is `resource` (an id) or else the request's own path.
"""

from __future__ import annotations

import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "latency",
    "throttle",
    "error",
    "hang",
    "lro_failed",
    "lost_answer",
    "another_operation",
    "concurrent_change",
)


@dataclass
class Fault:
    path: str = ".*"
    method: str | None = None
    kind: str = "error"
    status: int = 500
    latency_ms: int = 0
    retry_after: int = 1
    count: int | None = None
    probability: float = 1.0
    code: str | None = None
    message: str | None = None
    hold_s: float = 30.0
    changes: dict[str, Any] = field(default_factory=dict)  # "set" of a concurrent_change
    resource: str = ""  # the resource a concurrent_change changes ("": the request's path)
    hits: int = 0
    _rx: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"fault probability {self.probability} is not between 0 and 1")
        self._rx = re.compile(self.path, re.IGNORECASE)
        if self.kind == "concurrent_change" and (
            not self.changes or not all(isinstance(k, str) and k for k in self.changes)
        ):
            raise ValueError(
                'a concurrent_change fault needs "set": {dotted path: value}, '
                'e.g. {"properties.allowVirtualNetworkAccess": false}'
            )
        if self.kind in ("throttle", "another_operation"):
            self.status = 429

    @property
    def error_code(self) -> str:
        if self.code:
            return self.code
        return {
            "throttle": "TooManyRequests",
            "lro_failed": "InternalServerError",
        }.get(
            self.kind, {503: "ServiceUnavailable", 500: "InternalServerError"}.get(self.status, "InternalServerError")
        )

    @property
    def error_message(self) -> str:
        if self.message:
            return self.message
        if self.kind == "throttle":
            return "The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00."
        if self.kind == "lro_failed":
            return "An error occurred while processing the operation (fault injected by the sandbox)."
        return "The server encountered an internal error (fault injected by the sandbox). Please retry the request."

    def another_operation_body(self, path: str) -> dict[str, Any]:
        """ARM's 429 body while another operation is updating the resource at `path`."""
        op = self.message or (
            f"Operation PutSubnetOperation ({uuid.uuid5(uuid.NAMESPACE_URL, path)}) is updating resource {path}. "
            f"The call can be retried in {self.retry_after} seconds."
        )
        return {
            "error": {
                "code": "RetryableError",
                "message": "A retryable error occurred.",
                "details": [{"code": "RetryableErrorDueToAnotherOperation", "message": op}],
            }
        }

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.method:
            out["method"] = self.method
        if self.kind == "error":
            out["status"] = self.status
        if self.latency_ms:
            out["latencyMs"] = self.latency_ms
        if self.kind in ("throttle", "another_operation"):
            out["retryAfter"] = self.retry_after
        if self.count is not None:
            out["count"] = max(0, self.count - self.hits)
        if self.probability != 1.0:
            out["probability"] = self.probability
        if self.code:
            out["code"] = self.code
        if self.message:
            out["message"] = self.message
        if self.kind == "hang":
            out["holdSeconds"] = self.hold_s
        if self.kind == "concurrent_change":
            out["set"] = dict(self.changes)
            if self.resource:
                out["resource"] = self.resource
        return out

    @staticmethod
    def from_json(d: dict[str, Any]) -> Fault:
        """A fault from the estate's `"faults": [...]` (camelCase keys, see sandbox/README.md)."""
        known = {
            "path",
            "method",
            "kind",
            "status",
            "latencyMs",
            "retryAfter",
            "count",
            "probability",
            "code",
            "message",
            "holdSeconds",
            "set",
            "resource",
        }
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown fault field(s) {sorted(unknown)}; known: {sorted(known)}")
        if not isinstance(d.get("set", {}), dict):
            raise ValueError(f'a fault\'s "set" is an object of dotted paths to values (got {d["set"]!r})')
        return Fault(
            path=str(d.get("path", ".*")),
            method=(str(d["method"]).upper() if d.get("method") else None),
            kind=str(d.get("kind", "error")),
            status=int(d.get("status", 500)),
            latency_ms=int(d.get("latencyMs", 0)),
            retry_after=int(d.get("retryAfter", 1)),
            count=(int(d["count"]) if d.get("count") is not None else None),
            probability=float(d.get("probability", 1.0)),
            code=d.get("code"),
            message=d.get("message"),
            hold_s=float(d.get("holdSeconds", 30.0)),
            changes=dict(d.get("set") or {}),
            resource=str(d.get("resource") or ""),
        )


class FaultBook:
    """The active faults; thread-safe; picks the first that fires for a request."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._rng = random.Random(seed)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def all(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def fire(self, method: str, path: str, kinds: tuple[str, ...] = KINDS) -> Fault | None:
        """The fault that applies to this request now (and count it), or None."""
        with self._lock:
            for f in self._faults:
                if f.kind not in kinds:
                    continue
                if f.method and f.method.upper() != method.upper():
                    continue
                if f.count is not None and f.hits >= f.count:
                    continue
                if not f._rx.search(path):
                    continue
                if f.probability < 1.0 and self._rng.random() >= f.probability:
                    continue
                f.hits += 1
                return f
        return None
