"""`sandbox.arm.fidelity.LRO_OPERATIONS` (and the table in sandbox/README.md) says what Azure
publishes for each long-running operation the bot starts. Checked here against the
published files themselves: the definition's `final-state-via` and declared headers, and the
example's 202/201 headers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sandbox.arm.fidelity import LRO_OPERATIONS, LroOperation
from tests.shared_fixtures import REAL, needs_shared

STABLE = REAL / "specs" / "specification" / "network" / "resource-manager" / "Microsoft.Network" / "stable"
README = Path(__file__).resolve().parents[3] / "sandbox" / "README.md"


def _operation(op: LroOperation) -> dict[str, Any]:
    spec = json.loads((STABLE / op.definition).read_text(encoding="utf-8"))
    for methods in spec["paths"].values():
        for o in methods.values():
            if isinstance(o, dict) and o.get("operationId") == op.operation_id:
                return o
    raise AssertionError(f"{op.operation_id} is not in {op.definition}")


def _example(op: LroOperation) -> dict[str, Any]:
    name = op.example.split(" ")[0]
    for p in (REAL / "arm" / name, *STABLE.glob(f"*/examples/{name}")):
        if p.exists():
            return json.loads(p.read_text(encoding="utf-8"))
    raise AssertionError(f"{name} is not in ../shared/fixtures/real")


def _names(headers: dict[str, Any]) -> str:
    return ", ".join(sorted(headers, key=str.lower)) or "none"


@needs_shared
@pytest.mark.parametrize("op", LRO_OPERATIONS, ids=lambda o: o.operation_id)
def test_the_table_says_what_the_definition_and_the_example_say(op: LroOperation) -> None:
    o = _operation(op)
    assert o.get("x-ms-long-running-operation") is True
    assert o["x-ms-long-running-operation-options"]["final-state-via"] == op.final_state_via
    declared = {code: _names(r.get("headers") or {}) for code, r in o["responses"].items() if code in ("201", "202")}
    said = op.declared_headers.split(": ", 1)[-1]
    assert said in declared.values() or (said == "none" and set(declared.values()) <= {"none"}), declared
    example = _example(op)
    published = {
        code: _names(r.get("headers") or {}) for code, r in example["responses"].items() if code in ("201", "202")
    }
    said_example = op.example_headers.split(" (")[0].lower()
    assert {h.lower() for h in published.values()} == {said_example}, published


def test_the_readme_table_names_every_operation() -> None:
    text = README.read_text(encoding="utf-8")
    for op in LRO_OPERATIONS:
        assert f"`{op.operation_id}`" in text and op.example.split(" ")[0] in text
