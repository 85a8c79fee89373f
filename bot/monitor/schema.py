"""Azure Monitor's *common alert schema* (the webhook body) → the domain's typed `Alert`.

`parse_body(body)` reads a body as received (metric alerts with static and dynamic
thresholds, log search alerts V2, activity log, resource health and service health
alerts) or raises `AlertSchemaError` with a reason fit for an HTTP 400. Unknown fields are
ignored; the published quirks are accepted: thresholds sent as strings, `metricValue`
null, `properties: null`, `configurationItems` missing, numeric `channels`/`level`, and
service health's `impactedServices` either as a JSON array or a JSON string.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from commands.alerts.alert import ActivityInfo, Alert, Criterion, HealthInfo, ServiceHealthInfo

SCHEMA_ID = "azureMonitorCommonAlertSchema"
DOC_COMMON_SCHEMA = "https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema"
_TURN_ON = f"Turn on “Enable the common alert schema” for this webhook in the action group ({DOC_COMMON_SCHEMA})."

_SEV = re.compile(r"^sev[0-4]$", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


class AlertSchemaError(ValueError):
    """The body is not an Azure Monitor common-schema alert: `reason` says what is wrong
    and what would be right (it is the text of the HTTP 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_body(body: bytes) -> Alert:
    """Parse a webhook body (bytes as received). Raises AlertSchemaError with the reason."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AlertSchemaError(f"The body is not UTF-8 text (byte {exc.start} is invalid).") from None
    if not text.strip():
        raise AlertSchemaError(
            "The body is empty: expected an Azure Monitor alert in the common alert schema (a JSON object)."
        )
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AlertSchemaError(
            f"The body is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise AlertSchemaError("The body is not valid JSON for an alert: it is nested too deeply.") from None
    return parse_alert(doc)


def parse_alert(doc: Any) -> Alert:
    """A decoded JSON body → Alert. Raises AlertSchemaError saying what is missing or wrong."""
    data, ess = _envelope(doc)
    alert_id = _required_str(ess, "alertId")
    rule = _required_str(ess, "alertRule")
    severity = _required_str(ess, "severity")
    if not _SEV.match(severity):
        raise AlertSchemaError(f"`data.essentials.severity` must be Sev0 … Sev4, got {json.dumps(severity)[:40]}.")
    condition = _required_str(ess, "monitorCondition")
    if condition.lower() not in ("fired", "resolved"):
        raise AlertSchemaError(
            f"`data.essentials.monitorCondition` must be Fired or Resolved, got {json.dumps(condition)[:40]}."
        )
    fired_at = _time(ess, "firedDateTime", required=True)
    assert fired_at is not None
    resolved_at = _time(ess, "resolvedDateTime")

    ctx_doc = data.get("alertContext")
    context = ctx_doc if isinstance(ctx_doc, dict) else {}
    service = _str(ess.get("monitoringService"))
    signal = _str(ess.get("signalType"))
    cond = context.get("condition") if isinstance(context.get("condition"), dict) else {}
    assert isinstance(cond, dict)
    custom = data.get("customProperties")
    activity, health, service_health = _event(context, service, signal)
    return Alert(
        alert_id=alert_id,
        rule=rule,
        severity="Sev" + severity[3],
        condition=condition.capitalize(),
        fired_at=fired_at,
        rule_id=_str(ess.get("alertRuleId")),
        signal_type=signal,
        monitoring_service=service,
        targets=tuple(_str(t) for t in _list(ess.get("alertTargetIDs")) if _str(t)),
        configuration_items=tuple(_str(t) for t in _list(ess.get("configurationItems")) if _str(t)),
        origin_id=_str(ess.get("originAlertId")),
        resolved_at=resolved_at,
        description=_str(ess.get("description")),
        condition_type=_str(context.get("conditionType")),
        window=_str(cond.get("windowSize")),
        criteria=tuple(_criterion(c) for c in _list(cond.get("allOf")) if isinstance(c, dict)),
        activity=activity,
        health=health,
        service_health=service_health,
        custom=tuple((str(k), _str(v)) for k, v in custom.items())[:20] if isinstance(custom, dict) else (),
    )


def _envelope(doc: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """`data` and `data.essentials` of a common-schema body, or why it is not one."""
    if not isinstance(doc, dict):
        raise AlertSchemaError(
            f"Expected a JSON object with `schemaId` and `data`, got a JSON {_json_kind(doc)}. {_TURN_ON}"
        )
    schema = doc.get("schemaId")
    if schema != SCHEMA_ID:
        if schema is None and isinstance(doc.get("data"), dict) and "context" in doc["data"]:
            what = "an older (non-common) alert schema"
        elif schema is None:
            what = "no `schemaId`"
        else:
            what = f"`schemaId` {json.dumps(schema)[:80]}"
        raise AlertSchemaError(
            f"Not the common alert schema: the body has {what}, expected `schemaId` {json.dumps(SCHEMA_ID)}. "
            + _TURN_ON
        )
    data = doc.get("data")
    if not isinstance(data, dict):
        raise AlertSchemaError("`data` must be an object holding `essentials` and `alertContext`.")
    ess = data.get("essentials")
    if not isinstance(ess, dict):
        raise AlertSchemaError(
            "`data.essentials` is missing or not an object (it holds alertId, alertRule, severity…)."
        )
    return data, ess


def _event(
    context: Mapping[str, Any], service: str, signal: str
) -> tuple[ActivityInfo | None, HealthInfo | None, ServiceHealthInfo | None]:
    """The event an activity-log based alert carries: resource health, service health, or
    an administrative operation (at most one of the three)."""
    props = context.get("properties") if isinstance(context.get("properties"), dict) else {}
    assert isinstance(props, dict)
    kind = _norm(service)
    if kind == "resourcehealth":
        health = HealthInfo(
            title=_str(props.get("title")),
            current=_str(props.get("currentHealthStatus")),
            previous=_str(props.get("previousHealthStatus")),
            kind=_str(props.get("type")),
            cause=_str(props.get("cause")),
            status=_str(context.get("status")),
            details=_plain(props.get("details")),
        )
        return None, health, None
    if kind == "servicehealth":
        services, regions = _impacted(props.get("impactedServices"))
        service_health = ServiceHealthInfo(
            title=_str(props.get("title") or props.get("defaultLanguageTitle")),
            incident_type=_str(props.get("incidentType")),
            tracking_id=_str(props.get("trackingId")),
            stage=_str(props.get("stage") or context.get("status")),
            services=services or tuple(x for x in (_str(props.get("service")),) if x),
            regions=regions or tuple(x for x in (_str(props.get("region")),) if x),
            communication=_plain(props.get("communication") or props.get("defaultLanguageContent")),
            communication_id=_str(props.get("communicationId")),
            impact_start=_parse_time(props.get("impactStartTime")),
            impact_mitigated=_parse_time(props.get("impactMitigationTime")),
        )
        return None, None, service_health
    if _norm(signal) == "activitylog" or kind.startswith("activitylog"):
        activity = ActivityInfo(
            operation=_str(context.get("operationName")),
            caller=_str(context.get("caller")),
            status=_str(context.get("status")),
            level=_str(context.get("level")),
            category=_str(props.get("eventCategory") or context.get("eventSource")),
            at=_parse_time(context.get("eventTimestamp")),
        )
        return activity, None, None
    return None, None, None


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def _required_str(ess: Mapping[str, Any], name: str) -> str:
    value = ess.get(name)
    if value is None or value == "":
        raise AlertSchemaError(f"`data.essentials.{name}` is missing: every common-schema alert has it.")
    if not isinstance(value, str):
        raise AlertSchemaError(f"`data.essentials.{name}` must be a string, got a JSON {_json_kind(value)}.")
    return value


def _time(ess: Mapping[str, Any], name: str, required: bool = False) -> datetime | None:
    raw = ess.get(name)
    if raw in (None, ""):
        if required:
            raise AlertSchemaError(f"`data.essentials.{name}` is missing: every common-schema alert has it.")
        return None
    t = _parse_time(raw)
    if t is None:
        raise AlertSchemaError(
            f"`data.essentials.{name}` is not an ISO 8601 time ({json.dumps(raw)[:60]}); "
            "expected e.g. 2025-04-15T18:17:12.851Z."
        )
    return t


def _parse_time(raw: Any) -> datetime | None:
    """ISO 8601 as Azure writes it: 'Z', or 7 fractional digits (more than Python reads)."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    m = re.match(r"^(.*T\d{2}:\d{2}:\d{2})\.(\d+)(.*)$", text)
    if m:
        text = f"{m.group(1)}.{m.group(2)[:6].ljust(6, '0')}{m.group(3)}"
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _str(value: Any) -> str:
    """A field as text: numbers (service health sends channels/level as numbers) as digits."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.lower())


def _plain(value: Any, limit: int = 600) -> str:
    """Azure's HTML communications as one paragraph of plain text, cut at `limit`."""
    text = _str(value)
    if not text:
        return ""
    text = html.unescape(_TAG.sub(" ", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value: Any) -> float | None:
    """A finite number from a number or a numeric string (JSON may carry NaN/Infinity)."""
    if isinstance(value, bool):
        return None
    try:
        n = float(value) if isinstance(value, (int, float, str)) else None
    except (ValueError, OverflowError):
        return None
    return n if n is not None and math.isfinite(n) else None


def _criterion(c: Mapping[str, Any]) -> Criterion:
    query = _str(c.get("searchQuery"))
    dims = tuple(
        (_str(d.get("name")), _str(d.get("value")))
        for d in _list(c.get("dimensions"))
        if isinstance(d, dict) and _str(d.get("name"))
    )
    fp = c.get("failingPeriods")
    failing = None
    if isinstance(fp, dict):
        need, of = _number(fp.get("minFailingPeriodsToAlert")), _number(fp.get("numberOfEvaluationPeriods"))
        if need is not None and of is not None:
            failing = (int(need), int(of))
    link = _str(c.get("linkToFilteredSearchResultsUI")) or _str(c.get("linkToSearchResultsUI"))
    return Criterion(
        metric=_str(c.get("metricName")) or query,
        namespace=_str(c.get("metricNamespace")),
        operator=_str(c.get("operator")),
        threshold=_str(c.get("threshold")),
        aggregation=_str(c.get("timeAggregation")),
        value=_number(c.get("metricValue")),
        dimensions=dims,
        sensitivity=_str(c.get("alertSensitivity")),
        failing=failing,
        is_query=bool(query),
        results_link=link if link.startswith("https://") else "",
    )


def _impacted(raw: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`impactedServices`: a JSON array, or the same array serialised into a string."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            return (), ()
    services: list[str] = []
    regions: list[str] = []
    for s in _list(raw):
        if not isinstance(s, dict):
            continue
        name = _str(s.get("ServiceName"))
        if name and name not in services:
            services.append(name)
        for r in _list(s.get("ImpactedRegions")):
            region = _str(r.get("RegionName")) if isinstance(r, dict) else ""
            if region and region not in regions:
                regions.append(region)
    return tuple(services), tuple(regions)
