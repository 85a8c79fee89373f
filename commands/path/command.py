"""`/vpn path <vm|nic|ip> <destination ip> [tcp|udp] [port] [in|out]`: Network Watcher's next
hop and IP flow verify from a VM's NIC, and the NIC's effective security rules.

The source is resolved through the estate (a VM, a NIC, or a NIC's private IP); the three
questions go to the Network Watcher of the NIC's region at once, each kept apart when it
fails ("could not read" is said as such). The first message says, in one line each, where the
packet goes next and whether the security rules let it through (and by which rule); the
thread holds the rules in effect, in the order Azure applies them.
"""

from __future__ import annotations

import difflib
import ipaddress
from dataclasses import dataclass
from typing import Literal

from commands.core.errors import AzureFailure, UsageError
from commands.core.estate import subscriptions_in_scope
from commands.core.fanout import Outcome
from commands.core.model import NetworkInterface, ResourceId, name_of
from commands.core.netwatch import EffectiveNsg, IpFlowVerdict, NextHop
from commands.core.parse import normalise
from commands.core.registry import Ctx, command
from commands.core.reply import Context, Finding, Reply, Table, Text, error_reply
from commands.core.text import Icon, code, join, link, rich, strong
from commands.findings.nsg import NSG_DOC, decide, in_order
from commands.judgement.estate import NICS, Estate, read_estate
from commands.judgement.progress import Progress, gather_with_progress
from commands.path.watchers import no_watcher_reply, watcher_in
from commands.routes.target import ambiguous_reply, resolve

USAGE = "path <vm|nic|ip> <destination ip> [tcp|udp] [port] [in|out]"
EXAMPLE = "/vpn path vm-eun 10.1.1.4 tcp 1433"
NEXT_HOP_DOC = "https://learn.microsoft.com/azure/network-watcher/next-hop-overview"
IP_FLOW_DOC = "https://learn.microsoft.com/azure/network-watcher/ip-flow-verify-overview"
DEFAULT_PORT = 443

# Next hop types in words (NextHopType, common.json; and the effective route types Azure also
# reports: https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview).
HOP_WORDS = {
    "vnetlocal": "stays in the virtual network",
    "internet": "goes to the Internet",
    "virtualnetworkgateway": "goes to the virtual network gateway",
    "virtualappliance": "goes to a virtual appliance",
    "none": "is dropped (no route: next hop None)",
    "hypernetgateway": "goes to the HyperNet gateway",
    "vnetpeering": "goes over the VNet peering",
    "vnetglobalpeering": "goes over the global VNet peering",
    "interfaceendpoint": "goes to a private endpoint",
}


@dataclass(frozen=True)
class Asked:
    source: str
    destination: str
    protocol: Literal["TCP", "UDP"] = "TCP"
    port: int = DEFAULT_PORT
    port_given: bool = False
    direction: Literal["Outbound", "Inbound"] = "Outbound"


@command("path", usage=USAGE, example=EXAMPLE)
def path(ctx: Ctx, args: str) -> Reply | None:
    """Where a packet from a VM goes and whether the security rules let it: Network Watcher's next hop and IP flow verify, with the NIC's effective NSG rules.

    `/vpn path <vm|nic|ip> <destination ip> [tcp|udp] [port] [in|out]` — the source is a VM, a
    NIC or a NIC's private IP; `out` (the default) checks traffic from it to the destination,
    `in` traffic from the destination to it. TCP and port 443 unless said. Needs a Network
    Watcher in the VM's region, and the VM running.
    """
    asked = parse(args)
    subs = subscriptions_in_scope(ctx, "your VMs")
    estate = read_estate(ctx, subs, Progress(ctx), frozenset({NICS}))
    nic = _source_nic(asked.source, estate)
    if isinstance(nic, Reply):
        return nic
    if not nic.vm_id:
        return Reply(
            fallback=f"{nic.name} belongs to no VM",
            visibility="ephemeral",
            parts=[
                Text(
                    rich(
                        Icon.WARNING,
                        " ",
                        code(nic.name),
                        " is not attached to a VM (a private endpoint's or a spare NIC). Network Watcher's next hop and "
                        "IP flow verify start from a VM: name the VM that sends the traffic.",
                    )
                ),
                Context(rich("Example: ", code(EXAMPLE))),
            ],
        )
    sub = ResourceId.parse(nic.id).subscription_id
    watcher = watcher_in(ctx, sub, nic.location)
    if watcher is None:
        return no_watcher_reply(sub, nic.location, "next hop and IP flow verify")
    source_ip = nic.private_ips[0] if nic.private_ips else ""
    if not source_ip:
        raise UsageError(rich(code(nic.name), " has no private IP address to start from."), "", EXAMPLE)
    outbound = asked.direction == "Outbound"
    tasks = [
        lambda: ctx.azure.next_hop(watcher.id, nic.vm_id, nic.id, source_ip, asked.destination),
        lambda: ctx.azure.verify_ip_flow(
            watcher.id,
            nic.vm_id,
            nic.id,
            direction=asked.direction,
            protocol=asked.protocol,
            local_ip=source_ip,
            local_port="*" if outbound else str(asked.port),
            remote_ip=asked.destination,
            remote_port=str(asked.port) if outbound else "*",
        ),
        lambda: ctx.azure.effective_nsgs(nic.id),
    ]
    hop, flow, nsgs = gather_with_progress(ctx, tasks, f"Asking Network Watcher about {nic.name}")
    return path_reply(asked, nic, source_ip, hop, flow, nsgs)


def parse(args: str) -> Asked:
    """The words of `/vpn path`, checked: every bad word says what was wrong and what is right."""
    words = [w.strip("`'\"") for w in normalise(args or "").split(" ") if w.strip("`'\"")]
    if len(words) < 2:
        raise UsageError(
            "Which source and which destination?",
            rich("Usage: ", code(f"/vpn {USAGE}"), ". The source is a VM, a NIC or a NIC's private IP."),
            EXAMPLE,
        )
    source, dest, rest = words[0], words[1], words[2:]
    if not _is_ip(dest):
        raise UsageError(
            rich(code(dest), " is not an IP address."),
            "The destination is one IP address (Network Watcher checks one flow), e.g. a private endpoint's.",
            f"/vpn path {source} 10.1.1.4",
        )
    protocol: Literal["TCP", "UDP"] = "TCP"
    port, port_given = DEFAULT_PORT, False
    direction: Literal["Outbound", "Inbound"] = "Outbound"
    for w in rest:
        low = w.lower()
        if low in ("tcp", "udp"):
            protocol = "TCP" if low == "tcp" else "UDP"
        elif low in ("in", "inbound"):
            direction = "Inbound"
        elif low in ("out", "outbound"):
            direction = "Outbound"
        elif low.isdigit() and 0 < int(low) <= 65535:
            port, port_given = int(low), True
        else:
            raise UsageError(
                rich(code(w), " is not a protocol, a port or a direction."),
                rich(
                    "After the destination: ",
                    code("tcp"),
                    " or ",
                    code("udp"),
                    ", a port 1–65535, ",
                    code("in"),
                    " or ",
                    code("out"),
                    ".",
                ),
                f"/vpn path {source} {dest} tcp 1433",
            )
    return Asked(source, dest, protocol, port, port_given, direction)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _source_nic(query: str, estate: Estate) -> NetworkInterface | Reply:
    if _is_ip(query):
        found = [n for n in estate.nics if query in n.private_ips]
        if len(found) == 1:
            return found[0]
        if not found:
            return Reply(
                fallback=f"No NIC has {query}",
                visibility="ephemeral",
                parts=[
                    Text(rich(Icon.WARNING, " No NIC the bot can see has the private IP ", code(query), ".")),
                    Text("Name the VM or NIC instead, or check the address (a VPN client's address is not a NIC's)."),
                    Context(rich("Example: ", code(EXAMPLE))),
                ],
            )
        names = ", ".join(f"{n.name} ({n.id})" for n in found[:6])
        raise UsageError(
            rich(code(query), f" is the address of {len(found)} NICs (in different networks); which one?"),
            rich("Name the NIC or its VM instead: ", names),
            f"/vpn path {found[0].name} 10.1.1.4",
        )
    hits = [r for r in resolve(query, None, estate) if r.kind in ("nic", "vm")]
    if not hits:
        return _unknown(query, estate)
    if len(hits) > 1:
        return ambiguous_reply(query, hits)
    nics = hits[0].nics
    if len(nics) > 1:
        names = ", ".join(n.name for n in nics)
        raise UsageError(
            rich("VM ", code(hits[0].name), f" has {len(nics)} NICs ({names}); which one?"),
            "Name the NIC: next hop and IP flow verify look at one.",
            f"/vpn path {nics[0].name} 10.1.1.4",
        )
    return nics[0]


def _unknown(query: str, estate: Estate) -> Reply:
    """No VM or NIC by that name: the nearest names, and the VMs there are."""
    vms = sorted({name_of(n.vm_id) for n in estate.nics if n.vm_id})
    nics = sorted({n.name for n in estate.nics if n.vm_id})
    close = difflib.get_close_matches(query, vms + nics, n=3, cutoff=0.5)
    r = error_reply(
        rich("No VM or NIC named ", code(query), " in the subscriptions the bot can see."),
        rich("Did you mean ", join(", ", [code(c) for c in close]), "?") if close else "",
        f"/vpn path {close[0] if close else (vms or ['vm-eun'])[0]} 10.1.1.4",
    )
    if vms:
        r.add(Context(rich("VMs: ", join(", ", [code(v) for v in vms[:12]]))))
    for gap in estate.gap_lines()[:3]:
        r.add(Context(rich(Icon.WARNING, " ", gap)))
    return r


# --- the answer --------------------------------------------------------------------------------
def path_reply(
    asked: Asked,
    nic: NetworkInterface,
    source_ip: str,
    hop: Outcome[NextHop],
    flow: Outcome[IpFlowVerdict],
    nsgs: Outcome[list[EffectiveNsg]],
) -> Reply:
    outbound = asked.direction == "Outbound"
    what = f"{asked.protocol} {asked.port}"
    src, dst = (source_ip, asked.destination) if outbound else (asked.destination, source_ip)
    title = f"{name_of(nic.vm_id)} → {asked.destination}" if outbound else f"{asked.destination} → {name_of(nic.vm_id)}"
    r = Reply(fallback=f"Path {title} ({what})")
    r.add(Text(rich(strong(f"Path {title}"), f" ({what}, from NIC ", code(nic.name), f" {source_ip})")))
    r.add(_hop_line(hop, asked.destination))
    r.add(_flow_line(flow, asked, src, dst))
    if not asked.port_given:
        r.add(
            Context(
                rich(
                    f"Port {DEFAULT_PORT} was assumed; add one: ",
                    code(f"/vpn path {nic.name} {asked.destination} tcp 1433"),
                )
            )
        )
    r.more(*_rules_parts(nsgs, asked, src, dst))
    r.more(
        Context(
            rich(
                link(NEXT_HOP_DOC, "Next hop"),
                " · ",
                link(IP_FLOW_DOC, "IP flow verify"),
                " · ",
                link(NSG_DOC, "How NSG rules apply"),
            )
        )
    )
    return r


def _hop_line(hop: Outcome[NextHop], dest: str) -> Text | Finding:
    if hop.error is not None:
        return _could_not("next hop", hop.error)
    h = hop.value
    assert h is not None
    words = HOP_WORDS.get(h.next_hop_type.lower(), f"goes to {h.next_hop_type}")
    via = rich(" via ", code(h.next_hop_ip)) if h.next_hop_ip else None
    route = (
        rich(" (a user route of ", code(name_of(h.route_table_id)), ")")
        if h.route_table_id and h.route_table_id != "System Route"
        else rich(" (a system route)")
    )
    if h.next_hop_type.lower() == "none":
        return Finding(
            "critical",
            rich("Next hop: traffic to ", code(dest), " ", words),
            rich("Azure has no usable route for it from this NIC", route, "."),
            "Check the route tables and the routes the gateway learned: `/vpn routes <vm> " + dest + "`.",
            NEXT_HOP_DOC,
            key=f"next_hop_none:{dest}",
        )
    return Text(rich(Icon.INFO, " Next hop: traffic to ", code(dest), f" {words}", via, route, "."))


def _flow_line(flow: Outcome[IpFlowVerdict], asked: Asked, src: str, dst: str) -> Text | Finding:
    if flow.error is not None:
        return _could_not("IP flow verify", flow.error)
    v = flow.value
    assert v is not None
    rule = rich(" by rule ", code(v.rule_name.rsplit("/", 1)[-1])) if v.rule_name else rich(" (no rule matched)")
    flow_words = f"{asked.protocol} {src} → {dst}:{asked.port}"
    if v.access.lower() == "allow":
        return Text(rich(Icon.DONE, f" Security rules allow {flow_words}", rule, "."))
    default = v.rule_name.lower().startswith("defaultsecurityrules/")
    fix = (
        "Add an allow rule with a lower priority number than Azure's default deny."
        if default
        else "Change that rule, or add an allow rule with a lower priority number before it."
    )
    return Finding(
        "critical",
        rich(f"Security rules deny {flow_words}", rule),
        rich("IP flow verify (Network Watcher) says ", strong("Deny"), "."),
        fix,
        IP_FLOW_DOC,
        key=f"ip_flow_denied:{asked.direction}:{dst}:{asked.port}",
    )


def _could_not(what: str, e: AzureFailure) -> Finding:
    detail = f" ({e.code})" if e.code else ""
    return Finding(
        "warning",
        rich(f"Could not run {what}: {e.kind}{detail}"),
        rich(e.message) if e.message else "",
        e.advice,
        key=f"could_not:{what}",
    )


def _rules_parts(
    nsgs: Outcome[list[EffectiveNsg]], asked: Asked, src: str, dst: str
) -> list[Text | Table | Context | Finding]:
    if nsgs.error is not None:
        return [_could_not("read the effective security rules", nsgs.error)]
    groups = nsgs.value or []
    if not groups:
        return [Text("No network security group applies to this NIC or its subnet: nothing filters its traffic.")]
    out: list[Text | Table | Context | Finding] = []
    d = decide(groups, asked.direction, asked.protocol, src, dst, asked.port)
    if d.rule is not None:
        out.append(Context(rich("The effective rules agree: ", code(d.rule.short_name), f" ({d.access}) decides.")))
    for g in in_order(groups, asked.direction):
        rows = tuple(
            (
                str(r.priority),
                r.short_name,
                r.access,
                r.protocol,
                ",".join(r.source_prefixes),
                ",".join(r.destination_prefixes),
                ",".join(r.destination_ports),
            )
            for r in sorted(g.rules, key=lambda r: r.priority)
            if r.direction.lower() == asked.direction.lower()
        )
        where = (
            "its subnet"
            if g.association == "subnet"
            else "the NIC"
            if g.association == "networkInterface"
            else "a network manager"
        )
        out.append(
            Table(
                columns=("prio", "rule", "access", "proto", "source", "destination", "ports"),
                rows=rows,
                caption=rich(
                    f"{asked.direction} rules of ",
                    code(name_of(g.nsg_id)),
                    f" (on {where}), in the order Azure applies them",
                ),
                filename=f"{name_of(g.nsg_id)}-{asked.direction.lower()}.txt",
            )
        )
    return out
