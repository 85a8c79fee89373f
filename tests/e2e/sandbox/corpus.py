"""The scenario corpus (`sandbox/estates/scenarios/`) run through the whole bot, and scored.

For each estate: the console's machinery (`tests/reliability/harness.py` `Rig`: signed
Slack requests → Bolt → dispatcher → worker → the real Azure SDK → the ARM emulator;
answers → the real Slack Web API client → the Slack emulator), two watch cycles, then
every command on every resource of the estate (the protocol is in the corpus README).
What each command found is collected from structure, never from wording:

* the `Finding` parts of every `Reply` a command posted, in its first message and its
  thread, with the symptoms folded under each root cause (the job's messenger is tapped —
  the real one still posts);
* the checklist's items (a `Text` that starts with ✔ ✘ ❔ ℹ and a numbered title);
* the watch's incidents, from the alert messages the store keeps;
* whether a change request was filed (an Approve button in the answer).

`score()` compares that with the estate's `.expect.json`. Shared by
tests/e2e/sandbox/test_scenarios.py and bench/scenarios.py.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.runtime.jobs import Job
from bot.runtime.timer import run_watch
from bot.runtime.worker import Deps
from bot.slack.messenger import SlackMessenger
from commands.alerts.state import NS_MESSAGE
from commands.core.model import rid_key
from commands.core.port import Messenger
from commands.core.reply import Actions, Finding, Header, Inline, Reply, Text
from commands.core.text import Rich, Strong
from sandbox.arm import ids
from sandbox.estate import load_estate
from tests.reliability.harness import Rig

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "sandbox" / "estates" / "scenarios"
VOCABULARY: dict[str, dict[str, Any]] = json.loads((CORPUS / "vocabulary.json").read_text(encoding="utf-8"))["kinds"]
KINDS: list[str] = sorted(VOCABULARY, key=len, reverse=True)
DEFAULT_WATCH_AT_S = (-600, -300)

RANK = {"critical": 0, "warning": 1, "info": 2, "unknown": 2.5, "ok": 3}
PROBLEM = {"critical", "warning"}
FINE = {"info", "ok"}
# Keys about a change being asked for, not about the estate.
PLAN_KINDS = ("preflight_", "p2s_profile", "request_filed")

# The checklist's numbered items (commands/findings/dns/sql.py sql_checklist) and their kinds.
CHECKLIST_KINDS = {
    1: "pe_connection",
    2: "pe_dns_record",
    3: "pe_dns_links",
    4: "pe_dns_clients",
    5: "pe_route",
    6: "sql_name",
    7: "sql_policy",
    8: "sql_client",
}
CHECK_STATUS = {"✔": "ok", "✘": "critical", "❔": "unknown", "ℹ": "info"}
# The watch's incidents (commands/watch/judge.py) and the kinds of the findings behind them.
INCIDENT_KINDS = {"down": "down", "tunnel": "tunnel_down", "one_way": "one_way", "bgp": "bgp_peer"}
_NUMBERED = re.compile(r"^(\d+)\.\s")


def kind_of(key: str) -> str:
    """The longest vocabulary kind `key` starts with (followed by ':' or the end)."""
    k = key.lower()
    for kind in KINDS:
        if k == kind or k.startswith(kind + ":"):
            return kind
    return k.split(":", 1)[0]


def names_resource(key: str, resource: str) -> bool:
    """`key` contains the id `resource` followed by the end, ':', '|', '>' or '/' (a child)."""
    k, r = key.lower(), rid_key(resource)
    start = k.find(r)
    while start >= 0:
        end = start + len(r)
        if end == len(k) or k[end] in ":|>/":
            return True
        start = k.find(r, start + 1)
    return False


# --- what a command showed ---------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """One thing a command showed: its key (a finding's, or one the test derives from the
    answer's structure), its kind and its severity."""

    command: str
    key: str
    severity: str
    source: str = "finding"  # finding | checklist | watch | request

    @property
    def kind(self) -> str:
        return kind_of(self.key)

    @property
    def verdict(self) -> str:
        return "problem" if self.severity in PROBLEM else "fine" if self.severity in FINE else "unknown"


class _Tap:
    """A messenger that records every Reply on its way to the real one."""

    def __init__(self, inner: Messenger, sink: list[Reply]) -> None:
        self._inner = inner
        self._sink = sink
        self._lock = threading.Lock()

    def _keep(self, reply: Reply) -> None:
        with self._lock:
            self._sink.append(reply)

    def respond(self, reply: Reply) -> None:
        self._keep(reply)
        self._inner.respond(reply)

    def revise(self, reply: Reply, final: bool = True) -> None:
        self._keep(reply)
        self._inner.revise(reply, final)

    def progress(self, text: Inline) -> None:
        self._inner.progress(text)

    def post(self, channel: str, reply: Reply, thread: str | None = None) -> str:
        self._keep(reply)
        return self._inner.post(channel, reply, thread)

    def update(self, ref: str, reply: Reply) -> None:
        self._keep(reply)
        self._inner.update(ref, reply)

    def user_groups_members(self, group: str) -> set[str]:
        return self._inner.user_groups_members(group)


@dataclass
class TappedDeps(Deps):
    """The console's dependencies, each job's messenger tapped (replies by job id)."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)

    def messenger_for(self, job: Job) -> Messenger:
        sink = self.replies.setdefault(job.id, [])
        return _Tap(super().messenger_for(job), sink)


def checklist_items(reply: Reply, estate: Estate, command: str) -> list[Seen]:
    """The checklist's items as (kind, endpoint) with the verdict of its icon."""
    out: list[Seen] = []
    server = endpoint = ""
    for part in [*reply.parts, *reply.thread]:
        if isinstance(part, Header):
            bits = [b.strip() for b in part.text.split("·")]
            server = estate.id_of("Microsoft.Sql/servers", bits[0])
            endpoint = estate.id_of("Microsoft.Network/privateEndpoints", bits[1]) if len(bits) > 2 else ""
            continue
        if not isinstance(part, Text) or not isinstance(part.text, Rich) or not server:
            continue
        spans = list(part.text)
        if len(spans) < 2 or not isinstance(spans[0], str) or not isinstance(spans[1], Strong):
            continue
        icon = spans[0].strip()
        m = _NUMBERED.match(str(spans[1]))
        if icon not in CHECK_STATUS or m is None or int(m.group(1)) not in CHECKLIST_KINDS:
            continue
        kind = CHECKLIST_KINDS[int(m.group(1))]
        on = server if kind == "sql_policy" or not endpoint else endpoint
        out.append(Seen(command, f"{kind}:{rid_key(on)}", CHECK_STATUS[icon], "checklist"))
    return out


def seen_in(command: str, replies: Iterable[Reply], estate: Estate, target: str = "") -> list[Seen]:
    """What `command` showed in `replies`: findings, checklist items, a filed request."""
    out: list[Seen] = []
    for reply in replies:
        for part in [*reply.parts, *reply.thread]:
            if isinstance(part, Finding):
                # A root cause and the symptoms folded under it are all shown.
                out += [Seen(command, f.key, f.severity) for f in part.every() if f.key]
            if isinstance(part, Actions) and any(b.action_id == "approval_approve" for b in part.buttons):
                out.append(Seen(command, f"request_filed:{rid_key(target)}", "info", "request"))
        if command.startswith("checklist"):
            out += checklist_items(reply, estate, command)
    return out


# --- an estate -------------------------------------------------------------------------------


@dataclass
class Estate:
    """An estate file, read for what the protocol runs on."""

    doc: dict[str, Any]

    def of_type(self, rtype: str) -> list[dict[str, Any]]:
        return [r for r in self.doc["resources"] if _type_of(r).lower() == rtype.lower()]

    def id_of(self, rtype: str, name: str) -> str:
        for r in self.of_type(rtype):
            if r["name"].lower() == name.lower():
                return str(r["id"])
        return ""

    def commands(self) -> list[str]:
        """The protocol's command lines (without `/vpn`), in order."""
        cmds = ["status all"]
        cmds += [f"routes {g['name']}" for g in self.of_type("Microsoft.Network/virtualNetworkGateways")]
        cmds += [
            f"routes {n['name']}"
            for n in self.of_type("Microsoft.Network/networkInterfaces")
            if (n.get("properties") or {}).get("virtualMachine")
        ]
        cmds += [f"peering {v['name']}" for v in self.of_type("Microsoft.Network/virtualNetworks")]
        cmds += [
            f"checklist {s['properties']['fullyQualifiedDomainName']}" for s in self.of_type("Microsoft.Sql/servers")
        ]
        cmds.append("diagnose")
        return cmds

    def peering_named(self, line: str) -> str:
        """The id of the peering a `peering <vnet>/<peering> …` line names ("" if none)."""
        words = line.split()
        if len(words) < 2 or "/" not in words[1]:
            return ""
        vnet, _, name = words[1].partition("/")
        vid = self.id_of("Microsoft.Network/virtualNetworks", vnet)
        return f"{vid}/virtualNetworkPeerings/{name}" if vid else ""


@dataclass(frozen=True)
class Scenario:
    name: str
    estate_path: Path
    expect: dict[str, Any]

    @property
    def healthy(self) -> bool:
        return bool(self.expect["healthy"])

    @property
    def run_options(self) -> dict[str, Any]:
        return dict(self.expect.get("run") or {})


def scenarios() -> list[Scenario]:
    out = []
    for exp in sorted(CORPUS.glob("*.expect.json")):
        name = exp.name.removesuffix(".expect.json")
        out.append(Scenario(name, CORPUS / f"{name}.json", json.loads(exp.read_text(encoding="utf-8"))))
    return out


@dataclass
class Run:
    """What every command of one estate showed, and the watch's incidents."""

    scenario: Scenario
    seen: list[Seen] = field(default_factory=list)
    incidents: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, resource, detail)
    unanswered: list[str] = field(default_factory=list)  # commands that ended without an answer
    also: list[str] = field(default_factory=list)


def run(sc: Scenario, state_dir: Path | None = None) -> Run:
    """Run the protocol on `sc`'s estate through the whole bot; collect what it showed."""
    doc = load_estate(sc.estate_path)
    estate = Estate(doc)
    result = Run(sc, also=list(sc.run_options.get("also") or []))
    with Rig(doc, state_dir=state_dir) as rig:
        deps = TappedDeps(settings=rig.console.settings)
        rig.console.deps = deps
        _watch(rig, deps, sc, result)
        for line in [*estate.commands(), *result.also]:
            before = set(deps.replies)
            answer = rig.slash(line)
            if not answer.answered:
                result.unanswered.append(line)
            replies = [r for jid, rs in deps.replies.items() if jid not in before for r in rs]
            result.seen += seen_in(line, replies, estate, estate.peering_named(line))
    return result


def _watch(rig: Rig, deps: TappedDeps, sc: Scenario, result: Run) -> None:
    """The watch cycles at the scenario's times, counters grown after each; then the
    incidents it announced, from the alert messages the store keeps."""
    sink: list[Reply] = []
    messenger = _Tap(SlackMessenger(deps.slack()), sink)
    now = datetime.now(UTC)
    for offset in sc.run_options.get("watch_at_s") or DEFAULT_WATCH_AT_S:
        run_watch(deps, messenger=messenger, now=_clock(now + timedelta(seconds=float(offset))))
        rig.arm.advance_counters(1)
    store = deps.store_port()
    for rec in store.list_state(NS_MESSAGE):
        incident = rec.value.get("incident")
        if not isinstance(incident, list) or len(incident) != 3:
            continue
        _ns, resource, name = (str(x) for x in incident)
        base, _, detail = name.partition(":")
        kind = INCIDENT_KINDS.get(base, base)
        severity = str((rec.value.get("card") or {}).get("severity") or "warning")
        key = f"{kind}:{resource}" + (f":{detail}" if detail else "")
        result.incidents.append((kind, resource, detail))
        result.seen.append(Seen("watch", key, severity, "watch"))


def _clock(at: datetime) -> Callable[[], datetime]:
    """A watch cycle's clock: the time it pretends to run at."""
    return lambda: at


# --- scoring ---------------------------------------------------------------------------------


def _label_matches(label: str, wanted: str) -> bool:
    return label.lower() == wanted.lower() or label.split()[0].lower() == wanted.lower()


def matching(entry: dict[str, Any], seen: Sequence[Seen], command: str | None = None) -> list[Seen]:
    """What in `seen` (of `command`, when given) matches an expectation entry."""
    limit = RANK[entry["severity"]] if entry.get("severity") else None
    detail = str(entry.get("detail") or "").lower()
    out = []
    for s in seen:
        if command is not None and not _label_matches(s.command, command):
            continue
        if s.kind != entry["kind"] or not names_resource(s.key, entry["resource"]):
            continue
        if detail and detail not in s.key.lower():
            continue
        if limit is not None and RANK.get(s.severity, 9) > limit:
            continue
        out.append(s)
    return out


def present(entry: dict[str, Any], seen: Sequence[Seen]) -> bool:
    """A `must` entry: shown by each of its commands (by any command when it names none)."""
    commands = entry.get("commands") or [None]
    return all(matching(entry, seen, c) for c in commands)


def hit(entry: dict[str, Any], seen: Sequence[Seen]) -> list[Seen]:
    """A `must_not` entry: what any of its commands (any command) shows that it forbids."""
    commands = entry.get("commands") or [None]
    return [s for c in commands for s in matching(entry, seen, c)]


@dataclass
class Score:
    name: str
    expected: int = 0
    found: int = 0
    false_alarms: list[str] = field(default_factory=list)
    contradictions: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.found == self.expected and not self.false_alarms and not self.contradictions and not self.unanswered

    def explain(self) -> str:
        lines = [f"{self.name}: found {self.found} of {self.expected}"]
        lines += [f"  missing: {m}" for m in self.missing]
        lines += [f"  false alarm: {f}" for f in self.false_alarms]
        lines += [f"  contradiction: {c}" for c in self.contradictions]
        lines += [f"  no answer: {u}" for u in self.unanswered]
        return "\n".join(lines)


def score(r: Run) -> Score:
    exp = r.scenario.expect
    sc = Score(r.scenario.name, expected=len(exp["must"]), unanswered=list(r.unanswered))
    for entry in exp["must"]:
        if present(entry, r.seen):
            sc.found += 1
        else:
            sc.missing.append(_entry(entry))
    counted: set[str] = set()  # keys already counted as a false alarm (by a must_not entry)
    for entry in exp["must_not"]:
        shown = hit(entry, r.seen)
        if shown:
            counted |= {s.key for s in shown}
            sc.false_alarms.append(f"{_entry(entry)} — shown by {sorted({s.command for s in shown})}")
    reading = [s for s in r.seen if s.command not in r.also]
    if r.scenario.healthy:
        problems = sorted({s.key for s in reading if s.verdict == "problem"} - counted)
        for key in problems:
            by = sorted({s.command for s in reading if s.key == key and s.verdict == "problem"})
            sc.false_alarms.append(f"{key} on a healthy estate — shown by {by}")
    for entry in exp.get("incidents") or []:
        wanted = {rid_key(x) for x in entry["resources"]}
        n = sum(1 for _k, res, _d in r.incidents if rid_key(res) in wanted)
        if n > int(entry["at_most"]):
            sc.false_alarms.append(
                f"{n} watch incidents on {sorted(wanted)} (at most {entry['at_most']}): {entry['why']}"
            )
    sc.contradictions = contradictions(r)
    return sc


def contradictions(r: Run) -> list[str]:
    """Keys a command calls a problem and another fine; problems diagnose does not show;
    watch incidents status does not flag."""
    out: list[str] = []
    by_key: dict[str, list[Seen]] = {}
    for s in r.seen:
        if s.source != "watch":
            by_key.setdefault(s.key, []).append(s)
    diagnosed = {s.key for s in r.seen if s.command == "diagnose"}
    for key, items in sorted(by_key.items()):
        problem = sorted({s.command for s in items if s.verdict == "problem"})
        fine = sorted({s.command for s in items if s.verdict == "fine"})
        if problem and fine:
            out.append(f"{key}: a problem in {problem}, fine in {fine}")
        elif problem and key not in diagnosed and not kind_of(key).startswith(PLAN_KINDS):
            out.append(f"{key}: a problem in {problem}, not in diagnose")
    status = [s for s in r.seen if s.command == "status all" and s.verdict == "problem"]
    for kind, resource, detail in r.incidents:
        if not any(s.kind == kind and names_resource(s.key, resource) and detail in s.key for s in status):
            out.append(f"watch incident {kind} on {resource}{' ' + detail if detail else ''}: not in status all")
    return out


def _entry(entry: dict[str, Any]) -> str:
    bits = [entry["kind"], entry["resource"].rsplit("/", 1)[-1]]
    if entry.get("detail"):
        bits.append(entry["detail"])
    if entry.get("commands"):
        bits.append(f"in {entry['commands']}")
    if entry.get("severity"):
        bits.append(f"≥ {entry['severity']}")
    return " ".join(bits)


@dataclass
class Totals:
    estates: int = 0
    expected: int = 0
    found: int = 0
    false_alarms: int = 0
    contradictions: int = 0

    def add(self, s: Score) -> None:
        self.estates += 1
        self.expected += s.expected
        self.found += s.found
        self.false_alarms += len(s.false_alarms)
        self.contradictions += len(s.contradictions)

    def line(self) -> str:
        return (
            f"scenarios estates={self.estates} expected={self.expected} found={self.found} "
            f"false_alarms={self.false_alarms} contradictions={self.contradictions}"
        )


def _type_of(resource: dict[str, Any]) -> str:
    """A resource's type: as the document says, else from its id (Azure's list answers carry
    no `type` on some child resources, zone groups among them; the emulator reads the id)."""
    parsed = ids.parse(str(resource.get("id", "")))
    return str(resource.get("type") or (parsed.resource_type if parsed else ""))
