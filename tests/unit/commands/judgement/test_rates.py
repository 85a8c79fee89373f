"""Azure Monitor metrics in the one judgement: read in batches, judged once, said the same by
every command; "could not read metrics" is never zero.

The batch API reads up to 50 resources of one subscription and region per call (Microsoft's
"Migrate from the metrics API to the getBatch API")."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from commands.core.errors import AzureFailure
from commands.core.metrics import MetricSeries
from commands.core.registry import Ctx, DomainSettings
from commands.judgement.rates import read_rates, window_ending
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.judgement.support import NOW, by_key, diagnose_of, disagreements, status_of
from tests.unit.commands.routes.estates import SUBS, gateway, gw_id, lng, s2s, vnet
from tests.unit.commands.routes.replies import text_of

WINDOW = window_ending(NOW)


def tunnel(metric: str, per_grain: float, gw: str = "gw-hub", conn: str = "cn-onprem") -> MetricSeries:
    pts = tuple((WINDOW.start + i * WINDOW.interval, per_grain) for i in range(12))
    return MetricSeries(gw_id(gw), metric, "Count", (("ConnectionName", conn), ("RemoteIP", "198.51.100.10")), pts)


def estate(*series: MetricSeries) -> FakeAzure:
    return FakeAzure(
        subscriptions=SUBS,
        vnets=[vnet("vnet-hub", "10.0.0.0/16")],
        gateways=[gateway("gw-hub", "vnet-hub")],
        local_gateways=[lng("lng-onprem", "192.168.0.0/16")],
        connections=[s2s("cn-onprem", "gw-hub", "lng-onprem")],
        metrics=series,
    )


def test_selector_mismatch_drops_are_judged_once_and_every_command_agrees() -> None:
    az = estate(
        tunnel("TunnelIngressBytes", 5e6),
        tunnel("TunnelEgressBytes", 5e6),
        tunnel("TunnelIngressPacketDropTSMismatch", 40),
    )
    st, dg = status_of(az, "gw-hub"), diagnose_of(az)
    key = next(k for k in by_key(st) if k.startswith("ts_mismatch:"))
    assert key in by_key(dg)
    assert not disagreements(st, dg)
    assert "selector-mismatch drops" in text_of(st[-1])


def test_rates_show_per_connection_in_the_thread_not_the_first_message() -> None:
    az = estate(tunnel("TunnelIngressBytes", 5e6), tunnel("TunnelEgressBytes", 5e6))
    reply = status_of(az, "gw-hub")[-1]
    thread = "\n".join(text_of(dataclasses.replace(reply, parts=[])).splitlines())
    assert "the last hour: ↑" in thread
    head = text_of(dataclasses.replace(reply, thread=[]))
    assert "the last hour: ↑" not in head


def test_metrics_that_cannot_be_read_are_said_never_zero() -> None:
    az = estate(tunnel("TunnelIngressBytes", 0), tunnel("TunnelEgressBytes", 0))
    az.fail[("metrics_batch", "*")] = AzureFailure("forbidden", "no", "AuthorizationFailed", "x", 403)
    reply = status_of(az, "gw-hub")[-1]
    text = text_of(reply)
    assert "read metrics (metrics:getBatch) failed" in text
    assert "metrics could not be read" in text
    assert "0 bit/s" not in text
    assert not any(k.startswith("idle_tunnel:") for k in by_key([reply]))
    assert "All clear" not in text


def test_a_connected_tunnel_without_traffic_is_a_finding() -> None:
    az = estate(tunnel("TunnelIngressBytes", 0), tunnel("TunnelEgressBytes", 0))
    assert any(k.startswith("idle_tunnel:") for k in by_key(status_of(az, "gw-hub")))


def test_gateways_are_read_fifty_per_call_four_calls_per_batch() -> None:
    gws = [dataclasses.replace(gateway(f"gw{i}", "vnet-hub"), location="northeurope") for i in range(51)]
    gws.append(dataclasses.replace(gateway("gw-aue", "vnet-hub"), location="australiaeast"))
    az = FakeAzure(subscriptions=SUBS, gateways=gws)
    ctx = Ctx(az, RecordingMessenger(), settings=DomainSettings(concurrency=4), now=lambda: NOW)
    reading = read_rates(ctx, gws, WINDOW)
    calls = [c for c in az.calls if c[0] == "metrics_batch"]
    assert len(calls) == 3 * 4  # northeurope: 50 + 1; australiaeast: 1
    assert not reading.failures and len(reading.gateways) == 52


def test_the_window_ends_on_a_whole_time_grain() -> None:
    w = window_ending(NOW + timedelta(minutes=7, seconds=12))
    assert w.end == NOW + timedelta(minutes=5) and w.end - w.start == timedelta(hours=1)
