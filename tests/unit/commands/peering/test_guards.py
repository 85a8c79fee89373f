"""The write path's pre-flight guards: another operation holding a resource, and Azure Virtual
Network Manager managing the peering.

Rules (commands/peering/guards.py): ARM refuses a peering write while a VNet it depends on is
being changed (RetryableErrorDueToAnotherOperation / ReferencedResourceNotProvisioned); a
hub-and-spoke connectivity configuration in effect on both VNets with one as hub manages the
peering (https://learn.microsoft.com/azure/virtual-network-manager/concept-connectivity-configuration),
a mesh one uses connected groups, not peerings.
"""

from __future__ import annotations

import dataclasses

from commands.core.errors import AzureFailure
from commands.core.model import ConnectivityConfiguration
from commands.findings.peerings import PeeringFacts, VnetFacts, find_reverse
from commands.peering.guards import Managers, guards
from tests.unit.commands.peering.peering_estate import estate, vnet_id

NM = "/subscriptions/sub1/resourceGroups/rg-net/providers/Microsoft.Network/networkManagers/nm-corp"


def facts(
    vnet_state: str = "Succeeded", remote_state: str = "Succeeded", back_state: str = "Succeeded"
) -> PeeringFacts:
    az = estate()
    hub = dataclasses.replace(az.virtual_network(vnet_id("vn-hub")), provisioning_state=vnet_state)
    far = dataclasses.replace(az.virtual_network(vnet_id("vn-far")), provisioning_state=remote_state)
    back = find_reverse(hub.peerings[0], far)
    assert back is not None
    back = dataclasses.replace(back, provisioning_state=back_state)
    return PeeringFacts(VnetFacts(hub), hub.peerings[0], VnetFacts(far), back)


def config(topology: str = "HubAndSpoke", hub: str = "vn-hub", **kw: object) -> ConnectivityConfiguration:
    return ConnectivityConfiguration(
        id=f"{NM}/connectivityConfigurations/cc-{topology.lower()}",
        topology=topology,
        hub_ids=(vnet_id(hub),) if hub else (),
        group_ids=(f"{NM}/networkGroups/spokes",),
        **kw,  # type: ignore[arg-type]
    )


NONE = Managers((), ())


def test_nothing_to_say_when_no_operation_and_no_manager() -> None:
    assert guards(facts(), NONE, "allowForwardedTraffic") == []


def test_a_vnet_or_the_peering_back_being_updated_blocks_the_write() -> None:
    for f, named in (
        (facts(vnet_state="Updating"), "vn-hub"),
        (facts(remote_state="Updating"), "vn-far"),
        (facts(back_state="Deleting"), "far-to-hub"),
    ):
        (finding,) = guards(f, NONE, "allowForwardedTraffic")
        assert finding.severity == "critical" and named in str(finding.title)
        assert "Wait until it has finished" in str(finding.next_step)


def test_hub_and_spoke_on_both_sides_manages_the_peering() -> None:
    c = config(use_hub_gateway=True, delete_existing_peering=True)
    (finding,) = guards(facts(), Managers((c,), (c,)), "allowGatewayTransit")
    assert finding.severity == "warning"
    title, evidence = str(finding.title), str(finding.evidence)
    assert "managed by Azure Virtual Network Manager" in title and "cc-hubandspoke" in title and "nm-corp" in title
    assert "can undo a direct change" in evidence
    assert "Use hub as a gateway" in evidence and "delete existing peerings" in evidence


def test_use_hub_gateway_is_only_named_for_the_transit_flags() -> None:
    c = config(use_hub_gateway=True)
    (finding,) = guards(facts(), Managers((c,), (c,)), "allowForwardedTraffic")
    assert "Use hub as a gateway" not in str(finding.evidence)


def test_a_hub_elsewhere_a_mesh_or_one_side_only_is_not_management() -> None:
    elsewhere = config(hub="vn-spoke")
    mesh = config("Mesh", hub="")
    hub_spoke = config()
    for m in (Managers((elsewhere,), (elsewhere,)), Managers((mesh,), (mesh,)), Managers((hub_spoke,), ())):
        assert guards(facts(), m, "allowForwardedTraffic") == []


def test_a_manager_read_that_failed_is_said_never_taken_as_none() -> None:
    denied = AzureFailure("forbidden", "no", "AuthorizationFailed", vnet_id("vn-far"), 403)
    (finding,) = guards(facts(), Managers((), None, (denied,)), "allowForwardedTraffic")
    assert finding.severity == "warning" and "Could not check" in str(finding.title)
    assert "AuthorizationFailed" in str(finding.evidence)
    assert "listNetworkManagerEffectiveConnectivityConfigurations" in str(finding.next_step)
