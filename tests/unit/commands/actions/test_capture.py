"""The capture command's words → Azure's `filterData`, as "Configure packet capture for VPN
gateways" documents it (https://learn.microsoft.com/azure/vpn-gateway/packet-capture): a JSON
object serialised as a string, TracingFlags / MaxPacketBufferSize (bytes) / MaxFileSize (MB)
and one entry of Filters; TcpFlags or-ed from FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32."""

from __future__ import annotations

import json

import pytest

from commands.actions.capture import filter_data, parse, parse_filter
from commands.core.errors import UsageError


def test_every_filter_word_maps_to_its_filterdata_field() -> None:
    f = parse_filter(
        [
            "src",
            "10.0.0.0/16,10.2.0.0/16",
            "dst",
            "10.1.0.5/32",
            "sport",
            "500",
            "dport",
            "4500,1433",
            "proto",
            "tcp",
            "flags",
            "fin,rst,urg",
            "one-way",
        ]
    )
    assert f == {
        "CaptureSingleDirectionTrafficOnly": True,
        "SourceSubnets": ["10.0.0.0/16", "10.2.0.0/16"],
        "DestinationSubnets": ["10.1.0.5/32"],
        "SourcePort": [500],
        "DestinationPort": [4500, 1433],
        "Protocol": 6,
        "TcpFlags": 1 | 4 | 32,
    }
    body = json.loads(filter_data(f))
    assert body == {"TracingFlags": 11, "MaxPacketBufferSize": 120, "MaxFileSize": 200, "Filters": [f]}


def test_no_filter_sends_no_filterdata_and_both_directions_is_the_default() -> None:
    assert filter_data(None) == ""
    assert parse_filter(["proto", "esp"]) == {"CaptureSingleDirectionTrafficOnly": False, "Protocol": 50}


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("src 10.0.0.999/8", "not an address range"),
        ("dport 70000", "not a port list"),
        ("proto gre", "not a protocol"),
        ("flags syn,xyz", "not a TCP flag"),
        ("proto udp flags syn", "TCP flags go with proto tcp only"),
        ("ttl 4", "not a filter word"),
        ("src", "needs a value"),
    ],
)
def test_a_wrong_filter_says_what_is_wrong(words: str, said: str) -> None:
    with pytest.raises(UsageError) as e:
        parse_filter(words.split())
    assert said in str(e.value.message)


def test_minutes_and_stop_words() -> None:
    assert parse("start gateway vgw-eun 30 reason: x")[:4] == ("start", "gateway", "vgw-eun", 30)
    assert parse("stop cn-eun-to-aue")[:3] == ("stop", "", "cn-eun-to-aue")
    with pytest.raises(UsageError, match="1 to 45 minutes"):
        parse("start cn-eun-to-aue 0")
    with pytest.raises(UsageError, match="only the connection or gateway"):
        parse("stop cn-eun-to-aue 5")
