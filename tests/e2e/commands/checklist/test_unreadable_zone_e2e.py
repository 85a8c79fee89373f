"""A private DNS zone whose A records Azure refuses to list (a 403 on that zone only),
through the whole path (`python -m bot console`: signed slash command, Bolt app, worker,
the real Azure SDK against the ARM emulator, the Slack emulator): the checklist and the
diagnosis name the zone as unreadable and answer the rest; they never say "no A record"."""

from __future__ import annotations

import io

from bot.console.app import Console
from sandbox.arm_emulator import SEED_ESTATE
from sandbox.estate import load_estate

ZONE_RECORDS = r"/privateDnsZones/privatelink\.database\.windows\.net/A$"


def _run(*lines: str) -> str:
    out = io.StringIO()
    with Console(load_estate(SEED_ESTATE), out=out) as console:
        console.arm.add_fault(ZONE_RECORDS, status=403, code="AuthorizationFailed", message="denied on this zone")
        console.run(lines)
    return out.getvalue()


def test_the_checklist_says_the_zone_could_not_be_read_never_that_the_record_is_missing() -> None:
    out = _run("/vpn checklist sql-aue")
    assert "❔ 2. DNS record in `privatelink.database.windows.net` — could not check" in out
    assert (
        "could not read the A records of `privatelink.database.windows.net` (rg-vpn-eun) (AuthorizationFailed)" in out
    )
    assert "no A record" not in out and "add-record" not in out
    assert "✔ 1. Private endpoint for `sql-aue`" in out  # the rest is answered
    assert "✘ `vnet-aue` (the endpoint's VNet" in out  # the links were read: vnet-aue is still not linked
    assert "The bot's identity lacks a permission here" in out


def test_the_diagnosis_names_the_unreadable_zone_and_still_answers() -> None:
    out = _run("/vpn diagnose europe")
    assert "could only be checked in part" in out
    assert "could not read the A records of zone `privatelink.database.windows.net` (rg-vpn-eun)" in out
    assert "no A record" not in out
