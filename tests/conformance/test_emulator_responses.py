"""Every answer the emulator serves, on every estate in the repo, while every command runs
(tests/conformance/drive.py): valid under Azure's definition of the operation where one is
present in ../shared (a field the definition lacks passes only when the SDK's own newer model
has it: the SDKs send newer api-versions than the newest definitions here; the report lists
those), and read into the SDK's own model with no field the model does not know, for every
operation. Polls: a status answers ARM's OperationStatusResult (common-types v5), a result
the operation's own 200 schema.

The validator itself is checked on Azure's published examples: each must pass.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.check import check_drive, model_schemas, sdk_class, specs, split_newer
from tests.conformance.drive import estate_files
from tests.conformance.examples import examples
from tests.conformance.operations import OPERATIONS
from tests.shared_fixtures import REAL, needs_shared

ESTATES = estate_files()


def _short(lines: list[str], n: int = 25) -> str:
    return "\n".join(lines[:n]) + (f"\n… and {len(lines) - n} more" if len(lines) > n else "")


@pytest.mark.parametrize("estate", ESTATES, ids=[e.stem for e in ESTATES])
def test_every_answer_is_read_into_the_sdks_model_with_no_field_it_does_not_know(estate: Path, driven: Any) -> None:
    found = check_drive(driven(estate).records, with_specs=False)
    assert not found.problems, _short(found.problems)


@needs_shared
@pytest.mark.parametrize("estate", ESTATES, ids=[e.stem for e in ESTATES])
def test_every_answer_is_as_azures_definition_has_it(estate: Path, driven: Any) -> None:
    found = check_drive(driven(estate).records)
    assert not found.problems, _short(found.problems)
    assert found.validated, "nothing was validated"


# Where Azure's own examples and its definitions disagree (upstream, not ours).
UPSTREAM = {
    # A 2025-01-01 example (no 2025-03-01 one exists): the gateway's availability `zones`
    # are in neither the 2025-03-01 definition nor azure-mgmt-network 33's model.
    "arm/VirtualNetworkGatewayGet.json": "$.properties: fields in neither the definition nor the SDK model: zones",
}
# The NatRule list example answers a bare array where its pageable definition (and the SDK's
# pager) say {"value": [...]}: the emulator serves the definition's shape, and the bot reads both
# (bot/arm/raw.py list_any_json; tests/integration/bot/arm/test_ipsec.py reads this example).
BARE_ARRAY = {
    "specs/specification/network/resource-manager/Microsoft.Network/stable/2025-03-01/examples/VirtualNetworkGatewayNatRuleList.json"
}


def _published() -> list[Any]:
    if not REAL.is_dir():
        return []
    rows = {r.operation_id for r in OPERATIONS if r.operation_id}
    return [e for e in examples(specs()) if e.operation.operation_id in rows]


@needs_shared
@pytest.mark.parametrize("example", _published(), ids=lambda e: e.name)
def test_azures_published_examples_pass_the_same_checks(example: Any) -> None:
    row = next(r for r in OPERATIONS if r.operation_id == example.operation.operation_id)
    bodies = {s: r["body"] for s, r in example.body["responses"].items() if "body" in r}
    # ResetConnection answers 202 and nothing else: no body to check.
    assert bodies or set(example.body["responses"]) <= {"202", "204"}, "an example with no response body"
    for status, body in bodies.items():
        if sdk_class(row) is str:  # getikesas: 200 = string, no model to read it into
            assert isinstance(body, str) and not specs().response_errors(example.operation, int(status), body)
            continue
        if example.name in BARE_ARRAY:
            assert isinstance(body, list)
            body = {"value": body}
        # A JSON string answer (packet capture) is read by the SDK as str, not into a model.
        sdk = [] if isinstance(body, str) else model_schemas().errors(sdk_class(row), body, page=row.page)
        rest, _ = split_newer(specs().response_errors(example.operation, int(status), body), sdk)
        got = [str(p) for p in rest] + [str(p) for p in sdk if not p.extra]
        assert got == ([UPSTREAM[example.name]] if example.name in UPSTREAM else []), got


@needs_shared
def test_an_answer_with_a_made_up_field_a_wrong_type_or_a_missing_one_is_reported(driven: Any) -> None:
    records = list(driven(next(e for e in ESTATES if e.stem == "seed")).records)
    i = next(i for i, r in enumerate(records) if r.method == "GET" and r.path.lower().endswith("/sharedkey"))
    j = next(i for i, r in enumerate(records) if r.path.endswith("/virtualNetworks") and r.answer_body["value"])
    vnets = copy.deepcopy(records[j].answer_body)
    vnets["value"][0]["properties"]["addressSpace"]["addressPrefixes"] = "10.0.0.0/16"
    vnets["value"][0]["properties"]["invented"] = True
    records[i] = records[i]._replace(answer_body={})  # ConnectionSharedKey requires "value"
    records[j] = records[j]._replace(answer_body=vnets)
    text = "\n".join(check_drive(tuple(records)).problems)
    assert "'value' is a required property" in text
    assert "'10.0.0.0/16' is not of type 'array'" in text
    assert "invented" in text
