"""Every request the bot sends, on every estate in the repo, driven through every command on
the real path (tests/conformance/drive.py), captured at the emulator's boundary: it is an
operation of the table (tests/conformance/operations.py) sent at the api-version its SDK
sends, and — where Azure's definition is present in ../shared — its path is spelled as the
definition spells it, its query parameters are the operation's, and a PUT body is what the
operation takes (fields only the newer SDK knows are listed by the report, not refused).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox.arm_emulator import RequestRecord
from sandbox.estate import load_estate
from tests.conformance.check import check_drive, specs
from tests.conformance.drive import estate_files, peerings
from tests.conformance.operations import OPERATIONS, BotOperation
from tests.shared_fixtures import needs_shared

ESTATES = estate_files()


def _short(lines: list[str], n: int = 25) -> str:
    return "\n".join(lines[:n]) + (f"\n… and {len(lines) - n} more" if len(lines) > n else "")


@pytest.mark.parametrize("estate", ESTATES, ids=[e.stem for e in ESTATES])
def test_every_request_is_an_operation_of_the_table_at_the_sdks_api_version(estate: Path, driven: Any) -> None:
    found = check_drive(driven(estate).records, with_specs=False)
    assert not found.requests, _short(found.requests)


@needs_shared
@pytest.mark.parametrize("estate", ESTATES, ids=[e.stem for e in ESTATES])
def test_every_request_is_as_azures_definition_has_it(estate: Path, driven: Any) -> None:
    d = driven(estate)
    # The one write the bot makes: the sandbox's own estates have a peering change the
    # pre-flight allows; a scenario's may all be refused (that is what some of them show).
    if estate.parent.name == "estates" and peerings(load_estate(estate)):
        assert any(r.method == "PUT" for r in d.records), "the drive made no peering write"
    found = check_drive(d.records)
    assert not found.requests, _short(found.requests)


def _sample_path(row: BotOperation) -> str:
    return "/".join("x1" if s.startswith("{") else s for s in row.template.split("/"))


@needs_shared
@pytest.mark.parametrize("row", OPERATIONS, ids=[f"{r.method} {r.label}" for r in OPERATIONS])
def test_each_row_names_the_definition_that_covers_it_or_none_does(row: BotOperation) -> None:
    found = specs().match(row.method, _sample_path(row))
    if row.operation_id:
        op = specs().operation(row.operation_id, row.spec_file)
        assert op is not None, f"{row.operation_id} is not in {row.spec_file}"
        assert op.path_values(_sample_path(row)) is not None, f"{op.template} is not {row.template}"
        return
    specific = found is not None and found.api_version != ""
    assert not specific, f"{found.operation_id} in {found.spec_file} now covers {row.label}: name it in the row"  # type: ignore[union-attr]
    assert row.uncovered, "a row without a definition says why"


# --- the checks themselves can fail ------------------------------------------------------------

SUB = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13"
PEERING = f"{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/virtualNetworkPeerings/p"


def test_a_request_no_row_names_or_at_another_api_version_is_reported() -> None:
    records = (
        RequestRecord("GET", f"{SUB}/providers/Microsoft.Network/natGateways", "api-version=2026-03-01", 200),
        RequestRecord("GET", f"{SUB}/providers/Microsoft.Network/virtualNetworks", "api-version=2024-05-01", 200),
    )
    found = check_drive(records, with_specs=False)
    assert "no row" in found.requests[0] and "'2024-05-01'" in found.requests[1]


@needs_shared
def test_a_put_body_with_a_wrong_type_or_a_made_up_field_is_reported() -> None:
    body = {"properties": {"allowForwardedTraffic": "yes", "remoteVirtualNetwork": {"id": "x"}, "madeUp": 1}}
    rec = RequestRecord("PUT", PEERING, "api-version=2026-03-01", 200, body=body)
    found = check_drive((rec,))
    text = "\n".join(found.requests)
    assert "'yes' is not of type 'boolean'" in text and "madeUp" in text


@needs_shared
def test_a_query_parameter_the_operation_does_not_take_is_reported() -> None:
    rec = RequestRecord("GET", PEERING, "api-version=2026-03-01&$expand=all", 200)
    assert any("'$expand'" in p for p in check_drive((rec,)).requests)
