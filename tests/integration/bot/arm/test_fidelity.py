"""Every port method of ArmClient, through the real SDKs, against every way ARM answers.

ARM answers one request in several real ways (`sandbox.arm.fidelity`): a long-running
operation announces `Azure-AsyncOperation`, `Location` or both, and with the first alone the
status URL answers with the action's result itself; lists page with absolute `nextLink`s to
other host names; etags are escaped strings; a peering's `name` is not always its id's last
segment; a private endpoint's NIC id can say "provders". The bot must give the same answer
in each: here every port method is called on every sandbox estate under each variant, and
must return what it returns under ARM's default shape — and what the estate holds.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.arm.client import ArmClient
from commands.core.metrics import TUNNEL_METRICS, MetricsQuery, split_filter
from commands.core.model import rid_key
from commands.core.port import AzurePort
from sandbox.arm.fidelity import Fidelity
from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import ESTATES, estate_from_examples, example_id, load_estate
from tests.integration.bot.arm.support import log_of, make_client
from tests.shared_fixtures import needs_shared, real

ESTATE_FILES = sorted(ESTATES.glob("*.json"))

VARIANTS = {
    "both": Fidelity(),
    "location": Fidelity(lro_headers="location"),
    "async": Fidelity(lro_headers="async"),
    # page size 1 with nextLinks to another loopback host name, and the published shapes
    "both+shapes": Fidelity(page_size=1, next_link_host="localhost", real_shapes=True),
    "location+shapes": Fidelity(lro_headers="location", page_size=1, next_link_host="localhost", real_shapes=True),
    "async+shapes": Fidelity(lro_headers="async", page_size=1, next_link_host="localhost", real_shapes=True),
}

PORT_METHODS = {
    name
    for name, member in vars(AzurePort).items()
    if callable(member) and not name.startswith("_") and name not in ("__init__",)
}


def _tunnels_of(sub: str, g: Any) -> MetricsQuery:
    """The last hour of a gateway's tunnel metrics, at a fixed time (comparable across runs)."""
    end = datetime(2026, 3, 23, 14, 0, tzinfo=UTC)
    split = split_filter("ConnectionName", "RemoteIP")
    return MetricsQuery(
        sub,
        g.location,
        (g.id,),
        TUNNEL_METRICS,
        "total",
        end - timedelta(hours=1),
        end,
        timedelta(minutes=5),
        filter=split,
    )


SINCE = datetime(2000, 1, 1, tzinfo=UTC)  # before anything: the reads floor it at what Azure keeps


def read_everything(c: ArmClient) -> tuple[dict[str, Any], set[str]]:
    """Every read of the port, on every id the lists name; and which methods were called."""
    out: dict[str, Any] = {}
    called: set[str] = set()

    def call(method: str, *args: Any, **kw: Any) -> Any:
        called.add(method)
        result = getattr(c, method)(*args, **kw)
        out[" ".join((method, *map(str, args), *(f"{k}={v}" for k, v in sorted(kw.items()))))] = result
        return result

    for sub in call("subscriptions"):
        s = sub.id
        for g in call("gateways", s):
            call("gateway", g.id)
            call("gateway_connections", g.id)
            for peer in call("bgp_peer_status", g.id):
                call("advertised_routes", g.id, peer.neighbor)
            call("learned_routes", g.id)
            call("vpn_client_health", g.id)
            call("metrics_batch", _tunnels_of(s, g))
            call("nat_rules", g.id)
        for cn in call("connections", s):
            call("connection", cn.id)
            call("shared_key_digest", cn.id)
            call("ike_sas", cn.id)
        call("local_network_gateways", s)
        for v in call("virtual_networks", s):
            call("virtual_network", v.id)
            call("connectivity_configurations", v.id)
            for p in v.peerings:
                call("peering", p.id)
        for n in call("network_interfaces", s):
            call("network_interface", n.id)
            call("effective_routes", n.id)
        for pe in call("private_endpoints", s):
            call("dns_zone_groups", pe.id)
        call("private_dns_zones", s)
        call("dns_resolvers", s)
        call("route_tables", s)
        call("sql_servers", s)
        call("resources", s, "Microsoft.Network/virtualNetworks")
        # Issue 22: what changed, and Resource Health (a fixed `since`: the answers compare).
        call("resource_changes", [s], SINCE)
        call("activity_log", s, SINCE)
        call("resource_health", s)
        for g in c.gateways(s):
            call("resource_health_history", g.id)
        _read_watchers_and_logs(c, s, call, out, called)
    return out, called


def _read_watchers_and_logs(c: ArmClient, s: str, call: Any, out: dict[str, Any], called: set[str]) -> None:
    """Network Watcher, effective security rules, VPN troubleshoot, diagnostic settings and
    Log Analytics (issue 19). Times Azure stamps at run time (troubleshoot start/end, relative
    log rows) are left out of what is compared."""
    watchers = {w.location: w for w in call("network_watchers", s)}
    for n in c.network_interfaces(s):
        call("effective_nsgs", n.id)
        w = watchers.get(n.location)
        if n.vm_id and n.private_ips and w is not None:
            call("next_hop", w.id, n.vm_id, n.id, n.private_ips[0], "10.0.1.4")
            call(
                "verify_ip_flow",
                w.id,
                n.vm_id,
                n.id,
                direction="Outbound",
                protocol="TCP",
                local_ip=n.private_ips[0],
                local_port="*",
                remote_ip="10.0.1.4",
                remote_port="1433",
            )
    for g in c.gateways(s):
        for pip in g.public_ip_ids:
            call("public_ip_address", pip)
        w = watchers.get(g.location)
        if w is not None and g.gateway_type.lower() == "vpn":
            st = next((r.id for r in c.resources(s, "Microsoft.Storage/storageAccounts")), "")
            if st:
                called.update({"start_troubleshoot", "poll_troubleshoot"})
                poll = c.start_troubleshoot(w.id, g.id, st, "https://x.blob.core.windows.net/c")
                while not poll.done:
                    poll = c.poll_troubleshoot(poll.poll_url, wait_s=5)
                assert poll.result is not None
                out[f"troubleshoot {g.id}"] = (poll.result.code, poll.result.results)
        for d in call("diagnostic_settings", g.id):
            if d.workspace_id:
                ws = call("workspace_customer_id", d.workspace_id)
                called.add("query_logs")
                table = c.query_logs(ws, f'AzureDiagnostics | where ResourceId =~ "{g.id}" | take 50', 24)
                out[f"query_logs {ws} {g.id}"] = sorted(str(r.get("Message")) for r in table.records())


def plain(v: Any) -> Any:
    """Results as plain data, etags aside (compared against the emulator's, one by one)."""
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v) if f.name != "etag"}
    if isinstance(v, list | tuple):
        return [plain(x) for x in v]
    return v


def etags(v: Any) -> Iterator[tuple[str, str]]:
    """(id, etag) of every result that carries both."""
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        if getattr(v, "etag", "") and getattr(v, "id", ""):
            yield v.id, v.etag
        for f in dataclasses.fields(v):
            yield from etags(getattr(v, f.name))
    elif isinstance(v, list | tuple):
        for x in v:
            yield from etags(x)


@pytest.fixture(scope="module", params=ESTATE_FILES, ids=lambda p: p.stem)
def reference(request: pytest.FixtureRequest) -> tuple[Path, dict[str, Any]]:
    """Every read under ARM's default shape (both headers, page size 50, tidy payloads)."""
    path: Path = request.param
    with ArmEmulator(load_estate(path), fidelity=Fidelity()) as emu, make_client(emu) as c:
        got, _ = read_everything(c)
    return path, {k: plain(v) for k, v in got.items()}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_port_method_answers_the_same_in_every_variant(
    reference: tuple[Path, dict[str, Any]], variant: str
) -> None:
    path, expected = reference
    fidelity = VARIANTS[variant]
    with ArmEmulator(load_estate(path), fidelity=fidelity) as emu, make_client(emu) as c:
        got, _ = read_everything(c)
        assert {k: plain(v) for k, v in got.items()} == expected
        # Every etag is the one Azure holds, byte for byte (escaped forms included).
        for rid, etag in etags(list(got.values())):
            held = emu.resource(rid)
            assert held is not None and held.get("etag") == etag, rid
        log = log_of(emu)
    polls = [r.path for r in log if r.method == "GET" and "/locations/" in r.path]
    status_polls = [p for p in polls if "/operations/" in p]
    result_polls = [p for p in polls if "/operationResults/" in p]
    # getikesas answers a string, read at its Location URL in every variant (its published
    # example answers 202 with `location`): one result read per call at least.
    ike_calls = sum(1 for r in log if r.method == "POST" and r.path.lower().endswith("/getikesas"))
    if not fidelity.location_header:
        # … and only getikesas: as many operations read there as it was called
        assert ike_calls and len({p.rsplit("/", 1)[-1] for p in result_polls}) == ike_calls
        result_polls = []
    # The result was read where this variant puts it.
    assert bool(status_polls) == fidelity.async_header and bool(result_polls) == fidelity.location_header
    if fidelity.page_size == 1:
        assert any("$skiptoken" in r.query for r in log), "no list was long enough to page"
        assert emu.link_base_url.startswith("http://localhost:")  # the pages after the first came from there


def test_read_everything_calls_every_read_of_the_port() -> None:
    with ArmEmulator(load_estate(ESTATES / "seed.json")) as emu, make_client(emu) as c:
        _, called = read_everything(c)
    # The writes are tested below; a new port method must be added to read_everything.
    assert PORT_METHODS - called == {"update_peering", *ACTION_WRITES}


# The writes of the actions under approval (bot/arm/actions.py), tested in every LRO style below.
ACTION_WRITES = {
    "reset_gateway",
    "reset_connection",
    "set_connection_bgp",
    "sync_peering",
    "copy_shared_key",
    "start_packet_capture",
    "stop_packet_capture",
}
SEED_SUB = "/subscriptions/3f2c6b1e-8d4a-4c7e-9b21-5a6f0e7d9c13/resourceGroups"


@pytest.mark.parametrize("variant", ["both", "location", "async"])
def test_the_action_writes_end_whichever_way_arm_answers_their_operations(variant: str) -> None:
    """Each write of the actions waits for its operation however ARM answers it (Location,
    Azure-AsyncOperation or both) and leaves Azure as asked: written from the estate."""
    gw = f"{SEED_SUB}/rg-vpn-eun/providers/Microsoft.Network/virtualNetworkGateways/vgw-eun"
    eun = f"{SEED_SUB}/rg-vpn-eun/providers/Microsoft.Network/connections/cn-eun-to-aue"
    aue = f"{SEED_SUB}/rg-vpn-aue/providers/Microsoft.Network/connections/cn-aue-to-eun"
    peering = f"{SEED_SUB}/rg-vpn-eun/providers/Microsoft.Network/virtualNetworks/vnet-eun/virtualNetworkPeerings/peer-eun-to-aue"
    vnet_aue = f"{SEED_SUB}/rg-vpn-aue/providers/Microsoft.Network/virtualNetworks/vnet-aue"
    with ArmEmulator(load_estate(ESTATES / "seed.json"), fidelity=VARIANTS[variant]) as emu, make_client(emu) as c:
        c.reset_gateway(gw)
        c.reset_connection(eun)
        assert [a["action"] for a in emu.estate.action_log] == ["reset", "resetconnection"]
        assert c.gateway(gw).provisioning_state == "Succeeded"
        key = emu.estate.shared_keys[rid_key(aue)]
        after = c.set_connection_bgp(aue, True, c.connection(aue).etag)
        assert after.enable_bgp and c.connection(aue).enable_bgp
        assert emu.estate.shared_keys[rid_key(aue)] == key  # the PUT kept the key
        c.copy_shared_key(eun, aue)
        assert emu.estate.shared_keys[rid_key(aue)] == emu.estate.shared_keys[rid_key(eun)]
        emu.change_resource(vnet_aue, {"properties.addressSpace.addressPrefixes": ["10.1.0.0/16", "10.9.0.0/16"]})
        emu.change_resource(peering, {"properties.peeringSyncLevel": "LocalNotInSync"})
        synced = c.sync_peering(peering, c.peering(peering).etag)
        assert synced.sync_level == "FullyInSync" and "10.9.0.0/16" in synced.remote_address_prefixes
        c.start_packet_capture(gw, '{"Filters": [{"Protocol": 6}]}')
        assert emu.estate.captures
        c.stop_packet_capture(gw, "https://acct.blob.core.windows.net/caps?sv=2024-11-04&sp=cw&sig=abc")
        assert not emu.estate.captures


def _estate_results(estate: dict[str, Any], action: str) -> dict[str, list[dict[str, Any]]]:
    """gateway/NIC key → the `value` of the estate's body for `action` (what ARM holds)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for key, body in (estate.get("actions") or {}).items():
        base, _, query = key.partition("?")
        target, _, name = base.rpartition("/")
        if name.lower() == action.lower() and not query:
            out[rid_key(target)] = list((body or {}).get("value") or [])
    return out


@pytest.mark.parametrize("variant", ["both", "location", "async"])
@pytest.mark.parametrize("path", ESTATE_FILES, ids=lambda p: p.stem)
def test_action_results_are_what_the_estate_holds(path: Path, variant: str) -> None:
    """Written from the estate, not from the bot: each gateway's P2S clients, learned routes
    and BGP peers, and each NIC's effective routes, are the estate's bodies — never fewer."""
    estate = load_estate(path)
    with ArmEmulator(estate, fidelity=VARIANTS[variant]) as emu, make_client(emu) as c:
        for sub in c.subscriptions():
            for g in c.gateways(sub.id):
                k = rid_key(g.id)
                clients = _estate_results(estate, "getVpnclientConnectionHealth").get(k, [])
                assert [x.private_ip for x in c.vpn_client_health(g.id)] == [x["privateIpAddress"] for x in clients]
                learned = _estate_results(estate, "getLearnedRoutes").get(k, [])
                assert [r.network for r in c.learned_routes(g.id)] == [r["network"] for r in learned]
                peers = _estate_results(estate, "getBgpPeerStatus").get(k, [])
                assert [p.neighbor for p in c.bgp_peer_status(g.id)] == [p["neighbor"] for p in peers]
            for n in c.network_interfaces(sub.id):
                routes = _estate_results(estate, "effectiveRouteTable").get(rid_key(n.id), [])
                got = [r.address_prefixes for r in c.effective_routes(n.id)]
                assert got == [tuple(r["addressPrefix"]) for r in routes]


@pytest.mark.parametrize("variant", ["both", "location", "async+shapes", "location+shapes"])
def test_the_write_sends_the_etag_it_read_as_if_match_byte_for_byte(variant: str) -> None:
    seed = load_estate(ESTATES / "seed.json")
    with ArmEmulator(seed, fidelity=VARIANTS[variant]) as emu, make_client(emu) as c:
        vnet = next(v for v in c.virtual_networks(next(iter(c.subscriptions())).id) if v.peerings)
        peering = vnet.peerings[0]
        held = emu.resource(peering.id)
        assert held is not None
        if VARIANTS[variant].real_shapes:
            assert held["etag"].startswith("w/\\") and held["name"] == "peer"  # the published shapes
        read = c.peering(peering.id)
        assert read.etag == held["etag"]
        before = held["etag"]
        after = c.update_peering(peering.id, {"allowForwardedTraffic": not peering.allow_forwarded_traffic}, read.etag)
        assert after.allow_forwarded_traffic is not peering.allow_forwarded_traffic
        assert after.name == peering.id.rsplit("/", 1)[-1]
        puts = [r for r in log_of(emu) if r.method == "PUT"]
    assert [r.if_match for r in puts] == [before]


def test_the_estate_file_chooses_the_variant_and_a_test_overrides_it(tmp_path: Path) -> None:
    estate = load_estate(ESTATES / "seed.json")
    estate["arm"] = {"lroHeaders": "async", "pageSize": 1}
    f = tmp_path / "estate.json"
    f.write_text(json.dumps(estate), encoding="utf-8")
    with ArmEmulator(load_estate(f)) as emu:
        assert emu.fidelity == Fidelity(lro_headers="async", page_size=1)
    with ArmEmulator(load_estate(f), fidelity=Fidelity(lro_headers="location")) as emu:
        assert emu.fidelity.lro_headers == "location" and emu.page_size == 50
    estate["arm"] = {"lroHeaders": "sometimes"}
    f.write_text(json.dumps(estate), encoding="utf-8")
    with pytest.raises(ValueError, match="lro_headers must be one of async, location, both"):
        load_estate(f)


# --- the published shapes, served as published --------------------------------------------------


@needs_shared
def test_two_peerings_published_both_named_peer_are_told_apart_by_their_ids() -> None:
    path = real("arm/VirtualNetworkPeeringList.json")
    vnet = example_id(json.loads(path.read_text(encoding="utf-8"))["parameters"])
    with ArmEmulator(estate_from_examples([path])) as emu, make_client(emu) as c:
        assert [d["name"] for d in c_raw_peerings(emu, vnet)] == ["peer", "peer"]  # as published
        peerings = c.virtual_network(vnet).peerings
        assert [p.name for p in peerings] == ["peer", "peer2"]
        second = c.peering(peerings[1].id)
        assert (second.name, second.remote_address_prefixes) == ("peer2", ("13.0.0.0/8",))
        # The example names a remote VNet it does not publish: give ARM one to accept the write.
        emu.put_resource({"id": second.remote_vnet_id, "location": "westus", "properties": {}})
        # The example omits the etag ARM always returns on a peering; the write needs one (If-Match).
        held = emu.resource(second.id)
        assert held is not None and not second.etag
        emu.put_resource({**held, "etag": 'W/"00000000-0000-0000-0000-000000000001"'})
        c.update_peering(second.id, {"allowForwardedTraffic": False}, c.peering(second.id).etag)
        puts = [r.path for r in log_of(emu) if r.method == "PUT"]
    assert [p.rsplit("/", 1)[-1] for p in puts] == ["peer2"]  # the one asked for, not "peer"


@needs_shared
def test_a_published_nic_id_saying_provders_names_the_nic_itself() -> None:
    path = real("arm/PrivateEndpointGet.json")
    sub = json.loads(path.read_text(encoding="utf-8"))["parameters"]["subscriptionId"]
    with ArmEmulator(estate_from_examples([path])) as emu, make_client(emu) as c:
        (pe,) = c.private_endpoints(sub)
    assert pe.nic_ids == (
        f"/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/testPe.nic.abcd1234",
    )


def c_raw_peerings(emu: ArmEmulator, vnet: str) -> list[dict[str, Any]]:
    """The peerings as the emulator serves them (ARM's JSON, before the bot reads it)."""
    doc = emu.resource(vnet)
    assert doc is not None
    return list(doc["properties"]["virtualNetworkPeerings"])


@pytest.mark.parametrize(
    ("arm", "says"),
    [
        ({"retryAfter": 0}, "ARM never sends Retry-After 0"),
        ({"pageSize": 0}, "page_size must be a whole number ≥ 1"),
        ({"nextLinkHost": "example.com"}, "next_link_host must be a loopback host name"),
        ({"lroHeader": "async"}, "unknown \"arm\" key(s) ['lroHeader']"),
    ],
)
def test_an_estate_that_asks_what_arm_never_does_is_refused_with_what_is_right(
    arm: dict[str, Any], says: str, tmp_path: Path
) -> None:
    estate = load_estate(ESTATES / "seed.json")
    estate["arm"] = arm
    f = tmp_path / "estate.json"
    f.write_text(json.dumps(estate), encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_estate(f)
    assert says in str(err.value) and str(f) in str(err.value)
