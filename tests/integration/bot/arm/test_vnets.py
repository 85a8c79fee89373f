"""bot.arm.vnets: virtual networks, peerings and the peering update round trip, on the seed estate
(two regions, VNet-to-VNet connections with one-way counters, SQL private endpoints, a private
DNS zone linked to one VNet), read by the real SDKs over loopback HTTP from the sandbox ARM
emulator.
"""

from __future__ import annotations

import pytest

from bot.arm.client import ArmClient
from commands.core.errors import AzureFailure
from commands.core.model import rid_key
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import (
    PEER_AUE,
    PEER_EUN,
    SUB,
    failure_of,
    log_of,
    statuses,
)


def test_virtual_networks_with_subnets_and_peerings(client: ArmClient) -> None:
    vnets = {v.name: v for v in client.virtual_networks(SUB)}
    assert vnets["vnet-eun"].address_prefixes == ("10.0.0.0/16",)
    assert vnets["vnet-aue"].address_prefixes == ("10.1.0.0/16",)
    (peer,) = vnets["vnet-eun"].peerings
    assert peer.allow_gateway_transit is True and rid_key(peer.vnet_id) == rid_key(vnets["vnet-eun"].id)
    assert any(s.name == "GatewaySubnet" for s in vnets["vnet-eun"].subnets)
    one = client.virtual_network(vnets["vnet-aue"].id)
    assert one.name == "vnet-aue" and one.peerings[0].name == "peer-aue-to-eun"


def test_peering_update_round_trip_changes_only_the_given_flag(emu: ArmEmulator, client: ArmClient) -> None:
    before = client.peering(PEER_EUN)
    assert before.allow_forwarded_traffic is True and before.allow_gateway_transit is True
    after = client.update_peering(PEER_EUN, {"allowForwardedTraffic": False}, before.etag)
    assert after.allow_forwarded_traffic is False
    assert after.allow_gateway_transit is True  # untouched flags keep their value
    assert after.remote_vnet_id == before.remote_vnet_id
    assert after.etag != before.etag
    reread = client.peering(PEER_EUN)
    assert reread.allow_forwarded_traffic is False and reread.provisioning_state == "Succeeded"
    stored = emu.resource(PEER_EUN)
    assert stored is not None and stored["properties"]["allowForwardedTraffic"] is False
    puts = [r for r in log_of(emu) if r.method == "PUT"]
    assert len(puts) == 1 and puts[0].path.endswith("/virtualNetworkPeerings/peer-eun-to-aue")
    # Read-modify-write: a fresh GET right before the one PUT.
    methods = [r.method for r in log_of(emu) if r.path.endswith("peer-eun-to-aue")]
    assert methods.count("PUT") == 1 and methods[methods.index("PUT") - 1] == "GET"
    assert methods.index("PUT") >= 2  # not the GET of `before`: its own


def test_peering_update_refused_by_azure_keeps_arm_code(emu: ArmEmulator, client: ArmClient) -> None:
    # vnet-aue has its own gateway, so it cannot use the remote one.
    with pytest.raises(AzureFailure) as err:
        client.update_peering(PEER_AUE, {"useRemoteGateways": True}, client.peering(PEER_AUE).etag)
    assert err.value.kind == "bad_request"
    assert err.value.code == "VirtualNetworkCannotUseRemoteGatewaysWhenItHasGateway"
    assert err.value.status == 400
    assert client.peering(PEER_AUE).use_remote_gateways is False


def test_unknown_peering_flag_is_refused_before_any_request(emu: ArmEmulator, client: ArmClient) -> None:
    emu.clear_requests()
    with pytest.raises(AzureFailure) as err:
        client.update_peering(PEER_EUN, {"allowEverything": True}, 'W/"x"')
    assert err.value.kind == "bad_request" and "allowGatewayTransit" in err.value.message
    assert log_of(emu) == []


def test_peering_update_whose_operation_ends_failed_is_failed(emu: ArmEmulator, client: ArmClient) -> None:
    emu.add_fault("/virtualNetworkPeerings/", method="PUT", kind="lro_failed", code="InternalServerError")
    etag = client.peering(PEER_EUN).etag
    f = failure_of(lambda: client.update_peering(PEER_EUN, {"allowForwardedTraffic": False}, etag))
    assert (f.kind, f.code) == ("failed", "InternalServerError")
    assert f.target == PEER_EUN


# --- the write is conditional: If-Match with the etag the plan saw --------------------------------


def test_a_peering_changed_since_the_plan_is_not_sent_at_all(emu: ArmEmulator, client: ArmClient) -> None:
    planned = client.peering(PEER_EUN).etag
    emu.change_resource(PEER_EUN, {"properties.allowVirtualNetworkAccess": False})
    emu.clear_requests()
    f = failure_of(lambda: client.update_peering(PEER_EUN, {"allowForwardedTraffic": False}, planned))
    assert (f.kind, f.code, f.status) == ("conflict", "PreconditionFailed", None)
    assert [r.method for r in log_of(emu)] == ["GET"]  # read, compared, nothing sent
    props = emu.resource(PEER_EUN)["properties"]  # type: ignore[index]
    assert props["allowVirtualNetworkAccess"] is False and props["allowForwardedTraffic"] is True


def test_the_put_carries_if_match_and_a_change_in_between_is_never_overwritten(
    emu: ArmEmulator, client: ArmClient
) -> None:
    """Someone writes between our GET and our PUT: ARM answers 412 to the PUT's If-Match
    (the emulator enforces it as the Microsoft.Network provider does) and keeps their change."""
    planned = client.peering(PEER_EUN).etag
    emu.add_fault(
        "virtualNetworkPeerings/peer-eun-to-aue$",
        method="PUT",
        kind="concurrent_change",
        count=1,
        changes={"properties.allowVirtualNetworkAccess": False},
    )
    f = failure_of(lambda: client.update_peering(PEER_EUN, {"allowForwardedTraffic": False}, planned))
    assert (f.kind, f.code, f.status) == ("conflict", "PreconditionFailed", 412)
    assert statuses(emu, "peer-eun-to-aue", "PUT") == [412]
    props = emu.resource(PEER_EUN)["properties"]  # type: ignore[index]
    assert props["allowVirtualNetworkAccess"] is False  # their change stands
    assert props["allowForwardedTraffic"] is True  # ours was not written


def test_a_lost_answer_leaves_the_change_in_azure_and_the_retry_meets_its_own_write(
    emu: ArmEmulator, client: ArmClient
) -> None:
    planned = client.peering(PEER_EUN).etag
    emu.add_fault("virtualNetworkPeerings/peer-eun-to-aue$", method="PUT", kind="lost_answer", count=1)
    f = failure_of(lambda: client.update_peering(PEER_EUN, {"allowForwardedTraffic": False}, planned))
    # azure-core sends the PUT again after the reset; its If-Match is now stale: 412, no second write.
    assert statuses(emu, "peer-eun-to-aue", "PUT") == [0, 412]
    assert (f.kind, f.code) == ("conflict", "PreconditionFailed")
    now = client.peering(PEER_EUN)
    assert now.allow_forwarded_traffic is False and now.etag != planned


def test_another_operation_is_a_conflict_not_throttling_and_is_not_retried(emu: ArmEmulator, client: ArmClient) -> None:
    planned = client.peering(PEER_EUN).etag
    emu.add_fault("virtualNetworkPeerings/peer-eun-to-aue$", method="PUT", kind="another_operation", retry_after=0)
    f = failure_of(lambda: client.update_peering(PEER_EUN, {"allowForwardedTraffic": False}, planned))
    assert (f.kind, f.code, f.status) == ("conflict", "RetryableErrorDueToAnotherOperation", 429)
    assert "is updating resource" in f.message and "PutSubnetOperation" in f.message
    assert statuses(emu, "peer-eun-to-aue", "PUT") == [429]  # not sent again as throttling would be
    assert client.peering(PEER_EUN).etag == planned


def test_plain_throttling_of_a_write_is_still_retried(emu: ArmEmulator, client: ArmClient) -> None:
    planned = client.peering(PEER_EUN).etag
    emu.add_fault("virtualNetworkPeerings/peer-eun-to-aue$", method="PUT", kind="throttle", retry_after=0, count=1)
    after = client.update_peering(PEER_EUN, {"allowForwardedTraffic": False}, planned)
    assert after.allow_forwarded_traffic is False
    assert statuses(emu, "peer-eun-to-aue", "PUT") == [429, 200]


# --- Azure Virtual Network Manager -------------------------------------------------------------

VNET_EUN = PEER_EUN.split("/virtualNetworkPeerings/")[0]
AVNM = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkManagers/avnm-corp"


def test_connectivity_configurations_in_effect_on_a_vnet(emu: ArmEmulator, client: ArmClient) -> None:
    assert client.connectivity_configurations(VNET_EUN) == []
    # The shape of the REST spec's NetworkManagerEffectiveConnectivityConfigurationsList example
    # (Get-AzNetworkManagerEffectiveConnectivityConfiguration shows the same fields).
    emu.set_action(
        VNET_EUN,
        "listNetworkManagerEffectiveConnectivityConfigurations",
        {
            "value": [
                {
                    "id": f"{AVNM}/connectivityConfigurations/hub-spoke",
                    "properties": {
                        "description": "",
                        "connectivityTopology": "HubAndSpoke",
                        "hubs": [{"resourceId": VNET_EUN, "resourceType": "Microsoft.Network/virtualNetworks"}],
                        "isGlobal": "False",
                        "appliesToGroups": [
                            {
                                "networkGroupId": f"{AVNM}/networkGroups/spokes",
                                "useHubGateway": "True",
                                "isGlobal": "True",
                                "groupConnectivity": "None",
                            }
                        ],
                        "provisioningState": "Succeeded",
                        "deleteExistingPeering": "True",
                    },
                    "configurationGroups": [{"id": f"{AVNM}/networkGroups/spokes", "properties": {}}],
                }
            ]
        },
    )
    (c,) = client.connectivity_configurations(VNET_EUN)
    assert (c.name, c.manager, c.topology) == ("hub-spoke", "avnm-corp", "HubAndSpoke")
    assert c.hub_ids == (VNET_EUN,) and c.group_ids == (f"{AVNM}/networkGroups/spokes",)
    assert c.use_hub_gateway is True and c.delete_existing_peering is True
    posts = [r for r in log_of(emu) if r.method == "POST"]
    assert posts and all(r.status == 200 for r in posts)  # answered at once, not an LRO


def test_connectivity_configurations_denied_is_forbidden(emu: ArmEmulator, client: ArmClient) -> None:
    emu.deny("Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveConnectivityConfigurations/action")
    f = failure_of(lambda: client.connectivity_configurations(VNET_EUN))
    assert (f.kind, f.code) == ("forbidden", "AuthorizationFailed")
