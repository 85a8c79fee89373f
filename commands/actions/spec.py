"""What an action under approval is: its `Spec`, and the `Verdict` of reading Azure after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from tenacity import RetryCallState, retry, retry_if_result, stop_after_attempt, wait_fixed

if TYPE_CHECKING:
    from commands.core.registry import Ctx
    from commands.core.reply import Reply
    from commands.peering.request import Loaded

# Reading a resource back after a write: while Azure still reports it Updating, this many
# reads, this far apart (the LRO poller waited already; a write whose answer was lost did not).
SETTLE_READS = 10
SETTLE_PAUSE_S = 0.5


class _Provisioned(Protocol):
    @property
    def provisioning_state(self) -> str: ...


P = TypeVar("P", bound=_Provisioned)


def _updating(r: _Provisioned) -> bool:
    return r.provisioning_state == "Updating"


def _last(state: RetryCallState) -> object:
    assert state.outcome is not None
    return state.outcome.result()


@retry(
    retry=retry_if_result(_updating),
    stop=stop_after_attempt(SETTLE_READS),
    wait=wait_fixed(SETTLE_PAUSE_S),
    retry_error_callback=_last,
)
def read_settled(read: Callable[[str], P], rid: str) -> P:
    """`read(rid)` once Azure has finished writing it (or as the last read found it)."""
    return read(rid)


# How the write went, for `Spec.verify`: Azure answered it with success, refused it (a 4xx:
# nothing was done), or gave no usable answer (it may still be done).
SENT_OK = "ok"
SENT_REFUSED = "refused"
SENT_NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class Verdict:
    """What Azure holds after the write: `verdict` applied | not_applied | unknown, in
    `words`; `after` the rows of the plan as read now (what → value), for the card."""

    verdict: str
    words: str = ""
    after: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    """One kind of action.

    recheck  right before the write: why it may not go ahead now ("" when it may) — the
             pre-flight again on a fresh read, and the operation's own guard (the etag the
             plan saw, the resource not busy with another operation);
    write    the write itself (raises AzureFailure);
    verify   read Azure back and say what it holds, given how the write went (SENT_*);
    guarded  whether a second write after a lost answer is harmless (If-Match refuses it):
             when not (a reset), a request whose write was sent is never written again;
    revert   file the request that undoes an applied one (None: not revertible, and
             `params["not_revertible"]` says why on the card);
    on_applied  what follows by itself once Azure holds the write (or may).
    """

    kind: str
    title: str  # "Gateway reset", for the card's header
    recheck: Callable[[Ctx, Loaded], str]
    write: Callable[[Ctx, Loaded], None]
    verify: Callable[[Ctx, Loaded, str], Verdict]
    guarded: bool = False
    revert: Callable[[Ctx, Loaded], Reply] | None = None
    # After the write, when Azure holds it or may (applied, or unknown after a write was sent):
    # what follows by itself (a capture's stop scheduled at its end).
    on_applied: Callable[[Ctx, Loaded], None] | None = None
