"""`/vpn diagnose` as a command: registered with its usage, and what it does when it cannot
go on (no subscription, or none that can be listed)."""

from __future__ import annotations

import pytest

from bot.runtime.failures import reply_for
from bot.runtime.jobs import Job
from commands.catalog import REGISTRY
from commands.core.errors import AzureFailure, UsageError
from tests.fakes import FakeAzure
from tests.unit.commands.diagnose.diagnose_support import both_attempts, run, text_of


def test_diagnose_is_registered_with_usage_and_example() -> None:
    c = REGISTRY.command("diagnose")
    assert c is not None and c.usage == "diagnose [region|vnet]" and c.example == "/vpn diagnose europe"
    assert c.summary.startswith("What is wrong with the whole topology")


def test_subscriptions_unreadable_answers_with_advice() -> None:
    azure = both_attempts()
    azure.fail[("subscriptions", "*")] = AzureFailure("unauthenticated", code="InvalidAuthenticationToken")
    with pytest.raises(AzureFailure) as err:
        run(azure)
    reply = reply_for(err.value, Job("command", "diagnose"))
    assert reply.visibility == "ephemeral"
    assert str(AzureFailure("unauthenticated").advice) in text_of(reply)


def test_no_subscription_is_a_clear_error() -> None:
    with pytest.raises(UsageError) as err:
        run(FakeAzure(subscriptions=()))
    reply = reply_for(err.value, Job("command", "diagnose"))
    assert "The bot sees no subscription." in text_of(reply)
    assert "Reader on the subscriptions with your VNets" in text_of(reply)
