"""`/vpn routes` and the "Check VPN client log" shortcut: what the user typed, and which answer it gets."""

from __future__ import annotations

import pytest

from commands.catalog import REGISTRY
from commands.core.errors import UsageError
from commands.core.registry import Ctx
from commands.routes.command import check_vpn_client_log
from tests.fakes import RecordingMessenger
from tests.unit.commands.routes.estates import SEED_LOG, seed_v2v
from tests.unit.commands.routes.replies import run, text_of


def test_bad_input_says_what_to_type() -> None:
    with pytest.raises(UsageError) as empty:
        run(seed_v2v(), "   ")
    assert empty.value.example == "/vpn routes vm-aue"
    with pytest.raises(UsageError) as bad_ip:
        run(seed_v2v(), "nic-vm-aue 10.1.1.300")
    assert "not an IP address" in bad_ip.value.message
    with pytest.raises(UsageError) as no_name:
        run(seed_v2v(), "gateway")
    assert no_name.value.example == "/vpn routes gateway vgw-eun"
    with pytest.raises(UsageError):
        run(seed_v2v(), "log")


def test_routes_command_is_registered_with_help() -> None:
    cmd = REGISTRY.command("routes")
    assert cmd.example == "/vpn routes vm-aue"
    assert "NIC, VM or gateway" in cmd.summary


def test_a_log_pasted_without_the_word_log_is_recognised() -> None:
    [reply], _ = run(seed_v2v(), SEED_LOG)
    assert "VPN client log — hub-eun" in text_of(reply)


def test_shortcut_is_registered_and_reads_a_message_with_a_log() -> None:
    assert REGISTRY.shortcut("check_vpn_client_log").title == "Check VPN client log"
    out = RecordingMessenger()
    ctx = Ctx(azure=seed_v2v(), out=out)
    reply = check_vpn_client_log(ctx, "my VPN log:\n```" + SEED_LOG + "```")
    assert reply is not None and "Gateway: `vgw-eun`" in text_of(reply)
    nothing = check_vpn_client_log(ctx, "can someone look at the tunnel?")
    assert nothing is not None and nothing.visibility == "ephemeral"
    assert "no Azure VPN client log lines" in text_of(nothing)
