"""Who the bot is to ARM: real Azure (DefaultAzureCredential) or the loopback sandbox.

Real Azure: `DefaultAzureCredential` — the Function App's managed identity in production,
`az login` / environment credentials on a laptop. Imported lazily: azure-identity is heavy
and this module is importable from anywhere.

Sandbox (`VPNOPS_ARM_URL`, the ARM emulator): a static bearer token, and `LoopbackHttpPolicy`
which lets that token travel over plain HTTP — only to a loopback host. azure-core's bearer
policy refuses non-TLS URLs (`_enforce_https`); it reads `request.context["enforce_https"]`,
which a *per-call* policy (it runs before the bearer policy) can set. Passing
`enforce_https=False` to a management client's constructor does not reach that context, so
it does not work.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

SANDBOX_TOKEN = "vpnops-sandbox-token"  # not a secret: the emulator accepts any bearer token


class InsecureArmUrlError(ValueError):
    """The sandbox ARM URL would send the bearer token over plain HTTP off this machine."""


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 and localhost — the only hosts plain HTTP may carry a token to."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() == "http" and is_loopback_host(parts.hostname)


def check_arm_url(url: str, setting: str = "VPNOPS_ARM_URL") -> str:
    """Validate a sandbox ARM base URL; returns it without a trailing "/".

    https anywhere, or http to a loopback host. Anything else raises InsecureArmUrlError
    naming the setting, what is wrong and an example.
    """
    parts = urlsplit(url.strip())
    example = f"Example: {setting}=http://127.0.0.1:8444"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InsecureArmUrlError(f"{setting} must be an http(s) URL with a host, got {url!r}. {example}")
    if parts.scheme.lower() == "http" and not is_loopback_host(parts.hostname):
        raise InsecureArmUrlError(
            f"{setting}={url!r} is plain HTTP to {parts.hostname!r}, which is not this machine: the bot would "
            "send its bearer token unencrypted. Plain HTTP is allowed only to loopback (127.0.0.1, localhost, "
            f"::1); use https for anything else. {example}"
        )
    return url.strip().rstrip("/")


class LoopbackHttpPolicy(SansIOHTTPPolicy[Any, Any]):
    """Per-call policy: lets the bearer token go over plain HTTP, for loopback URLs only.

    Checked per request, not once per client: a `nextLink` or an `Azure-AsyncOperation` URL
    that pointed anywhere else over HTTP keeps azure-core's refusal.
    """

    def on_request(self, request: PipelineRequest[Any]) -> None:
        if is_loopback_http(request.http_request.url):
            request.context["enforce_https"] = False


class StaticTokenCredential(TokenCredential):
    """A fixed bearer token for the sandbox emulator (which checks presence, not value)."""

    def __init__(self, token: str = SANDBOX_TOKEN, lifetime_s: int = 3600) -> None:
        self._token = token
        self._lifetime_s = lifetime_s

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + self._lifetime_s)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        return AccessTokenInfo(self._token, int(time.time()) + self._lifetime_s)

    def __repr__(self) -> str:  # never show the token
        return "StaticTokenCredential(token=…)"


def default_credential() -> TokenCredential:
    """`DefaultAzureCredential` for real Azure (imported here, lazily: it is heavy)."""
    from azure.identity import DefaultAzureCredential

    # Interactive browser sign-in stays excluded (the default): a bot has no user at a screen.
    return DefaultAzureCredential()
