"""The emulator's HTTP layer (its own request parser, keep-alive) and the estate indexes that
keep its answers cheap: the same answers as before, whatever the estate does at run time."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.arm.state import clone
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration import arm_sdk as S

SUB = S.SEED_SUB
EUN = "rg-vpn-eun"
NET_EUN = f"/subscriptions/{SUB}/resourceGroups/{EUN}/providers/Microsoft.Network"
GW_EUN = f"{NET_EUN}/virtualNetworkGateways/vgw-eun"
GW_PATH = f"{GW_EUN}?api-version=2026-03-01"


@pytest.fixture
def emu() -> Iterator[ArmEmulator]:
    with ArmEmulator(load_estate(SEED_ESTATE)) as e:
        yield e


def exchange(emu: ArmEmulator, raw: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes the connection or goes quiet."""
    host, port = emu.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(raw)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except TimeoutError:
            pass
        return out


def get(path: str, *headers: str, version: str = "HTTP/1.1") -> bytes:
    lines = [f"GET {path} {version}", "Host: arm", *headers, "", ""]
    return "\r\n".join(lines).encode("iso-8859-1")


# --- the request parser ---------------------------------------------------------------------------


def test_header_names_are_case_insensitive(emu: ArmEmulator) -> None:
    out = exchange(emu, get(GW_PATH, "authorization: Bearer t", "CONNECTION: close"))
    assert out.startswith(b"HTTP/1.1 200 ")
    assert b'"vgw-eun"' in out


def test_keep_alive_serves_several_requests_on_one_connection(emu: ArmEmulator) -> None:
    host, port = emu.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        for _ in range(3):
            conn.request("GET", GW_PATH, headers={"Authorization": "Bearer t"})
            r = conn.getresponse()
            assert (r.status, r.will_close) == (200, False)
            r.read()
        assert len(emu.requests) == 3
    finally:
        conn.close()


def test_http_1_0_gets_its_answer_then_the_connection_closes(emu: ArmEmulator) -> None:
    out = exchange(emu, get(GW_PATH, "Authorization: Bearer t", version="HTTP/1.0"), timeout=10)
    assert out.startswith(b"HTTP/1.1 200 ")  # read to the end: the server closed it


def test_folded_header_line_continues_the_previous_value(emu: ArmEmulator) -> None:
    # RFC 7230 3.2.4: an obs-fold is replaced by a space before the value is read.
    out = exchange(emu, get(GW_PATH, "Authorization: Bearer", " t", "Connection: close"))
    assert out.startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (get(GW_PATH, "Authorization Bearer t"), b"400"),  # no colon
        (get(GW_PATH, "Bad Name : x"), b"400"),  # whitespace before the colon: RFC 7230 3.2.4 says 400
        (get(GW_PATH, "X-Long: " + "a" * 70000), b"431"),
        (get(GW_PATH, *[f"X-{i}: {i}" for i in range(101)]), b"431"),
        (b"GET\r\n\r\n", b"400"),
        (f"GET {GW_PATH} HTTX/1.1\r\n\r\n".encode(), b"400"),
        (f"GET {GW_PATH} HTTP/2.0\r\n\r\n".encode(), b"505"),
    ],
)
def test_malformed_requests_are_refused_before_routing(emu: ArmEmulator, raw: bytes, status: bytes) -> None:
    out = exchange(emu, raw)
    # (Before the request line names a valid version the answer is HTTP/0.9 style, a bare
    # body, as the stdlib writes it.)
    assert b"Error code: " + status in out
    assert emu.requests == []  # refused before routing


def test_expect_100_continue_is_answered_before_the_body(emu: ArmEmulator) -> None:
    path = f"{GW_EUN}/getBgpPeerStatus?api-version=2026-03-01"
    head = f"POST {path} HTTP/1.1\r\nHost: arm\r\nAuthorization: Bearer t\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
    out = exchange(emu, head.encode() + b"{}")
    assert out.startswith(b"HTTP/1.1 100 Continue\r\n")
    assert b"HTTP/1.1 202 " in out


# --- indexes and copies follow the estate -----------------------------------------------------------


def _connections_of(emu: ArmEmulator, gateway: str) -> set[str]:
    net = S.network(emu.base_url)
    return {c.name for c in net.virtual_network_gateways.list_connections(EUN, gateway)}


def _connection(name: str, gw1: str, gw2: str) -> dict[str, Any]:
    return {
        "id": f"{NET_EUN}/connections/{name}",
        "name": name,
        "type": "Microsoft.Network/connections",
        "location": "northeurope",
        "properties": {
            "connectionType": "Vnet2Vnet",
            "virtualNetworkGateway1": {"id": gw1},
            "virtualNetworkGateway2": {"id": gw2},
        },
    }


def test_gateway_connection_list_follows_connections_added_moved_and_removed(emu: ArmEmulator) -> None:
    other = f"{NET_EUN}/virtualNetworkGateways/vgw-other"
    before = _connections_of(emu, "vgw-eun")
    assert before  # the seed's connections, and the index built from them
    emu.put_resource(_connection("cn-new", GW_EUN, other))
    assert _connections_of(emu, "vgw-eun") == before | {"cn-new"}
    emu.put_resource(_connection("cn-new", other, other))  # now names another gateway only
    assert _connections_of(emu, "vgw-eun") == before
    emu.put_resource(_connection("cn-new", other, GW_EUN.upper()))  # ids are case-insensitive
    assert _connections_of(emu, "vgw-eun") == before | {"cn-new"}
    assert emu.remove_resource(f"{NET_EUN}/connections/cn-new")
    assert _connections_of(emu, "vgw-eun") == before


def test_answers_are_copies_the_caller_may_change(emu: ArmEmulator) -> None:
    doc = emu.resource(GW_EUN)
    assert doc is not None
    doc["properties"]["ipConfigurations"].clear()
    doc["name"] = "changed"
    again = emu.resource(GW_EUN)
    assert again is not None and again["name"] == "vgw-eun" and again["properties"]["ipConfigurations"]


def test_clone_copies_json_deeply_and_anything_else_too() -> None:
    src: dict[str, Any] = {"a": [1, {"b": "c"}], "t": (1, [2]), "n": None}
    out = clone(src)
    assert out == src
    out["a"][1]["b"] = "x"
    out["t"][1].append(3)
    assert src == {"a": [1, {"b": "c"}], "t": (1, [2]), "n": None}
