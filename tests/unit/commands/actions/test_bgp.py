"""Reserved ASNs, from the BGP section of the VPN Gateway FAQ
(https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp): Azure reserves 8074,
8075, 12076 (public) and 65515, 65517-65520 (private) — an on-premises device cannot use them;
IANA reserves 23456, 64496-64511 and 65535-65551 — no BGP peer of Azure VPN Gateway can."""

from __future__ import annotations

import pytest

from commands.actions.bgp import reserved_words


@pytest.mark.parametrize("asn", [8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520])
def test_azure_reserved_asns_are_refused_for_an_on_premises_device(asn: int) -> None:
    assert "reserved by Azure" in reserved_words(asn, on_premises=True)


@pytest.mark.parametrize("asn", [23456, 64496, 64511, 65535, 65551])
def test_iana_reserved_asns_are_refused_for_any_peer(asn: int) -> None:
    assert "reserved by IANA" in reserved_words(asn, on_premises=True)
    assert "reserved by IANA" in reserved_words(asn, on_premises=False)


def test_an_azure_gateway_may_keep_the_default_asn_and_private_asns_are_fine() -> None:
    assert reserved_words(65515, on_premises=False) == ""
    assert reserved_words(65050, on_premises=True) == ""
    assert reserved_words(64512, on_premises=True) == ""
    assert reserved_words(65521, on_premises=False) == ""
