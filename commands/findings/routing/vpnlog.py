"""Reading an Azure VPN client log (`AzureVpnCxn.log`) pasted into Slack.

The Azure VPN client (OpenVPN protocol) logs what the gateway pushed to it, one record per
line, e.g.::

    [3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Received option: route 10.0.0.0 255.255.0.0
    [3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Assigned Route: 10.1.0.0 / 255.255.0.0
    [3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Assigned IP address: 172.16.10.2 / 255.255.255.128

What arrives here is what a person pasted (Slack's own escaping and link wrapping are
undone before the text reaches the domain): text escaped already by where it was copied
from, smart quotes, odd spaces, code fences and quote markers typed around it, long lines
wrapped in two or newlines collapsed, other timestamp formats, IPv6, chat text around the
log. The parser reads what it can and reports the records it recognised but could not
read, never guessing values.
"""

from __future__ import annotations

import html
import ipaddress
import re
from dataclasses import dataclass, field

from commands.findings.routing.logmessage import KEYWORDS, STRONG, Message, read_message


@dataclass(frozen=True)
class LogRoute:
    """One route the client says it received."""

    prefix: str  # normalised, e.g. "10.0.0.0/16"
    line: int  # 1-based line number in the pasted text
    how: str  # "Received option: route", "Assigned Route", "PUSH_REPLY route", …


@dataclass(frozen=True)
class VpnClientLog:
    """What could be read from a pasted log."""

    profiles: tuple[str, ...] = ()  # connection/profile names in brackets, e.g. ("hub-eun",)
    routes: tuple[LogRoute, ...] = ()  # first occurrence of each prefix, in order
    assigned_ip: str = ""  # "172.16.10.2"
    assigned_prefix: str = ""  # the interface subnet, "172.16.10.0/25"
    assigned_prefixlen: int | None = None
    assigned_ipv6: str = ""
    route_gateway: str = ""
    dns_servers: tuple[str, ...] = ()
    dns_suffixes: tuple[str, ...] = ()
    established: bool = False
    disconnected: bool = False  # a disconnect / teardown was logged after the last establish
    errors: tuple[tuple[int, str], ...] = ()  # [Error] records (line, message), first few
    unreadable: tuple[tuple[int, str], ...] = ()  # recognised but malformed (line, text)
    records: int = 0  # log records recognised (timestamped lines or known messages)
    ignored: int = 0  # records that carry nothing we use ("Connecting…", "Status…")
    first_time: str = ""
    last_time: str = ""

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(r.prefix for r in self.routes)

    @property
    def empty(self) -> bool:
        """True when nothing useful was read (no routes, no address, no session events)."""
        return not (self.routes or self.assigned_ip or self.assigned_ipv6 or self.established or self.unreadable)


# --- normalising what people and their clipboards do to the text ------------------------------

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u2215": "/",
    }
)


def _normalise(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Text copied from a web page, an export or an earlier message may be HTML-escaped, sometimes twice.
    for _ in range(2):
        text = html.unescape(text)
    text = text.translate(_QUOTES)
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        # quote markers ("> …") and code fences (``` alone or glued to the first/last line)
        line = re.sub(r"^(?:>\s?)+", "", line)
        line = line.replace("```", "").strip("`").strip()
        # A transport that collapsed the newlines leaves several records on one line.
        lines.extend(_unflatten(line) if line else [line])
    return lines


def _unflatten(line: str) -> list[str]:
    parts = _MIDLINE_TS.split(line)
    if len(parts) == 1 and not _START.match(line):
        parts = _MIDLINE_KEYWORD.split(line)
    return [p.strip() for p in parts if p.strip()]


# --- recognising records ---------------------------------------------------------------------

# A leading timestamp: "[3/23/2020 1:28:14 PM]", "[2020-03-23 13:28:14.123]", "[23.03.2020 13:28:14]",
# or the same without brackets, or ISO 8601 "2020-03-23T13:28:14Z".
_TS = r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}[ T,]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AP]\.?M\.?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT))?"
_START = re.compile(rf"^(?:\[\s*(?P<bts>{_TS})\s*\]|(?P<ts>{_TS}))", re.I)
_PREFIX_TOKEN = re.compile(
    r"^\s*(?:(?:PId|TId|Pid|Tid)\s*:\s*)?\[(?P<inner>[^\[\]]*)\]\s*|^\s*(?:PId|TId)\s*:\s*\S+\s*", re.I
)
_LEVELS = {"verbose", "info", "information", "warning", "warn", "error", "debug", "trace", "critical", "fatal"}
_GUIDISH = re.compile(r"^\{.*\}$|^[0-9a-f]{8}-[0-9a-f]{4}-", re.I)
_NUMERIC = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)$", re.I)

_MIDLINE_TS = re.compile(rf"\s+(?=\[\s*{_TS}\s*\])", re.I)
_MIDLINE_KEYWORD = re.compile(
    r"\s+(?=(?:Received\s+(?:option|control\s+message)|Assigned\s+(?:IPv6\s+)?Route|Assigned\s+IP|Session\s+established)\b)",
    re.I,
)
_PID = re.compile(r"\b[PT]Id\s*:\s*\[", re.I)
# A wrapped line's second half starts in the middle of a value.
_CONTINUATION = re.compile(r"^[0-9a-fA-F.:/]")


@dataclass
class _Record:
    line: int
    text: str  # the whole record text (prefix included), for messages
    message: str  # after the timestamp / PId / TId / bracket tokens
    time: str = ""
    profile: str = ""
    level: str = ""


def _split_prefix(line: str) -> tuple[str, str, str, str] | None:
    """(time, profile, level, message) when `line` starts like a log record, else None."""
    m = _START.match(line)
    time = ""
    rest = line
    if m:
        time = (m.group("bts") or m.group("ts") or "").strip()
        rest = line[m.end() :]
    profile = level = ""
    consumed = False
    while True:
        t = _PREFIX_TOKEN.match(rest)
        if not t:
            break
        consumed = True
        inner = (t.group("inner") or "").strip()
        rest = rest[t.end() :]
        if not inner or _GUIDISH.match(inner) or _NUMERIC.match(inner) or inner in ("{…}", "{...}"):
            continue
        if inner.lower() in _LEVELS:
            level = inner.lower()
        elif not profile and not inner.lower().startswith(("pid", "tid")):
            profile = inner
    if not m and not consumed:
        return None
    return time, profile, level, rest.strip()


def _is_keyword_line(text: str) -> bool:
    return any(k.search(text) for k in KEYWORDS)


# --- the parser ------------------------------------------------------------------------------


def looks_like_vpn_log(text: str) -> bool:
    """True when `text` holds at least one line the Azure VPN client would write."""
    for line in _normalise(text):
        if any(k.search(line) for k in STRONG):
            return True
        if _PID.search(line) and _is_keyword_line(line):
            return True
    return False


def parse_vpn_client_log(text: str, max_examples: int = 5) -> VpnClientLog:
    """Read every record of an Azure VPN client log that can be read.

    Wrapped lines are joined back when the first half alone is unreadable and the join reads.
    Text that is not part of the log (a question above the paste) is skipped silently.
    """
    records = _records(_normalise(text))
    reading = _Reading(max_examples)
    for rec in records:
        reading.add(rec)
    times = [r.time for r in records if r.time]
    return VpnClientLog(
        profiles=tuple(reading.profiles),
        routes=tuple(reading.routes.values()),
        assigned_ip=reading.assigned_ip,
        assigned_prefix=reading.assigned_prefix,
        assigned_prefixlen=reading.assigned_len,
        assigned_ipv6=reading.assigned_v6,
        route_gateway=reading.gateway,
        dns_servers=tuple(reading.dns),
        dns_suffixes=tuple(reading.suffixes),
        established=reading.established,
        disconnected=reading.disconnected,
        errors=tuple(reading.errors),
        unreadable=tuple(reading.unreadable),
        records=len(records),
        ignored=reading.ignored,
        first_time=times[0] if times else "",
        last_time=times[-1] if times else "",
    )


def _records(lines: list[str]) -> list[_Record]:
    """The log records among `lines` (1-based line numbers), wrapped lines joined back."""
    records: list[_Record] = []
    for i, line in enumerate(lines, start=1):
        if not line:
            continue
        parts = _split_prefix(line)
        if parts is not None:
            time, profile, level, msg = parts
            records.append(_Record(i, line, msg, time, profile, level))
        elif _is_keyword_line(line):
            records.append(_Record(i, line, line))
        elif records:
            _join_wrapped(records[-1], line)
    return records


def _join_wrapped(last: _Record, line: str) -> None:
    """`line` starts no record: maybe it is the second half of a wrapped line (Slack and
    terminals wrap long lines). Join it when the record reads better joined; otherwise it is
    chat text around the paste, not part of the log."""
    before = read_message(last.message)
    if not (before.bad or not before.used or _CONTINUATION.match(line)):
        return
    for joiner in ("", " "):
        joined = read_message(last.message + joiner + line)
        if joined.used and not joined.bad:
            last.message = last.message + joiner + line
            last.text = last.text + joiner + line
            return


@dataclass
class _Reading:
    """What the records said, in order: a later value replaces an earlier one (the last
    session counts), routes, DNS servers and suffixes are listed once each."""

    max_examples: int
    profiles: list[str] = field(default_factory=list)
    routes: dict[str, LogRoute] = field(default_factory=dict)
    assigned_ip: str = ""
    assigned_prefix: str = ""
    assigned_len: int | None = None
    assigned_v6: str = ""
    gateway: str = ""
    dns: list[str] = field(default_factory=list)
    suffixes: list[str] = field(default_factory=list)
    established: bool = False
    disconnected: bool = False
    errors: list[tuple[int, str]] = field(default_factory=list)
    unreadable: list[tuple[int, str]] = field(default_factory=list)
    ignored: int = 0

    def add(self, rec: _Record) -> None:
        if rec.profile and rec.profile not in self.profiles:
            self.profiles.append(rec.profile)
        parsed = read_message(rec.message)
        if parsed.bad:
            self.unreadable.append((rec.line, rec.text))
        if rec.level in ("error", "critical", "fatal") and len(self.errors) < self.max_examples:
            self.errors.append((rec.line, rec.message))
        if not parsed.used and not parsed.bad:
            self.ignored += 1
        self._take(rec.line, parsed)

    def _take(self, line: int, parsed: Message) -> None:
        for net, how in parsed.routes:
            self.routes.setdefault(str(net), LogRoute(str(net), line, how))
        if parsed.assigned:
            self.assigned_ip, self.assigned_len = parsed.assigned
            self.assigned_prefix = (
                str(ipaddress.ip_network(f"{self.assigned_ip}/{self.assigned_len}", strict=False))
                if self.assigned_len is not None
                else ""
            )
        self.assigned_v6 = parsed.assigned_v6 or self.assigned_v6
        self.gateway = parsed.route_gateway or self.gateway
        self.dns += [d for d in dict.fromkeys(parsed.dns) if d not in self.dns]
        self.suffixes += [x for x in dict.fromkeys(parsed.suffixes) if x not in self.suffixes]
        if parsed.established:
            self.established, self.disconnected = True, False
        if parsed.disconnected:
            self.disconnected = True
