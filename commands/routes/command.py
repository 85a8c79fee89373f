"""`/vpn routes <nic|vm|gateway|log …>` and the "Check VPN client log" message shortcut: what
the user asked for, read from the words they typed, and handed to the answer that fits.

`/vpn routes <nic|vm>` → `nic`, `/vpn routes <gateway>` → `gateway`, `/vpn routes log …`
(or a pasted log without the word) and the shortcut → `log`. Reading Azure: `estate`.
"""

from __future__ import annotations

from typing import Literal

from commands.core.errors import UsageError
from commands.core.estate import subscriptions_in_scope
from commands.core.parse import normalise
from commands.core.registry import Ctx, command, shortcut
from commands.core.reply import Reply, error_reply
from commands.core.text import code, rich
from commands.findings.routing.selection import parse_net
from commands.findings.routing.vpnlog import looks_like_vpn_log
from commands.judgement.estate import ALL_KINDS, read_estate
from commands.judgement.progress import Progress
from commands.routes.gateway import gateway_reply
from commands.routes.log import LOG_EXAMPLE, LOG_HINT, log_reply
from commands.routes.nic import nic_replies
from commands.routes.target import EXAMPLE, ambiguous_reply, resolve, unknown_reply

USAGE = "routes <nic|vm|gateway|log …>"
USAGE_LONG = "/vpn routes <nic|vm|gateway> [ip …]"
KIND_WORDS: dict[str, Literal["nic", "vm", "gateway"]] = {
    "nic": "nic",
    "nics": "nic",
    "interface": "nic",
    "vm": "vm",
    "machine": "vm",
    "gateway": "gateway",
    "gw": "gateway",
    "vgw": "gateway",
}
KIND_EXAMPLE = {"nic": "nic-vm-aue", "vm": "vm-aue", "gateway": "vgw-eun"}


@command("routes", usage=USAGE, example=EXAMPLE)
def routes(ctx: Ctx, args: str) -> Reply | None:
    """What routes a NIC, VM or gateway really has, whether every address space it should reach is covered, and what a VPN client was given.

    `/vpn routes <nic|vm>` shows a NIC's effective routes grouped by source (a VM's NICs each),
    with the route Azure picks for each destination that matters; `/vpn routes <gateway>` its
    learned routes and the routes advertised to each BGP peer. Both check coverage: the own
    VNet, peered VNets (and through gateway transit), VNet-to-VNet remotes, local network
    gateways, point-to-site pools and private endpoints — reached by which route, or why not.
    Add IPs to explain their route: `/vpn routes vm-aue 10.1.1.4`. `/vpn routes log <pasted
    log>` compares an Azure VPN client log with what the gateway should hand out.
    """
    stripped = (args or "").strip()
    if not stripped:
        raise UsageError(
            "Which NIC, VM or gateway?",
            rich(
                "Usage: ",
                code(USAGE_LONG),
                ". A VPN client's log works too: ",
                code("/vpn routes log"),
                " followed by the pasted lines.",
            ),
            EXAMPLE,
        )
    first, rest = [*stripped.split(maxsplit=1), ""][:2]
    if first.lower() in ("log", "logs", "log:"):
        return log_reply(ctx, rest)
    if looks_like_vpn_log(stripped):
        return log_reply(ctx, stripped)
    kind, query, dests = _asked(stripped)
    subs = subscriptions_in_scope(ctx, "your NICs and gateways")
    estate = read_estate(ctx, subs, Progress(ctx), ALL_KINDS, slow=True)
    found = resolve(query, kind, estate)
    if not found:
        return unknown_reply(query, kind, estate)
    if len(found) > 1:
        return ambiguous_reply(query, found)
    target = found[0]
    if target.gateway is not None:
        return gateway_reply(ctx, target.gateway, estate, dests)
    replies = nic_replies(ctx, target, estate, dests)
    for r in replies[:-1]:
        ctx.out.respond(r)
    return replies[-1]


def _asked(text: str) -> tuple[Literal["nic", "vm", "gateway"] | None, str, list[str]]:
    """(kind named, name, addresses to explain) from `[kind] <name> [to|for|via] [ip …]`."""
    words = [w.strip("`'\"") for w in normalise(text).split(" ") if w.strip("`'\"")]
    kind: Literal["nic", "vm", "gateway"] | None = None
    if words and words[0].lower() in KIND_WORDS:
        kind = KIND_WORDS[words[0].lower()]
        words = words[1:]
    if not words:
        said = f"{kind} " if kind else ""
        raise UsageError(
            f"Which {kind or 'NIC, VM or gateway'}?",
            rich("Name it: ", code(f"/vpn routes {said}<name>"), "."),
            f"/vpn routes {said}{KIND_EXAMPLE[kind or 'vm']}",
        )
    query, dests = words[0], [w for w in words[1:] if w.lower() not in ("to", "for", "via")]
    for d in dests:
        if parse_net(d) is None:
            raise UsageError(
                rich(code(d), " is not an IP address or prefix."),
                "After the name, give addresses or prefixes whose route you want explained.",
                f"/vpn routes {query} 10.1.1.4",
            )
    return kind, query, dests


@shortcut("check_vpn_client_log", "Check VPN client log")
def check_vpn_client_log(ctx: Ctx, message_text: str) -> Reply | None:
    """Message shortcut: read the Azure VPN client log in a message and compare it with the estate."""
    if not looks_like_vpn_log(message_text or ""):
        return error_reply("That message has no Azure VPN client log lines.", LOG_HINT, LOG_EXAMPLE)
    return log_reply(ctx, message_text)
