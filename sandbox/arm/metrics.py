"""Azure Monitor's batch metrics API, served from the estate's `metrics` section.

Route: `POST /metrics/{region}/subscriptions/{sub}/metrics:getBatch` — the regional endpoint
`https://{region}.metrics.monitor.azure.com` of the real service, under one loopback server.
There is no OpenAPI definition of this data-plane operation among the published specs
(../shared/fixtures/real/specs has Microsoft.Insights `metrics_API.json`, the per-resource
ARM API), so the shapes follow Microsoft's "Migrate from the metrics API to the getBatch
API" (https://learn.microsoft.com/azure/azure-monitor/metrics/migrate-to-batch-api):

* request: query `starttime`, `endtime`, `interval`, `metricnamespace` (required),
  `metricnames`, `aggregation`, `filter` (no `$`), `api-version`; body `{"resourceids": [...]}`
  — at most 50, all in the path's subscription, the endpoint's region and of the namespace's
  type (else 400);
* answer: `{"values": [one metrics response per resource]}`, each the per-resource answer
  (its `Metric` items as `metrics_API.json` defines them: id, type, name, displayDescription,
  unit, timeseries[metadatavalues, data[timeStamp, <aggregation>…]], errorCode) with
  `starttime`, `endtime`, `interval`, `namespace`, `resourceregion` and `resourceid`;
* errors wrapped in a top-level `error` (`{"error": {"code", "message"}}`); a caller without
  Monitoring Reader on the subscription gets 401 ("401 authorization errors"). A split
  (`Dim eq '*'`) with no data is `"timeseries": []`; an unsplit metric with no data has
  points that carry only their `timeStamp`.

The estate's `metrics` section, per resource id, per metric (the REST API name), a list of
series, each for one set of dimension values:

    "metrics": {"<gateway id>": {"TunnelIngressBytes": [
        {"dimensions": {"ConnectionName": "eun-to-aue", "RemoteIP": "20.5.6.7"},
         "perMinute": 1.5e7, "wave": 0.3, "periodMinutes": 60, "outages": [[40, 25]]}]}}

`perMinute` is the one-minute sample (Azure collects every minute): bytes or packets in that
minute for Total metrics, bytes/s for bandwidth, 1/0 for BGP peer status, clients for the
P2S count. `wave` (a fraction) varies it along a sine of `periodMinutes` anchored at the
epoch, so the same minute always has the same value; `outages` are [from, to] minutes before
the window's end during which the sample is 0; `values` (a list, oldest first, the last
sample at the window's end) replaces the generator. The samples of a time grain are
aggregated as Azure does: total = sum, average = mean, maximum, minimum, count.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.arm import ids
from sandbox.arm.state import ArmError

if TYPE_CHECKING:
    from sandbox.arm_emulator import ArmEmulator

BATCH_MAX = 50
_PATH = re.compile(r"^/metrics/([A-Za-z0-9-]+)/subscriptions/([^/]+)/metrics:getBatch/?$", re.IGNORECASE)
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.IGNORECASE)
_CLAUSE = re.compile(r"^\s*([A-Za-z0-9_.]+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
_AGGREGATIONS = ("average", "total", "maximum", "minimum", "count")

# Microsoft.Network/virtualNetworkGateways metrics ("Supported metrics for
# Microsoft.Network/virtualNetworkGateways"): name -> (display name, unit, dimensions).
_TUNNEL = ("ConnectionName", "RemoteIP", "Instance")
GATEWAY_METRICS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "AverageBandwidth": ("Gateway S2S Bandwidth", "BytesPerSecond", ("Instance",)),
    "P2SBandwidth": ("Gateway P2S Bandwidth", "BytesPerSecond", ("Instance",)),
    "P2SConnectionCount": ("P2S Connection Count", "Count", ("Protocol", "Instance")),
    "BgpPeerStatus": ("BGP Peer Status", "Count", ("BgpPeerAddress", "Instance")),
    "BgpRoutesAdvertised": ("BGP Routes Advertised", "Count", ("BgpPeerAddress", "Instance")),
    "BgpRoutesLearned": ("BGP Routes Learned", "Count", ("BgpPeerAddress", "Instance")),
    "TunnelAverageBandwidth": ("Tunnel Bandwidth", "BytesPerSecond", _TUNNEL),
    "TunnelEgressBytes": ("Tunnel Egress Bytes", "Bytes", _TUNNEL),
    "TunnelIngressBytes": ("Tunnel Ingress Bytes", "Bytes", _TUNNEL),
    "TunnelEgressPackets": ("Tunnel Egress Packets", "Count", _TUNNEL),
    "TunnelIngressPackets": ("Tunnel Ingress Packets", "Count", _TUNNEL),
    "TunnelEgressPacketDropCount": ("Tunnel Egress Packet Drop Count", "Count", _TUNNEL),
    "TunnelIngressPacketDropCount": ("Tunnel Ingress Packet Drop Count", "Count", _TUNNEL),
    "TunnelEgressPacketDropTSMismatch": ("Tunnel Egress TS Mismatch Packet Drop", "Count", _TUNNEL),
    "TunnelIngressPacketDropTSMismatch": ("Tunnel Ingress TS Mismatch Packet Drop", "Count", _TUNNEL),
    "TunnelPeakPackets": ("Tunnel Peak PPS", "Count", _TUNNEL),
    "MmsaCount": ("Tunnel MMSA Count", "Count", _TUNNEL),
    "QmsaCount": ("Tunnel QMSA Count", "Count", _TUNNEL),
}
NAMESPACES = {"microsoft.network/virtualnetworkgateways": GATEWAY_METRICS}


def is_metrics_path(path: str) -> bool:
    return _PATH.match(path) is not None


def bad(message: str, status: int = 400, code: str = "BadRequest") -> ArmError:
    return ArmError(status, code, message)


def get_batch(emu: ArmEmulator, method: str, path: str, query: dict[str, str], raw_body: bytes) -> tuple[int, Any]:
    """(status, body) of one `metrics:getBatch` request (errors raise ArmError, whose body
    is the batch API's `{"error": {...}}`)."""
    m = _PATH.match(path)
    if m is None:
        raise bad(f"The request URI '{path}' is not a metrics:getBatch path.", 404, "NotFound")
    if method != "POST":
        raise bad(f"{method} is not supported on metrics:getBatch; it is a POST.", 405, "MethodNotAllowed")
    region, sub = m.group(1).lower(), m.group(2)
    q = {k.lower(): v for k, v in query.items()}
    _authorize(emu, sub)
    namespace, catalog, names = _metric_names(q)
    start, end = _time(q.get("starttime"), "starttime"), _time(q.get("endtime"), "endtime")
    interval = _duration(q.get("interval") or "PT1M")
    if end <= start:
        raise bad("endtime must be after starttime.")
    aggs = [a.strip().lower() for a in (q.get("aggregation") or "average").split(",") if a.strip()]
    if any(a not in _AGGREGATIONS for a in aggs):
        raise bad(f"aggregation must be among {', '.join(_AGGREGATIONS)} (got {q.get('aggregation')!r}).")
    split = _filter(q.get("filter") or "")
    for n in names:
        dims = {d.lower() for d in catalog[n][2]}
        if any(d.lower() not in dims for d in split):
            raise bad(
                f"Metric: {n} does not support requested dimension combination: {','.join(split)}, "
                f"supported ones are: {','.join(catalog[n][2])}"
            )
    rids = _batch(emu, _resource_ids(raw_body), sub, namespace, region)
    grains = _grains(start, end, interval)
    values = []
    for rid in rids:
        spec = emu.estate.metrics.get(ids.key(rid), {})
        metrics = [_metric(rid, n, catalog[n], spec.get(n) or [], split, aggs, grains, interval, end) for n in names]
        values.append(
            {
                "starttime": _iso(start),
                "endtime": _iso(end),
                "interval": q.get("interval") or "PT1M",
                "value": metrics,
                "namespace": namespace.lower(),
                "resourceregion": region,
                "resourceid": rid,
            }
        )
    return 200, {"values": values}


def _authorize(emu: ArmEmulator, sub: str) -> None:
    if not emu.estate.subscription_exists(sub):
        raise bad(f"The subscription '{sub}' could not be found.", 404, "SubscriptionNotFound")
    if emu.estate.is_denied("Microsoft.Insights/metrics/read", f"/subscriptions/{sub}"):
        raise bad(
            "The client does not have authorization to read metrics (Microsoft.Insights/metrics/read) on "
            f"subscription '{sub}': the batch API needs Monitoring Reader on the subscription itself.",
            401,
            "Unauthorized",
        )


def _metric_names(q: dict[str, str]) -> tuple[str, dict[str, tuple[str, str, tuple[str, ...]]], list[str]]:
    namespace = q.get("metricnamespace", "")
    catalog = NAMESPACES.get(namespace.lower())
    if catalog is None:
        raise bad(f"metricnamespace '{namespace}' is missing or not served by the sandbox.")
    names = [n for n in (q.get("metricnames") or "").split(",") if n]
    if not names:
        raise bad("metricnames is required.")
    unknown = [n for n in names if n not in catalog]
    if unknown:
        raise bad(f"Failed to find metric configuration for provider: {namespace}, metric: {unknown[0]}")
    return namespace, catalog, names


def _batch(emu: ArmEmulator, rids: list[str], sub: str, namespace: str, region: str) -> list[str]:
    """The batching restrictions: one subscription, one region, one resource type."""
    for rid in rids:
        doc = emu.estate.view(ids.key(rid))
        if doc is None:
            raise bad(f"Resource '{rid}' was not found.", 400, "ResourceNotFound")
        p = ids.parse(rid)
        if p is None or p.subscription.lower() != sub.lower():
            raise bad(f"All resources in a batch must be in subscription '{sub}': '{rid}' is not.")
        if p.type_key != namespace.lower():
            raise bad(f"All resources in a batch must be of type '{namespace}': '{rid}' is not.")
        if str(doc.get("location", "")).replace(" ", "").lower() != region:
            raise bad(f"All resources in a batch must be in region '{region}': '{rid}' is in '{doc.get('location')}'.")
    return rids


def _resource_ids(raw: bytes) -> list[str]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise bad('The request body is not JSON: it must be {"resourceids": [...]}.') from None
    rids = body.get("resourceids") if isinstance(body, dict) else None
    if not isinstance(rids, list) or not rids or not all(isinstance(r, str) for r in rids):
        raise bad('The request body must be {"resourceids": [<resource ids>]} (the property in lower case).')
    unique = list(dict.fromkeys(rids))
    if len(unique) > BATCH_MAX:
        raise bad(f"Up to {BATCH_MAX} unique resource IDs can be specified in each call (got {len(unique)}).")
    return unique


def _filter(flt: str) -> dict[str, set[str]]:
    """`A eq '*' and B eq 'x' or B eq 'y'` → {A: {'*'}, B: {'x', 'y'}} (the dimensions split)."""
    out: dict[str, set[str]] = {}
    if not flt.strip():
        return out
    for part in re.split(r"\s+(?:and|or)\s+", flt.strip(), flags=re.IGNORECASE):
        m = _CLAUSE.match(part)
        if m is None:
            raise bad(f"Invalid filter clause {part!r}: use  <dimension> eq '<value or *>'.")
        out.setdefault(m.group(1), set()).add(m.group(2))
    return out


def _metric(
    rid: str,
    name: str,
    meta: tuple[str, str, tuple[str, ...]],
    series: list[dict[str, Any]],
    split: dict[str, set[str]],
    aggs: list[str],
    grains: list[datetime],
    interval: timedelta,
    end: datetime,
) -> dict[str, Any]:
    display, unit, _dims = meta
    timeseries: list[dict[str, Any]] = []
    if split:
        groups: dict[tuple[tuple[str, str], ...], list[dict[str, Any]]] = {}
        for s in series:
            dims = {k.lower(): (k, str(v)) for k, v in (s.get("dimensions") or {}).items()}
            picked = []
            for d, wanted in split.items():
                _name, v = dims.get(d.lower(), (d, ""))
                if "*" not in wanted and v not in wanted:
                    break
                picked.append((d, v))
            else:
                groups.setdefault(tuple(picked), []).append(s)
        for dims_key, members in groups.items():
            timeseries.append(
                {
                    "metadatavalues": [{"name": {"value": d, "localizedValue": d}, "value": v} for d, v in dims_key],
                    "data": _points(members, aggs, grains, interval, end),
                }
            )
    else:
        timeseries.append({"metadatavalues": [], "data": _points(series, aggs, grains, interval, end)})
    return {
        "id": f"{rid}/providers/Microsoft.Insights/metrics/{name}",
        "type": "Microsoft.Insights/metrics",
        "name": {"value": name, "localizedValue": display},
        "displayDescription": display,
        "unit": unit,
        "timeseries": timeseries,
        "errorCode": "Success",
    }


def _points(
    series: list[dict[str, Any]], aggs: list[str], grains: list[datetime], interval: timedelta, end: datetime
) -> list[dict[str, Any]]:
    minutes = max(1, int(interval.total_seconds() // 60))
    out = []
    for g in grains:
        samples: list[float] = []
        for s in series:
            for i in range(minutes):
                t = g + timedelta(minutes=i)
                if t >= end:
                    break
                v = sample(s, t, end)
                if v is not None:
                    samples.append(v)
        point: dict[str, Any] = {"timeStamp": _iso(g)}
        if samples:
            for a in aggs:
                point[a] = _aggregate(a, samples)
        out.append(point)
    return out


def _aggregate(agg: str, samples: list[float]) -> float:
    if agg == "total":
        return float(sum(samples))
    if agg == "average":
        return float(sum(samples) / len(samples))
    if agg == "maximum":
        return float(max(samples))
    if agg == "minimum":
        return float(min(samples))
    return float(len(samples))


def sample(spec: dict[str, Any], t: datetime, end: datetime) -> float | None:
    """The one-minute sample of a series spec at minute `t` of a window ending at `end`."""
    ago = (end - t).total_seconds() / 60.0
    values = spec.get("values")
    if isinstance(values, list) and values:
        idx = len(values) - 1 - int(ago)
        if idx < 0:
            return None
        v = values[idx]
        return None if v is None else float(v)
    for span in spec.get("outages") or []:
        hi, lo = float(span[0]), float(span[1])
        if lo <= ago <= hi:
            return 0.0
    base = float(spec.get("perMinute", 0.0))
    wave = float(spec.get("wave", 0.0))
    if not wave:
        return base
    period = float(spec.get("periodMinutes", 60.0)) or 60.0
    minute = t.timestamp() / 60.0
    return max(0.0, base * (1.0 + wave * math.sin(2 * math.pi * (minute % period) / period)))


def _grains(start: datetime, end: datetime, interval: timedelta) -> list[datetime]:
    out: list[datetime] = []
    t = start
    while t < end and len(out) < 5000:
        out.append(t)
        t += interval
    return out


def _time(raw: str | None, what: str) -> datetime:
    if not raw:
        raise bad(f"{what} is required (ISO 8601, e.g. 2026-01-01T12:00:00Z).")
    try:
        t = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise bad(f"{what} {raw!r} is not an ISO 8601 time.") from None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC).replace(second=0, microsecond=0)


def _duration(raw: str) -> timedelta:
    m = _DURATION.match(raw.strip())
    if m is None or not any(m.groups()):
        raise bad(f"interval {raw!r} is not an ISO 8601 duration such as PT5M.")
    d, h, mi, s = (int(x or 0) for x in m.groups())
    td = timedelta(days=d, hours=h, minutes=mi, seconds=s)
    if td < timedelta(minutes=1):
        raise bad(f"interval {raw!r} is below the finest time grain, PT1M.")
    return td


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_metrics(data: Any, where: str) -> None:
    """The estate's `metrics` section: {resource id: {metric: [series spec…]}}."""
    if not isinstance(data, dict):
        raise ValueError(f'{where}: "metrics" is an object {{"<resource id>": {{"<metric>": [series…]}}}}')
    for rid, per in data.items():
        if rid.startswith("$"):
            continue
        if ids.parse(rid) is None or not isinstance(per, dict):
            raise ValueError(f"{where}: metrics[{rid!r}] must be keyed by a resource id and hold metrics")
        for name, series in per.items():
            if not isinstance(series, list) or not all(isinstance(s, dict) for s in series):
                raise ValueError(f"{where}: metrics[{rid!r}][{name!r}] is a list of series specs")
