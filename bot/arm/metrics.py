"""The port's Azure Monitor metrics: `metrics:getBatch` through azure-monitor-querymetrics.

Azure Monitor's metrics data plane, not ARM: `MetricsClient(endpoint)` against the regional
endpoint `https://{region}.metrics.monitor.azure.com` (token audience
`https://metrics.monitor.azure.com`), `query_resources` = POST
`/subscriptions/{id}/metrics:getBatch` with `{"resourceids": [...]}` — up to 50 resources of
one subscription, region and type per call ("Migrate from the metrics API to the getBatch
API", `commands.core.metrics.DOC_BATCH`). Reading gateways' metrics this way costs one call
per 50 gateways instead of one ARM call per gateway and metric, a known cause of ARM
throttling.

The clients share `bot.arm.pipeline`'s HTTP session, in-flight limit and retry policy (one
retry layer; the batch API's own throttling answer is 529, added to the statuses retried).
Against the sandbox, `endpoint_template` is a loopback URL with `{region}` in it (the ARM
emulator serves the batch API under `/metrics/{region}`), reached with the static token.

The SDK's result model drops the per-resource `resourceid` and the per-metric `errorCode` of
the answer, so the answer's JSON is read as Azure sent it (the `cls` hook of the operation
hands it over) and converted here: a metric whose `errorCode` is not "Success" is a failure
of the batch, never a series of zeros.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from azure.core.pipeline import PipelineResponse
from azure.monitor.querymetrics import MetricsClient

from bot.arm.calls import ArmCalls
from bot.arm.credentials import check_arm_url
from bot.arm.pipeline import ArmPipeline
from commands.core.errors import AzureFailure
from commands.core.metrics import BATCH_MAX_RESOURCES, MetricSeries, MetricsQuery

PUBLIC_METRICS = "https://{region}.metrics.monitor.azure.com"
METRICS_AUDIENCE = "https://metrics.monitor.azure.com"


class Metrics(ArmCalls):
    """`metrics_batch`: one regional `MetricsClient` per region, built on first use."""

    def __init__(self, pipeline: ArmPipeline, *, metrics_url: str = "", **kwargs: Any) -> None:
        """`metrics_url`: the endpoint with `{region}` in it; "" for Azure's public one."""
        super().__init__(pipeline, **kwargs)
        template = (metrics_url or PUBLIC_METRICS).strip()
        if "{region}" not in template:
            raise ValueError(f"the metrics URL must contain {{region}}, e.g. {PUBLIC_METRICS} (got {template!r})")
        check_arm_url(template.replace("{region}", "region"), "VPNOPS_METRICS_URL")
        self._metrics_url = template.rstrip("/")
        self._metrics_lock = threading.Lock()
        self._metrics_clients: dict[str, MetricsClient] = {}

    def metrics_batch(self, query: MetricsQuery) -> list[MetricSeries]:
        region = query.region.replace(" ", "").lower()
        target = f"metrics of {len(query.resource_ids)} resources in {region or '?'}"
        if not query.resource_ids or len(query.resource_ids) > BATCH_MAX_RESOURCES or not region:
            raise AzureFailure(
                "bad_request",
                f"a metrics batch takes 1 to {BATCH_MAX_RESOURCES} resources of one region "
                f"(got {len(query.resource_ids)}, region {query.region!r})",
                "InvalidBatch",
                target,
            )
        answers: list[dict[str, Any]] = []

        def keep(response: PipelineResponse[Any, Any], deserialized: Any, _headers: Any) -> Any:
            answers.append(response.http_response.json())
            return deserialized

        def run() -> None:
            self._metrics_client(region).query_resources(
                resource_ids=list(query.resource_ids),
                metric_namespace=query.namespace,
                metric_names=list(query.names),
                timespan=(query.start, query.end),
                granularity=query.interval,
                aggregations=list(query.aggregations),
                filter=query.filter or None,
                cls=keep,
            )

        self._call("metrics:getBatch", target, run)
        if not answers:
            raise AzureFailure("failed", "Azure's answer could not be read", "UnreadableResponse", target)
        return self._call("metrics:getBatch", target, lambda: batch_series(answers[0], query.aggregation_of, target))

    def _metrics_client(self, region: str) -> MetricsClient:
        with self._metrics_lock:
            client = self._metrics_clients.get(region)
            if client is None:
                client = self._pipeline.metrics_client(self._metrics_url.replace("{region}", region), METRICS_AUDIENCE)
                self._metrics_clients[region] = client
            return client


def batch_series(body: Any, aggregation_of: Callable[[str], str], target: str = "") -> list[MetricSeries]:
    """The series of a `metrics:getBatch` answer (`{"values": [{"resourceid", "value": [metric…]}]}`),
    each point the value of the metric's aggregation (`aggregation_of(name)`). Raises
    AzureFailure when a metric carries an error code, and ValueError when the answer has not
    that shape."""
    if not isinstance(body, dict) or not isinstance(body.get("values"), list):
        raise ValueError("not a metrics:getBatch answer")
    out: list[MetricSeries] = []
    for item in body["values"]:
        rid = str(item.get("resourceid") or "")
        for metric in item.get("value") or []:
            name = str((metric.get("name") or {}).get("value") or "")
            code = str(metric.get("errorCode") or "Success")
            if code != "Success":
                raise AzureFailure(
                    "failed",
                    f"Azure Monitor could not read {name or 'a metric'}: {metric.get('errorMessage') or code}",
                    code,
                    target,
                )
            resource = rid or _resource_of(str(metric.get("id") or ""))
            agg = aggregation_of(name)
            for ts in metric.get("timeseries") or []:
                dims = tuple(
                    (str((m.get("name") or {}).get("value") or ""), str(m.get("value") or ""))
                    for m in ts.get("metadatavalues") or []
                )
                points = tuple((_time(p.get("timeStamp")), _number(p.get(agg))) for p in ts.get("data") or [])
                out.append(MetricSeries(resource, name, str(metric.get("unit") or ""), dims, points))
    return out


def _resource_of(metric_id: str) -> str:
    """A metric's id is `<resource id>/providers/Microsoft.Insights/metrics/<name>`."""
    low = metric_id.lower()
    cut = low.find("/providers/microsoft.insights/metrics/")
    return metric_id[:cut] if cut > 0 else metric_id


def _time(raw: Any) -> datetime:
    t = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _number(raw: Any) -> float | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        return None


__all__ = ["METRICS_AUDIENCE", "PUBLIC_METRICS", "Metrics", "batch_series"]
