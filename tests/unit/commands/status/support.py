"""What the `/vpn status` tests share: estates built in code, and running the command the
way the worker does (a UsageError or AzureFailure is answered by the one failure policy)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from bot.runtime.failures import reply_for
from bot.runtime.jobs import Job
from bot.slack.mrkdwn import mrkdwn
from commands.core.errors import AzureFailure, UsageError
from commands.core.model import Connection, Gateway, P2SClient
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Context, Finding, Reply, Text
from commands.status.command import status
from tests.fakes import FakeAzure, RecordingMessenger

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def net(sub: str = "sub1", rg: str = "rg-net") -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network"


def gw(name: str, location: str, sub: str = "sub1", **kw: object) -> Gateway:
    return Gateway(f"{net(sub)}/virtualNetworkGateways/{name}", name, location, sku="VpnGw2AZ", **kw)  # type: ignore[arg-type]


def conn(name: str, a: Gateway, b: Gateway | None = None, **kw: object) -> Connection:
    sub = a.id.split("/")[2]
    fields: dict[str, object] = {"status": "Connected", "connection_type": "Vnet2Vnet" if b else "IPsec"}
    fields.update(kw)
    return Connection(
        f"{net(sub)}/connections/{name}",
        name,
        a.location,
        gateway1_id=a.id,
        gateway2_id=b.id if b else "",
        local_network_gateway_id="" if b else f"{net(sub)}/localNetworkGateways/lng-{name}",
        **fields,  # type: ignore[arg-type]
    )


def run(azure: FakeAzure, text: str, **overrides: object) -> tuple[Reply, RecordingMessenger]:
    out = RecordingMessenger()
    opts: dict[str, object] = {"progress_every_s": 0.0, **overrides}
    ctx = Ctx(azure, out, settings=DomainSettings(**opts), now=lambda: NOW)  # type: ignore[arg-type]
    try:
        reply = status(ctx, text)
    except (UsageError, AzureFailure) as exc:
        reply = reply_for(exc, Job("command", "status", text))
    assert reply is not None
    return reply, out


def text_of(reply: Reply) -> str:
    """Everything the reply says, as the mrkdwn Slack receives."""
    bits = [reply.fallback]
    for p in [*reply.parts, *reply.thread]:
        if isinstance(p, Finding):
            bits += [p.title, p.evidence, p.next_step]
            bits += [x.title for x in p.every()[1:]]
        elif isinstance(p, Text | Context):
            bits.append(p.text)
    return "\n".join(mrkdwn(b) for b in bits)


def progress_of(out: RecordingMessenger) -> list[str]:
    """The progress updates, as words."""
    return [str(t) for t in out.progress_texts]


def finding(reply: Reply, key_prefix: str) -> Finding:
    found = [f for f in reply.findings if f.key.startswith(key_prefix)]
    assert found, f"no {key_prefix} finding in {[f.key for f in reply.findings]}"
    return found[0]


# --- the seed problem's facts, built here (not the seed file) -------------------------------

EUN = gw("vgw-eun", "northeurope", p2s_address_pool=("172.16.10.0/25",), p2s_protocols=("OpenVPN",))
AUE = gw("vgw-aue", "australiaeast")
EUN_AUE = conn("eun-to-aue", EUN, AUE, egress_bytes=5_300_000_000, last_established=NOW - timedelta(hours=3))
AUE_EUN = conn("aue-to-eun", AUE, EUN, ingress_bytes=5_100_000_000, last_established=NOW - timedelta(hours=3))


def seed_like() -> FakeAzure:
    return FakeAzure(
        gateways=[EUN, AUE],
        connections=[EUN_AUE, AUE_EUN],
        shared_keys={EUN_AUE.id: "same-key", AUE_EUN.id: "same-key"},
        p2s={EUN.id: [P2SClient("analyst1", ingress_bytes=20_000_000, egress_bytes=1_000_000)]},
    )


def big_estate(n: int, sick: int = 1) -> FakeAzure:
    gws = [gw(f"gw-{i:03}", "westus2") for i in range(n)]
    conns = [conn(f"c-{i:03}", g, egress_bytes=1, ingress_bytes=1) for i, g in enumerate(gws)]
    for i in range(sick):
        conns[i] = dataclasses.replace(conns[i], status="NotConnected")
    return FakeAzure(gateways=gws, connections=conns)
