"""How long ARM takes, and when it says "too many": the emulator's realistic mode.

Off by default (every answer at once, as the tests and the fan-out benchmark were measured);
on with `ArmEmulator(latency=LatencyModel())`, `python -m bot emulator --realistic`, or an
estate's `"arm": {"latency": "realistic"}`. Every number below is in *Azure's* seconds;
`scale` turns them into wall-clock seconds (0.01: a 30 s operation takes 0.3 s), so a test
can run the model at a hundredth of the time while the headers still say what ARM says.
The client must scale its own waits the same way (`ArmPipeline(poll_delay_scale=…)`).

Where each number comes from (docs/performance.md "The realistic ARM" has the table):

* Throttling: since 2024 ARM throttles with token buckets per subscription, per principal
  (service principal or managed identity) and per operation type, per region: reads 250
  tokens refilled at 25 per second, writes 200 at 10, deletes 200 at 10 ("Request limits and
  throttling", learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-
  throttling, "Regional throttling and token bucket algorithm"). A GET is a read; anything else
  (PUT, PATCH, and a POST action such as `getBgpPeerStatus`) a write — ARM reports writes in
  `x-ms-ratelimit-remaining-subscription-writes` "for non-GET requests" (same page, "Remaining
  requests"). A throttled request gets 429 with `Retry-After` (seconds) and ARM's
  `SubscriptionRequestsThrottled` error; every answer carries the remaining count.
* Plain reads: tens to hundreds of milliseconds (`get_ms`, drawn per request).
* The gateway diagnostic actions and a NIC's `effectiveRouteTable` are long-running
  operations that take seconds to a minute (`lro_s`); their status polls are answered with
  `Retry-After: 10` (`Fidelity.retry_after_s`: ARM's guidance and what the network provider
  sends, seen in azure-powershell#20530's debug log). Microsoft publishes no duration for
  them; "This operation could take several seconds to finish" is all the effective-route
  cmdlet's reference says. Each resource's duration is drawn once from its range (seeded:
  a run is repeatable, and a benchmark can compute its own floor, `lro_duration_s`).
* Whether a gateway runs its diagnostic operations one at a time: no Microsoft source says
  so, so it is a mode (`serial_gateway_actions`, off by default): when on, the actions on one
  gateway queue behind each other.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

# (bucket size, refill per second), per subscription + principal + operation type.
READS = (250, 25.0)
WRITES = (200, 10.0)
DELETES = (200, 10.0)

# Azure's seconds per long-running action, (shortest, longest).
LRO_SECONDS: dict[str, tuple[float, float]] = {
    "getbgppeerstatus": (5.0, 30.0),
    "getvpnclientconnectionhealth": (5.0, 30.0),
    "getlearnedroutes": (10.0, 60.0),
    "getadvertisedroutes": (10.0, 60.0),
    "effectiveroutetable": (5.0, 30.0),
}
DEFAULT_LRO_SECONDS = (5.0, 30.0)


@dataclass(frozen=True)
class LatencyModel:
    """The realistic mode's settings (see the module docstring for their sources)."""

    scale: float = 1.0  # wall-clock seconds per Azure second
    get_ms: tuple[float, float] = (40.0, 250.0)  # a GET or a list page
    write_ms: tuple[float, float] = (80.0, 400.0)  # a PUT, PATCH, DELETE, or a POST's first answer
    lro_s: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(LRO_SECONDS))
    reads: tuple[int, float] = READS
    writes: tuple[int, float] = WRITES
    deletes: tuple[int, float] = DELETES
    throttle: bool = True
    serial_gateway_actions: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise ValueError(
                f"scale must be > 0 (1 = Azure's own time, 0.01 = a hundred times faster), got {self.scale!r}"
            )

    def lro_duration_s(self, resource_key: str, action: str) -> float:
        """How long `action` on this resource takes, in Azure's seconds (the same every run
        for the same seed: a benchmark computes its floor with it)."""
        lo, hi = self.lro_s.get(action.lower(), DEFAULT_LRO_SECONDS)
        digest = hashlib.sha256(f"{self.seed}|{resource_key.lower()}|{action.lower()}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        return lo + (hi - lo) * u

    @staticmethod
    def from_json(value: Any, where: str = "estate") -> LatencyModel | None:
        """An estate's `"arm": {"latency": …}`: "realistic", or an object of these fields
        (camelCase: `scale`, `serialGatewayActions`, `throttle`, `seed`); None for "none"."""
        if value in (None, "none", False):
            return None
        if value == "realistic" or value is True:
            return LatencyModel()
        if isinstance(value, dict):
            names = {
                "scale": "scale",
                "serialGatewayActions": "serial_gateway_actions",
                "throttle": "throttle",
                "seed": "seed",
            }
            unknown = sorted(set(value) - set(names))
            if unknown:
                raise ValueError(f'{where}: "arm.latency": unknown key(s) {unknown}; known: {sorted(names)}')
            return LatencyModel(**{names[k]: v for k, v in value.items()})
        raise ValueError(f'{where}: "arm.latency" is "realistic", "none" or an object, e.g. {{"scale": 0.01}}')


class TokenBucket:
    """ARM's token bucket: `size` tokens, `refill` per second, in Azure's seconds."""

    def __init__(self, size: int, refill: float, now: float) -> None:
        self.size, self.refill = float(size), refill
        self.tokens, self.at = float(size), now

    def take(self, now: float) -> float:
        """Take a token: 0 when admitted, else the Azure seconds until one is there."""
        self.tokens = min(self.size, self.tokens + (now - self.at) * self.refill)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.refill


@dataclass(frozen=True)
class Admission:
    """What the buckets said about one request."""

    kind: str  # reads | writes | deletes
    remaining: int
    retry_after_s: float = 0.0  # > 0: throttled

    @property
    def throttled(self) -> bool:
        return self.retry_after_s > 0


class LatencyRuntime:
    """The model at work in one emulator: its clock, its buckets, its per-gateway queue."""

    def __init__(self, model: LatencyModel) -> None:
        self.model = model
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._busy_until: dict[str, float] = {}
        self._rng = random.Random(model.seed)
        self.throttled = 0

    def now(self) -> float:
        """Azure's clock: wall-clock seconds divided by the scale."""
        return time.monotonic() / self.model.scale

    def sleep(self, azure_s: float) -> None:
        if azure_s > 0:
            time.sleep(azure_s * self.model.scale)

    def answer_delay_s(self, method: str) -> float:
        lo, hi = self.model.get_ms if method == "GET" else self.model.write_ms
        with self._lock:
            return self._rng.uniform(lo, hi) / 1000.0

    def admit(self, method: str, subscription: str, principal: str) -> Admission:
        """Take a token from the request's bucket (subscription + principal + operation type)."""
        kind = "reads" if method in ("GET", "HEAD") else "deletes" if method == "DELETE" else "writes"
        size, refill = getattr(self.model, kind)
        key = (subscription.lower(), principal, kind)
        with self._lock:
            now = self.now()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(size, refill, now)
            wait = bucket.take(now) if self.model.throttle else 0.0
            if wait > 0:
                self.throttled += 1
            return Admission(kind, int(bucket.tokens), wait)

    def lro_ready_at(self, gateway_key: str, resource_key: str, action: str) -> float:
        """When (Azure's clock) an action started now finishes; queued behind the gateway's
        other actions in the serial mode."""
        duration = self.model.lro_duration_s(resource_key, action)
        with self._lock:
            start = self.now()
            if self.model.serial_gateway_actions and gateway_key:
                start = max(start, self._busy_until.get(gateway_key, start))
                self._busy_until[gateway_key] = start + duration
            return start + duration

    def done(self, ready_at: float) -> bool:
        return self.now() >= ready_at


def throttled_body(kind: str) -> dict[str, Any]:
    """ARM's answer to a request over the subscription's limit (request-limits-and-throttling:
    "Error code"; the code is the one ARM sends for subscription throttling)."""
    op = {"reads": "read", "writes": "write", "deletes": "delete"}[kind]
    return {
        "error": {
            "code": "SubscriptionRequestsThrottled",
            "message": f"Number of '{op}' requests for subscription exceeded the limit. Please try again after some time.",
        }
    }


def retry_after_header(azure_s: float) -> str:
    """Retry-After as ARM writes it: whole seconds, at least 1."""
    return str(max(1, math.ceil(azure_s)))
