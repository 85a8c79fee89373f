"""Azure's own published examples, served by the emulator, read back through the real SDK clients.

Every file in ../shared/fixtures/real/arm and …/privatedns becomes an estate
(`sandbox.estate.estate_from_examples`); the matching SDK call must return everything the
published 200 body holds. A new fixture file without a reader here fails, on purpose.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import estate_from_examples, example_id
from tests.integration import arm_sdk as S
from tests.shared_fixtures import needs_shared, real_files

FILES = real_files("arm") + real_files("privatedns")

Reader = Callable[[Any, Any, dict[str, Any]], Any]


def _p(params: dict[str, Any], name: str) -> str:
    return str(params[name])


READERS: dict[str, Reader] = {
    "NetworkInterfaceEffectiveRouteTableList": lambda n, d, p: n.network_interfaces.begin_get_effective_route_table(
        _p(p, "resourceGroupName"), _p(p, "networkInterfaceName")
    ).result(),
    "PrivateEndpointDnsZoneGroupGet": lambda n, d, p: n.private_dns_zone_groups.get(
        _p(p, "resourceGroupName"), _p(p, "privateEndpointName"), _p(p, "privateDnsZoneGroupName")
    ),
    "PrivateEndpointGet": lambda n, d, p: n.private_endpoints.get(
        _p(p, "resourceGroupName"), _p(p, "privateEndpointName")
    ),
    "VirtualNetworkGatewayConnectionGet": lambda n, d, p: n.virtual_network_gateway_connections.get(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkGatewayConnectionName")
    ),
    "VirtualNetworkGatewayConnectionsList": lambda n, d, p: list(
        n.virtual_network_gateway_connections.list(_p(p, "resourceGroupName"))
    ),
    "VirtualNetworkGatewayGet": lambda n, d, p: n.virtual_network_gateways.get(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkGatewayName")
    ),
    "VirtualNetworkGatewayGetAdvertisedRoutes": lambda n, d, p: n.virtual_network_gateways.begin_get_advertised_routes(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkGatewayName"), peer=_p(p, "peer")
    ).result(),
    "VirtualNetworkGatewayGetBGPPeerStatus": lambda n, d, p: n.virtual_network_gateways.begin_get_bgp_peer_status(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkGatewayName")
    ).result(),
    "VirtualNetworkGatewayGetVpnclientConnectionHealth": lambda n, d, p: (
        n.virtual_network_gateways.begin_get_vpnclient_connection_health(
            _p(p, "resourceGroupName"), _p(p, "virtualNetworkGatewayName")
        ).result()
    ),
    "VirtualNetworkGatewayLearnedRoutes": lambda n, d, p: n.virtual_network_gateways.begin_get_learned_routes(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkGatewayName")
    ).result(),
    "VirtualNetworkGatewayList": lambda n, d, p: list(n.virtual_network_gateways.list(_p(p, "resourceGroupName"))),
    "VirtualNetworkGet": lambda n, d, p: n.virtual_networks.get(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkName")
    ),
    "VirtualNetworkList": lambda n, d, p: list(n.virtual_networks.list(_p(p, "resourceGroupName"))),
    "VirtualNetworkPeeringCreate": lambda n, d, p: n.virtual_network_peerings.get(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkName"), _p(p, "virtualNetworkPeeringName")
    ),
    "VirtualNetworkPeeringCreateWithRemoteVirtualNetworkEncryption": lambda n, d, p: n.virtual_network_peerings.get(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkName"), _p(p, "virtualNetworkPeeringName")
    ),
    "VirtualNetworkPeeringGet": lambda n, d, p: n.virtual_network_peerings.get(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkName"), _p(p, "virtualNetworkPeeringName")
    ),
    "VirtualNetworkPeeringList": lambda n, d, p: list(
        n.virtual_network_peerings.list(_p(p, "resourceGroupName"), _p(p, "virtualNetworkName"))
    ),
    "VirtualNetworkPeeringSync": lambda n, d, p: n.virtual_network_peerings.get(
        _p(p, "resourceGroupName"), _p(p, "virtualNetworkName"), _p(p, "virtualNetworkPeeringName")
    ),
    "PrivateZoneGet": lambda n, d, p: d.private_zones.get(_p(p, "resourceGroupName"), _p(p, "privateZoneName")),
    "PrivateZoneListInSubscription": lambda n, d, p: list(d.private_zones.list()),
    "RecordSetAGet": lambda n, d, p: d.record_sets.get(
        _p(p, "resourceGroupName"), _p(p, "privateZoneName"), _p(p, "recordType"), _p(p, "relativeRecordSetName")
    ),
    "RecordSetALLList": lambda n, d, p: list(d.record_sets.list(_p(p, "resourceGroupName"), _p(p, "privateZoneName"))),
    "VirtualNetworkLinkGet": lambda n, d, p: d.virtual_network_links.get(
        _p(p, "resourceGroupName"), _p(p, "privateZoneName"), _p(p, "virtualNetworkLinkName")
    ),
    "VirtualNetworkLinkList": lambda n, d, p: list(
        d.virtual_network_links.list(_p(p, "resourceGroupName"), _p(p, "privateZoneName"))
    ),
}


def _plain(v: Any) -> Any:
    """SDK values back to JSON (datetimes as the wire text they came from is not kept)."""
    return json.loads(json.dumps(v, default=lambda o: o.isoformat() if isinstance(o, dt.datetime) else str(o)))


def _same_instant(a: str, b: str) -> bool:
    try:
        pa = dt.datetime.fromisoformat(a.replace("Z", "+00:00"))
        pb = dt.datetime.fromisoformat(b.replace("Z", "+00:00"))
    except ValueError:
        return False
    return pa.replace(tzinfo=pa.tzinfo or dt.UTC) == pb.replace(tzinfo=pb.tzinfo or dt.UTC)


def assert_survives(expected: Any, actual: Any, where: str = "$") -> None:
    """Every field of the published body is in what the SDK returned, with the same value."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for k, v in expected.items():
            assert k in actual, f"{where}.{k} is missing from what the SDK returned"
            assert_survives(v, actual[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_survives(e, a, f"{where}[{i}]")
    elif isinstance(expected, str) and isinstance(actual, str) and expected != actual:
        assert _same_instant(expected, actual), f"{where}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@needs_shared
@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_published_example_round_trips_through_the_sdk(path: Path) -> None:
    example = json.loads(path.read_text(encoding="utf-8"))
    assert path.stem in READERS, f"no SDK reader for {path.name}: add one to READERS"
    params = example["parameters"]
    published = (example["responses"].get("200") or example["responses"]["201"])["body"]
    with ArmEmulator(estate_from_examples([path]), page_size=1) as emu:
        net = S.network(emu.base_url, sub=str(params["subscriptionId"]))
        dns = S.privatedns(emu.base_url, sub=str(params["subscriptionId"]))
        got = READERS[path.stem](net, dns, params)
        if isinstance(got, list):
            items = {i["id"].lower(): i for i in (_plain(x.as_dict()) for x in got)}
            assert len(items) == len(published["value"])
            for item in published["value"]:
                assert_survives(item, items[item["id"].lower()], item["id"])
        else:
            expected = dict(published)
            target = example_id(params)
            if "id" in expected and expected["id"].lower() != target.lower():
                expected["id"] = target  # re-homed under its parameters' id, as a GET answers
            assert_survives(expected, _plain(got.as_dict()))
        assert {r.status for r in emu.requests} <= {200, 202}


@needs_shared
def test_every_published_example_loads_into_one_estate() -> None:
    estate = estate_from_examples(FILES)
    with ArmEmulator(estate, page_size=2) as emu:
        for sub in {s["subscriptionId"] for s in estate["subscriptions"]}:
            net = S.network(emu.base_url, sub=sub)
            assert isinstance(list(net.virtual_networks.list_all()), list)
        subs = [s.subscription_id for s in S.subscriptions(emu.base_url).subscriptions.list()]
        assert sorted(subs) == sorted(s["subscriptionId"] for s in estate["subscriptions"])
        net = S.network(emu.base_url, sub="00000000-0000-0000-0000-000000000000")
        assert {g.name for g in net.virtual_network_gateways.list("rg1")} >= {"vpngw1", "vpngw2"}
