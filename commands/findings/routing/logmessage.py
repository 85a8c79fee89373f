"""One record of an Azure VPN client log: what its message says the gateway pushed.

The messages that carry values: `Received option: route 10.0.0.0 255.255.0.0`, a
`PUSH_REPLY,route …,dhcp-option DNS …,ifconfig …` (alone or inside `Received control
message:`), `Assigned Route: 10.1.0.0 / 255.255.0.0`, `Assigned IP address: 172.16.10.2 /
255.255.255.128`, `DNS servers: …`, and the session's events. A value that cannot be read
marks the message `bad`; nothing is guessed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

RECEIVED = re.compile(r"\breceived\s+(?:option|control\s+message)\s*:?\s*(?P<rest>.*)$", re.I)
PUSH = re.compile(r"\bPUSH_REPLY\s*,(?P<rest>.*)$", re.I)
ASSIGNED_ROUTE = re.compile(r"\bassigned\s+(?:ipv6\s+)?route\s*:?\s*(?P<rest>.*)$", re.I)
ASSIGNED_IP = re.compile(r"\bassigned\s+(?:(?P<v6>ipv6)|ip(?:v4)?)\s*(?:address)?\s*:?\s*(?P<rest>.*)$", re.I)
DNS_LINE = re.compile(r"\b(?:assigned\s+)?dns\s*(?:servers?|addresses?)\s*[:=]\s*(?P<rest>.*)$", re.I)
ESTABLISHED = re.compile(r"\bsession\s+established\b|\bconnection\s+established\b|\bstatus\s*[:=]?\s*connected\b", re.I)
DISCONNECTED = re.compile(
    r"\b(?:disconnect(?:ed|ing)?|session\s+(?:terminated|ended|closed)|connection\s+(?:lost|closed|terminated)|tunnel\s+down)\b",
    re.I,
)
# Messages that make a line a record even without a timestamp or PId/TId prefix.
KEYWORDS = (RECEIVED, PUSH, ASSIGNED_ROUTE, ASSIGNED_IP, DNS_LINE, ESTABLISHED)
# Messages only the VPN client writes (a chat line saying "connected" is not a log).
STRONG = (RECEIVED, PUSH, ASSIGNED_ROUTE, ASSIGNED_IP)


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
class Message:
    """What one record's message says."""

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


def _parse_option(opt: str, how: str, out: Message) -> None:
    """One OpenVPN pushed option: `route N M [GW [METRIC]]`, `route-gateway X`, `dhcp-option DNS X`…"""
    parts = opt.replace(",", " ").split()
    if not parts:
        return
    read = _OPTIONS.get(parts[0].lower())
    if read is None:
        return
    ok = read(parts[1:], how, out)
    if ok:
        out.used = True
    elif ok is not None:
        out.bad = True


# Each reads an option's arguments into `out`: True = read, False = unreadable, None = not ours.
_OptionReader = Callable[[list[str], str, Message], "bool | None"]


def _route(args: list[str], how: str, out: Message) -> bool | None:
    if not args:
        return False
    mask = args[1] if len(args) > 1 and "/" not in args[0] else None
    net = _network(args[0], mask)
    if net is None or (mask is not None and _prefixlen(mask, 4) is None):
        return False
    out.routes.append((net, f"{how} route"))
    return True


def _route_ipv6(args: list[str], how: str, out: Message) -> bool | None:
    net = _network(args[0], None) if args else None
    if net is None:
        return False
    out.routes.append((net, f"{how} route-ipv6"))
    return True


def _route_gateway(args: list[str], how: str, out: Message) -> bool | None:
    ip = _ip(args[0]) if args else None
    if ip is None:
        return False
    out.route_gateway = str(ip)
    return True


def _ifconfig(args: list[str], how: str, out: Message) -> bool | None:
    ip = _ip(args[0]) if args else None
    plen = _prefixlen(args[1], 4) if len(args) > 1 else None
    if ip is None:
        return False
    out.assigned = (str(ip), plen)
    return True


def _ifconfig_ipv6(args: list[str], how: str, out: Message) -> bool | None:
    net = _network(args[0], None) if args else None
    if net is None:
        return False
    out.assigned_v6 = args[0].split("/")[0]
    return True


def _dhcp_option(args: list[str], how: str, out: Message) -> bool | None:
    kind = args[0].upper() if args else ""
    if kind in ("DNS", "DNS6"):
        ip = _ip(args[1]) if len(args) > 1 else None
        if ip is None:
            return False
        out.dns.append(str(ip))
        return True
    if kind in ("DOMAIN", "DOMAIN-SEARCH", "ADAPTER_DOMAIN_SUFFIX") and len(args) > 1:
        out.suffixes.append(args[1])
        return True
    return None


_OPTIONS: dict[str, _OptionReader] = {
    "route": _route,
    "route-ipv6": _route_ipv6,
    "route-gateway": _route_gateway,
    "ifconfig": _ifconfig,
    "ifconfig-ipv6": _ifconfig_ipv6,
    "dhcp-option": _dhcp_option,
}


def read_message(msg: str) -> Message:
    """What one record's message says (`used`), or that its values are unreadable (`bad`)."""
    out = Message()
    for pattern, read in _MESSAGES:
        if m := pattern.search(msg):
            read(m, out)
            return out
    if ESTABLISHED.search(msg):
        out.established = True
        out.used = True
    elif DISCONNECTED.search(msg):
        out.disconnected = True
        out.used = True
    return out


def _push_reply(m: re.Match[str], out: Message) -> None:
    for opt in m.group("rest").split(","):
        _parse_option(opt.strip().strip("'\""), "PUSH_REPLY", out)


def _received(m: re.Match[str], out: Message) -> None:
    rest = m.group("rest").strip().strip("'\"")
    if p := PUSH.search(rest):
        _push_reply(p, out)
    else:
        _parse_option(rest, "Received option:", out)


def _assigned_route(m: re.Match[str], out: Message) -> None:
    a = _ADDR_SLASH_MASK.match(m.group("rest"))
    net = _network(a.group("addr"), a.group("mask")) if a and a.group("mask") else None
    if net is None:
        out.bad = True
    else:
        out.routes.append((net, "Assigned Route"))
        out.used = True


def _assigned_ip(m: re.Match[str], out: Message) -> None:
    a = _ADDR_SLASH_MASK.match(m.group("rest"))
    ip = _ip(a.group("addr")) if a else None
    if ip is None or a is None:
        out.bad = True
        return
    plen = _prefixlen(a.group("mask"), ip.version) if a.group("mask") else None
    if a.group("mask") and plen is None:
        out.bad = True
        return
    if ip.version == 6 or m.group("v6"):
        out.assigned_v6 = str(ip)
    else:
        out.assigned = (str(ip), plen)
    out.used = True


def _dns(m: re.Match[str], out: Message) -> None:
    ips = [_ip(t) for t in re.split(r"[\s,;]+", m.group("rest")) if t]
    good = [str(i) for i in ips if i is not None]
    if not good:
        out.bad = True
    out.dns.extend(good)
    out.used = bool(good)


# The messages that carry values, in the order they are tried (a PUSH_REPLY inside a
# "Received control message" is read as the PUSH_REPLY).
_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], Message], None]], ...] = (
    (PUSH, _push_reply),
    (RECEIVED, _received),
    (ASSIGNED_ROUTE, _assigned_route),
    (ASSIGNED_IP, _assigned_ip),
    (DNS_LINE, _dns),
)
