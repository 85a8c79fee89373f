"""Jobs: plain JSON for the queue, never logging the response_url; the local dispatcher."""

from __future__ import annotations

import threading

import pytest

from bot.runtime.jobs import Job, ThreadPoolDispatcher

URL = "https://hooks.slack.com/commands/T1/2/secretpart"


def test_a_job_survives_a_json_round_trip() -> None:
    job = Job("action", "approval_approve", "3", user="U1", channel="C1", response_url=URL, message_ref="C1:1.2")
    assert Job.from_json(job.to_json()) == job


def test_a_newer_producers_extra_keys_are_ignored() -> None:
    job = Job("command", "status", "aus")
    data = job.to_json()[:-1] + ',"future_field":1}'
    assert Job.from_json(data) == job


@pytest.mark.parametrize("data", ['{"kind":"other","name":"x"}', '{"kind":"command"}', "[1,2]", '"x"'])
def test_anything_else_is_refused(data: str) -> None:
    with pytest.raises(ValueError, match="not a vpnops job"):
        Job.from_json(data)


def test_the_response_url_is_neither_in_repr_nor_in_log_fields() -> None:
    job = Job("command", "status", response_url=URL, trigger_id="111.222.secret")
    assert URL not in repr(job) and "111.222.secret" not in repr(job)
    assert URL not in str(job.log_fields()) and job.log_fields()["command"] == "status"


def test_wait_idle_returns_once_every_job_ran() -> None:
    done: list[str] = []
    gate = threading.Event()

    def run(job: Job) -> None:
        gate.wait(5)
        done.append(job.name)

    d = ThreadPoolDispatcher(run, max_workers=2)
    for i in range(5):
        d.submit(Job("command", f"c{i}"))
    assert d.wait_idle(timeout=0.05) is False and d.pending == 5
    gate.set()
    assert d.wait_idle(timeout=10) is True
    assert sorted(done) == [f"c{i}" for i in range(5)] and d.pending == 0
    d.shutdown()


def test_a_job_that_raises_still_counts_as_finished() -> None:
    def run(job: Job) -> None:
        raise RuntimeError("bug")

    d = ThreadPoolDispatcher(run)
    d.submit(Job("command", "x"))
    assert d.wait_idle(timeout=10)
    d.shutdown()


def test_hold_starts_jobs_only_when_the_block_ends() -> None:
    started: list[str] = []
    d = ThreadPoolDispatcher(lambda job: started.append(job.name))
    with d.hold():
        d.submit(Job("command", "held"))
        assert d.wait_idle(timeout=0.05) is False and started == []
    assert d.wait_idle(timeout=10) and started == ["held"]
    d.shutdown()
