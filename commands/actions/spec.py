"""What an action under approval is: its `Spec`, and the `Verdict` of reading Azure after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commands.core.registry import Ctx
    from commands.core.reply import Reply
    from commands.peering.request import Loaded

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
