"""The port's scope and generic resources: the subscriptions, resources of any type, and the
SQL servers (no SDK here for Microsoft.Sql: read as generic resources at a pinned api-version)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from typing import Any

from bot.arm import convert
from bot.arm.calls import ArmCalls
from bot.arm.pipeline import ArmPipeline
from bot.arm.shared import SharedReads
from commands.core.errors import AzureFailure
from commands.core.model import GenericResource, SqlServer, Subscription

# Microsoft.Sql has no SDK here (generic resources need an explicit api-version): the GA
# version every cloud serves.
SQL_API_VERSION = "2021-11-01"
_RESOURCE_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9.]*(/[A-Za-z][A-Za-z0-9]*)+$")


class Resources(ArmCalls):
    """Subscriptions (cached), generic resources of one type, SQL servers."""

    def __init__(
        self,
        pipeline: ArmPipeline,
        *,
        subscription_ids: Sequence[str] = (),
        subscriptions_ttl_s: float = 300.0,
        shared: SharedReads | None = None,
    ) -> None:
        """`subscription_ids`: the subscriptions to work on; empty = every one the identity sees."""
        super().__init__(pipeline, shared)
        self._configured = tuple(s.strip() for s in subscription_ids if s and s.strip())
        self._subscriptions_ttl_s = subscriptions_ttl_s
        self._subs_lock = threading.Lock()
        self._subs_cache: tuple[float, list[Subscription]] | None = None

    def subscriptions(self) -> list[Subscription]:
        """The configured subscriptions (names filled in when the identity can list them),
        or every subscription the identity can see. Cached for a few minutes."""
        now = time.monotonic()
        with self._subs_lock:
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
        with self._subs_lock:
            self._subs_cache = (now, result)
        return list(result)

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

    def _visible_subscriptions(self) -> list[Subscription]:
        raw = self._call(
            "subscriptions.list",
            "subscriptions",
            lambda: list(self._pipeline.subscriptions().subscriptions.list()),
        )
        return [s for s in (convert.subscription(x) for x in raw) if s.id]
