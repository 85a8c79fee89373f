"""bot.runtime.queue without a server: where the queue is, how a job is encoded, and what a bad
setting or a bad message says."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.failures import describe
from bot.runtime.jobs import Job
from bot.runtime.queue import (
    QueueDispatcher,
    QueueError,
    decode_job,
    encode_job,
    poison_queue_name,
    queue_client,
)
from bot.runtime.signing import ForgedJob, JobSeal

SEAL = JobSeal.for_settings("k" * 64, "vpnops-jobs")
KEYED = "DefaultEndpointsProtocol=https;AccountName=stvpnops;AccountKey=a2V5a2V5a2V5;EndpointSuffix=core.windows.net"


def test_a_table_endpoint_url_reaches_the_queue_of_the_same_account_with_the_identity() -> None:
    # What deploy/modules/function.bicep puts in VPNOPS_STORAGE_CONNECTION.
    client = queue_client("https://stvpnops123.table.core.windows.net/", "vpnops-jobs")
    assert client.url == "https://stvpnops123.queue.core.windows.net/vpnops-jobs"
    assert type(client.credential).__name__ == "DefaultAzureCredential"


def test_a_sovereign_cloud_endpoint_keeps_its_suffix() -> None:
    client = queue_client("https://acct.blob.core.chinacloudapi.cn", "vpnops-jobs")
    assert client.url == "https://acct.queue.core.chinacloudapi.cn/vpnops-jobs"


def test_an_endpoints_only_connection_string_uses_the_identity() -> None:
    client = queue_client("QueueEndpoint=https://acct.queue.core.windows.net/;TableEndpoint=x", "vpnops-jobs")
    assert client.url == "https://acct.queue.core.windows.net/vpnops-jobs"
    assert type(client.credential).__name__ == "DefaultAzureCredential"


def test_a_keyed_connection_string_is_used_as_is() -> None:
    client = queue_client(KEYED, "vpnops-jobs")
    assert client.url == "https://stvpnops.queue.core.windows.net/vpnops-jobs"
    assert client.credential.account_name == "stvpnops"


def test_use_development_storage_means_the_local_azurite() -> None:
    client = queue_client("UseDevelopmentStorage=true", "vpnops-jobs")
    assert client.url.startswith("http://127.0.0.1:10001/devstoreaccount1/")


@pytest.mark.parametrize("setting", ["", "   ", "Foo=bar;Baz=1"])
def test_an_unusable_storage_setting_is_refused_with_what_to_set(setting: str) -> None:
    with pytest.raises(QueueError) as info:
        QueueDispatcher(setting, "vpnops-jobs", seal=SEAL)
    assert "VPNOPS_STORAGE_CONNECTION" in str(info.value)
    assert "Foo" not in str(info.value)  # the setting's value is never echoed


@pytest.mark.parametrize("name", ["Jobs", "a", "jobs--x", "-jobs", "jobs_1", "x" * 64])
def test_an_invalid_queue_name_is_refused_with_azures_rule(name: str) -> None:
    with pytest.raises(QueueError, match="VPNOPS_QUEUE"):
        queue_client(KEYED, name)


def test_the_poison_queue_is_named_as_the_functions_host_names_it() -> None:
    assert poison_queue_name("vpnops-jobs") == "vpnops-jobs-poison"


@given(
    kind=st.sampled_from(["command", "action", "shortcut"]),
    name=st.text(min_size=1, max_size=30),
    text=st.text(max_size=200),
    user=st.text(max_size=12),
)
def test_any_job_round_trips_through_the_queue_encoding(kind: str, name: str, text: str, user: str) -> None:
    job = Job(kind=kind, name=name, text=text, user=user)  # type: ignore[arg-type]
    encoded = encode_job(job, SEAL)
    assert decode_job(encoded, SEAL) == job  # as the SDK reads it
    assert decode_job(base64.b64decode(encoded), SEAL) == job  # as the Functions host hands it over


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"hello",
        b"{",
        base64.b64encode(b"[1,2]"),
        b'{"kind":"command"}',
        b'{"kind":"x","name":"y"}',
        b"\xff\xfe",
    ],
)
def test_a_message_that_is_not_a_job_is_refused_with_a_reason(body: bytes) -> None:
    with pytest.raises(ValueError, match=r"job|JSON"):
        decode_job(body, SEAL)


def test_an_unsealed_job_is_refused_however_well_formed() -> None:
    job = Job(kind="action", name="approval_approve", text="1", user="U_BOB")
    with pytest.raises(ForgedJob, match="not a sealed job"):
        decode_job(job.to_json(), SEAL)


def test_failure_notices_describe_the_job_in_the_users_words() -> None:
    assert describe(Job(kind="command", name="status", text="australia")) == "/vpn status australia"
    assert describe(Job(kind="action", name="approval_approve", text="3")) == "the button you clicked"
    assert "shortcut" in describe(Job(kind="shortcut", name="check_vpn_client_log"))


def test_a_delayed_submit_hides_the_message_for_the_delay(azurite_connection_string: str) -> None:
    from azure.storage.queue import QueueClient

    from tests.azurite import unique_name

    name = unique_name("delay")
    dispatcher = QueueDispatcher(azurite_connection_string, name, seal=JobSeal.for_settings("k" * 64, name))
    try:
        dispatcher.submit(Job(kind="delivery", name="deliver", text="{}"), delay_s=30)
        raw = QueueClient.from_connection_string(azurite_connection_string, name)
        assert list(raw.peek_messages(max_messages=5)) == []  # invisible until Retry-After
        assert raw.get_queue_properties().approximate_message_count == 1
        raw.delete_queue()
    finally:
        dispatcher.close()
