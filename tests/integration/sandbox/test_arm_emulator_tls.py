"""`ArmEmulator(tls=…)`: https with a loopback CA, and the sign-in side (sandbox/tls.py,
sandbox/identity.py), through the clients Microsoft ships: azure-identity's
ClientSecretCredential (MSAL underneath) gets a token from the emulator's token endpoint, and
the bot's own SDK client reads the estate over verified TLS with it, with no loopback
exemption from https."""

from __future__ import annotations

import base64
import json
import os
import ssl
import stat
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from sandbox.arm_emulator import ArmEmulator
from sandbox.estate import load_estate
from sandbox.identity import ARM_AUDIENCES
from sandbox.tls import LoopbackTls, loopback_tls
from tests.integration.arm_sdk import SEED_SUB

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "sandbox" / "estates" / "seed.json"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> LoopbackTls:
    return loopback_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def emu(tls: LoopbackTls):  # type: ignore[no-untyped-def]
    with ArmEmulator(load_estate(SEED), tls=tls) as e:
        yield e


def call(
    url: str, tls: LoopbackTls, *, method: str = "GET", form: dict[str, str] | None = None, token: str | None = None
) -> tuple[int, Any]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, context=tls.client_context(), timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def test_the_certificate_is_written_once_reused_and_its_key_kept_private(tmp_path: Path) -> None:
    first = loopback_tls(tmp_path / "tls")
    ca = first.ca_file.read_bytes()
    assert b"BEGIN CERTIFICATE" in ca and not (tmp_path / "tls" / "ca-key.pem").exists()
    assert stat.S_IMODE(os.stat(first.key_file).st_mode) == 0o600
    assert loopback_tls(tmp_path / "tls").ca_file.read_bytes() == ca  # reused: an exported path stays valid
    first.cert_file.write_text("not a certificate")
    assert loopback_tls(tmp_path / "tls").ca_file.read_bytes() != ca  # made again, same paths


def test_https_is_verified_against_the_written_ca_and_only_it(emu: ArmEmulator, tls: LoopbackTls) -> None:
    assert emu.base_url.startswith("https://127.0.0.1:")
    url = f"{emu.base_url}/subscriptions?api-version=2022-12-01"
    assert call(url, tls, token="t")[0] == 200
    # localhost is in the certificate too
    assert call(url.replace("127.0.0.1", "localhost"), tls, token="t")[0] == 200
    with pytest.raises(urllib.error.URLError) as e:
        urllib.request.urlopen(url, context=ssl.create_default_context(), timeout=10)
    assert isinstance(e.value.reason, ssl.SSLCertVerificationError)


def test_cloud_metadata_points_az_at_the_emulator_for_sign_in_and_resource_manager(
    emu: ArmEmulator, tls: LoopbackTls
) -> None:
    status, doc = call(f"{emu.base_url}/metadata/endpoints?api-version=2022-09-01", tls)  # anonymous, as ARM's
    assert status == 200
    assert doc["resourceManager"] == doc["authentication"]["loginEndpoint"] == emu.base_url + "/"
    assert doc["authentication"]["audiences"] == list(ARM_AUDIENCES)
    assert doc["suffixes"]["sqlServerHostname"] == "database.windows.net"
    status, clouds = call(f"{emu.base_url}/metadata/endpoints?api-version=2020-06-01", tls)
    assert status == 200 and isinstance(clouds, list) and clouds[0]["name"] == doc["name"]


def test_openid_discovery_names_this_tenants_token_endpoint(emu: ArmEmulator, tls: LoopbackTls) -> None:
    status, doc = call(f"{emu.base_url}/{emu.tenant}/v2.0/.well-known/openid-configuration", tls)
    assert status == 200
    assert doc["token_endpoint"] == f"{emu.base_url}/{emu.tenant}/oauth2/v2.0/token"
    assert doc["issuer"] == f"{emu.base_url}/{emu.tenant}/v2.0"


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def test_client_credentials_get_a_token_and_wrong_requests_get_entras_errors(
    emu: ArmEmulator, tls: LoopbackTls
) -> None:
    token_url = f"{emu.base_url}/{emu.tenant}/oauth2/v2.0/token"
    good = {
        "grant_type": "client_credentials",
        "client_id": "app-1",
        "client_secret": "s",
        "scope": "https://management.core.windows.net//.default",
    }
    status, body = call(token_url, tls, method="POST", form=good)
    assert status == 200 and body["token_type"] == "Bearer" and body["expires_in"] > 3000
    claims = _claims(body["access_token"])
    assert claims["aud"] == "https://management.core.windows.net/" and claims["tid"] == emu.tenant
    assert claims["appid"] == "app-1" and claims["iss"] == f"{emu.base_url}/{emu.tenant}/v2.0"
    assert emu.identity is not None and emu.identity.verify(body["access_token"]) == claims
    assert emu.identity.verify(body["access_token"][:-2] + "xx") is None
    for form, want_status, want_error in (
        ({**good, "grant_type": "password"}, 400, "unsupported_grant_type"),
        ({k: v for k, v in good.items() if k != "client_secret"}, 401, "invalid_client"),
        ({**good, "scope": "openid"}, 400, "invalid_scope"),
    ):
        status, body = call(token_url, tls, method="POST", form=form)
        assert (status, body["error"]) == (want_status, want_error)
        assert body["error_description"].startswith("AADSTS") and body["error_codes"]


def test_no_sign_in_side_without_tls(arm_emulator: ArmEmulator) -> None:
    """Over plain http the paths are Resource Manager's: no token, no answer (401)."""
    req = urllib.request.Request(f"{arm_emulator.base_url}/metadata/endpoints?api-version=2022-09-01")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 401 and arm_emulator.identity is None


def test_the_bots_sdk_reads_the_estate_with_a_token_from_azure_identity_over_verified_tls(
    emu: ArmEmulator, tls: LoopbackTls
) -> None:
    from azure.identity import ClientSecretCredential
    from azure.mgmt.network import NetworkManagementClient

    cred = ClientSecretCredential(
        emu.tenant,
        "vpnops-test",
        "sandbox",
        authority=emu.base_url,
        disable_instance_discovery=True,  # MSAL would ask login.microsoftonline.com about this host
        connection_verify=str(tls.ca_file),
    )
    net = NetworkManagementClient(
        cred, SEED_SUB, base_url=emu.base_url, connection_verify=str(tls.ca_file), polling_interval=0
    )
    gw = net.virtual_network_gateways.get("rg-vpn-eun", "vgw-eun")
    assert gw.name == "vgw-eun"
    routes = net.virtual_network_gateways.begin_get_learned_routes("rg-vpn-eun", "vgw-eun").result()
    assert routes.value is not None
    assert emu.identity is not None and emu.identity.issued >= 1


def test_the_command_line_serves_tls_and_prints_the_az_steps_for_this_sandbox(tmp_path: Path) -> None:
    """`python -m bot emulator --tls`: the banner's az lines are the ones sandbox/az_cloud.py
    runs in tests/e2e/sandbox/test_az_cli.py, with this URL, CA file and tenant."""
    import subprocess
    import sys

    from sandbox.az_cloud import AzSandbox

    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "emulator", "--tls", "--tls-dir", str(tmp_path / "tls"), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(8)]
        url = lines[0].split(" at ", 1)[1].split()[0]
        assert url.startswith("https://127.0.0.1:")
        tls = LoopbackTls(tmp_path / "tls")
        status, doc = call(f"{url}/metadata/endpoints?api-version=2022-09-01", tls)
        assert status == 200 and doc["resourceManager"] == url + "/"
        tenant = load_estate(SEED)["subscriptions"][0].get("tenantId")
        expected = AzSandbox(url, tls.ca_file.resolve(), tenant or "").instructions()
        assert lines[1] == "  answering with ARM's defaults\n"
        assert "".join(lines[2:]).rstrip("\n") == expected
        assert f"REQUESTS_CA_BUNDLE={tls.ca_file.resolve()}" in expected and f"--tenant {tenant}" in expected
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()


def test_a_negative_retry_after_is_refused_with_an_example() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bot", "emulator", "--retry-after", "-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "ARM never sends Retry-After -1" in done.stderr and "e.g. 10" in done.stderr
