"""`python -m bot console | serve | emulator` — see README.md."""

from __future__ import annotations

import signal
import sys

USAGE = """usage: python -m bot {console,serve,emulator} [options]

  console   the bot against the sandbox (emulated Azure + emulated Slack), reading stdin
            python -m bot console [--estate FILE] [--lro-headers async|location|both] [--faults FILE]
                                  [--as USER] [--json] [--state DIR]
            python -m bot console --arm-url http://127.0.0.1:PORT [--as USER] [--json] [--state DIR]
  serve     the Slack app over HTTP for a real workspace (Request URL …/slack/events),
            on waitress, bound to 127.0.0.1 unless told otherwise (put a TLS proxy in front)
            python -m bot serve [--host ADDR] [--port N]
  emulator  the ARM emulator alone, for other tools
            python -m bot emulator [--estate FILE] [--port N] [--tls] [--lro-headers async|location|both]
                                   [--retry-after S] [--page-size N] [--next-link-host HOST] [--real-shapes]
                                   (--tls: https with a loopback CA and a sign-in side, for the az CLI)
"""


def start_problems(settings: object, what: str) -> int:
    """Print the settings' errors (and return 2: the bot must not start with them) and
    warnings (and return 0) the way `console` and `serve` say them at start."""
    import sys as _sys

    errors = list(getattr(settings, "errors", ()))
    for problem in errors:
        print(f"{what}: error: {problem}", file=_sys.stderr)
    for warning in getattr(settings, "warnings", ()):
        print(f"{what}: warning: {warning}", file=_sys.stderr)
    return 2 if errors else 0


def serve(argv: list[str]) -> int:
    import argparse

    from bot.logging import configure, get_logger
    from bot.runtime.jobs import ThreadPoolDispatcher
    from bot.runtime.worker import Deps, run_job
    from bot.settings import Settings, SettingsError
    from bot.slack.adapter import SLACK_EVENTS_PATH
    from bot.slack.app import create_app
    from bot.slack.wsgi import CHANNEL_TIMEOUT_S, MAX_BODY, THREADS, create_server

    ap = argparse.ArgumentParser(prog="python -m bot serve", description="Serve the Slack app over HTTP.")
    ap.add_argument("--port", type=int, default=None, help="TCP port (default: $PORT or 3000; 0 = any free port)")
    ap.add_argument("--host", default=None, help="address to bind (default: $VPNOPS_BIND or 127.0.0.1)")
    args = ap.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 2
    configure(settings.log_level)
    missing = settings.missing_for_slack()
    if missing:
        print(
            f"serve: set {', '.join(missing)} (from your Slack app's Basic Information and OAuth & Permissions "
            "pages) — see README.md, 'Pointing the bot at a real Slack workspace'.",
            file=sys.stderr,
        )
        return 2
    if start_problems(settings, "serve"):
        return 2
    deps = Deps.from_settings(settings)
    # Jobs run on threads in this process whatever VPNOPS_JOBS says: the queue worker is
    # the Azure Functions host's (function_app.py).
    dispatcher = ThreadPoolDispatcher(lambda job: run_job(job, deps), max_workers=max(4, settings.concurrency // 2))
    deps.requeue = dispatcher.submit
    app = create_app(settings, dispatcher)
    host = args.host or settings.bind
    port = settings.port if args.port is None else args.port
    server = create_server(app, host, port)
    get_logger(__name__).info(
        "serve_started",
        host=host,
        port=server.effective_port,
        path=SLACK_EVENTS_PATH,
        sandbox_azure=settings.sandbox,
        threads=THREADS,
        channel_timeout_s=CHANNEL_TIMEOUT_S,
        max_body=MAX_BODY,
    )
    print(
        f"vpnops: listening on http://{host}:{server.effective_port}{SLACK_EVENTS_PATH} (waitress, {THREADS} threads); "
        f"Slack's Request URL = https://<your public host>{SLACK_EVENTS_PATH} through a TLS proxy",
        flush=True,
    )
    # SIGTERM (a container or service manager stopping it) stops it as Ctrl-C does: the jobs it
    # holds finish, then it exits 0. A process started in the background by a shell inherits
    # SIGINT ignored, so SIGTERM is the signal that always works.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        return 0
    finally:
        dispatcher.shutdown()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    cmd, rest = args[0], args[1:]
    if cmd == "console":
        from bot.console.app import main as console_main

        return console_main(rest)
    if cmd == "serve":
        return serve(rest)
    if cmd == "emulator":
        from sandbox.arm_emulator import main as emulator_main

        return emulator_main(rest)
    print(f"python -m bot: unknown command {cmd!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
