"""A small estate for the /vpn peering domain tests, built from dataclasses, and their helpers.

Shaped like the seed problem but invented here (names differ from the sandbox seed on
purpose, so the domain is shown to work on estates it was not written against):
hub `vn-hub` (westeurope, gateway gw-hub with point-to-site), `vn-far` (japaneast, its own
gateway gw-far), `vn-spoke` (no gateway), `vn-half` (a peering whose other side is missing).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from bot.runtime import failures
from bot.runtime.jobs import Job
from bot.slack.mrkdwn import mrkdwn
from bot.store.sqlite import SqliteStore
from commands.catalog import REGISTRY
from commands.core.model import Gateway, Peering, VirtualNetwork
from commands.core.registry import Action, Command, Ctx, DomainSettings
from commands.core.reply import Actions, Context, Fields, Finding, Reply, Table, Text
from commands.findings.peerings import PeeringFacts, VnetFacts, find_reverse
from commands.peering.command import peering as peering_cmd
from tests.fakes import FakeAzure, RecordingMessenger

SUB = "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network"
# The change most tests file: hub-to-far forwards traffic (off today).
CHANGE = "vn-hub/hub-to-far allowForwardedTraffic on reason: NVA in the hub"


def vnet_id(name: str) -> str:
    return f"{SUB}/virtualNetworks/{name}"


def peering_id(vnet: str, name: str) -> str:
    return f"{vnet_id(vnet)}/virtualNetworkPeerings/{name}"


def peering(vnet: str, name: str, remote: str, prefixes: tuple[str, ...] = (), **flags: object) -> Peering:
    base: dict[str, object] = {"state": "Connected", "sync_level": "FullyInSync", "provisioning_state": "Succeeded"}
    base.update(flags)
    return Peering(
        id=peering_id(vnet, name),
        name=name,
        vnet_id=vnet_id(vnet),
        remote_vnet_id=vnet_id(remote),
        remote_address_prefixes=prefixes,
        etag='W/"0"',
        **base,  # type: ignore[arg-type]
    )


def gateway(name: str, vnet: str, p2s: tuple[str, ...] = ()) -> Gateway:
    return Gateway(
        id=f"{SUB}/virtualNetworkGateways/{name}",
        name=name,
        vnet_id=vnet_id(vnet),
        sku="VpnGw2",
        p2s_address_pool=p2s,
        provisioning_state="Succeeded",
    )


def estate() -> FakeAzure:
    hub = VirtualNetwork(
        id=vnet_id("vn-hub"),
        name="vn-hub",
        location="westeurope",
        address_prefixes=("10.10.0.0/16",),
        peerings=(
            peering("vn-hub", "hub-to-far", "vn-far", ("10.20.0.0/16",), allow_gateway_transit=True),
            peering("vn-hub", "hub-to-spoke", "vn-spoke", ("10.30.0.0/16",), allow_gateway_transit=False),
        ),
    )
    far = VirtualNetwork(
        id=vnet_id("vn-far"),
        name="vn-far",
        location="japaneast",
        address_prefixes=("10.20.0.0/16",),
        peerings=(peering("vn-far", "far-to-hub", "vn-hub", ("10.10.0.0/16",)),),
    )
    spoke = VirtualNetwork(
        id=vnet_id("vn-spoke"),
        name="vn-spoke",
        location="westeurope",
        address_prefixes=("10.30.0.0/16",),
        peerings=(peering("vn-spoke", "spoke-to-hub", "vn-hub", ("10.10.0.0/16",)),),
    )
    half = VirtualNetwork(
        id=vnet_id("vn-half"),
        name="vn-half",
        location="westeurope",
        address_prefixes=("10.40.0.0/16",),
        peerings=(peering("vn-half", "half-to-hub", "vn-hub", ("10.10.0.0/16",), state="Initiated"),),
    )
    return FakeAzure(
        vnets=(hub, far, spoke, half),
        gateways=(gateway("gw-hub", "vn-hub", ("172.16.1.0/24",)), gateway("gw-far", "vn-far", ("172.16.2.0/24",))),
    )


class Clock:
    """A settable clock for Ctx.now (tests move time instead of sleeping)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.t = start or datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


APPROVERS = frozenset({"U_BOB", "U_CAROL"})


def make_ctx(
    azure: FakeAzure,
    store: SqliteStore,
    user: str = "U_ALICE",
    out: RecordingMessenger | None = None,
    clock: Clock | None = None,
    **settings: object,
) -> Ctx:
    base: dict[str, object] = {"approvers": APPROVERS, "request_ttl_minutes": 60}
    base.update(settings)
    return Ctx(
        azure=azure,
        out=out or RecordingMessenger(),
        user=user,
        channel="C_OPS",
        settings=DomainSettings(**base),  # type: ignore[arg-type]
        store=store,
        now=clock or Clock(),
    )


def as_user(ctx: Ctx, user: str) -> Ctx:
    return dataclasses.replace(ctx, user=user)


def answer(ctx: Ctx, handler: Command | Action, text: str = "", ref: str = "C_OPS:1") -> Reply | None:
    """What the user gets, as the worker gives it: the handler's reply, or the one failure
    policy's answer (`bot.runtime.failures`) when it raised a failure the policy knows.
    `ref` is the message a button was clicked on."""
    if isinstance(handler, Command):
        job = Job("command", handler.name, text, user=ctx.user, channel=ctx.channel)
    else:
        job = Job("action", handler.action_id, text, user=ctx.user, channel=ctx.channel, message_ref=ref)
    try:
        return handler(ctx, text) if isinstance(handler, Command) else handler(ctx, text, job.message_ref)
    except Exception as exc:
        if failures.outcome_of(exc) == "internal_error":
            raise
        return failures.reply_for(exc, job)


def text_of(reply: Reply | None, table_sep: str = " | ") -> str:
    """A reply's words (fallback, texts, findings, table rows, fields) as Slack's mrkdwn in
    one string, for `in` assertions; zero-width spaces (mrkdwn escaping) removed."""
    assert reply is not None
    bits = [mrkdwn(reply.fallback)]
    for p in reply.parts + reply.thread:
        if isinstance(p, Text | Context):
            bits.append(mrkdwn(p.text))
        elif isinstance(p, Finding):
            bits += [mrkdwn(p.title), mrkdwn(p.evidence), mrkdwn(p.next_step)]
        elif isinstance(p, Table):
            bits += [table_sep.join(r) for r in p.rows]
        elif isinstance(p, Fields):
            bits += [f"{mrkdwn(k)}: {mrkdwn(v)}" for k, v in p.items]
    return "\n".join(bits).replace("\u200b", "")


def facts(local: str, name: str, az: FakeAzure | None = None, local_gws_known: bool = True) -> PeeringFacts:
    """Both sides of peering `name` of VNet `local`, with each VNet's gateways."""
    az = az or estate()
    lv: VirtualNetwork = az.virtual_network(vnet_id(local))
    p = next(x for x in lv.peerings if x.name == name)
    rv = az.virtual_network(p.remote_vnet_id)
    gws = list(az.gws.values())

    def vf(v: VirtualNetwork, known: bool = True) -> VnetFacts:
        return VnetFacts(v, tuple(g for g in gws if g.vnet_id.lower() == v.id.lower()), known)

    return PeeringFacts(vf(lv, local_gws_known), p, vf(rv), find_reverse(p, rv))


def buttons(reply: Reply) -> list[tuple[str, str]]:
    """(action_id, value) of every button of a reply."""
    return [(b.action_id, b.value) for p in (reply.parts + reply.thread) if isinstance(p, Actions) for b in p.buttons]


def out(ctx: Ctx) -> RecordingMessenger:
    """What the bot posted and updated (the test contexts record it)."""
    assert isinstance(ctx.out, RecordingMessenger)
    return ctx.out


def file_change(ctx: Ctx, text: str = CHANGE) -> Reply | None:
    """`/vpn peering <text>` as `ctx.user` asks it."""
    return answer(ctx, peering_cmd, text)


def click(ctx: Ctx, user: str, verb: str, number: int) -> Reply | None:
    """`user` clicks the `verb` button (approve, reject, cancel, revert) of request `number`,
    on the request's own message (where the bot posted it; no message: nowhere)."""
    act = REGISTRY.action(f"approval_{verb}")
    assert act is not None
    rec = ctx.store.get_request(number) if ctx.store is not None else None
    ref = str(rec.body.get("message_ref") or "") if rec is not None else ""
    return answer(as_user(ctx, user), act, str(number), ref=ref)


def keys(findings: list[Finding]) -> list[str]:
    """The kinds of findings (their keys without the resource)."""
    return [f.key.split(":")[0] for f in findings]
