"""How every port method of `ArmClient` calls Azure: `ArmCalls`, the base of its areas.

One SDK call (`_call`): any failure becomes `AzureFailure` through `bot.arm.errors`, logged
once, without secrets. A long-running operation (`_lro`): waited for at most until the call's
deadline. A POST action that answers with a list (`_action`): its result read where Azure
put it, or "could not read" — never an empty list for an answer that held none. A fan-out
over resources (`_map`): at most `concurrency` at a time. An id (`_parse`): checked for its
type before any request, so a wrong one costs no call.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import structlog
from azure.core.exceptions import AzureError
from azure.core.polling import LROPoller
from azure.mgmt.core.polling.arm_polling import ARMPolling
from azure.mgmt.dnsresolver import DnsResolverManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from bot.arm.deadline import time_left
from bot.arm.errors import to_failure
from bot.arm.pipeline import ActionAnswer, ArmPipeline
from bot.arm.raw import arm_path, generic_list
from bot.arm.shared import SharedReads
from commands.core.errors import AzureFailure
from commands.core.model import ResourceId

T = TypeVar("T")
X = TypeVar("X")

log = structlog.get_logger("bot.arm")


class ArmCalls:
    """The SDK clients (`bot.arm.pipeline`) and the way each area of the port calls them."""

    def __init__(self, pipeline: ArmPipeline, shared: SharedReads | None = None) -> None:
        self._pipeline = pipeline
        # Reads shared between requests for a few seconds (bot.arm.shared; bot.arm.cached).
        self._shared = shared if shared is not None else SharedReads()

    def invalidate(self, resource_id: str) -> None:
        """Forget every read kept for the subscription of `resource_id` ("" forgets every read):
        call it after any write there (the bot's own writes do), so no later answer shows the
        state before it."""
        self._shared.invalidate(resource_id)

    # -- the SDK clients -----------------------------------------------------------------------
    def _network(self, sub: str) -> NetworkManagementClient:
        return self._pipeline.network(sub)

    def _resources(self, sub: str) -> ResourceManagementClient:
        return self._pipeline.resources(sub)

    def _privatedns(self, sub: str) -> PrivateDnsManagementClient:
        return self._pipeline.privatedns(sub)

    def _dnsresolver(self, sub: str) -> DnsResolverManagementClient:
        return self._pipeline.dnsresolver(sub)

    def _generic_list(self, sub: str, resource_type: str) -> list[dict[str, Any]]:
        """Generic resources of one type in a subscription, as ARM's JSON (a raw read)."""
        return generic_list(self._resources(sub), self._pipeline.base_url, sub, resource_type)

    def _url(self, sub: str, rg: str = "", *type_names: str) -> str:
        """The full URL of a Microsoft.Network resource or collection, for the raw reads."""
        return self._pipeline.base_url + arm_path(sub, rg, *type_names)

    # -- calling -----------------------------------------------------------------------------
    def _call(self, what: str, target: str, fn: Callable[[], T]) -> T:
        """Run SDK work; any failure becomes AzureFailure (logged once, without secrets)."""
        try:
            return fn()
        except AzureFailure:
            raise  # already ours, and logged where it was made
        except (AzureError, ValueError) as exc:
            failure = to_failure(exc, target)
            _log_failure(what, failure)
            raise failure from exc

    def _lro(
        self, what: str, target: str, start: Callable[[ARMPolling], LROPoller[Any]], *, action: bool = False
    ) -> Any:
        """Start a long-running operation and wait for it, at most until the job's deadline
        (`bot.arm.deadline`; `arm_timeout_s` outside a job). `action`: a POST whose answer is a
        result (the poller then returns an `ActionAnswer`)."""
        timeout_s = time_left(self._pipeline.call_timeout_s)
        deadline = time.monotonic() + timeout_s

        def run() -> Any:
            poller = start(self._pipeline.action_polling() if action else self._pipeline.polling())
            poller.wait(timeout=max(0.0, deadline - time.monotonic()))
            if not poller.done():
                # azure-core cannot cancel its polling thread; it ends when Azure finishes.
                failure = AzureFailure(
                    "timeout",
                    f"the operation was still running at the answer's deadline ({timeout_s:.0f} s)",
                    "OperationTimedOut",
                    target,
                )
                _log_failure(what, failure)
                raise failure
            return poller.result()

        return self._call(what, target, run)

    def _action(self, what: str, target: str, start: Callable[[ARMPolling], LROPoller[Any]]) -> dict[str, Any]:
        """Run a POST action whose answer is a list result (`{"value": [...]}`), and return
        that result as ARM's JSON; `{}` is Azure's "nothing to report" (the published examples
        of the gateway actions). Anything else — a status with no result, a body of another
        shape — raises AzureFailure "failed" / UnreadableResponse: the caller says it could
        not read, never that there is nothing."""
        answer = self._lro(what, target, start, action=True)
        try:
            return list_result(answer)
        except _Unreadable as e:
            failure = AzureFailure("failed", f"Azure's answer could not be read: {e}", "UnreadableResponse", target)
            _log_failure(what, failure)
            raise failure from None

    def _map(self, fn: Callable[[X], T], xs: Sequence[X]) -> list[T]:
        """fn over xs, at most `concurrency` at a time, results in order; the first failure
        is raised (tasks not yet started are cancelled)."""
        if len(xs) <= 1:
            return [fn(x) for x in xs]
        workers = min(self._pipeline.concurrency, len(xs))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="arm")
        # Each task in a copy of this context: the job's deadline (bot.arm.deadline) holds there too.
        futures: list[Future[T]] = [pool.submit(contextvars.copy_context().run, fn, x) for x in xs]
        try:
            return [f.result() for f in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

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


class _Unreadable(ValueError):
    """An action's answer that holds no result the bot can read (the message says why)."""


def list_result(answer: Any) -> dict[str, Any]:
    """The list result (`{"value": [...]}` or Azure's empty `{}`) in an action's final answer.

    Where it is (`ActionAnswer.source`): the `Location` URL's answer, the POST's own, or the
    `Azure-AsyncOperation` URL's answer without `status` — the result itself; in a status body
    (`{"status": "Succeeded", …}`), in `properties` (ARM's operation resource, Azure/azure-
    resource-manager-rpc v1.0/async-api-reference.md) — else nowhere. Raises _Unreadable."""
    if not isinstance(answer, ActionAnswer):
        raise _Unreadable("the operation ended without an answer the bot recognises")
    body = answer.body
    if answer.source == "status":
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            status = body.get("status") if isinstance(body, dict) else None
            raise _Unreadable(
                f"the operation's status URL said {status or 'nothing'!r} and carried no result, "
                "and Azure gave no Location URL to read the result from"
            )
        body = props
    if not isinstance(body, dict):
        raise _Unreadable("the result is not a JSON object" if body is not None else "the result was empty")
    value = body.get("value")
    others = sorted(set(body) - {"value", "nextLink"})
    if "value" in body and not (value is None or isinstance(value, list)):
        raise _Unreadable("its 'value' is not a list")
    if "value" not in body and others:
        raise _Unreadable(f"it has no 'value' list, only {', '.join(others[:5])}")
    return body


def _log_failure(what: str, f: AzureFailure) -> None:
    log.warning("arm_call_failed", call=what, target=f.target, kind=f.kind, code=f.code, status=f.status)
