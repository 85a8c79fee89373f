"""A loopback certificate for the emulator, written out so that Microsoft's own clients trust it.

The az CLI and MSAL speak only HTTPS to an authority and to Resource Manager (MSAL refuses an
authority that is not `https://`, `msal/authority.py` `canonicalize`), and they verify the
certificate with `requests`, which trusts the CA bundle named by `REQUESTS_CA_BUNDLE`
(https://learn.microsoft.com/cli/azure/use-azure-cli-successfully-troubleshooting#work-behind-a-proxy
documents the same variable for a proxy's certificate). So the emulator makes a small
certificate authority of its own and a server certificate it signs for 127.0.0.1, ::1 and
localhost, and writes the CA out: point `REQUESTS_CA_BUNDLE` (or `SSL_CERT_FILE`) at `ca.pem`,
and nothing turns verification off.

The files are kept in a directory and reused while they are valid for another day (made anew,
at the same paths, otherwise), so a shell that exported `REQUESTS_CA_BUNDLE` keeps working
across emulator restarts:

    ca.pem          the certificate to trust (public)
    server.pem      the server certificate, then the CA (the chain the emulator presents)
    server-key.pem  its private key (0600)

The CA's own key is never written: it signs the server certificate once and is gone, so the
trusted CA can vouch for nothing else.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

# The names a loopback client may use for the emulator; nothing else is ever served.
LOOPBACK_NAMES = ("localhost",)
LOOPBACK_IPS = ("127.0.0.1", "::1")
DAYS = 90
RENEW_BEFORE = dt.timedelta(days=1)


@dataclass(frozen=True)
class LoopbackTls:
    """Where the certificate files are, and a server-side SSL context built from them."""

    directory: Path

    @property
    def ca_file(self) -> Path:
        """The certificate a client trusts (REQUESTS_CA_BUNDLE / SSL_CERT_FILE)."""
        return self.directory / "ca.pem"

    @property
    def cert_file(self) -> Path:
        return self.directory / "server.pem"

    @property
    def key_file(self) -> Path:
        return self.directory / "server-key.pem"

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """What a Python client trusting only this CA uses (tests, the console)."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def loopback_tls(directory: Path) -> LoopbackTls:
    """The certificate files in `directory`: reused when present and valid for another day,
    made (CA and server certificate) otherwise."""
    tls = LoopbackTls(directory)
    if not _still_valid(tls):
        _write(tls)
    return tls


def _still_valid(tls: LoopbackTls) -> bool:
    from cryptography import x509

    try:
        ca = x509.load_pem_x509_certificate(tls.ca_file.read_bytes())
        server = x509.load_pem_x509_certificates(tls.cert_file.read_bytes())[0]
        tls.key_file.stat()
    except (OSError, ValueError, IndexError):
        return False
    horizon = dt.datetime.now(dt.UTC) + RENEW_BEFORE
    if ca.not_valid_after_utc < horizon or server.not_valid_after_utc < horizon:
        return False
    # The server certificate must be one this CA issued (a CA made again invalidates it).
    return server.issuer == ca.subject


def _write(tls: LoopbackTls) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    tls.directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)  # a client whose clock is a little behind
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vpnops sandbox loopback CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [x509.DNSName(n) for n in LOOPBACK_NAMES] + [x509.IPAddress(ipaddress.ip_address(a)) for a in LOOPBACK_IPS]
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(san, critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    _write_private(tls.key_file, _key_pem(key))
    tls.cert_file.write_bytes(server.public_bytes(pem) + ca.public_bytes(pem))
    tls.ca_file.write_bytes(ca.public_bytes(pem))


def _key_pem(key: object) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes) -> None:
    """A private key, readable by its owner only, from the moment it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)
