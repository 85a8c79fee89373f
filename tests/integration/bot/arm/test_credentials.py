"""bot.arm.credentials: the bearer token goes over plain HTTP to loopback only."""

from __future__ import annotations

import pytest
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest

from bot.arm.client import ArmClient
from bot.arm.credentials import InsecureArmUrlError, LoopbackHttpPolicy, check_arm_url, is_loopback_host
from commands.core.errors import AzureFailure
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.bot.arm.support import SUB


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
        emu.link_base_url = "http://arm.invalid:9"  # what the emulator writes into nextLink
        with ArmClient(StaticTokenCredential(), base_url=emu.base_url) as c, pytest.raises(AzureFailure) as err:
            c.virtual_networks(SUB)
    assert (err.value.kind, err.value.code) == ("unauthenticated", "InsecureTransport")
