"""Failures the domain understands, whatever transport produced them.

`bot/arm/` turns SDK / HTTP errors into `AzureFailure`; the domain turns those into
answers a user can act on (`AzureFailure.advice`). Never a stack trace, never silence.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from typing import TYPE_CHECKING

from commands.core.text import Rich, prose

if TYPE_CHECKING:
    from commands.core.reply import Inline

# kind -> what the user can do about it
_ADVICE = {
    "forbidden": (
        "The bot's identity lacks a permission here. Grant it the vpnops role on that scope "
        "(see docs/deploy.md), or ask the subscription owner."
    ),
    "not_found": "It no longer exists, or the name/subscription is wrong. Check the name with `/vpn status <region>`.",
    "throttled": "Azure is throttling the bot's requests. Try again in a minute.",
    "unavailable": "Azure kept answering with server errors. Try again shortly; if it persists, check Azure status.",
    "timeout": "Azure did not answer in time. Try again; long operations (routes) can take up to a minute.",
    "conflict": "Azure refused the change because of the resource's current state.",
    "bad_request": "Azure refused the request as invalid.",
    "unauthenticated": "The bot could not sign in to Azure. Check its managed identity / credentials.",
    "failed": "The Azure operation failed.",
}


@dataclass(frozen=True)
class AzureFailure(Exception):
    """An Azure call that did not succeed.

    kind: forbidden | not_found | throttled | unavailable | timeout | conflict |
          bad_request | unauthenticated | failed
    code: ARM's error code when there was one (e.g. "AuthorizationFailed",
          "RemoteVnetHasNoGateways"); message: ARM's message (no secrets in it);
    target: what we were reading or writing, in words or as an id.
    """

    kind: str
    message: str = ""
    code: str = ""
    target: str = ""
    status: int | None = None
    retry_after_s: float | None = None  # throttled: when Azure said to ask again (seconds)

    def __str__(self) -> str:
        bits = [self.kind]
        if self.code:
            bits.append(self.code)
        if self.target:
            bits.append(self.target)
        return ": ".join(bits) + (f" ({self.message})" if self.message else "")

    @property
    def advice(self) -> Rich:
        """What the user can do about this kind of failure (`str()` of it reads the same)."""
        if self.kind == "throttled" and self.retry_after_s:
            wait = max(1, round(self.retry_after_s))
            return prose(
                "Azure is throttling the bot's requests (ARM's limits per subscription: 250 reads, "
                f"then 25 a second; 200 writes and actions, then 10 a second). Try again in about {wait} s."
            )
        return prose(_ADVICE.get(self.kind, _ADVICE["failed"]))


def _set_exception_dunder(self: AzureFailure, name: str, value: object) -> None:
    """Frozen fields, but Python itself sets `__traceback__`/`__cause__`/`__context__` on an
    exception (contextlib's `__exit__` does `exc.__traceback__ = tb`): allow those only."""
    if name.startswith("__") and name.endswith("__"):
        object.__setattr__(self, name, value)
        return
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


AzureFailure.__setattr__ = _set_exception_dunder  # type: ignore[method-assign,assignment]


class UsageError(Exception):
    """Bad input from the user: `message` says what was wrong, `hint` what to type instead."""

    def __init__(self, message: Inline, hint: Inline = "", example: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.hint = hint
        self.example = example
