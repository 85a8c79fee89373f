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
  `bot.arm.private_link` (private endpoints, private DNS, resolvers);
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
from bot.arm.gateways import Gateways
from bot.arm.nics import NetworkInterfaces
from bot.arm.pipeline import ArmPipeline, PipelineOptions
from bot.arm.private_link import PrivateLink
from bot.arm.resources import Resources
from bot.arm.vnets import VirtualNetworks


class ArmClient(Resources, Gateways, VirtualNetworks, NetworkInterfaces, PrivateLink, Actions):
    """`commands.core.port.AzurePort` over the Azure SDKs: the areas above on one pipeline.
    Construct directly (tests) or with `bot.arm.factory`."""

    def __init__(
        self,
        credential: TokenCredential,
        *,
        subscription_ids: Sequence[str] = (),
        subscriptions_ttl_s: float = 300.0,
        digest_key: bytes | None = None,
        **pipeline: Unpack[PipelineOptions],
    ) -> None:
        """`subscription_ids`: the subscriptions to work on; empty = every one the identity
        sees. The rest sets the pipeline (`bot.arm.pipeline.ArmPipeline`): `base_url` None
        for public Azure, an https URL, or http to a loopback host (the sandbox); the
        deadline of one port call (retries and LRO wait included); retries and timeouts.
        `digest_key` keys `shared_key_digest` (the deployment's; a random one when None,
        so digests still compare within this client but are never a bare hash)."""
        self._digest_key = digest_key or secrets.token_bytes(32)
        super().__init__(
            ArmPipeline(credential, **pipeline),
            subscription_ids=subscription_ids,
            subscriptions_ttl_s=subscriptions_ttl_s,
        )

    def close(self) -> None:
        """Close every SDK client and the shared HTTP session."""
        self._pipeline.close()

    def __enter__(self) -> ArmClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
