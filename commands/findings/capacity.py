"""One judgement of a gateway's throughput against its SKU's benchmark, from one source.

Two findings measure the same thing: `near_capacity` (`commands.findings.rates`: the
gateway's `AverageBandwidth` + `P2SBandwidth` from Azure Monitor) and `sku_throughput`
(`commands.findings.skus`: its connections' byte counters between the watch's samples).
Azure Monitor's gateway bandwidth is the documented measurement
(https://learn.microsoft.com/azure/vpn-gateway/monitor-vpn-gateway-reference, "Gateway S2S
Bandwidth" / "Gateway P2S Bandwidth"), so it is the source wherever it gave a figure for the
gateway; the watch's samples only where it did not (the batch failed, the gateway was not
read in depth, or Azure had no bandwidth points), and the finding then says so. Exactly one
source — hence at most one of the two kinds — per gateway and request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from commands.core.model import rid_key
from commands.core.reply import Finding
from commands.core.text import rich
from commands.findings.rates import RatesReading

SAMPLES_KIND = "sku_throughput"
MONITOR_KIND = "near_capacity"


def measured_by_monitor(reading: RatesReading | None, gateway_id: str) -> bool:
    """Azure Monitor gave a bandwidth figure for this gateway in this request."""
    if reading is None or reading.unread(gateway_id) is not None:
        return False
    g = reading.gateways.get(rid_key(gateway_id))
    return g is not None and g.peak_bps() is not None


def why_not_monitor(reading: RatesReading | None, gateway_id: str) -> str:
    """Why the watch's samples stand in for Azure Monitor (said in the finding)."""
    if reading is None or (rid_key(gateway_id) not in reading.gateways and reading.unread(gateway_id) is None):
        return "Azure Monitor's bandwidth of this gateway was not read in this request"
    failure = reading.unread(gateway_id)
    if failure is not None:
        return f"Azure Monitor's metrics of this gateway could not be read ({failure.kind})"
    return "Azure Monitor had no bandwidth points for this gateway in the window"


def one_source(found: Iterable[Finding], reading: RatesReading | None) -> list[Finding]:
    """`found` with the throughput judged from one source per gateway: `sku_throughput`
    dropped where Azure Monitor measured the gateway, else kept with the reason it stands in."""
    out: list[Finding] = []
    for f in found:
        kind, _, gw = f.key.partition(":")
        if kind != SAMPLES_KIND:
            out.append(f)
        elif not measured_by_monitor(reading, gw):
            why = why_not_monitor(reading, gw)
            out.append(replace(f, evidence=rich(f.evidence, f" Source: the watch's samples — {why}.")))
    return out


__all__ = ["MONITOR_KIND", "SAMPLES_KIND", "measured_by_monitor", "one_source", "why_not_monitor"]
