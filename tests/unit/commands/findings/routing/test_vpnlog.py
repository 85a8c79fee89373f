"""Reading Azure VPN client logs as people paste them into Slack."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.inbound import from_slack
from commands.findings.routing.vpnlog import looks_like_vpn_log, parse_vpn_client_log
from tests.unit.commands.routes.estates import SEED_LOG

PREFIX = "[3/23/2020 1:28:14 PM] PId:[00025864] TId:[00024864] [hub-eun] [{…}] [Verbose] "


def test_seed_log_reports_both_routes_and_the_assigned_address() -> None:
    log = parse_vpn_client_log(SEED_LOG)
    assert log.prefixes == ("10.0.0.0/16", "10.1.0.0/16")
    assert log.assigned_ip == "172.16.10.2"
    assert log.assigned_prefixlen == 25
    assert log.assigned_prefix == "172.16.10.0/25"
    assert log.route_gateway == "172.16.10.1"
    assert log.profiles == ("hub-eun",)
    assert log.established and not log.disconnected
    assert log.unreadable == ()
    assert log.records == 5
    assert [r.how for r in log.routes] == ["Received option: route", "Assigned Route"]
    assert log.first_time == "3/23/2020 1:28:14 PM"


def test_a_log_as_slack_delivers_it_reads_once_the_listener_has_unescaped_it() -> None:
    # Slack escapes the quote marker a person typed and wraps what looks like a link;
    # bot/slack/inbound.py undoes both before the domain sees the text.
    mangled = (
        "here you go:\n```"
        + SEED_LOG.replace("[{…}]", "[{1b2c…}]")
        .replace("\n", "\n&gt; ", 2)
        .replace("Session established!", "Session\u00a0established!")
        .replace("route 10.0.0.0", "route\u200b 10.0.0.0")
        .replace("Assigned Route: 10.1.0.0", "Assigned Route: <http://10.1.0.0|10.1.0.0>")
        + "```\nany idea why Australia times out?"
    )
    log = parse_vpn_client_log(from_slack(mangled))
    assert log.prefixes == ("10.0.0.0/16", "10.1.0.0/16")
    assert log.assigned_prefix == "172.16.10.0/25"
    assert log.established
    assert log.unreadable == ()


def test_quote_markers_code_fences_escapes_and_smart_quotes_a_person_pasted_are_read() -> None:
    text = (
        "```" + PREFIX + "Received control message: \u2018PUSH_REPLY,route 10.2.0.0 255.255.0.0,"
        "dhcp-option DNS 10.0.0.4,route-gateway 172.16.10.1,ifconfig 172.16.10.5 255.255.255.128\u2019\n"
        "&amp;gt; &gt; " + PREFIX + "Assigned Route: 10.3.0.0 / 255.255.0.0```\n"
    )
    log = parse_vpn_client_log(text)
    assert log.prefixes == ("10.2.0.0/16", "10.3.0.0/16")
    assert log.dns_servers == ("10.0.0.4",)
    assert log.assigned_ip == "172.16.10.5"
    assert log.assigned_prefix == "172.16.10.0/25"


def test_a_line_wrapped_in_two_is_joined_back() -> None:
    text = (
        PREFIX
        + "Received option: route 10.0.0.0\n255.255.0.0\n"
        + PREFIX
        + "Assigned Route: 10.1.0.0 / 255.255.\n0.0\n"
    )
    log = parse_vpn_client_log(text)
    assert log.prefixes == ("10.0.0.0/16", "10.1.0.0/16")
    assert log.unreadable == ()


def test_newlines_collapsed_into_one_line_still_give_every_record() -> None:
    log = parse_vpn_client_log(" ".join(SEED_LOG.splitlines()))
    assert log.prefixes == ("10.0.0.0/16", "10.1.0.0/16")
    assert log.assigned_prefix == "172.16.10.0/25"
    assert log.established
    bare = "Received option: route 10.0.0.0 255.255.0.0 Assigned Route: 10.1.0.0 / 255.255.0.0 Session established!"
    assert parse_vpn_client_log(bare).prefixes == ("10.0.0.0/16", "10.1.0.0/16")


def test_other_timestamp_formats_and_no_timestamp() -> None:
    text = (
        "2024-05-01T10:00:00.123Z [vnet-aue] [Info] Received option: route 10.0.0.0 255.255.0.0\n"
        "[01.05.2024 10:00:01] PId:[1] TId:[2] [vnet-aue] Assigned Route: 10.1.0.0 / 16\n"
        "Assigned IP address: 172.16.20.7 / 255.255.255.0\n"
    )
    log = parse_vpn_client_log(text)
    assert log.prefixes == ("10.0.0.0/16", "10.1.0.0/16")
    assert log.assigned_prefix == "172.16.20.0/24"
    assert log.profiles == ("vnet-aue",)
    assert log.first_time.startswith("2024-05-01T10:00:00")


def test_ipv6_routes_and_address() -> None:
    text = (
        PREFIX
        + "Received option: route-ipv6 fd00:10::/48\n"
        + PREFIX
        + "Assigned Route: fd00:20:: / 64\n"
        + PREFIX
        + "Assigned IP address: fd00:ff::2 / 64\n"
    )
    log = parse_vpn_client_log(text)
    assert log.prefixes == ("fd00:10::/48", "fd00:20::/64")
    assert log.assigned_ipv6 == "fd00:ff::2"


def test_malformed_lines_are_reported_and_the_rest_is_read() -> None:
    text = (
        PREFIX
        + "Received option: route 10.0.0.300 255.255.0.0\n"
        + PREFIX
        + "Assigned Route: 10.1.0.0 / 255.0.255.0\n"
        + PREFIX
        + "Received option: route 10.2.0.0 255.255.0.0\n"
        + PREFIX
        + "Status = Connecting\n"
    )
    log = parse_vpn_client_log(text)
    assert log.prefixes == ("10.2.0.0/16",)
    assert [n for n, _ in log.unreadable] == [1, 2]
    assert "10.0.0.300" in log.unreadable[0][1]
    assert log.ignored == 1


def test_chat_text_around_the_log_is_not_counted_as_unreadable() -> None:
    log = parse_vpn_client_log("Hi team, my laptop can't reach the DB.\n" + SEED_LOG + "\nthanks!")
    assert log.unreadable == ()
    assert log.prefixes == ("10.0.0.0/16", "10.1.0.0/16")


def test_dns_and_a_disconnect_after_the_session() -> None:
    text = (
        SEED_LOG
        + PREFIX
        + "Received option: dhcp-option DNS 10.0.0.4\n"
        + "[3/23/2020 1:30:00 PM] [hub-eun] [Error] Disconnected: tunnel closed by the server\n"
    )
    log = parse_vpn_client_log(text)
    assert log.dns_servers == ("10.0.0.4",)
    assert log.disconnected
    assert log.errors and log.errors[0][0] == 7
    assert log.last_time == "3/23/2020 1:30:00 PM"


def test_repeated_routes_are_listed_once() -> None:
    log = parse_vpn_client_log(SEED_LOG + SEED_LOG)
    assert log.prefixes == ("10.0.0.0/16", "10.1.0.0/16")


def test_what_looks_like_a_log() -> None:
    assert looks_like_vpn_log(SEED_LOG)
    assert looks_like_vpn_log("Assigned Route: 10.1.0.0 / 255.255.0.0")
    assert not looks_like_vpn_log("is the tunnel up? the session established fine yesterday")
    assert not looks_like_vpn_log("")
    assert parse_vpn_client_log("no log here at all").empty


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_parsing_never_raises_on_any_text(text: str) -> None:
    log = parse_vpn_client_log(PREFIX + "Received option: route " + text + "\n" + text)
    assert isinstance(log.prefixes, tuple)
