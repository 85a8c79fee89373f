"""`python -m bot console`: the whole bot on your terminal, through the real path.

Each `/vpn …` line becomes a slash-command request signed with the app's signing secret
(fresh timestamp), run through the real Bolt app (signature check, ack, dispatcher), the
real worker, the real Azure SDK against the ARM emulator, and the real Slack Web API
client against the Slack emulator. Every message the bot posts, updates or uploads is
printed as it arrives — readable text, or Block Kit JSON with `--json`.

Console commands (lines starting with "/") are `CONSOLE_COMMANDS`: the console's own
(`bot/console/commands.py`: /vpn, /as, /approve …, /click, /help) and the alerts'
(`bot/console/alerts.py`: /webhook alerts FILE, /watch).

`#` lines and blank lines are skipped. At end of input the console waits for every job,
saves `--state`, and exits 0.

Azure is the built-in ARM emulator, serving `--estate` the way `--lro-headers` says; or, with
`--arm-url URL`, another ARM endpoint on this machine (another emulator, a recorded service),
read with the sandbox's static credential. That endpoint is not the console's: `/watch` then
reads the counters as they are, and `--state` keeps only the bot's store.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import secrets
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bot.console import alerts, commands, netwatch
from bot.console.commands import ConsoleCommand, button_hint
from bot.runtime.jobs import ThreadPoolDispatcher
from bot.runtime.worker import Deps, run_job
from bot.settings import Settings, SettingsError, replace_warnings
from bot.slack.adapter import handle_http
from bot.slack.text import blocks_to_text
from sandbox.slack_emulator import APP_ID, BOT_USER, TEAM_ID

if TYPE_CHECKING:
    from sandbox.arm_emulator import ArmEmulator, Fidelity

ROOT = Path(__file__).resolve().parents[2]
SEED_ESTATE = ROOT / "sandbox" / "estates" / "seed.json"
DEFAULT_USER = "U_ALICE"
DEFAULT_CHANNEL = "C_VPNOPS"
DEFAULT_APPROVERS = frozenset({"U_BOB", "U_CAROL"})
DEFAULT_ALERT_CHANNEL = "C_ALERTS"
# Every console command, in /help order.
CONSOLE_COMMANDS: tuple[ConsoleCommand, ...] = (*commands.COMMANDS, *alerts.COMMANDS, *netwatch.COMMANDS)
# The options that choose what the built-in ARM emulator serves: meaningless with --arm-url.
EMULATOR_OPTIONS = ("estate", "lro_headers", "faults")


class Console:
    """The bot wired to the two emulators, driven line by line."""

    def __init__(
        self,
        estate: dict[str, Any] | None,
        *,
        fidelity: Fidelity | None = None,
        arm_url: str = "",
        user: str = DEFAULT_USER,
        json_out: bool = False,
        state_dir: Path | None = None,
        out: IO[str] | None = None,
        base_settings: Settings | None = None,
        channel: str = DEFAULT_CHANNEL,
        echo: bool = True,
        workers: int = 8,
        console_commands: tuple[ConsoleCommand, ...] = CONSOLE_COMMANDS,
    ) -> None:
        """`estate`: what the built-in ARM emulator serves (with `fidelity`, default: the
        estate's own); or `arm_url`: another ARM endpoint on loopback, and no emulator."""
        from sandbox.arm_emulator import ArmEmulator
        from sandbox.slack_emulator import SlackEmulator

        self.out = out or sys.stdout
        self.commands = {c.name: c for c in console_commands}
        self.json_out = json_out
        self.echo = echo
        self.channel = channel
        self.state_dir = state_dir
        self._tmp: str | None = None
        self._print_lock = threading.Lock()
        self._numbers: dict[tuple[str, str], int] = {}
        self._acks: set[tuple[str, str]] = set()

        base = base_settings or Settings()
        secret = secrets.token_hex(16)
        token = "xoxb-console-" + secrets.token_hex(12)
        self.slack = SlackEmulator(token=token, signing_secret=secret)
        self.slack.start()
        self.arm: ArmEmulator | None = None
        if not arm_url:
            self.arm = ArmEmulator(estate, fidelity=fidelity)
            arm_url = self.arm.start()
        if state_dir is None:
            self._tmp = tempfile.mkdtemp(prefix="vpnops-console-")
            store_dir = Path(self._tmp)
        else:
            state_dir.mkdir(parents=True, exist_ok=True)
            store_dir = state_dir
        self.settings = dataclasses.replace(
            base,
            signing_secret=secret,
            bot_token=token,
            slack_api_url=self.slack.api_url,
            arm_url=arm_url,
            # The sandbox estate decides the subscriptions; a real AZURE_SUBSCRIPTION_IDS
            # in the shell must not filter them out.
            subscription_ids=(),
            approvers=base.approvers or DEFAULT_APPROVERS,
            alert_channel=base.alert_channel or DEFAULT_ALERT_CHANNEL,
            store_url=f"sqlite:{store_dir / 'vpnops.sqlite'}",
            jobs_mode="thread",
            # The emulated app and workspace: requests are bound to them as to a real install.
            slack_app_id=base.slack_app_id or APP_ID,
            slack_team_id=base.slack_team_id or TEAM_ID,
        )
        if self.arm is not None:
            # The console's own estate changes in jumps no TTL follows (a /watch is five minutes;
            # tests edit it between commands): no reads shared between requests here. The
            # sharing (bot.arm.shared) is measured by bench/status_realistic.py.
            self.settings = dataclasses.replace(self.settings, arm_cache_ttl_s=0.0)
        if not self.settings.troubleshoot_storage_id and estate is not None:
            # VPN troubleshoot needs a storage account: the estate's first, as an operator
            # would set VPNOPS_TROUBLESHOOT_STORAGE_ID/_PATH.
            storage_id, storage_path = _troubleshoot_storage(estate)
            self.settings = dataclasses.replace(
                self.settings, troubleshoot_storage_id=storage_id, troubleshoot_storage_path=storage_path
            )
        self.settings = replace_warnings(self.settings)
        self.settings.register_secrets()
        self.deps = Deps.from_settings(self.settings)
        self.dispatcher = ThreadPoolDispatcher(lambda job: run_job(job, self.deps), max_workers=workers)
        self.deps.requeue = self.dispatcher.submit
        from bot.slack.app import create_app

        self.app = create_app(self.settings, self.dispatcher)
        self.user = ""
        self.switch_user(user, quiet=True)
        self.slack.on_event(self._on_event)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self.dispatcher.wait_idle()
        self.dispatcher.shutdown()
        if self.arm is not None:
            if self.state_dir is not None:
                (self.state_dir / "estate.json").write_text(json.dumps(self.arm.dump(), indent=2), encoding="utf-8")
            self.arm.stop()
        self.slack.stop()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Console:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ for handlers
    def note(self, text: str) -> None:
        """A line from the console itself (not from the bot)."""
        with self._print_lock:
            if self.json_out:
                print(json.dumps({"note": text}, ensure_ascii=False), file=self.out, flush=True)
            else:
                print(f"  · {text}", file=self.out, flush=True)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every job has finished (and so printed its messages)."""
        return self.dispatcher.wait_idle(timeout)

    def post_http(self, body: bytes, headers: dict[str, str], query: str = "") -> tuple[int, dict[str, str], bytes]:
        """Send a request to the Bolt app as Slack would (it must be signed)."""
        return handle_http(self.app, body, headers, query)

    @property
    def store(self) -> Any:
        return self.deps.store_port()

    def user_label(self, user_id: str) -> str:
        return self.slack.user_name(user_id)

    def switch_user(self, who: str, quiet: bool = False) -> bool:
        who = who.strip().lstrip("@")
        if not who:
            self.note(f"You are {self.user_label(self.user)} ({self.user}). Usage: /as USER, e.g. /as bob")
            return False
        uid = next((u for u, (name, _) in self.slack.users.items() if name.lower() == who.lower()), "")
        if not uid and who.upper() in self.slack.users:
            uid = who.upper()
        if not uid:
            if not (who[:1] in "UW" and who[1:].replace("_", "").isalnum()):
                known = ", ".join(name for name, _ in self.slack.users.values())
                self.note(f"Unknown user {who!r}. Known users: {known}; or a Slack user id like U123ABC.")
                return False
            uid = who
            self.slack.add_user(uid, uid.lower())
        self.user = uid
        if not quiet:
            self.note(f"now acting as {self.user_label(uid)} ({uid})")
        return True

    def slash(self, text: str, command: str = "/vpn") -> None:
        """Run `/vpn text` as the current user, through the signed HTTP path."""
        body, headers, response_url = self.slack.command_request(text, self.user, self.channel, command)
        with self.dispatcher.hold():
            status, _, out = self.post_http(body, headers)
            if status != 200:
                self.note(f"the app answered HTTP {status}; Slack would show the user an error ({out[:200]!r})")
            else:
                ack = self.slack.deliver_ack(response_url, out)
                if ack is not None:
                    self._acks.add((ack.channel, ack.ts))
        self.wait()

    def click(self, action_id: str, value: str | None = None) -> bool:
        """Click the latest button `action_id` (with `value`) visible to the current user."""
        msg = self.slack.find_button(action_id, value, user=self.user)
        if msg is None:
            return False
        body, headers = self.slack.click_request(msg, action_id, self.user, value)
        with self.dispatcher.hold():
            status, _, out = self.post_http(body, headers)
        if status != 200:
            self.note(f"the app answered HTTP {status} to the click ({out[:200]!r})")
        self.wait()
        return True

    # ------------------------------------------------------------------ input
    def run(self, lines: Iterable[str], interactive: bool = False) -> int:
        for raw in lines:
            self.run_line(raw, interactive=interactive)
        self.wait()
        return 0

    def run_line(self, raw: str, interactive: bool = False) -> None:
        line = raw.strip()
        if not line or line.startswith("#"):
            return
        if self.echo and not interactive:
            with self._print_lock:
                if self.json_out:
                    print(json.dumps({"input": line, "user": self.user}), file=self.out, flush=True)
                else:
                    print(f"\n{self.user_label(self.user)}> {line}", file=self.out, flush=True)
        if not line.startswith("/"):
            self.note("Lines start with a command: /vpn …, /as USER, /approve N … (/help lists them).")
            return
        word, _, rest = line[1:].partition(" ")
        cmd = self.commands.get(word.lower())
        if cmd is None:
            names = ", ".join(c.usage for c in self.commands.values())
            self.note(f"Unknown console command /{word}. Try: {names}")
            return
        cmd.fn(self, rest.strip())

    # ------------------------------------------------------------------ output
    def _number(self, channel: str, ts: str) -> int:
        key = (channel, ts)
        if key not in self._numbers:
            self._numbers[key] = len(self._numbers) + 1
        return self._numbers[key]

    def _on_event(self, ev: Any) -> None:
        m = ev.message
        with self._print_lock:
            if self.json_out:
                self._print_json(ev)
                return
            n = self._number(m.channel, m.ts)
            where = f"#{self.slack.channel_name(m.channel)}"
            who = "vpnops" if m.user == BOT_USER else self.user_label(m.user)
            if ev.kind == "delete":
                if (m.channel, m.ts) not in self._acks:
                    print(f"[{n}] ✕ {who} deleted a message in {where}", file=self.out, flush=True)
                return
            if ev.kind == "file" and (ev.file or {}).get("bytes"):
                f = ev.file or {}
                print(
                    f"[{n}] 📎 {who} → {where}{self._thread_label(m)}: {f.get('name', 'file')} "
                    f"({str(f.get('filetype', 'binary')).upper()} image, {int(f.get('size', 0)):,} bytes) — "
                    f"{f.get('title', '')}",
                    file=self.out,
                    flush=True,
                )
                return
            if ev.kind == "file":
                f = ev.file or {}
                content = str(f.get("content", ""))
                print(
                    f"[{n}] 📎 {who} → {where}{self._thread_label(m)}: {f.get('name', 'file')} "
                    f"({len(content.splitlines())} lines) — {f.get('title', '')}",
                    file=self.out,
                )
                print(_indent(content.rstrip("\n")), file=self.out, flush=True)
                return
            if ev.kind == "update":
                head = f"[{n}] ↻ {who} updated its message in {where}"
            elif m.ephemeral_to:
                head = f"[{n}] {who} → only {self.user_label(m.ephemeral_to)} sees this, in {where}"
            else:
                head = f"[{n}] {who} → {where}"
            head += self._thread_label(m)
            body = blocks_to_text(m.blocks, m.text, button_hint=button_hint, users=self.user_label)
            print(head, file=self.out)
            print(_indent(body), file=self.out, flush=True)

    def _thread_label(self, m: Any) -> str:
        if m.thread_ts and m.thread_ts != m.ts:
            return f" (thread of [{self._number(m.channel, m.thread_ts)}])"
        return ""

    def _print_json(self, ev: Any) -> None:
        m = ev.message
        doc: dict[str, Any] = {
            "event": ev.kind,
            "channel": m.channel,
            "ts": m.ts,
            "thread_ts": m.thread_ts,
            "ephemeral_to": m.ephemeral_to,
            "text": m.text,
            "blocks": m.blocks,
        }
        if ev.file:
            doc["file"] = {k: v for k, v in ev.file.items() if k != "bytes"}  # an image's bytes are not JSON
        print(json.dumps(doc, ensure_ascii=False), file=self.out, flush=True)


def _troubleshoot_storage(estate: dict[str, Any]) -> tuple[str, str]:
    """VPN troubleshoot's storage settings (id, container URL) from the estate's first storage
    account; ("", "") when it has none (the command then says what to set)."""
    for r in estate.get("resources") or ():
        if str(r.get("type", "")).lower() == "microsoft.storage/storageaccounts":
            name = str(r.get("name"))
            return str(r.get("id")), f"https://{name}.blob.core.windows.net/vpn-troubleshoot"
    return "", ""


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.split("\n"))


# ---------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    from sandbox.arm_emulator import add_fidelity_options

    ap = argparse.ArgumentParser(
        prog="python -m bot console",
        description="The bot against the sandbox (emulated Azure estate + emulated Slack), from stdin.",
    )
    ap.add_argument("--estate", type=Path, default=None, help=f"estate JSON file (default: {SEED_ESTATE.name})")
    add_fidelity_options(ap, all_options=False)
    ap.add_argument(
        "--arm-url",
        default="",
        help="use this ARM endpoint on loopback (another emulator, a recorded service) instead of the built-in "
        "emulator, with the sandbox's static credential; excludes --estate and --lro-headers",
    )
    ap.add_argument("--as", dest="user", default=DEFAULT_USER, help="start as this user (default: alice)")
    ap.add_argument("--json", action="store_true", help="print Block Kit JSON instead of text")
    ap.add_argument(
        "--state",
        type=Path,
        default=None,
        help="keep the estate and the store in DIR between runs (with --arm-url: the store only)",
    )
    ap.add_argument("--verbose", action="store_true", help="the bot's JSON logs on stderr at INFO")
    ap.add_argument(
        "--faults",
        type=Path,
        default=None,
        help="a JSON list of ARM emulator faults, added to the estate's own "
        '(e.g. [{"kind": "lost_answer", "method": "PUT", "path": "virtualNetworkPeerings/peer-a$"}]; '
        "see sandbox/README.md)",
    )
    args = ap.parse_args(argv)

    from bot.logging import configure

    # force: importing the bot already configured logging with the defaults (INFO).
    configure("INFO" if args.verbose else "WARNING", stream=sys.stderr, force=True)
    try:
        base = Settings.from_env()
        arm_url = _arm_url(args)
    except (SettingsError, ValueError) as exc:
        print(f"console: {exc}", file=sys.stderr)
        return 2
    from bot.__main__ import start_problems

    if start_problems(dataclasses.replace(base, warnings=()), "console"):
        return 2
    where = arm_url
    estate: dict[str, Any] | None = None
    fidelity: Fidelity | None = None
    if not arm_url:
        loaded = _estate(args)
        if loaded is None:
            return 2
        estate, fidelity, where = loaded
        if args.faults is not None:
            try:
                estate["faults"] = [*(estate.get("faults") or []), *load_faults(args.faults)]
            except (OSError, ValueError) as exc:
                print(f"console: --faults {args.faults}: {exc}", file=sys.stderr)
                return 2
    interactive = sys.stdin.isatty()
    console = Console(
        estate, fidelity=fidelity, arm_url=arm_url, json_out=args.json, state_dir=args.state, base_settings=base
    )
    if not console.switch_user(args.user, quiet=True):
        console.close()
        return 2
    try:
        if interactive:
            console.note(f"Azure: {where}; you are {console.user_label(console.user)}. /help lists commands.")
            return console.run(_prompt_lines(console), interactive=True)
        return console.run(sys.stdin)
    except KeyboardInterrupt:
        return 130
    finally:
        console.close()


def load_faults(path: Path) -> list[dict[str, Any]]:
    """The faults of a `--faults` file: a JSON list of the emulator's fault objects (as in an
    estate's "faults"), each checked. ValueError says which one is wrong and why."""
    from sandbox.arm.faults import Fault

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, list):
        raise ValueError(
            'expected a JSON list of faults, e.g. [{"kind": "lost_answer", "method": "PUT", '
            '"path": "virtualNetworkPeerings/peer-a$"}]'
        )
    for i, f in enumerate(data, 1):
        if not isinstance(f, dict):
            raise ValueError(f"fault {i} is not an object: {f!r}")
        try:
            Fault.from_json(f)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"fault {i}: {exc}") from None
    return data


def _arm_url(args: argparse.Namespace) -> str:
    """--arm-url, checked: loopback only (it gets the sandbox's static credential), and not
    with the options that choose what the built-in emulator serves. "" without it."""
    from bot.arm.credentials import check_arm_url, is_loopback_host

    url = str(args.arm_url or "").strip()
    if not url:
        return ""
    given = [f"--{name.replace('_', '-')}" for name in EMULATOR_OPTIONS if getattr(args, name, None) is not None]
    if given:
        what = "it chooses" if len(given) == 1 else "they choose"
        raise ValueError(
            f"--arm-url uses another ARM endpoint, so {' and '.join(given)} ({what} what the built-in emulator "
            "serves) cannot go with it. Give one or the other, e.g. --arm-url http://127.0.0.1:8444 "
            "(start one with: python -m bot emulator --port 8444)"
        )
    checked = check_arm_url(url, "--arm-url")
    from urllib.parse import urlsplit

    host = urlsplit(checked).hostname
    if not is_loopback_host(host):
        raise ValueError(
            f"--arm-url={url!r} is not on this machine: the console reads it with the sandbox's static credential, "
            "so it must be a loopback host (127.0.0.1, localhost, ::1). Example: --arm-url http://127.0.0.1:8444. "
            "For real Azure run `python -m bot serve` with Azure credentials instead."
        )
    return checked


def _estate(args: argparse.Namespace) -> tuple[dict[str, Any], Fidelity, str] | None:
    """The built-in emulator's estate (--state's saved one first) and how it answers."""
    from sandbox.arm_emulator import fidelity_from_args
    from sandbox.estate import load_estate

    estate_path = args.estate or SEED_ESTATE
    if args.state is not None and (args.state / "estate.json").exists():
        estate_path = args.state / "estate.json"
    try:
        estate = load_estate(estate_path)
        fidelity = fidelity_from_args(estate, args)
    except (OSError, ValueError) as exc:
        print(f"console: cannot load estate {estate_path}: {exc}", file=sys.stderr)
        return None
    return estate, fidelity, f"estate {estate_path}"


def _prompt_lines(console: Console) -> Iterable[str]:
    while True:
        try:
            yield input(f"{console.user_label(console.user)}> ")
        except EOFError:
            print(file=console.out)
            return
