"""bot.arm.convert.wire and every converter on it: no payload shape makes a converter raise."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.arm import convert

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


_keys = st.sampled_from(
    [
        "properties",
        "value",
        "id",
        "name",
        "bgpSettings",
        "ipConfigurations",
        "tunnelConnectionStatus",
        "addressPrefix",
        "nextHopIpAddress",
        "customDnsConfigs",
        "privateDnsZoneConfigs",
        "recordSets",
        "aRecords",
        "lastConnectionEstablishedUtcTime",
        "vpnConnectionTime",
        "connectionStatus",
    ]
)


_payload = st.dictionaries(_keys | st.text(max_size=8), _json, max_size=6).map(
    lambda d: {**d, "properties": d.get("properties") if isinstance(d.get("properties"), dict) else d}
)


_CONVERTERS = [
    convert.gateway,
    convert.connection,
    convert.local_network_gateway,
    convert.bgp_peers,
    convert.gateway_routes,
    convert.p2s_clients,
    convert.peering,
    convert.virtual_network,
    convert.network_interface,
    convert.effective_routes,
    convert.private_endpoint,
    convert.dns_zone_group,
    convert.record_set,
    convert.vnet_link,
    convert.private_dns_zone,
    convert.dns_resolver,
    convert.sql_server,
    convert.generic_resource,
    convert.subscription,
]


@settings(max_examples=150, deadline=None)
@given(payload=_payload)
def test_no_payload_shape_makes_a_converter_raise(payload: dict[str, Any]) -> None:
    for fn in _CONVERTERS:
        fn(payload)
        fn({"value": [payload, payload.get("properties")]})


def test_wire_of_none_and_non_mappings_is_empty() -> None:
    assert convert.wire(None) == {}
    assert convert.wire(42) == {}
    assert convert.items(None) == []
    assert convert.gateway_routes(None) == []
