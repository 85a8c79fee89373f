"""Every command on every estate of the scenario corpus, against the documented rules.

Each estate of `sandbox/estates/scenarios/` runs through the whole bot (the protocol and
the scoring are `tests/e2e/sandbox/corpus.py`'s; the corpus README says what is counted).
A test fails on a missing finding, a false alarm, or two commands disagreeing.

Where the bot is wrong today the test is marked xfail, strictly, with the issue-16
example it shows: a fix that makes an estate pass turns its xfail into an XPASS, which
fails the run until the mark is removed here. `bench/scenarios.py` prints the totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.sandbox import corpus

# Estates the bot gets wrong today, and the issue-16 example each one shows.
XFAIL: dict[str, str] = {}


def _cases() -> Iterator[Any]:
    for sc in corpus.scenarios():
        marks = (
            [pytest.mark.xfail(strict=True, raises=AssertionError, reason=XFAIL[sc.name])] if sc.name in XFAIL else []
        )
        yield pytest.param(sc, id=sc.name, marks=marks)


@pytest.mark.parametrize("sc", list(_cases()))
def test_every_command_finds_what_the_documented_rules_say_and_agrees(sc: corpus.Scenario) -> None:
    score = corpus.score(corpus.run(sc))
    assert score.passed, score.explain()


def test_every_xfail_names_an_estate_of_the_corpus() -> None:
    assert set(XFAIL) <= {sc.name for sc in corpus.scenarios()}
