"""Item 7's ports, checked instead of only stated: do the effective security rules of the
client VMs' NICs let TCP out to the private endpoint on the ports the connection policy needs?

Azure SQL's connection policy decides the ports
(https://learn.microsoft.com/azure/azure-sql/database/connectivity-architecture): Proxy needs
TCP 1433 only; Redirect, through a private endpoint, 1433–65535
(https://learn.microsoft.com/azure/azure-sql/database/private-endpoint-overview); Default
redirects clients inside Azure, which VMs are. Each client NIC's effective rules are evaluated
as Azure applies them (`commands.findings.nsg`); a NIC whose rules could not be read is said
as such, never as open. The rules are read by `commands.judgement.nsgs` (checklist, diagnose).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from commands.core.model import SqlServer, name_of
from commands.core.netwatch import ClientRules
from commands.core.text import Rich, code, join, rich, strong
from commands.findings.dns.checks import Check
from commands.findings.nsg import Decision, decide, denied_ranges


def needed_ports(server: SqlServer | None) -> tuple[int, int] | None:
    """The destination ports the server's connection policy needs (None: unknown policy)."""
    policy = (server.connection_policy if server else "").strip().lower()
    if policy == "proxy":
        return (1433, 1433)
    if policy in ("redirect", "default"):
        return (1433, 65535)
    return None


def _range(lo: int, hi: int) -> str:
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _verdict_line(c: ClientRules, ip: str, ports: tuple[int, int]) -> tuple[Rich, Decision | None]:
    """(the line, the first denying decision or None) for one client NIC."""
    vm = name_of(c.nic.vm_id) or c.nic.name
    src = c.nic.private_ips[0] if c.nic.private_ips else ""
    who = rich(code(vm), f" ({src})")
    if c.error is not None:
        why = f"{c.error.kind}{f', {c.error.code}' if c.error.code else ''}"
        return rich("❔ ", who, f": its security rules could not be read ({why})"), None
    denied = denied_ranges(c.groups, "Outbound", "TCP", src, ip, ports[0], ports[1])
    if not denied:
        d = decide(c.groups, "Outbound", "TCP", src, ip, ports[0])
        by = rich(" (rule ", code(d.rule.short_name), ")") if d.rule is not None else rich(" (no security group)")
        return rich("✔ ", who, f" may open TCP {_range(*ports)} to {ip}", by), None
    pieces = [
        rich(
            f"{_range(lo, hi)} by ",
            code(d.rule.short_name if d.rule else "?"),
            f" of {name_of(d.nsg_id)} (priority {d.rule.priority if d.rule else '?'})",
        )
        for lo, hi, d in denied
    ]
    return rich("✘ ", who, f": TCP to {ip} denied on ", join("; ", pieces)), denied[0][2]


def with_client_rules(check: Check, server: SqlServer | None, ip: str, rules: Sequence[ClientRules]) -> Check:
    """Item 7 with the client VMs' effective rules checked against the ports the policy needs:
    a NIC that denies part of them fails the item, with the rule and the fix."""
    ports = needed_ports(server)
    if ports is None or not ip or not rules:
        return check
    lines = [_verdict_line(c, ip, ports) for c in rules]
    blocked = [d for _, d in lines if d is not None]
    evidence = (
        *check.evidence,
        rich(strong("Client VMs' security rules"), f" (outbound TCP {_range(*ports)} to {ip}):"),
        *(line for line, _ in lines),
    )
    if not blocked:
        return dataclasses.replace(check, evidence=evidence)
    first = blocked[0]
    fix = rich(
        f"Allow outbound TCP {_range(*ports)} to {ip} in ",
        code(name_of(first.nsg_id)),
        " with a rule whose priority number is lower than ",
        code(first.rule.short_name if first.rule else "the denying rule"),
        f" ({first.rule.priority if first.rule else '?'})",
        ", or switch the server to Proxy (1433 only)." if ports[1] > 1433 else ".",
    )
    return dataclasses.replace(check, status="fail", evidence=evidence, fix_text=fix)
