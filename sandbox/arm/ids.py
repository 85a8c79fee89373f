"""ARM ids as the emulator needs them: split, keyed case-insensitively, typed.

ARM treats resource ids case-insensitively ("/resourceGroups/" and "/resourcegroups/" name the
same group), so every index here is keyed by the lower-cased id without a trailing slash.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

# Both functions are pure functions of a string, called for every resource of a scan and
# several times per request: memoised, they cost a dict lookup. Bounded, so a long-running
# emulator fed ever-new ids (peerings created and deleted) cannot grow without limit.
_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=_CACHE_SIZE)
def key(raw: str) -> str:
    """Case-insensitive key of an id or path."""
    return "/" + "/".join(p for p in raw.strip().lower().split("/") if p)


@dataclass(frozen=True)
class Parsed:
    """`/subscriptions/S[/resourceGroups/RG][/providers/NS/t1/n1/t2/n2…]` split into parts.

    `types` and `names` keep the case given. For a collection path the last type has no name
    (`len(types) == len(names) + 1`).
    """

    subscription: str
    resource_group: str
    namespace: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @cached_property
    def resource_type(self) -> str:
        """e.g. "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"."""
        return "/".join((self.namespace, *self.types))

    @cached_property
    def type_key(self) -> str:
        return self.resource_type.lower()

    @property
    def is_resource(self) -> bool:
        return bool(self.namespace) and len(self.types) == len(self.names) and bool(self.types)


@lru_cache(maxsize=_CACHE_SIZE)
def parse(raw: str) -> Parsed | None:
    """Parse an ARM id or request path; None when it is not under /subscriptions/{id}.

    The result is shared between callers (memoised): `Parsed` is frozen and holds tuples."""
    parts = [p for p in raw.strip().split("/") if p]
    if len(parts) < 2 or parts[0].lower() != "subscriptions":
        return None
    sub = parts[1]
    rest = parts[2:]
    rg = ""
    if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
        rg = rest[1]
        rest = rest[2:]
    ns = ""
    types: list[str] = []
    names: list[str] = []
    if rest and rest[0].lower() == "providers" and len(rest) >= 2:
        ns = rest[1]
        tail = rest[2:]
        types = tail[0::2]
        names = tail[1::2]
    elif rest:
        # Not a provider path (e.g. /subscriptions/S/resources): report the segments as types.
        types = rest[0::2]
        names = rest[1::2]
    return Parsed(sub, rg, ns, tuple(types), tuple(names))


def parent_key(k: str) -> str:
    """Key of the parent resource of a child resource key (drops the last type/name pair)."""
    return k.rsplit("/", 2)[0]


def resource_id(sub: str, rg: str, namespace: str, *type_name_pairs: str) -> str:
    """Build an id: resource_id("s", "rg", "Microsoft.Network", "virtualNetworks", "v")."""
    out = f"/subscriptions/{sub}"
    if rg:
        out += f"/resourceGroups/{rg}"
    if namespace:
        out += f"/providers/{namespace}"
    for seg in type_name_pairs:
        out += f"/{seg}"
    return out
