"""HTTP ⇄ Bolt: the one adapter every transport uses (console, tests, Azure Functions).

An adapter only converts (bolt-python's rule for adapters): bytes and headers in →
`BoltRequest` → `app.dispatch()` → status, headers and bytes out. Signature verification
happens inside `app.dispatch` (Bolt's RequestVerification middleware), so every request
that reaches a listener through here has had its signature and timestamp checked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest

SLACK_EVENTS_PATH = "/slack/events"


def handle_http(
    app: App, body: bytes, headers: Mapping[str, str], query: str = ""
) -> tuple[int, dict[str, str], bytes]:
    """Run one HTTP request from Slack through the Bolt app.

    body: the raw request body exactly as received (the signature covers these bytes).
    headers: the request headers (any case). query: the raw query string, if any.
    Returns (status, headers, body) for the HTTP response.
    """
    lower: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in headers.items()}
    # Refused here, before Bolt, because Bolt fails on them with an exception instead of
    # a refusal: slack_sdk's SignatureVerifier calls int() on the timestamp (a 500 and a
    # stack trace per forged request), and BoltRequest parses a body labelled JSON before
    # verifying it. Slack always sends whole seconds in ASCII digits and form bodies for
    # commands and interactions (docs.slack.dev "Verifying requests from Slack").
    timestamp = str(lower.get("x-slack-request-timestamp") or "")
    if not (timestamp.isascii() and timestamp.isdigit()):
        return _refused(401, "invalid request")
    try:
        req = BoltRequest(
            body=body.decode("utf-8", "replace"),
            query=query or None,
            headers=lower,
            mode="http",
        )
    except ValueError:  # json.JSONDecodeError included: a body that is not what it claims
        return _refused(400, "malformed request body")
    resp = app.dispatch(req)
    return resp.status, resp.first_headers_without_set_cookie(), resp.body.encode("utf-8")


def _refused(status: int, error: str) -> tuple[int, dict[str, str], bytes]:
    # The same shape as Bolt's own refusal of a bad signature ({"error": "invalid request"}).
    return status, {"content-type": "application/json;charset=utf-8"}, json.dumps({"error": error}).encode()


class SlackHttpServer:
    """The Bolt app on a threaded HTTP server bound to loopback (ephemeral port by default):
    for end-to-end tests and local runs that want a real socket. `python -m bot serve` uses
    Bolt's own `app.start(port)` instead."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def start(self) -> str:
        """Start serving; returns the URL Slack would POST to (…/slack/events)."""
        bolt_app = self.app

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return  # the bot's structured logs say what happened; no access log on stderr

            def do_POST(self) -> None:
                path, _, query = self.path.partition("?")
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                if path != SLACK_EVENTS_PATH:
                    status, headers, out = 404, {"content-type": "text/plain"}, b"not found"
                else:
                    status, headers, out = handle_http(bolt_app, body, dict(self.headers.items()), query)
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self._server = _Server((self._host, self._port), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}{SLACK_EVENTS_PATH}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-http", daemon=True
        ).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackHttpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections under a burst of concurrent requests
    # (the client then retries after a 1 s SYN timeout).
    request_queue_size = 128
    daemon_threads = True
