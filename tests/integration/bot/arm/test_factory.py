"""bot.arm.factory: which Azure the bot talks to, built from its settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.arm.client import ArmClient
from bot.arm.credentials import InsecureArmUrlError
from bot.arm.factory import azure_from_settings
from bot.arm.pipeline import PUBLIC_ARM
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.bot.arm.support import GW_EUN, SUB

ROOT = Path(__file__).resolve().parents[4]


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


def test_importing_the_factory_loads_no_azure_sdk() -> None:
    code = "import sys, bot.arm.factory; bad = [m for m in sys.modules if m.startswith(('azure.mgmt', 'azure.identity'))]; print(bad); sys.exit(1 if bad else 0)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
