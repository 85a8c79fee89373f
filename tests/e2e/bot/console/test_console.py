"""`python -m bot console`: piped input through the whole real path, end to end."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console.app import CONSOLE_COMMANDS, Console
from bot.console.commands import console_command
from commands.catalog import REGISTRY
from sandbox.estate import load_estate

ROOT = Path(__file__).resolve().parents[4]
SEED = ROOT / "sandbox" / "estates" / "seed.json"


def run_console(stdin: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input=stdin,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _needs(*names: str) -> None:
    missing = [n for n in names if REGISTRY.command(n) is None]
    if missing:
        pytest.skip(f"command(s) {', '.join(missing)} not written yet")


def test_piped_help_and_a_typo_print_the_help_and_the_suggestion() -> None:
    proc = run_console("/vpn help\n/vpn stauts\n")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "alice> /vpn help" in out and "alice> /vpn stauts" in out
    for c in REGISTRY.commands:
        if not c.hidden:
            assert c.example in out, f"help lacks the example of {c.name}"
    if REGISTRY.command("status") is not None:
        assert "Unknown command `stauts`. Did you mean `/vpn status <region|gateway>`?" in out
    else:
        assert "Unknown command `stauts`." in out
    assert "Traceback" not in proc.stderr


def test_comments_blank_lines_and_console_mistakes_are_handled_clearly() -> None:
    proc = run_console("# a comment\n\n/approve 3\n/approve x\n/as nobody\n/frob\nhello\n/as bob\n/help\n")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "a comment" not in out
    assert "There is no request #3 with a “Approve” button that alice can see." in out
    assert "/approve needs a request number, e.g. /approve 1" in out
    assert "Unknown user 'nobody'. Known users: alice, bob, carol, dave" in out
    assert "Unknown console command /frob." in out
    assert "Lines start with a command" in out
    assert "now acting as bob (U_BOB)" in out
    for c in CONSOLE_COMMANDS:
        assert c.usage in out, f"/help lacks the console command {c.usage}"
    assert "/click ACTION_ID [VALUE]" in out


def test_json_mode_prints_block_kit_one_object_per_line() -> None:
    proc = run_console("/vpn help\n", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    docs = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert docs[0] == {"input": "/vpn help", "user": "U_ALICE"}
    (post,) = [d for d in docs if d.get("event") == "post"]
    assert post["ephemeral_to"] == "U_ALICE" and post["blocks"][0]["type"] == "header"


def test_status_of_the_seed_estate_shows_gateways_and_an_error_for_atlantis() -> None:
    _needs("status")
    proc = run_console("/vpn status australia\n/vpn status atlantis\n")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "vgw-aue" in out and "cn-aue-to-eun" in out
    assert "atlantis" in out.split("alice> /vpn status atlantis", 1)[1]


def test_state_dir_keeps_the_estate_between_runs(tmp_path: Path) -> None:
    _needs("status", "requests")
    state = tmp_path / "state"
    first = run_console("/vpn requests\n", "--state", str(state))
    assert first.returncode == 0, first.stderr[-2000:]
    saved = state / "estate.json"
    assert saved.exists() and (state / "vpnops.sqlite").exists()
    # What the next run sees comes from the saved estate, not from the seed.
    saved.write_text(saved.read_text(encoding="utf-8").replace("vgw-aue", "vgw-kept"), encoding="utf-8")
    second = run_console("/vpn status australia\n", "--state", str(state))
    assert second.returncode == 0, second.stderr[-2000:]
    assert "vgw-kept" in second.stdout and "vgw-aue" not in second.stdout


def test_a_bad_estate_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "estate.json"
    bad.write_text("{not json", encoding="utf-8")
    proc = run_console("/vpn help\n", "--estate", str(bad))
    assert proc.returncode == 2
    assert "cannot load estate" in proc.stderr and "not valid JSON" in proc.stderr


APPROVE_ONE = (
    "/vpn peering vnet-eun/peer-eun-to-aue forwarded-traffic off reason: faults from the command line\n"
    "/as bob\n/approve 1\n/vpn peering vnet-eun\n"
)


def test_faults_file_a_lost_put_answer_still_ends_applied(tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(
        json.dumps([{"kind": "lost_answer", "method": "PUT", "path": "virtualNetworkPeerings/peer-eun-to-aue$"}]),
        encoding="utf-8",
    )
    proc = run_console(APPROVE_ONE, "--faults", str(faults))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Request #1 applied" in proc.stdout and "re-reading the peering showed the change in place" in proc.stdout
    assert "Not applied" not in proc.stdout and "Traceback" not in proc.stderr


def test_faults_file_a_portal_change_before_the_write_is_kept(tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    race = {
        "kind": "concurrent_change",
        "method": "PUT",
        "path": "virtualNetworkPeerings/peer-eun-to-aue$",
        "count": 1,
        "set": {"properties.allowVirtualNetworkAccess": False},
    }
    faults.write_text(json.dumps([race]), encoding="utf-8")
    proc = run_console(APPROVE_ONE, "--faults", str(faults))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "Not applied" in out and "changed outside the bot" in out and "nothing written" in out
    # The peering as Azure holds it afterwards: vnet-access off (theirs), forwarded-traffic on (not ours).
    row = next(line for line in out.splitlines()[::-1] if line.strip().startswith("vnet-eun  peer-eun-to-aue"))
    assert row.split()[2:4] == ["off", "on"], row


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not JSON"),
        ('{"kind": "lost_answer"}', "expected a JSON list of faults"),
        ('[{"kind": "explode"}]', "fault 1: fault kind 'explode'"),
        ('[{"kind": "concurrent_change", "path": "x"}]', 'fault 1: a concurrent_change fault needs "set"'),
    ],
)
def test_a_bad_faults_file_is_a_clear_error(tmp_path: Path, content: str, says: str) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(content, encoding="utf-8")
    proc = run_console("/vpn help\n", "--faults", str(faults))
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr


@pytest.fixture
def console() -> Iterator[Console]:
    out = io.StringIO()
    con = Console(load_estate(SEED), out=out)
    try:
        yield con
    finally:
        con.close()


def _out(con: Console) -> str:
    assert isinstance(con.out, io.StringIO)
    return con.out.getvalue()


def test_a_console_runs_the_commands_it_is_given() -> None:
    calls: list[tuple[str, str]] = []

    @console_command("e2ewebhook", "/e2ewebhook KIND FILE", "deliver a test webhook")
    def hook(con: Console, rest: str) -> None:
        calls.append((con.user, rest))
        con.note("delivered")

    out = io.StringIO()
    con = Console(load_estate(SEED), out=out, console_commands=(*CONSOLE_COMMANDS, hook))
    try:
        con.run(["/e2ewebhook alerts file.json", "/help"])
    finally:
        con.close()
    assert calls == [("U_ALICE", "alerts file.json")]
    assert "· delivered" in _out(con) and "/e2ewebhook KIND FILE" in _out(con)


def test_the_console_lists_its_own_and_the_alerts_commands_explicitly() -> None:
    names = [c.name for c in CONSOLE_COMMANDS]
    assert names == [
        "vpn",
        "as",
        "approve",
        "reject",
        "cancel",
        "revert",
        "click",
        "help",
        "webhook",
        "watch",
        "resume",
    ]


def test_the_approval_demo_of_the_seed_estate(console: Console) -> None:
    _needs("peering")
    console.run(
        [
            "/vpn peering vnet-eun/peer-eun-to-aue gateway-transit off reason: console test",
            "/approve 1",
            "/as dave",
            "/approve 1",
            "/as bob",
            "/approve 1",
        ]
    )
    out = _out(console)
    alice, dave, bob = (
        out.split("alice> /approve 1")[1].split("alice> /as dave")[0],
        out.split("dave> /approve 1")[1].split("dave> /as bob")[0],
        out.split("bob> /approve 1")[1],
    )
    assert "cannot approve" in alice
    assert "approvers" in dave.lower() and "Applied" not in dave
    assert "applied" in bob.lower() and "(thread of [" in bob
    vnet_id = next(r["id"] for r in console.arm.dump()["resources"] if r["name"] == "vnet-eun")
    peering = console.arm.resource(f"{vnet_id}/virtualNetworkPeerings/peer-eun-to-aue")
    assert peering is not None and peering["properties"]["allowGatewayTransit"] is False


def test_approver_ids_that_are_not_slack_user_ids_stop_the_console_at_start() -> None:
    import os

    env = {**os.environ, "VPNOPS_APPROVERS": "@bob"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="/vpn help\n",
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout
    assert "console: error: VPNOPS_APPROVERS holds '@bob'" in proc.stderr
    assert "Copy member ID" in proc.stderr and proc.stdout == ""


def test_a_request_number_in_other_digits_is_not_a_request_number(console: Console) -> None:
    _needs("peering")
    console.run(
        ["/vpn peering vnet-eun/peer-eun-to-aue gateway-transit off reason: console test", "/as bob", "/approve ١"]
    )
    out = _out(console).split("bob> /approve ١")[1]
    assert "/approve needs a request number, e.g. /approve 1" in out
    vnet_id = next(r["id"] for r in console.arm.dump()["resources"] if r["name"] == "vnet-eun")
    peering = console.arm.resource(f"{vnet_id}/virtualNetworkPeerings/peer-eun-to-aue")
    assert peering is not None and peering["properties"]["allowGatewayTransit"] is True
