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
            "VPNOPS_SECRET_KEY": "d" * 40,
            "SLACK_APP_ID": "A0123ABCD",
            "SLACK_TEAM_ID": "T0123ABCD",
            "VPNOPS_MUTE_GROUP": "oncall",
            "VPNOPS_CHANNEL_SCOPES": '{"C0123ABCD": ["SUB-A"], "*": []}',
            "VPNOPS_BIND": "0.0.0.0",
            "VPNOPS_JOB_DEADLINE_S": "120",
        }
    )
    assert (s.slack_app_id, s.slack_team_id, s.mute_group, s.bind, s.job_deadline_s) == (
        "A0123ABCD",
        "T0123ABCD",
        "oncall",
        "0.0.0.0",
        120.0,
    )
    assert s.secret_key == "d" * 40 and not s.secret_key_ephemeral and s.errors == () and s.warnings == ()
    assert s.scope_for("C0123ABCD") == ("sub-a",) and s.scope_for("C_ELSEWHERE") == ()
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
        mute_group="oncall",
        troubleshoot_wait_s=90.0,  # VPN troubleshoot waits within the job's deadline (120 s), 30 s kept for the answer
    )


def test_vpn_troubleshoot_and_log_settings_are_read_from_their_documented_names() -> None:
    s = Settings.from_env(
        {
            "VPNOPS_TROUBLESHOOT_STORAGE_ID": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1",
            "VPNOPS_TROUBLESHOOT_STORAGE_PATH": "https://st1.blob.core.windows.net/vpn",
            "VPNOPS_TROUBLESHOOT_WAIT_S": "60",
            "VPNOPS_TROUBLESHOOT_DEADLINE_S": "900",
            "VPNOPS_LOGS_URL": "https://api.loganalytics.us/",
        }
    )
    d = s.domain()
    assert d.troubleshoot_storage_id.endswith("/storageAccounts/st1")
    assert d.troubleshoot_storage_path == "https://st1.blob.core.windows.net/vpn"
    assert (d.troubleshoot_wait_s, d.troubleshoot_deadline_s) == (60.0, 900.0)
    assert s.logs_url == "https://api.loganalytics.us"


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


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("U_BOB;U_CAROL", "separate ids with commas: U_BOB,U_CAROL"),
        ("@bob", "that is a name or a mention"),
        ("<@U123>", "that is a name or a mention"),
        ("bob", "not a Slack user id"),
        ("U1 U2", "separate ids with commas: U1,U2"),
    ],
)
def test_approver_ids_that_are_not_slack_user_ids_are_an_error_naming_them(value: str, says: str) -> None:
    s = Settings.from_env({"VPNOPS_APPROVERS": value})
    assert s.approvers == frozenset()  # never a bogus approver nobody can be
    assert len(s.errors) == 1 and says in s.errors[0] and "VPNOPS_APPROVERS" in s.errors[0]
    assert "Example: VPNOPS_APPROVERS=U012AB3CD,U045EF6GH" in s.errors[0]


def test_no_approvers_is_a_warning_said_with_the_setting_to_fix() -> None:
    s = Settings.from_env({"VPNOPS_SECRET_KEY": "k" * 32, "SLACK_TEAM_ID": "T0123ABCD"})
    assert s.errors == ()
    assert len(s.warnings) == 1 and s.warnings[0].startswith("No approvers") and "VPNOPS_APPROVERS" in s.warnings[0]
    assert s.domain().notices == s.warnings
    assert not Settings.from_env(
        {"VPNOPS_SECRET_KEY": "k" * 32, "VPNOPS_APPROVER_GROUP": "netops", "SLACK_TEAM_ID": "T0123ABCD"}
    ).warnings


def test_no_installation_id_on_real_azure_is_a_warning_not_on_the_sandbox() -> None:
    base = {"VPNOPS_SECRET_KEY": "k" * 32, "VPNOPS_APPROVERS": "U012AB3CD"}
    (warning,) = Settings.from_env(base).warnings
    assert warning.startswith("SLACK_TEAM_ID is not set") and "Example: SLACK_TEAM_ID=T0123ABCD" in warning
    assert Settings.from_env(base).domain().notices == ()  # /vpn health says it, /vpn help does not
    assert not Settings.from_env({**base, "SLACK_TEAM_ID": "T0123ABCD"}).warnings
    assert not Settings.from_env({**base, "VPNOPS_ARM_URL": "http://127.0.0.1:8"}).warnings


def test_the_queue_needs_a_deployment_secret_of_32_characters_or_more() -> None:
    with pytest.raises(SettingsError, match="VPNOPS_SECRET_KEY is not set"):
        Settings.from_env({"VPNOPS_JOBS": "queue"})
    with pytest.raises(SettingsError, match="at least 32 characters"):
        Settings.from_env({"VPNOPS_SECRET_KEY": "short"})
    local = Settings.from_env({})
    assert local.secret_key_ephemeral and len(local.secret_key) == 64
    assert any("VPNOPS_SECRET_KEY is not set" in w for w in local.warnings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_APP_ID", "vpnops"),
        ("SLACK_TEAM_ID", "sandbox"),
        ("VPNOPS_APPROVER_GROUP", "net ops!"),
        ("VPNOPS_CHANNEL_SCOPES", "C1=sub"),
        ("VPNOPS_CHANNEL_SCOPES", '["C1"]'),
        ("VPNOPS_CHANNEL_SCOPES", '{"#general": ["sub"]}'),
        ("VPNOPS_CHANNEL_SCOPES", '{"C0123": "sub"}'),
    ],
)
def test_other_ids_that_are_not_what_they_name_are_errors(name: str, value: str) -> None:
    s = Settings.from_env({name: value})
    assert len(s.errors) == 1 and name in s.errors[0] and "Example:" in s.errors[0]


def test_an_unresolved_key_vault_reference_for_the_secret_key_is_an_error() -> None:
    s = Settings.from_env({"VPNOPS_JOBS": "queue", "VPNOPS_SECRET_KEY": "@Microsoft.KeyVault(SecretUri=https://kv/x)"})
    assert len(s.errors) == 1 and "could not resolve" in s.errors[0]


def test_the_metrics_endpoint_is_read_with_its_region_placeholder() -> None:
    assert Settings.from_env({}).metrics_url == ""  # Azure's public regional endpoint
    url = "https://{region}.metrics.monitor.azure.us/"
    assert Settings.from_env({"VPNOPS_METRICS_URL": url}).metrics_url == url.rstrip("/")


# --- VPNOPS_ACTION_POLICY: who may ask for and approve each kind of action -------------------------


def test_action_policy_is_read_per_kind_with_defaults_for_the_rest() -> None:
    from commands.core.policy import policy_of

    s = Settings.from_env(
        {
            "VPNOPS_ACTION_POLICY": '{"gateway_reset": {"approvers": ["U012AB3CD", "U045EF6GH"], "needed": 2,'
            ' "requester_group": "netops"}, "bgp": {"approver_group": "S0123ABCD", "needed": 1}}'
        }
    )
    assert not s.errors
    gw = policy_of(s.domain().policies, "gateway_reset")
    assert gw.approvers == frozenset({"U012AB3CD", "U045EF6GH"}) and gw.needed == 2 and gw.requester_group == "netops"
    assert policy_of(s.domain().policies, "bgp").approver_group == "S0123ABCD"
    assert policy_of(s.domain().policies, "connection_reset").needed == 1  # not configured: the default
    assert policy_of((), "gateway_reset").needed == 2  # a gateway reset needs two by default


def test_action_policy_mistakes_are_named_with_an_example() -> None:
    s = Settings.from_env({"VPNOPS_ACTION_POLICY": '{"reboot": {}, "bgp": {"needed": 0}, "capture_start": {"who": 1}}'})
    text = " ".join(s.errors)
    assert "'reboot' is not a kind of request" in text
    assert "bgp.needed must be a whole number from 1 to 5" in text
    assert "capture_start has unknown key(s) who" in text
    assert "Example: VPNOPS_ACTION_POLICY=" in text
    assert "VPNOPS_ACTION_POLICY is not JSON" in " ".join(Settings.from_env({"VPNOPS_ACTION_POLICY": "{"}).errors)
