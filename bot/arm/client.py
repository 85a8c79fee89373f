"""`ArmClient`: the domain's `AzurePort`, implemented with the real Azure SDKs.

azure-mgmt-network 33 (api-version 2026-03-01), azure-mgmt-resource 26 (generic resources),
azure-mgmt-resource-subscriptions 1 (SubscriptionClient moved out of azure-mgmt-resource in
25.0), azure-mgmt-privatedns 2, azure-mgmt-dnsresolver 1.1 — against real Azure or, over
loopback HTTP, the sandbox ARM emulator. Where each thing lives:

* `bot.arm.pipeline`: the SDK clients and their one pipeline — credential, base URL, the
  loopback-only HTTP rule, the one retry layer, timeouts, LRO polling, the in-flight limit;
* `bot.arm.raw`: the hot reads that skip the SDK's models, through that same pipeline;
* `bot.arm.calls`: how a port method calls (failures → `AzureFailure` by `bot.arm.errors`,
  LRO deadline, bounded fan-out, id checks);
* the port's methods by area: `bot.arm.resources` (subscriptions, generic resources, SQL
  servers), `bot.arm.gateways` (gateways, connections, gateway actions), `bot.arm.vnets`
  (virtual networks, peerings), `bot.arm.nics` (NICs, effective routes),
  `bot.arm.private_link` (private endpoints, private DNS, resolvers), `bot.arm.metrics`
  (Azure Monitor's batch metrics API, on its regional endpoints), `bot.arm.netwatch`
  (Network Watcher, effective security rules, VPN troubleshoot), `bot.arm.diagnostics`
  (diagnostic settings, Log Analytics queries);
* `bot.arm.convert`: SDK models and ARM JSON → `commands.core.model`.

Thread-safe: one SDK client per subscription and kind, created lazily under a lock and
shared by every thread of `commands.core.fanout.gather`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Unpack

from azure.core.credentials import TokenCredential

from bot.arm.actions import Actions
from bot.arm.cached import SharedAreas
from bot.arm.changes import Changes
from bot.arm.diagnostics import Diagnostics
from bot.arm.gateways import Gateways
from bot.arm.metrics import Metrics
from bot.arm.netwatch import NetworkWatchers
from bot.arm.nics import NetworkInterfaces
from bot.arm.pipeline import ArmPipeline, PipelineOptions
from bot.arm.private_link import PrivateLink
from bot.arm.resources import Resources
from bot.arm.shared import DEFAULT_ACTION_TTL_S, DEFAULT_TTL_S, SharedReads
from bot.arm.vnets import VirtualNetworks


class ArmClient(
    SharedAreas,
    Metrics,
    Resources,
    Gateways,
    VirtualNetworks,
    NetworkInterfaces,
    PrivateLink,
    Changes,
    NetworkWatchers,
    Diagnostics,
    Actions,
):
    """`commands.core.port.AzurePort` over the Azure SDKs: the areas above on one pipeline.
    Construct directly (tests) or with `bot.arm.factory`."""

    def __init__(
        self,
        credential: TokenCredential,
        *,
        subscription_ids: Sequence[str] = (),
        subscriptions_ttl_s: float = 300.0,
        digest_key: bytes | None = None,
        metrics_url: str = "",
        cache_ttl_s: float = DEFAULT_TTL_S,
        action_cache_ttl_s: float = DEFAULT_ACTION_TTL_S,
        logs_url: str | None = None,
        **pipeline: Unpack[PipelineOptions],
    ) -> None:
        """`subscription_ids`: the subscriptions to work on; empty = every one the identity
        sees. The rest sets the pipeline (`bot.arm.pipeline.ArmPipeline`): `base_url` None
        for public Azure, an https URL, or http to a loopback host (the sandbox); the
        deadline of one port call (retries and LRO wait included); retries and timeouts.
        `digest_key` keys `shared_key_digest` (the deployment's; a random one when None,
        so digests still compare within this client but are never a bare hash).
        `metrics_url`: Azure Monitor's metrics endpoint with `{region}` in it ("" for the
        public `https://{region}.metrics.monitor.azure.com`; `bot.arm.metrics`).
        `cache_ttl_s` / `action_cache_ttl_s`: how long a read / a diagnostic action's result is
        shared between requests (`bot.arm.shared`; 0 turns sharing off)."""
        self._digest_key = digest_key or secrets.token_bytes(32)
        # The Log Analytics query endpoint (VPNOPS_LOGS_URL): None = the public cloud's, or the
        # sandbox's own when `base_url` is the emulator (`bot.arm.diagnostics`).
        self._logs_url = logs_url
        super().__init__(
            ArmPipeline(credential, **pipeline),
            metrics_url=metrics_url,
            subscription_ids=subscription_ids,
            subscriptions_ttl_s=subscriptions_ttl_s,
            shared=SharedReads(cache_ttl_s, action_cache_ttl_s),
        )

    @property
    def shared(self) -> SharedReads:
        """The reads shared between requests (their counts: `shared.stats`)."""
        return self._shared

    def close(self) -> None:
        """Close every SDK client and the shared HTTP session."""
        if self._logs_client is not None:
            self._logs_client.close()
        self._pipeline.close()

    def __enter__(self) -> ArmClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
