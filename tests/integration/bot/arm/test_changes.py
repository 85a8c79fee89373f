"""The port's changes and platform health through the real SDKs (azure-mgmt-resourcegraph,
azure-mgmt-monitor, azure-mgmt-resourcehealth) against the emulator.

No OpenAPI definition of these operations is in ../shared/fixtures/real/specs, so the shapes
the emulator serves were built from Microsoft's documentation, cited per test, and each test
checks that the SDK deserializes them into its own models (what Azure's answers go through).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from azure.mgmt.monitor.models import EventData
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions
from azure.mgmt.resourcehealth.models import AvailabilityStatus

from bot.arm.changes import changes_query
from bot.arm.client import ArmClient
from commands.core.errors import AzureFailure
from sandbox.arm.history import SANDBOX_APP_ID
from sandbox.arm_emulator import SEED_ESTATE, ArmEmulator
from sandbox.estate import load_estate
from tests.integration.bot.arm.support import GW_EUN, PEER_EUN, SUB, make_client

HOUR_AGO = lambda: datetime.now(UTC) - timedelta(hours=1)  # noqa: E731 - a clock, read per test


def _estate_with_history() -> dict:
    est = load_estate(SEED_ESTATE)
    est["changes"] = [
        {
            "ago": "14m",
            "resource": PEER_EUN,
            "operation": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
            "by": "alice@contoso.com",
            "client": "Azure Portal",
            "properties": {"properties.allowGatewayTransit": ["true", "false"]},
        },
        {"ago": "3d", "resource": GW_EUN, "by": "old@contoso.com", "properties": {"tags.a": ["", "b", "Insert"]}},
    ]
    est["resourceHealth"] = {
        GW_EUN: [
            {"ago": "20m", "availabilityState": "Unavailable", "summary": "Gateway down.", "reasonType": "Unplanned"},
            {"ago": "2h", "availabilityState": "Available"},
        ]
    }
    est["serviceHealth"] = [
        {
            "ago": "30m",
            "title": "VPN Gateway - North Europe",
            "incidentType": "Incident",
            "stage": "Active",
            "service": "VPN Gateway",
            "regions": ["North Europe"],
            "trackingId": "AB-123",
        }
    ]
    return est


@pytest.fixture
def emu():  # type: ignore[no-untyped-def]
    with ArmEmulator(_estate_with_history(), record_bodies=True) as e:
        yield e


@pytest.fixture
def client(emu: ArmEmulator):  # type: ignore[no-untyped-def]
    with make_client(emu) as c:
        yield c


def test_resource_graph_rows_have_the_documented_change_shape_and_the_sdk_reads_them(
    client: ArmClient, emu: ArmEmulator
) -> None:
    """Row shape: https://learn.microsoft.com/azure/governance/resource-graph/how-to/get-resource-changes
    ("Understand change event properties": targetResourceId, targetResourceType, changeType,
    changeAttributes {timestamp, changedBy, changedByType, clientType, operation,
    correlationId, changesCount, previous/newResourceSnapshotId}, changes {path →
    previousValue, newValue, changeCategory, propertyChangeType}). Answer:
    https://learn.microsoft.com/rest/api/azureresourcegraph/resourcegraph/resources/resources
    (QueryResponse: totalRecords, count, resultTruncated, data, facets, $skipToken)."""
    answer = client._pipeline.resourcegraph().resources(
        QueryRequest(
            subscriptions=[SUB], query="resourcechanges", options=QueryRequestOptions(result_format="objectArray")
        )
    )
    assert answer.total_records == 2 and answer.count == 2 and answer.result_truncated == "false"
    row = answer.data[0]  # the newest (the other: a tag three days ago)
    props = row["properties"]
    assert props["targetResourceType"] == "microsoft.network/virtualnetworks"  # a peering is inside its VNet
    assert props["changeType"] == "Update"
    attrs = props["changeAttributes"]
    assert {
        "timestamp",
        "changedBy",
        "changedByType",
        "clientType",
        "operation",
        "correlationId",
        "changesCount",
    } <= set(attrs)
    assert attrs["changedBy"] == "alice@contoso.com" and attrs["clientType"] == "Azure Portal"
    [(path, change)] = props["changes"].items()
    assert path == "properties.virtualNetworkPeerings[0].properties.allowGatewayTransit"
    assert change == {
        "newValue": "false",
        "previousValue": "true",
        "changeCategory": "User",
        "propertyChangeType": "Update",
    }


def test_resource_changes_is_one_query_for_every_subscription_and_bounded_by_time(
    client: ArmClient, emu: ArmEmulator
) -> None:
    emu.clear_requests()
    found = client.resource_changes([SUB], HOUR_AGO())
    graph = [r for r in emu.requests if "microsoft.resourcegraph" in r.path.lower()]
    assert len(graph) == 1 and graph[0].method == "POST"
    assert graph[0].body["subscriptions"] == [SUB] and "datetime(" in graph[0].body["query"]
    [c] = found  # the 3-day-old tag change is before `since`
    assert c.who == "alice@contoso.com" and c.who_type == "User" and c.source == "resource-graph"
    assert c.properties[0].before == "true" and c.properties[0].after == "false"


def test_resource_graph_pages_are_followed_by_skip_token(client: ArmClient, emu: ArmEmulator) -> None:
    for i in range(3):
        emu.history.record_write(
            "PUT", GW_EUN, {"id": GW_EUN, "tags": {}}, {"id": GW_EUN, "tags": {"n": str(i)}}, 200, ""
        )
    raw = client._pipeline.resourcegraph().resources(
        QueryRequest(subscriptions=[SUB], query=changes_query(HOUR_AGO()), options=QueryRequestOptions(top=2))
    )
    assert raw.count == 2 and raw.skip_token == "2" and raw.total_records == 4
    assert len(client.resource_changes([SUB], HOUR_AGO())) == 4


def test_activity_log_events_deserialize_as_event_data_and_a_write_has_started_then_succeeded(
    client: ArmClient, emu: ArmEmulator
) -> None:
    """EventData as https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema
    (Administrative: caller, operationName, status, correlationId, eventTimestamp; an operation
    logs a Started event and then its outcome with the same correlationId); the list as
    https://learn.microsoft.com/rest/api/monitor/activity-logs/list."""
    since = HOUR_AGO()
    flt = f"eventTimestamp ge '{since:%Y-%m-%dT%H:%M:%SZ}' and eventTimestamp le '{datetime.now(UTC) + timedelta(minutes=1):%Y-%m-%dT%H:%M:%SZ}'"
    events = list(client._pipeline.monitor(SUB).activity_logs.list(filter=flt))
    assert all(isinstance(e, EventData) for e in events)
    admin = [e for e in events if e.category.value == "Administrative"]
    assert [e.status.value for e in sorted(admin, key=lambda e: e.event_timestamp)] == ["Started", "Succeeded"]
    assert {e.caller for e in admin} == {"alice@contoso.com"} and len({e.correlation_id for e in admin}) == 1
    [health] = [e for e in events if e.category.value == "ServiceHealth"]
    assert health.properties["trackingId"] == "AB-123" and health.properties["incidentType"] == "Incident"
    assert json.loads(health.properties["impactedServices"])[0]["ImpactedRegions"][0]["RegionName"] == "North Europe"
    log = client.activity_log(SUB, since)
    assert [e.title for e in log.service_events] == ["VPN Gateway - North Europe"]
    assert log.service_events[0].regions == ("North Europe",) and log.service_events[0].services == ("VPN Gateway",)


def test_the_activity_log_needs_both_time_bounds(client: ArmClient) -> None:
    """The list's $filter must bound eventTimestamp both ways (activity-logs/list)."""
    with pytest.raises(Exception) as err:
        list(client._pipeline.monitor(SUB).activity_logs.list(filter="eventTimestamp ge '2026-01-01T00:00:00Z'"))
    assert "eventTimestamp" in str(err.value)


def test_resource_health_statuses_deserialize_with_azures_spelling_and_history_is_newest_first(
    client: ArmClient,
) -> None:
    """availabilityStatuses as https://learn.microsoft.com/rest/api/resourcehealth/availability-statuses
    (properties.availabilityState Available | Unavailable | Degraded | Unknown, summary,
    reasonType, occuredTime — Azure's spelling — and reportedTime)."""
    raw = list(client._pipeline.resourcehealth(SUB).availability_statuses.list(GW_EUN.lstrip("/")))
    assert all(isinstance(s, AvailabilityStatus) for s in raw)
    assert raw[0].properties.availability_state == "Unavailable" and raw[0].properties.occured_time is not None
    history = client.resource_health_history(GW_EUN)
    assert [h.state for h in history] == ["Unavailable", "Available"]
    assert history[0].reason_type == "Unplanned" and history[0].summary == "Gateway down."
    current = {h.resource_id.lower(): h.state for h in client.resource_health(SUB)}
    assert current[GW_EUN.lower()] == "Unavailable"
    assert set(current.values()) == {"Unavailable", "Available"}  # the other gateway and the connections


def _jwt(claims: dict) -> str:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none'})}.{b64(claims)}.sig"


def test_a_write_through_the_emulator_is_recorded_with_the_callers_identity(
    client: ArmClient, emu: ArmEmulator
) -> None:
    peering = client.peering(PEER_EUN)
    client.update_peering(PEER_EUN, {"allowForwardedTraffic": not peering.allow_forwarded_traffic}, peering.etag)
    # A user's token (upn) through plain HTTP, as the az CLI sends one.
    url = f"{emu.base_url}{GW_EUN}?api-version=2026-03-01"
    doc = requests.get(url, headers={"Authorization": "Bearer x"}, timeout=5).json()
    doc["tags"] = {"owner": "net"}
    answer = requests.put(
        url, json=doc, headers={"Authorization": f"Bearer {_jwt({'upn': 'bob@contoso.com'})}"}, timeout=5
    )
    assert answer.status_code in (200, 201)
    found = client.resource_changes([SUB], HOUR_AGO())  # newest first
    changes = {c.resource_id.lower(): c for c in reversed(found)}
    mine = changes[PEER_EUN.rsplit("/virtualNetworkPeerings/", 1)[0].lower()]
    assert mine.who == SANDBOX_APP_ID and mine.who_type == "AppId"  # the bot's static sandbox token
    assert [p.path for p in mine.properties] == [
        "properties.virtualNetworkPeerings[0].properties.allowForwardedTraffic"
    ]
    bobs = changes[GW_EUN.lower()]
    assert bobs.who == "bob@contoso.com" and bobs.who_type == "User"
    assert [(p.path, p.after) for p in bobs.properties] == [("tags.owner", "net")]


def test_a_refused_write_is_a_failed_operation_in_the_activity_log_and_no_change_in_resource_graph(
    client: ArmClient, emu: ArmEmulator
) -> None:
    vnet = PEER_EUN.rsplit("/virtualNetworkPeerings/", 1)[0]
    url = f"{emu.base_url}{vnet}/virtualNetworkPeerings/bad?api-version=2026-03-01"
    answer = requests.put(url, json={"properties": {}}, headers={"Authorization": "Bearer x"}, timeout=5)
    assert answer.status_code == 400
    ops = [c for c in client.activity_log(SUB, HOUR_AGO()).changes if c.resource_id.endswith("/bad")]
    assert {c.result for c in ops} == {"Started", "Failed"}
    assert not [c for c in client.resource_changes([SUB], HOUR_AGO()) if c.resource_id.endswith("/bad")]


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("Microsoft.ResourceGraph/resources/read", lambda c: c.resource_changes([SUB], HOUR_AGO())),
        ("Microsoft.Insights/eventtypes/values/read", lambda c: c.activity_log(SUB, HOUR_AGO())),
        ("Microsoft.ResourceHealth/availabilityStatuses/read", lambda c: c.resource_health(SUB)),
    ],
)
def test_each_read_needs_its_role_action_and_fails_as_forbidden_without_it(
    client: ArmClient, emu: ArmEmulator, action: str, call
) -> None:  # type: ignore[no-untyped-def]
    emu.deny(action)
    with pytest.raises(AzureFailure) as err:
        call(client)
    assert err.value.kind == "forbidden"
