"""The emulator's write actions (sandbox/arm/actions.py) through the real SDK: reset,
resetconnection, start/stopPacketCapture, in the shapes of the published examples
(VirtualNetworkGatewayReset.json: the gateway as the result; VirtualNetworkGatewayConnectionReset
.json: 202 only; …StartPacketCapture / …StopPacketCapture.json: a JSON string), and their
failure modes. Codes marked * in sandbox/README.md have no public record of the exact code;
their shape is ARM's error body."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network.models import VpnPacketCaptureStartParameters, VpnPacketCaptureStopParameters

from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration import arm_sdk as S

RG_EUN = "rg-vpn-eun"


@pytest.fixture
def emu() -> Iterator[ArmEmulator]:
    with ArmEmulator(load_estate(SEED_ESTATE)) as e:
        yield e


def test_gateway_reset_is_a_long_running_operation_answering_the_gateway(emu: ArmEmulator) -> None:
    net = S.network(emu.base_url)
    gw = net.virtual_network_gateways.begin_reset(RG_EUN, "vgw-eun").result()
    assert gw.name == "vgw-eun" and gw.provisioning_state == "Succeeded"
    assert [a["action"] for a in emu.estate.action_log] == ["reset"]
    post = next(r for r in emu.requests if r.method == "POST")
    assert post.status == 202


def test_an_instance_vip_must_be_one_of_an_active_active_gateway(emu: ArmEmulator) -> None:
    net = S.network(emu.base_url)
    with pytest.raises(HttpResponseError) as e:
        net.virtual_network_gateways.begin_reset(RG_EUN, "vgw-eun", gateway_vip="20.54.120.10").result()
    assert e.value.status_code == 400 and "not active-active" in str(e.value.message)
    assert not emu.estate.action_log


def test_connection_reset_answers_202_and_nothing_else(emu: ArmEmulator) -> None:
    net = S.network(emu.base_url)
    assert net.virtual_network_gateway_connections.begin_reset_connection(RG_EUN, "cn-eun-to-aue").result() is None
    assert [a["action"] for a in emu.estate.action_log] == ["resetconnection"]


def test_a_resource_busy_with_another_operation_refuses_with_409(emu: ArmEmulator) -> None:
    net = S.network(emu.base_url)
    gw = net.virtual_network_gateways.get(RG_EUN, "vgw-eun")
    emu.change_resource(gw.id, {"properties.provisioningState": "Updating"})
    with pytest.raises(HttpResponseError) as e:
        net.virtual_network_gateways.begin_reset(RG_EUN, "vgw-eun").result()
    assert e.value.status_code == 409 and e.value.error.code == "AnotherOperationInProgress"


def test_a_denied_reset_is_403(emu: ArmEmulator) -> None:
    emu.deny("Microsoft.Network/virtualNetworkGateways/reset/action")
    with pytest.raises(HttpResponseError) as e:
        S.network(emu.base_url).virtual_network_gateways.begin_reset(RG_EUN, "vgw-eun").result()
    assert e.value.status_code == 403


def test_capture_start_and_stop_answer_the_status_string_and_refuse_out_of_order(emu: ArmEmulator) -> None:
    ops = S.network(emu.base_url).virtual_network_gateway_connections
    sas = "https://acct.blob.core.windows.net/caps?sv=2024-11-04&sp=cw&sig=abc"
    with pytest.raises(HttpResponseError) as e:
        ops.begin_stop_packet_capture(RG_EUN, "cn-eun-to-aue", VpnPacketCaptureStopParameters(sas_url=sas)).result()
    assert e.value.error.code == "NoPacketCaptureRunning"
    started = ops.begin_start_packet_capture(
        RG_EUN, "cn-eun-to-aue", VpnPacketCaptureStartParameters(filter_data='{"Filters": [{"Protocol": 6}]}')
    ).result()
    assert started == '{"Status":"Successful","Data":null}'
    with pytest.raises(HttpResponseError) as e:
        ops.begin_start_packet_capture(RG_EUN, "cn-eun-to-aue").result()
    assert e.value.error.code == "PacketCaptureAlreadyRunning"
    with pytest.raises(HttpResponseError) as e:
        ops.begin_stop_packet_capture(
            RG_EUN, "cn-eun-to-aue", VpnPacketCaptureStopParameters(sas_url="https://acct/caps")
        ).result()
    assert e.value.error.code == "InvalidSasUrl"
    stopped = ops.begin_stop_packet_capture(
        RG_EUN, "cn-eun-to-aue", VpnPacketCaptureStopParameters(sas_url=sas)
    ).result()
    assert stopped == '{"Status":"Successful","Data":null}'
    assert [a["action"] for a in emu.estate.action_log] == ["startpacketcapture", "stoppacketcapture"]
    assert emu.estate.action_log[1]["uploaded"] == 0  # not a loopback storage emulator: nothing sent


def test_filterdata_must_be_json(emu: ArmEmulator) -> None:
    ops = S.network(emu.base_url).virtual_network_gateways
    with pytest.raises(HttpResponseError) as e:
        ops.begin_start_packet_capture(
            RG_EUN, "vgw-eun", VpnPacketCaptureStartParameters(filter_data="src 10/8")
        ).result()
    assert e.value.error.code == "InvalidFilterData"
