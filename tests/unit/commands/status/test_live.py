"""`/vpn status` as it is read (commands/status/live.py): what is known first, the same message
revised as the slow diagnostic operations answer, and one reading for everyone asking at once."""

from __future__ import annotations

import threading
import time
from typing import Any

from commands.core.model import BgpPeer, GatewayRoute
from commands.core.registry import Ctx, DomainSettings
from commands.core.reply import Reply
from commands.status.command import status
from tests.fakes import FakeAzure, RecordingMessenger
from tests.unit.commands.status.support import NOW, conn, gw, text_of

SLOW_S = 1.6  # a diagnostic operation's time here (Azure: seconds to a minute)


class SlowDiagnostics(FakeAzure):
    """The diagnostic operations take SLOW_S (the rest answers at once)."""

    def bgp_peer_status(self, gateway_id: str) -> list[BgpPeer]:
        time.sleep(SLOW_S)
        return super().bgp_peer_status(gateway_id)

    def learned_routes(self, gateway_id: str) -> list[GatewayRoute]:
        time.sleep(SLOW_S)
        return super().learned_routes(gateway_id)


def estate(kind: type[SlowDiagnostics] = SlowDiagnostics) -> Any:
    a = gw("gw-a", "westus2", enable_bgp=True, bgp_asn=65010, bgp_peering_addresses=("10.0.255.30",))
    b = gw("gw-b", "westus2", enable_bgp=True, bgp_asn=65020, bgp_peering_addresses=("10.1.255.30",))
    down = gw("gw-c", "westus2")
    return kind(
        gateways=[a, b, down],
        connections=[
            conn("a-to-b", a, b, egress_bytes=10, ingress_bytes=10, enable_bgp=True),
            conn("b-to-a", b, a, egress_bytes=10, ingress_bytes=10, enable_bgp=True),
            conn("c-site", down, status="NotConnected"),
        ],
        shared_keys={},
        bgp={
            a.id: [BgpPeer("10.1.255.30", 65020, "Connected")],
            b.id: [BgpPeer("10.0.255.30", 65010, "Connected")],
        },
    )


class Messages(RecordingMessenger):
    """Also keeps each message as first posted (`responses` ends with what the user reads)."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[Reply] = []

    def respond(self, reply: Reply) -> None:
        self.posted.append(reply)
        super().respond(reply)


def ctx_for(az: FakeAzure, out: RecordingMessenger, channel: str = "C1") -> Ctx:
    return Ctx(az, out, channel=channel, settings=DomainSettings(progress_every_s=0.2), now=lambda: NOW)


def test_what_is_known_comes_first_then_the_same_message_is_revised_to_the_complete_answer() -> None:
    az, out = estate(), Messages()
    started = time.monotonic()
    assert status(ctx_for(az, out), "westus2") is None  # answered through the messenger
    took = time.monotonic() - started
    first, *_ = out.posted
    final = [r for r, f in out.revisions if f]
    assert len(out.responses) == 1 and len(final) == 1  # one message, revised
    assert final[0] is out.responses[0]  # what the user ends up reading
    # The two operations on each gateway ran beside each other and beside the reads: the
    # answer waited for the slowest, not for their sum (4 × SLOW_S).
    assert took < 2 * SLOW_S + 0.5
    # The first message judged what was known: the connection that is down, said as found so far.
    assert first.live
    assert str(first.fallback).startswith("🔴 1 problem found so far in West US 2"), first.fallback
    assert "c-site" in text_of(first) and "BGP peers of 2 gateways" in text_of(first)
    assert "updates itself" in text_of(first)
    assert "found so far" not in str(final[0].fallback)


def test_a_first_message_never_says_all_clear() -> None:
    az, out = estate(), Messages()
    az.conns = {k: c for k, c in az.conns.items() if not k.endswith("c-site")}
    status(ctx_for(az, out), "westus2")
    first = out.posted[0]
    assert first.live
    words = text_of(first)
    assert "All clear" not in words and "No problem found yet" in words and "still reading" in words


def test_everyone_asking_the_same_at_once_shares_one_reading() -> None:
    az = estate()
    outs = [RecordingMessenger() for _ in range(5)]
    answers: list[Any] = []
    barrier = threading.Barrier(len(outs))

    def ask(out: RecordingMessenger) -> None:
        barrier.wait()
        answers.append(status(ctx_for(az, out), "westus2"))

    threads = [threading.Thread(target=ask, args=(o,)) for o in outs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [m for m, _ in az.calls].count("bgp_peer_status") == 2  # once per BGP gateway, not five times
    assert [m for m, _ in az.calls].count("gateways") == 1  # one reading, not five
    finals: list[Reply] = [r for o in outs for r, f in o.revisions if f]
    assert len(finals) == 5 and len({str(r.fallback) for r in finals}) == 1
    assert all(len(o.responses) == 1 for o in outs)  # each asker: their own message, revised


def test_another_channel_reads_for_itself() -> None:
    az = estate()
    outs = [RecordingMessenger(), RecordingMessenger()]
    threads = [
        threading.Thread(target=status, args=(ctx_for(az, o, channel=ch), "westus2"))
        for o, ch in zip(outs, ("C1", "C2"), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [m for m, _ in az.calls].count("bgp_peer_status") == 4


class Timed(SlowDiagnostics):
    """Notes when each history read and each diagnostic answer happened."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.at: dict[str, list[float]] = {}

    def _note(self, what: str) -> None:
        self.at.setdefault(what, []).append(time.monotonic())

    def resource_changes(self, subscription_ids: Any, since: Any) -> Any:
        self._note("history")
        return super().resource_changes(subscription_ids, since)

    def bgp_peer_status(self, gateway_id: str) -> list[BgpPeer]:
        out = super().bgp_peer_status(gateway_id)
        self._note("diagnostics")
        return out

    def learned_routes(self, gateway_id: str) -> list[GatewayRoute]:
        out = super().learned_routes(gateway_id)
        self._note("diagnostics")
        return out


def _timed_estate() -> Timed:
    az: Timed = estate(Timed)
    return az


def test_what_changed_is_read_while_the_diagnostic_operations_run_once_a_version_shows_a_red() -> None:
    az, out = _timed_estate(), Messages()
    status(ctx_for(az, out), "westus2")
    # the first version shows c-site down (🔴): the history is read then, once, not after the
    # slowest operation
    assert len(az.at["history"]) == 1
    assert az.at["history"][0] < min(az.at["diagnostics"])


def test_no_version_with_a_red_reads_no_history() -> None:
    az, out = _timed_estate(), Messages()
    az.conns = {k: c for k, c in az.conns.items() if not k.endswith("c-site")}
    status(ctx_for(az, out), "westus2")
    assert "history" not in az.at
    assert not {m for m, _ in az.calls} & {"resource_changes", "activity_log", "resource_health"}
