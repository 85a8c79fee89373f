"""The Azure SDKs' own models as JSON Schemas: what each field may hold, and no field the
model does not know.

The SDK deserializes whatever ARM sends (an unknown field is kept in the model's raw
mapping and never seen again), so "it deserializes" proves little. Here every model class is
read the way the SDK reads it — the TypeSpec-generated models of azure-mgmt-network 33,
-privatedns 2, -resource 26 and -resource-subscriptions 1 (`rest_field`s with their REST
names and type annotations), and the msrest models of azure-mgmt-dnsresolver 1.1
(`_attribute_map`, "properties.x" keys nested) — and turned into a closed JSON Schema: an
object may hold only the fields its model declares, each of the declared type (an enum is
`Union[str, Enum]` in these SDKs: any string). A free-form field (`Any`, "object") stays open.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import inspect
import sys
import typing
from typing import Any

from jsonschema import Draft202012Validator

from tests.conformance.specs import Problem, errors_of

_NONE = type(None)


class _Models:
    """A package's `_models` as its annotations name them: what the package exports, else
    what its models module defines (azure-monitor-query 2 exports none of its response models)."""

    def __init__(self, package: Any, module: Any) -> None:
        self._package, self._module = package, module

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._package, name, None)
        return found if found is not None else getattr(self._module, name)


class ModelSchemas:
    """JSON Schemas of SDK model classes, sharing one `$defs`."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}
        self._validators: dict[tuple[str, bool], Draft202012Validator] = {}

    # --- classes -------------------------------------------------------------------------
    def _define(self, cls: type) -> dict[str, Any]:
        key = f"{cls.__module__}.{cls.__qualname__}"
        if cls is str:  # an operation whose 200 is a string (getikesas): the SDK reads it as str
            return {"type": "string"}
        if key not in self.defs:
            self.defs[key] = {}
            self.defs[key] = self._msrest(cls) if hasattr(cls, "_attribute_map") else self._typespec(cls)
        return {"$ref": f"#/$defs/{key}"}

    def _typespec(self, cls: type) -> dict[str, Any]:
        """A TypeSpec-generated model (`_utils.model_base.Model`): its `rest_field`s, read
        as `Model.__new__` reads them (every class of the MRO, annotations evaluated in the
        module with the package's `_models`)."""
        models = _Models(sys.modules[cls.__module__.rsplit(".", 1)[0]], sys.modules[cls.__module__])
        props: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            notes = inspect.get_annotations(klass)
            ns = {**vars(sys.modules[klass.__module__]), "_models": models}
            for attr, rf in klass.__dict__.items():
                if attr.startswith("_") or not hasattr(rf, "_rest_name_input") or not hasattr(rf, "_type"):
                    continue
                name = rf._rest_name_input or attr
                ann = notes.get(attr)
                if isinstance(ann, str):
                    ann = typing._eval_type(typing.ForwardRef(ann), ns, ns)  # type: ignore[attr-defined]
                props[name] = self._annotation(ann, models)
        return {"type": "object", "properties": props, "additionalProperties": False}

    def _annotation(self, ann: Any, models: Any) -> dict[str, Any]:
        if isinstance(ann, typing.ForwardRef):
            ann = ann.__forward_arg__
        if isinstance(ann, str):  # list["_models.X"]: the argument stays a string
            name = ann.split(".")[-1]
            # azure-monitor-querymetrics keeps some models private ("_models._models.X").
            ann = getattr(models, name, None) or getattr(models._models, name)
        origin, args = typing.get_origin(ann), typing.get_args(ann)
        if origin is typing.Union:
            kept = [a for a in args if a is not _NONE]
            if any(a is str for a in kept):  # Union[str, SomeEnum]: any string
                return {"type": "string"}
            if len(kept) == 1:  # Optional[X]: ARM leaves the field out rather than sending null
                return self._annotation(kept[0], models)
            return {"anyOf": [self._annotation(a, models) for a in kept]}
        if origin in (list, typing.List, tuple, set):  # noqa: UP006 - what the SDK writes
            return {"type": "array", "items": self._annotation(args[0], models) if args else {}}
        if origin in (dict, typing.Dict):  # noqa: UP006
            return {"type": "object", "additionalProperties": self._annotation(args[1], models) if args else True}
        if origin is typing.Literal:
            return {"enum": list(args)}
        return self._plain(ann, models)

    def _plain(self, ann: Any, models: Any) -> dict[str, Any]:
        if ann in (str, dt.datetime, dt.date, dt.time, dt.timedelta, bytes):
            return {"type": "string"}
        if ann is bool:
            return {"type": "boolean"}
        if ann is int:
            return {"type": "integer"}
        if ann is float:
            return {"type": "number"}
        if isinstance(ann, type) and issubclass(ann, enum.Enum):
            return {"type": "string"}
        if isinstance(ann, type) and (hasattr(ann, "_attribute_map") or hasattr(ann, "_attr_to_rest_field")):
            return self._define(ann)
        if isinstance(ann, type) and any(c.__name__ == "Model" for c in ann.__mro__):
            return self._define(ann)
        if ann is typing.Any or ann is object:
            return {}  # free-form
        raise TypeError(f"no JSON Schema for the SDK annotation {ann!r}")

    def _msrest(self, cls: type) -> dict[str, Any]:
        """An msrest model (`_attribute_map`): "properties.virtualNetwork" is nested."""
        models = importlib.import_module(cls.__module__.rsplit(".", 1)[0])
        root: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
        for spec in cls._attribute_map.values():  # type: ignore[attr-defined]
            *outer, last = [k.replace("\\.", ".") for k in _split_key(spec["key"])]
            node = root
            for k in outer:
                node = node["properties"].setdefault(
                    k, {"type": "object", "properties": {}, "additionalProperties": False}
                )
            node["properties"][last] = self._msrest_type(spec["type"], models)
        return root

    def _msrest_type(self, t: str, models: Any) -> dict[str, Any]:
        if t.startswith("[") and t.endswith("]"):
            return {"type": "array", "items": self._msrest_type(t[1:-1], models)}
        if t.startswith("{") and t.endswith("}"):
            return {"type": "object", "additionalProperties": self._msrest_type(t[1:-1], models)}
        simple = {
            "str": {"type": "string"},
            "bool": {"type": "boolean"},
            "int": {"type": "integer"},
            "long": {"type": "integer"},
            "float": {"type": "number"},
            "iso-8601": {"type": "string"},
            "rfc-1123": {"type": "string"},
            "duration": {"type": "string"},
            "date": {"type": "string"},
            "object": {},
        }
        if t in simple:
            return simple[t]
        cls = getattr(models, t, None)
        return self._define(cls) if isinstance(cls, type) else {}

    # --- validating ----------------------------------------------------------------------
    def errors(self, cls: type, body: Any, page: bool = False) -> list[Problem]:
        """What in `body` the model (or, with `page`, a page of it: {"value": [...],
        "nextLink"}) does not know or does not allow."""
        key = (f"{cls.__module__}.{cls.__qualname__}", page)
        if key not in self._validators:
            item = self._define(cls)
            root: dict[str, Any] = (
                {
                    "type": "object",
                    "properties": {"value": {"type": "array", "items": item}, "nextLink": {"type": "string"}},
                    "additionalProperties": False,
                }
                if page
                else dict(item)
            )
            self._validators[key] = Draft202012Validator({**root, "$defs": self.defs})
        return errors_of(self._validators[key], body)


def _split_key(key: str) -> list[str]:
    """msrest's flattened key ("properties.a", with "\\." for a literal dot) in parts."""
    parts, cur, i = [], "", 0
    while i < len(key):
        if key[i] == "\\" and i + 1 < len(key) and key[i + 1] == ".":
            cur += "\\."
            i += 2
            continue
        if key[i] == ".":
            parts.append(cur)
            cur = ""
        else:
            cur += key[i]
        i += 1
    parts.append(cur)
    return parts
