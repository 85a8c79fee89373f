"""bot.arm.factory / bot.arm.credentials: which Azure the bot talks to, and how safely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest

from bot.arm.client import ArmClient
from bot.arm.credentials import InsecureArmUrlError, LoopbackHttpPolicy, check_arm_url, is_loopback_host
from bot.arm.factory import azure_from_settings
from bot.arm.pipeline import PUBLIC_ARM
from commands.core.errors import AzureFailure
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.arm_client_support import GW_EUN, SUB

ROOT = Path(__file__).resolve().parents[2]


def test_sandbox_settings_give_a_client_that_reads_the_emulator() -> None:
    with ArmEmulator(load_estate(SEED_ESTATE)) as emu:
        azure = azure_from_settings(
            SimpleNamespace(arm_url=emu.base_url, subscription_ids=(), concurrency=4, arm_timeout_s=10.0)
        )
        assert isinstance(azure, ArmClient)
        try:
            assert [s.id for s in azure.subscriptions()] == [SUB]
            assert azure.learned_routes(GW_EUN)  # an LRO, over plain HTTP to loopback
        finally:
            azure.close()


def test_real_settings_object_is_accepted() -> None:
    from bot.settings import Settings

    with ArmEmulator(load_estate(SEED_ESTATE)) as emu:
        azure = azure_from_settings(
            Settings(arm_url=emu.base_url, subscription_ids=(SUB,), concurrency=2, arm_timeout_s=5.0)
        )
        assert isinstance(azure, ArmClient)
        try:
            assert azure.gateway(GW_EUN).name == "vgw-eun"
        finally:
            azure.close()


def test_partial_settings_use_defaults() -> None:
    with ArmEmulator(load_estate(SEED_ESTATE)) as emu:
        azure = azure_from_settings(SimpleNamespace(arm_url=emu.base_url))
        assert isinstance(azure, ArmClient)
        try:
            assert azure.subscriptions()[0].id == SUB
        finally:
            azure.close()


@pytest.mark.parametrize("url", ["http://10.0.0.5:8080", "http://arm.example.com", "http://192.168.1.2"])
def test_plain_http_off_this_machine_is_refused_with_a_clear_error(url: str) -> None:
    with pytest.raises(InsecureArmUrlError) as err:
        azure_from_settings(SimpleNamespace(arm_url=url))
    text = str(err.value)
    assert "VPNOPS_ARM_URL" in text and "loopback" in text and "Example: VPNOPS_ARM_URL=http://127.0.0.1" in text


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "127.0.0.1:8080", "http://"])
def test_a_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(InsecureArmUrlError):
        check_arm_url(url)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:8444", True),
        ("http://127.10.20.30:1", True),
        ("http://localhost:1/", True),
        ("http://[::1]:8444", True),
        ("https://arm.example.com", True),  # TLS protects the token anywhere
        ("http://0.0.0.0:1", False),
        ("http://[::ffff:10.0.0.1]:1", False),
        ("http://localhost.example.com", False),
    ],
)
def test_which_arm_urls_are_accepted(url: str, ok: bool) -> None:
    if ok:
        assert check_arm_url(url) == url.rstrip("/")
    else:
        with pytest.raises(InsecureArmUrlError):
            check_arm_url(url)


def test_loopback_policy_lifts_https_enforcement_for_loopback_only() -> None:
    policy = LoopbackHttpPolicy()
    results = {}
    for url in ("http://127.0.0.1:1/x", "http://[::1]:1/x", "http://10.1.2.3/x", "https://management.azure.com/x"):
        req = PipelineRequest(HttpRequest("GET", url), PipelineContext(None))
        policy.on_request(req)
        results[url] = req.context.get("enforce_https", True)
    assert results == {
        "http://127.0.0.1:1/x": False,
        "http://[::1]:1/x": False,
        "http://10.1.2.3/x": True,
        "https://management.azure.com/x": True,
    }
    assert is_loopback_host("LOCALHOST") and not is_loopback_host(None)


def test_real_azure_settings_give_default_credential_and_public_arm() -> None:
    azure = azure_from_settings(
        SimpleNamespace(arm_url="", subscription_ids=("a", "b"), concurrency=8, arm_timeout_s=30.0)
    )
    assert isinstance(azure, ArmClient)
    try:
        assert azure._pipeline.base_url == PUBLIC_ARM
        assert type(azure._pipeline.credential).__name__ == "DefaultAzureCredential"
    finally:
        azure.close()


def test_a_client_refuses_a_non_loopback_http_base_url() -> None:
    from bot.arm.credentials import StaticTokenCredential

    with pytest.raises(InsecureArmUrlError):
        ArmClient(StaticTokenCredential(), base_url="http://10.9.9.9")


def test_next_link_off_loopback_keeps_the_token_off_plain_http() -> None:
    # A loopback sandbox whose page points elsewhere over plain HTTP: azure-core's bearer
    # policy still refuses before anything is sent (our policy lifts enforcement per request,
    # loopback only). ".invalid" never resolves (RFC 6761), should that ever regress.
    from bot.arm.credentials import StaticTokenCredential

    with ArmEmulator(load_estate(SEED_ESTATE), page_size=1) as emu:
        real_url = emu.base_url
        emu.base_url = "http://arm.invalid:9"  # what the emulator writes into nextLink
        with ArmClient(StaticTokenCredential(), base_url=real_url) as c, pytest.raises(AzureFailure) as err:
            c.virtual_networks(SUB)
    assert (err.value.kind, err.value.code) == ("unauthenticated", "InsecureTransport")


def test_importing_the_factory_loads_no_azure_sdk() -> None:
    code = "import sys, bot.arm.factory; bad = [m for m in sys.modules if m.startswith(('azure.mgmt', 'azure.identity'))]; print(bad); sys.exit(1 if bad else 0)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
