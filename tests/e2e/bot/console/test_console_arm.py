"""`python -m bot console` against ARM as it really answers: `--lro-headers` for the built-in
emulator, `--arm-url` for another ARM endpoint on this machine.

The golden scripts (tests/golden/) run again with the long-running operations announced only
by `Azure-AsyncOperation` (as Azure's published examples of the gateway actions) or only by
`Location`, and with pages of one item, nextLinks to another host name and the shapes of the
published payloads: the bot's words must not change by one character.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.arm.fidelity import Fidelity
from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import load_estate
from tests.e2e.bot.console.test_console import SEED, run_console
from tests.golden.test_golden_transcripts import ESTATES, HERE, normalise_text
from tests.golden.test_golden_transcripts import run_console as run_golden_console

# The "arm" object an estate file can carry (sandbox/arm/fidelity.py).
SHAPES = {"pageSize": 1, "nextLinkHost": "localhost", "realShapes": True}


@pytest.mark.parametrize(("lro", "shapes"), [("async", True), ("location", False)], ids=["async+shapes", "location"])
@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: p.stem)
def test_golden_scripts_say_the_same_whatever_way_arm_answers(
    estate: Path, lro: str, shapes: bool, tmp_path: Path
) -> None:
    golden = HERE / f"{estate.stem}.txt"
    if not golden.exists():
        pytest.skip(f"no golden transcript for {estate.stem} yet")
    served = estate
    if shapes:
        doc = load_estate(estate)
        doc["arm"] = {**doc.get("arm", {}), **SHAPES}
        served = tmp_path / estate.name  # same name: the golden scripts are picked by it
        served.write_text(json.dumps(doc), encoding="utf-8")
    out = normalise_text(run_golden_console(served, "--lro-headers", lro))
    assert out == golden.read_text(encoding="utf-8")


def test_arm_url_reads_another_endpoint_and_its_counters_as_they_are(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with ArmEmulator(load_estate(SEED), fidelity=Fidelity(lro_headers="async")) as other:
        proc = run_console("/vpn status europe\n/watch\n/watch\n", "--arm-url", other.base_url, "--state", str(state))
        touched = {r.path for r in other.requests}
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "vgw-eun · North Europe" in out and "VPN clients: 2 (2 users)" in out
    assert out.count("counters read as the ARM endpoint has them") == 2
    assert any(p.lower().endswith("/getvpnclientconnectionhealth") for p in touched)  # it was the one asked
    assert sorted(p.name for p in state.iterdir()) == ["vpnops.sqlite"]  # the store only, no estate.json


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--estate", str(SEED)], "so --estate (it chooses what the built-in emulator serves) cannot go with it"),
        (["--lro-headers", "async"], "so --lro-headers (it chooses what the built-in emulator serves)"),
        (["--estate", str(SEED), "--lro-headers", "both"], "--estate and --lro-headers (they choose"),
    ],
)
def test_arm_url_refuses_the_options_of_the_built_in_emulator(args: list[str], says: str) -> None:
    proc = run_console("/vpn help\n", "--arm-url", "http://127.0.0.1:9", *args)
    assert proc.returncode == 2 and says in proc.stderr and "--arm-url http://127.0.0.1:8444" in proc.stderr


@pytest.mark.parametrize("url", ["https://management.azure.com", "http://10.1.2.3:8444", "ftp://127.0.0.1"])
def test_arm_url_must_be_on_this_machine(url: str) -> None:
    proc = run_console("/vpn help\n", "--arm-url", url)
    assert proc.returncode == 2 and "--arm-url" in proc.stderr and "http://127.0.0.1:8444" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_lro_headers_takes_only_the_three_ways_arm_has() -> None:
    proc = run_console("/vpn help\n", "--lro-headers", "sometimes")
    assert proc.returncode == 2 and "invalid choice: 'sometimes'" in proc.stderr
    assert "'async', 'location', 'both'" in proc.stderr
