"""One interaction delivered twice runs once: Slack retries and replays, double clicks,
a queue message delivered again.

* Slack resends a request it got no 200 for within 3 s (same payload, `X-Slack-Retry-Num`);
  a copy replayed within the 5-minute window is indistinguishable from it. Both carry the
  interaction's `trigger_id`, from which the job id is derived (`bot.runtime.jobs.delivery_job_id`),
  so the dispatcher (thread pool) and the queue worker's ledger run it once.
* Two clicks are two interactions: the approval state machine's conditional writes make
  the second one a no-op that is told the state.
* The Storage Queue delivers at least once: `bot.functions.run_message` runs a job id once.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest

from bot.runtime.host import run_message, runtime
from bot.runtime.jobs import Job
from bot.runtime.signing import JobSeal
from bot.slack.listeners.actions import job_from_block_actions
from tests.reliability.harness import ALICE, BOB, CAROL, PEERING_EUN, Rig

CHANGE = "peering vnet-eun/peer-eun-to-aue forwarded-traffic off reason: duplicate drill"


@pytest.fixture
def rig() -> Iterator[Rig]:
    with Rig() as r:
        yield r


def file_request(rig: Rig) -> str:
    ask = rig.slash(CHANGE, ALICE)
    number = rig.request_number(ask)
    assert number, ask.block_texts
    return number


def test_a_slack_retry_of_a_slash_command_runs_it_once(rig: Rig) -> None:
    body, headers, response_url = rig.slack.command_request("status australia", ALICE)
    first = rig.deliver("/vpn status australia", body, headers, response_url)
    reads = len(rig.arm.requests)
    retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    second = rig.deliver("/vpn status australia (retry)", body, retry)
    assert first.status == second.status == 200  # Slack must get its 200, or it retries again
    assert len(first.jobs) == 1 and second.jobs == []
    assert [j.id for j in rig.dispatcher.duplicates] == [first.jobs[0].id]
    assert reads > 0 and len(rig.arm.requests) == reads  # the estate was read once


def test_a_retried_peering_request_files_one_request(rig: Rig) -> None:
    body, headers, response_url = rig.slack.command_request(CHANGE, ALICE)
    rig.deliver("ask", body, headers, response_url)
    for n in (1, 2, 3):
        rig.deliver("retry", body, {**headers, "X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
    assert [r.number for r in rig.store.list_requests()] == [1]
    posted = [m for m in rig.slack.messages() if any(b.get("action_id") == "approval_approve" for b in m.buttons())]
    assert len(posted) == 1


def test_a_replayed_approve_click_applies_once(rig: Rig) -> None:
    number = file_request(rig)
    msg = rig.slack.find_button("approval_approve", number)
    body, headers = rig.slack.click_request(msg, "approval_approve", BOB, number)
    first = rig.deliver("click", body, headers)
    again = rig.deliver("the same click again", body, headers)
    assert first.status == again.status == 200
    assert len(first.jobs) == 1 and again.jobs == []
    assert rig.successful_writes() == 1
    audit = [e.action for e in rig.store.recent_audit(limit=50) if e.request == int(number)]
    assert audit.count("approved") == 1 and audit.count("applied") == 1


def test_a_double_click_on_approve_applies_once_and_tells_the_second_click_the_state(rig: Rig) -> None:
    number = file_request(rig)
    first = rig.click("approval_approve", number, BOB)
    # The button is gone after the first click, as in Slack; a second client still shows it.
    msg = rig.slack.message(rig.store.get_request(int(number)).body["message_ref"])
    assert msg is not None
    msg.blocks = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approval_approve",
                    "value": number,
                    "text": {"type": "plain_text", "text": "Approve"},
                }
            ],
        }
    ]
    body, headers = rig.slack.click_request(msg, "approval_approve", CAROL, number)
    second = rig.deliver("second click", body, headers)
    assert first is not None and first.answered and second.answered
    assert len(second.jobs) == 1  # a different interaction: it runs, and is told the state
    assert rig.successful_writes() == 1
    told = "\n".join(second.block_texts)
    assert f"#{number}" in told and "applied" in told.lower()
    assert rig.store.get_request(int(number)).state == "applied"


def test_the_same_change_asked_twice_files_one_request(rig: Rig) -> None:
    file_request(rig)
    again = rig.slash(CHANGE, ALICE)
    assert again.answered
    told = "\n".join(again.block_texts)
    assert "#1" in told and "no second one" in told
    assert len(rig.store.list_requests()) == 1


@pytest.fixture
def functions_env(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The Functions worker configured against the rig's emulators and store."""
    s = rig.console.settings
    env = {
        "SLACK_SIGNING_SECRET": s.signing_secret,
        "SLACK_BOT_TOKEN": s.bot_token,
        "SLACK_API_URL": s.slack_api_url,
        "VPNOPS_ARM_URL": s.arm_url,
        "VPNOPS_STORE": s.store_url,
        "VPNOPS_APPROVERS": ",".join(sorted(s.approvers)),
        "VPNOPS_JOBS": "queue",
        "VPNOPS_STORAGE_CONNECTION": "UseDevelopmentStorage=true",
        "VPNOPS_SECRET_KEY": SECRET_KEY,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AZURE_SUBSCRIPTION_IDS", raising=False)
    runtime.reset()
    yield
    runtime.reset()


SECRET_KEY = "duplicates-test-deployment-secret-0123456789abcdef"


def sealed(job: Job) -> bytes:
    """The message body the Functions host hands the worker for `job` (sealed, decoded)."""
    return JobSeal.for_settings(SECRET_KEY, "vpnops-jobs").seal(job).encode()


def click_job(rig: Rig, number: str, user: str) -> Job:
    msg = rig.slack.find_button("approval_approve", number)
    body, _ = rig.slack.click_request(msg, "approval_approve", user, number)
    payload = json.loads(urllib.parse.parse_qs(body.decode())["payload"][0])
    return job_from_block_actions(payload)


def test_a_redelivered_queue_message_approves_and_applies_once(rig: Rig, functions_env: None) -> None:
    number = file_request(rig)
    message = sealed(click_job(rig, number, BOB))
    posts = len(rig.slack.events)
    assert run_message(message, dequeue_count=1, invocation_id="inv-1") == "done"
    answered = len(rig.slack.events)
    assert answered > posts
    assert run_message(message, dequeue_count=2, invocation_id="inv-2") == "duplicate"
    assert len(rig.slack.events) == answered  # nothing posted again
    assert rig.successful_writes() == 1
    assert rig.arm.resource(PEERING_EUN)["properties"]["allowForwardedTraffic"] is False


def test_a_redelivered_read_command_answers_once(rig: Rig, functions_env: None) -> None:
    response_url = rig.slack.new_response_url("C_VPNOPS", ALICE)
    job = Job("command", "status", "australia", user=ALICE, channel="C_VPNOPS", response_url=response_url)
    assert run_message(sealed(job), 1) == "done"
    answers = len(rig.slack.calls)
    reads = len(rig.arm.requests)
    assert run_message(sealed(job), 2) == "duplicate"
    assert len(rig.slack.calls) == answers and len(rig.arm.requests) == reads
