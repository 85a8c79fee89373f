"""commands.findings.connections.ipsec: the IPsec/IKE layer of one connection.

Expectations from Microsoft's rules: policy-based selectors pass only the VNet's prefixes
against the site's unless custom selectors say otherwise (vpn-gateway-connect-multiple-policybased-rm-ps);
ResponderOnly never initiates (vpn-gateway-about-vpn-devices); a connection applies NAT rules
of its own gateway (nat-overview); Azure's APIPA range is 169.254.21.0–169.254.22.255 and a
non-APIPA BGP peer must be in the local network gateway's address space (bgp-howto,
vpn-gateway-bgp-overview).
"""

from __future__ import annotations

from commands.core.estate import EstateIndex
from commands.core.model import (
    Connection,
    Gateway,
    IpsecPolicy,
    LocalNetworkGateway,
    NatRule,
    Peering,
    TrafficSelector,
    VirtualNetwork,
)
from commands.findings.connections.ipsec import connection_layer, should_pass

NET = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network"
HUB = VirtualNetwork(f"{NET}/virtualNetworks/hub", "hub", address_prefixes=("10.0.0.0/16",))
SPOKE_ID = f"{NET}/virtualNetworks/spoke"
SPOKE = VirtualNetwork(
    SPOKE_ID,
    "spoke",
    address_prefixes=("10.1.0.0/16",),
    peerings=(
        Peering(
            f"{SPOKE_ID}/virtualNetworkPeerings/to-hub",
            "to-hub",
            SPOKE_ID,
            HUB.id,
            use_remote_gateways=True,
            state="Connected",
        ),
    ),
)
GW = Gateway(f"{NET}/virtualNetworkGateways/vgw", "vgw", vnet_id=HUB.id, bgp_peering_addresses=("10.0.255.30",))
LNG = LocalNetworkGateway(f"{NET}/localNetworkGateways/site", "site", address_prefixes=("192.168.0.0/24",))
POLICY = IpsecPolicy("AES256", "SHA384", "DHGroup24", "AES256", "SHA256", "None", 27000, 102400000)


def conn(**kw: object) -> Connection:
    base: dict[str, object] = {
        "connection_type": "IPsec",
        "status": "Connected",
        "gateway1_id": GW.id,
        "local_network_gateway_id": LNG.id,
    }
    base.update(kw)
    return Connection(f"{NET}/connections/cn", "cn", **base)  # type: ignore[arg-type]


def kinds(c: Connection, gw: Gateway = GW, lng: LocalNetworkGateway = LNG) -> dict[str, str]:
    facts = EstateIndex(vnets=(HUB, SPOKE), gateways=(gw,), connections=(c,), local_gateways=(lng,))
    return {f.key.split(":", 1)[0]: f.severity for f in connection_layer(facts, c)}


def test_route_based_default_connection_has_no_finding() -> None:
    assert kinds(conn()) == {}


def test_what_should_pass_is_the_vnet_the_spokes_and_the_pool() -> None:
    facts = EstateIndex(vnets=(HUB, SPOKE), gateways=(GW,))
    gw = Gateway(GW.id, "vgw", vnet_id=HUB.id, p2s_address_pool=("172.16.0.0/24",))
    assert [p.prefix for p in should_pass(facts, conn(), gw)] == ["10.0.0.0/16", "10.1.0.0/16", "172.16.0.0/24"]


def test_policy_based_without_custom_policy_is_critical() -> None:
    assert kinds(conn(policy_based_selectors=True)) == {"ipsec_selectors": "critical"}


def test_policy_based_leaving_out_the_spoke_is_a_warning_and_custom_selectors_fix_it() -> None:
    assert kinds(conn(policy_based_selectors=True, ipsec_policies=(POLICY,))) == {"ipsec_selectors": "warning"}
    wide = (TrafficSelector(("10.0.0.0/15",), ("192.168.0.0/24",)),)
    assert kinds(conn(policy_based_selectors=True, ipsec_policies=(POLICY,), traffic_selectors=wide)) == {}


def test_responder_only_or_initiator_only_down_says_who_must_start() -> None:
    assert kinds(conn(status="NotConnected", connection_mode="ResponderOnly")) == {"ipsec_initiator": "warning"}
    assert kinds(conn(status="Connecting", connection_mode="InitiatorOnly")) == {"ipsec_initiator": "warning"}
    assert kinds(conn(connection_mode="ResponderOnly")) == {}  # Connected: nothing to say


def test_nat_rule_not_on_the_gateway_is_critical_and_one_translating_nothing_a_warning() -> None:
    assert kinds(conn(ingress_nat_rule_ids=(f"{GW.id}/natRules/nope",))) == {"ipsec_nat": "critical"}
    idle = NatRule(
        f"{GW.id}/natRules/site", "site", "IngressSnat", internal=("172.20.0.0/24",), external=("100.64.0.0/24",)
    )
    gw = Gateway(GW.id, "vgw", vnet_id=HUB.id, nat_rules=(idle,))
    assert kinds(conn(ingress_nat_rule_ids=(idle.id,)), gw) == {"ipsec_nat": "warning"}
    ok = NatRule(idle.id, "site", "IngressSnat", internal=("192.168.0.0/24",), external=("100.64.0.0/24",))
    assert kinds(conn(ingress_nat_rule_ids=(ok.id,)), Gateway(GW.id, "vgw", vnet_id=HUB.id, nat_rules=(ok,))) == {}


def test_apipa_addresses_must_be_the_gateways_and_in_azures_range() -> None:
    ipc = f"{GW.id}/ipConfigurations/default"
    gw = Gateway(GW.id, "vgw", vnet_id=HUB.id, custom_bgp_addresses=((ipc, "169.254.21.1"),))
    site = LocalNetworkGateway(LNG.id, "site", address_prefixes=(), bgp_peering_address="169.254.21.2", bgp_asn=65050)
    good = conn(enable_bgp=True, custom_bgp_addresses=((ipc, "169.254.21.1"),))
    assert kinds(good, gw, site) == {}
    assert kinds(conn(enable_bgp=True, custom_bgp_addresses=((ipc, "169.254.21.9"),)), gw, site) == {
        "ipsec_apipa": "critical"
    }
    outside = LocalNetworkGateway(LNG.id, "site", bgp_peering_address="169.254.30.2", bgp_asn=65050)
    assert kinds(good, gw, outside) == {"ipsec_apipa": "critical"}
    assert kinds(conn(enable_bgp=True), gw, site) == {"ipsec_apipa": "critical"}  # site on APIPA, Azure on its default


def test_a_non_apipa_bgp_peer_needs_its_32_in_the_address_space() -> None:
    site = LocalNetworkGateway(LNG.id, "site", address_prefixes=("192.168.0.0/24",), bgp_peering_address="10.200.0.1")
    assert kinds(conn(enable_bgp=True), GW, site) == {"ipsec_bgp_prefix": "critical"}
    fixed = LocalNetworkGateway(LNG.id, "site", address_prefixes=("10.200.0.1/32",), bgp_peering_address="10.200.0.1")
    assert kinds(conn(enable_bgp=True), GW, fixed) == {}


def test_the_two_halves_of_a_vnet_to_vnet_pair_must_negotiate_alike() -> None:
    gw2 = Gateway(f"{NET}/virtualNetworkGateways/vgw2", "vgw2", vnet_id=SPOKE_ID)
    a = Connection(
        f"{NET}/connections/a",
        "a",
        connection_type="Vnet2Vnet",
        gateway1_id=GW.id,
        gateway2_id=gw2.id,
        protocol="IKEv2",
    )
    b = Connection(
        f"{NET}/connections/b",
        "b",
        connection_type="Vnet2Vnet",
        gateway1_id=gw2.id,
        gateway2_id=GW.id,
        protocol="IKEv2",
    )
    from dataclasses import replace

    from commands.findings.connections.ipsec import pair_mismatch

    assert pair_mismatch(a, b) is None
    assert pair_mismatch(a, replace(b, protocol="IKEv1")) is not None
    assert pair_mismatch(replace(b, protocol="IKEv1"), a) is None  # said once, from the half that sorts first
    both = pair_mismatch(replace(a, connection_mode="ResponderOnly"), replace(b, connection_mode="ResponderOnly"))
    assert both is not None and "neither starts IKE" in str(both.evidence)
    other = IpsecPolicy("AES128", "SHA256", "DHGroup14", "AES128", "SHA256", "PFS14", 3600, 102400000)
    assert pair_mismatch(replace(a, ipsec_policies=(POLICY,)), replace(b, ipsec_policies=(other,))) is not None
