"""commands.findings.skus: a gateway's SKU against Microsoft's table and retirement path.

Expectations from "About gateway SKUs" (https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus):
VpnGw1 takes 30 S2S tunnels, 250 IKEv2/OpenVPN and 128 SSTP clients; VpnGw4 100 tunnels;
and from "What's new in Azure VPN Gateway?": non-AZ VpnGw1-5 retired on 30 September 2026
(migrated by Microsoft, no action), Standard/High Performance retired in March 2026.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from commands.core.model import Connection, Gateway
from commands.findings.skus import client_protocol, sku_findings, sstp_counts, usage

NET = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network"
GB = 1_000_000_000


def gw(name: str, sku: str, **kw: object) -> Gateway:
    return Gateway(f"{NET}/virtualNetworkGateways/{name}", name, "westeurope", sku=sku, **kw)  # type: ignore[arg-type]


def sites(g: Gateway, n: int) -> list[Connection]:
    return [
        Connection(f"{NET}/connections/{g.name}-{i}", f"{g.name}-{i}", connection_type="IPsec", gateway1_id=g.id)
        for i in range(n)
    ]


def keys(found: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {f.key.split(":", 1)[0]: f.severity for f in found}


def test_tunnels_below_eighty_percent_are_not_said() -> None:
    g = gw("vgw", "VpnGw1AZ")
    assert sku_findings(usage([g], sites(g, 23), {})) == []


def test_tunnels_at_eighty_percent_are_a_warning_with_the_next_sku() -> None:
    g = gw("vgw", "VpnGw1AZ")
    (f,) = sku_findings(usage([g], sites(g, 24), {}))
    assert f.key == f"sku_tunnels:{g.id.lower()}" and f.severity == "warning"
    assert "24 of the 30" in str(f.title) and "VpnGw4AZ" in str(f.next_step)


def test_clients_over_the_cap_are_critical_and_sstp_adds_128() -> None:
    g = gw("vgw", "VpnGw1AZ", p2s_address_pool=("172.16.0.0/24",), p2s_protocols=("IkeV2", "SSTP"))
    assert sku_findings(usage([g], [], {g.id.lower(): 300})) == []  # 300 of 250 + 128
    (f,) = sku_findings(usage([g], [], {g.id.lower(): 379}))
    assert f.severity == "critical" and "379 VPN clients" in str(f.title)
    g2 = gw("vgw2", "VpnGw1AZ", p2s_address_pool=("172.16.0.0/24",), p2s_protocols=("OpenVPN",))
    assert keys(sku_findings(usage([g2], [], {g2.id.lower(): 200}))) == {"sku_p2s": "warning"}


def test_clients_not_read_are_not_zero() -> None:
    g = gw("vgw", "VpnGw1AZ", p2s_address_pool=("172.16.0.0/24",), p2s_protocols=("OpenVPN",))
    assert sku_findings(usage([g], [], {})) == []


def test_retirement_path_with_the_dates() -> None:
    legacy, basic, non_az = gw("a", "Standard"), gw("b", "Basic"), gw("c", "VpnGw2")
    found = {f.key.split(":", 1)[1]: f for f in sku_findings(usage([legacy, basic, non_az], [], {}))}
    assert found[legacy.id.lower()].severity == "warning" and "March 2026" in str(found[legacy.id.lower()].title)
    assert found[basic.id.lower()].severity == "info" and "June 2026" in str(found[basic.id.lower()].title)
    assert found[non_az.id.lower()].severity == "info" and "30 September 2026" in str(found[non_az.id.lower()].title)
    assert sku_findings(usage([gw("d", "VpnGw2AZ")], [], {})) == []


def test_many_non_az_gateways_are_one_note_naming_each() -> None:
    gws = [gw(f"g{i}", "VpnGw1") for i in range(7)]
    (f,) = sku_findings(usage(gws, [], {}))
    assert f.severity == "info" and "7 gateways" in str(f.title) and "and 2 more" in str(f.evidence)
    assert all(g.id.lower() in f.key for g in gws)


@dataclass(frozen=True)
class Sample:
    at: datetime
    ingress_bytes: int
    egress_bytes: int


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_throughput_at_eighty_percent_of_the_benchmark_is_a_warning() -> None:
    g = gw("vgw", "VpnGw1AZ")  # 650 Mbit/s benchmark
    c = [replace(x, ingress_bytes=10 * GB, egress_bytes=10 * GB) for x in sites(g, 2)]
    # each connection: 7.5 GB in five minutes = 200 Mbit/s; together 400 Mbit/s (62 %): nothing
    low = {
        k.id.lower(): Sample(NOW - timedelta(minutes=5), 10 * GB - 3_750_000_000, 10 * GB - 3_750_000_000) for k in c
    }
    assert sku_findings(usage([g], c, {}, low, NOW)) == []
    # 5.5 GB each way each: 293 Mbit/s per connection, 587 together (90 %)
    high = {
        k.id.lower(): Sample(NOW - timedelta(minutes=5), 10 * GB - 5_500_000_000, 10 * GB - 5_500_000_000) for k in c
    }
    (f,) = sku_findings(usage([g], c, {}, high, NOW))
    assert f.key == f"sku_throughput:{g.id.lower()}" and f.severity == "warning" and "90 %" in str(f.title)


def test_no_rate_from_samples_too_recent_going_back_or_beyond_twice_the_benchmark() -> None:
    g = gw("vgw", "VpnGw1AZ")
    (c,) = [replace(x, ingress_bytes=10 * GB, egress_bytes=10 * GB) for x in sites(g, 1)]
    recent = {c.id.lower(): Sample(NOW - timedelta(seconds=30), 0, 0)}
    back = {c.id.lower(): Sample(NOW - timedelta(minutes=5), 20 * GB, 0)}
    huge = {c.id.lower(): Sample(NOW - timedelta(minutes=5), 0, 0)}  # 20 GB in 5 min = 533 Mbit/s… fine
    assert usage([g], [c], {}, recent, NOW)[0].bps is None
    assert usage([g], [c], {}, back, NOW)[0].bps is None
    assert usage([g], [c], {}, huge, NOW)[0].bps is not None
    reset = {c.id.lower(): Sample(NOW - timedelta(seconds=61), 0, 0)}  # 20 GB in 61 s: 2.6 Gbit/s > 2 × 650
    assert usage([g], [c], {}, reset, NOW)[0].bps is None


def test_clients_per_protocol_when_their_connection_ids_say_it() -> None:
    g = gw("vgw", "VpnGw1AZ", p2s_address_pool=("172.16.0.0/24",), p2s_protocols=("IkeV2", "SSTP"))
    ids = {g.id.lower(): [f"SSTP_{i}" for i in range(110)] + [f"IKEv2_{i}" for i in range(20)]}
    sstp = sstp_counts(ids)
    assert sstp == {g.id.lower(): 110}
    # 130 clients together are far from 250 + 128, but 110 SSTP clients are 86 % of SSTP's 128
    (f,) = sku_findings(usage([g], [], {g.id.lower(): 130}, sstp=sstp))
    assert f.severity == "warning" and "110 SSTP clients" in str(f.title) and "of its SKU's 128" in str(f.title)
    assert sstp_counts({g.id.lower(): ["IKEv2_1", "mystery"]}) == {}  # one unknown: per protocol unknown
    assert client_protocol("OvpnConnection_abc") == "ikev2_openvpn"
