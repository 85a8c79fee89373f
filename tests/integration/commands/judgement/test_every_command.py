"""Every command that judges the estate, on every sandbox estate, through the real Azure SDK
against the ARM emulator: one verdict per finding whichever command shows it, and a first
message that fits a phone (at most three root causes, under 2,500 characters of text)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.arm.client import ArmClient
from bot.arm.credentials import StaticTokenCredential
from bot.arm.factory import SANDBOX_POLL_DELAY_SCALE
from bot.slack.render import render
from bot.slack.text import blocks_to_text
from commands.checklist.command import checklist
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Reply
from commands.diagnose.command import diagnose
from commands.judgement.view import MAX_ROOTS, SEVERITY_MARK
from commands.peering.command import peering
from commands.routes.command import routes
from commands.status.command import status
from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import load_estate
from tests.fakes import RecordingMessenger

_ESTATES = Path(__file__).resolve().parents[4] / "sandbox" / "estates"
# The sandbox estates and the scenario corpus's (issue 16: designs nobody here tested), each
# of which has its expectations beside it.
ESTATES = sorted(_ESTATES.glob("*.json")) + [
    e.with_name(e.name.removesuffix(".expect.json") + ".json")
    for e in sorted((_ESTATES / "scenarios").glob("*.expect.json"))
]
PHONE = 2500


def _names(estate: dict[str, Any], kind: str) -> list[str]:
    return sorted({r["name"] for r in estate.get("resources", []) if r.get("type", "").lower() == kind.lower()})


# The four tests below share an estate's answers (module scope): asked once a worker, not
# once a test.
@pytest.fixture(scope="module", params=ESTATES, ids=[p.stem for p in ESTATES])
def answers(request: pytest.FixtureRequest) -> Iterator[dict[str, list[Reply]]]:
    estate = load_estate(request.param)
    with ArmEmulator(estate) as emu:
        client = ArmClient(
            StaticTokenCredential(),
            base_url=emu.base_url,
            polling_interval_s=0.01,
            retry_backoff_s=0.01,
            poll_delay_scale=SANDBOX_POLL_DELAY_SCALE,  # ARM's Retry-After 10 s, scaled as the console does
        )
        out = RecordingMessenger()
        ctx = Ctx(client, out, settings=DomainSettings(concurrency=8, progress_every_s=60.0))

        def ask(command: Any, text: str) -> list[Reply]:
            before = len(out.responses)
            reply = command(ctx, text)
            return [*out.responses[before:], *([reply] if reply is not None else [])]

        got: dict[str, list[Reply]] = {"status all": ask(status, "all"), "diagnose": ask(diagnose, "")}
        for g in _names(estate, "Microsoft.Network/virtualNetworkGateways"):
            got[f"routes {g}"] = ask(routes, g)
        for v in _names(estate, "Microsoft.Network/virtualNetworks"):
            got[f"peering {v}"] = ask(peering, v)
        for s in _names(estate, "Microsoft.Sql/servers"):
            got[f"checklist {s}"] = ask(checklist, s)
        yield got


def test_no_two_commands_give_one_finding_different_verdicts(answers: dict[str, list[Reply]]) -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for command, replies in answers.items():
        for f in (f for r in replies for f in r.findings):
            first = seen.setdefault(f.key, (command, f.severity))
            if first[1] != f.severity:
                clashes.append(f"{f.key}: {first[0]} says {first[1]}, {command} says {f.severity}")
    assert clashes == []


def test_every_first_message_fits_a_phone(answers: dict[str, list[Reply]]) -> None:
    for command, replies in answers.items():
        for reply in replies:
            first = render(reply).messages[0]
            text = blocks_to_text(first.blocks, first.text)
            assert len(text) < PHONE, f"{command}: {len(text)} characters"
            causes = [line for line in text.split("\n") if line[:1] in set(SEVERITY_MARK.values()) and " — " in line]
            assert len(causes) <= MAX_ROOTS, f"{command}: {causes}"
            assert json.dumps(first.blocks)  # valid Block Kit was produced (render validated it)


def test_every_answer_with_problems_says_them_first(answers: dict[str, list[Reply]]) -> None:
    for command in ("status all", "diagnose"):
        (reply,) = answers[command]
        problems = [f for f in reply.findings if f.severity in ("critical", "warning")]
        head = blocks_to_text(render(reply).messages[0].blocks)
        if problems:
            assert head.lstrip().startswith(("🔴", "🟠")), f"{command}: {head[:120]}"


def test_every_finding_cites_the_documented_rule_it_rests_on(answers: dict[str, list[Reply]]) -> None:
    # Issue 16: every finding (problems and information alike) cites the documented rule it
    # rests on (a link); one folded under another cites its own.
    missing = sorted(
        {
            f"{command}: {x.key}"
            for command, replies in answers.items()
            for r in replies
            for f in r.findings
            for x in f.every()
            if x.severity != "ok" and not x.doc_url
        }
    )
    assert missing == []
