"""`/vpn changes` and the "what changed / is it Azure" lines end to end: the console drives the
real Bolt app, worker, Azure SDKs (resourcegraph, monitor, resourcehealth) against the ARM
emulator, the renderer and the Slack API emulator.

The scenario estates' `changes`, `changes_not` and `azure` expectations
(sandbox/estates/scenarios/README.md) were written from the documented rules before the bot
ran on them: a shared key set on one side drops an S2S tunnel (vpn-gateway-troubleshoot-
site-to-site-cannot-connect); tags carry no traffic; a refused operation changed nothing; a
route table on an unjoined VNet cannot touch the tunnel.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from bot.console.app import Console
from commands.core.model import name_of
from sandbox.estate import load_estate

ROOT = Path(__file__).resolve().parents[4]
SEED = ROOT / "sandbox" / "estates" / "seed.json"
CORPUS = ROOT / "sandbox" / "estates" / "scenarios"
SCENARIOS = (
    "shared-key-change-breaks-s2s",
    "unrelated-change-during-outage",
    "nsg-rule-change-blocks-sql",
    "shared-key-reset-breaks-v2v",
    "dns-record-change-breaks-pe",
)


def _answers(con: Console, lines: list[str]) -> dict[str, str]:
    con.run(lines)
    assert isinstance(con.out, io.StringIO)
    out = con.out.getvalue()
    parts: dict[str, str] = {}
    for i, line in enumerate(lines):
        start = out.index(f"> {line}\n")
        end = out.index(f"> {lines[i + 1]}\n", start) if i + 1 < len(lines) else len(out)
        parts[line] = out[start:end]
    return parts


def _first_message(answer: str) -> str:
    """The answer's first message posted in the channel (not the "working on it", not the thread)."""
    blocks = answer.split("\n[")
    posted = [
        b for b in blocks if "→ #vpn-ops\n" in b.split("\n", 1)[0] + "\n" and "(thread of" not in b.split("\n", 1)[0]
    ]
    return posted[0] if posted else ""


def _under_roots(first: str) -> list[str]:
    return [line.strip() for line in first.splitlines() if line.strip().startswith("🕒 ")]


def _names(line: str, change: str) -> bool:
    """The line says the change was made to this resource: "on `name`", or a child's
    "on `name (rule of nsg-x)`"."""
    return re.search(rf"on `{re.escape(name_of(change))}(`| \()", line) is not None


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_change_that_explains_an_outage_is_under_it_and_unrelated_ones_never_are(name: str) -> None:
    expect = json.loads((CORPUS / f"{name}.expect.json").read_text(encoding="utf-8"))
    con = Console(load_estate(CORPUS / f"{name}.json"), out=io.StringIO())
    try:
        answers = _answers(con, ["/vpn status all", "/vpn diagnose"])
    finally:
        con.close()
    for command, answer in answers.items():
        assert "Traceback" not in answer
        under = _under_roots(_first_message(answer))
        for e in expect["changes"]:
            if command.removeprefix("/vpn ") not in e.get("commands", [command.removeprefix("/vpn ")]):
                continue
            hits = [u for u in under if _names(u, e["change"])]
            assert hits, f"{command}: no line under the root cause names {e['change']} ({e['why']})"
            if "said" in e:
                assert e["said"] in hits[0], f"{command}: {hits[0]!r} does not say {e['said']!r}"
            elif "sharedKey/write" in e.get("operation", ""):
                assert "shared key set" in hits[0]
        for e in expect["changes_not"]:
            blamed = [u for u in under if _names(u, e["change"])]
            assert not blamed, f"{command}: {e['change']} is blamed ({e['why']}): {blamed}"
        for e in expect.get("azure", []):
            first = _first_message(answer)
            assert f"Resource Health: `{name_of(e['gateway'])}` {e['state']}" in first
            assert e["tracking_id"] in answer  # the Service Health incident, in the thread


def test_changes_lists_the_bots_own_peering_change_with_its_request_and_the_sources() -> None:
    con = Console(load_estate(SEED), out=io.StringIO())
    try:
        lines = [
            "/vpn peering vnet-eun/peer-eun-to-aue allowForwardedTraffic off reason: test",
        ]
        con.run(lines)
        con.run(["/as bob", "/approve 1"])
        answer = _answers(con, ["/vpn changes vnet-eun since 2h"])["/vpn changes vnet-eun since 2h"]
    finally:
        con.close()
    first = _first_message(answer)
    assert "1 change to VNet vnet-eun in the last 2 h" in first
    assert "`allowForwardedTraffic` `true` → `false` on `peer-eun-to-aue (peering of vnet-eun)`" in first
    assert "made by vpnops: approved by @bob, request #1" in first
    assert "Resource Graph + Activity Log" in first  # merged: one line, both sources
    assert "Is it Azure? Resource Health: 1 of 1 gateway Available" in first
    assert "shared key's value" in answer  # what neither records, in the thread


def test_a_source_that_cannot_be_read_is_said_and_never_no_change() -> None:
    est = load_estate(SEED)
    est["denied"] = ["Microsoft.Insights/eventtypes/values/read", "Microsoft.ResourceGraph/resources/read"]
    con = Console(est, out=io.StringIO())
    try:
        answer = _answers(con, ["/vpn changes"])["/vpn changes"]
    finally:
        con.close()
    first = _first_message(answer)
    assert "Could not read the changes to the VPN estate" in first
    assert "No change" not in answer
    assert "Resource Graph could not be read (forbidden)" in first


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/vpn changes since 2 parsecs", "`since` takes a length of time"),
        ("/vpn changes since 120d", "The Activity Log keeps 90 days"),
        ("/vpn changes vgw-nowhere", "Unknown region, VNet, gateway or connection `vgw-nowhere`"),
    ],
)
def test_bad_input_gets_a_specific_message_with_an_example(line: str, said: str) -> None:
    con = Console(load_estate(SEED), out=io.StringIO())
    try:
        answer = _answers(con, [line])[line]
    finally:
        con.close()
    assert said in answer and "Example: `/vpn changes" in answer


def test_an_azure_monitor_alert_on_a_connection_carries_the_change_before_it(tmp_path: Path) -> None:
    """The common alert schema's sample (../shared/fixtures/real/alerts), fired on the
    scenario's connection 12 minutes after its shared key was set: the alert message gains
    "What changed: 12 min before: shared key set …" once posted."""
    sample = ROOT.parent / "shared" / "fixtures" / "real" / "alerts" / "alerts-common-schema.sample-alert-payload.json"
    if not sample.exists():
        pytest.skip("../shared/fixtures/real is absent: the published alert payloads are not here")
    name = "shared-key-change-breaks-s2s"
    est = load_estate(CORPUS / f"{name}.json")
    conn = next(r["id"] for r in est["resources"] if r["type"].endswith("/connections"))
    body = json.loads(sample.read_text(encoding="utf-8"))
    ess = body["data"]["essentials"]
    ess["monitorCondition"] = "Fired"
    ess.pop("resolvedDateTime", None)
    ess["alertTargetIDs"] = [conn]
    ess["configurationItems"] = [name_of(conn)]
    from datetime import UTC, datetime

    ess["firedDateTime"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    path = tmp_path / "alert.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    con = Console(est, out=io.StringIO())
    try:
        con.run([f"/webhook alerts {path}"])
        assert isinstance(con.out, io.StringIO)
        out = con.out.getvalue()
    finally:
        con.close()
    assert "What changed: " in out
    assert re.search(r"1[12] min before: shared key set on `cn-branch-to-office` by `bob@litware.com`", out)
    assert "Traceback" not in out
