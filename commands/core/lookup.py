"""Finding estate resources by what a user typed: a name, `resource-group/name`, or an id.

ARM treats resource names, resource-group names and ids case-insensitively (an id pasted
from the portal and one returned by the API may differ in case), so every comparison here
folds case; a trailing slash on a pasted id is ignored. Several hits are possible (the
same name in two resource groups or subscriptions): callers decide how to ask which.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from commands.core.model import rid_key


class Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def id(self) -> str: ...


N = TypeVar("N", bound=Named)


def matches(name: str, resource_id: str, target: str, *, groups: bool = True) -> bool:
    """Does the resource called `name` with id `resource_id` answer to `target`?

    `target` is an ARM id (`/subscriptions/…`: the ids must be equal), `resource-group/name`
    (only when `groups`: the name and the resource group must be equal) or a name.
    """
    t = target.strip().lower().rstrip("/")
    if t.startswith("/subscriptions/"):
        return rid_key(resource_id) == t
    if groups and "/" in t:
        rg, _, nm = t.rpartition("/")
        return name.lower() == nm and f"/resourcegroups/{rg}/" in rid_key(resource_id)
    return name.lower() == t


def by_name(items: Iterable[N], target: str, *, groups: bool = True) -> list[N]:
    """Every item answering to `target` (see `matches`), in their order."""
    return [x for x in items if matches(x.name, x.id, target, groups=groups)]


__all__ = ["Named", "by_name", "matches"]
