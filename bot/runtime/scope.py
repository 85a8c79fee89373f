"""Read scopes: a command from a channel sees only the subscriptions that channel may read.

`VPNOPS_CHANNEL_SCOPES` maps channel ids to subscription ids (`bot.settings`). The worker
builds each job's `AzurePort` here (`bot.runtime.worker.build_ctx`), so the scope holds
for every command, button and shortcut without any of them having to remember it:

* `subscriptions()` lists only the channel's subscriptions, so "every gateway", "every
  VNet" and the name lookups never see the others;
* any call naming a subscription (`gateways(subscription_id)`) or a resource of one
  (`peering("/subscriptions/<id>/…")`) outside the scope raises `AzureFailure`
  (kind "forbidden", code `OutsideChannelScope`) before Azure is called, worded by the one
  failure policy: the command says it could not read it, never that it is empty.

A method the port gains later is wrapped the same way (by its arguments), so a new
command cannot slip past the scope either. Without a scope configured the port is used
as is.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable
from typing import Any, cast

from commands.core.errors import AzureFailure
from commands.core.model import Subscription
from commands.core.port import AzurePort

_SUB = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
SCOPE_CODE = "OutsideChannelScope"


class ScopedAzure:
    """`AzurePort` limited to `allowed` subscription ids (case-insensitive)."""

    def __init__(self, inner: AzurePort, allowed: Iterable[str], channel: str) -> None:
        self._inner = inner
        self._allowed = frozenset(s.lower() for s in allowed)
        self._channel = channel

    # The one method that answers with subscriptions instead of taking them.
    def subscriptions(self) -> list[Subscription]:
        return [s for s in self._inner.subscriptions() if s.id.lower() in self._allowed]

    def _refuse(self, subscription: str, what: str) -> AzureFailure:
        where = f"channel {self._channel}" if self._channel else "this conversation"
        return AzureFailure(
            kind="forbidden",
            code=SCOPE_CODE,
            message=f"{where} may not read subscription {subscription} (VPNOPS_CHANNEL_SCOPES)",
            target=what,
            status=403,
        )

    def _check(self, name: str, params: list[str], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        bound = dict(zip(params, args, strict=False)) | kwargs
        for param, value in bound.items():
            if not isinstance(value, str):
                continue
            if param == "subscription_id":
                sub = value
            else:
                m = _SUB.match(value)
                if m is None:
                    continue
                sub = m.group(1)
            if sub.lower() not in self._allowed:
                raise self._refuse(sub, value if param != "subscription_id" else f"{name} of subscription {sub}")

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr):
            return attr
        try:
            params = [p for p in inspect.signature(attr).parameters if p not in ("self",)]
        except (TypeError, ValueError):
            params = []

        @functools.wraps(attr)
        def scoped(*args: Any, **kwargs: Any) -> Any:
            self._check(name, params, args, kwargs)
            return cast(Callable[..., Any], attr)(*args, **kwargs)

        return scoped


def scoped(inner: AzurePort, allowed: tuple[str, ...] | None, channel: str) -> AzurePort:
    """`inner` limited to `allowed` (None: no scope configured, `inner` as is)."""
    if allowed is None:
        return inner
    return cast(AzurePort, ScopedAzure(inner, allowed, channel))
