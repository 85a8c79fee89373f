"""The scenario corpus (`sandbox/estates/scenarios/`) is what issue 16 asks for, and its
expectations can be checked: every estate is consistent and is what `sandbox/scenarios.py`
builds; every expectation names a kind of the vocabulary, a resource of its estate and
commands the protocol runs, and cites its rule; every issue-16 example is shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.arm import ids
from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import load_estate
from sandbox.scenarios import SCENARIOS, build
from tests.e2e.sandbox.corpus import CORPUS, VOCABULARY, Estate, Scenario, scenarios
from tests.integration.sandbox.test_arm_emulator_estates import STORED, references

ALL = scenarios()
IDS = [sc.name for sc in ALL]
ISSUE_EXAMPLES = set(range(1, 12))


def test_the_corpus_has_thirty_estates_or_more_about_half_of_them_healthy() -> None:
    healthy = sum(1 for sc in ALL if sc.healthy)
    assert len(ALL) >= 30
    assert 0.4 <= healthy / len(ALL) <= 0.6, f"{healthy} healthy of {len(ALL)}"
    assert {sc.name for sc in ALL} == set(SCENARIOS), "every estate has an .expect.json and a builder"


def test_every_issue_example_is_shown_by_an_estate() -> None:
    shown = {n for sc in ALL for n in sc.expect.get("examples", [])}
    assert shown == ISSUE_EXAMPLES, f"examples not shown: {sorted(ISSUE_EXAMPLES - shown)}"


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_the_estate_file_is_what_the_builder_makes(sc: Scenario) -> None:
    on_disk = json.loads(sc.estate_path.read_text(encoding="utf-8"))
    assert on_disk == build(sc.name), f"rebuild it: .venv/bin/python -m sandbox.scenarios {sc.name}"


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_the_estate_references_only_resources_it_has(sc: Scenario) -> None:
    estate = load_estate(sc.estate_path)
    with ArmEmulator(estate) as emu:
        known = set(emu.estate.resources)
        for doc in estate["resources"]:
            for ref in references(doc.get("properties", {})):
                p = ids.parse(ref)
                if p is not None and p.type_key in STORED:
                    assert ids.key(ref) in known, f"{doc['id']} refers to {ref}, which the estate lacks"
        for key in estate.get("actions", {}):
            assert ids.key(key.partition("?")[0].rsplit("/", 1)[0]) in known, key
        for key in list(estate.get("sharedKeys", {})) + list(estate.get("counterGrowth", {})):
            assert ids.key(key) in known, key


def _resources(path: Path) -> set[str]:
    doc = load_estate(path)
    out = {r["id"].lower() for r in doc["resources"]}
    for r in doc["resources"]:
        out |= {p["id"].lower() for p in (r.get("properties") or {}).get("virtualNetworkPeerings") or []}
    return out


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_every_expectation_is_checkable_and_cites_its_rule(sc: Scenario) -> None:
    exp = sc.expect
    assert exp["sources"] and all(s.startswith(("https://", "vpnops issue")) for s in exp["sources"])
    assert isinstance(exp["healthy"], bool)
    known = _resources(sc.estate_path)
    estate = Estate(load_estate(sc.estate_path))
    labels = {c.lower() for c in [*estate.commands(), *(exp.get("run") or {}).get("also", []), "watch"]}
    verbs = {c.split()[0] for c in labels}
    for entry in [*exp["must"], *exp["must_not"]]:
        assert entry["kind"] in VOCABULARY, f"{entry['kind']} is not in vocabulary.json"
        assert entry["resource"].lower() in known, f"{entry['resource']} is not a resource of {sc.name}"
        assert entry.get("why"), f"{entry} says no why"
        for c in entry.get("commands") or []:
            assert c.lower() in labels or c.lower() in verbs, f"{c!r} is not a command the protocol runs"
        assert entry.get("severity") in (None, "critical", "warning", "info")
    for inc in exp.get("incidents") or []:
        assert all(r.lower() in known for r in inc["resources"]) and inc["at_most"] >= 0 and inc["why"]
    also = set((exp.get("run") or {}).get("also", []))
    if exp["healthy"]:
        # A healthy estate needs no warning; a change asked of it may be refused (critical).
        about_estate = [e for e in exp["must"] if not set(e.get("commands") or []) <= also or not e.get("commands")]
        assert all(e.get("severity") in (None, "info") for e in about_estate), "a healthy estate must need no warning"


def test_the_vocabulary_marks_what_the_bot_does_not_produce_yet() -> None:
    new = {k for k, v in VOCABULARY.items() if v.get("new")}
    observed = {k for k, v in VOCABULARY.items() if v.get("observed")}
    assert new == {"no_rate"} and observed == {"request_filed"}
    assert (CORPUS / "README.md").exists()
