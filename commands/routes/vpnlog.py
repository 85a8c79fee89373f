"""Reading an Azure VPN client log (`AzureVpnCxn.log`) pasted into Slack.

The Azure VPN client (OpenVPN protocol) logs what the gateway pushed to it, one record per
line, e.g.::

    [3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Received option: route 10.0.0.0 255.255.0.0
    [3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Assigned Route: 10.1.0.0 / 255.255.0.0
    [3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] Assigned IP address: 172.16.10.2 / 255.255.255.128

What arrives here has been through a person and Slack: `&gt;` escapes, smart quotes,
code fences, quote markers, links wrapped as `<…|…>`, long lines wrapped in two, other
timestamp formats, IPv6, chat text around the log. The parser reads what it can and
reports the records it recognised but could not read, never guessing values.
"""

from __future__ import annotations

import html
import ipaddress
import re
from dataclasses import dataclass, field

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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


# --- normalising what Slack and people do to the text ---------------------------------------

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
# Slack wraps links as <http://x|label> or <http://x>; mentions as <@U…>. Keep the label.
_SLACK_LINK = re.compile(r"<(?:[a-z]+:)?[^<>|\s]*\|([^<>]*)>|<((?:https?|mailto|tel):[^<>|\s]*)>", re.I)


def _normalise(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SLACK_LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    # Slack sends &, < and > escaped; people sometimes paste already-escaped text twice.
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

_RECEIVED = re.compile(r"\breceived\s+(?:option|control\s+message)\s*:?\s*(?P<rest>.*)$", re.I)
_PUSH = re.compile(r"\bPUSH_REPLY\s*,(?P<rest>.*)$", re.I)
_ASSIGNED_ROUTE = re.compile(r"\bassigned\s+(?:ipv6\s+)?route\s*:?\s*(?P<rest>.*)$", re.I)
_ASSIGNED_IP = re.compile(r"\bassigned\s+(?:(?P<v6>ipv6)|ip(?:v4)?)\s*(?:address)?\s*:?\s*(?P<rest>.*)$", re.I)
_DNS_LINE = re.compile(r"\b(?:assigned\s+)?dns\s*(?:servers?|addresses?)\s*[:=]\s*(?P<rest>.*)$", re.I)
_ESTABLISHED = re.compile(
    r"\bsession\s+established\b|\bconnection\s+established\b|\bstatus\s*[:=]?\s*connected\b", re.I
)
_DISCONNECTED = re.compile(
    r"\b(?:disconnect(?:ed|ing)?|session\s+(?:terminated|ended|closed)|connection\s+(?:lost|closed|terminated)|tunnel\s+down)\b",
    re.I,
)
_MIDLINE_TS = re.compile(rf"\s+(?=\[\s*{_TS}\s*\])", re.I)
_MIDLINE_KEYWORD = re.compile(
    r"\s+(?=(?:Received\s+(?:option|control\s+message)|Assigned\s+(?:IPv6\s+)?Route|Assigned\s+IP|Session\s+established)\b)",
    re.I,
)
_KEYWORDS = (_RECEIVED, _PUSH, _ASSIGNED_ROUTE, _ASSIGNED_IP, _DNS_LINE, _ESTABLISHED)
# Messages only the VPN client writes (a chat line saying "connected" is not a log).
_STRONG = (_RECEIVED, _PUSH, _ASSIGNED_ROUTE, _ASSIGNED_IP)
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
    return any(k.search(text) for k in _KEYWORDS)


# --- values ----------------------------------------------------------------------------------


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip(",;'\"[]()").split("%")[0])
    except ValueError:
        return None


def _prefixlen(mask: str, version: int) -> int | None:
    """A netmask ("255.255.0.0") or a length ("16" / "/16") -> prefix length; None if invalid."""
    m = mask.strip().lstrip("/").strip(",;")
    if m.isdigit():
        n = int(m)
        return n if 0 <= n <= (32 if version == 4 else 128) else None
    if version != 4:
        return None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{m}").prefixlen
    except ValueError:
        return None


def _network(addr: str, mask: str | None) -> IPNetwork | None:
    a = addr.strip().strip(",;")
    if "/" in a and mask is None:
        a, mask = a.split("/", 1)
    ip = _ip(a)
    if ip is None:
        return None
    plen = _prefixlen(mask, ip.version) if mask is not None else ip.max_prefixlen
    if plen is None:
        return None
    return ipaddress.ip_network(f"{ip}/{plen}", strict=False)


_ADDR_SLASH_MASK = re.compile(r"^\s*(?P<addr>[0-9a-fA-F:.]+)\s*(?:/\s*(?P<mask>[0-9.]+))?\s*(?P<tail>.*)$")


@dataclass
class _Parsed:
    routes: list[tuple[IPNetwork, str]] = field(default_factory=list)
    assigned: tuple[str, int | None] | None = None
    assigned_v6: str = ""
    route_gateway: str = ""
    dns: list[str] = field(default_factory=list)
    suffixes: list[str] = field(default_factory=list)
    established: bool = False
    disconnected: bool = False
    used: bool = False  # the record carried something we read
    bad: bool = False  # a keyword was there but its values were unreadable


def _parse_option(opt: str, how: str, out: _Parsed) -> None:
    """One OpenVPN pushed option: `route N M [GW [METRIC]]`, `route-gateway X`, `dhcp-option DNS X`…"""
    parts = opt.replace(",", " ").split()
    if not parts:
        return
    name = parts[0].lower()
    args = parts[1:]
    if name == "route":
        if not args:
            out.bad = True
            return
        mask = args[1] if len(args) > 1 and "/" not in args[0] else None
        net = _network(args[0], mask)
        if net is None or (mask is not None and _prefixlen(mask, 4) is None):
            out.bad = True
            return
        out.routes.append((net, f"{how} route"))
        out.used = True
    elif name == "route-ipv6":
        net = _network(args[0], None) if args else None
        if net is None:
            out.bad = True
            return
        out.routes.append((net, f"{how} route-ipv6"))
        out.used = True
    elif name == "route-gateway":
        ip = _ip(args[0]) if args else None
        if ip is None:
            out.bad = True
            return
        out.route_gateway = str(ip)
        out.used = True
    elif name == "ifconfig":
        ip = _ip(args[0]) if args else None
        plen = _prefixlen(args[1], 4) if len(args) > 1 else None
        if ip is None:
            out.bad = True
            return
        out.assigned = (str(ip), plen)
        out.used = True
    elif name == "ifconfig-ipv6":
        net = _network(args[0], None) if args else None
        if net is None:
            out.bad = True
            return
        out.assigned_v6 = args[0].split("/")[0]
        out.used = True
    elif name == "dhcp-option" and args:
        kind = args[0].upper()
        if kind in ("DNS", "DNS6"):
            ip = _ip(args[1]) if len(args) > 1 else None
            if ip is None:
                out.bad = True
                return
            out.dns.append(str(ip))
            out.used = True
        elif kind in ("DOMAIN", "DOMAIN-SEARCH", "ADAPTER_DOMAIN_SUFFIX") and len(args) > 1:
            out.suffixes.append(args[1])
            out.used = True


def _parse_message(msg: str) -> _Parsed:
    out = _Parsed()
    if m := _PUSH.search(msg):
        for opt in m.group("rest").split(","):
            _parse_option(opt.strip().strip("'\""), "PUSH_REPLY", out)
        return out
    if m := _RECEIVED.search(msg):
        rest = m.group("rest").strip().strip("'\"")
        if p := _PUSH.search(rest):
            for opt in p.group("rest").split(","):
                _parse_option(opt.strip().strip("'\""), "PUSH_REPLY", out)
        else:
            _parse_option(rest, "Received option:", out)
        return out
    if m := _ASSIGNED_ROUTE.search(msg):
        a = _ADDR_SLASH_MASK.match(m.group("rest"))
        net = _network(a.group("addr"), a.group("mask")) if a and a.group("mask") else None
        if net is None:
            out.bad = True
        else:
            out.routes.append((net, "Assigned Route"))
            out.used = True
        return out
    if m := _ASSIGNED_IP.search(msg):
        a = _ADDR_SLASH_MASK.match(m.group("rest"))
        ip = _ip(a.group("addr")) if a else None
        if ip is None or a is None:
            out.bad = True
            return out
        plen = _prefixlen(a.group("mask"), ip.version) if a.group("mask") else None
        if a.group("mask") and plen is None:
            out.bad = True
            return out
        if ip.version == 6 or m.group("v6"):
            out.assigned_v6 = str(ip)
        else:
            out.assigned = (str(ip), plen)
        out.used = True
        return out
    if m := _DNS_LINE.search(msg):
        ips = [_ip(t) for t in re.split(r"[\s,;]+", m.group("rest")) if t]
        good = [str(i) for i in ips if i is not None]
        if not good:
            out.bad = True
        out.dns.extend(good)
        out.used = bool(good)
        return out
    if _ESTABLISHED.search(msg):
        out.established = True
        out.used = True
    elif _DISCONNECTED.search(msg):
        out.disconnected = True
        out.used = True
    return out


# --- the parser ------------------------------------------------------------------------------


def looks_like_vpn_log(text: str) -> bool:
    """True when `text` holds at least one line the Azure VPN client would write."""
    for line in _normalise(text):
        if any(k.search(line) for k in _STRONG):
            return True
        if _PID.search(line) and _is_keyword_line(line):
            return True
    return False


def parse_vpn_client_log(text: str, max_examples: int = 5) -> VpnClientLog:
    """Read every record of an Azure VPN client log that can be read.

    Wrapped lines are joined back when the first half alone is unreadable and the join reads.
    Text that is not part of the log (a question above the paste) is skipped silently.
    """
    lines = _normalise(text)
    records: list[_Record] = []
    for i, line in enumerate(lines, start=1):
        if not line:
            continue
        parts = _split_prefix(line)
        if parts is not None:
            time, profile, level, msg = parts
            records.append(_Record(i, line, msg, time, profile, level))
            continue
        if _is_keyword_line(line):
            records.append(_Record(i, line, line))
            continue
        # Not a record start: maybe the second half of a wrapped line (Slack and terminals wrap
        # long lines). Join it when the record reads better joined; otherwise it is chat text
        # around the paste, not part of the log.
        if records:
            last = records[-1]
            before = _parse_message(last.message)
            if before.bad or not before.used or _CONTINUATION.match(line):
                for joiner in ("", " "):
                    joined = _parse_message(last.message + joiner + line)
                    if joined.used and not joined.bad:
                        last.message = last.message + joiner + line
                        last.text = last.text + joiner + line
                        break

    profiles: list[str] = []
    seen_routes: dict[str, LogRoute] = {}
    assigned_ip, assigned_prefix, assigned_v6, gateway = "", "", "", ""
    assigned_len: int | None = None
    dns: list[str] = []
    suffixes: list[str] = []
    established = disconnected = False
    errors: list[tuple[int, str]] = []
    unreadable: list[tuple[int, str]] = []
    ignored = 0
    times = [r.time for r in records if r.time]
    for rec in records:
        if rec.profile and rec.profile not in profiles:
            profiles.append(rec.profile)
        parsed = _parse_message(rec.message)
        if parsed.bad:
            unreadable.append((rec.line, rec.text))
        if rec.level in ("error", "critical", "fatal") and len(errors) < max_examples:
            errors.append((rec.line, rec.message))
        if not parsed.used and not parsed.bad:
            ignored += 1
        for net, how in parsed.routes:
            key = str(net)
            if key not in seen_routes:
                seen_routes[key] = LogRoute(key, rec.line, how)
        if parsed.assigned:
            assigned_ip, assigned_len = parsed.assigned
            assigned_prefix = (
                str(ipaddress.ip_network(f"{assigned_ip}/{assigned_len}", strict=False))
                if assigned_len is not None
                else ""
            )
        if parsed.assigned_v6:
            assigned_v6 = parsed.assigned_v6
        if parsed.route_gateway:
            gateway = parsed.route_gateway
        for d in parsed.dns:
            if d not in dns:
                dns.append(d)
        for s in parsed.suffixes:
            if s not in suffixes:
                suffixes.append(s)
        if parsed.established:
            established, disconnected = True, False
        if parsed.disconnected:
            disconnected = True

    return VpnClientLog(
        profiles=tuple(profiles),
        routes=tuple(seen_routes.values()),
        assigned_ip=assigned_ip,
        assigned_prefix=assigned_prefix,
        assigned_prefixlen=assigned_len,
        assigned_ipv6=assigned_v6,
        route_gateway=gateway,
        dns_servers=tuple(dns),
        dns_suffixes=tuple(suffixes),
        established=established,
        disconnected=disconnected,
        errors=tuple(errors),
        unreadable=tuple(unreadable),
        records=len(records),
        ignored=ignored,
        first_time=times[0] if times else "",
        last_time=times[-1] if times else "",
    )
