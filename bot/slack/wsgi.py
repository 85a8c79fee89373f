"""The Bolt app as a WSGI application, served by waitress for `python -m bot serve`.

Bolt's own `app.start()` is its development server: one thread, no socket timeout, no
body limit, on every interface; one client that declares a 100 kB body and sends three
bytes stops every other request — and Slack drops any it has no ack for within 3 s. So
`serve` runs this WSGI app on waitress (pure Python, in requirements.txt), which:

* reads each request completely in its I/O loop before a worker thread sees it, so a slow
  or stalled client holds a socket, never a thread (`channel_timeout` closes it);
* refuses a body over `MAX_BODY` (413) and headers over `MAX_HEADERS` before reading them;
* runs the app on `THREADS` worker threads and limits the connections it keeps open.

Only `POST /slack/events` (signed, verified by Bolt) and `GET /health` are served.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from bot.slack.adapter import SLACK_EVENTS_PATH, handle_http

# A message shortcut carries the message (≤ 40 000 characters of text plus its blocks),
# URL-encoded inside `payload=`: a few hundred kB at the very most.
MAX_BODY = 1024 * 1024
MAX_HEADERS = 16 * 1024
THREADS = 8
# Idle seconds before waitress closes a connection: a client trickling its body is cut off
# long before it could matter, and Slack sends each request in one go.
CHANNEL_TIMEOUT_S = 10
CONNECTION_LIMIT = 256

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    out = {k[5:].replace("_", "-").title(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        out["Content-Type"] = str(environ["CONTENT_TYPE"])
    return out


def wsgi_app(app: App) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI callable for `app` (an adapter: bytes in → `handle_http` → bytes out)."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO") or "/", environ.get("REQUEST_METHOD") or "GET"
        if path == "/health" and method in ("GET", "HEAD"):
            status, headers, body = 200, {"content-type": "application/json"}, json.dumps({"status": "ok"}).encode()
        elif path != SLACK_EVENTS_PATH:
            status, headers, body = 404, {"content-type": "text/plain"}, b"not found"
        elif method != "POST":
            status, headers, body = 405, {"content-type": "text/plain", "allow": "POST"}, b"POST only"
        else:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                status, headers, body = 400, {"content-type": "text/plain"}, b"bad content-length"
            else:
                raw = environ["wsgi.input"].read(length) if length else b""
                status, headers, body = handle_http(app, raw, _headers(environ), str(environ.get("QUERY_STRING") or ""))
        out = [(k, v) for k, v in headers.items() if k.lower() != "content-length"]
        out.append(("Content-Length", str(len(body))))
        start_response(f"{status} {_REASONS.get(status, 'Status')}", out)
        return [body]

    return application


@dataclass
class Served:
    """A running waitress server (`serve_in_thread`): its URL, and how to stop it."""

    url: str
    host: str
    port: int
    _server: Any
    _thread: threading.Thread
    _stop: threading.Event

    def stop(self) -> None:
        """Stop the I/O loop (it closes every socket itself, in its own thread) and the
        worker threads."""
        self._stop.set()
        self._thread.join(timeout=10)


def create_server(app: App, host: str = "127.0.0.1", port: int = 0, threads: int = THREADS) -> Any:
    """A waitress server for `app` on (host, port), not yet running (`.run()` blocks)."""
    from waitress.server import create_server as waitress_server

    return waitress_server(
        wsgi_app(app),
        host=host,
        port=port,
        threads=threads,
        channel_timeout=CHANNEL_TIMEOUT_S,
        max_request_body_size=MAX_BODY,
        max_request_header_size=MAX_HEADERS,
        connection_limit=CONNECTION_LIMIT,
        cleanup_interval=2,
        ident="vpnops",
        expose_tracebacks=False,
        clear_untrusted_proxy_headers=True,
    )


def serve_in_thread(app: App, host: str = "127.0.0.1", port: int = 0) -> Served:
    """Serve `app` on waitress in a background thread (tests, benchmarks): the same
    server `python -m bot serve` runs, on an ephemeral loopback port by default."""
    from waitress import wasyncore

    server = create_server(app, host, port)
    stop = threading.Event()

    def loop() -> None:
        # waitress's own run() loops until its socket map is empty; this one also stops on
        # request, and closes the sockets from the loop's thread (never under its select).
        try:
            while not stop.is_set():
                wasyncore.loop(timeout=0.05, map=server._map, count=1)
        finally:
            wasyncore.close_all(server._map)
            server.task_dispatcher.shutdown()

    thread = threading.Thread(target=loop, name="vpnops-waitress", daemon=True)
    thread.start()
    real_port = int(server.effective_port)
    return Served(f"http://{host}:{real_port}{SLACK_EVENTS_PATH}", host, real_port, server, thread, stop)
