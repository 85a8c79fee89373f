"""The Azure Functions app, driven as the Functions host drives it.

No `func` host can be installed here, so each test calls the registered functions'
`get_user_function()` (built once per process from `function_app.app`) with real
`azure.functions.HttpRequest` / `QueueMessage` objects. The jobs queue is a real queue on
Azurite; Slack is the Slack API emulator (signed requests, response_urls, Web API); Azure
is the ARM emulator. A queue message reaches the worker the way the host hands it over:
read from the queue, base64-decoded, with its dequeue count.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from azure.functions.queue import QueueMessage as HostQueueMessage  # what the worker hands a trigger
from azure.functions.timer import TimerRequest
from azure.storage.queue import QueueClient, QueueMessage

from bot.runtime.host import runtime, seal_of
from bot.runtime.jobs import Job
from bot.runtime.ledger import JobLedger
from bot.runtime.queue import decode_job, encode_job
from sandbox.arm_emulator import ArmEmulator
from sandbox.slack_emulator import SlackEmulator
from tests.azurite import Azurite, unique_name
from tests.integration.functions_host import Invocation, registered
from tests.shared_fixtures import real

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.azurite


def call(name: str) -> Callable[..., Any]:
    return registered()[name].get_user_function()  # type: ignore[no-any-return]


@dataclass
class Stack:
    slack: SlackEmulator
    arm: ArmEmulator
    queue: QueueClient  # raw: no decode policy, so tests see exactly what is stored
    poison: QueueClient
    azurite: Azurite
    store_url: str

    def slash(self, text: str, user: str = "U_ALICE") -> tuple[func.HttpResponse, str]:
        body, headers, response_url = self.slack.command_request(text, user)
        req = func.HttpRequest("POST", "/api/slack/events", headers=headers, body=body)
        resp = call("slack_events")(req, Invocation("inv-http"))
        self.slack.deliver_ack(response_url, resp.get_body())
        return resp, response_url

    def take(self, queue: QueueClient | None = None) -> QueueMessage:
        """Receive one message as the host does (it stays invisible for 30 s)."""
        messages = list((queue or self.queue).receive_messages(max_messages=1, visibility_timeout=30))
        assert messages, "no message on the queue"
        return messages[0]

    def run_worker(self, m: QueueMessage, name: str = "worker") -> None:
        """Hand `m` to a queue function exactly as the host would: base64-decoded body."""
        msg = HostQueueMessage(id=m.id, body=base64.b64decode(m.content), dequeue_count=m.dequeue_count)
        call(name)(msg, Invocation("inv-queue"))

    def answers(self) -> list[str]:
        """Text of what the bot showed in the channel (ack excluded once replaced)."""
        return [m.text for m in self.slack.messages("C_VPNOPS")]


@pytest.fixture
def stack(
    azurite: Azurite, arm_emulator: ArmEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    queue_name = unique_name("jobs")
    with SlackEmulator(token="xoxb-func-test-token") as slack:
        env = {
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "VPNOPS_ARM_URL": arm_emulator.base_url,
            "VPNOPS_STORAGE_CONNECTION": azurite.connection_string,
            "VPNOPS_QUEUE": queue_name,
            "VPNOPS_JOBS": "queue",
            "VPNOPS_STORE": f"sqlite:{tmp_path / 'state.sqlite'}",
            "VPNOPS_PROGRESS_EVERY_S": "0",
            "VPNOPS_ALERT_TOKEN": "alert-token-for-tests-0123456789",
            "VPNOPS_ALERT_CHANNEL": "C_ALERTS",
            "VPNOPS_SECRET_KEY": "functions-test-deployment-secret-0123456789abcdef",
        }
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("AZURE_SUBSCRIPTION_IDS", raising=False)
        runtime.reset()
        q = QueueClient.from_connection_string(azurite.connection_string, queue_name)
        p = QueueClient.from_connection_string(azurite.connection_string, f"{queue_name}-poison")
        p.create_queue()
        try:
            yield Stack(slack, arm_emulator, q, p, azurite, env["VPNOPS_STORE"])
        finally:
            runtime.reset()
            for client in (q, p):
                try:
                    client.delete_queue()
                except Exception:
                    pass


# ---------------------------------------------------------------------------------------
# The app's shape
# ---------------------------------------------------------------------------------------


def test_function_app_registers_every_vpnops_function() -> None:
    fns = registered()
    assert set(fns) == {"slack_events", "health", "worker", "poison", "alerts", "watch"}
    bindings = {name: fn.get_bindings()[0].get_dict_repr() for name, fn in fns.items()}
    assert bindings["slack_events"]["route"] == "slack/events"
    assert bindings["slack_events"]["authLevel"].value == "anonymous"  # Slack signs instead
    assert bindings["worker"]["type"] == "queueTrigger"
    assert bindings["worker"]["queueName"] == "%VPNOPS_QUEUE%"
    assert bindings["poison"]["queueName"] == "%VPNOPS_QUEUE%-poison"
    assert bindings["worker"]["connection"] == "AzureWebJobsStorage"
    assert bindings["alerts"]["route"] == "alerts"
    assert bindings["alerts"]["authLevel"].value == "function"  # the host checks the key first
    assert bindings["watch"]["type"] == "timerTrigger"
    assert bindings["watch"]["schedule"] == "%VPNOPS_WATCH_SCHEDULE%"


# ---------------------------------------------------------------------------------------
# Ack → queue → worker → Slack
# ---------------------------------------------------------------------------------------


def test_signed_slash_command_is_acked_enqueued_and_answered_by_the_worker(stack: Stack) -> None:
    resp, _ = stack.slash("status australia")
    assert resp.status_code == 200
    assert "Working on" in json.loads(resp.get_body())["text"]
    assert stack.slack.calls == []  # the ack side never calls Slack (no auth.test on a cold start)

    m = stack.take()
    job = decode_job(m.content, seal_of(runtime.settings()))  # what is stored is base64 JSON, as the host expects
    assert (job.kind, job.name, job.text, job.user) == ("command", "status", "australia", "U_ALICE")

    stack.run_worker(m)
    answers = stack.answers()
    assert any("vgw-aue" in text or "australia" in text.lower() for text in answers), answers
    assert not any("Working on" in text for text in answers)  # the ack was replaced or removed
    assert stack.arm.requests, "the worker never called Azure"


def test_queue_message_is_base64_json_and_holds_no_secret_but_the_response_url(stack: Stack) -> None:
    _, response_url = stack.slash("status europe")
    m = stack.take()
    raw = base64.b64decode(m.content, validate=True).decode()
    data = json.loads(raw)
    assert set(data) == {"v", "queue", "job", "mac"}  # sealed (bot/runtime/signing.py)
    assert json.loads(data["job"])["response_url"] == response_url
    secret_key = runtime.settings().secret_key
    for secret in (stack.slack.token, stack.slack.signing_secret, stack.azurite.connection_string, secret_key):
        assert secret not in raw
    assert "AccountKey" not in raw


def test_a_forged_request_is_refused_and_nothing_is_enqueued(stack: Stack) -> None:
    body, headers, _ = stack.slack.command_request("status australia", "U_ALICE")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    req = func.HttpRequest("POST", "/api/slack/events", headers=headers, body=body)
    resp = call("slack_events")(req, Invocation())
    assert resp.status_code == 401
    stack.queue.create_queue() if not _exists(stack.queue) else None
    assert not list(stack.queue.peek_messages(max_messages=5))


def _exists(q: QueueClient) -> bool:
    try:
        q.get_queue_properties()
        return True
    except Exception:
        return False


def test_help_is_answered_in_the_ack_without_a_job(stack: Stack) -> None:
    resp, _ = stack.slash("help")
    assert resp.status_code == 200
    assert "status" in resp.get_body().decode()
    if _exists(stack.queue):
        assert not list(stack.queue.peek_messages(max_messages=5))


def test_queue_unreachable_tells_the_user_nothing_ran(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # A port nothing listens on: connection refused at once, as when storage is down.
    monkeypatch.setenv(
        "VPNOPS_STORAGE_CONNECTION",
        stack.azurite.connection_string.replace(f":{stack.azurite.queue_port}/", ":9/"),
    )
    runtime.reset()
    resp, _ = stack.slash("status australia")
    assert resp.status_code == 200
    text = json.loads(resp.get_body())["text"]
    assert "could not start" in text and "Nothing was run" in text


# ---------------------------------------------------------------------------------------
# Redelivery, idempotency, poison
# ---------------------------------------------------------------------------------------


def _answer_count(stack: Stack) -> int:
    return len([c for c in stack.slack.calls if c.method in ("response_url", "chat.postMessage", "chat.postEphemeral")])


def test_a_redelivered_message_answers_once(stack: Stack) -> None:
    stack.slash("status australia")
    m = stack.take()
    stack.run_worker(m)
    posted = stack.slack.events
    # The Storage Queue delivers at least once: the same message again, dequeue count 2.
    again = QueueMessage(content=m.content)
    again.id, again.dequeue_count = m.id, 2
    stack.run_worker(again)
    assert stack.slack.events == posted


def test_redelivery_after_a_crash_before_any_answer_runs_the_job(stack: Stack) -> None:
    stack.slash("status australia")
    m = stack.take()
    # The first attempt claimed the job and died before answering (instance recycled).
    ledger = JobLedger(runtime.work().deps.store_port())
    ledger.begin(decode_job(m.content, seal_of(runtime.settings())), attempt=1, message_id=m.id)
    m.dequeue_count = 2
    stack.run_worker(m)
    assert any("australia" in t.lower() or "vgw-aue" in t for t in stack.answers())
    assert ledger.state(decode_job(m.content, seal_of(runtime.settings())).id)["state"] == "done"  # type: ignore[index]


def test_a_second_message_for_a_job_still_running_is_dropped_not_run_twice(stack: Stack) -> None:
    stack.slash("status australia")
    m = stack.take()
    # The first message is being worked on (claimed, nothing answered yet) when Slack's
    # retry of the same request lands as a second message carrying the same job.
    ledger = JobLedger(runtime.work().deps.store_port())
    ledger.begin(decode_job(m.content, seal_of(runtime.settings())), attempt=1, message_id=m.id)
    retry = QueueMessage(content=m.content)
    retry.id, retry.dequeue_count = f"{m.id}-slack-retry", 1
    arm_calls, posted = len(stack.arm.requests), list(stack.slack.events)
    stack.run_worker(retry)
    assert len(stack.arm.requests) == arm_calls, "the retry ran the job a second time"
    assert stack.slack.events == posted
    assert ledger.state(decode_job(m.content, seal_of(runtime.settings())).id)["state"] == "running"  # type: ignore[index]


def test_redelivery_after_a_partial_answer_is_not_rerun_and_the_user_is_told_once(stack: Stack) -> None:
    stack.slash("status australia")
    m = stack.take()
    job = decode_job(m.content, seal_of(runtime.settings()))
    ledger = JobLedger(runtime.work().deps.store_port())
    ledger.begin(job, attempt=1)
    ledger.mark_answered(job)  # it had posted, then the instance died
    arm_calls = len(stack.arm.requests)
    m.dequeue_count = 2
    stack.run_worker(m)
    stack.run_worker(m)  # and once more: still one notice
    assert len(stack.arm.requests) == arm_calls  # not run again
    notices = [t for t in stack.answers() if "was not completed" in t or "failed" in t]
    assert len(notices) == 1, stack.answers()


def test_a_poisoned_job_tells_the_user_the_command_failed(stack: Stack) -> None:
    stack.slash("status australia")
    m = stack.take()
    # After maxDequeueCount failures the host moves the message to <queue>-poison.
    stack.poison.send_message(m.content)
    stack.run_worker(stack.take(stack.poison), name="poison")
    texts = stack.answers()
    assert any("/vpn status australia" in t and "failed" in t for t in texts), texts


def test_a_poisoned_job_that_was_already_answered_says_nothing_more(stack: Stack) -> None:
    stack.slash("status australia")
    m = stack.take()
    stack.run_worker(m)
    before = stack.slack.events
    stack.poison.send_message(m.content)
    stack.run_worker(stack.take(stack.poison), name="poison")
    assert stack.slack.events == before


def test_a_malformed_message_is_dropped_without_failing_the_function(stack: Stack) -> None:
    for body in (b"", b"not json", base64.b64encode(b'{"kind": "nope"}'), b'{"kind": "command"}'):
        call("worker")(HostQueueMessage(id="x", body=body, dequeue_count=1), Invocation())
        call("poison")(HostQueueMessage(id="x", body=body, dequeue_count=1), Invocation())
    assert stack.slack.events == []


def _forgeries(stack: Stack) -> list[tuple[str, bytes]]:
    """Queue messages an attacker with write access to the queue could put there."""
    from bot.runtime.signing import JobSeal

    seal = seal_of(runtime.settings())
    good = stack.slack.new_response_url("C_VPNOPS", "U_BOB")
    job = Job("action", "approval_approve", "1", user="U_BOB", channel="C_VPNOPS", response_url=good)
    sealed = json.loads(seal.seal(job))
    tampered = dict(sealed, job=sealed["job"].replace("U_BOB", "U_CAROL"))
    other_key = JobSeal.for_settings("another-deployments-secret-0123456789abcdef", seal.queue).seal(job)
    elsewhere = Job("command", "status", "all", user="U_BOB", response_url="https://attacker.example/hook")
    return [
        ("unsealed", job.to_json().encode()),
        ("tampered user", json.dumps(tampered).encode()),
        ("another key", other_key.encode()),
        ("another queue", JobSeal(seal.key, "vpnops-other").seal(job).encode()),
        ("sealed, response_url elsewhere", seal.seal(elsewhere).encode()),
        ("sealed, old", seal.seal(Job("command", "status", "all", user="U_BOB", created_at=1.0)).encode()),
    ]


def test_a_forged_or_tampered_queue_message_runs_nothing_and_is_logged(stack: Stack) -> None:
    from structlog.testing import capture_logs

    from bot.runtime.host import run_message

    arm_before = len(stack.arm.requests)
    for how, body in _forgeries(stack):
        with capture_logs() as logs:
            assert run_message(body, 1, "inv-forged", "m1") == "forged", how
            call("worker")(HostQueueMessage(id="m2", body=body, dequeue_count=1), Invocation())
            call("poison")(HostQueueMessage(id="m3", body=body, dequeue_count=1), Invocation())
        events = [e for e in logs if e["event"] == "job_forged"]
        assert len(events) == 3, (how, logs)
        assert not any("attacker.example" in json.dumps(e) or "/response/" in json.dumps(e) for e in events)
    assert stack.slack.calls == [] and len(stack.arm.requests) == arm_before
    store = runtime.work().deps.store_port()
    assert store.list_requests() == [] and store.recent_audit() == []


def test_encode_job_round_trips_through_the_host_decoding(stack: Stack) -> None:
    seal = seal_of(runtime.settings())
    job = Job(kind="action", name="approval_approve", text="7", user="U_BOB", message_ref="C1:1.2")
    assert decode_job(base64.b64decode(encode_job(job, seal)), seal) == job
    assert decode_job(encode_job(job, seal), seal) == job


# ---------------------------------------------------------------------------------------
# Alerts and the watch
# ---------------------------------------------------------------------------------------


def _alert(token: str | None, body: bytes) -> func.HttpResponse:
    params = {"code": "function-key-checked-by-the-host"} | ({"token": token} if token is not None else {})
    req = func.HttpRequest(
        "POST", "/api/alerts", params=params, headers={"Content-Type": "application/json"}, body=body
    )
    return call("alerts")(req, Invocation("inv-alert"))  # type: ignore[no-any-return]


def test_an_azure_monitor_alert_through_the_http_function_is_posted_once(stack: Stack) -> None:
    body = real("alerts/alerts-payload-samples.test-action-metric-static-threshold.json").read_bytes()
    resp = _alert("alert-token-for-tests-0123456789", body)
    assert resp.status_code == 200, resp.get_body()
    posted = stack.slack.messages("C_ALERTS")
    assert len(posted) == 1
    assert _alert("alert-token-for-tests-0123456789", body).status_code == 200  # Azure Monitor retried
    assert len(stack.slack.messages("C_ALERTS")) == 1


def test_an_alert_with_a_wrong_token_is_refused_and_nothing_posted(stack: Stack) -> None:
    body = real("alerts/alerts-payload-samples.test-action-metric-static-threshold.json").read_bytes()
    for token in (None, "", "alert-token-for-tests-012345678X"):
        assert _alert(token, body).status_code == 401
    assert _alert("alert-token-for-tests-0123456789", b"{not json").status_code == 400
    assert stack.slack.messages("C_ALERTS") == []


def test_the_watch_timer_runs_a_cycle_against_azure_and_never_raises(stack: Stack) -> None:
    call("watch")(TimerRequest(past_due=True), Invocation("inv-timer"))
    call("watch")(TimerRequest(), Invocation("inv-timer"))
    gateway_reads = [r for r in stack.arm.requests if "/virtualNetworkGateways" in r.path]
    assert gateway_reads, "the watch did not read the gateways"


# ---------------------------------------------------------------------------------------
# Health and the cold path
# ---------------------------------------------------------------------------------------


def test_health_is_ok_when_configured(stack: Stack) -> None:
    resp = call("health")(func.HttpRequest("GET", "/api/health", body=b""), Invocation())
    assert resp.status_code == 200
    report = json.loads(resp.get_body())
    assert report["status"] == "ok"
    assert report["missing"] == []


def test_health_names_missing_settings_and_never_shows_values(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    runtime.reset()
    resp = call("health")(func.HttpRequest("GET", "/api/health", body=b""), Invocation())
    assert resp.status_code == 503
    body = resp.get_body().decode()
    assert "SLACK_BOT_TOKEN" in json.loads(body)["missing"]
    assert stack.slack.signing_secret not in body
    assert "AccountKey" not in body


def test_health_reports_an_unresolved_key_vault_reference(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = "@Microsoft.KeyVault(SecretUri=https://kv-vpnops.vault.azure.net/secrets/slack-bot-token)"
    monkeypatch.setenv("SLACK_BOT_TOKEN", ref)
    runtime.reset()
    resp = call("health")(func.HttpRequest("GET", "/api/health", body=b""), Invocation())
    assert resp.status_code == 503
    assert json.loads(resp.get_body())["missing"] == ["SLACK_BOT_TOKEN (Key Vault reference not resolved)"]


def test_the_ack_path_never_loads_the_azure_management_sdk(stack: Stack) -> None:
    """Import function_app in a fresh interpreter, ack one signed command onto Azurite,
    and look at sys.modules: no azure.mgmt (nothing heavy on the ack path)."""
    body, headers, _ = stack.slack.command_request("status australia", "U_ALICE")
    script = textwrap.dedent(
        """
        import json, sys
        import azure.functions as func
        import function_app
        fns = {f.get_function_name(): f for f in function_app.app.get_functions()}
        after_import = sorted(m for m in sys.modules if m.startswith("azure.mgmt"))
        req = func.HttpRequest("POST", "/api/slack/events", headers=json.loads(sys.argv[1]), body=sys.argv[2].encode())
        resp = fns["slack_events"].get_user_function()(req, None)
        after_ack = sorted(m for m in sys.modules if m.startswith("azure.mgmt"))
        print(json.dumps({"status": resp.status_code, "import": after_import, "ack": after_ack}))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(headers), body.decode()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"status": 200, "import": [], "ack": []}
    assert list(stack.queue.peek_messages(max_messages=5)), "the subprocess's ack did not enqueue"


def test_a_configuration_error_is_every_commands_answer_and_nothing_is_enqueued(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VPNOPS_APPROVERS", "U_BOB;U_CAROL")
    runtime.reset()
    if not _exists(stack.queue):
        stack.queue.create_queue()
    for text in ("status australia", "help", "peering vnet-eun"):
        resp, _ = stack.slash(text)
        assert resp.status_code == 200
        said = json.loads(resp.get_body())["text"]
        assert "misconfigured" in said and "VPNOPS_APPROVERS holds 'U_BOB;U_CAROL'" in said and "U_BOB,U_CAROL" in said
    assert not list(stack.queue.peek_messages(max_messages=5)), "a misconfigured bot enqueued a job"
