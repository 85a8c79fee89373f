"""`/vpn capture start|stop` end to end: Bolt, the worker, the real SDK's start/stopPacketCapture
against the ARM emulator, the stop scheduled as a delayed message on a real Storage Queue
(Azurite), and the SAS URL minted at the stop by azure-storage-blob for a container on
Azurite, which checks its signature when the emulator writes the capture file through it.

Expectations from "Configure packet capture for VPN gateways"
(https://learn.microsoft.com/azure/vpn-gateway/packet-capture): `filterData` is a JSON string
with TracingFlags, MaxPacketBufferSize, MaxFileSize and one entry of Filters (SourceSubnets,
DestinationSubnets, SourcePort, DestinationPort, Protocol, TcpFlags,
CaptureSingleDirectionTrafficOnly); one capture at a time per connection; StopPacketCapture
takes a container SAS URL (sasUrl) and Azure writes the capture there."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient

from bot.runtime.jobs import Job
from bot.runtime.queue import QueueDispatcher
from bot.runtime.signing import JobSeal
from bot.settings import Settings
from tests.azurite import Azurite, unique_name
from tests.reliability.harness import ALICE, BOB, CAROL, Rig


def _said(answer: object) -> str:
    return "\n".join(answer.block_texts)  # type: ignore[attr-defined]


def test_capture_starts_after_approval_and_stops_by_itself_into_the_container(tmp_path: Path, azurite: Azurite) -> None:
    container = unique_name("cap")
    base = dataclasses.replace(
        Settings.from_env({}), capture_storage=azurite.connection_string, capture_container=container
    )
    with Rig(settings=base, state_dir=tmp_path / "state") as rig:
        rig.arm.record_bodies = True
        queue_name = unique_name("q")
        seal = JobSeal.for_settings(rig.console.settings.secret_key, queue_name)
        queue = QueueDispatcher(azurite.connection_string, queue_name, seal=seal)
        scheduled: list[tuple[Job, float]] = []

        def requeue(job: Job, delay_s: float) -> None:
            scheduled.append((job, delay_s))
            queue.submit(job, delay_s)

        rig.console.deps.requeue = requeue
        ask = rig.slash(
            "capture start cn-eun-to-aue 10 filter src 10.0.0.0/16 dst 10.1.0.0/16 dport 1433 proto tcp flags syn,ack "
            "reason: SQL timeouts",
            ALICE,
        )
        said = _said(ask)
        assert "Packet capture #1: cn-eun-to-aue" in said and "running 10 min" in said
        assert "src 10.0.0.0/16 dst 10.1.0.0/16 dport 1433 proto tcp flags syn,ack both directions" in said
        assert not [r for r in rig.arm.requests if r.path.endswith("PacketCapture")]  # nothing before approval

        rig.click("approval_approve", "1", BOB)
        starts = [r for r in rig.arm.requests if r.method == "POST" and r.path.endswith("/startPacketCapture")]
        assert len(starts) == 1
        assert json.loads(starts[0].body["filterData"]) == {
            "TracingFlags": 11,
            "MaxPacketBufferSize": 120,
            "MaxFileSize": 200,
            "Filters": [
                {
                    "CaptureSingleDirectionTrafficOnly": False,
                    "SourceSubnets": ["10.0.0.0/16"],
                    "DestinationSubnets": ["10.1.0.0/16"],
                    "DestinationPort": [1433],
                    "Protocol": 6,
                    "TcpFlags": 18,
                }
            ],
        }
        # The stop: one delayed, sealed message on the jobs queue, invisible until the end.
        assert [(j.name, j.text) for j, _ in scheduled] == [("capture_stop_due", "1")]
        assert 590 <= scheduled[0][1] <= 600
        q = QueueClient.from_connection_string(azurite.connection_string, queue_name)
        assert q.get_queue_properties().approximate_message_count == 1
        assert list(q.peek_messages()) == []  # not visible yet

        text = rig.slash("capture start cn-eun-to-aue reason: again", CAROL).text() + _said(
            rig.slash("capture start cn-eun-to-aue reason: again", CAROL)
        )
        assert "already running" in text

        # Ten minutes later the queue delivers it (run here as the queue worker would).
        job = scheduled[0][0]
        rig.dispatcher.submit(job)
        rig.dispatcher.wait_idle(60)
        stops = [a for a in rig.arm.estate.action_log if a["action"] == "stoppacketcapture"]
        assert len(stops) == 1 and stops[0]["uploaded"] == 201  # Azurite accepted the SAS
        blobs = BlobServiceClient.from_connection_string(azurite.connection_string).get_container_client(container)
        assert [b.name for b in blobs.list_blobs()] == [stops[0]["file"]]
        thread = "\n".join(t for e in rig.slack.events for t in [e.message.text, json.dumps(e.message.blocks)])
        assert f"{azurite.blob_endpoint}/{container}" in thread and "stopped at the end of its 10 minutes" in thread

        # A redelivery of the stop, and a stop by hand, stop nothing twice.
        rig.dispatcher.submit(dataclasses.replace(job, id="again"))
        rig.dispatcher.wait_idle(60)
        again = rig.slash("capture stop cn-eun-to-aue", CAROL)
        assert "was stopped at" in _said(again)
        assert len([a for a in rig.arm.estate.action_log if a["action"] == "stoppacketcapture"]) == 1

        # The SAS never left the worker: not in the store, not in Slack, not in the queue.
        db = (tmp_path / "state" / "vpnops.sqlite").read_bytes()
        assert b"sig=" not in db
        assert "sig=" not in thread and "sig=" not in json.dumps([c.args for c in rig.slack.calls], default=str)
        assert all("sig=" not in seal.seal(j) for j, _ in scheduled)
        audit = _said(rig.slash("audit", CAROL))
        assert "capture_stopped" in audit


def test_capture_filters_and_minutes_are_checked_before_anything_is_asked(tmp_path: Path) -> None:
    with Rig(state_dir=tmp_path / "state") as rig:
        assert "1 to 45 minutes" in _said(rig.slash("capture start cn-eun-to-aue 90", ALICE))
        assert "not an address range" in _said(rig.slash("capture start cn-eun-to-aue filter src 10.0.0.300/16", ALICE))
        assert "TCP flags go with proto tcp only" in _said(
            rig.slash("capture start cn-eun-to-aue filter proto udp flags syn", ALICE)
        )
        said = _said(rig.slash("capture start cn-eun-to-aue reason: x", ALICE))
        assert "Not filed" in said and "No storage is configured for capture files" in said


def test_a_capture_whose_scheduled_stop_never_ran_is_stopped_by_the_timers_sweep(
    tmp_path: Path, azurite: Azurite
) -> None:
    from datetime import timedelta

    from bot.runtime.timer import sweep_requests

    container = unique_name("cap")
    base = dataclasses.replace(
        Settings.from_env({}), capture_storage=azurite.connection_string, capture_container=container
    )
    with Rig(settings=base, state_dir=tmp_path / "state") as rig:
        lost: list[Job] = []
        rig.console.deps.requeue = lambda job, delay_s: lost.append(job)  # the queue message is lost
        rig.slash("capture start gateway vgw-eun 5 reason: IKE flaps", ALICE)
        rig.click("approval_approve", "1", BOB)
        assert lost and rig.arm.estate.captures
        assert sweep_requests(rig.console.deps) == []  # not due yet: nothing stopped
        assert rig.arm.estate.captures
        lines = rig.sweep_at(timedelta(minutes=7))
        assert len(lines) == 1 and "is stopped" in lines[0]
        assert not rig.arm.estate.captures
        stops = [a for a in rig.arm.estate.action_log if a["action"] == "stoppacketcapture"]
        assert len(stops) == 1 and stops[0]["uploaded"] == 201
        assert rig.sweep_at(timedelta(minutes=8)) == []  # stopped once
