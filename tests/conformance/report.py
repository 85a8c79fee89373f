"""`python -m tests.conformance.report`: the closing table of the conformance checks, printed
as Markdown — each operation the bot calls, the definition it is validated against (file,
operationId, api-version, long-running final-state-via) and the api-version actually sent;
what was validated on each estate; the differences between the definitions present and the
newer api-versions the SDKs send that matter to the bot; the operations no definition covers.

It drives every estate (tests/conformance/drive.py) exactly as the tests do; needs ../shared.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from tests.conformance.check import Findings, check_drive, definition, specs
from tests.conformance.drive import drive, estate_files
from tests.conformance.operations import OPERATIONS, STATUS_DEFINITION

CONVERT = Path(__file__).resolve().parents[2] / "bot" / "arm" / "convert"


def read_by_the_bot() -> set[str]:
    """Field names the converters read (`.get("name")`)."""
    names: set[str] = set()
    for f in CONVERT.glob("*.py"):
        names |= set(re.findall(r'\.get\("([A-Za-z0-9_]+)"', f.read_text(encoding="utf-8")))
    return names


def main() -> int:
    findings: dict[str, Findings] = {}
    for e in estate_files():
        findings[e.stem] = check_drive(drive(e).records)
    out = sys.stdout.write
    read = read_by_the_bot()
    out("## ARM operations the bot calls\n\n")
    out(
        "| Port method | Request | Definition (specs/specification/…#operationId) | Definition api-version | Sent | LRO final-state-via | Validated (estate: answers) |\n"
    )
    out("|---|---|---|---|---|---|---|\n")
    for row in OPERATIONS:
        op = definition(row)
        where = f"`{row.spec_file}#{row.operation_id}`" if op else f"none — {row.uncovered}"
        if op is not None and row.uncovered:
            where += f" ({row.uncovered})"
        lro = (op.final_state_via or "(none given)") if op is not None and op.lro else "—"
        counts = []
        for est, f in findings.items():
            n = sum(
                v for (label, against, _), v in f.validated.items() if label == row.label and "SDK model" in against
            )
            counts.append(f"{est}: {n}")
        out(
            f"| {row.label} | {row.method} `{row.template.replace(chr(123) + 'subscriptionId' + chr(125), 'S')}` | {where} "
            f"| {op.api_version or 'any (generic)' if op else '—'} | {row.api_version} | {lro} | {', '.join(counts)} |\n"
        )
    out(f"\nPolls of long-running operations: a status answer is validated against `{STATUS_DEFINITION}`, ")
    out("a result against the started operation's 200 schema and SDK model.\n\n")
    out("## Differences that matter: the SDKs send newer api-versions than the definitions present\n\n")
    for row in OPERATIONS:
        op = definition(row)
        if op is not None and op.api_version and op.api_version != row.api_version:
            out(f"- {row.label}: sent {row.api_version}, defined {op.api_version} (`{op.spec_file}`)\n")
    newer: Counter[str] = Counter()
    for f in findings.values():
        for (op_id, where), fields in f.newer.items():
            leaf = where.rsplit(".", 1)[-1].strip("[]")
            reads = [x for x in fields if x.strip("'") in read] or ([leaf] if leaf in read else [])
            mark = " — the bot reads it" if reads else ""
            newer[f"{op_id} `{where}`: {', '.join(sorted(fields))}{mark}"] += 1
    out("\nServed by the emulator outside the definition, accepted because the newer SDK model has the field ")
    out("(or the definition's enum is extensible, `modelAsString`):\n\n")
    for line in sorted(newer):
        out(f"- {line}\n")
    out("\n## Operations no definition here covers\n\n")
    for row in OPERATIONS:
        if row.uncovered:
            out(f"- {row.method} {row.label}: {row.uncovered}; checked against the SDK model `{row.sdk}`\n")
    s = specs()
    out(
        f"\n$refs into files not present (accepted as anything): {len(s.unresolved)}; resolved without case: {len(s.notes)}\n"
    )
    total = {est: sum(f.validated.values()) for est, f in findings.items()}
    out(
        f"\nAnswers validated per estate: {total}; problems: { {e: len(f.problems) + len(f.requests) for e, f in findings.items()} }\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
