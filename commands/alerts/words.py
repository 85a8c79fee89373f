"""The pieces of an alert message in words: severities, durations, operators, resources,
the condition that crossed its threshold, and where the alert opens in the Azure portal."""

from __future__ import annotations

import re
from urllib.parse import quote

from commands.alerts.alert import Criterion
from commands.core.model import ResourceId
from commands.core.text import Rich, code, rich, strong

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
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)


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


def portal_link(alert_id: str) -> str:
    """The alert in the Azure portal. An alert instance (Microsoft.AlertsManagement/alerts)
    opens in the alert details blade; stateless activity log alerts send their *rule* id as
    alertId, which opens as that resource."""
    if "/providers/microsoft.alertsmanagement/alerts/" in alert_id.lower():
        return "https://portal.azure.com/#blade/Microsoft_Azure_Monitoring/AlertDetailsTemplateBlade/alertId/" + quote(
            alert_id, safe=""
        )
    return "https://portal.azure.com/#resource" + quote(alert_id, safe="/") + "/overview"


def resource_words(rid: str) -> Rich:
    """`name` (type in resource group rg)."""
    try:
        r = ResourceId.parse(rid)
    except ValueError:
        return rich(code(rid))
    if not r.names:
        return rich("subscription ", code(r.subscription_id))
    kind = r.types[-1] if r.types else "resource"
    where = f" in {r.resource_group}" if r.resource_group else ""
    return rich(code(r.name), f" ({kind}{where})")


def status_target(rid: str) -> str:
    """The id `/vpn status` can show for this resource (a VPN gateway or a connection), else ""."""
    try:
        r = ResourceId.parse(rid)
    except ValueError:
        return ""
    if r.provider.lower() == "microsoft.network" and len(r.types) == 1 and r.types[0].lower() in STATUS_TYPES:
        return rid
    return ""


def criterion_text(c: Criterion, resolved: bool, window: str) -> Rich:
    """What crossed: "Total `Transactions` (ApiName = GetBlob) was *100*: the rule fires above 0, over 5 min." """
    if c.is_query:
        lead = (f"{c.aggregation} of " if c.aggregation else "") + "results of the query "
        what = code(c.metric)
    else:
        lead = f"{c.aggregation} " if c.aggregation else ""
        what = code(c.metric or "?")
    dims = ", ".join(f"{k} = {v}" for k, v in c.dimensions)
    head = rich(lead[:1].upper() + lead[1:], what, f" ({dims})" if dims else "")
    value = strong(_num(c.value) if c.value is not None else "?")
    verb = "is now" if resolved else "was"
    op = operator_word(c.operator)
    if c.sensitivity:
        rule = f"dynamic threshold {op} {c.threshold} ({c.sensitivity} sensitivity)".strip()
    else:
        rule = f"threshold {op} {c.threshold}".strip()
    bits = [rule]
    if c.failing:
        bits.append(f"in {c.failing[0]} of {c.failing[1]} periods")
    if window:
        bits.append(f"over {iso_duration(window)}")
    return rich(head, f" {verb} ", value, f" — {', '.join(bits)}.")
