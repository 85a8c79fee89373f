"""`ArmClient.metrics_batch`: azure-monitor-querymetrics' MetricsClient over HTTP to the
sandbox's batch metrics API.

Expectations from Microsoft's "Migrate from the metrics API to the getBatch API"
(https://learn.microsoft.com/azure/azure-monitor/metrics/migrate-to-batch-api): POST
`/subscriptions/{id}/metrics:getBatch` on the regional endpoint, `metricnamespace` required,
`starttime`/`endtime` instead of `timespan`, `filter` without `$`, body `{"resourceids": [...]}`
in lower case with at most 50 ids of one subscription, region and type; answer
`{"values": [...]}` with a `resourceid` per resource; errors in a top-level `error`; 401 when
the identity lacks Monitoring Reader on the subscription. No OpenAPI definition of this
data-plane operation is among the published specs, so its shape is built from that page.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.arm.client import ArmClient
from bot.arm.deadline import arm_deadline
from commands.core.errors import AzureFailure
from commands.core.metrics import MetricsQuery, split_filter
from sandbox.arm.faults import Fault
from sandbox.arm_emulator import ArmEmulator
from tests.integration.bot.arm.support import GW_AUE, GW_EUN, SUB, log_of

END = datetime(2026, 3, 23, 14, 0, tzinfo=UTC)


def query(**kw: object) -> MetricsQuery:
    base: dict[str, object] = {
        "subscription_id": SUB,
        "region": "northeurope",
        "resource_ids": (GW_EUN,),
        "names": ("TunnelEgressBytes", "TunnelIngressBytes"),
        "aggregation": "total",
        "start": END - timedelta(hours=1),
        "end": END,
        "interval": timedelta(minutes=5),
        "filter": split_filter("ConnectionName", "RemoteIP"),
    }
    base.update(kw)
    return MetricsQuery(**base)  # type: ignore[arg-type]


def test_tunnel_series_are_split_by_connection_and_remote_ip(client: ArmClient, emu: ArmEmulator) -> None:
    emu.record_bodies = True
    got = client.metrics_batch(query())
    by = {s.name: s for s in got}
    out, inn = by["TunnelEgressBytes"], by["TunnelIngressBytes"]
    assert out.resource_id.lower() == GW_EUN.lower()
    assert out.dimension("ConnectionName") == "cn-eun-to-aue"
    assert out.dimension("RemoteIP") == "20.211.64.33"
    assert out.unit == "Bytes"
    assert len(out.points) == 12 and out.points[0][0] == END - timedelta(hours=1)
    # The seed: about 14 MB a minute out, nothing back (Total of five one-minute samples).
    assert all(v is not None and 40e6 < v < 100e6 for v in out.values)
    assert inn.values == [0.0] * 12
    req = [r for r in log_of(emu) if "metrics:getBatch" in r.path][-1]
    assert req.method == "POST"
    assert req.path == f"/metrics/northeurope/subscriptions/{SUB}/metrics:getBatch"
    assert "metricnamespace=Microsoft.Network/virtualNetworkGateways" in req.query
    assert "starttime=2026-03-23T13:00:00" in req.query and "endtime=2026-03-23T14:00:00" in req.query
    assert "filter=ConnectionName eq '*' and RemoteIP eq '*'" in req.query
    assert "$filter" not in req.query and "timespan" not in req.query
    assert req.body == {"resourceids": [GW_EUN]}
    # The answer in the batch shape: one item per resource, with its id and region.
    item = req.answer_body["values"][0]
    assert item["resourceid"] == GW_EUN and item["resourceregion"] == "northeurope"
    assert {m["errorCode"] for m in item["value"]} == {"Success"}


def test_each_metric_carries_its_own_aggregation(client: ArmClient) -> None:
    q = query(
        names=("TunnelEgressBytes", "TunnelAverageBandwidth"),
        per_metric=(("TunnelAverageBandwidth", "average"),),
    )
    by = {s.name: s for s in client.metrics_batch(q)}
    # Bandwidth (bytes/s) averaged, bytes summed: a five-minute total is ~300× the bandwidth.
    assert max(by["TunnelAverageBandwidth"].values) < 1e6 < min(by["TunnelEgressBytes"].values)


def test_no_data_is_none_never_zero(client: ArmClient, emu: ArmEmulator) -> None:
    emu.estate.metrics.clear()
    assert client.metrics_batch(query()) == []  # a split without data: "timeseries": []
    flat = client.metrics_batch(query(names=("AverageBandwidth",), aggregation="average", filter=""))
    assert len(flat) == 1 and len(flat[0].points) == 12
    assert all(v is None for _, v in flat[0].points)


def test_a_batch_is_one_region(client: ArmClient) -> None:
    with pytest.raises(AzureFailure) as e:
        client.metrics_batch(query(resource_ids=(GW_EUN, GW_AUE)))
    assert e.value.kind == "bad_request" and "region" in e.value.message


def test_more_than_fifty_resources_are_refused_before_any_call(client: ArmClient, emu: ArmEmulator) -> None:
    before = len(log_of(emu))
    with pytest.raises(AzureFailure) as e:
        client.metrics_batch(query(resource_ids=tuple(f"{GW_EUN}{i}" for i in range(51))))
    assert e.value.kind == "bad_request" and "50" in e.value.message
    assert len(log_of(emu)) == before


def test_without_monitoring_reader_the_batch_is_unauthorized(client: ArmClient, emu: ArmEmulator) -> None:
    emu.estate.denied.append(_deny("Microsoft.Insights/metrics/read"))
    with pytest.raises(AzureFailure) as e:
        client.metrics_batch(query())
    assert e.value.status == 401 and "Monitoring Reader" in e.value.message


def test_throttling_is_retried_then_said(emu: ArmEmulator) -> None:
    from tests.integration.bot.arm.support import make_client

    emu.faults.add(Fault(kind="throttle", path="metrics:getBatch", count=1, retry_after=0))
    with make_client(emu) as c:
        assert c.metrics_batch(query())  # one 429, retried by the one retry layer
    # Throttling does not use up the retries (bot/arm/pipeline.py): it is waited out until the
    # job's deadline, then said with when to retry (Retry-After 7 s is 0.7 s at this scale).
    emu.faults.add(Fault(kind="throttle", path="metrics:getBatch", retry_after=7))
    with (
        make_client(emu, poll_delay_scale=0.1) as c,
        arm_deadline(time.monotonic() + 1.2),
        pytest.raises(AzureFailure) as e,
    ):
        c.metrics_batch(query())
    assert e.value.kind == "throttled"
    assert e.value.retry_after_s == 7.0


def _deny(action: str) -> object:
    from sandbox.arm.state import Deny

    return Deny(action)


def test_the_sandbox_s_metrics_endpoint_follows_the_arm_url(emu: ArmEmulator) -> None:
    from types import SimpleNamespace

    from bot.arm.factory import azure_from_settings

    az = azure_from_settings(SimpleNamespace(arm_url=emu.base_url))
    try:
        assert az.metrics_batch(query())  # VPNOPS_METRICS_URL unset: <VPNOPS_ARM_URL>/metrics/{region}
    finally:
        az.close()  # type: ignore[attr-defined]


def test_a_metrics_url_that_would_send_the_token_in_clear_is_refused() -> None:
    from bot.arm.credentials import InsecureArmUrlError, StaticTokenCredential

    with pytest.raises(InsecureArmUrlError, match="VPNOPS_METRICS_URL"):
        ArmClient(StaticTokenCredential(), metrics_url="http://metrics.example.com/{region}")
    with pytest.raises(ValueError, match="region"):
        ArmClient(StaticTokenCredential(), metrics_url="https://westeurope.metrics.monitor.azure.com")
