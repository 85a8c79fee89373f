"""What a fuzz case is and how it is judged; shared by tests/reliability/commands/test_fuzz.py
(hypothesis) and bench/fuzz.py (a long seeded campaign).

A case is the text after `/vpn`. `check(text, world)` runs it the way the worker does,
in-process and fast: `commands.core.parse.parse` (what the ack side does), then the command's
own function with its arguments against an in-memory estate (tests/fakes.py FakeAzure, a
real SQLite store), then renders whatever it answered to Block Kit
(`bot.slack.render.render`, which validates Slack's limits). It returns the problems:

* an exception other than UsageError / AzureFailure anywhere (an *unhandled* case);
* a usage error that does not name the problem: an empty or generic message, or neither
  a hint nor an example of what would be right;
* an "Unknown command" answer that does not show what was typed.

`random_text(rng)` makes texts from a grammar of what people (and Slack) actually send:
command words and typos, estate names, regions, flags, on/off, `reason:`, IPs, prefixes,
resource ids (some with `..`, `%2e`, `?`, `#`), Slack's escaping (`&lt;`, `<http://x|x>`,
`<@U1|bob>`, `<!channel>`), typographic quotes, non-breaking and zero-width spaces,
right-to-left marks, emoji, control characters, pasted VPN client logs, very long words.
"""

from __future__ import annotations

import dataclasses
import random
import re
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.slack.inbound import from_slack
from bot.slack.mrkdwn import mrkdwn
from bot.slack.render import render
from bot.store.sqlite import SqliteStore
from commands.catalog import REGISTRY
from commands.core.errors import AzureFailure, UsageError
from commands.core.parse import parse
from commands.core.registry import Ctx
from commands.core.reply import Reply, Text
from commands.help import unknown_command
from tests.fakes import RecordingMessenger
from tests.unit.commands.peering.peering_estate import estate, make_ctx

GENERIC = {"error", "invalid", "invalid input", "bad input", "failed", "usage error"}

WORDS = [
    "status", "routes", "route", "peering", "peerings", "peer", "checklist", "diagnose", "requests",
    "approvals", "audit", "help", "alerts", "stauts", "rouets", "peeing", "chekclist", "STATUS", "Status",
    "vpn", "/vpn", "h", "?", "--help", "-h",
]  # fmt: skip
NAMES = [
    "vn-hub", "vn-far", "vn-spoke", "vn-half", "gw-hub", "gw-far", "hub-to-far", "far-to-hub", "vnet-eun",
    "vnet-aue", "vgw-eun", "vm-aue", "nic-vm-aue", "sql-eun", "sql-eun.database.windows.net",
    "sql-aue.privatelink.database.windows.net", "tcp:sql-eun.database.windows.net,1433", "vn-hub/hub-to-far",
    "vn-hub/", "/hub-to-far", "vn-hub/hub-to-far/x", "../../x/y", "..", ".", "vn-hub/..", "%2e%2e/%2e%2e",
    "vn-hub?api-version=1", "vn-hub#frag", "vn hub", "a" * 300, "ｖｎ－ｈｕｂ", "vn-hub\u200b", "vn\u0000hub",
]  # fmt: skip
REGIONS = [
    "australia", "europe", "north europe", "northeurope", "australiaeast", "aue", "eun", "all", "*", "everywhere",
    "west", "asia", "us", "japan east", "nowhere", "mars",
]  # fmt: skip
FLAGS = [
    "gateway-transit", "remote-gateways", "forwarded-traffic", "vnet-access", "allowGatewayTransit",
    "useRemoteGateways", "allowforwardedtraffic", "transit", "flag", "",
]  # fmt: skip
VALUES = ["on", "off", "true", "false", "yes", "no", "ON", "1", "0", "enable", "maybe", ""]
ADDRESSES = [
    "10.1.1.4", "10.0.0.0/16", "172.16.10.0/25", "0.0.0.0/0", "::1", "fe80::/10", "10.1.1.4/33", "999.1.1.1",
    "10.1.1", "10.1.1.4/", "1.2.3.4.5", "10.0.0.0/8 10.1.0.0/16",
]  # fmt: skip
IDS = [
    "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vn-hub",
    "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vn-hub/virtualNetworkPeerings/hub-to-far",
    "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vn-hub/virtualNetworkPeerings/../../x",
    "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/%2e%2e/virtualNetworkPeerings/p",
    "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Sql/servers/sql-eun",
    "/subscriptions/", "/subscriptions//resourceGroups//providers/", "/subscriptions/x/y/z",
]  # fmt: skip
SLACKISMS = [
    "&lt;", "&gt;", "&amp;", "<http://sql-eun.database.windows.net|sql-eun.database.windows.net>",
    "<mailto:a@b.c|a@b.c>", "<@U123|bob>", "<@U123>", "<#C123|ops>", "<!channel>", "<!here|here>",
    "<!subteam^S1|@ops>", "“quoted”", "‘single’", "\u00a0", "\u200b", "\u202e", "`", "```", "*bold*", "_x_",
    "~s~", "<", ">", "|", "\\", "'", '"', "\t", "\n", "\r\n",
]  # fmt: skip
ODD = ["🙂", "🇦🇺", "é", "e\u0301", "ß", "İ", "ǅ", "\u0000", "\u0007", "\ufeff", "\ud7ff", "𝔳𝔫𝔢𝔱", "中文", "עברית"]
LOG = (
    "[3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{x}] [Verbose] Received option: route "
    "10.0.0.0 255.255.0.0\n[3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{x}] [Verbose] "
    "Assigned IP address: 172.16.10.2 / 255.255.255.128\n"
)
_VALID = ["status", "routes", "peering", "checklist", "diagnose", "requests", "audit", "alerts", "help"]
POOLS = [WORDS, NAMES, REGIONS, FLAGS, VALUES, ADDRESSES, IDS, SLACKISMS, ODD]


def _scalar(rng: random.Random) -> str:
    c = rng.randrange(0x110000 - 0x800)
    return chr(c + 0x800 if c >= 0xD800 else c)


def random_text(rng: random.Random) -> str:
    """One `/vpn` text: mostly command-shaped, sometimes noise."""
    roll = rng.random()
    if roll < 0.05:  # raw noise: any code point UTF-8 can carry (Slack sends UTF-8, so no lone surrogate)
        return "".join(_scalar(rng) for _ in range(rng.randrange(0, 40)))
    if roll < 0.10:  # a pasted VPN client log, maybe damaged
        log = LOG * rng.randrange(1, 4)
        if rng.random() < 0.5:
            i = rng.randrange(len(log))
            log = log[:i] + rng.choice(SLACKISMS + ODD + ["", "::::", "255.255.255.255"]) + log[i + 1 :]
        return rng.choice(["routes log ", "routes ", "routes log:", ""]) + log
    words = [rng.choice(_VALID if rng.random() < 0.75 else WORDS)]
    shape = rng.randrange(6)
    if shape == 0:
        words += [rng.choice(REGIONS + NAMES)]
    elif shape == 1:
        words += [rng.choice(NAMES + IDS), rng.choice(FLAGS), rng.choice(VALUES)]
        if rng.random() < 0.5:
            words += [rng.choice(["reason:", "reason", "because", "REASON:"]), rng.choice(NAMES + SLACKISMS + ODD)]
    elif shape == 2:
        words += [rng.choice(NAMES), *rng.sample(ADDRESSES, rng.randrange(0, 3))]
    else:
        for _ in range(rng.randrange(0, 6)):
            words.append(rng.choice(rng.choice(POOLS)))
    text = " ".join(words)
    for _ in range(rng.randrange(0, 3)):  # splice some Slack escaping or odd characters in
        i = rng.randrange(len(text) + 1)
        text = text[:i] + rng.choice(SLACKISMS + ODD) + text[i:]
    if rng.random() < 0.02:
        text += " " + "x" * rng.randrange(1000, 5000)
    return text


@dataclass
class World:
    """The in-memory estate and store the commands run against (one per process/test)."""

    store: SqliteStore
    messenger: RecordingMessenger = field(default_factory=RecordingMessenger)
    _dir: Any = None

    @classmethod
    def create(cls) -> World:
        d = tempfile.TemporaryDirectory(prefix="vpnops-fuzz-")
        return cls(SqliteStore(Path(d.name) / "fuzz.sqlite"), _dir=d)

    def ctx(self, user: str = "U_ALICE") -> Ctx:
        self.messenger = RecordingMessenger()
        return dataclasses.replace(make_ctx(estate(), self.store, user=user, out=self.messenger), registry=REGISTRY)

    def close(self) -> None:
        self.store.close()
        if self._dir is not None:
            self._dir.cleanup()


# Words of an instruction: a one-line error may carry what would be right in itself
# ("The reason is 612 characters long; keep it under 500.").
_DIRECTIVE = re.compile(r"\b(keep|use|give|say|add|write|put|name|try|run|type|ask|choose|pick)\b", re.IGNORECASE)


def _usage_problem(exc: UsageError) -> str:
    msg = str(exc.message or "").strip()
    if len(msg) < 8 or msg.lower().strip(".!: ") in GENERIC:
        return f"usage error does not name the problem: {msg!r}"
    if not (exc.hint or exc.example or _DIRECTIVE.search(msg)):
        return f"usage error says neither what would be right nor an example: {msg!r}"
    return ""


def _render(reply: Reply | None) -> str:
    """Render to Block Kit (Slack's limits are checked there); the problem of an error
    answer that does not say what was wrong and what would be right, else ""."""
    if reply is None:
        return ""
    render(reply)
    first = reply.parts[0] if reply.parts else None
    if isinstance(first, Text) and mrkdwn(first.text).startswith(":warning:"):
        what = str(reply.fallback).strip()
        if len(what) < 8 or what.lower().strip(".!: ") in GENERIC:
            return f"error answer does not name the problem: {what!r}"
        if len(reply.parts) < 2 and not _DIRECTIVE.search(what):
            return f"error answer says neither what would be right nor an example: {what!r}"
    return ""


def check(text: str, world: World, run_command: bool = True) -> list[str]:
    """The problems of one case ([] = handled well)."""
    problems: list[str] = []
    try:
        parsed = parse(REGISTRY, from_slack(text))
    except Exception:
        return ["unhandled in parse: " + traceback.format_exc(limit=-3)]
    if not parsed.command:
        error = unknown_command(REGISTRY, parsed.word, parsed.suggestion)
        shown = parsed.word if len(parsed.word) <= 40 else parsed.word[:39]
        if shown.strip() and shown not in str(error.fallback):
            problems.append(f"unknown-command answer does not show what was typed: {error.fallback!r}")
        try:
            render(error)
        except Exception:
            problems.append("unhandled rendering the unknown-command answer: " + traceback.format_exc(limit=-3))
        return problems
    if not run_command:
        return problems
    cmd = REGISTRY.command(parsed.command) if parsed.command else None
    if cmd is None:
        return problems
    ctx = world.ctx()
    try:
        reply = cmd.fn(ctx, parsed.args)
        m = world.messenger
        for r in [reply, *m.responses, *(p[1] for p in m.posts), *(u[1] for u in m.updates)]:
            p = _render(r)
            if p:
                problems.append(f"{parsed.command}: {p}")
    except UsageError as exc:
        p = _usage_problem(exc)
        if p:
            problems.append(f"{parsed.command}: {p}")
    except AzureFailure:
        pass  # the worker answers it with AzureFailure.advice
    except Exception:
        problems.append(f"unhandled in {parsed.command}: " + traceback.format_exc(limit=-4))
    return problems


def check_shortcut(text: str, world: World) -> list[str]:
    """A message pasted into the "Check VPN client log" shortcut."""
    problems: list[str] = []
    for sc in REGISTRY.shortcuts:
        callback, fn = sc.callback_id, sc.fn
        try:
            p = _render(fn(world.ctx(), text))
            if p:
                problems.append(f"shortcut {callback}: {p}")
        except UsageError as exc:
            p = _usage_problem(exc)
            if p:
                problems.append(f"shortcut {callback}: {p}")
        except AzureFailure:
            pass
        except Exception:
            problems.append(f"unhandled in shortcut {callback}: " + traceback.format_exc(limit=-4))
    return problems
