"""Settings from the environment: names as in Bicep, clear errors, secrets never shown."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError
from commands.core.registry import DomainSettings

SECRET = "s3cr3t-signing-value-0123456789"
TOKEN = "xoxb-123-456-abcdefghijklmnop"


def test_defaults_with_an_empty_environment() -> None:
    s = Settings.from_env({})
    assert s.concurrency == 16 and s.request_ttl_minutes == 60 and s.jobs_mode == "thread"
    assert s.store_url == "sqlite:.state/vpnops.sqlite" and s.watch_schedule == "0 */5 * * * *"
    assert s.subscription_ids == () and not s.sandbox
    assert s.missing_for_slack() == ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"]


def test_every_setting_is_read_from_its_documented_name() -> None:
    s = Settings.from_env(
        {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "AZURE_SUBSCRIPTION_IDS": " sub-a, ,sub-b ",
            "VPNOPS_ARM_URL": "http://127.0.0.1:8/",
            "VPNOPS_CONCURRENCY": "4",
            "VPNOPS_APPROVERS": "U1,U2",
            "VPNOPS_APPROVER_GROUP": "netops",
            "VPNOPS_REQUEST_TTL_MINUTES": "15",
            "VPNOPS_ALERT_CHANNEL": "C_ALERTS",
            "VPNOPS_ALERT_TOKEN": "alert-token-value-123",
            "VPNOPS_WATCH_SCHEDULE": "0 */1 * * * *",
            "VPNOPS_STORE": "table",
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
            "VPNOPS_JOBS": "QUEUE",
            "VPNOPS_ARM_TIMEOUT_S": "12.5",
        }
    )
    assert s.slack_api_url == "http://127.0.0.1:9/api/"  # slack_sdk appends method names
    assert s.subscription_ids == ("sub-a", "sub-b") and s.arm_url == "http://127.0.0.1:8" and s.sandbox
    assert (s.concurrency, s.request_ttl_minutes, s.arm_timeout_s) == (4, 15, 12.5)
    assert s.approvers == frozenset({"U1", "U2"}) and s.approver_group == "netops"
    assert (s.alert_channel, s.watch_schedule, s.store_url, s.jobs_mode) == (
        "C_ALERTS",
        "0 */1 * * * *",
        "table",
        "queue",
    )
    assert s.storage_connection == "UseDevelopmentStorage=true"
    assert s.domain() == DomainSettings(
        concurrency=4,
        approvers=frozenset({"U1", "U2"}),
        approver_group="netops",
        request_ttl_minutes=15,
        alert_channel="C_ALERTS",
        progress_every_s=2.0,
    )


def test_the_explicit_storage_connection_wins_over_the_functions_one() -> None:
    s = Settings.from_env({"VPNOPS_STORAGE_CONNECTION": "explicit", "AzureWebJobsStorage": "functions"})
    assert s.storage_connection == "explicit"


def test_secrets_are_not_in_repr() -> None:
    s = Settings.from_env(
        {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN, "VPNOPS_ALERT_TOKEN": "alert-xyz-123"}
    )
    text = repr(s)
    assert SECRET not in text and TOKEN not in text and "alert-xyz-123" not in text


def test_secrets_are_registered_for_log_redaction() -> None:
    from bot.logging import redact

    Settings.from_env({"SLACK_SIGNING_SECRET": SECRET})
    assert SECRET not in redact(f"oops {SECRET}")


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("VPNOPS_CONCURRENCY", "lots", "whole number"),
        ("VPNOPS_CONCURRENCY", "0", "≥ 1"),
        ("VPNOPS_REQUEST_TTL_MINUTES", "1.5", "whole number"),
        ("VPNOPS_ARM_TIMEOUT_S", "-3", "≥ 1"),
        ("VPNOPS_JOBS", "celery", "'thread' or 'queue'"),
    ],
)
def test_an_unusable_value_names_the_setting_and_gives_an_example(name: str, value: str, words: str) -> None:
    with pytest.raises(SettingsError) as err:
        Settings.from_env({name: value})
    msg = str(err.value)
    assert name in msg and words in msg and "Example:" in msg
