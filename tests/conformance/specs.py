"""Azure's published OpenAPI definitions (../shared/fixtures/real/specs, Swagger 2.0), read in
place, as JSON Schemas that say what a request or an answer may hold.

`Specs` indexes every operation of every definition file present (operationId, method, path
template, api-version, parameters, responses, long-running options) and matches a concrete
request (`match`). `Specs.response_errors` / `Specs.body_errors` validate a JSON body with
jsonschema against the operation's schema, with the definitions' `$ref`s resolved across
files. Two readings of Swagger 2.0 are made explicit, because the validation must be able to
say "this field is not in Azure's definition":

* An object schema with `properties` is closed: a field it does not define is reported
  (Swagger leaves `additionalProperties` open by default; ARM's definitions list every
  field a resource has, so an extra one is a field the emulator or the bot made up, or one
  added after the definition's api-version). `allOf` members are merged into one object
  first, so a resource's `id`/`name`/`type` (from its base) and its own fields are one set.
  An object with no `properties` (free-form: `tags`, a generic resource's `properties`)
  stays open.
* `x-nullable: true` allows null.

Formats (`date-time`, `int32`, `arm-id`) are not checked; `readOnly` is ignored (ARM ignores
read-only fields in a PUT body); polymorphic `discriminator`s do not occur in the definitions
the bot's operations reach. A `$ref` to a file or definition not present here is accepted as
anything and listed in `unresolved` (see specs/SOURCES.md "Caveats"); the one known case
mismatch (`systemData` in common-types v5, defined as `SystemData`) is resolved without case
and listed in `notes`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.validators import extend

from tests.shared_fixtures import REAL

SPECS = (REAL / "specs" / "specification").resolve()
METHODS = ("get", "put", "post", "patch", "delete", "head")


class Unresolved(Exception):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path | query | body | header
    required: bool = False
    enum: tuple[str, ...] = ()
    pattern: str = ""
    skip_encoding: bool = False  # x-ms-skip-url-encoding: the value may hold "/" (an id)
    free_api_version: bool = False  # x-ms-api-version false: the target provider's version
    schema: Any = None  # body parameters: the Swagger schema
    base: Path | None = None  # the file the schema's $refs are relative to


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # GET, PUT, …
    template: str  # "/subscriptions/{subscriptionId}/…"
    file: Path
    api_version: str  # the definition file's info.version ("" when the operation takes any)
    params: tuple[Param, ...]
    responses: dict[str, Any] = field(hash=False, compare=False)  # status ("200", "default") -> Swagger response
    lro: bool = False
    final_state_via: str = ""

    @property
    def spec_file(self) -> str:
        """The definition file, relative to specs/specification."""
        return self.file.relative_to(SPECS).as_posix()

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        out = []
        for seg in self.template.strip("/").split("/"):
            m = re.fullmatch(r"\{([^}]+)\}", seg)
            if m is None:
                out.append(re.escape(seg))
                continue
            p = self.param(m.group(1))
            group = re.sub(r"\W", "_", m.group(1))
            out.append(f"(?P<{group}>.+)" if p is not None and p.skip_encoding else f"(?P<{group}>[^/]+)")
        return re.compile("/" + "/".join(out) + "/?", re.IGNORECASE)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def literal_segments(self) -> int:
        return sum(1 for s in self.template.strip("/").split("/") if not s.startswith("{"))

    def path_values(self, path: str) -> dict[str, str] | None:
        """The path parameters' values when `path` is this operation's, else None (an enum or
        pattern the value breaks rules the operation out: `{recordType}` vs `virtualNetworkLinks`)."""
        m = self._regex.fullmatch(path)
        if m is None:
            return None
        values: dict[str, str] = {}
        for p in self.params:
            if p.where != "path":
                continue
            v = m.groupdict().get(re.sub(r"\W", "_", p.name))
            if v is None:
                continue
            if p.enum and v.lower() not in {e.lower() for e in p.enum}:
                return None
            values[p.name] = v
        return values

    def literal_case_errors(self, path: str) -> list[str]:
        """Fixed segments of the template that `path` spells in another case (ARM accepts
        them, but a request built from the definition spells them as it does)."""
        segs = self.template.strip("/").split("/")
        got = path.strip("/").split("/")
        if self._regex.fullmatch(path) is None or len(segs) != len(got):
            return []  # an id-valued parameter spans several segments: nothing to line up
        return [f"{g!r} is {s!r} in the definition" for s, g in zip(segs, got, strict=True) if s[:1] != "{" and s != g]


def _is_resource_id(path: str) -> bool:
    """`/subscriptions/S/resourceGroups/G/providers/NS/type/name[/type/name…]`: a resource, not
    a collection or a subscription."""
    segs = [s for s in path.split("/") if s]
    low = [s.lower() for s in segs]
    if "providers" not in low:
        return False
    rest = segs[low.index("providers") + 2 :]
    return bool(rest) and len(rest) % 2 == 0


class Specs:
    """Every definition file under `root`, its operations, and its schemas as JSON Schema."""

    def __init__(self, root: Path = SPECS) -> None:
        self.root = root
        self._docs: dict[Path, Any] = {}
        self.defs: dict[str, Any] = {}  # "$defs" shared by every validator
        self.unresolved: set[str] = set()
        self.notes: set[str] = set()
        self._validators: dict[tuple[str, str, str], Any] = {}
        self.operations: list[Operation] = list(self._operations())

    # --- files and $refs -----------------------------------------------------------------
    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*.json") if "examples" not in p.parts)

    def doc(self, path: Path) -> Any:
        path = path.resolve()
        if path not in self._docs:
            self._docs[path] = json.loads(path.read_text(encoding="utf-8"))
        return self._docs[path]

    def resolve(self, ref: str, base: Path) -> tuple[Any, Path, str | None]:
        """The node a `$ref` points at, the file it is in, and the definition's name (None
        when the pointer is not `#/definitions/NAME`)."""
        file_part, _, pointer = ref.partition("#")
        target = (base.parent / file_part).resolve() if file_part else base.resolve()
        if not target.exists():
            raise Unresolved(f"{ref} (from {base.name}): file not present")
        node = self.doc(target)
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]] if pointer else []
        for i, t in enumerate(tokens):
            if isinstance(node, dict) and t in node:
                node = node[t]
                continue
            alike = [k for k in node if k.lower() == t.lower()] if isinstance(node, dict) and i == 1 else []
            if len(alike) == 1 and tokens[0] == "definitions":
                self.notes.add(f"{ref} (from {base.name}) resolved as {alike[0]!r}: the pointer's case differs")
                node = node[alike[0]]
                tokens[i] = alike[0]
                continue
            raise Unresolved(f"{ref} (from {base.name}): {t!r} not found")
        name = tokens[1] if len(tokens) == 2 and tokens[0] == "definitions" else None
        return node, target, name

    # --- operations ----------------------------------------------------------------------
    def _operations(self) -> Iterator[Operation]:
        for f in self.files():
            d = self.doc(f)
            version = str((d.get("info") or {}).get("version") or "")
            for template, item in (d.get("paths") or {}).items():
                shared = item.get("parameters") or []
                for method in METHODS:
                    op = item.get(method)
                    if not isinstance(op, dict):
                        continue
                    params = tuple(self._param(p, f) for p in [*shared, *(op.get("parameters") or [])])
                    api = next((p for p in params if p.name == "api-version"), None)
                    opts = op.get("x-ms-long-running-operation-options") or {}
                    yield Operation(
                        operation_id=str(op.get("operationId") or f"{method.upper()} {template}"),
                        method=method.upper(),
                        template=template,
                        file=f.resolve(),
                        api_version="" if api is not None and api.free_api_version else version,
                        params=params,
                        responses=dict(op.get("responses") or {}),
                        lro=bool(op.get("x-ms-long-running-operation")),
                        final_state_via=str(opts.get("final-state-via") or ""),
                    )

    def _param(self, p: Any, base: Path) -> Param:
        if "$ref" in p:
            p, base, _ = self.resolve(p["$ref"], base)
        return Param(
            name=str(p.get("name")),
            where=str(p.get("in")),
            required=bool(p.get("required")),
            enum=tuple(str(e) for e in p.get("enum") or ()),
            pattern=str(p.get("pattern") or ""),
            skip_encoding=bool(p.get("x-ms-skip-url-encoding")),
            free_api_version=p.get("x-ms-api-version") is False,
            schema=p.get("schema"),
            base=base,
        )

    def operation(self, operation_id: str, spec_file: str) -> Operation | None:
        """The operation of that id in that file (relative to specs/specification)."""
        return next((o for o in self.operations if o.operation_id == operation_id and o.spec_file == spec_file), None)

    def match(self, method: str, path: str) -> Operation | None:
        """The operation a request is for: the most specific template that matches (most
        fixed segments; an id-valued parameter such as `/{resourceId}` matches anything)."""
        found = [
            o
            for o in self.operations
            if o.method == method.upper()
            and o.path_values(path) is not None
            and (o.api_version or _is_resource_id(path))  # a generic operation reads a resource by its id
        ]
        if not found:
            return None
        return max(found, key=lambda o: (o.literal_segments, -sum(p.skip_encoding for p in o.params)))

    # --- schemas -------------------------------------------------------------------------
    def schema(self, s: Any, base: Path) -> dict[str, Any]:
        """A Swagger schema as JSON Schema (2020-12), its definitions added to `defs`."""
        if not isinstance(s, dict):
            return {}
        if "$ref" in s:
            try:
                node, target, name = self.resolve(s["$ref"], base)
            except Unresolved as e:
                self.unresolved.add(str(e))
                out: dict[str, Any] = {}
            else:
                out = {"$ref": f"#/$defs/{self._define(node, target, name)}"} if name else self.schema(node, target)
        else:
            out = self._convert(s, base)
        return {"anyOf": [out, {"type": "null"}]} if s.get("x-nullable") is True else out

    def _define(self, node: Any, base: Path, name: str) -> str:
        key = f"{base.relative_to(self.root.resolve()).as_posix().replace('/', '.')}:{name}"
        if key not in self.defs:
            self.defs[key] = {}  # stands in while the definition refers to itself
            self.defs[key] = self._convert(node, base)
        return key

    def _members(self, s: Any, base: Path) -> tuple[dict[str, Any], set[str], Any, bool]:
        """(properties, required, additionalProperties or None, is an object) of a schema
        with its `allOf` members merged in (a member's own `$ref` followed)."""
        props: dict[str, Any] = {}
        required: set[str] = set()
        extra: Any = None
        is_object = s.get("type") == "object" or "properties" in s or "additionalProperties" in s
        for m in s.get("allOf") or ():
            mbase = base
            if "$ref" in m:
                try:
                    m, mbase, _ = self.resolve(m["$ref"], base)
                except Unresolved as e:
                    self.unresolved.add(str(e))
                    return props, required, True, True  # an unknown base: accept anything
            p, r, x, o = self._members(m, mbase)
            props.update(p)
            required |= r
            extra = x if x is not None else extra
            is_object = is_object or o
        for k, v in (s.get("properties") or {}).items():
            props[k] = self.schema(v, base)
        required |= set(s.get("required") or ())
        if "additionalProperties" in s:
            a = s["additionalProperties"]
            extra = a if isinstance(a, bool) else self.schema(a, base)
        return props, required, extra, is_object

    def _convert(self, s: Any, base: Path) -> dict[str, Any]:
        props, required, extra, is_object = self._members(s, base)
        out: dict[str, Any] = {}
        if is_object:
            out["type"] = "object"
            if props:
                out["properties"] = props
            if required:
                out["required"] = sorted(required)
            # Closed when it lists its fields; a free-form object (no properties) stays open.
            out["additionalProperties"] = extra if extra is not None else not props
            return out
        if isinstance(s.get("type"), str) and s["type"] != "file":
            out["type"] = s["type"]
        if "items" in s:
            out["items"] = self.schema(s["items"], base)
        if "enum" in s and (s.get("x-ms-enum") or {}).get("modelAsString") is True:
            # An extensible enum ("modelAsString"): ARM may answer other values (the SDK takes
            # any string). A value outside the list is noted, not refused.
            out["openEnum"] = list(s["enum"])
            s = {k: v for k, v in s.items() if k != "enum"}
        for k in ("enum", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern"):
            if k in s:
                out[k] = s[k]
        return out

    def _validator(self, key: tuple[str, str, str], s: Any, base: Path) -> Any:
        if key not in self._validators:
            root = self.schema(s, base) if s is not None else None
            self._validators[key] = None if root is None else Validator({**root, "$defs": self.defs})
        return self._validators[key]

    def response_key(self, op: Operation, status: int) -> str | None:
        """The responses entry an answer with `status` falls under ("default" for an error
        the operation does not list), or None when the definition does not allow it."""
        if str(status) in op.responses:
            return str(status)
        if status >= 400 and "default" in op.responses:
            return "default"
        return None

    def response_errors(self, op: Operation, status: int, body: Any) -> list[Problem]:
        """What in an answer's body the definition does not allow ([] when all is well)."""
        key = self.response_key(op, status)
        if key is None:
            return [
                Problem("$", f"HTTP {status} is not an answer {op.operation_id} has (it has {', '.join(op.responses)})")
            ]
        schema = (op.responses[key] or {}).get("schema")
        if schema is None:
            return (
                []
                if body in (None, "")
                else [Problem("$", f"HTTP {status} of {op.operation_id} has no body, yet one was sent")]
            )
        v = self._validator((op.operation_id, op.spec_file, key), schema, op.file)
        return errors_of(v, body) if v is not None else []

    def body_errors(self, op: Operation, body: Any) -> list[Problem]:
        """What in a request body the operation's body parameter does not allow."""
        p = next((p for p in op.params if p.where == "body"), None)
        if p is None:
            return [] if body in (None, "") else [Problem("$", f"{op.operation_id} takes no body, yet one was sent")]
        if body in (None, ""):
            return [Problem("$", f"{op.operation_id} needs its body ({p.name})")] if p.required else []
        v = self._validator((op.operation_id, op.spec_file, "body"), p.schema, p.base or op.file)
        return errors_of(v, body) if v is not None else []

    def definition_errors(self, ref: str, body: Any, base: Path) -> list[Problem]:
        """Validate `body` against one definition, e.g. ("…/v5/types.json#/definitions/X", body, file)."""
        v = self._validator(("definition", ref, base.as_posix()), {"$ref": ref}, base)
        return errors_of(v, body) if v is not None else []


@dataclass(frozen=True)
class Problem:
    """One thing a body holds that its schema does not allow."""

    where: str  # "$.value[0].properties"
    message: str
    extra: tuple[str, ...] = ()  # fields an object may not hold (additionalProperties)

    open_enum: bool = False  # a value outside an extensible enum's list (a note, not a fault)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _open_enum(validator: Any, values: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if isinstance(instance, str) and instance not in values:
        yield ValidationError(f"{instance!r} is not one of the definition's values {values} (an extensible enum)")


Validator = extend(Draft202012Validator, {"openEnum": _open_enum})


def errors_of(v: Any, body: Any) -> list[Problem]:
    out = []
    for e in sorted(v.iter_errors(body), key=lambda e: [str(x) for x in e.absolute_path]):
        where = "$" + "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in e.absolute_path)
        extra: tuple[str, ...] = ()
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            known = set((e.schema or {}).get("properties") or ())
            extra = tuple(sorted(k for k in e.instance if k not in known))
        out.append(Problem(where, e.message[:300], extra, e.validator == "openEnum"))
    return out
