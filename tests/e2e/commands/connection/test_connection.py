"""`/vpn connection` through the real path: signed slash command into the Bolt app, the
worker, the real Azure SDK against the ARM emulator (getikesas, the NAT rule list).

Expectations from Microsoft's rules: ResponderOnly never initiates IKE
(vpn-gateway-about-vpn-devices); no IKE SA means phase 1 never completed, an IKE SA without
an IPsec SA means phase 2 failed (vpn-gateway-troubleshoot-site-to-site-cannot-connect);
policy-based selectors pass only the VNet's prefixes against the site's
(vpn-gateway-connect-multiple-policybased-rm-ps).
"""

from __future__ import annotations

import io
from collections.abc import Callable

from bot.console.app import Console
from sandbox.estate import ESTATES, load_estate
from sandbox.scenarios import CORPUS

Setup = Callable[[Console], None]


def answer(estate: str, line: str, setup: Setup | None = None) -> str:
    out = io.StringIO()
    path = CORPUS / f"{estate}.json" if (CORPUS / f"{estate}.json").exists() else ESTATES / f"{estate}.json"
    con = Console(load_estate(path), out=out)
    try:
        if setup is not None:
            setup(con)
        con.run_line(line)
        con.wait()
    finally:
        con.close()
    return out.getvalue()


def first_message(text: str) -> str:
    return text.split("vpnops → #vpn-ops\n", 1)[1].split("\n[", 1)[0]


def test_a_responder_only_connection_that_is_down_says_who_must_initiate_and_no_ike_sa() -> None:
    text = answer("responder-only-down", "/vpn connection cn-ro-to-depot")
    first = first_message(text)
    assert "cn-ro-to-depot" in first and "NotConnected" in first
    assert "Azure only responds (ResponderOnly)" in first
    assert "no IKE SA — phase 1 never completes" in first  # the live read, on the phone
    assert "the device must initiate IKE" in text  # the far end's setting
    assert "ResponderOnly" in text and "must initiate" in text  # both ends, side by side


def test_policy_based_selectors_that_leave_out_a_spoke_are_said_with_the_spoke() -> None:
    text = answer("policy-based-spoke-dropped", "/vpn connection rg-pbs/cn-pbs-to-store")
    assert "drops traffic from 1 address space" in first_message(text)
    assert "10.151.0.0/16 (spoke vnet-pbs-spoke (uses the gateway))" in text
    assert "policy-based: 10.150.0.0/16 ↔ 192.168.150.0/24" in text
    # The live SAs carry the selectors Azure negotiated and the custom policy's algorithms.
    assert "IPsec AES256/SHA256 PFS None: 10.150.0.0/16 ↔ 192.168.150.0/24" in text


def test_an_ike_sa_without_ipsec_sa_is_phase_two(tmp_path: object) -> None:
    def no_child(con: Console) -> None:
        cid = next(k for k in con.arm.estate.resources if k.endswith("/connections/cn-pbs-to-store"))
        with con.arm.estate.lock:
            con.arm.estate.actions[f"{cid}/getikesas"] = [
                {
                    "localEndpoint": "20.50.150.10",
                    "remoteEndpoint": "203.0.113.150",
                    "encryption": "AES256",
                    "integrity": "SHA384",
                    "dhGroup": "DHGroup24",
                    "isSaInitiator": True,
                    "quickModeSa": [],
                }
            ]

    text = answer("policy-based-spoke-dropped", "/vpn connection cn-pbs-to-store", no_child)
    assert "IKE is up but no IPsec SA — phase 2 fails" in first_message(text)


def test_getikesas_refused_is_said_as_not_read_with_the_permission() -> None:
    def deny(con: Console) -> None:
        con.arm.deny("Microsoft.Network/connections/getikesas/action")

    text = answer("responder-only-down", "/vpn connection cn-ro-to-depot", deny)
    assert "read failed" in first_message(text)
    assert "getikesas failed for cn-ro-to-depot: forbidden" in text
    assert "Live IKE SAs: none" not in text  # could not read is never "none"


def test_an_unknown_connection_names_the_known_ones_and_an_example() -> None:
    text = answer("responder-only-down", "/vpn connection cn-nope")
    assert "No connection named `cn-nope` in the subscriptions the bot can see" in text and "`cn-ro-to-depot`" in text
    assert "/vpn connection cn-eun-to-aue" in text


def test_a_name_two_connections_share_lists_both_with_their_ids() -> None:
    def twin(con: Console) -> None:
        est = con.arm.estate
        src = next(k for k in est.resources if k.endswith("/connections/cn-ro-to-depot"))
        doc = dict(est.resources[src])
        doc["id"] = doc["id"].replace("/resourceGroups/rg-ro/", "/resourceGroups/rg-ro2/")
        est.put_resource(doc)

    text = answer("responder-only-down", "/vpn connection cn-ro-to-depot", twin)
    assert "Several connections are called `cn-ro-to-depot`" in text
    assert text.count("/vpn connection /subscriptions/") == 2


def test_status_points_at_each_connection() -> None:
    text = answer("responder-only-down", "/vpn status vgw-ro")
    assert "🔎 IKE/IPsec: `/vpn connection cn-ro-to-depot`" in text


def test_status_points_at_point_to_site() -> None:
    text = answer("p2s-config-broken", "/vpn status vgw-p2sb-cert")
    assert "point-to-site: `/vpn p2s vgw-p2sb-cert`" in text
