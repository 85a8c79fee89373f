"""`python -m bot console | serve | emulator` — see README.md."""

from __future__ import annotations

import sys

USAGE = """usage: python -m bot {console,serve,emulator} [options]

  console   the bot against the sandbox (emulated Azure + emulated Slack), reading stdin
            python -m bot console [--estate FILE] [--lro-headers async|location|both] [--faults FILE]
                                  [--as USER] [--json] [--state DIR]
            python -m bot console --arm-url http://127.0.0.1:PORT [--as USER] [--json] [--state DIR]
  serve     the Slack app over HTTP for a real workspace (Request URL …/slack/events)
            python -m bot serve [--port N]
  emulator  the ARM emulator alone, for other tools
            python -m bot emulator [--estate FILE] [--port N] [--tls] [--lro-headers async|location|both]
                                   [--retry-after S] [--page-size N] [--next-link-host HOST] [--real-shapes]
                                   (--tls: https with a loopback CA and a sign-in side, for the az CLI)
"""


def serve(argv: list[str]) -> int:
    import argparse

    from bot.logging import configure, get_logger
    from bot.runtime.jobs import ThreadPoolDispatcher
    from bot.runtime.worker import Deps, run_job
    from bot.settings import Settings, SettingsError
    from bot.slack.adapter import SLACK_EVENTS_PATH
    from bot.slack.app import create_app

    ap = argparse.ArgumentParser(prog="python -m bot serve", description="Serve the Slack app over HTTP.")
    ap.add_argument("--port", type=int, default=None, help="TCP port (default: $PORT or 3000)")
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
    deps = Deps.from_settings(settings)
    # Jobs run on threads in this process whatever VPNOPS_JOBS says: the queue worker is
    # the Azure Functions host's (function_app.py).
    dispatcher = ThreadPoolDispatcher(lambda job: run_job(job, deps), max_workers=max(4, settings.concurrency // 2))
    app = create_app(settings, dispatcher)
    port = args.port or settings.port
    get_logger(__name__).info("serve_started", port=port, path=SLACK_EVENTS_PATH, sandbox_azure=settings.sandbox)
    print(
        f"vpnops: Slack Request URL = https://<your public host>{SLACK_EVENTS_PATH} → http://0.0.0.0:{port}", flush=True
    )
    app.start(port=port, path=SLACK_EVENTS_PATH)
    return 0


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
