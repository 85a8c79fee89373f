"""Every az command the bot suggests parses and runs: Microsoft's own CLI against the sandbox.

For each sandbox estate, the console runs the golden transcripts' script (every command, every
help screen: tests/golden/scripts/), and every az command in its answers — the code spans
(`Next:` lines) and the indented command blocks that start with `az ` — is run, in the order
the bot first printed it, by the real az CLI (.venv-az, `make az`) against
`ArmEmulator(tls=…)` (sandbox/tls.py, sandbox/identity.py) registered as a custom cloud
(sandbox/az_cloud.py, the same steps sandbox/README.md shows). A command az cannot parse
(exit 2), or that the emulator refuses (exit 1 or 3), fails the test with az's own words.
Then the console runs again on the estate as az left it (`dump()`), and must suggest none of
those commands again: what az wrote is what the bot reads, and each command did its job.

Placeholders are filled only where the bot asks the user to fill them, the way the user
would, through az: `<the key of CONNECTION>` with that connection's shared key, `<free /28>`
with a /28 no subnet of the VNet uses, `<inbound endpoint IP>` with what the inbound endpoint's
create command printed. Any other `<…>` fails the test: the bot asks for something this test
cannot know, so either the suggestion or this test is wrong.

The emulator answers long-running operations with `Retry-After: 0.05`: azure-core reads 0 as
"absent" and waits 30 s (bench/az_actions.py measures both). Slow-marked (`-m "not slow"`
skips it); `make test` runs it.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sandbox.arm_emulator import ArmEmulator, fidelity_of
from sandbox.az_cloud import AZ_VENV, AzCli, AzSandbox
from sandbox.estate import load_estate
from sandbox.tls import LoopbackTls, loopback_tls
from tests.golden.test_golden_transcripts import ESTATES, ROOT, script_for

AZ = AZ_VENV / "bin" / "az"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not AZ.exists(), reason="the az CLI lives in .venv-az: run `make az` (make test does)"),
]

_SPAN = re.compile(r"`(az [^`]+)`")
_PLACEHOLDER = re.compile(r"<([^<>]+)>")


def suggested_az_commands(answers: str) -> list[str]:
    """The az commands in the console's answers, each once, in the order first printed:
    inline code spans that start with `az `, and command-block lines that do."""
    out: dict[str, None] = {}
    for line in answers.splitlines():
        stripped = line.strip()
        if stripped.startswith("az "):
            out.setdefault(stripped)
            continue
        for m in _SPAN.finditer(line):
            out.setdefault(m.group(1).strip())
    return list(out)


def console_answers(estate: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--estate", str(estate)],
        input=script_for(estate),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@dataclass
class Placeholders:
    """Fills what the bot asks the user to fill, by asking az as a user would."""

    az: AzCli
    inbound_ip: str = ""
    asked: list[str] = field(default_factory=list)

    def fill(self, command: str) -> list[str]:
        probe = shlex.split(_PLACEHOLDER.sub("PLACEHOLDER", command))[1:]

        def value(m: re.Match[str]) -> str:
            what = m.group(1)
            self.asked.append(what)
            return shlex.quote(self._value(what, probe, command))

        return shlex.split(_PLACEHOLDER.sub(value, command))[1:]

    def after(self, argv: list[str], done: subprocess.CompletedProcess[str]) -> None:
        if any("/inboundendpoints/" in a.lower() for a in argv) and done.returncode == 0:
            self.inbound_ip = done.stdout.strip()

    def _value(self, what: str, argv: list[str], command: str) -> str:
        if what.startswith("the key of "):
            return self._shared_key(what.removeprefix("the key of "))
        if what == "free /28":
            return self._free_prefix(_option(argv, "-g", "--resource-group"), _option(argv, "--vnet-name"), 28)
        if what == "inbound endpoint IP":
            assert self.inbound_ip, f"`{command}` asks for the inbound endpoint's IP before any command created one"
            ipaddress.ip_address(self.inbound_ip)  # the create command printed an address, nothing else
            return self.inbound_ip
        raise AssertionError(
            f"`{command}` asks the user for <{what}>, which this test does not know how to fill: "
            "fill it in the bot, or teach Placeholders what a user would put there"
        )

    def _ask(self, *args: str) -> str:
        done = self.az.run(list(args))
        assert done.returncode == 0, f"az {shlex.join(args)}: {done.stderr.strip()[-1500:]}"
        return done.stdout.strip()

    def _shared_key(self, connection: str) -> str:
        rg = self._ask(
            "resource",
            "list",
            "--name",
            connection,
            "--resource-type",
            "Microsoft.Network/connections",
            "--query",
            "[0].resourceGroup",
            "-o",
            "tsv",
        )
        assert rg, f"no connection named {connection} to read the key of"
        return self._ask(
            "network",
            "vpn-connection",
            "shared-key",
            "show",
            "-g",
            rg,
            "--connection-name",
            connection,
            "--query",
            "value",
            "-o",
            "tsv",
        )

    def _free_prefix(self, rg: str, vnet: str, length: int) -> str:
        doc = json.loads(self._ask("network", "vnet", "show", "-g", rg, "-n", vnet, "-o", "json"))
        used = [
            ipaddress.ip_network(p, strict=False)
            for s in doc.get("subnets") or []
            for p in [*(s.get("addressPrefixes") or []), *([s["addressPrefix"]] if s.get("addressPrefix") else [])]
        ]
        for space in doc["addressSpace"]["addressPrefixes"]:
            for candidate in ipaddress.ip_network(space).subnets(new_prefix=length):
                if not any(candidate.overlaps(u) for u in used):
                    return str(candidate)
        raise AssertionError(f"{vnet} has no free /{length}")


def _option(argv: list[str], *names: str) -> str:
    for i, a in enumerate(argv[:-1]):
        if a in names:
            return argv[i + 1]
    raise AssertionError(f"the command names no {'/'.join(names)}: {shlex.join(argv)}")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> LoopbackTls:
    return loopback_tls(tmp_path_factory.mktemp("tls"))


def test_the_extraction_finds_code_spans_and_command_blocks() -> None:
    text = (
        "    Next: Set the same key on both: `az network x update -g a --value <the key of b>`\n"
        "    Fix: run these:\n\n"
        "      az network vnet update -g a -n v --dns-servers <inbound endpoint IP>\n"
        "    a `/vpn status` span and `az network x update -g a --value <the key of b>` again\n"
    )
    assert suggested_az_commands(text) == [
        "az network x update -g a --value <the key of b>",
        "az network vnet update -g a -n v --dns-servers <inbound endpoint IP>",
    ]


@pytest.mark.parametrize("estate", ESTATES, ids=[e.stem for e in ESTATES])
def test_every_az_command_the_bot_suggests_runs_against_the_sandbox(
    estate: Path, tls: LoopbackTls, tmp_path: Path
) -> None:
    commands = suggested_az_commands(console_answers(estate))
    held = load_estate(estate)
    # az waits what Retry-After says: a twentieth of a second keeps the suite fast.
    with ArmEmulator(held, tls=tls, fidelity=fidelity_of(held).replace(retry_after_s=0.05)) as emu:
        az = AzCli(AzSandbox(emu.base_url, tls.ca_file, emu.tenant), tmp_path / "az")
        az.sign_in()
        fill = Placeholders(az)
        failures: list[str] = []
        timings: list[str] = []
        for command in commands:
            argv = fill.fill(command)
            started = time.monotonic()
            done = az.run(argv)
            timings.append(f"{time.monotonic() - started:5.2f} s  {command[:110]}")
            fill.after(argv, done)
            if done.returncode != 0:
                failures.append(f"{command}\n  → exit {done.returncode}: {done.stderr.strip()[-1500:]}")
        after = tmp_path / "after.json"
        after.write_text(json.dumps(emu.dump()), encoding="utf-8")
    print(f"\n{estate.stem}: {len(commands)} az commands\n" + "\n".join(timings))
    assert not failures, f"{len(failures)} of {len(commands)} suggested az commands failed:\n\n" + "\n\n".join(failures)
    # What az changed is what the bot reads next: on the estate as the commands left it, the
    # bot suggests none of them again (each did what it was suggested for).
    again = sorted(set(suggested_az_commands(console_answers(after))) & set(commands))
    assert not again, "suggested again after running them:\n" + "\n".join(again)
