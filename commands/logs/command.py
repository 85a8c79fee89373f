"""`/vpn logs <connection|gateway>`: the last IKE negotiation errors and tunnel events from the
gateway's diagnostic logs in Log Analytics (`commands.logs.ike`)."""

from __future__ import annotations

from commands.core.estate import subscriptions_in_scope
from commands.core.model import rid_key
from commands.core.registry import Ctx, command
from commands.core.reply import Reply, Text
from commands.core.text import Icon, code, rich
from commands.findings.dns import facts as dnsf
from commands.judgement.estate import LGW, read_estate
from commands.judgement.progress import Progress
from commands.logs.ike import ike_failure_parts
from commands.troubleshoot.target import find, need_target

USAGE = "logs <connection|gateway>"
EXAMPLE = "/vpn logs cn-eun-to-aue"


@command("logs", usage=USAGE, example=EXAMPLE)
def logs(ctx: Ctx, args: str) -> Reply | None:
    """Why a tunnel does not come up: the last IKE negotiation errors of a connection (or gateway), in plain words, from its diagnostic logs in Log Analytics.

    `/vpn logs <connection|gateway>` reads the last 24 hours of `IKEDiagnosticLog` and
    `TunnelDiagnosticLog` from the workspace the gateway's diagnostic setting sends them to;
    when no setting sends them, it says how to add one.
    """
    query = need_target(args, "logs", EXAMPLE)
    subs = subscriptions_in_scope(ctx, "your VPN gateways")
    estate = read_estate(ctx, subs, Progress(ctx), frozenset({dnsf.GATEWAYS, dnsf.CONNECTIONS, LGW}))
    target = find(query, estate, "logs")
    if isinstance(target, Reply):
        return target
    gateway = target.gateway
    if gateway is None:
        return Reply(
            fallback=f"The gateway of {target.name} could not be read",
            visibility="ephemeral",
            parts=[
                Text(
                    rich(
                        Icon.WARNING,
                        " The gateway of ",
                        code(target.name),
                        " is not among the gateways the bot could list.",
                    )
                )
            ],
        )
    conn = target.connection
    lng = (
        next((x for x in estate.local_gateways if rid_key(x.id) == rid_key(conn.local_network_gateway_id)), None)
        if conn is not None
        else None
    )
    ctx.out.progress(rich(f"Reading the IKE logs of {target.name}…"))
    parts = ike_failure_parts(ctx, gateway, conn, lng, estate.gateways)
    r = Reply(fallback=f"IKE logs of {target.name}")
    r.add(*parts[:4])
    r.more(*parts[4:])
    return r
