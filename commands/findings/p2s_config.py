"""A gateway's point-to-site configuration: what Network Watcher cannot check (its VPN
troubleshoot does not support point-to-site).

The rules, from Microsoft's documentation:

* Microsoft Entra ID authentication works only with the OpenVPN protocol
  (https://learn.microsoft.com/azure/vpn-gateway/point-to-site-entra-gateway): a gateway
  with AAD but without OpenVPN admits no Entra ID client;
* its tenant (`https://login.microsoftonline.com/{tenant}`), issuer
  (`https://sts.windows.net/{tenant}/`, with the trailing slash) and audience (the Azure VPN
  Client's application id, or a custom app's) must all be set, name the same tenant, and the
  audience must be an application id (a GUID);
* certificate authentication needs at least one root certificate, valid now: a client
  certificate is accepted when it chains to an uploaded root, so an expired root admits no
  client (https://learn.microsoft.com/azure/vpn-gateway/point-to-site-certificate-gateway);
  the revoked list holds client certificate thumbprints, 40 hex digits, without spaces
  (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#P2S);
* RADIUS authentication needs a RADIUS server the gateway can reach: in its VNet, a VNet
  peered with it, or a site behind one of its connections
  (https://learn.microsoft.com/azure/vpn-gateway/point-to-site-how-to-radius-ps).

The address pool's overlaps and the clients against the SKU's cap are judged elsewhere
(`commands.findings.overlaps`, `commands.findings.skus`), once for every command.
Certificates are read with `cryptography` (base64 DER, as the portal asks for them).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from commands.core.estate import EstateIndex
from commands.core.model import Gateway, P2SCertificate, P2SConfig, rid_key
from commands.core.reply import Finding, Severity
from commands.core.text import code, rich
from commands.findings.connections.facts import resource_group
from commands.findings.routing.selection import parse_net

DOC_ENTRA = "https://learn.microsoft.com/azure/vpn-gateway/point-to-site-entra-gateway"
DOC_CERT = "https://learn.microsoft.com/azure/vpn-gateway/point-to-site-certificate-gateway"
DOC_REVOKE = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#P2S"
DOC_RADIUS = "https://learn.microsoft.com/azure/vpn-gateway/point-to-site-how-to-radius-ps"

SOON = timedelta(days=30)  # a root certificate that expires within this is said ahead
AZURE_VPN_CLIENT_APP = "c632b3df-fb67-4d84-bdcf-b95ad541b5c8"  # the Microsoft-registered Azure VPN Client
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_THUMB = re.compile(r"^[0-9A-Fa-f]{40}$")


@dataclass(frozen=True)
class RootCert:
    """A root certificate as read from its data (or why it could not be read)."""

    name: str
    subject: str = ""
    not_after: datetime | None = None
    thumbprint: str = ""  # SHA-1 of the DER, upper-case hex (what Azure and Windows show)
    unreadable: str = ""


def read_root(c: P2SCertificate) -> RootCert:
    """Parse `publicCertData` (base64 DER, with or without PEM armour)."""
    data = "".join(
        line for line in c.public_cert_data.splitlines() if line.strip() and not line.startswith("-----")
    ).strip()
    try:
        der = base64.b64decode(data, validate=False)
        cert = x509.load_der_x509_certificate(der)
    except (ValueError, binascii.Error) as exc:
        return RootCert(c.name, unreadable=str(exc).split("\n")[0][:120] or "not X.509")
    return RootCert(
        c.name,
        subject=cert.subject.rfc4514_string(),
        not_after=cert.not_valid_after_utc,
        thumbprint=cert.fingerprint(hashes.SHA1()).hex().upper(),
    )


def p2s_config_findings(facts: EstateIndex, gw: Gateway, now: datetime | None) -> list[Finding]:
    """Every check above for one gateway serving point-to-site."""
    cfg = gw.p2s
    if cfg is None:
        return []
    auth = {a.lower() for a in cfg.auth_types}
    found = [
        auth_protocols(gw, cfg, auth),
        entra(gw, cfg, auth),
        roots(gw, cfg, auth, now),
        revoked(gw, cfg),
        radius(facts, gw, cfg, auth),
    ]
    return [f for f in found if f is not None]


def auth_protocols(gw: Gateway, cfg: P2SConfig, auth: set[str]) -> Finding | None:
    protocols = {p.lower() for p in cfg.protocols}
    if "aad" not in auth or "openvpn" in protocols:
        return None
    return Finding(
        "critical",
        rich(code(gw.name), " offers Microsoft Entra ID sign-in without OpenVPN: no Entra ID client can connect"),
        evidence=rich(
            f"Authentication {', '.join(cfg.auth_types)}; tunnel types {', '.join(cfg.protocols) or 'none'}."
        ),
        next_step=rich(
            "Add OpenVPN to the tunnel types (Entra ID works only over OpenVPN): ",
            code(
                f"az network vnet-gateway update -g {resource_group(gw.id)} -n {gw.name} "
                f"--client-protocol OpenVPN {' '.join(p for p in cfg.protocols if p.lower() != 'openvpn')}".rstrip()
            ),
            ", then hand out a new VPN client profile.",
        ),
        doc_url=DOC_ENTRA,
        key=f"p2s_auth:{rid_key(gw.id)}",
    )


def entra(gw: Gateway, cfg: P2SConfig, auth: set[str]) -> Finding | None:
    if "aad" not in auth:
        return None
    problems: list[str] = []
    missing = [
        n for n, v in (("tenant", cfg.aad_tenant), ("audience", cfg.aad_audience), ("issuer", cfg.aad_issuer)) if not v
    ]
    if missing:
        problems.append(f"{', '.join(missing)} not set")
    tenant = _GUID.search(cfg.aad_tenant or "")
    issuer = _GUID.search(cfg.aad_issuer or "")
    if cfg.aad_tenant and "login.microsoftonline.com" not in cfg.aad_tenant.lower():
        problems.append(f"the tenant {cfg.aad_tenant} is not https://login.microsoftonline.com/<tenant id>")
    if cfg.aad_issuer and "sts.windows.net" not in cfg.aad_issuer.lower():
        problems.append(f"the issuer {cfg.aad_issuer} is not https://sts.windows.net/<tenant id>/")
    elif cfg.aad_issuer and not cfg.aad_issuer.endswith("/"):
        problems.append(f"the issuer {cfg.aad_issuer} lacks its trailing slash (https://sts.windows.net/<tenant id>/)")
    if tenant and issuer and tenant.group(0).lower() != issuer.group(0).lower():
        problems.append(f"the tenant names {tenant.group(0)} and the issuer {issuer.group(0)}")
    if cfg.aad_audience and not _GUID.fullmatch(cfg.aad_audience.strip()):
        problems.append(f"the audience {cfg.aad_audience} is not an application id")
    if not problems:
        return None
    return Finding(
        "critical",
        rich(code(gw.name), ": its Microsoft Entra ID settings do not agree — sign-in fails"),
        evidence=rich("; ".join(problems) + "."),
        next_step=rich(
            "Set tenant https://login.microsoftonline.com/<tenant id>, issuer https://sts.windows.net/<tenant id>/ (same "
            f"tenant) and audience {AZURE_VPN_CLIENT_APP} (the Azure VPN Client) or your custom app's id: ",
            code(
                f"az network vnet-gateway aad assign -g {resource_group(gw.id)} --gateway-name {gw.name} "
                "--tenant … --audience … --issuer …"
            ),
        ),
        doc_url=DOC_ENTRA,
        key=f"p2s_entra:{rid_key(gw.id)}",
    )


def roots(gw: Gateway, cfg: P2SConfig, auth: set[str], now: datetime | None) -> Finding | None:
    if "certificate" not in auth:
        return None
    key = f"p2s_cert:{rid_key(gw.id)}"
    if not cfg.root_certificates:
        return Finding(
            "critical",
            rich(code(gw.name), " uses certificate authentication without a root certificate"),
            evidence="vpnClientRootCertificates is empty: no client certificate can chain to a trusted root.",
            next_step=rich(
                "Upload the root's public key (base64 .cer, no header): ",
                code(
                    f"az network vnet-gateway root-cert create -g {resource_group(gw.id)} --gateway-name {gw.name} "
                    "-n P2SRootCert --public-cert-data <file>"
                ),
            ),
            doc_url=DOC_CERT,
            key=key,
        )
    if now is None:
        return None
    read = [read_root(c) for c in cfg.root_certificates]
    dated = [r for r in read if r.not_after is not None]
    expired = [r for r in dated if r.not_after is not None and r.not_after <= now]
    soon = [r for r in dated if r.not_after is not None and now < r.not_after <= now + SOON]
    valid = [r for r in dated if r.not_after is not None and r.not_after > now]
    if not expired and not soon:
        return None
    words = "; ".join(
        f"{r.name} ({r.subject}) {'expired' if r.not_after and r.not_after <= now else 'expires'} "
        f"{r.not_after:%Y-%m-%d}"
        for r in [*expired, *soon]
        if r.not_after is not None
    )
    severity: Severity = "critical" if expired and not valid else "warning"
    return Finding(
        severity,
        rich(
            code(gw.name),
            ": a root certificate has expired" if expired else ": a root certificate expires within 30 days",
            " — no valid root left" if expired and not valid else "",
        ),
        evidence=rich(
            words + (". Clients whose certificates chain to an expired root are refused." if expired else ".")
        ),
        next_step=rich(
            "Upload the renewed root beside the old one (up to 20 roots), reissue client certificates from it, then "
            "remove the old root: ",
            code(
                f"az network vnet-gateway root-cert create -g {resource_group(gw.id)} --gateway-name {gw.name} "
                "-n <new root> --public-cert-data <file>"
            ),
        ),
        doc_url=DOC_CERT,
        key=key,
    )


def revoked(gw: Gateway, cfg: P2SConfig) -> Finding | None:
    bad = [c for c in cfg.revoked_certificates if not _THUMB.match(c.thumbprint or "")]
    if not bad:
        return None
    return Finding(
        "warning",
        rich(
            code(gw.name), f": {len(bad)} revoked certificate{'s' if len(bad) > 1 else ''} with a malformed thumbprint"
        ),
        evidence=rich(
            "; ".join(f"{c.name}: {c.thumbprint!r}" for c in bad)
            + ". A thumbprint is 40 hexadecimal digits without spaces; anything else matches no certificate, so "
            "the client it was meant to lock out can still connect."
        ),
        next_step=rich(
            "Re-add each with the client certificate's thumbprint, spaces and hidden characters removed: ",
            code(
                f"az network vnet-gateway revoked-cert create -g {resource_group(gw.id)} --gateway-name {gw.name} "
                "-n <name> --thumbprint <40 hex digits>"
            ),
        ),
        doc_url=DOC_REVOKE,
        key=f"p2s_revoked:{rid_key(gw.id)}",
    )


def reachable_prefixes(facts: EstateIndex, gw: Gateway) -> list[str]:
    """Where the gateway can send traffic: its VNet, VNets peered with it, its sites."""
    out = list(facts.vnet_prefixes(gw.vnet_id))
    for k in facts.peer_keys(gw.vnet_id):
        out += facts.vnet_prefixes(k)
    for c in facts.connections_from(gw.id):
        lng = facts.lng_by_key.get(rid_key(c.local_network_gateway_id))
        if lng is not None:
            out += lng.address_prefixes
        g2 = facts.gateway_by_key.get(rid_key(c.gateway2_id))
        if g2 is not None:
            out += facts.vnet_prefixes(g2.vnet_id)
    return out


def radius(facts: EstateIndex, gw: Gateway, cfg: P2SConfig, auth: set[str]) -> Finding | None:
    if "radius" not in auth:
        return None
    key = f"p2s_radius:{rid_key(gw.id)}"
    if not cfg.radius_servers:
        return Finding(
            "critical",
            rich(code(gw.name), " uses RADIUS authentication without a RADIUS server"),
            evidence="radiusServers and radiusServerAddress are empty.",
            next_step=rich(
                "Set the server and its secret: ",
                code(
                    f"az network vnet-gateway update -g {resource_group(gw.id)} -n {gw.name} "
                    "--radius-server <ip> --radius-secret <secret>"
                ),
            ),
            doc_url=DOC_RADIUS,
            key=key,
        )
    where = reachable_prefixes(facts, gw)
    unreachable: list[str] = []
    for s in cfg.radius_servers:
        try:
            ip = ipaddress.ip_address(s.split(":")[0])
        except ValueError:
            continue
        if not any((n := parse_net(p)) is not None and n.version == ip.version and ip in n for p in where):
            unreachable.append(s)
    if not unreachable:
        return None
    return Finding(
        "warning",
        rich(code(gw.name), f": RADIUS server {', '.join(unreachable)} is in no network the gateway reaches"),
        evidence=rich(
            f"The gateway reaches {', '.join(where) or 'nothing'} (its VNet, peered VNets, its sites). RADIUS requests "
            "leave from the GatewaySubnet; a server outside every one of these never answers, and sign-in times out."
        ),
        next_step=rich(
            "Put the server's network behind the gateway (a site's address space, a peered VNet) or point the gateway "
            "at a reachable server; on the server, allow the GatewaySubnet as a RADIUS client with the same secret."
        ),
        doc_url=DOC_RADIUS,
        key=key,
    )


def expires_words(r: RootCert, now: datetime | None) -> str:
    if r.unreadable:
        return f"could not be read as X.509 ({r.unreadable})"
    if r.not_after is None:
        return "expiry unknown"
    when = r.not_after.astimezone(UTC)
    if now is not None and when <= now:
        return f"EXPIRED {when:%Y-%m-%d}"
    return f"valid until {when:%Y-%m-%d}"


__all__ = [
    "RootCert",
    "auth_protocols",
    "entra",
    "expires_words",
    "p2s_config_findings",
    "radius",
    "reachable_prefixes",
    "read_root",
    "revoked",
    "roots",
]
