"""Every command ends with an answer while ARM fails, throttles and hangs; nothing is applied twice.

The real path (tests/reliability/harness.py): signed Slack requests → Bolt → dispatcher →
worker → the real SDK with its production retry policy → the ARM emulator with faults
injected; answers → the Slack emulator. `bench/faults.py` runs the long campaign and prints
the figure; these tests pin the behaviour.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from bot.settings import Settings
from commands.catalog import REGISTRY
from tests.reliability.harness import ALICE, BOB, PEERING_EUN, Answer, Rig

READS = [
    "status australia",
    "status all",
    "status vgw-eun",
    "routes vm-aue",
    "routes vgw-eun",
    "checklist sql-eun.database.windows.net",
    "peering vnet-eun",
    "requests",
    "audit vnet-eun",
]
# Production settings, except in the tests of calls that never answer: there a short
# per-call deadline keeps the read timeout at about a second (the adapter derives it from
# the deadline; production waits 15 s) — the behaviour is the same, only sooner.
PROD = Settings()
FAST = Settings(arm_timeout_s=4.0)


def fifth_failing(rig: Rig, seed: int) -> None:
    """20 % of every ARM answer fails: 429 with Retry-After, 500, 503 (a third each)."""
    rig.arm.faults._rng.seed(seed)
    rig.arm.add_fault(".*", kind="throttle", retry_after=1, probability=0.2 / 3)
    rig.arm.add_fault(".*", kind="error", status=500, probability=(0.2 / 3) / (1 - 0.2 / 3))
    rig.arm.add_fault(".*", kind="error", status=503, probability=(0.2 / 3) / (1 - 0.4 / 3))


def in_parallel_rigs(texts: list[str], setup: Callable[[Rig, int], None], rigs: int = 3) -> dict[str, Answer]:
    """Each text through the whole path; texts are spread over independent rigs that run
    side by side (a faulty command mostly waits on backoff)."""
    answers: dict[str, Answer] = {}
    lock = threading.Lock()

    def run(i: int) -> None:
        with Rig(settings=PROD) as rig:
            setup(rig, i)
            for text in texts[i::rigs]:
                a = rig.slash(text, ALICE, timeout_s=120)
                with lock:
                    answers[text] = a

    threads = [threading.Thread(target=run, args=(i,)) for i in range(rigs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_every_read_command_answers_while_a_fifth_of_arm_calls_fail() -> None:
    texts = READS + (["diagnose australia"] if REGISTRY.command("diagnose") else [])
    answers = in_parallel_rigs(texts, lambda rig, i: fifth_failing(rig, 100 + i))
    assert set(answers) == set(texts)
    for text, a in answers.items():
        assert a.status == 200, text
        assert a.finished, f"/vpn {text} never ended"
        assert not a.internal_error, f"/vpn {text} hit an internal error: {a.text()}"
        assert a.answered, f"/vpn {text} ended without an answer (only: {a.block_texts})"


def test_a_call_that_never_answers_ends_in_a_partial_answer_naming_the_timeout() -> None:
    with Rig(settings=FAST) as rig:
        hang = rig.arm.add_fault("getLearnedRoutes", kind="hang", hold_s=60)
        a = rig.slash("routes vgw-eun", timeout_s=120)
        assert a.finished and a.answered
        body = "\n".join(a.block_texts)
        assert "getLearnedRoutes on vgw-eun failed" in body
        assert "did not answer in time" in body
        # The rest of the answer is still there: coverage from what could be read.
        assert "vnet-aue" in body and "10.1.0.0/16" in body
        assert hang.hits >= 1, "the fault never fired: the test proved nothing"


def test_status_names_the_connection_it_could_not_read_and_shows_the_rest() -> None:
    with Rig(settings=PROD) as rig:
        rig.arm.add_fault("connections/cn-eun-to-aue$", method="GET", kind="error", status=500)
        a = rig.slash("status all", timeout_s=120)
        assert a.finished and a.answered
        body = "\n".join(a.block_texts)
        assert "Could not read everything" in body
        assert "cn-eun-to-aue" in body and "500" in body
        assert "vgw-aue" in body and "cn-aue-to-eun" in body  # the other gateway, fully read


def test_arm_refusing_every_call_still_gets_a_clear_error_not_silence() -> None:
    texts = ["status australia", "routes vm-aue", "checklist sql-aue", "peering vnet-eun"]
    answers = in_parallel_rigs(texts, lambda rig, i: rig.arm.add_fault(".*", kind="error", status=503), rigs=4)
    for text, a in answers.items():
        assert a.finished and a.answered, f"/vpn {text}: {a.block_texts}"
        body = "\n".join(a.block_texts).lower()
        assert "503" in body or "server error" in body or "unavailable" in body, (text, body)


@pytest.mark.parametrize(
    "fault",
    [
        {"path": "virtualNetworkPeerings/peer-eun-to-aue$", "method": "PUT", "kind": "error", "status": 503},
        {"path": "virtualNetworkPeerings/peer-eun-to-aue$", "method": "PUT", "kind": "throttle", "retry_after": 1},
        {"path": "virtualNetworkPeerings/peer-eun-to-aue$", "method": "PUT", "kind": "hang", "hold_s": 30},
        {"path": "operations|asyncoperations", "method": "GET", "kind": "error", "status": 500},
    ],
    ids=["put-503", "put-429", "put-never-answers", "lro-poll-500"],
)
def test_an_approval_under_faults_is_answered_and_written_once(fault: dict[str, object]) -> None:
    with Rig(settings=FAST if fault["kind"] == "hang" else PROD) as rig:
        ask = rig.slash("peering vnet-eun/peer-eun-to-aue forwarded-traffic off reason: drill", ALICE)
        number = rig.request_number(ask)
        assert number, ask.block_texts
        f = rig.arm.add_fault(count=1, **fault)  # type: ignore[arg-type]
        click = rig.click("approval_approve", number, BOB, timeout_s=120)
        assert click is not None and click.finished and click.answered
        assert f.hits == 1, "the fault never fired: the test proved nothing"
        assert rig.successful_writes() == 1
        rec = rig.store.get_request(int(number))
        assert rec.state == "applied", (rec.state, rec.body.get("error"))
        assert rig.arm.resource(PEERING_EUN)["properties"]["allowForwardedTraffic"] is False
        thread = "\n".join(click.texts)
        assert f"#{number} applied" in thread
