"""The whole bot on loopback, driven as Slack drives it, with a stopwatch on every answer.

`Rig` is `bot.console.app.Console` (signed Slack requests → Bolt → dispatcher → worker → the
real Azure SDK → the ARM emulator; answers → the real Slack Web API client → the Slack
emulator) with one change: its dispatcher records when each job finished, so a command
that never ends is seen as such (the console's own `wait()` would wait for it forever).

Shared by tests/reliability/ and bench/faults.py, bench/fuzz.py.
"""

from __future__ import annotations

import dataclasses
import io
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.console.app import Console
from bot.runtime.jobs import Job, ThreadPoolDispatcher
from bot.runtime.worker import build_ctx, run_job
from bot.settings import Settings
from bot.slack.app import create_app
from sandbox.arm_emulator import SEED_ESTATE
from sandbox.estate import load_estate
from sandbox.slack_emulator import BOT_USER, Event

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "C_VPNOPS"
ALICE, BOB, CAROL = "U_ALICE", "U_BOB", "U_CAROL"
PEERING_EUN = (
    "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups/rg-vpn-eun/providers/Microsoft.Network"
    "/virtualNetworks/vnet-eun/virtualNetworkPeerings/peer-eun-to-aue"
)
# What the worker says when something escaped every handler (bot/worker.py internal_error_reply).
INTERNAL_ERROR = "hit an internal error"
PROGRESS_PREFIX = "⏳"


@dataclass
class Answer:
    """What one slash command or click produced."""

    what: str
    jobs: list[Job] = field(default_factory=list)
    status: int = 0  # the HTTP status of Slack's request
    ack: str = ""  # the text of the HTTP ack (slash commands)
    finished: bool = False  # every job it started has ended
    elapsed_s: float = 0.0  # request sent → last job ended (or the timeout)
    events: list[Event] = field(default_factory=list)  # what the channel saw meanwhile

    @property
    def texts(self) -> list[str]:
        """Text of every message the bot posted or updated, progress lines left out."""
        out = []
        for ev in self.events:
            m = ev.message
            progress = m.text.lstrip().startswith(PROGRESS_PREFIX)
            if ev.kind in ("post", "update") and m.user == BOT_USER and m.text and not progress:
                out.append(m.text)
        return out

    @property
    def block_texts(self) -> list[str]:
        """Every mrkdwn/plain text string inside the Block Kit the bot posted or updated."""
        out: list[str] = []
        for ev in self.events:
            if ev.kind in ("post", "update") and ev.message.user == BOT_USER:
                out.extend(_strings(ev.message.blocks))
                out.append(ev.message.text)
        for ev in self.events:
            if ev.kind == "file" and ev.file:
                out.append(str(ev.file.get("content", "")))
        return out

    @property
    def internal_error(self) -> bool:
        return any(INTERNAL_ERROR in t for t in self.texts)

    @property
    def answered(self) -> bool:
        """Ended with a result, a partial result or a clear error — not an internal error,
        not only "working on it…"."""
        immediate = self.status == 200 and bool(self.ack) and not self.jobs
        return (immediate or (self.finished and bool(self.texts))) and not self.internal_error

    def text(self) -> str:
        return "\n".join(self.texts)


def _strings(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "text" and isinstance(v, str):
                yield v
            else:
                yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


class Rig:
    """The console's machinery with a per-job finish line. Use as a context manager."""

    def __init__(
        self,
        estate: dict[str, Any] | None = None,
        *,
        state_dir: Path | None = None,
        settings: Settings | None = None,
        workers: int = 8,
    ) -> None:
        self.console = Console(
            estate if estate is not None else load_estate(SEED_ESTATE),
            out=io.StringIO(),
            echo=False,
            state_dir=state_dir,
            base_settings=settings,
        )
        self._done: dict[str, float] = {}
        self._cond = threading.Condition()
        # Swap in a dispatcher that notes when each job ends; the app is rebuilt on it
        # exactly as the console builds its own.
        self.console.dispatcher.shutdown()
        self.console.dispatcher = ThreadPoolDispatcher(self._run, max_workers=workers)
        self.console.deps.requeue = self.console.dispatcher.submit
        self.console.app = create_app(self.console.settings, self.console.dispatcher)

    def _run(self, job: Job) -> None:
        try:
            run_job(job, self.console.deps)
        finally:
            with self._cond:
                self._done[job.id] = time.monotonic()
                self._cond.notify_all()

    # -------------------------------------------------------------- parts
    @property
    def slack(self) -> Any:
        return self.console.slack

    @property
    def arm(self) -> Any:
        return self.console.arm

    @property
    def app(self) -> Any:
        return self.console.app

    @property
    def dispatcher(self) -> ThreadPoolDispatcher:
        return self.console.dispatcher

    @property
    def store(self) -> Any:
        return self.console.store

    def close(self) -> None:
        self.console.close()

    def __enter__(self) -> Rig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- driving
    def _wait(self, jobs: list[Job], started: float, timeout_s: float) -> tuple[bool, float]:
        deadline = started + timeout_s
        with self._cond:
            while True:
                ends = [self._done.get(j.id) for j in jobs]
                if all(e is not None for e in ends):
                    last = max((e for e in ends if e is not None), default=time.monotonic())
                    return True, last - started
                left = deadline - time.monotonic()
                if left <= 0:
                    return False, timeout_s
                self._cond.wait(left)

    def _events_since(self, seq: int) -> list[Event]:
        return [e for e in self.slack.events if e.seq > seq]

    def _last_seq(self) -> int:
        evs = self.slack.events
        return evs[-1].seq if evs else 0

    def slash(self, text: str, user: str = ALICE, timeout_s: float = 90.0, channel: str = CHANNEL) -> Answer:
        """`/vpn text` as `user`, signed, through Bolt; waits for its jobs (at most timeout_s)."""
        body, headers, response_url = self.slack.command_request(text, user, channel)
        return self.deliver(f"/vpn {text}", body, headers, response_url, timeout_s)

    def deliver(
        self, what: str, body: bytes, headers: dict[str, str], response_url: str = "", timeout_s: float = 90.0
    ) -> Answer:
        """Send one request as Slack would; show the ack as Slack does; wait for the jobs."""
        seq = self._last_seq()
        before = len(self.dispatcher.submitted)
        started = time.monotonic()
        with self.dispatcher.hold():
            status, _, out = self.console.post_http(body, headers)
            if status == 200 and response_url:
                self.slack.deliver_ack(response_url, out)
        jobs = self.dispatcher.submitted[before:]
        finished, elapsed = self._wait(jobs, started, timeout_s)
        ans = Answer(what, jobs, status, out.decode("utf-8", "replace"), finished, elapsed)
        ans.events = self._events_since(seq)
        return ans

    def click(self, action_id: str, value: str, user: str, timeout_s: float = 90.0) -> Answer | None:
        """Click the latest button `action_id` with `value` that `user` can see (None: no such button)."""
        msg = self.slack.find_button(action_id, value, user=user)
        if msg is None:
            return None
        body, headers = self.slack.click_request(msg, action_id, user, value)
        return self.deliver(f"click {action_id} {value}", body, headers, "", timeout_s)

    def clicks(self, action_id: str, value: str, users: list[str], timeout_s: float = 90.0) -> list[int]:
        """Deliver one click per user all at once (threads released together); returns the
        HTTP statuses. Waits for every job they started."""
        msg = self.slack.find_button(action_id, value)
        if msg is None:
            raise LookupError(f"no button {action_id} {value}")
        requests = [self.slack.click_request(msg, action_id, u, value) for u in users]
        before = len(self.dispatcher.submitted)
        gate = threading.Barrier(len(requests))
        statuses = [0] * len(requests)

        def send(i: int) -> None:
            body, headers = requests[i]
            gate.wait()
            statuses[i] = self.console.post_http(body, headers)[0]

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self._wait(self.dispatcher.submitted[before:], time.monotonic(), timeout_s)
        return statuses

    def request_number(self, answer: Answer) -> str:
        """The number of the change request `answer` posted ("" when it posted none)."""
        for ev in answer.events:
            for b in ev.message.buttons():
                if b.get("action_id") == "approval_approve":
                    return str(b.get("value", ""))
        return ""

    def successful_writes(self, path_part: str = "/virtualNetworkPeerings/") -> int:
        """Peering PUTs the emulator answered with 2xx (each one is a write that landed)."""
        return sum(1 for r in self.arm.requests if r.method == "PUT" and path_part in r.path and 200 <= r.status < 300)

    def writes_landed(self, path_part: str = "/virtualNetworkPeerings/") -> int:
        """Peering PUTs that changed the estate: those answered 2xx, and those a `lost_answer`
        fault applied and then left unanswered (logged with status 0)."""
        lost = sum(f.hits for f in self.arm.faults.all() if f.kind == "lost_answer")
        return self.successful_writes(path_part) + lost

    def puts_sent(self, path_part: str = "/virtualNetworkPeerings/") -> int:
        """Peering PUTs that reached the emulator, whatever their answer."""
        return sum(1 for r in self.arm.requests if r.method == "PUT" and path_part in r.path)

    def sweep_at(self, ahead: timedelta) -> list[str]:
        """Run the timer's sweep now, as a worker whose clock reads `ahead` later (a lease
        that has run out, a request past its expiry)."""
        from commands.peering.sweep import sweep

        job = Job("command", "sweep", user="vpnops", channel=CHANNEL)
        ctx = build_ctx(job, self.console.deps, self.console.deps.messenger_for(job))
        real = ctx.now
        return sweep(dataclasses.replace(ctx, now=lambda: real() + ahead))
