"""The answer of `/vpn diagnose`: headline, top findings, the rest, the design options."""

from __future__ import annotations

import pytest

from bot.slack.mrkdwn import mrkdwn
from commands.core.model import Subscription
from commands.core.reply import Context, Divider, Finding, Header, Table, Text
from commands.diagnose.render import REST_IN_FULL
from tests.fakes import FakeAzure
from tests.unit.commands.diagnose.diagnose_support import both_attempts, run, text_of
from tests.unit.commands.findings.topology_support import SUB, peer, vnet


def test_the_answer_reads_headline_top_findings_rest_then_options() -> None:
    reply, _ = run(both_attempts())
    first = reply.parts[0]
    assert isinstance(first, Text) and mrkdwn(first.text).startswith("*🔴 ") and "critical" in first.text
    where = reply.parts[-1]
    assert isinstance(where, Context)
    assert "🔴 gateways and connections" in where.text and "private endpoint DNS" in where.text
    kinds = [type(p).__name__ for p in reply.thread]
    header = next(i for i, p in enumerate(reply.thread) if isinstance(p, Header))
    assert isinstance(reply.thread[header - 1], Divider)
    assert reply.thread[header].text == "What to do instead"
    assert kinds.index("Finding") < header
    table = next(p for p in reply.thread if isinstance(p, Table))
    assert table.columns == ("", "1. Hub+spoke", "2. GW per region", "3. Virtual WAN")
    text = text_of(reply)
    assert (
        "In place now: peering with gateway transit (`vn-ams-to-vn-tyo`) and VNet-to-VNet (`ams-tyo`, `tyo-ams`)"
        in text
    )
    assert "keep `gw-ams`; delete `gw-tyo`" in text
    assert "users of `gw-ams` download its profile again to get the spokes' routes (2 clients connected now)" in text
    assert "a virtual hub with a point-to-site (User VPN) gateway in West Europe, Japan East" in text
    assert "k-one" not in text and "k-two" not in text  # shared keys are compared, never shown


@pytest.mark.parametrize("word", ["", "europe", "japaneast", "vn-ams"])
def test_no_answer_part_is_ever_empty(word: str) -> None:
    reply, _ = run(both_attempts(), word)
    for p in [*reply.parts, *reply.thread]:
        if isinstance(p, Text | Context):
            assert str(p.text).strip()
        if isinstance(p, Finding):
            assert str(p.title).strip() and p.key


def test_a_long_tail_is_counted_per_area_not_dropped() -> None:
    hub = vnet("vn-hub", "eastus", "10.0.0.0/16", peerings=[peer("vn-hub", f"vn-{i}") for i in range(1, 31)])
    spokes = [
        vnet(f"vn-{i}", "eastus", f"10.{i}.0.0/16", peerings=[peer(f"vn-{i}", "vn-hub", allow_forwarded_traffic=True)])
        for i in range(1, 31)
    ]
    reply, _ = run(FakeAzure(subscriptions=(Subscription(SUB),), vnets=(hub, *spokes)))
    shown = [f for f in reply.findings if f.key.startswith("topology:flags_differ:")]
    assert len(shown) == REST_IN_FULL
    tail = next(p for p in reply.thread if isinstance(p, Text) and mrkdwn(p.text).startswith("*18 more:*"))
    assert "• peerings (18): " in tail.text and "; and 15 more" in tail.text
