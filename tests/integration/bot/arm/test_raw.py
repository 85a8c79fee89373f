"""The hot reads of `/vpn status` (connection GET, shared key, per-group and per-gateway lists,
the generic resource list) skip the SDK's models (`bot.arm.raw`). These tests
hold them to what the SDK operations did: the same requests, the same converted facts, and
the same retries, Retry-After, timeouts and failures through the one pipeline."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.arm import convert
from bot.arm.client import ArmClient
from bot.arm.raw import GENERIC_PAGE, NETWORK_API_VERSION, RESOURCES_API_VERSION
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration import arm_sdk as S
from tests.integration.bot.arm.support import (
    CN_AUE_EUN,
    CN_EUN_AUE,
    GW_EUN,
    SUB,
    failure_of,
    log_of,
    make_client,
    statuses,
)

CN_PATH = "/connections/cn-eun-to-aue$"


# --- what is asked, and what comes back ---------------------------------------------------------------


def test_raw_reads_ask_the_api_versions_the_sdk_operations_ask() -> None:
    # Drift guard: when azure-mgmt-network / -resource move to a newer api-version, the raw
    # reads must move with them (bot.arm.raw NETWORK_API_VERSION, RESOURCES_API_VERSION).
    from azure.mgmt.network.operations._operations import build_virtual_network_gateway_connections_get_request
    from azure.mgmt.resource.resources.operations._operations import build_resources_list_request

    net = build_virtual_network_gateway_connections_get_request("rg", "cn", SUB)
    res = build_resources_list_request(SUB, filter="resourceType eq 'x'")
    assert f"api-version={NETWORK_API_VERSION}" in net.url
    assert f"api-version={RESOURCES_API_VERSION}" in res.url


def test_raw_reads_give_the_facts_the_sdk_models_gave(emu: ArmEmulator, client: ArmClient) -> None:
    net = S.network(emu.base_url)
    rg = "rg-vpn-eun"
    assert client.connection(CN_EUN_AUE) == convert.connection(
        net.virtual_network_gateway_connections.get(rg, "cn-eun-to-aue")
    )
    assert client.gateway_connections(GW_EUN) == [
        convert.connection(c) for c in net.virtual_network_gateways.list_connections(rg, "vgw-eun")
    ]
    by_sdk = [convert.gateway(g) for r in ("rg-vpn-eun", "rg-vpn-aue") for g in net.virtual_network_gateways.list(r)]
    assert sorted(client.gateways(SUB), key=lambda g: g.id) == sorted(by_sdk, key=lambda g: g.id)
    key = net.virtual_network_gateway_connections.get_shared_key(rg, "cn-eun-to-aue").value
    assert (
        client.shared_key_digest(CN_EUN_AUE) == hmac.new(client._digest_key, key.encode(), hashlib.sha256).hexdigest()
    )


def test_raw_reads_send_the_sdk_request_shape(emu: ArmEmulator, client: ArmClient) -> None:
    client.connection(CN_EUN_AUE)
    client.shared_key_digest(CN_AUE_EUN)
    client.gateway_connections(GW_EUN)
    client.gateways(SUB)
    log = log_of(emu)
    assert [r.path for r in log[:3]] == [
        CN_EUN_AUE,
        CN_AUE_EUN + "/sharedkey",
        GW_EUN + "/connections",
    ]
    assert all(f"api-version={NETWORK_API_VERSION}" in r.query for r in log[:3])
    generic = [r for r in log if r.path.endswith("/resources")]
    assert [r.query for r in generic] == [
        f"api-version={RESOURCES_API_VERSION}&$filter=resourceType eq 'Microsoft.Network/virtualNetworkGateways'"
        f"&$top={GENERIC_PAGE}"
    ]


def test_raw_lists_follow_next_link_across_pages() -> None:
    estate = load_estate(SEED_ESTATE)
    # A second connection of vgw-eun, so its lists span pages of one.
    first = next(r for r in estate["resources"] if r["id"] == CN_EUN_AUE)
    estate["resources"].append({**copy.deepcopy(first), "id": CN_EUN_AUE + "-2", "name": "cn-eun-to-aue-2"})
    with ArmEmulator(estate, page_size=1) as paged, make_client(paged) as c:
        assert len(c.gateways(SUB)) == 2
        assert {x.name for x in c.connections(SUB)} >= {"cn-eun-to-aue", "cn-eun-to-aue-2", "cn-aue-to-eun"}
        assert len(c.gateway_connections(GW_EUN)) == 3  # its two, and the one naming it as the far end
        assert c.resources(SUB, "Microsoft.Network/virtualNetworkGateways")
        assert sum("$skiptoken=" in r.query for r in log_of(paged)) >= 2


def test_raw_reads_send_byte_for_byte_what_the_sdk_operations_send(odd_arm: Any) -> None:
    odd_arm.body = b'{"value": []}'
    rg, gw, cn = "rg (x)", "gw.1", "cn_1"
    base = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network"
    with _odd_client(odd_arm.url) as c:
        net, res = c._network(SUB), c._resources(SUB)
        pairs: list[tuple[Callable[[], Any], Callable[[], Any]]] = [
            (
                lambda: list(
                    res.resources.list(filter="resourceType eq 'Microsoft.Network/connections'", top=GENERIC_PAGE)
                ),
                lambda: c.resources(SUB, "Microsoft.Network/connections"),
            ),
            (
                lambda: list(net.virtual_network_gateways.list_connections(rg, gw)),
                lambda: c.gateway_connections(f"{base}/virtualNetworkGateways/{gw}"),
            ),
            (
                lambda: net.virtual_network_gateway_connections.get(rg, cn),
                lambda: c.connection(f"{base}/connections/{cn}"),
            ),
            (
                lambda: net.virtual_network_gateway_connections.get_shared_key(rg, cn),
                lambda: c.shared_key_digest(f"{base}/connections/{cn}"),
            ),
            (
                lambda: list(net.virtual_network_gateways.list(rg)),
                lambda: c._group_lister(SUB, "virtualNetworkGateways")(rg),
            ),
        ]
        for by_sdk, raw in pairs:
            by_sdk()
            raw()
            sdk_req, raw_req = odd_arm.seen[-2:]
            assert raw_req == sdk_req


# --- the one retry layer still applies -------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
def test_raw_get_is_retried_then_answered(emu: ArmEmulator, client: ArmClient, status: int) -> None:
    emu.add_fault(CN_PATH, method="GET", kind="error", status=status, count=2)
    assert client.connection(CN_EUN_AUE).status == "Connected"
    assert sorted(statuses(emu, "cn-eun-to-aue")) == sorted([status, status, 200])


def test_raw_get_throttled_waits_as_retry_after_says(emu: ArmEmulator, client: ArmClient) -> None:
    emu.add_fault("/connections$", method="GET", kind="throttle", retry_after=1, count=1)
    assert client.gateway_connections(GW_EUN)
    assert statuses(emu, "vgw-eun/connections") == [429, 200]


def test_raw_get_throttled_past_the_cap_fails_at_once(emu: ArmEmulator) -> None:
    emu.add_fault("/sharedkey$", method="GET", kind="throttle", retry_after=120)
    with make_client(emu, max_retry_after_s=5) as c:
        f = failure_of(lambda: c.shared_key_digest(CN_EUN_AUE))
    assert (f.kind, f.status) == ("throttled", 429)
    assert statuses(emu, "/sharedkey") == [429]


def test_raw_get_never_answering_times_out_after_one_retry(emu: ArmEmulator) -> None:
    hang = emu.add_fault(CN_PATH, method="GET", kind="hang", hold_s=600)
    with make_client(emu, read_timeout_s=0.3) as c:
        f = failure_of(lambda: c.connection(CN_EUN_AUE))
    assert f.kind == "timeout"
    assert hang.hits == 2  # the first try and one retry


def test_raw_get_failures_keep_arms_kind_and_code(emu: ArmEmulator, client: ArmClient) -> None:
    missing = CN_EUN_AUE.replace("cn-eun-to-aue", "cn-nowhere")
    f = failure_of(lambda: client.connection(missing))
    assert (f.kind, f.status, f.code, f.target) == ("not_found", 404, "ResourceNotFound", missing)
    emu.deny("Microsoft.Network/connections/sharedKey/read")
    f = failure_of(lambda: client.shared_key_digest(CN_EUN_AUE))
    assert (f.kind, f.status, f.code) == ("forbidden", 403, "AuthorizationFailed")
    assert "sharedKey/read" in f.message


# --- answers that are not what ARM promises ------------------------------------------------------------


class _OddArm(BaseHTTPRequestHandler):
    """A stand-in ARM that answers every GET with the body set on the server."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body: bytes = self.server.body.replace(b"{self}", self.server.url.encode() + self.path.encode())  # type: ignore[attr-defined]
        self.server.hits += 1  # type: ignore[attr-defined]
        self.server.seen.append(  # type: ignore[attr-defined]
            (self.path, {k.lower(): v for k, v in self.headers.items() if k.lower() in ("accept", "user-agent")})
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def odd_arm() -> Iterator[Any]:
    srv: Any = ThreadingHTTPServer(("127.0.0.1", 0), _OddArm)
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    srv.hits = 0
    srv.seen = []
    srv.body = b"{}"
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _odd_client(url: str) -> ArmClient:
    from bot.arm.credentials import StaticTokenCredential

    return ArmClient(StaticTokenCredential(), base_url=url, call_timeout_s=10.0, read_timeout_s=2.0)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_unreadable_not_a_crash(odd_arm: Any, body: bytes) -> None:
    odd_arm.body = body
    with _odd_client(odd_arm.url) as c:
        f = failure_of(lambda: c.connection(CN_EUN_AUE))
    assert (f.kind, f.code) == ("failed", "UnreadableResponse")


def test_a_next_link_that_points_back_ends_as_a_failure_not_a_loop(odd_arm: Any) -> None:
    odd_arm.body = json.dumps({"value": [], "nextLink": "{self}"}).encode()
    with _odd_client(odd_arm.url) as c:
        f = failure_of(lambda: c.gateway_connections(GW_EUN))
    assert (f.kind, f.code) == ("failed", "UnreadableResponse")
    assert odd_arm.hits == 2  # the first page, then its next link, which names itself: stop
