"""The real Azure SDK clients, pointed at the sandbox ARM emulator (for the emulator's tests).

A static bearer token, and a per-call policy that lets it travel over plain HTTP to loopback:
azure-core's bearer policy reads `request.context["enforce_https"]`, set before it runs. The
emulator answers long-running operations with ARM's Retry-After (10 s), which the SDK honours:
its transport sleeps a thousandth of that here (the emulator finishes an operation by polls,
not by time).
"""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.core.pipeline.transport import RequestsTransport

SEED_SUB = "3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13"


class StaticToken:
    """A TokenCredential that always returns the same (non-secret) sandbox token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("sandbox-test-token", int(time.time()) + 3600)


class Loopback(SansIOHTTPPolicy):  # type: ignore[type-arg]
    def on_request(self, request: PipelineRequest) -> None:  # type: ignore[type-arg]
        request.context["enforce_https"] = False


class ScaledSleepTransport(RequestsTransport):
    """The SDK's own transport, whose waits (LRO polls, retries) last `scale` of what was asked."""

    def __init__(self, scale: float = 0.001, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._scale = scale

    def sleep(self, duration: float) -> None:
        time.sleep(duration * self._scale)


def client_kwargs(base_url: str, **extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "base_url": base_url,
        "per_call_policies": [Loopback()],
        "polling_interval": 0,
        "transport": ScaledSleepTransport(),
    }
    kw.update(extra)
    return kw


def network(base_url: str, sub: str = SEED_SUB, **extra: Any) -> Any:
    from azure.mgmt.network import NetworkManagementClient

    return NetworkManagementClient(StaticToken(), sub, **client_kwargs(base_url, **extra))


def privatedns(base_url: str, sub: str = SEED_SUB, **extra: Any) -> Any:
    from azure.mgmt.privatedns import PrivateDnsManagementClient

    return PrivateDnsManagementClient(StaticToken(), sub, **client_kwargs(base_url, **extra))


def dnsresolver(base_url: str, sub: str = SEED_SUB, **extra: Any) -> Any:
    from azure.mgmt.dnsresolver import DnsResolverManagementClient

    return DnsResolverManagementClient(StaticToken(), sub, **client_kwargs(base_url, **extra))


def resources(base_url: str, sub: str = SEED_SUB, **extra: Any) -> Any:
    from azure.mgmt.resource.resources import ResourceManagementClient

    return ResourceManagementClient(StaticToken(), sub, **client_kwargs(base_url, **extra))


def subscriptions(base_url: str, **extra: Any) -> Any:
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    return SubscriptionClient(StaticToken(), **client_kwargs(base_url, **extra))
