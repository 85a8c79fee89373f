"""Reading ARM's JSON defensively: every reader takes anything and never raises.

`wire` turns whatever the SDK returned into the REST (wire) JSON; the other readers take one
value of that JSON and give the type the domain wants, or an empty one ("", 0, (), None) when
the value is absent or of another type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from commands.core.model import name_of

Json = dict[str, Any]


def wire(obj: object) -> Json:
    """The REST JSON of an SDK model (hybrid or msrest) or of a mapping; {} for anything else."""
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        # Hybrid models are Mappings over the wire JSON; as_dict() also turns nested models
        # (set by attribute) back into plain JSON.
        as_dict = getattr(obj, "as_dict", None)
        if callable(as_dict) and hasattr(obj, "_attr_to_rest_field"):
            data = as_dict()
            return data if isinstance(data, dict) else {}
        return dict(obj)
    serialize = getattr(obj, "serialize", None)
    if callable(serialize):  # msrest models (azure-mgmt-dnsresolver 1.1)
        try:
            data = serialize(keep_readonly=True)
        except Exception:  # noqa: BLE001 - a model that cannot serialize converts as empty, never crashes
            return {}
        return data if isinstance(data, dict) else {}
    return {}


def items(result: object) -> list[Json]:
    """The entries of a list result: `{"value": [...]}`, a bare list, or `{}` (→ [])."""
    if isinstance(result, list | tuple):
        return [wire(x) for x in result if isinstance(x, Mapping) or hasattr(x, "serialize")]
    return [json_obj(x) for x in json_list(wire(result).get("value")) if isinstance(x, Mapping)]


def json_obj(v: object) -> Json:
    """The JSON object `v`, or {}."""
    return wire(v) if isinstance(v, Mapping) else {}


def json_list(v: object) -> list[Any]:
    """The JSON array `v`, or []."""
    return list(v) if isinstance(v, list | tuple) else []


def json_objs(v: object) -> list[Json]:
    """The objects of the JSON array `v` (anything else in it dropped)."""
    return [json_obj(x) for x in json_list(v) if isinstance(x, Mapping)]


def at_path(d: object, *path: str) -> Any:
    """`d[path[0]][path[1]]…`, or None where an object is missing on the way."""
    cur: Any = d
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def props(d: Mapping[str, Any]) -> Json:
    """A resource's `properties` object, or {}."""
    return json_obj(d.get("properties"))


def text(v: object) -> str:
    """A scalar as stripped text ("true"/"false" for booleans); "" for null, objects and arrays."""
    if v is None or isinstance(v, Mapping | list | tuple):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v).strip()


def integer(v: object, default: int = 0) -> int:
    """`opt_int(v)`, or `default`."""
    got = opt_int(v)
    return default if got is None else got


def opt_int(v: object) -> int | None:
    """A number, or a string holding one, as an int; None for anything else."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if v == v and v not in (float("inf"), float("-inf")) else None
    if isinstance(v, str):
        try:
            return int(float(v.strip()))
        except (ValueError, OverflowError):
            return None
    return None


def boolean(v: object, default: bool = False) -> bool:
    """A JSON boolean, a number, or "true"/"yes"/"enabled"-like text; `default` otherwise."""
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("true", "yes", "1", "enabled"):
            return True
        if low in ("false", "no", "0", "disabled"):
            return False
        return default
    if isinstance(v, int | float):
        return bool(v)
    return default


def strs(v: object) -> tuple[str, ...]:
    """A list of strings, from a JSON list or a comma-separated string; blanks dropped."""
    if isinstance(v, str):
        parts: Iterable[object] = v.split(",")
    elif isinstance(v, list | tuple):
        parts = v
    else:
        return ()
    out = [text(p) for p in parts]
    return tuple(dict.fromkeys(p for p in out if p))


def ref(v: object) -> str:
    """A sub-resource reference `{"id": …}` (or a bare id string) → the id (`canonical_id`)."""
    if isinstance(v, Mapping):
        return canonical_id(text(v.get("id")))
    return canonical_id(text(v)) if isinstance(v, str) else ""


def canonical_id(rid: str) -> str:
    """An ARM id with the `providers` keyword spelt right. ARM's grammar is
    `/subscriptions/{s}/resourceGroups/{rg}/providers/{Namespace}/{type}/{name}…`; Azure's own
    published payloads reference a private endpoint's NIC as `…/rg1/provders/Microsoft.Network/…`
    (PrivateEndpointGet.json, PrivateEndpointListAll.json). It names the same NIC, and must
    match that NIC's own id."""
    parts = rid.split("/")
    # ["", "subscriptions", s, "resourceGroups", rg, <keyword>, <Namespace>, …]
    if (
        len(parts) > 7
        and parts[1].lower() == "subscriptions"
        and parts[3].lower() == "resourcegroups"
        and parts[5].lower() != "providers"
        and "." in parts[6]
        and parts[5].isalpha()
    ):
        parts[5] = "providers"
        return "/".join(parts)
    return rid


def refs(v: object) -> tuple[str, ...]:
    """The ids of an array of sub-resource references, each once."""
    return tuple(dict.fromkeys(i for i in (ref(x) for x in json_list(v)) if i))


def resource_name(d: Mapping[str, Any]) -> str:
    """A resource's name: the last segment of its `id` (what ARM addresses it by, and what
    `az … --name` takes), else its `name`. The two differ in Azure's own payloads:
    VirtualNetworkPeeringList.json lists two peerings both named "peer", one of which is
    `…/virtualNetworkPeerings/peer2`."""
    return name_of(text(d.get("id"))) or text(d.get("name"))


def uniq(*groups: Iterable[str]) -> tuple[str, ...]:
    """The non-empty strings of `groups`, each once, in first-seen order."""
    return tuple(dict.fromkeys(x for g in groups for x in g if x))


# Azure writes times as ISO 8601 with up to 7 fractional digits (.NET ticks), with or
# without "Z"; tunnelConnectionStatus.lastConnectionEstablishedUtcTime is a plain string in
# the spec and has been seen in the US form "6/18/2020 3:53:46 PM". All are UTC.
_FRACTION = re.compile(r"(\.\d{6})\d+")
_US_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p")


def timestamp(v: object) -> datetime | None:
    """An Azure time (ISO 8601 with up to 7 fractional digits, or the US form) in UTC; None
    when unreadable."""
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    raw = text(v)
    if not raw:
        return None
    iso = _FRACTION.sub(r"\1", raw.replace("Z", "+00:00").replace("z", "+00:00"))
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        for fmt in _US_FORMATS:
            try:
                parsed = datetime.strptime(raw, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dns_name(v: object) -> str:
    """A DNS name without its final dot: Private DNS writes absolute names
    ("recorda.privatezone1.com."), the names it is compared with have none."""
    return text(v).rstrip(".")
