"""What the conformance tests check on one drive, as plain functions (the tests and
`python -m tests.conformance.report` share them)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from sandbox.arm_emulator import RequestRecord
from tests.conformance.models import ModelSchemas
from tests.conformance.operations import POLL, STATUS_DEFINITION, BotOperation, bot_operation
from tests.conformance.specs import SPECS, Operation, Problem, Specs


@cache
def specs() -> Specs:
    return Specs()


@cache
def model_schemas() -> ModelSchemas:
    return ModelSchemas()


def sdk_class(row: BotOperation) -> type:
    module, _, name = row.sdk.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type)
    return cls


def definition(row: BotOperation) -> Operation | None:
    if not row.operation_id:
        return None
    return specs().operation(row.operation_id, row.spec_file)


def query_of(rec: RequestRecord) -> dict[str, str]:
    return dict(parse_qsl(rec.query, keep_blank_values=True))


@dataclass
class Findings:
    """What one estate's drive showed: problems (must be none), and what is worth noting."""

    problems: list[str] = field(default_factory=list)  # in answers (and what they were to)
    requests: list[str] = field(default_factory=list)  # in the bot's requests
    newer: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (operationId, where) -> fields
    validated: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (row label, against, version) -> n

    def count(self, row: str, against: str, version: str) -> None:
        k = (row, against, version)
        self.validated[k] = self.validated.get(k, 0) + 1


def _where(where: str) -> str:
    """`$.value[3].properties` → `$.value[].properties` (one line per place, not per item)."""
    import re

    return re.sub(r"\[\d+\]", "[]", where)


def split_newer(spec_problems: list[Problem], sdk_problems: list[Problem]) -> tuple[list[Problem], dict[str, set[str]]]:
    """Spec problems that are only fields the newer SDK model knows (the definition is older
    than the api-version sent) apart from the rest."""
    sdk_extra = {(p.where, f) for p in sdk_problems for f in p.extra}
    rest: list[Problem] = []
    newer: dict[str, set[str]] = {}
    for p in spec_problems:
        if p.open_enum:
            newer.setdefault(_where(p.where), set()).add(p.message.split(" is not one")[0])
            continue
        if not p.extra:
            rest.append(p)
            continue
        unknown = tuple(f for f in p.extra if (p.where, f) in sdk_extra)
        for f in p.extra:
            if f not in unknown:
                newer.setdefault(_where(p.where), set()).add(f)
        if unknown:
            rest.append(
                Problem(p.where, f"fields in neither the definition nor the SDK model: {', '.join(unknown)}", unknown)
            )
    return rest, newer


def check_answer(row: BotOperation, op: Operation | None, status: int, body: Any, f: Findings, what: str) -> None:
    """The answer to one request of `row`: against the definition (when one is present) and
    against the SDK's model."""
    sdk_problems: list[Problem] = []
    # A JSON string answer (start/stopPacketCapture) is read by the SDK as str, not a model.
    if 200 <= status < 300 and body not in (None, "") and not isinstance(body, str):
        sdk_problems = model_schemas().errors(sdk_class(row), body, page=row.page)
        f.count(row.label, f"SDK model {row.sdk.split(':')[1]}", row.api_version)
    if op is None:
        f.problems += [f"{what}: SDK model {row.sdk}: {p}" for p in sdk_problems]
        return
    spec_problems = specs().response_errors(op, status, body)
    f.count(row.label, f"{op.spec_file}#{op.operation_id} ({status})", op.api_version or "any")
    rest, newer = split_newer(spec_problems, sdk_problems)
    for where, fields in newer.items():
        f.newer.setdefault((op.operation_id, where), set()).update(fields)
    f.problems += [f"{what}: {op.operation_id} ({op.spec_file}): {p}" for p in rest]
    f.problems += [
        f"{what}: SDK model {row.sdk}: {p}" for p in sdk_problems if not p.extra
    ]  # fields unknown to both are reported once, above


def check_request(row: BotOperation, op: Operation | None, rec: RequestRecord, f: Findings, what: str) -> None:
    """The request itself: api-version, path spelling, query parameters, body."""
    q = query_of(rec)
    if q.get("api-version") != row.api_version:
        f.requests.append(f"{what}: sent api-version {q.get('api-version')!r}, the table says {row.api_version}")
    if op is None:
        return
    f.requests += [f"{what}: path: {e}" for e in op.literal_case_errors(rec.path)]
    declared = {p.name for p in op.params if p.where == "query"}
    for name in sorted(set(q) - declared):
        f.requests.append(f"{what}: query parameter {name!r} is not one {op.operation_id} takes ({sorted(declared)})")
    for p in op.params:
        if p.where == "query" and p.required and p.name not in q:
            f.requests.append(f"{what}: required query parameter {p.name!r} is missing")
    if rec.method in ("PUT", "PATCH", "POST"):
        sdk_problems = model_schemas().errors(sdk_class(row), rec.body) if rec.body is not None else []
        rest, newer = split_newer(specs().body_errors(op, rec.body), sdk_problems)
        for where, fields in newer.items():
            f.newer.setdefault((f"{op.operation_id} request body", where), set()).update(fields)
        f.requests += [f"{what}: body: {p}" for p in rest]
        f.requests += [f"{what}: body: SDK model {row.sdk}: {p}" for p in sdk_problems if not p.extra]


def records_of(records: tuple[RequestRecord, ...]) -> Iterator[tuple[RequestRecord, BotOperation | None]]:
    for rec in records:
        yield rec, (None if POLL.search(rec.path) else bot_operation(rec.method, rec.path))


def check_drive(records: tuple[RequestRecord, ...], with_specs: bool = True) -> Findings:
    """Every request and answer of one drive."""
    f = Findings()
    polls: dict[str, BotOperation] = {}  # poll URL path -> the operation it polls
    for rec, row in records_of(records):
        what = f"{rec.method} {rec.path}"
        if POLL.search(rec.path):
            check_poll(rec, polls.get(rec.path.lower()), f, what, with_specs)
            continue
        if row is None:
            f.requests.append(f"{what}: no row of tests/conformance/operations.py OPERATIONS is this request")
            continue
        op = definition(row) if with_specs else None
        if with_specs and row.operation_id and op is None:
            f.problems.append(f"{what}: {row.operation_id} is not in {row.spec_file}")
        check_request(row, op, rec, f, what)
        check_answer(row, op, rec.status, rec.answer_body, f, what)
        for h in ("Azure-AsyncOperation", "Location"):
            url = (rec.answer_headers or {}).get(h)
            if url:
                polls[_path_of(url).lower()] = row
    return f


def check_poll(rec: RequestRecord, row: BotOperation | None, f: Findings, what: str, with_specs: bool) -> None:
    """A status poll answers ARM's operation status; a result poll, the operation's result."""
    if row is None:
        f.problems.append(f"{what}: a poll of no operation the bot started")
        return
    if "/operations/" in rec.path.lower():
        if with_specs and rec.answer_body is not None:
            base = SPECS / "network" / "x.json"  # the ref below is relative to specs/specification
            ref = "../" + STATUS_DEFINITION
            f.problems += [
                f"{what}: {STATUS_DEFINITION}: {p}" for p in specs().definition_errors(ref, rec.answer_body, base)
            ]
            f.count(f"{row.label}: status poll", STATUS_DEFINITION, "v5")
        return
    op = definition(row) if with_specs else None
    if rec.status == 200:
        check_answer(row, op, 200, rec.answer_body, f, what + " (result)")


def _path_of(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path)
