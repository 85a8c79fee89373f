"""Where a gateway or NIC action's result is, and what the bot says when it is nowhere.

Azure's definitions of the actions the bot calls say `final-state-via: location`; every
published example of the gateway actions answers 202 with `Azure-AsyncOperation` only, and
the network provider has then answered the status URL with the result itself, without
`status` (Azure/azure-rest-api-specs#34019). azure-core alone reads a status URL's
`{"status": "Succeeded"}` as the result: `/vpn status` showed 0 VPN clients instead of 2.
Here: the published examples served exactly as published, and an ARM that answers each
possible way, scripted request by request.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

import pytest

from bot.arm.client import ArmClient
from bot.arm.credentials import StaticTokenCredential
from sandbox.arm.fidelity import Fidelity
from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import estate_from_examples, example_id
from tests.integration.bot.arm.support import GW_EUN, failure_of, finishes_within, log_of, make_client
from tests.shared_fixtures import needs_shared, real

# --- the published examples, served as published ----------------------------------------------

# file → the port method that calls its operation, and what the published 200 body means.
EXAMPLES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "arm/VirtualNetworkGatewayGetVpnclientConnectionHealth.json": (
        "vpn_client_health",
        lambda got: [(c.private_ip, c.public_ip, c.user_name, c.duration_s) for c in got],
    ),
    "arm/VirtualNetworkGatewayLearnedRoutes.json": ("learned_routes", list),
    "arm/VirtualNetworkGatewayGetBGPPeerStatus.json": ("bgp_peer_status", list),
    "arm/VirtualNetworkGatewayGetAdvertisedRoutes.json": ("advertised_routes", list),
    "arm/NetworkInterfaceEffectiveRouteTableList.json": (
        "effective_routes",
        lambda got: [(r.address_prefixes, r.next_hop_type, r.next_hop_ips) for r in got],
    ),
}

# What each published 200 body holds, read from the files by hand (not by the bot).
PUBLISHED = {
    "arm/VirtualNetworkGatewayGetVpnclientConnectionHealth.json": [
        ("192.168.210.2", "167.220.2.232:45522", "gwp2schildcert", 900),
        ("192.168.210.1", "167.220.2.232:45213", "gwp2schildcert", 800),
    ],
    "arm/VirtualNetworkGatewayLearnedRoutes.json": [],  # {}
    "arm/VirtualNetworkGatewayGetBGPPeerStatus.json": [],  # {}
    "arm/VirtualNetworkGatewayGetAdvertisedRoutes.json": [],  # {}
    "arm/NetworkInterfaceEffectiveRouteTableList.json": [
        (("172.20.2.0/24",), "VnetLocal", ()),
        (("0.0.0.0/0",), "Internet", ()),
        (("10.0.0.0/8",), "None", ()),
        (("100.64.0.0/10",), "None", ()),
        (("172.16.0.0/12",), "None", ()),
        (("192.168.0.0/16",), "None", ()),
    ],
}


def _published_headers(example: dict[str, Any]) -> set[str]:
    accepted = (example.get("responses") or {}).get("202") or {}
    return {h.lower() for h in (accepted.get("headers") or {})}


@needs_shared
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_published_action_examples_served_as_published_read_as_published(name: str) -> None:
    path = real(name)
    example = json.loads(path.read_text(encoding="utf-8"))
    headers = _published_headers(example)
    mode = {frozenset({"azure-asyncoperation"}): "async", frozenset({"location"}): "location"}[frozenset(headers)]
    method, view = EXAMPLES[name]
    params = example["parameters"]
    target = example_id(params)
    with ArmEmulator(estate_from_examples([path]), fidelity=Fidelity(lro_headers=mode)) as emu:
        # The 202 carries exactly the published LRO headers (and ARM's Retry-After).
        action = name.split("/")[-1]
        op = next(k for k in emu.dump()["actions"] if k.lower().startswith(target.lower()))
        url = f"{emu.base_url}{op.partition('?')[0]}?api-version={params['api-version']}"
        if "peer" in params:
            url += f"&peer={params['peer']}"
        answer = urlopen(Request(url, method="POST", headers={"Authorization": "Bearer t"}, data=b""))
        got_headers = {h.lower() for h in answer.headers} & {"azure-asyncoperation", "location"}
        assert (answer.status, got_headers, answer.headers["Retry-After"]) == (202, headers, "10"), action
        with make_client(emu) as c:
            args = (target, params["peer"]) if method == "advertised_routes" else (target,)
            got = getattr(c, method)(*args)
    assert view(got) == PUBLISHED[name]


@needs_shared
def test_published_vpn_client_health_gives_two_clients_through_vpn_status_gathering() -> None:
    """The issue's case: only `Azure-AsyncOperation`, as published — 2 clients, not 0."""
    path = real("arm/VirtualNetworkGatewayGetVpnclientConnectionHealth.json")
    gw = example_id(json.loads(path.read_text(encoding="utf-8"))["parameters"])
    with ArmEmulator(estate_from_examples([path]), fidelity=Fidelity(lro_headers="async")) as emu:
        with make_client(emu) as c:
            assert len(c.vpn_client_health(gw)) == 2
        polls = [urlsplit(r.path).path for r in log_of(emu) if r.method == "GET"]
    assert polls and all("/operations/" in p for p in polls)  # read at the status URL: no Location given


# --- an ARM scripted request by request --------------------------------------------------------


class Script:
    """A fake ARM: POST of the action → `first`; GET of the status URL → `status` answers in
    turn (the last repeats); GET of the Location URL → `location` answers in turn."""

    def __init__(self) -> None:
        self.first: tuple[int, dict[str, str], Any] = (202, {}, None)
        self.status: list[tuple[int, Any]] = []
        self.location: list[tuple[int, Any]] = []
        self.seen: list[tuple[str, str]] = []
        self.at: list[float] = []  # when each request came (monotonic)
        self.url = ""

    def answer(self, method: str, path: str) -> tuple[int, dict[str, str], Any]:
        self.seen.append((method, path))
        self.at.append(time.monotonic())
        if method == "POST":
            status, headers, body = self.first
            return status, {k: v.replace("{base}", self.url) for k, v in headers.items()}, body
        queue = self.status if "/operations/" in path else self.location
        status, body = queue.pop(0) if len(queue) > 1 else queue[0]
        return status, {}, body


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _go(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, headers, body = self.server.script.answer(self.command, self.path)
        payload = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        if payload:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _go
    do_POST = _go


@pytest.fixture
def arm() -> Iterator[Script]:
    srv: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.script = Script()
    srv.script.url = f"http://127.0.0.1:{srv.server_address[1]}"
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield srv.script
    srv.shutdown()
    srv.server_close()


OP = "{base}/subscriptions/s/providers/Microsoft.Network/locations/westus/operations/1?api-version=2026-03-01"
RESULT = "{base}/subscriptions/s/providers/Microsoft.Network/locations/westus/operationResults/1?api-version=2026-03-01"
TWO = {"value": [{"privateIpAddress": "172.16.10.2"}, {"privateIpAddress": "172.16.10.3"}]}


def _client(script: Script, poll_delay_scale: float = 0.01) -> ArmClient:
    """Azure's Retry-After waits scaled down a hundred times (10 s: 0.1 s)."""
    return ArmClient(
        StaticTokenCredential(),
        base_url=script.url,
        polling_interval_s=0.01,
        call_timeout_s=10.0,
        retry_total=0,
        poll_delay_scale=poll_delay_scale,
    )


def _ips(c: ArmClient) -> list[str]:
    return [x.private_ip for x in c.vpn_client_health(GW_EUN)]


def test_a_status_without_a_result_and_no_location_is_could_not_read_never_zero_clients(arm: Script) -> None:
    arm.first = (202, {"Azure-AsyncOperation": OP, "Retry-After": "10"}, None)
    arm.status = [(200, {"status": "InProgress"}), (200, {"status": "Succeeded"})]
    with _client(arm) as c:
        f = failure_of(lambda: _ips(c))
    assert (f.kind, f.code, f.target) == ("failed", "UnreadableResponse", GW_EUN)
    assert "carried no result" in f.message and "no Location URL" in f.message


def test_the_first_poll_waits_what_the_202_says_then_each_poll_what_the_last_answer_says(arm: Script) -> None:
    # ARM's RPC: "the client should wait for the Retry-After interval before polling"; azure-core
    # alone polls once at once, then waits — a read spent, and every later poll set off by it.
    arm.first = (202, {"Azure-AsyncOperation": OP, "Retry-After": "10"}, None)
    arm.status = [(200, {"status": "InProgress"}), (200, TWO)]
    with _client(arm, poll_delay_scale=0.02) as c:
        assert _ips(c) == ["172.16.10.2", "172.16.10.3"]
    assert [m for m, _ in arm.seen] == ["POST", "GET", "GET"]
    # 10 s of Azure's at 0.02: 0.2 s before the first poll (the status answers say nothing: 0.01 s)
    assert arm.at[1] - arm.at[0] >= 0.19
    assert arm.at[2] - arm.at[1] < 0.19


def test_the_result_at_the_status_url_without_status_is_the_result(arm: Script) -> None:
    arm.first = (202, {"Azure-AsyncOperation": OP}, None)
    arm.status = [(200, {"status": "InProgress"}), (200, TWO)]
    with _client(arm) as c:
        assert _ips(c) == ["172.16.10.2", "172.16.10.3"]


def test_a_status_carrying_the_result_in_properties_is_the_result(arm: Script) -> None:
    # ARM's operation resource: `properties` carries an action's result.
    arm.first = (202, {"Azure-AsyncOperation": OP}, None)
    arm.status = [(200, {"status": "Succeeded", "properties": TWO})]
    with _client(arm) as c:
        assert _ips(c) == ["172.16.10.2", "172.16.10.3"]


@pytest.mark.parametrize("headers", [{"Azure-AsyncOperation": OP, "Location": RESULT}, {"Location": RESULT}])
def test_with_a_location_the_result_is_read_there_whatever_the_status_says(
    arm: Script, headers: dict[str, str]
) -> None:
    arm.first = (202, headers, None)
    arm.status = [(200, {"status": "InProgress"}), (200, {"status": "Succeeded"})]
    # Polled itself when it is the only URL (202 while running); read once the status says done.
    arm.location = [(202, None), (200, TWO)] if "Azure-AsyncOperation" not in headers else [(200, TWO)]
    with _client(arm) as c:
        assert _ips(c) == ["172.16.10.2", "172.16.10.3"]
    assert ("GET", urlsplit(RESULT.replace("{base}", "")).path + "?api-version=2026-03-01") in arm.seen


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"status": "Succeeded"}, "no 'value' list, only status"),
        ({"value": "two"}, "'value' is not a list"),
        ([TWO], "not a JSON object"),
        (b"<html>proxy error</html>", "could not be read"),
        (None, "empty"),
    ],
)
def test_a_location_answer_that_holds_no_list_is_could_not_read(arm: Script, body: Any, why: str) -> None:
    arm.first = (202, {"Location": RESULT}, None)
    arm.location = [(200, body)]
    with _client(arm) as c:
        f = failure_of(lambda: _ips(c))
    assert (f.kind, f.code) == ("failed", "UnreadableResponse") and why in f.message


def test_an_empty_object_is_azures_nothing_to_report(arm: Script) -> None:
    arm.first = (202, {"Location": RESULT}, None)
    arm.location = [(200, {})]
    with _client(arm) as c:
        assert _ips(c) == []


def test_an_action_answered_at_once_is_read_from_that_answer(arm: Script) -> None:
    arm.first = (200, {}, TWO)
    with _client(arm) as c:
        assert _ips(c) == ["172.16.10.2", "172.16.10.3"]
    assert [m for m, _ in arm.seen] == ["POST"]


# --- Retry-After, as ARM sends it --------------------------------------------------------------


def test_the_bot_waits_what_retry_after_says_not_its_own_interval(tmp_path: Path) -> None:
    """ARM sends Retry-After on the 202 and on each "still running" poll; the bot waits that
    (here 1 s, unscaled), not its 30 s fallback interval."""
    from sandbox.arm_emulator import SEED_ESTATE
    from sandbox.estate import load_estate

    with ArmEmulator(load_estate(SEED_ESTATE), fidelity=Fidelity(retry_after_s=1)) as emu:
        with make_client(emu, polling_interval_s=30.0, poll_delay_scale=1.0, call_timeout_s=40.0) as c:
            finishes_within(10, lambda: c.learned_routes(GW_EUN))
        log = [r for r in log_of(emu) if "getLearnedRoutes" in r.path or "/locations/" in r.path]
    assert [r.method for r in log] == ["POST", "GET", "GET", "GET"]  # POST, 2 status polls, Location
    # azure-core polls once at once; after a "still running" it waits what Retry-After says.
    assert log[2].at - log[1].at >= 0.9, [r.at for r in log]
