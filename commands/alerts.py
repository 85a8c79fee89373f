"""Alerts in Slack: Azure Monitor's common alert schema, alert messages and their buttons.

Three things live here, all pure (no Slack, no SDK, no environment):

* `parse_alert(doc)` reads an Azure Monitor webhook body in the *common alert schema*
  (metric alerts with static and dynamic thresholds, log search alerts V2, activity log,
  resource health and service health alerts) into a typed `Alert`, or raises
  `AlertSchemaError` with a reason fit for an HTTP 400. Unknown fields are ignored; the
  published quirks are accepted: thresholds sent as strings, `metricValue` null,
  `properties: null`, `configurationItems` missing, numeric `channels`/`level`, and
  service health's `impactedServices` either as a JSON array or a JSON string.
* `AlertCard`: one alert message whatever raised it (a webhook or the bot's own watch),
  and `message_reply(state)` that renders it with its acknowledgement, mute and recovery
  lines. The message's state is kept in the store (namespace `alert.msg`, keyed by the
  message ref), so a button can re-render the message it was clicked on.
* The buttons on every alert message: `alert_status` (runs `/vpn status` for the gateway
  or connection, in the alert's thread), `alert_ack`, `alert_mute_1h`, `alert_mute_24h`
  (recorded in the audit trail; a mute silences the watch and the webhooks for that
  resource until it ends), and `/vpn alerts` to list open incidents and mutes and to unmute.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import html
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from commands.core.errors import AzureFailure
from commands.core.model import ResourceId, name_of, rid_key
from commands.core.registry import ActionFn, Ctx, action, command
from commands.core.reply import Actions, Button, Context, Fields, Header, Reply, Text, code, error_reply, esc, literal
from commands.core.store import ANY_ETAG, AuditEntry, Store, StoreConflict, StoreError
from commands.core.units import human_duration, when
from commands.watch.state import open_incidents

SCHEMA_ID = "azureMonitorCommonAlertSchema"
DOC_COMMON_SCHEMA = "https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema"

# Store namespaces (commands.core.store: letters, digits, `_ . -`).
NS_MESSAGE = "alert.msg"  # message ref -> {"card": …, "acked_by": …, "muted_until": …, "resolved": …}
NS_MUTE = "alert.mute"  # rid_key(subject) -> {"until": iso, "by": user, "at": iso, "label": name}
NS_SEEN = "alert.seen"  # delivery key -> {} : a webhook delivered twice is posted once
NS_THREAD = "alert.thread"  # fired key -> {"ref": "C:TS"} : where a resolved alert answers

MUTE_1H = timedelta(hours=1)
MUTE_24H = timedelta(hours=24)

# Azure Monitor severities (Sev0 is the worst) as words and as our own severities.
SEVERITY_WORDS = {"Sev0": "Critical", "Sev1": "Error", "Sev2": "Warning", "Sev3": "Informational", "Sev4": "Verbose"}
SEVERITY_LEVEL = {"Sev0": "critical", "Sev1": "critical", "Sev2": "warning", "Sev3": "info", "Sev4": "info"}
SEVERITY_EMOJI = {"Sev0": "🚨", "Sev1": "🔴", "Sev2": "🟠", "Sev3": "🔵", "Sev4": "⚪"}
OPERATORS = {
    "greaterthan": ">",
    "greaterthanorequal": "≥",
    "lessthan": "<",
    "lessthanorequal": "≤",
    "equal": "=",
    "equals": "=",
    "notequal": "≠",
    "greaterorlessthan": "> or <",
}
# Resource types `/vpn status` can show (the alert_status button is offered for these).
STATUS_TYPES = {"virtualnetworkgateways", "connections"}
_SEV = re.compile(r"^sev[0-4]$", re.IGNORECASE)
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)
_USER_ID = re.compile(r"^[UW][A-Z0-9_]{2,}$")  # Slack user ids (the sandbox adds "_")
_TAG = re.compile(r"<[^>]*>")


# --- the typed alert ---------------------------------------------------------------------


class AlertSchemaError(ValueError):
    """The body is not an Azure Monitor common-schema alert: `reason` says what is wrong
    and what would be right (it is the text of the HTTP 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Criterion:
    """One `alertContext.condition.allOf[]` entry: what was measured and what it crossed."""

    metric: str = ""  # metricName, or the searchQuery of a log alert
    namespace: str = ""
    operator: str = ""  # GreaterThan, LessThan, …
    threshold: str = ""  # as sent (Azure sends it as a string)
    aggregation: str = ""  # timeAggregation: Average, Total, Count, …
    value: float | None = None  # metricValue: the value that crossed (or, resolved, the value now)
    dimensions: tuple[tuple[str, str], ...] = ()
    sensitivity: str = ""  # dynamic thresholds: alertSensitivity
    failing: tuple[int, int] | None = None  # (minFailingPeriodsToAlert, numberOfEvaluationPeriods)
    is_query: bool = False
    results_link: str = ""  # log alerts: linkToFilteredSearchResultsUI or linkToSearchResultsUI


@dataclass(frozen=True)
class ActivityInfo:
    """An activity log alert's event (administrative operations)."""

    operation: str = ""
    caller: str = ""
    status: str = ""
    level: str = ""
    category: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class HealthInfo:
    """A resource health event."""

    title: str = ""
    current: str = ""
    previous: str = ""
    kind: str = ""  # type: Downtime, …
    cause: str = ""  # PlatformInitiated | UserInitiated
    status: str = ""  # Active | Resolved
    details: str = ""


@dataclass(frozen=True)
class ServiceHealthInfo:
    """A service health communication (incident, maintenance, advisory)."""

    title: str = ""
    incident_type: str = ""
    tracking_id: str = ""
    stage: str = ""
    services: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    communication: str = ""  # plain text (Azure sends HTML)
    communication_id: str = ""
    impact_start: datetime | None = None
    impact_mitigated: datetime | None = None


@dataclass(frozen=True)
class Alert:
    """An Azure Monitor alert in the common schema, as far as the message needs it."""

    alert_id: str
    rule: str
    severity: str  # Sev0 … Sev4
    condition: str  # Fired | Resolved
    fired_at: datetime
    rule_id: str = ""
    signal_type: str = ""  # Metric | Log | Activity Log | ActivityLog
    monitoring_service: str = ""  # Platform | Log Alerts V2 | Resource Health | ServiceHealth | …
    targets: tuple[str, ...] = ()
    configuration_items: tuple[str, ...] = ()
    origin_id: str = ""
    resolved_at: datetime | None = None
    description: str = ""
    condition_type: str = ""  # SingleResourceMultipleMetricCriteria | DynamicThresholdCriteria | LogQueryCriteria
    window: str = ""  # ISO 8601 duration, e.g. PT5M
    criteria: tuple[Criterion, ...] = ()
    activity: ActivityInfo | None = None
    health: HealthInfo | None = None
    service_health: ServiceHealthInfo | None = None
    custom: tuple[tuple[str, str], ...] = ()  # customProperties

    @property
    def resolved(self) -> bool:
        return self.condition.lower() == "resolved"

    @property
    def ended(self) -> bool:
        """Resolved, or a stateless event that says it is over: activity-log based alerts
        (resource and service health) always arrive "Fired" and carry their own status."""
        if self.resolved:
            return True
        if self.health is not None and self.health.status.lower() == "resolved":
            return True
        return self.service_health is not None and self.service_health.stage.lower() == "resolved"

    @property
    def target(self) -> str:
        return self.targets[0] if self.targets else ""

    @property
    def fired_key(self) -> str:
        """The identity of one firing: a resolved alert carries the same alertId and
        firedDateTime as the fired one it resolves. Stateless alerts (activity log) reuse
        the rule's id as alertId, so the fire time is part of the key."""
        return _digest(rid_key(self.alert_id), self.fired_at.isoformat())

    @property
    def delivery_key(self) -> str:
        """The identity of one delivery: Azure Monitor retries a webhook it got no answer
        to, and a retry must not post twice."""
        extra = ""
        if self.service_health is not None:
            extra = self.service_health.communication_id or self.service_health.stage
        return _digest(
            rid_key(self.alert_id),
            self.condition.lower(),
            self.fired_at.isoformat(),
            self.resolved_at.isoformat() if self.resolved_at else "",
            extra,
        )

    @property
    def thread_key(self) -> str:
        """Where later messages about the same thing go: the fired message of this firing,
        or, for service health, the first message about the same incident (tracking id)."""
        sh = self.service_health
        if sh is not None and sh.tracking_id:
            return _digest("service-health", sh.tracking_id.lower())
        return self.fired_key


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


# --- parsing -------------------------------------------------------------------------------------


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
    if not isinstance(doc, dict):
        raise AlertSchemaError(
            f"Expected a JSON object with `schemaId` and `data`, got a JSON {_json_kind(doc)}. "
            f"Turn on “Enable the common alert schema” for this webhook in the action group ({DOC_COMMON_SCHEMA})."
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
            f"Turn on “Enable the common alert schema” for this webhook in the action group ({DOC_COMMON_SCHEMA})."
        )
    data = doc.get("data")
    if not isinstance(data, dict):
        raise AlertSchemaError("`data` must be an object holding `essentials` and `alertContext`.")
    ess = data.get("essentials")
    if not isinstance(ess, dict):
        raise AlertSchemaError(
            "`data.essentials` is missing or not an object (it holds alertId, alertRule, severity…)."
        )

    alert_id = _required_str(ess, "alertId")
    rule = _required_str(ess, "alertRule")
    severity = _required_str(ess, "severity")
    if not _SEV.match(severity):
        raise AlertSchemaError(f"`data.essentials.severity` must be Sev0 … Sev4, got {json.dumps(severity)[:40]}.")
    severity = "Sev" + severity[3]
    condition = _required_str(ess, "monitorCondition")
    if condition.lower() not in ("fired", "resolved"):
        raise AlertSchemaError(
            f"`data.essentials.monitorCondition` must be Fired or Resolved, got {json.dumps(condition)[:40]}."
        )
    condition = condition.capitalize()
    fired_at = _time(ess, "firedDateTime", required=True)
    assert fired_at is not None
    resolved_at = _time(ess, "resolvedDateTime")

    ctx_doc = data.get("alertContext")
    context = ctx_doc if isinstance(ctx_doc, dict) else {}
    service = _str(ess.get("monitoringService"))
    signal = _str(ess.get("signalType"))
    cond = context.get("condition") if isinstance(context.get("condition"), dict) else {}
    assert isinstance(cond, dict)
    props = context.get("properties") if isinstance(context.get("properties"), dict) else {}
    assert isinstance(props, dict)

    criteria = tuple(_criterion(c) for c in _list(cond.get("allOf")) if isinstance(c, dict))
    activity = health = service_health = None
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
    elif kind == "servicehealth":
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
    elif _norm(signal) == "activitylog" or kind.startswith("activitylog"):
        activity = ActivityInfo(
            operation=_str(context.get("operationName")),
            caller=_str(context.get("caller")),
            status=_str(context.get("status")),
            level=_str(context.get("level")),
            category=_str(props.get("eventCategory") or context.get("eventSource")),
            at=_parse_time(context.get("eventTimestamp")),
        )
    custom = data.get("customProperties")
    return Alert(
        alert_id=alert_id,
        rule=rule,
        severity=severity,
        condition=condition,
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
        criteria=criteria,
        activity=activity,
        health=health,
        service_health=service_health,
        custom=tuple((str(k), _str(v)) for k, v in custom.items())[:20] if isinstance(custom, dict) else (),
    )


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


# --- words ---------------------------------------------------------------------------------------


def iso_duration(text: str) -> str:
    """ "PT5M" → "5 min", "PT1H" → "1 h", "P1D" → "1 d"; unknown text comes back as given."""
    m = _ISO_DURATION.match(text or "")
    if not m or not any(m.groups()):
        return text
    d, h, mi, s = m.groups()
    bits = [f"{int(d)} d" if d else "", f"{int(h)} h" if h else "", f"{int(mi)} min" if mi else ""]
    if s:
        bits.append(f"{float(s):g} s")
    return " ".join(b for b in bits if b)


def _num(v: float) -> str:
    return f"{int(v)}" if v == int(v) and abs(v) < 1e15 else f"{v:.4g}"


def operator_word(op: str) -> str:
    return OPERATORS.get(op.lower(), op)


def mention(user: str) -> str:
    """A Slack mention for a user id we got from Slack; anything else escaped as text."""
    return f"<@{user}>" if _USER_ID.match(user or "") else esc(user or "someone")


def portal_link(alert_id: str) -> str:
    """The alert in the Azure portal. An alert instance (Microsoft.AlertsManagement/alerts)
    opens in the alert details blade; stateless activity log alerts send their *rule* id as
    alertId, which opens as that resource."""
    if "/providers/microsoft.alertsmanagement/alerts/" in alert_id.lower():
        return "https://portal.azure.com/#blade/Microsoft_Azure_Monitoring/AlertDetailsTemplateBlade/alertId/" + quote(
            alert_id, safe=""
        )
    return "https://portal.azure.com/#resource" + quote(alert_id, safe="/") + "/overview"


def resource_words(rid: str) -> str:
    """`name` (type in resource group rg), escaped for mrkdwn."""
    try:
        r = ResourceId.parse(rid)
    except ValueError:
        return code(rid)
    if not r.names:
        return f"subscription {code(r.subscription_id)}"
    kind = r.types[-1] if r.types else "resource"
    where = f" in {esc(r.resource_group)}" if r.resource_group else ""
    return f"{code(r.name)} ({esc(kind)}{where})"


def status_target(rid: str) -> str:
    """The id `/vpn status` can show for this resource (a VPN gateway or a connection), else ""."""
    try:
        r = ResourceId.parse(rid)
    except ValueError:
        return ""
    if r.provider.lower() == "microsoft.network" and len(r.types) == 1 and r.types[0].lower() in STATUS_TYPES:
        return rid
    return ""


def criterion_text(c: Criterion, resolved: bool, window: str) -> str:
    """What crossed: "Total `Transactions` (ApiName = GetBlob) was *100*: the rule fires above 0, over 5 min." """
    if c.is_query:
        what = f"results of the query {code(c.metric)}"
        agg = f"{esc(c.aggregation)} of " if c.aggregation else ""
    else:
        what = code(c.metric or "?")
        agg = f"{esc(c.aggregation)} " if c.aggregation else ""
    dims = ", ".join(f"{esc(k)} = {esc(v)}" for k, v in c.dimensions)
    head = f"{agg}{what}" + (f" ({dims})" if dims else "")
    value = f"*{_num(c.value)}*" if c.value is not None else "*?*"
    verb = "is now" if resolved else "was"
    op = operator_word(c.operator)
    if c.sensitivity:
        rule = f"dynamic threshold {op} {esc(c.threshold)} ({esc(c.sensitivity)} sensitivity)".strip()
    else:
        rule = f"threshold {op} {esc(c.threshold)}".strip()
    bits = [rule]
    if c.failing:
        bits.append(f"in {c.failing[0]} of {c.failing[1]} periods")
    if window:
        bits.append(f"over {iso_duration(window)}")
    return f"{head[:1].upper() + head[1:]} {verb} {value} — {', '.join(bits)}."


# --- the alert card -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertCard:
    """One alert message, from Azure Monitor or from the watch.

    `subject` is what Mute silences (an ARM id; compared case-insensitively), and
    `status_target` the gateway or connection the Status button shows ("" = no button).
    Text fields are mrkdwn already escaped; `title` is plain text (a header).
    """

    title: str
    severity: str  # critical | warning | info | ok
    summary: str
    fields: tuple[tuple[str, str], ...] = ()
    details: tuple[str, ...] = ()
    context: str = ""
    subject: str = ""
    subject_label: str = ""
    status_target: str = ""
    links: tuple[tuple[str, str], ...] = ()
    fallback: str = ""  # plain text (escaped when rendered)
    source: str = "azure-monitor"  # azure-monitor | watch

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> AlertCard:
        known = {f.name for f in dataclasses.fields(AlertCard)}
        kw: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        for name in ("fields", "links"):
            kw[name] = tuple(tuple(x) for x in kw.get(name) or ())
        kw["details"] = tuple(kw.get("details") or ())
        return AlertCard(**kw)


def _link(url: str, label: str) -> str:
    # `|` and `>` would end Slack's <url|label> syntax early.
    target = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{target}|{label}>"


def message_state(card: AlertCard) -> dict[str, Any]:
    """The stored state of a freshly posted alert message."""
    return {"card": card.to_json(), "acked_by": "", "acked_at": "", "muted_by": "", "muted_until": "", "resolved": ""}


def message_reply(state: Mapping[str, Any], buttons: bool = True) -> Reply:
    """An alert message from its stored state: the card, then who acknowledged or muted it
    and whether it recovered; the buttons that still make sense."""
    card = AlertCard.from_json(state.get("card") or {})
    # The fallback is the notification text, which Slack parses like mrkdwn: escape it.
    reply = Reply(fallback=esc(card.fallback or card.title))
    reply.add(Header(card.title))
    if card.summary:
        reply.add(Text(card.summary))
    if card.fields:
        reply.add(Fields(card.fields))
    for d in card.details:
        reply.add(Text(d))
    small = [card.context] if card.context else []
    if card.links:
        small.append(" · ".join(_link(url, label) for label, url in card.links))
    if small:
        reply.add(Context("\n".join(small)))
    lines = []
    resolved = str(state.get("resolved") or "")
    if resolved:
        lines.append(f"✅ {resolved}")
    if state.get("acked_by"):
        lines.append(f"✋ Acknowledged by {mention(str(state['acked_by']))} at {esc(state.get('acked_at') or '?')}")
    if state.get("muted_until"):
        lines.append(
            f"🔕 {esc(card.subject_label or 'This resource')} muted by {mention(str(state.get('muted_by') or ''))} "
            f"until {esc(state['muted_until'])}"
        )
    if lines:
        reply.add(Context("\n".join(lines)))
    if buttons:
        bs: list[Button] = []
        if card.status_target:
            bs.append(Button("Status", "alert_status", card.status_target, style="primary"))
        subject = card.subject or card.status_target
        if subject:
            if not state.get("acked_by") and not resolved and card.severity != "ok":
                bs.append(Button("Acknowledge", "alert_ack", subject))
            bs.append(Button("Mute 1 h", "alert_mute_1h", subject))
            bs.append(Button("Mute 24 h", "alert_mute_24h", subject))
        if bs:
            reply.add(Actions(tuple(bs), block_id="alert"))
    return reply


def alert_card(alert: Alert) -> AlertCard:
    """The channel message for an Azure Monitor alert (fired, or resolved with no known thread)."""
    sev_word = SEVERITY_WORDS.get(alert.severity, alert.severity)
    sh = alert.service_health
    if alert.ended:
        emoji, state = "✅", "Resolved"
    else:
        emoji, state = SEVERITY_EMOJI.get(alert.severity, "•"), "Fired"
    if sh is not None and sh.stage:
        state = f"Service health · {sh.stage}"
    title = f"{emoji} {state}: {alert.rule}"
    target = alert.target
    resource = resource_words(target) if target else esc(", ".join(alert.configuration_items) or "?")
    fields: list[tuple[str, str]] = [
        ("Severity", f"{esc(alert.severity)} · {esc(sev_word)}"),
        ("Resource", resource),
        ("Signal", esc(" · ".join(x for x in (alert.signal_type, alert.monitoring_service) if x) or "?")),
        ("Started", esc(when(alert.fired_at))),
    ]
    if alert.resolved_at is not None:
        fields.append(("Resolved", esc(when(alert.resolved_at))))
    if len(alert.targets) > 1:
        fields.append(("Also affects", ", ".join(resource_words(t) for t in alert.targets[1:5])))
    summary, details, links = _condition(alert)
    if alert.description:
        details.insert(0, f"_{esc(alert.description)}_")
    if alert.custom:
        details.append(" · ".join(f"{esc(k)}: {esc(v)}" for k, v in alert.custom[:8]))
    links.insert(0, ("Open the alert in the Azure portal", portal_link(alert.alert_id)))
    context = f"Azure Monitor alert rule {code(alert.rule)}"
    if alert.condition_type:
        context += f" · {esc(alert.condition_type)}"
    return AlertCard(
        title=title,
        severity="ok" if alert.ended else SEVERITY_LEVEL.get(alert.severity, "info"),
        summary=summary,
        fields=tuple(fields),
        details=tuple(details),
        context=context,
        subject=target or (f"rule:{alert.rule_id or alert.rule}"),
        subject_label=name_of(target) if target else alert.rule,
        status_target=status_target(target) if target else "",
        links=tuple(links),
        fallback=f"{state}: {alert.rule} ({alert.severity}) on {name_of(target) or '?'}",
    )


def _condition(alert: Alert) -> tuple[str, list[str], list[tuple[str, str]]]:
    """The condition in words with the values that crossed it; extra paragraphs; links."""
    details: list[str] = []
    links: list[tuple[str, str]] = []
    if alert.criteria:
        lines = [criterion_text(c, alert.resolved, alert.window) for c in alert.criteria[:5]]
        if len(alert.criteria) > 5:
            lines.append(f"… and {len(alert.criteria) - 5} more criteria.")
        for c in alert.criteria:
            if c.results_link and len(links) < 2:
                links.append(("Query results", c.results_link))
        return "\n".join(lines), details, links
    if alert.health is not None:
        h = alert.health
        change = f"{esc(h.previous or '?')} → *{esc(h.current or '?')}*"
        why = ", ".join(esc(x) for x in (h.kind, h.cause) if x)
        summary = f"Resource health: {change}" + (f" ({why})" if why else "") + (f": {esc(h.title)}" if h.title else "")
        if h.status:
            summary += f". Event {esc(h.status)}."
        if h.details:
            details.append(esc(h.details))
        return summary, details, links
    if alert.service_health is not None:
        s = alert.service_health
        kind = esc(s.incident_type or "Service health event")
        where = ", ".join(esc(r) for r in s.regions) or "?"
        services = ", ".join(esc(x) for x in s.services) or "?"
        summary = f"{kind} *{esc(s.title or '?')}*: {services} in {where}"
        bits = []
        if s.stage:
            bits.append(f"stage {esc(s.stage)}")
        if s.tracking_id:
            bits.append(f"tracking id {code(s.tracking_id)}")
        if s.impact_start is not None:
            bits.append(f"impact from {esc(when(s.impact_start))}")
        if s.impact_mitigated is not None:
            bits.append(f"mitigated {esc(when(s.impact_mitigated))}")
        if bits:
            summary += " — " + ", ".join(bits)
        if s.communication:
            details.append(esc(s.communication))
        return summary + ".", details, links
    if alert.activity is not None:
        a = alert.activity
        who = f" by {esc(a.caller)}" if a.caller else ""
        status = f": *{esc(a.status)}*" if a.status else ""
        summary = f"Operation {code(a.operation or '?')}{who}{status}"
        extra = ", ".join(esc(x) for x in (a.category, a.level) if x)
        if extra:
            summary += f" ({extra})"
        if a.at is not None:
            summary += f" at {esc(when(a.at))}"
        return summary + ".", details, links
    return (
        f"{esc(alert.signal_type or 'Alert')} from {esc(alert.monitoring_service or 'Azure Monitor')}.",
        details,
        links,
    )


def resolved_reply(alert: Alert) -> Reply:
    """The answer in the fired message's thread when Azure Monitor says it resolved."""
    card = alert_card(alert)
    lasted = ""
    if alert.resolved_at is not None and alert.resolved_at >= alert.fired_at:
        lasted = f" after {human_duration((alert.resolved_at - alert.fired_at).total_seconds())}"
    text = f"✅ *Resolved*{lasted}: {code(alert.rule)} on {resource_words(alert.target) if alert.target else '?'}"
    r = Reply(fallback=f"Resolved: {alert.rule}").add(Text(text))
    if card.summary:
        r.add(Text(card.summary))
    r.add(Context(f"Resolved {esc(when(alert.resolved_at or alert.fired_at))}"))
    return r


def resolved_note(at: datetime, opened: datetime | None = None) -> str:
    """The line added to a fired message once it resolved."""
    lasted = f" after {human_duration((at - opened).total_seconds())}" if opened is not None and at >= opened else ""
    return f"Resolved {when(at)}{lasted} (see the thread)"


# --- state in the store --------------------------------------------------------------------------


def change_state(
    store: Store, namespace: str, key: str, change: Callable[[dict[str, Any]], dict[str, Any] | None], attempts: int = 8
) -> dict[str, Any] | None:
    """Read-modify-write one record with its etag, retried when another writer got there
    first. `change` gets a copy of the current value ({} when absent) and returns the new
    one, or None to leave it. Returns what was written (None when nothing was)."""
    for _ in range(attempts):
        rec = store.get_state(namespace, key)
        current = json.loads(json.dumps(rec.value)) if rec is not None else {}
        new = change(current)
        if new is None:
            return None
        try:
            store.put_state(namespace, key, new, etag=rec.etag if rec is not None else None)
            return new
        except StoreConflict:
            continue
    raise StoreConflict(f"{namespace}/{key} kept changing under {attempts} attempts to update it")


def active_mutes(store: Store, now: datetime) -> dict[str, dict[str, Any]]:
    """Every mute still running: {rid_key(subject): record}."""
    out: dict[str, dict[str, Any]] = {}
    for rec in store.list_state(NS_MUTE):
        until = _parse_time(rec.value.get("until"))
        if until is not None and until > now:
            out[rec.key] = dict(rec.value)
    return out


def mute_of(store: Store, subject: str, now: datetime) -> dict[str, Any] | None:
    """The running mute of `subject`, if any."""
    if not subject:
        return None
    rec = store.get_state(NS_MUTE, rid_key(subject))
    if rec is None:
        return None
    until = _parse_time(rec.value.get("until"))
    return dict(rec.value) if until is not None and until > now else None


def remember_message(store: Store, ref: str, card: AlertCard, extra: Mapping[str, Any] | None = None) -> None:
    """Keep a posted alert message's card, so its buttons can re-render it."""
    value = message_state(card)
    value.update(extra or {})
    store.put_state(NS_MESSAGE, ref, value, ANY_ETAG)


def mark_resolved(store: Store, ref: str, note: str) -> dict[str, Any] | None:
    """Record on a posted alert message that it recovered; returns its state to re-render."""

    def change(v: dict[str, Any]) -> dict[str, Any] | None:
        if not v:
            return None
        v["resolved"] = note
        return v

    return change_state(store, NS_MESSAGE, ref, change)


# --- the buttons ---------------------------------------------------------------------------------


def _store(ctx: Ctx) -> Store:
    if ctx.store is None:
        raise StoreError("no state store is configured (VPNOPS_STORE)")
    store: Store = ctx.store
    return store


def _guarded(fn: ActionFn) -> ActionFn:
    """A store failure behind a button becomes an answer the clicker can act on."""

    @functools.wraps(fn)
    def wrapper(ctx: Ctx, value: str, ref: str) -> Reply | None:
        try:
            return fn(ctx, value, ref)
        except StoreError as exc:
            return error_reply(
                f"The alert state store failed: {esc(exc)}",
                "Nothing was recorded. Try again in a moment; if it persists, check VPNOPS_STORE.",
            )

    return wrapper


def _answer_in_thread(ctx: Ctx, ref: str, reply: Reply) -> Reply | None:
    """Post `reply` in the alert's thread (the message the button was on)."""
    channel = ref.partition(":")[0] if ":" in ref else ctx.channel
    if channel and ref:
        ctx.out.post(channel, reply, thread=ref)
        return None
    return reply


def _refresh(ctx: Ctx, ref: str) -> None:
    """Re-render the alert message from its stored state (after ack, mute, recovery)."""
    if not ref:
        return
    rec = _store(ctx).get_state(NS_MESSAGE, ref)
    if rec is not None:
        ctx.out.update(ref, message_reply(rec.value))


@action("alert_status")
def alert_status(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Run `/vpn status` for the alert's gateway or connection, in the alert's thread."""
    from commands.status import status

    target = value.strip()
    if not target:
        return error_reply(
            "This alert's Status button names no gateway or connection.",
            "Run `/vpn status <gateway>` yourself.",
            "/vpn status vgw-eun",
        )
    ctx.out.progress(f"reading {name_of(target)}…")
    try:
        reply = status(ctx, target)
    except AzureFailure as exc:
        reply = error_reply(f"Could not read {code(name_of(target))}: {esc(exc.kind)}.", exc.advice)
    if reply is None:
        return None
    if reply.visibility == "ephemeral":
        return reply  # an error only the clicker needs to see
    return _answer_in_thread(ctx, ref, reply)


@action("alert_ack")
@_guarded
def alert_ack(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Acknowledge an alert: the message says who is on it; the audit trail records it."""
    store = _store(ctx)
    now = ctx.now()
    stamp = when(now)
    earlier: dict[str, str] = {}

    def change(v: dict[str, Any]) -> dict[str, Any] | None:
        if v.get("acked_by"):
            earlier.update(by=str(v["acked_by"]), at=str(v.get("acked_at") or "?"))
            return None
        if not v:
            return None
        v["acked_by"], v["acked_at"] = ctx.user, stamp
        return v

    written = change_state(store, NS_MESSAGE, ref, change) if ref else None
    if earlier:
        return Reply(fallback="Already acknowledged", visibility="ephemeral").add(
            Text(f"This alert was already acknowledged by {mention(earlier['by'])} at {esc(earlier['at'])}.")
        )
    card = AlertCard.from_json(written["card"]) if written else None
    store.append_audit(
        AuditEntry(
            at=now,
            actor=ctx.user or "unknown",
            action="alert_acknowledged",
            subject=value,
            scope=(card.status_target if card and card.status_target != value else ""),
            note=(card.fallback if card else "alert message not in the store")[:300],
        )
    )
    if written is None:
        return Reply(fallback="Acknowledged", visibility="ephemeral").add(
            Text(
                f"✋ Acknowledged {code(name_of(value) or value)} (recorded in the audit trail). "
                "The message itself is no longer in the bot's store, so it could not be updated."
            )
        )
    ctx.out.update(ref, message_reply(written))
    return None


def _mute(ctx: Ctx, value: str, ref: str, length: timedelta, words: str) -> Reply | None:
    store = _store(ctx)
    subject = value.strip()
    if not subject:
        return error_reply("This alert's Mute button names nothing to mute.", "Click Mute on a newer alert message.")
    now = ctx.now()
    until = now + length
    rec = store.get_state(NS_MESSAGE, ref) if ref else None
    card = AlertCard.from_json(rec.value["card"]) if rec is not None and rec.value.get("card") else None
    label = (card.subject_label if card else "") or name_of(subject) or subject
    store.put_state(
        NS_MUTE,
        rid_key(subject),
        {"until": until.isoformat(), "by": ctx.user, "at": now.isoformat(), "label": label, "subject": subject},
        ANY_ETAG,
    )
    store.append_audit(
        AuditEntry(
            at=now,
            actor=ctx.user or "unknown",
            action="alert_muted",
            subject=subject,
            after={"until": until.isoformat()},
            note=f"muted for {words} until {when(until)}",
        )
    )
    if rec is not None:

        def change(v: dict[str, Any]) -> dict[str, Any] | None:
            if not v:
                return None
            v["muted_by"], v["muted_until"] = ctx.user, when(until)
            return v

        written = change_state(store, NS_MESSAGE, ref, change)
        if written is not None:
            ctx.out.update(ref, message_reply(written))
    return Reply(fallback=f"Muted {label} for {words}", visibility="ephemeral").add(
        Text(
            f"🔕 Muted {code(label)} for {words}, until {esc(when(until))}: the watch and Azure Monitor alerts "
            f"about it are not posted until then (recoveries still are). `/vpn alerts unmute {literal(label)}` ends it sooner."
        )
    )


@action("alert_mute_1h")
@_guarded
def alert_mute_1h(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Mute alerts about this resource for one hour."""
    return _mute(ctx, value, ref, MUTE_1H, "1 h")


@action("alert_mute_24h")
@_guarded
def alert_mute_24h(ctx: Ctx, value: str, ref: str) -> Reply | None:
    """Mute alerts about this resource for 24 hours."""
    return _mute(ctx, value, ref, MUTE_24H, "24 h")


# --- /vpn alerts ----------------------------------------------------------------------------------


@command("alerts", usage="alerts [unmute <name>]", example="/vpn alerts")
def alerts(ctx: Ctx, args: str) -> Reply:
    """Open incidents the watch has raised and the mutes still running; `unmute <name>` ends a mute early.

    Alerts themselves arrive in the alert channel: from Azure Monitor (webhook) and from the
    bot's own watch of every tunnel (down, a tunnel of a pair down, one-way traffic, a BGP
    peer leaving Connected), once per incident, with the recovery in the same thread.
    """
    try:
        store = _store(ctx)
        words = args.split()
        if words and words[0].lower() == "unmute":
            return _unmute(ctx, store, " ".join(words[1:]))
        if words:
            return error_reply(
                f"`/vpn alerts` does not understand {code(' '.join(words))}.",
                "Use `/vpn alerts` to list open incidents and mutes, or `/vpn alerts unmute <name>`.",
                "/vpn alerts unmute cn-eun-to-aue",
            )
        now = ctx.now()
        lines = open_incidents(store, now)
        mutes = active_mutes(store, now)
    except StoreError as exc:
        return error_reply(f"The alert state store failed: {esc(exc)}", "Check VPNOPS_STORE and try again.")
    head = (
        f"{len(lines)} open incident{'s' if len(lines) != 1 else ''}, {len(mutes)} mute{'s' if len(mutes) != 1 else ''}"
    )
    reply = Reply(fallback=head, visibility="ephemeral").add(Text(f"*{head}*"))
    reply.add(Text("\n".join(lines) if lines else "No open incident: every watched tunnel is fine."))
    if mutes:
        reply.add(
            Text(
                "*Muted:*\n"
                + "\n".join(
                    f"• 🔕 {code(m.get('label') or k)} until {esc(when(_parse_time(m.get('until'))))} "
                    f"(by {mention(str(m.get('by') or ''))})"
                    for k, m in sorted(mutes.items())
                )
            )
        )
    channel = ctx.settings.alert_channel
    reply.add(
        Context(
            (f"Alerts are posted to <#{channel}>. " if re.match(r"^[CG][A-Z0-9]+$", channel or "") else "")
            + "Mute and Acknowledge are buttons on each alert message."
        )
    )
    return reply


def _unmute(ctx: Ctx, store: Store, name: str) -> Reply:
    target = name.strip().lower()
    if not target:
        return error_reply(
            "Unmute what? Give the name (or id) of the muted resource.",
            "`/vpn alerts` lists the mutes.",
            "/vpn alerts unmute cn-eun-to-aue",
        )
    now = ctx.now()
    mutes = active_mutes(store, now)
    hits = [
        k
        for k, m in mutes.items()
        if k == rid_key(target) or str(m.get("label") or "").lower() == target or name_of(k) == target
    ]
    if not hits:
        known = ", ".join(code(m.get("label") or k) for k, m in sorted(mutes.items())) or "none"
        return error_reply(
            f"Nothing called {code(name)} is muted.", f"Running mutes: {known}.", "/vpn alerts unmute cn-eun-to-aue"
        )
    if len(hits) > 1:
        return error_reply(
            f"Several muted resources are called {code(name)}.",
            "Give the full id: " + ", ".join(code(mutes[k].get("subject") or k) for k in hits),
        )
    k = hits[0]
    m = mutes[k]
    store.delete_state(NS_MUTE, k)
    store.append_audit(
        AuditEntry(
            at=now,
            actor=ctx.user or "unknown",
            action="alert_unmuted",
            subject=str(m.get("subject") or k),
            before={"until": m.get("until")},
            note="mute ended early",
        )
    )
    label = m.get("label") or k
    return Reply(fallback=f"Unmuted {label}", visibility="ephemeral").add(
        Text(f"🔔 {code(label)} is no longer muted: its alerts are posted again.")
    )
