"""Azure's published example files (x-ms-examples) present in ../shared, each with the
operation it is an example of."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conformance.specs import Operation, Specs
from tests.shared_fixtures import REAL


@dataclass(frozen=True)
class Example:
    path: Path
    operation: Operation
    body: dict[str, Any]  # the whole example: parameters, responses

    @property
    def name(self) -> str:
        return self.path.relative_to(REAL.resolve()).as_posix()


def examples(specs: Specs) -> list[Example]:
    """Every example file under specs/ (and the copies in arm/, privatedns/) whose operation
    a definition present here names in its x-ms-examples (by file name: the 2024-07-01
    copies stand for the 2025-03-01 files that are not available)."""
    by_name: dict[str, Operation] = {}
    for op in specs.operations:
        d = specs.doc(op.file)
        raw = d["paths"][op.template][op.method.lower()]
        for ref in (raw.get("x-ms-examples") or {}).values():
            by_name.setdefault(Path(str(ref.get("$ref", ""))).name, op)
    out = []
    root = REAL.resolve()
    files = sorted(root.glob("specs/**/examples/*.json")) + sorted(root.glob("arm/*.json"))
    files += sorted(root.glob("privatedns/*.json"))
    for f in files:
        op = by_name.get(f.name)
        if op is not None:
            out.append(Example(f, op, json.loads(f.read_text(encoding="utf-8"))))
    return out
