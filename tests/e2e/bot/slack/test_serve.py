"""`python -m bot serve`: the Bolt app on waitress, bound to loopback; a slow client holds a
socket, never the acks of others; bodies over the limit are refused before they are read."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime.jobs import Job, ThreadPoolDispatcher
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.wsgi import MAX_BODY, Served, serve_in_thread
from sandbox.slack_emulator import SlackEmulator

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def served() -> Iterator[tuple[Served, SlackEmulator, list[Job]]]:
    with SlackEmulator(signing_secret="serve-test-secret-0123456789abcdef") as slack:
        settings = Settings(signing_secret=slack.signing_secret, slack_api_url=slack.api_url)
        # The jobs the app queued before it acked: `submit` runs inside the listener and the
        # ack is sent after it returns, so this list is complete once a 200 arrives. (The run
        # callback itself is on a pool thread and may still be pending when the ack lands.)
        dispatcher = ThreadPoolDispatcher(lambda job: None)
        server = serve_in_thread(create_app(settings, dispatcher))
        try:
            yield server, slack, dispatcher.submitted
        finally:
            server.stop()
            dispatcher.shutdown()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_a_signed_slash_command_is_acked_over_http(served: tuple[Served, SlackEmulator, list[Job]]) -> None:
    server, slack, jobs = served
    body, headers, _ = slack.command_request("status australia", "U_ALICE")
    status, out = post(server.url, body, headers)
    assert status == 200 and "Working on" in json.loads(out)["text"]
    assert [j.name for j in jobs] == ["status"]
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    assert post(server.url, body, headers)[0] == 401


def test_a_client_that_sends_three_bytes_of_a_large_body_stalls_nobody(
    served: tuple[Served, SlackEmulator, list[Job]],
) -> None:
    server, slack, jobs = served
    slow = socket.create_connection((server.host, server.port))
    try:
        slow.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000\r\n\r\nabc"
        )
        acks = []
        for i in range(20):
            body, headers, _ = slack.command_request(f"status region{i}", "U_ALICE")
            acks.append(post(server.url, body, headers, timeout=8)[0])  # below the 10 s idle timeout
        assert acks == [200] * 20 and len(jobs) == 20
        slow.settimeout(0.2)
        with pytest.raises(TimeoutError):
            slow.recv(1)  # still waiting for its body: it held its socket, nobody else's time
    finally:
        slow.close()


def test_a_body_over_the_limit_is_refused_before_it_is_read(served: tuple[Served, SlackEmulator, list[Job]]) -> None:
    server, _, jobs = served
    with socket.create_connection((server.host, server.port), timeout=5) as s:
        s.sendall(f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n".encode())
        head = s.recv(200)
    assert head.startswith(b"HTTP/1.1 413") and jobs == []


def test_serve_binds_loopback_unless_told_otherwise() -> None:
    with SlackEmulator() as slack:
        env = {
            **os.environ,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "VPNOPS_APPROVERS": "U_BOB",
            "VPNOPS_SECRET_KEY": "serve-test-deployment-secret-0123456789abcdef",
        }
        env.pop("VPNOPS_BIND", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert "listening on http://127.0.0.1:" in line, line
            url = line.split("listening on ")[1].split(" ")[0]
            body, headers, _ = slack.command_request("help", "U_ALICE")
            status, out = post(url, body, headers)
            assert status == 200 and "status" in out.decode()
        finally:
            proc.send_signal(signal.SIGTERM)
            _stopped(proc)


def _stopped(proc: subprocess.Popen[str]) -> None:
    """SIGTERM (what a container stop sends) stops the server as Ctrl-C does: it finishes the
    jobs it holds and exits 0. Not SIGINT here: a test run started in the background by a shell
    inherits SIGINT ignored (a fresh-clone CI run did, and the server never stopped). A server
    that does not stop is killed and its own words shown."""
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"serve did not stop on SIGTERM within 30 s; its stderr:\n{err[-3000:]}")
    assert proc.returncode == 0


def test_serve_stops_at_start_on_approver_ids_that_are_not_slack_user_ids() -> None:
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": "x" * 32,
        "SLACK_BOT_TOKEN": "xoxb-serve-test",
        "VPNOPS_APPROVERS": "U_BOB;U_CAROL",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "VPNOPS_APPROVERS holds 'U_BOB;U_CAROL'" in proc.stderr and "U_BOB,U_CAROL" in proc.stderr
    assert "listening" not in proc.stdout
