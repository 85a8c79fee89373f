"""`ArmClient`: the domain's `AzurePort`, implemented with the real Azure SDKs.

azure-mgmt-network 33 (api-version 2026-03-01), azure-mgmt-resource 26 (generic resources),
azure-mgmt-resource-subscriptions 1 (SubscriptionClient moved out of azure-mgmt-resource in
25.0), azure-mgmt-privatedns 2, azure-mgmt-dnsresolver 1.1 — against real Azure or, over
loopback HTTP, the sandbox ARM emulator. SDK models are converted in `bot.arm.convert`;
every failure becomes `commands.core.errors.AzureFailure` (`bot.arm.errors`).

Reliability, in one place (defaults in brackets):

* ONE retry layer: azure-core's own `RetryPolicy`, tuned (`_ArmRetryPolicy`). It already sits
  in every SDK pipeline, so it also covers paging (`nextLink`) and LRO status polls, which a
  retry wrapper around a port method (tenacity) would restart from scratch — re-submitting
  the long-running POST. It honours Retry-After on 429/503. Tuned: [3] retries; exponential
  backoff [0.8 s, ×2, capped 8 s] with jitter so parallel workers do not retry in lock-step;
  a read timeout is retried [once]; a Retry-After longer than [15 s] or past the call's
  deadline is not waited for — the call fails at once as `throttled` (the user is told to
  try again in a minute) instead of silently eating the answer's time budget. tenacity is
  not used here: two stacked layers would multiply attempts (4 × 4).
* Per-request timeouts on the transport: connect [5 s], read [min(15 s, deadline/4)], so a
  call that never answers fails as `timeout` after at most two reads (one retry).
* Per-call deadline [`arm_timeout_s`, 60 s]: RetryPolicy's absolute timeout and the wait
  for a long-running operation. LRO polls wait what Azure's Retry-After says (0 included —
  azure-core alone would treat 0 as "absent" and wait `polling_interval`), and
  [1 s] when Azure says nothing.
* At most `concurrency` HTTP requests in flight across all threads and clients (a semaphore
  in a per-retry policy), on one shared `requests.Session` whose pool is larger than that,
  so urllib3 never warns "Connection pool is full" and never serializes.

Hot reads without SDK models: the reads `/vpn status` makes by the hundred (connection and
shared-key GETs, the per-group lists of gateways / connections / local network gateways, the
generic resource list) go through the SDK client's own pipeline (`_read_json`: same policies,
retries, deadline, in-flight limit, token, loopback rule) but return ARM's JSON as is. The
SDK's models would first build a typed object tree from that JSON (~0.3 ms per resource),
which `bot.arm.convert` then turns back into JSON (`as_dict`): a third of a GET's CPU, paid
under one interpreter lock while 16 calls are in flight (docs/performance.md).
They keep the SDK's URLs, api-versions (`NETWORK_API_VERSION`, `RESOURCES_API_VERSION`,
pinned against the SDK by tests/integration/test_arm_client_raw_reads.py), paging (`nextLink`
as given) and error mapping (`map_error` + `HttpResponseError` in ARM's error format).

Thread-safe: one SDK client per subscription and kind, created lazily under a lock and
shared by every thread of `commands.core.fanout.gather`.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
import structlog
from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ResourceNotModifiedError,
    ServiceRequestTimeoutError,
    map_error,
)
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy, RetryPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest
from azure.mgmt.core.exceptions import ARMErrorFormat
from azure.mgmt.core.polling.arm_polling import ARMPolling
from azure.mgmt.dnsresolver import DnsResolverManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.arm import convert
from bot.arm.credentials import LoopbackHttpPolicy, check_arm_url, is_loopback_http
from bot.arm.errors import to_failure
from commands.core.errors import AzureFailure
from commands.core.model import (
    PEERING_FLAGS,
    BgpPeer,
    Connection,
    DnsResolver,
    DnsZoneGroup,
    EffectiveRoute,
    Gateway,
    GatewayRoute,
    GenericResource,
    LocalNetworkGateway,
    NetworkInterface,
    P2SClient,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    ResourceId,
    SqlServer,
    Subscription,
    VirtualNetwork,
    name_of,
)

T = TypeVar("T")
X = TypeVar("X")

log = structlog.get_logger("bot.arm")

PUBLIC_ARM = "https://management.azure.com"
# Microsoft.Sql has no SDK here (generic resources need an explicit api-version): the GA
# version every cloud serves.
SQL_API_VERSION = "2021-11-01"
# The api-versions the SDK operations send (azure-mgmt-network 33, azure-mgmt-resource 26), used
# by the raw reads below so they ask ARM exactly what the SDK would.
NETWORK_API_VERSION = "2026-03-01"
RESOURCES_API_VERSION = "2025-04-01"
# What the SDK operations map a non-2xx answer to before HttpResponseError (bot.arm.errors
# reads the status and ARM's error body either way).
_ERROR_MAP: dict[int, type[HttpResponseError]] = {
    401: ClientAuthenticationError,
    404: ResourceNotFoundError,
    409: ResourceExistsError,
    304: ResourceNotModifiedError,
}
# GET, PUT, DELETE… are retried by azure-core on a read timeout; POST is not, because a POST
# may not be idempotent. The gateway/NIC actions we POST (getLearnedRoutes, …) only read,
# so for those — and only those — POST is added.
_READ_ONLY_POST = frozenset({"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST"})
_RESOURCE_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9.]*(/[A-Za-z][A-Za-z0-9]*)+$")


# ---------------------------------------------------------------------------------------
# Pipeline pieces
# ---------------------------------------------------------------------------------------


class _ArmRetryPolicy(RetryPolicy[Any, Any]):
    """azure-core's RetryPolicy with jittered backoff, a cap on Retry-After and a log line
    per retry (the structlog equivalent of tenacity's before_sleep)."""

    def __init__(self, *, max_retry_after_s: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._max_retry_after_s = max_retry_after_s

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings = super().configure_retries(options)
        settings["started"] = time.monotonic()
        return settings

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        if not super().is_retry(settings, response):
            return False
        wait = self.get_retry_after(response)
        if wait is None:
            return True
        elapsed = time.monotonic() - settings["started"]
        if wait > self._max_retry_after_s or elapsed + wait > settings["timeout"]:
            # Waiting that long would spend the answer's whole time budget: fail now
            # (429 → "throttled", 503 → "unavailable") and let the user retry later.
            log.info("arm_retry_after_too_long", status=response.http_response.status_code, retry_after_s=wait)
            return False
        return True

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        base = super().get_backoff_time(settings)
        return base * (0.5 + random.random() / 2) if base > 0 else 0.0  # jitter, not crypto

    def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
        history = settings["history"]
        status = response.http_response.status_code if response is not None else None
        wait = self.get_retry_after(response) if response is not None else None
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


class _InFlightLimit(HTTPPolicy[Any, Any]):
    """Per-retry policy: at most N HTTP exchanges in flight across every client and thread
    (fan-outs nest: subscriptions × gateways × connections)."""

    def __init__(self, slots: threading.BoundedSemaphore, wait_s: float) -> None:
        super().__init__()
        self._slots = slots
        self._wait_s = wait_s

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        if not self._slots.acquire(timeout=self._wait_s):
            raise ServiceRequestTimeoutError(f"no free connection to Azure within {self._wait_s:g} s")
        try:
            return self.next.send(request)
        finally:
            self._slots.release()


class _ArmPolling(ARMPolling):
    """ARMPolling that honours Retry-After exactly, 0 included (azure-core treats a 0 as
    "no header" and falls back to the configured interval)."""

    def _extract_delay(self) -> float:
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


# ---------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------


class ArmClient:
    """`commands.core.port.AzurePort` over the Azure SDKs. See the module docstring for the
    retry/timeout policy. Construct directly (tests) or with `bot.arm.factory`."""

    def __init__(
        self,
        credential: TokenCredential,
        *,
        base_url: str | None = None,
        subscription_ids: Sequence[str] = (),
        concurrency: int = 16,
        call_timeout_s: float = 60.0,
        read_timeout_s: float | None = None,
        connect_timeout_s: float = 5.0,
        retry_total: int = 3,
        retry_backoff_s: float = 0.8,
        retry_backoff_max_s: float = 8.0,
        max_retry_after_s: float = 15.0,
        polling_interval_s: float = 1.0,
        subscriptions_ttl_s: float = 300.0,
    ) -> None:
        """`base_url`: None for public Azure; an https URL; or http to a loopback host (the
        sandbox — the token may then go over plain HTTP). Plain HTTP elsewhere is refused.
        `subscription_ids`: the subscriptions to work on; empty = every one the identity sees.
        `call_timeout_s`: deadline of one port call (retries and LRO wait included)."""
        self._base_url = check_arm_url(base_url, "base_url") if base_url else PUBLIC_ARM
        self._loopback_http = is_loopback_http(self._base_url)
        self._credential = credential
        self._configured = tuple(s.strip() for s in subscription_ids if s and s.strip())
        self._concurrency = max(1, int(concurrency))
        self._call_timeout_s = float(call_timeout_s)
        self._read_timeout_s = (
            float(read_timeout_s) if read_timeout_s else min(15.0, max(1.0, self._call_timeout_s / 4))
        )
        self._connect_timeout_s = min(float(connect_timeout_s), self._read_timeout_s)
        self._retry = {
            "retry_total": retry_total,
            "retry_connect": 2,
            "retry_read": 1,
            "retry_status": retry_total,
            "retry_backoff_factor": retry_backoff_s,
            "retry_backoff_max": retry_backoff_max_s,
            "timeout": self._call_timeout_s,
        }
        self._max_retry_after_s = max_retry_after_s
        self._polling_interval_s = polling_interval_s
        self._subscriptions_ttl_s = subscriptions_ttl_s
        self._slots = threading.BoundedSemaphore(self._concurrency)
        self._session = self._new_session()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._subs_cache: tuple[float, list[Subscription]] | None = None

    # -- plumbing --------------------------------------------------------------------------
    def _new_session(self) -> requests.Session:
        session = requests.Session()
        # The sandbox is on loopback: never route it through an HTTP(S)_PROXY of the host.
        session.trust_env = not self._loopback_http
        # urllib3's own retries off: azure-core's RetryPolicy is the only retry layer.
        no_retries = Retry(total=False, redirect=False, raise_on_status=False)
        # Pool bigger than the in-flight limit: streamed LRO first responses are read just
        # after their slot is released, so a little headroom avoids "Connection pool is full".
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=self._concurrency * 2 + 8, max_retries=no_retries)
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
            "retry_policy": _ArmRetryPolicy(max_retry_after_s=self._max_retry_after_s, **self._retry),
            "per_retry_policies": [_InFlightLimit(self._slots, self._read_timeout_s + self._connect_timeout_s)],
            "polling_interval": self._polling_interval_s,
        }
        if self._loopback_http:
            kwargs["per_call_policies"] = [LoopbackHttpPolicy()]
        return kwargs

    def _client(self, kind: str, subscription_id: str, factory: Callable[[], T]) -> T:
        key = (kind, subscription_id.lower())
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = factory()
                self._clients[key] = client
            return client

    def _network(self, sub: str) -> NetworkManagementClient:
        return self._client(
            "network", sub, lambda: NetworkManagementClient(self._credential, sub, self._base_url, **self._sdk_kwargs())
        )

    def _resources(self, sub: str) -> ResourceManagementClient:
        return self._client(
            "resources",
            sub,
            lambda: ResourceManagementClient(self._credential, sub, self._base_url, **self._sdk_kwargs()),
        )

    def _privatedns(self, sub: str) -> PrivateDnsManagementClient:
        return self._client(
            "privatedns",
            sub,
            lambda: PrivateDnsManagementClient(self._credential, sub, self._base_url, **self._sdk_kwargs()),
        )

    def _dnsresolver(self, sub: str) -> DnsResolverManagementClient:
        return self._client(
            "dnsresolver",
            sub,
            lambda: DnsResolverManagementClient(self._credential, sub, self._base_url, **self._sdk_kwargs()),
        )

    def _subscription_client(self) -> SubscriptionClient:
        return self._client(
            "subscriptions", "", lambda: SubscriptionClient(self._credential, self._base_url, **self._sdk_kwargs())
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

    def __enter__(self) -> ArmClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calling -----------------------------------------------------------------------------
    def _call(self, what: str, target: str, fn: Callable[[], T]) -> T:
        """Run SDK work; any failure becomes AzureFailure (logged once, without secrets)."""
        try:
            return fn()
        except AzureFailure:
            raise  # already ours, and logged where it was made
        except (AzureError, ValueError) as exc:
            failure = to_failure(exc, target)
            self._log_failure(what, failure)
            raise failure from exc

    @staticmethod
    def _log_failure(what: str, f: AzureFailure) -> None:
        log.warning("arm_call_failed", call=what, target=f.target, kind=f.kind, code=f.code, status=f.status)

    def _lro(self, what: str, target: str, start: Callable[[ARMPolling], LROPoller[Any]]) -> Any:
        """Start a long-running operation and wait for it, at most until the call's deadline."""
        deadline = time.monotonic() + self._call_timeout_s

        def run() -> Any:
            polling = _ArmPolling(self._polling_interval_s, path_format_arguments={"endpoint": self._base_url})
            poller = start(polling)
            poller.wait(timeout=max(0.0, deadline - time.monotonic()))
            if not poller.done():
                # azure-core cannot cancel its polling thread; it ends when Azure finishes.
                failure = AzureFailure(
                    "timeout",
                    f"the operation was still running after {self._call_timeout_s:g} s",
                    "OperationTimedOut",
                    target,
                )
                self._log_failure(what, failure)
                raise failure
            return poller.result()

        return self._call(what, target, run)

    def _map(self, fn: Callable[[X], T], xs: Sequence[X]) -> list[T]:
        """fn over xs, at most `concurrency` at a time, results in order; the first failure
        is raised (tasks not yet started are cancelled)."""
        if len(xs) <= 1:
            return [fn(x) for x in xs]
        pool = ThreadPoolExecutor(max_workers=min(self._concurrency, len(xs)), thread_name_prefix="arm")
        futures: list[Future[T]] = [pool.submit(fn, x) for x in xs]
        try:
            return [f.result() for f in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _read_json(self, sdk_client: Any, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """GET `url` through `sdk_client`'s own pipeline (every policy of the SDK's operations:
        retries, Retry-After, deadline, in-flight limit, token) and return ARM's JSON body, with
        no SDK model built on the way (see the module docstring). A non-200 answer raises what
        the SDK's operations raise; a body that is not a JSON object raises ValueError."""
        # `_client` is the ARMPipelineClient every generated SDK client keeps; its public
        # `send_request` runs the same pipeline as the client's operations. (The management
        # client's own `send_request` deep-copies the request first, for nothing here.)
        pipeline_client = getattr(sdk_client, "_client", None)
        send = pipeline_client.send_request if pipeline_client is not None else sdk_client.send_request
        response = send(HttpRequest("GET", url, params=params, headers={"Accept": "application/json"}))
        if response.status_code != 200:
            map_error(status_code=response.status_code, response=response, error_map=_ERROR_MAP)
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("ARM answered with JSON that is not an object")
        return body

    def _get_json(self, sdk_client: Any, path: str, api_version: str) -> dict[str, Any]:
        """One resource, as ARM's JSON: GET {base}{path}?api-version=…"""
        return self._read_json(sdk_client, self._base_url + path, {"api-version": api_version})

    def _list_json(
        self, sdk_client: Any, path: str, api_version: str, params: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of an ARM list, following `nextLink` as given (as the SDK's pagers do)."""
        url: str | None = self._base_url + path
        query: dict[str, str] | None = {"api-version": api_version, **(params or {})}
        seen: set[str] = set()
        items: list[dict[str, Any]] = []
        while url:
            page = self._read_json(sdk_client, url, query)
            items.extend(x for x in page.get("value") or () if isinstance(x, dict))
            next_link = page.get("nextLink")
            url, query = (str(next_link), None) if next_link else (None, None)
            if url is not None:
                if url in seen:  # a server that pages in a circle would otherwise never end
                    raise ValueError("ARM's nextLink points back to a page already read")
                seen.add(url)
        return items

    @staticmethod
    def _path(sub: str, rg: str = "", *type_names: str, provider: str = "Microsoft.Network") -> str:
        """An ARM path with every segment quoted, as the SDK's request builders quote them."""
        out = f"/subscriptions/{quote(sub, safe='')}"
        if rg:
            out += f"/resourceGroups/{quote(rg, safe='')}"
        if type_names:
            out += f"/providers/{provider}/" + "/".join(quote(x, safe="") for x in type_names)
        return out

    @staticmethod
    def _parse(rid: str, *types: str) -> tuple[str, str, tuple[str, ...]]:
        """(subscription, resource group, names) of a Microsoft.Network id of the given
        type path, e.g. ("virtualNetworks", "virtualNetworkPeerings")."""
        what = "/".join(types)
        try:
            r = ResourceId.parse(rid)
        except ValueError:
            r = None
        ok = (
            r is not None
            and r.subscription_id
            and r.resource_group
            and r.provider.lower() == "microsoft.network"
            and tuple(t.lower() for t in r.types) == tuple(t.lower() for t in types)
            and all(r.names)
            and len(r.names) == len(types)
        )
        if not ok or r is None:
            example = "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/" + "/".join(
                f"{t}/<name>" for t in types
            )
            raise AzureFailure(
                "bad_request", f"not a Microsoft.Network/{what} id (expected {example})", "InvalidResourceId", rid
            )
        return r.subscription_id, r.resource_group, r.names

    def _groups_holding(self, sub: str, resource_type: str) -> list[str]:
        """Resource groups that hold at least one resource of `resource_type`."""
        found = self._call(
            "resources.list", f"{resource_type} in subscription {sub}", lambda: self._generic_list(sub, resource_type)
        )
        groups: dict[str, str] = {}
        for res in found:
            rid = res.get("id") or ""
            try:
                rg = ResourceId.parse(str(rid)).resource_group
            except ValueError:
                continue
            if rg:
                groups.setdefault(rg.lower(), rg)  # ARM group names are case-insensitive
        return list(groups.values())

    def _generic_list(self, sub: str, resource_type: str) -> list[dict[str, Any]]:
        """Generic resources of one type in a subscription (`resources` list with $filter)."""
        return self._list_json(
            self._resources(sub),
            self._path(sub) + "/resources",
            RESOURCES_API_VERSION,
            # Quoted as the SDK's serializer quotes a query value (the transport leaves ' and /).
            {"$filter": quote(f"resourceType eq '{resource_type}'", safe="")},
        )

    def _group_lister(self, sub: str, collection: str) -> Callable[[str], list[dict[str, Any]]]:
        """List one Microsoft.Network collection (e.g. "connections") of a resource group."""
        net = self._network(sub)
        return lambda rg: self._list_json(net, self._path(sub, rg, collection), NETWORK_API_VERSION)

    def _list_in_groups(self, sub: str, resource_type: str, list_group: Callable[[str], Iterable[Any]]) -> list[Any]:
        # ARM has no subscription-wide list for virtualNetworkGateways, connections or
        # localNetworkGateways. Two ways: (a) generic resources `$filter=resourceType eq …`
        # then GET each (1 + N calls), or (b) list every resource group, then list per group
        # (1 + G calls, most groups holding none). We do better than both: the generic filter
        # names the groups that hold one, and we list only those groups (1 + groups holding
        # one ≤ 1 + N, and each list returns full bodies — the same as a GET).
        groups = self._groups_holding(sub, resource_type)

        def one(rg: str) -> list[Any]:
            try:
                return self._call(f"{resource_type} list", f"{resource_type} in {rg}", lambda: list(list_group(rg)))
            except AzureFailure as f:
                if f.kind == "not_found":  # the group was deleted since the generic list ran
                    return []
                raise

        return [item for chunk in self._map(one, groups) for item in chunk]

    # -- scope ---------------------------------------------------------------------------------
    def subscriptions(self) -> list[Subscription]:
        """The configured subscriptions (names filled in when the identity can list them),
        or every subscription the identity can see. Cached for a few minutes."""
        now = time.monotonic()
        with self._lock:
            cached = self._subs_cache
        if cached is not None and now - cached[0] < self._subscriptions_ttl_s:
            return list(cached[1])
        if self._configured:
            try:
                names = {s.id.lower(): s.name for s in self._visible_subscriptions()}
            except AzureFailure:
                names = {}  # names are a nicety; the configured ids are what matters
            result = [Subscription(i, names.get(i.lower(), "")) for i in self._configured]
        else:
            result = self._visible_subscriptions()
        with self._lock:
            self._subs_cache = (now, result)
        return list(result)

    def _visible_subscriptions(self) -> list[Subscription]:
        raw = self._call(
            "subscriptions.list", "subscriptions", lambda: list(self._subscription_client().subscriptions.list())
        )
        return [s for s in (convert.subscription(x) for x in raw) if s.id]

    # -- gateways and connections ---------------------------------------------------------------
    def gateways(self, subscription_id: str) -> list[Gateway]:
        raw = self._list_in_groups(
            subscription_id,
            "Microsoft.Network/virtualNetworkGateways",
            self._group_lister(subscription_id, "virtualNetworkGateways"),
        )
        return [convert.gateway(g) for g in raw]

    def gateway(self, gateway_id: str) -> Gateway:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        raw = self._call("gateway", gateway_id, lambda: self._network(sub).virtual_network_gateways.get(rg, name))
        return convert.gateway(raw)

    def gateway_connections(self, gateway_id: str) -> list[Connection]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        net = self._network(sub)
        raw = self._call(
            "gateway_connections",
            gateway_id,
            lambda: self._list_json(
                net, self._path(sub, rg, "virtualNetworkGateways", name, "connections"), NETWORK_API_VERSION
            ),
        )
        return [convert.connection(c) for c in raw]

    def connections(self, subscription_id: str) -> list[Connection]:
        raw = self._list_in_groups(
            subscription_id, "Microsoft.Network/connections", self._group_lister(subscription_id, "connections")
        )
        return [convert.connection(c) for c in raw]

    def connection(self, connection_id: str) -> Connection:
        sub, rg, (name,) = self._parse(connection_id, "connections")
        net = self._network(sub)
        raw = self._call(
            "connection",
            connection_id,
            lambda: self._get_json(net, self._path(sub, rg, "connections", name), NETWORK_API_VERSION),
        )
        return convert.connection(raw)

    def shared_key_digest(self, connection_id: str) -> str:
        """SHA-256 (hex) of the connection's shared key; "" when the connection has none
        (certificate authentication). The key itself never leaves this method and is never
        logged: only ARM's error code/message are read on failure."""
        sub, rg, (name,) = self._parse(connection_id, "connections")
        net = self._network(sub)

        def digest() -> str:
            result = self._get_json(net, self._path(sub, rg, "connections", name, "sharedkey"), NETWORK_API_VERSION)
            key = result.get("value")
            del result
            if not isinstance(key, str) or not key:
                return ""
            return hashlib.sha256(key.encode("utf-8")).hexdigest()

        return self._call("shared_key_digest", connection_id, digest)

    def bgp_peer_status(self, gateway_id: str) -> list[BgpPeer]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        ops = self._network(sub).virtual_network_gateways
        raw = self._lro(
            "bgp_peer_status",
            gateway_id,
            lambda polling: ops.begin_get_bgp_peer_status(rg, name, polling=polling, retry_on_methods=_READ_ONLY_POST),
        )
        return convert.bgp_peers(raw)

    def learned_routes(self, gateway_id: str) -> list[GatewayRoute]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        ops = self._network(sub).virtual_network_gateways
        raw = self._lro(
            "learned_routes",
            gateway_id,
            lambda polling: ops.begin_get_learned_routes(rg, name, polling=polling, retry_on_methods=_READ_ONLY_POST),
        )
        return convert.gateway_routes(raw)

    def advertised_routes(self, gateway_id: str, peer: str) -> list[GatewayRoute]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        ops = self._network(sub).virtual_network_gateways
        raw = self._lro(
            "advertised_routes",
            gateway_id,
            lambda polling: ops.begin_get_advertised_routes(
                rg, name, peer=peer, polling=polling, retry_on_methods=_READ_ONLY_POST
            ),
        )
        return convert.gateway_routes(raw)

    def vpn_client_health(self, gateway_id: str) -> list[P2SClient]:
        sub, rg, (name,) = self._parse(gateway_id, "virtualNetworkGateways")
        ops = self._network(sub).virtual_network_gateways
        raw = self._lro(
            "vpn_client_health",
            gateway_id,
            lambda polling: ops.begin_get_vpnclient_connection_health(
                rg, name, polling=polling, retry_on_methods=_READ_ONLY_POST
            ),
        )
        return convert.p2s_clients(raw)

    def local_network_gateways(self, subscription_id: str) -> list[LocalNetworkGateway]:
        raw = self._list_in_groups(
            subscription_id,
            "Microsoft.Network/localNetworkGateways",
            self._group_lister(subscription_id, "localNetworkGateways"),
        )
        return [convert.local_network_gateway(x) for x in raw]

    # -- virtual networks --------------------------------------------------------------------------
    def virtual_networks(self, subscription_id: str) -> list[VirtualNetwork]:
        net = self._network(subscription_id)
        raw = self._call(
            "virtual_networks", f"virtual networks in {subscription_id}", lambda: list(net.virtual_networks.list_all())
        )
        return [convert.virtual_network(v) for v in raw]

    def virtual_network(self, vnet_id: str) -> VirtualNetwork:
        sub, rg, (name,) = self._parse(vnet_id, "virtualNetworks")
        raw = self._call("virtual_network", vnet_id, lambda: self._network(sub).virtual_networks.get(rg, name))
        return convert.virtual_network(raw)

    def peering(self, peering_id: str) -> Peering:
        sub, rg, (vnet, name) = self._parse(peering_id, "virtualNetworks", "virtualNetworkPeerings")
        raw = self._call("peering", peering_id, lambda: self._network(sub).virtual_network_peerings.get(rg, vnet, name))
        return convert.peering(raw)

    def update_peering(self, peering_id: str, flags: dict[str, bool]) -> Peering:
        """GET the peering, change only `flags` (ARM names) on it, PUT the whole body back
        (ARM's peering PUT replaces the resource and has no PATCH), wait for the LRO."""
        unknown = sorted(k for k in flags if k not in PEERING_FLAGS)
        if unknown:
            raise AzureFailure(
                "bad_request",
                f"unknown peering flag(s) {', '.join(unknown)}; the flags are {', '.join(PEERING_FLAGS)}",
                "UnknownPeeringFlag",
                peering_id,
            )
        sub, rg, (vnet, name) = self._parse(peering_id, "virtualNetworks", "virtualNetworkPeerings")
        ops = self._network(sub).virtual_network_peerings
        # Read just before writing: ARM's peering PUT takes no If-Match, so the body we send
        # must be the freshest we can have, or we would undo a concurrent change.
        current = self._call("peering", peering_id, lambda: ops.get(rg, vnet, name))
        for arm_name, value in flags.items():
            setattr(current, PEERING_FLAGS[arm_name], bool(value))
        raw = self._lro(
            "update_peering",
            peering_id,
            lambda polling: ops.begin_create_or_update(rg, vnet, name, current, polling=polling),
        )
        log.info("peering_updated", target=peering_id, flags=sorted(flags))
        return convert.peering(raw)

    # -- NICs and routes -------------------------------------------------------------------------
    def network_interfaces(self, subscription_id: str) -> list[NetworkInterface]:
        net = self._network(subscription_id)
        raw = self._call(
            "network_interfaces",
            f"network interfaces in {subscription_id}",
            lambda: list(net.network_interfaces.list_all()),
        )
        return [convert.network_interface(n) for n in raw]

    def network_interface(self, nic_id: str) -> NetworkInterface:
        sub, rg, (name,) = self._parse(nic_id, "networkInterfaces")
        raw = self._call("network_interface", nic_id, lambda: self._network(sub).network_interfaces.get(rg, name))
        return convert.network_interface(raw)

    def effective_routes(self, nic_id: str) -> list[EffectiveRoute]:
        sub, rg, (name,) = self._parse(nic_id, "networkInterfaces")
        ops = self._network(sub).network_interfaces
        raw = self._lro(
            "effective_routes",
            nic_id,
            lambda polling: ops.begin_get_effective_route_table(
                rg, name, polling=polling, retry_on_methods=_READ_ONLY_POST
            ),
        )
        return convert.effective_routes(raw)

    # -- private endpoints and DNS -------------------------------------------------------------
    def private_endpoints(self, subscription_id: str) -> list[PrivateEndpoint]:
        net = self._network(subscription_id)
        raw = self._call(
            "private_endpoints",
            f"private endpoints in {subscription_id}",
            lambda: list(net.private_endpoints.list_by_subscription()),
        )
        return self._map(self._complete_private_endpoint, raw)

    def _complete_private_endpoint(self, raw: Any) -> PrivateEndpoint:
        pe_id = str(convert.wire(raw).get("id") or "")
        groups = self.dns_zone_groups(pe_id)
        nic_ips: tuple[str, ...] = ()
        if not convert.private_endpoint_ips(raw):
            # With a private DNS zone group, Azure leaves customDnsConfigs empty and a
            # dynamic endpoint has no ipConfigurations: only its NIC knows the IP.
            nic_ids = convert.private_endpoint(raw).nic_ids
            nic_ips = tuple(ip for nic in nic_ids for ip in self._nic_by_any_id(nic).private_ips)
        return convert.private_endpoint(raw, zone_groups=groups, nic_ips=nic_ips)

    def _nic_by_any_id(self, nic_id: str) -> NetworkInterface:
        # Tolerates an id whose provider segment is odd (a published example has
        # "provders"): the subscription, group and last name are enough for a GET.
        try:
            r = ResourceId.parse(nic_id)
        except ValueError:
            raise AzureFailure("bad_request", "not a network interface id", "InvalidResourceId", nic_id) from None
        name = name_of(nic_id)
        if not (r.subscription_id and r.resource_group and name):
            raise AzureFailure("bad_request", "not a network interface id", "InvalidResourceId", nic_id)
        raw = self._call(
            "network_interface",
            nic_id,
            lambda: self._network(r.subscription_id).network_interfaces.get(r.resource_group, name),
        )
        return convert.network_interface(raw)

    def dns_zone_groups(self, private_endpoint_id: str) -> list[DnsZoneGroup]:
        sub, rg, (name,) = self._parse(private_endpoint_id, "privateEndpoints")
        net = self._network(sub)
        raw = self._call(
            "dns_zone_groups",
            private_endpoint_id,
            lambda: list(net.private_dns_zone_groups.list(private_endpoint_name=name, resource_group_name=rg)),
        )
        return [convert.dns_zone_group(g) for g in raw]

    def private_dns_zones(self, subscription_id: str) -> list[PrivateDnsZone]:
        dns = self._privatedns(subscription_id)
        zones = self._call(
            "private_dns_zones", f"private DNS zones in {subscription_id}", lambda: list(dns.private_zones.list())
        )

        def complete(zone: Any) -> PrivateDnsZone:
            zid, rg, zname = _id_group_name(zone)
            records = self._call("record_sets", zid, lambda: list(dns.record_sets.list_by_type(rg, zname, "A")))
            links = self._call("virtual_network_links", zid, lambda: list(dns.virtual_network_links.list(rg, zname)))
            return convert.private_dns_zone(zone, records, links)

        return self._map(complete, zones)

    def dns_resolvers(self, subscription_id: str) -> list[DnsResolver]:
        dr = self._dnsresolver(subscription_id)
        resolvers = self._call(
            "dns_resolvers", f"DNS resolvers in {subscription_id}", lambda: list(dr.dns_resolvers.list())
        )

        def complete(resolver: Any) -> DnsResolver:
            rid, rg, name = _id_group_name(resolver)
            inbound = self._call("inbound_endpoints", rid, lambda: list(dr.inbound_endpoints.list(rg, name)))
            return convert.dns_resolver(resolver, inbound)

        return self._map(complete, resolvers)

    def sql_servers(self, subscription_id: str) -> list[SqlServer]:
        res = self._resources(subscription_id)
        found = self.resources(subscription_id, "Microsoft.Sql/servers")

        def complete(server: GenericResource) -> SqlServer:
            full = self._call(
                "sql_server", server.id, lambda: res.resources.get_by_id(server.id, api_version=SQL_API_VERSION)
            )
            policy: Any = None
            try:
                policy = self._call(
                    "sql_connection_policy",
                    server.id,
                    lambda: res.resources.get_by_id(
                        f"{server.id}/connectionPolicies/default", api_version=SQL_API_VERSION
                    ),
                )
            except AzureFailure as f:
                # The policy is one line of the checklist: without read access (or on a
                # server that has none) it is reported as unknown, not as a failed command.
                if f.kind not in ("forbidden", "not_found", "bad_request"):
                    raise
            return convert.sql_server(full, policy)

        return self._map(complete, found)

    def resources(self, subscription_id: str, resource_type: str) -> list[GenericResource]:
        if not _RESOURCE_TYPE.match(resource_type or ""):
            raise AzureFailure(
                "bad_request",
                f"not a resource type: {resource_type!r} (expected e.g. 'Microsoft.Sql/servers')",
                "InvalidResourceType",
                resource_type,
            )
        raw = self._call(
            "resources",
            f"{resource_type} in {subscription_id}",
            lambda: self._generic_list(subscription_id, resource_type),
        )
        return [convert.generic_resource(r) for r in raw]


def _id_group_name(raw: Any) -> tuple[str, str, str]:
    """(id, resource group, name) of a listed resource, "" for what its id lacks."""
    rid = str(convert.wire(raw).get("id") or "")
    try:
        r = ResourceId.parse(rid)
    except ValueError:
        return rid, "", name_of(rid)
    return rid, r.resource_group, r.name
