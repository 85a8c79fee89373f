"""A small estate for the peering/approval domain tests, built from dataclasses.

Shaped like the seed problem but invented here (names differ from the sandbox seed on
purpose, so the domain is shown to work on estates it was not written against):
hub `vn-hub` (westeurope, gateway gw-hub with point-to-site), `vn-far` (japaneast, its own
gateway gw-far), `vn-spoke` (no gateway), `vn-half` (a peering whose other side is missing).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.runtime import failures
from bot.runtime.jobs import Job
from bot.slack.mrkdwn import mrkdwn
from bot.store.sqlite import SqliteStore
from commands.core.model import Gateway, Peering, VirtualNetwork
from commands.core.registry import Action, Command, Ctx, DomainSettings
from commands.core.reply import Fields, Finding, Reply, Table, Text
from tests.fakes import FakeAzure, RecordingMessenger

SUB = "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network"


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


def answer(ctx: Ctx, handler: Command | Action, text: str = "") -> Reply | None:
    """What the user gets, as the worker gives it: the handler's reply, or the one failure
    policy's answer (`bot.runtime.failures`) when it raised a failure the policy knows."""
    if isinstance(handler, Command):
        job = Job("command", handler.name, text, user=ctx.user, channel=ctx.channel)
    else:
        job = Job("action", handler.action_id, text, user=ctx.user, channel=ctx.channel, message_ref="C_OPS:1")
    try:
        return handler(ctx, text) if isinstance(handler, Command) else handler(ctx, text, job.message_ref)
    except Exception as exc:
        if failures.outcome_of(exc) == "internal_error":
            raise
        return failures.reply_for(exc, job)


def temp_store() -> Iterator[SqliteStore]:
    with tempfile.TemporaryDirectory() as d:
        s = SqliteStore(Path(d) / "vpnops.sqlite")
        try:
            yield s
        finally:
            s.close()


def text_of(reply: Reply | None, table_sep: str = " | ") -> str:
    """A reply's words (fallback, texts, findings, table rows, fields) as Slack's mrkdwn in
    one string, for `in` assertions; zero-width spaces (mrkdwn escaping) removed."""
    assert reply is not None
    bits = [mrkdwn(reply.fallback)]
    for p in reply.parts:
        if isinstance(p, Text):
            bits.append(mrkdwn(p.text))
        elif isinstance(p, Finding):
            bits += [mrkdwn(p.title), mrkdwn(p.evidence), mrkdwn(p.next_step)]
        elif isinstance(p, Table):
            bits += [table_sep.join(r) for r in p.rows]
        elif isinstance(p, Fields):
            bits += [f"{k}: {mrkdwn(v)}" for k, v in p.items]
    return "\n".join(bits).replace("\u200b", "")
