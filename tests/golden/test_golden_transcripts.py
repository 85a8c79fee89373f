"""Golden console transcripts: what the bot says, word for word, on every sandbox estate.

Each estate in `sandbox/estates/` is driven through the real path (`python -m bot console`:
signed slash commands into the Bolt app, the worker, the Azure SDK against the ARM
emulator, the Slack Web API client against the Slack emulator) with `scripts/common.txt`
followed by `scripts/<estate>.txt`, once as readable text and once as the Block Kit that
Slack receives. The output must equal `<estate>.txt` / `<estate>.blocks.txt` here.

A refactoring must leave these files unchanged. A change of behaviour changes them on
purpose: regenerate with `VPNOPS_GOLDEN_UPDATE=1 make test` (or run this file with it) and
read the diff as a reviewer would.

The clock is fixed (`time_machine`, ticking from FIXED_NOW) so "since 280 d ago" does not
move with the calendar; Slack timestamps and progress updates, which depend on how fast
the machine is, are normalised away.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "scripts"
ESTATES = sorted((ROOT / "sandbox" / "estates").glob("*.json"))
FIXED_NOW = "2026-12-07T12:00:00+00:00"
UPDATE = os.environ.get("VPNOPS_GOLDEN_UPDATE") == "1"

# The console under a clock that starts at FIXED_NOW and ticks on from there.
_RUNNER = (
    "import sys, time_machine\n"
    f"time_machine.travel({FIXED_NOW!r}, tick=True).start()\n"
    "from bot.__main__ import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def script_for(estate: Path) -> str:
    own = SCRIPTS / f"{estate.stem}.txt"
    text = (SCRIPTS / "common.txt").read_text(encoding="utf-8")
    if own.exists():
        text += own.read_text(encoding="utf-8")
    return text


def run_console(estate: Path, *extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VPNOPS_", "SLACK_", "AZURE_"))}
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, "console", "--estate", str(estate), *extra],
        input=script_for(estate),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


# --- normalising what depends on the machine's speed ------------------------------------

_PROGRESS_HEAD = re.compile(r"^\[\d+\] ↻ vpnops updated its message in #[\w-]+$")
# Seconds of a wall-clock time (audit rows): the clock ticks, so they depend on speed.
_SECONDS = re.compile(r"\b(\d\d:\d\d):\d\d\b")


def _seconds(text: str) -> str:
    return _SECONDS.sub(r"\1:ss", text)


def normalise_text(out: str) -> str:
    """Drop progress updates of the "working on it" message (their number depends on
    how long the work took); keep everything else."""
    lines = out.splitlines()
    kept: list[str] = []
    i = 0
    while i < len(lines):
        if _PROGRESS_HEAD.match(lines[i]) and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("⏳"):
            i += 2
            continue
        kept.append(lines[i])
        i += 1
    return _seconds("\n".join(kept) + "\n")


def normalise_blocks(out: str) -> str:
    """One JSON event per line; Slack timestamps become their order of appearance and
    progress updates / deletions of the "working on it" message are dropped."""
    ts_names: dict[str, str] = {}

    def name(ts: object) -> object:
        if not isinstance(ts, str):
            return ts
        return ts_names.setdefault(ts, f"ts{len(ts_names) + 1}")

    kept: list[str] = []
    for line in out.splitlines():
        if not line.startswith("{"):
            kept.append(line)
            continue
        ev = json.loads(line)
        if ev.get("event") in ("update", "delete") and str(ev.get("text", "")).startswith("⏳"):
            continue
        ev["ts"] = name(ev.get("ts"))
        ev["thread_ts"] = name(ev.get("thread_ts"))
        kept.append(json.dumps(ev, ensure_ascii=False, sort_keys=True))
    return _seconds("\n".join(kept) + "\n")


def _compare(actual: str, golden: Path) -> None:
    if UPDATE or not golden.exists():
        golden.write_text(actual, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{golden.name} did not exist; written now — review and commit it")
        return
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        import difflib

        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{golden.name}",
                tofile="now",
                n=1,
            )
        )
        pytest.fail(
            f"The transcript differs from golden/{golden.name} "
            f"(VPNOPS_GOLDEN_UPDATE=1 rewrites it if the change is meant):\n{diff[:12000]}"
        )


@pytest.mark.parametrize("estate", ESTATES, ids=[e.stem for e in ESTATES])
def test_text_transcript_is_unchanged(estate: Path) -> None:
    _compare(normalise_text(run_console(estate)), HERE / f"{estate.stem}.txt")


@pytest.mark.parametrize("estate", ESTATES, ids=[e.stem for e in ESTATES])
def test_block_kit_transcript_is_unchanged(estate: Path) -> None:
    _compare(normalise_blocks(run_console(estate, "--json")), HERE / f"{estate.stem}.blocks.txt")


def test_every_help_example_is_in_the_common_script() -> None:
    """The scripts cover every example `/vpn help` shows, so a new command or example
    cannot slip past the transcripts."""
    from commands.catalog import REGISTRY
    from commands.help import help_reply

    shown = {c.example for c in REGISTRY.visible() if c.example}
    script = {line.strip() for line in (SCRIPTS / "common.txt").read_text(encoding="utf-8").splitlines()}
    missing = sorted(x for x in shown if x not in script)
    assert not missing, f"add to tests/golden/scripts/common.txt: {missing}"
    helps = {f"/vpn help {c.name}" for c in REGISTRY.visible()}
    assert helps <= script, f"add to tests/golden/scripts/common.txt: {sorted(helps - script)}"
    assert help_reply(REGISTRY).parts  # the help itself renders
