"""One VPN client log record's message: the values the gateway pushed, or that they are unreadable."""

from __future__ import annotations

import ipaddress

from commands.findings.routing.logmessage import read_message


def test_a_push_reply_gives_every_option_it_carries() -> None:
    m = read_message(
        "Received control message: 'PUSH_REPLY,route 10.2.0.0 255.255.0.0,route-ipv6 fd00:10::/48,"
        "dhcp-option DNS 10.0.0.4,dhcp-option DOMAIN corp.example,route-gateway 172.16.10.1,"
        "ifconfig 172.16.10.5 255.255.255.128,ifconfig-ipv6 fd00:ff::5/64'"
    )
    assert m.used and not m.bad
    assert m.routes == [
        (ipaddress.ip_network("10.2.0.0/16"), "PUSH_REPLY route"),
        (ipaddress.ip_network("fd00:10::/48"), "PUSH_REPLY route-ipv6"),
    ]
    assert m.dns == ["10.0.0.4"] and m.suffixes == ["corp.example"]
    assert m.route_gateway == "172.16.10.1"
    assert m.assigned == ("172.16.10.5", 25) and m.assigned_v6 == "fd00:ff::5"


def test_an_unreadable_value_marks_the_message_bad_and_an_unknown_option_is_ignored() -> None:
    assert read_message("Received option: route 10.0.0.0 255.0.255.0").bad
    assert read_message("Assigned IP address: 172.16.10.300 / 255.255.255.0").bad
    assert read_message("Received option: dhcp-option DNS nowhere").bad
    other = read_message("Received option: topology subnet")
    assert not other.used and not other.bad


def test_session_events_are_read() -> None:
    assert read_message("Session established!").established
    assert read_message("Disconnected: tunnel closed by the server").disconnected
    status = read_message("Status = Connecting")
    assert not status.used and not status.bad
