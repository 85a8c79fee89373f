"""Reading the estate for `/vpn diagnose`: every list once per subscription, progress,
peered VNets in other subscriptions, and partial answers when reads fail."""

from __future__ import annotations

from commands.core.errors import AzureFailure
from commands.core.model import Connection, Gateway, Subscription, rid_key
from tests.fakes import FakeAzure
from tests.unit.commands.diagnose.diagnose_support import both_attempts, has, keys, mrkdwn_of, run, text_of
from tests.unit.commands.findings.topology_support import SUB, far_spoke, gw, nid, peer, vid, vnet


def test_unreadable_lists_are_said_with_advice_and_the_rest_is_answered() -> None:
    azure = both_attempts()
    azure.fail[("private_dns_zones", SUB)] = AzureFailure("forbidden", "no", "AuthorizationFailed", SUB, 403)
    reply, _ = run(azure)
    text = text_of(reply)
    assert "Could not read everything" in text
    assert f"list private DNS zones failed for subscription `Fabrikam` ({SUB}): forbidden (AuthorizationFailed)" in text
    assert str(AzureFailure("forbidden").advice) in text
    has(reply, "one_way:")  # the rest is still there


def test_a_gateway_whose_calls_fail_is_reported() -> None:
    azure = both_attempts()
    azure.fail[("gateway_connections", rid_key(nid("virtualNetworkGateways", "gw-tyo")))] = AzureFailure(
        "throttled", status=429
    )
    reply, _ = run(azure)
    text = text_of(reply)
    assert "list connections failed for gateway `gw-tyo`: throttled" in text
    assert str(AzureFailure("throttled").advice) in text


def test_a_peered_vnet_in_another_subscription_is_read_or_its_failure_said() -> None:
    other = "sub-b"
    x = vnet(
        "vn-x", "eastus", "10.1.0.0/16", peerings=[peer("vn-x", "vn-far", remote_sub=other, allow_gateway_transit=True)]
    )
    far = vnet("vn-far", "eastus", "10.2.0.0/16", peerings=[peer("vn-far", "vn-x", sub=other)], sub=other)
    x_gw = gw("gw-x", "vn-x", "eastus", ("172.30.0.0/24",))
    azure = FakeAzure(subscriptions=(Subscription(SUB),), vnets=(x, far), gateways=(x_gw,))
    reply, _ = run(azure, "vn-x")
    assert ("virtual_network", vid("vn-far", other)) in azure.calls
    # Its gateway list was not read (other subscription), so it is not accused of lacking one.
    assert not any(k.startswith("topology:transit_unused:") for k in keys(reply))
    azure2 = FakeAzure(subscriptions=(Subscription(SUB),), vnets=(x,), gateways=(x_gw,))
    reply2, _ = run(azure2, "vn-x")
    assert "could not read the peered VNet: `vn-far`" in text_of(reply2)


def test_every_list_is_read_once_per_subscription_and_progress_is_shown() -> None:
    azure = both_attempts()
    azure.subs.append(Subscription("sub-z", "Empty"))
    _, out = run(azure)
    for method in (
        "gateways",
        "virtual_networks",
        "connections",
        "local_network_gateways",
        "private_endpoints",
        "private_dns_zones",
        "dns_resolvers",
        "sql_servers",
        "network_interfaces",
        "route_tables",
    ):
        assert sorted(k for m, k in azure.calls if m == method) == sorted([SUB, "sub-z"]), method
    assert out.progress_texts[0] == "Reading 20 lists in 2 subscriptions…"
    assert any("lists" in t and " of 20" in t for t in out.progress_texts)
    assert out.progress_texts[-1] == "Putting the findings together…"
    # Each connection is read with GET (the list leaves the status empty).
    assert {rid_key(k) for m, k in azure.calls if m == "connection"} >= set(azure.conns)


def test_gateway_kinds_other_than_vpn_are_not_asked_for_tunnels() -> None:
    facts = far_spoke()
    er = Gateway(
        nid("virtualNetworkGateways", "er-hub"),
        "er-hub",
        "westeurope",
        gateway_type="ExpressRoute",
        vnet_id=vid("vn-hub"),
    )
    azure = FakeAzure(subscriptions=(Subscription(SUB),), vnets=facts.vnets, gateways=(*facts.gateways, er))
    run(azure)
    assert not any(m == "gateway_connections" and rid_key(k) == rid_key(er.id) for m, k in azure.calls)


def test_a_connection_of_an_unknown_gateway_does_not_break_the_answer() -> None:
    # A connection whose gateway is not in any list (deleted, or another subscription).
    azure = both_attempts()
    c = Connection(
        nid("connections", "orphan"),
        "orphan",
        "eastus",
        connection_type="IPsec",
        gateway1_id=nid("virtualNetworkGateways", "gone"),
    )
    azure.conns[rid_key(c.id)] = c
    reply, _ = run(azure)
    assert reply.fallback == run(both_attempts())[0].fallback


def test_advice_names_its_command_as_code() -> None:
    azure = both_attempts()
    azure.fail[("private_dns_zones", SUB)] = AzureFailure("not_found", code="NotFound", status=404)
    reply, _ = run(azure)
    assert "Check the name with `/vpn status &lt;region&gt;`." in mrkdwn_of(reply)
