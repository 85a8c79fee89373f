"""The SDK clients every ARM call goes through, and the policies of their one pipeline.

`ArmPipeline` builds the management clients (azure-mgmt-network, -resource,
-resource-subscriptions, -privatedns, -dnsresolver) lazily, one per subscription and kind,
shared by every thread of `commands.core.fanout.gather`, all with the same credential, base
URL, loopback-only `enforce_https` lift (`bot.arm.credentials.LoopbackHttpPolicy`), retry
policy, timeouts, polling of long-running operations and in-flight limit.

Reliability, in one place (defaults in brackets):

* ONE retry layer: azure-core's own `RetryPolicy`, tuned (`_ArmRetryPolicy`). It already sits
  in every SDK pipeline, so it also covers paging (`nextLink`) and LRO status polls, which a
  retry wrapper around a port method (tenacity) would restart from scratch — re-submitting
  the long-running POST. It honours Retry-After on 429/503. Tuned: [3] retries; exponential
  backoff [0.8 s, ×2, capped 8 s] with jitter so parallel workers do not retry in lock-step;
  a read timeout is retried [once]. ARM's throttling (429 with Retry-After) is waited out as
  often as it takes (at most `MAX_THROTTLED_RETRIES`) — but never past the job's deadline
  (`bot.arm.deadline`): a wait that would end after it fails the call at once as `throttled`,
  with Azure's Retry-After, so the answer says what was throttled and when to try again.
  tenacity is not used here: two stacked layers would multiply attempts (4 × 4).
* ARM's token buckets, respected before they answer 429 (`_ArmRateLimit`): per subscription
  and operation type (reads; writes and POST actions; deletes), the documented size and refill
  (250 + 25/s, 200 + 10/s), lowered to what ARM's `x-ms-ratelimit-remaining-subscription-*`
  headers say is left (other processes of the same identity share the bucket). A bucket exists
  only once ARM has sent its header (the plain sandbox sends none, and is not paced).
* Per-request timeouts on the transport: connect [5 s], read [min(15 s, deadline/4)], so a
  call that never answers fails as `timeout` after at most two reads (one retry).
* The deadline: the job's (`bot.arm.deadline`, VPNOPS_JOB_DEADLINE_S), else [`arm_timeout_s`,
  60 s] per call outside a job: RetryPolicy's absolute timeout and the wait for a long-running
  operation (`bot.arm.calls`). LRO polls wait what Azure's Retry-After
  says (0 included — azure-core alone would treat 0 as "absent" and wait
  `polling_interval`), and [1 s] when Azure says nothing; times [`poll_delay_scale`, 1] — the
  sandbox answers with ARM's Retry-After (10 s) and a test need not wait it out. The same
  scale applies to 429 waits and to the token buckets' clock (the sandbox's realistic mode
  runs Azure's time scaled, `sandbox.arm.latency`).
* Where a POST action's result is (`action_polling`): Azure's definitions of the actions the
  bot calls say `final-state-via: location`, so the result is read at the `Location` URL when
  Azure gives one. Their published examples answer 202 with `Azure-AsyncOperation` only; the
  network provider has then been seen answering the status URL with the result itself,
  without `status` (Azure/azure-rest-api-specs#34019). azure-core alone takes that status URL's
  last body — `{"status": "Succeeded"}` — as the result, and the bot showed 0 VPN clients
  instead of 2. The answer and where it came from go back to `bot.arm.calls`, which reads the
  result or says it could not.
* At most `concurrency` HTTP requests in flight across all threads and clients, the most
  urgent waiting one first (`bot.arm.slots`), on one shared `requests.Session` whose pool is
  larger than that, so urllib3 never warns "Connection pool is full" and never serializes.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar
from urllib.parse import urlsplit

import requests
import structlog
from azure.core.credentials import TokenCredential
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy, RetryPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.polling.base_polling import LocationPolling, StatusCheckPolling
from azure.mgmt.core.polling.arm_polling import ARMPolling, AzureAsyncOperationPolling
from azure.mgmt.dnsresolver import DnsResolverManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.arm.credentials import LoopbackHttpPolicy, check_arm_url, is_loopback_http
from bot.arm.deadline import time_left
from bot.arm.errors import says_another_operation
from bot.arm.slots import POLL, InFlightLimit, Slots

if TYPE_CHECKING:
    from azure.mgmt.monitor import MonitorManagementClient
    from azure.mgmt.resourcegraph import ResourceGraphClient
    from azure.mgmt.resourcehealth import ResourceHealthMgmtClient

T = TypeVar("T")

log = structlog.get_logger("bot.arm")

PUBLIC_ARM = "https://management.azure.com"
# GET, PUT, DELETE… are retried by azure-core on a read timeout; POST is not, because a POST
# may not be idempotent. The gateway/NIC actions we POST (getLearnedRoutes, …) only read,
# so for those — and only those — POST is added (`retry_on_methods=` of the operation).
READ_ONLY_POST = frozenset({"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST"})
# 429s waited out per request at most (each wait is Azure's Retry-After, within the deadline).
MAX_THROTTLED_RETRIES = 30


class _ArmRetryPolicy(RetryPolicy[Any, Any]):
    """azure-core's RetryPolicy with jittered backoff, ARM's throttling waited out within the
    job's deadline, and a log line per retry (the structlog equivalent of tenacity's before_sleep)."""

    def __init__(
        self,
        *,
        max_retry_after_s: float | None = None,
        time_scale: float = 1.0,
        default_timeout_s: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._max_retry_after_s = max_retry_after_s
        self._time_scale = time_scale
        self._default_timeout_s = default_timeout_s

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings = super().configure_retries(options)
        settings["started"] = time.monotonic()
        settings["timeout"] = time_left(self._default_timeout_s)
        settings["throttled"] = 0
        return settings

    def get_retry_after(self, response: PipelineResponse[Any, Any]) -> float | None:
        wait = super().get_retry_after(response)
        return wait * self._time_scale if wait is not None else None

    def increment(self, settings: dict[str, Any], response: Any = None, error: Exception | None = None) -> bool:
        throttled = (
            error is None
            and isinstance(response, PipelineResponse)
            and response.http_response.status_code == 429
            and settings["throttled"] < MAX_THROTTLED_RETRIES
        )
        if not throttled:
            return bool(super().increment(settings, response=response, error=error))
        # ARM's throttling is not a failure of the request: it does not use up a retry.
        settings["throttled"] += 1
        total, status = settings["total"], settings["status"]
        super().increment(settings, response=response, error=error)
        settings["total"], settings["status"] = total, status
        return True

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        if not super().is_retry(settings, response):
            return False
        http = response.http_response
        if http.status_code == 429 and says_another_operation(_body_text(http)):
            # Not throttling: another operation holds the resource. Sending the same request
            # again after Retry-After would write a plan made before that operation; the
            # caller waits for it and plans again instead (bot.arm.errors).
            log.info("arm_not_retried_another_operation", path=urlsplit(str(http.request.url)).path)
            return False
        wait = self.get_retry_after(response)
        if wait is None:
            return True
        elapsed = time.monotonic() - settings["started"]
        too_long = self._max_retry_after_s is not None and wait / self._time_scale > self._max_retry_after_s
        if too_long or elapsed + wait > settings["timeout"]:
            # The wait would end after the job's deadline: fail now (429 → "throttled" with
            # Azure's Retry-After, 503 → "unavailable"); the answer says what and when.
            log.info("arm_retry_after_too_long", status=response.http_response.status_code, retry_after_s=wait)
            return False
        return True

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        base = super().get_backoff_time(settings)
        return base * (0.5 + random.random() / 2) if base > 0 else 0.0  # jitter, not crypto

    def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
        history = settings["history"]
        status = response.http_response.status_code if response is not None else None
        # Azure's Retry-After as it said it (the wait itself is scaled in the sandbox).
        wait = super().get_retry_after(response) if response is not None else None
        path = urlsplit(str(history[-1].http_request.url)).path if history else ""
        log.info(
            "arm_retry",
            attempt=len(history),
            status=status,
            retry_after_s=wait,
            reason="status" if response is not None else "no_answer",
            path=path,
        )
        super().sleep(settings, transport, response)


def _body_text(http: Any) -> str:
    """The body of an error answer as text, reading a streamed one first; "" when unreadable."""
    try:
        read = getattr(http, "read", None)
        if callable(read):
            read()
        return str(http.text())
    except Exception:  # noqa: BLE001 - an unreadable body just is not the one we look for
        return ""


_SUBSCRIPTION = re.compile(r"/subscriptions/([^/?#]+)", re.IGNORECASE)
# ARM's token buckets per subscription and principal (request-limits-and-throttling, "Regional
# throttling and token bucket algorithm"): (size, refill per second) by operation type.
ARM_BUCKETS = {"reads": (250.0, 25.0), "writes": (200.0, 10.0), "deletes": (200.0, 10.0)}
# The share of a bucket's refill the paced requests get once it is empty; the rest is for the
# status polls of long-running operations, which are not queued behind a flood of reads.
PACED_SHARE = 0.9
# The share of the reads bucket the paced requests leave untouched, for those polls: the
# diagnostic operations of /vpn status all start within seconds of each other, so their polls
# come in bursts (250 in 4 s) that 10 % of the refill cannot admit; each 429 on a poll set that
# operation's later polls back by a Retry-After, and its answer with them.
POLL_RESERVE = 0.2


class ArmBuckets:
    """This process's view of ARM's token buckets, per (subscription, operation type): a token
    is reserved before each request (a wait when the bucket is empty), and the level is lowered
    to what ARM's `x-ms-ratelimit-remaining-subscription-<type>` header reports. Only buckets
    ARM has reported on are paced. `time_scale`: wall seconds per Azure second (sandbox)."""

    def __init__(self, time_scale: float = 1.0) -> None:
        self._scale = time_scale
        self._lock = threading.Lock()
        self._levels: dict[tuple[str, str], list[float]] = {}  # key -> [tokens, at (Azure s)]
        self.waited_s = 0.0

    def _now(self) -> float:
        return time.monotonic() / self._scale

    def _refill(self, key: tuple[str, str], now: float) -> list[float]:
        size, refill = ARM_BUCKETS[key[1]]
        level = self._levels[key]
        level[0] = min(size, level[0] + (now - level[1]) * refill)
        level[1] = now
        return level

    def reserve(self, subscription: str, kind: str, priority: bool = False) -> float:
        """Reserve a token: the wall seconds to wait before sending (0: send now). A `priority`
        request (a long-running operation's status poll: the answer waits on it, Retry-After
        by Retry-After) takes its token at once; the others leave `POLL_RESERVE` of the reads
        bucket to those and are paced at `PACED_SHARE` of the refill once it is reached."""
        key = (subscription.lower(), kind)
        with self._lock:
            if key not in self._levels:
                return 0.0
            level = self._refill(key, self._now())
            level[0] -= 1.0
            size, refill = ARM_BUCKETS[kind]
            floor = size * POLL_RESERVE if kind == "reads" else 0.0
            if level[0] >= floor or priority:
                return 0.0
            wait = (floor - level[0]) / (refill * PACED_SHARE) * self._scale
            self.waited_s += wait
            return wait

    def observe(self, subscription: str, kind: str, remaining: float) -> None:
        """ARM said `remaining` requests of this type are left in the subscription's bucket."""
        key = (subscription.lower(), kind)
        with self._lock:
            now = self._now()
            if key not in self._levels:
                self._levels[key] = [min(remaining, ARM_BUCKETS[kind][0]), now]
                return
            level = self._refill(key, now)
            level[0] = min(level[0], remaining)


def request_kind(method: str) -> str:
    """ARM's operation type of a request: GET reads; DELETE deletes; anything else (PUT,
    PATCH, and a POST action) writes."""
    m = method.upper()
    return "reads" if m in ("GET", "HEAD") else "deletes" if m == "DELETE" else "writes"


class _ArmRateLimit(HTTPPolicy[Any, Any]):
    """Per-retry policy: wait for a token of ARM's bucket before sending (never past the job's
    deadline — ARM's own 429 then decides), and learn the level from ARM's answer."""

    def __init__(self, buckets: ArmBuckets) -> None:
        super().__init__()
        self._buckets = buckets

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        http = request.http_request
        path = urlsplit(str(http.url)).path
        found = _SUBSCRIPTION.search(path)
        kind = request_kind(http.method)
        if found:
            poll = bool(POLL.search(path))
            wait = min(self._buckets.reserve(found.group(1), kind, priority=poll), time_left(float("inf")))
            if wait > 0:
                time.sleep(wait)
        response = self.next.send(request)
        if found:
            raw = response.http_response.headers.get(f"x-ms-ratelimit-remaining-subscription-{kind}")
            try:
                remaining = float(raw) if raw is not None else None
            except ValueError:
                remaining = None
            if remaining is not None:
                self._buckets.observe(found.group(1), kind, remaining)
        return response


class _ArmPolling(ARMPolling):
    """ARMPolling that honours Retry-After exactly, 0 included (azure-core treats a 0 as
    "no header" and falls back to the configured interval), times `delay_scale`."""

    def __init__(self, timeout: float, *, delay_scale: float = 1.0, **kwargs: Any) -> None:
        super().__init__(timeout, **kwargs)
        self._delay_scale = delay_scale

    def _extract_delay(self) -> float:
        return self._asked_delay() * self._delay_scale

    def _poll(self) -> None:
        """First wait what the 202 says (Retry-After), then poll. azure-core asks at once, then
        waits: that first poll of an operation Azure said would take a while costs a read of the
        subscription's bucket, and sets every later poll off by however long it waited for a
        connection — the slowest operation of /vpn status all was found up to 4 s after it ended."""
        if not self.finished() and self._says_when():
            self._delay()
        super()._poll()

    def _says_when(self) -> bool:
        headers = self._pipeline_response.http_response.headers
        return any(headers.get(n) for n in ("retry-after", "retry-after-ms", "x-ms-retry-after-ms"))

    def _asked_delay(self) -> float:
        headers = self._pipeline_response.http_response.headers
        for name, scale in (("retry-after", 1.0), ("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001)):
            raw = headers.get(name)
            if raw is None or not str(raw).strip():
                continue
            try:
                return max(0.0, float(raw) * scale)
            except ValueError:
                try:
                    when = parsedate_to_datetime(str(raw))
                except (TypeError, ValueError):
                    continue
                return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())
        return float(self._timeout)


@dataclass(frozen=True)
class ActionAnswer:
    """The last answer of a POST action, and where it came from:

    * "location" — the `Location` URL's final answer (the definitions' `final-state-via`);
    * "result"   — the `Azure-AsyncOperation` URL answered with a body without `status`: the
                   result itself (no `Location` was given);
    * "status"   — the `Azure-AsyncOperation` URL's status body (`{"status": "Succeeded", …}`),
                   and no `Location` to read a result from;
    * "initial"  — the POST answered at once (200 with the result).

    `body` is the answer's JSON (None when it had no body, its text when that is not JSON)."""

    body: Any
    source: str


class _ActionStatusPolling(AzureAsyncOperationPolling):  # type: ignore[type-arg]
    """`Azure-AsyncOperation` polling of a POST action whose answer is a result: the result is
    at the `Location` URL when there is one (`final-state-via: location`); a status URL that
    answers 200 with a body without `status` has answered with the result."""

    def __init__(self) -> None:
        super().__init__(lro_options={"final-state-via": "location"})
        self.result_in_status = False
        self.final_url = ""

    def get_status(self, pipeline_response: Any) -> str:
        response = pipeline_response.http_response
        if response.request.method == "GET" and response.status_code == 200:
            body = _json_or_none(response)
            if isinstance(body, dict) and "status" not in body:
                self.result_in_status = True
                return "Succeeded"
        return str(super().get_status(pipeline_response))

    def get_final_get_url(self, pipeline_response: Any) -> str | None:
        if self.result_in_status:
            return None
        url = super().get_final_get_url(pipeline_response)
        self.final_url = url or ""
        return url


class _ActionPolling(_ArmPolling):
    """The polling of one POST action: its result, where Azure put it, as an `ActionAnswer`
    (the SDK's own deserialization would turn any JSON object into an empty result)."""

    def __init__(self, timeout: float, **kwargs: Any) -> None:
        self._status_polling = _ActionStatusPolling()
        super().__init__(
            timeout, lro_algorithms=[self._status_polling, LocationPolling(), StatusCheckPolling()], **kwargs
        )

    def resource(self) -> ActionAnswer:
        body = _json_or_none(self._pipeline_response.http_response)
        if self._operation is not self._status_polling:
            # Location polling ends on the Location URL's answer; no polling at all on the POST's.
            initial = self._pipeline_response is self._initial_response
            return ActionAnswer(body, "initial" if initial else "location")
        if self._status_polling.result_in_status:
            return ActionAnswer(body, "result")
        return ActionAnswer(body, "location" if self._status_polling.final_url else "status")


def _json_or_none(response: Any) -> Any:
    """A response's JSON; None when it has no body; its text when that is not JSON."""
    try:
        text = response.text()
    except Exception:  # noqa: BLE001 - a body that cannot be read is read as none
        return None
    if not text or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


class PipelineOptions(TypedDict, total=False):
    """How `ArmPipeline` talks to ARM (its keyword arguments, for those that pass them on)."""

    base_url: str | None
    concurrency: int
    call_timeout_s: float
    read_timeout_s: float | None
    connect_timeout_s: float
    retry_total: int
    retry_backoff_s: float
    retry_backoff_max_s: float
    max_retry_after_s: float | None
    polling_interval_s: float
    poll_delay_scale: float


class ArmPipeline:
    """The SDK clients of one ArmClient, built on first use and shared across threads, all
    on one HTTP session, one in-flight limit and the policies above."""

    def __init__(
        self,
        credential: TokenCredential,
        *,
        base_url: str | None = None,
        concurrency: int = 16,
        call_timeout_s: float = 60.0,
        read_timeout_s: float | None = None,
        connect_timeout_s: float = 5.0,
        retry_total: int = 3,
        retry_backoff_s: float = 0.8,
        retry_backoff_max_s: float = 8.0,
        max_retry_after_s: float | None = None,
        polling_interval_s: float = 1.0,
        poll_delay_scale: float = 1.0,
    ) -> None:
        """`base_url`: None for public Azure; an https URL; or http to a loopback host (the
        sandbox — the token may then go over plain HTTP). Plain HTTP elsewhere is refused
        (InsecureArmUrlError). `call_timeout_s`: deadline of one port call.
        `poll_delay_scale`: multiplies every wait between LRO polls (1 against Azure; the
        sandbox's tests and console shrink ARM's Retry-After with it)."""
        self.base_url = check_arm_url(base_url, "base_url") if base_url else PUBLIC_ARM
        self.credential = credential
        self.concurrency = max(1, int(concurrency))
        self.call_timeout_s = float(call_timeout_s)
        self._loopback_http = is_loopback_http(self.base_url)
        self._read_timeout_s = float(read_timeout_s) if read_timeout_s else min(15.0, max(1.0, self.call_timeout_s / 4))
        self._connect_timeout_s = min(float(connect_timeout_s), self._read_timeout_s)
        self._retry = {
            "retry_total": retry_total,
            "retry_connect": 2,
            "retry_read": 1,
            "retry_status": retry_total,
            "retry_backoff_factor": retry_backoff_s,
            "retry_backoff_max": retry_backoff_max_s,
            "timeout": self.call_timeout_s,
        }
        self._max_retry_after_s = max_retry_after_s
        self._polling_interval_s = polling_interval_s
        self._poll_delay_scale = float(poll_delay_scale)
        self.buckets = ArmBuckets(self._poll_delay_scale)
        self._slots = Slots(self.concurrency)
        self._session = self._new_session()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def network(self, sub: str) -> NetworkManagementClient:
        return self._client(
            "network", sub, lambda: NetworkManagementClient(self.credential, sub, self.base_url, **self._sdk_kwargs())
        )

    def resources(self, sub: str) -> ResourceManagementClient:
        return self._client(
            "resources",
            sub,
            lambda: ResourceManagementClient(self.credential, sub, self.base_url, **self._sdk_kwargs()),
        )

    def privatedns(self, sub: str) -> PrivateDnsManagementClient:
        return self._client(
            "privatedns",
            sub,
            lambda: PrivateDnsManagementClient(self.credential, sub, self.base_url, **self._sdk_kwargs()),
        )

    def dnsresolver(self, sub: str) -> DnsResolverManagementClient:
        return self._client(
            "dnsresolver",
            sub,
            lambda: DnsResolverManagementClient(self.credential, sub, self.base_url, **self._sdk_kwargs()),
        )

    def subscriptions(self) -> SubscriptionClient:
        return self._client(
            "subscriptions", "", lambda: SubscriptionClient(self.credential, self.base_url, **self._sdk_kwargs())
        )

    def metrics_client(self, endpoint: str, audience: str) -> Any:
        """An azure-monitor-querymetrics `MetricsClient` on `endpoint` (a regional metrics
        endpoint, or the sandbox's on loopback), on this pipeline's session, retry policy
        (529 added: the batch API's throttling answer) and in-flight limit."""
        from azure.monitor.querymetrics import MetricsClient

        kwargs = self._sdk_kwargs()
        kwargs.pop("polling_interval", None)
        kwargs["retry_policy"] = _ArmRetryPolicy(
            max_retry_after_s=self._max_retry_after_s,
            time_scale=self._poll_delay_scale,
            default_timeout_s=self.call_timeout_s,
            retry_on_status_codes=[529],
            **self._retry,
        )
        # Not ARM: its token buckets do not apply; the in-flight limit does.
        kwargs["per_retry_policies"] = [InFlightLimit(self._slots, self._read_timeout_s + self._connect_timeout_s)]
        if is_loopback_http(endpoint):
            kwargs["per_call_policies"] = [LoopbackHttpPolicy()]
        return MetricsClient(endpoint, self.credential, audience=audience, **kwargs)

    def resourcegraph(self) -> ResourceGraphClient:
        """Azure Resource Graph (tenant-level: the subscriptions go in each query's body).
        These three SDKs are imported on first use: only /vpn changes and the incident context
        need them, so the worker's cold start does not pay for them."""
        from azure.mgmt.resourcegraph import ResourceGraphClient

        return self._client(
            "resourcegraph", "", lambda: ResourceGraphClient(self.credential, self.base_url, **self._sdk_kwargs())
        )

    def monitor(self, sub: str) -> MonitorManagementClient:
        """Azure Monitor's management API (the Activity Log)."""
        from azure.mgmt.monitor import MonitorManagementClient

        return self._client(
            "monitor", sub, lambda: MonitorManagementClient(self.credential, sub, self.base_url, **self._sdk_kwargs())
        )

    def resourcehealth(self, sub: str) -> ResourceHealthMgmtClient:
        """Resource Health (availability statuses)."""
        from azure.mgmt.resourcehealth import ResourceHealthMgmtClient

        return self._client(
            "resourcehealth",
            sub,
            lambda: ResourceHealthMgmtClient(self.credential, sub, self.base_url, **self._sdk_kwargs()),
        )

    def polling(self) -> ARMPolling:
        """The polling method of one long-running operation."""
        return _ArmPolling(
            self._polling_interval_s,
            delay_scale=self._poll_delay_scale,
            path_format_arguments={"endpoint": self.base_url},
        )

    def action_polling(self) -> ARMPolling:
        """The polling method of one POST action whose answer is a result: the poller's
        `result()` is an `ActionAnswer`, read by `bot.arm.calls`."""
        return _ActionPolling(
            self._polling_interval_s,
            delay_scale=self._poll_delay_scale,
            path_format_arguments={"endpoint": self.base_url},
        )

    def close(self) -> None:
        """Close every SDK client and the shared HTTP session."""
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for c in clients:
            try:
                c.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        self._session.close()

    def _client(self, kind: str, subscription_id: str, factory: Callable[[], T]) -> T:
        key = (kind, subscription_id.lower())
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = factory()
                self._clients[key] = client
            return client

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        # The sandbox is on loopback: never route it through an HTTP(S)_PROXY of the host.
        session.trust_env = not self._loopback_http
        # urllib3's own retries off: azure-core's RetryPolicy is the only retry layer.
        no_retries = Retry(total=False, redirect=False, raise_on_status=False)
        # Pool bigger than the in-flight limit: streamed LRO first responses are read just
        # after their slot is released, so a little headroom avoids "Connection pool is full".
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=self.concurrency * 2 + 8, max_retries=no_retries)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def _sdk_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "transport": RequestsTransport(
                session=self._session,
                session_owner=False,
                connection_timeout=self._connect_timeout_s,
                read_timeout=self._read_timeout_s,
            ),
            # A fresh policy object per pipeline: azure-core chains policies through `.next`.
            "retry_policy": _ArmRetryPolicy(
                max_retry_after_s=self._max_retry_after_s,
                time_scale=self._poll_delay_scale,
                default_timeout_s=self.call_timeout_s,
                **self._retry,
            ),
            "per_retry_policies": [
                _ArmRateLimit(self.buckets),
                InFlightLimit(self._slots, self._read_timeout_s + self._connect_timeout_s),
            ],
            "polling_interval": self._polling_interval_s,
        }
        if self._loopback_http:
            kwargs["per_call_policies"] = [LoopbackHttpPolicy()]
        return kwargs
