"""`/vpn status all` when every connection of the estate could not be read (issue 18, item 7).

The heading must not say "no problems" over what the bot could not read: with every
connection GET and the BGP peer status refused (403), nothing about a tunnel is known.
The heading's words are commands/status/render.py (trust-judgement's, issue 16): this test
is theirs to make pass, and fails until then (strict xfail).
"""

from __future__ import annotations

import io

import pytest

from bot.console.app import Console
from sandbox.estate import ESTATES, load_estate


@pytest.mark.xfail(strict=True, reason="heading: trust-judgement")
def test_status_all_is_not_headed_no_problems_when_no_connection_could_be_read() -> None:
    # hub-spoke: one gateway, one site-to-site connection; its only findings need the
    # connection's GET (tunnels) or the BGP peers, both refused here.
    out = io.StringIO()
    con = Console(load_estate(ESTATES / "hub-spoke.json"), out=out)
    try:
        con.arm.deny("Microsoft.Network/connections/read")  # every connection GET: 403
        con.arm.deny("Microsoft.Network/virtualNetworkGateways/getBgpPeerStatus/action")
        con.run_line("/vpn status all")
        con.wait()
    finally:
        con.close()
    answer = out.getvalue().split("vpnops → #vpn-ops\n", 1)[1]
    heading = answer.splitlines()[0]
    assert "status unknown (could not read it)" in answer  # the bot knows it could not read
    assert "no problems" not in heading.lower(), heading
    assert "all clear" not in heading.lower(), heading
