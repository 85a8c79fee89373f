"""commands.findings.p2s_config: point-to-site configuration, from Microsoft's rules
(point-to-site-entra-gateway: Entra ID only over OpenVPN, tenant/issuer/audience;
point-to-site-certificate-gateway: a valid root; the VPN FAQ: revoked thumbprints;
point-to-site-how-to-radius-ps: a reachable RADIUS server). Certificates are made here with
`cryptography`, as the portal takes them (base64 DER)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from commands.core.estate import EstateIndex
from commands.core.model import Gateway, P2SCertificate, P2SConfig, VirtualNetwork
from commands.findings.p2s_config import p2s_config_findings, read_root

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
NET = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network"
VNET = VirtualNetwork(f"{NET}/virtualNetworks/hub", "hub", address_prefixes=("10.0.0.0/16",))
TENANT = "11111111-2222-3333-4444-555555555555"


def cert(not_after: datetime) -> str:
    key = Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "P2S Root")])
    c = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(not_after - timedelta(days=3650))
        .not_valid_after(not_after)
        .sign(key, None)
    )
    return base64.b64encode(c.public_bytes(Encoding.DER)).decode()


def kinds(cfg: P2SConfig) -> dict[str, str]:
    gw = Gateway(
        f"{NET}/virtualNetworkGateways/vgw", "vgw", vnet_id=VNET.id, p2s_address_pool=cfg.address_pool, p2s=cfg
    )
    found = p2s_config_findings(EstateIndex(vnets=(VNET,), gateways=(gw,)), gw, NOW)
    return {f.key.split(":", 1)[0]: f.severity for f in found}


def entra(**kw: object) -> P2SConfig:
    base: dict[str, object] = {
        "address_pool": ("172.16.0.0/24",),
        "protocols": ("OpenVPN",),
        "auth_types": ("AAD",),
        "aad_tenant": f"https://login.microsoftonline.com/{TENANT}",
        "aad_audience": "c632b3df-fb67-4d84-bdcf-b95ad541b5c8",
        "aad_issuer": f"https://sts.windows.net/{TENANT}/",
    }
    base.update(kw)
    return P2SConfig(**base)  # type: ignore[arg-type]


def test_entra_over_openvpn_with_one_tenant_is_fine() -> None:
    assert kinds(entra()) == {}


def test_entra_without_openvpn_is_critical() -> None:
    assert kinds(entra(protocols=("IkeV2", "SSTP"))) == {"p2s_auth": "critical"}


def test_entra_tenant_issuer_audience_must_agree() -> None:
    assert kinds(entra(aad_issuer="https://sts.windows.net/99999999-2222-3333-4444-555555555555/")) == {
        "p2s_entra": "critical"
    }
    assert kinds(entra(aad_issuer=f"https://sts.windows.net/{TENANT}")) == {
        "p2s_entra": "critical"
    }  # no trailing slash
    assert kinds(entra(aad_audience="Azure VPN")) == {"p2s_entra": "critical"}
    assert kinds(entra(aad_tenant="")) == {"p2s_entra": "critical"}


def certs(*roots: str, revoked: tuple[str, ...] = ()) -> P2SConfig:
    return P2SConfig(
        address_pool=("172.16.0.0/24",),
        protocols=("IkeV2",),
        auth_types=("Certificate",),
        root_certificates=tuple(P2SCertificate(f"root{i}", public_cert_data=r) for i, r in enumerate(roots)),
        revoked_certificates=tuple(P2SCertificate(f"rev{i}", thumbprint=t) for i, t in enumerate(revoked)),
    )


def test_roots_read_for_their_expiry() -> None:
    assert kinds(certs(cert(NOW + timedelta(days=400)))) == {}
    assert kinds(certs(cert(NOW + timedelta(days=10)))) == {"p2s_cert": "warning"}
    assert kinds(certs(cert(NOW - timedelta(days=1)))) == {"p2s_cert": "critical"}
    # an expired root beside a valid one: clients of the expired one are refused, the rest connect
    assert kinds(certs(cert(NOW - timedelta(days=1)), cert(NOW + timedelta(days=400)))) == {"p2s_cert": "warning"}
    assert kinds(certs()) == {"p2s_cert": "critical"}


def test_a_root_that_is_not_x509_is_not_judged_but_said_unreadable() -> None:
    assert kinds(certs("MIIC5zCCAc+gAwIBAgIQ0000")) == {}
    assert read_root(P2SCertificate("r", public_cert_data="MIIC5zCCAc+gAwIBAgIQ0000")).unreadable
    r = read_root(P2SCertificate("r", public_cert_data=cert(NOW)))
    assert r.subject == "CN=P2S Root" and len(r.thumbprint) == 40


def test_revoked_thumbprints_with_spaces_match_nothing() -> None:
    good = "8F210A3B9C44D1E27A6B5C4D3E2F1009A8B7C6D5"
    assert kinds(certs(cert(NOW + timedelta(days=400)), revoked=(good,))) == {}
    assert kinds(certs(cert(NOW + timedelta(days=400)), revoked=("8F 21 0A",))) == {"p2s_revoked": "warning"}


def test_radius_server_must_be_reachable() -> None:
    cfg = P2SConfig(
        address_pool=("172.16.0.0/24",), protocols=("IkeV2",), auth_types=("Radius",), radius_servers=("10.0.2.10",)
    )
    assert kinds(cfg) == {}
    far = P2SConfig(
        address_pool=("172.16.0.0/24",), protocols=("IkeV2",), auth_types=("Radius",), radius_servers=("10.99.0.5",)
    )
    assert kinds(far) == {"p2s_radius": "warning"}
    none = P2SConfig(address_pool=("172.16.0.0/24",), protocols=("IkeV2",), auth_types=("Radius",))
    assert kinds(none) == {"p2s_radius": "critical"}
