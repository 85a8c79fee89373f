"""One alert message, whatever raised it (an Azure Monitor webhook or the bot's own watch).

`AlertCard` is what the message says; `message_reply(state)` renders it with its
acknowledgement, mute and recovery lines and the buttons that still make sense. A posted
message's state is kept in the store (`state.py`), card included, so a button can
re-render the message it was clicked on: the card has a JSON form, its inline text too.
`alert_card(alert)` words an Azure Monitor alert; `resolved_reply(alert)` is the answer in
the fired message's thread when it resolves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commands.alerts.alert import Alert
from commands.alerts.words import (
    SEVERITY_EMOJI,
    SEVERITY_LEVEL,
    SEVERITY_WORDS,
    criterion_text,
    portal_link,
    resource_words,
    status_target,
)
from commands.core.model import name_of
from commands.core.reply import Actions, Button, Context, Fields, Header, Reply, Text
from commands.core.text import (
    Rich,
    code,
    em,
    from_json,
    join,
    link,
    rich,
    strong,
    to_json,
    user,
)
from commands.core.units import human_duration, when


@dataclass(frozen=True)
class AlertCard:
    """One alert message, from Azure Monitor or from the watch.

    `subject` is what Mute silences (an ARM id; compared case-insensitively), and
    `status_target` the gateway or connection the Status button shows ("" = no button).
    `title` (a header) and `fallback` (the notification) are plain words.
    """

    title: str
    severity: str  # critical | warning | info | ok
    summary: Rich
    fields: tuple[tuple[str, Rich], ...] = ()
    details: tuple[Rich, ...] = ()
    context: Rich = dataclasses.field(default_factory=Rich)
    subject: str = ""
    subject_label: str = ""
    status_target: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (label, url)
    fallback: str = ""
    source: str = "azure-monitor"  # azure-monitor | watch

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "severity": self.severity,
            "summary": to_json(self.summary),
            "fields": [[label, to_json(value)] for label, value in self.fields],
            "details": [to_json(d) for d in self.details],
            "context": to_json(self.context),
            "subject": self.subject,
            "subject_label": self.subject_label,
            "status_target": self.status_target,
            "links": [list(x) for x in self.links],
            "fallback": self.fallback,
            "source": self.source,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> AlertCard:
        known = {f.name for f in dataclasses.fields(AlertCard)}
        kw: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        kw["title"] = str(kw.get("title") or "")
        kw["severity"] = str(kw.get("severity") or "info")
        kw["summary"] = from_json(kw.get("summary"))
        kw["context"] = from_json(kw.get("context"))
        kw["fields"] = tuple((str(label), from_json(value)) for label, value in kw.get("fields") or ())
        kw["details"] = tuple(from_json(d) for d in kw.get("details") or ())
        kw["links"] = tuple((str(label), str(url)) for label, url in kw.get("links") or ())
        return AlertCard(**kw)


# --- the message ---------------------------------------------------------------------------------------


def message_state(card: AlertCard) -> dict[str, Any]:
    """The stored state of a freshly posted alert message."""
    return {"card": card.to_json(), "acked_by": "", "acked_at": "", "muted_by": "", "muted_until": "", "resolved": ""}


def message_reply(state: Mapping[str, Any], buttons: bool = True) -> Reply:
    """An alert message from its stored state: the card, then who acknowledged or muted it
    and whether it recovered; the buttons that still make sense."""
    card = AlertCard.from_json(state.get("card") or {})
    reply = Reply(fallback=rich(card.fallback or card.title))
    reply.add(Header(card.title))
    if card.summary:
        reply.add(Text(card.summary))
    if card.fields:
        reply.add(Fields(card.fields))
    for d in card.details:
        reply.add(Text(d))
    small = [card.context] if card.context else []
    if card.links:
        small.append(join(" · ", [link(url, label) for label, url in card.links]))
    if small:
        reply.add(Context(join("\n", small)))
    lines: list[Rich] = []
    resolved = str(state.get("resolved") or "")
    if resolved:
        lines.append(rich(f"✅ {resolved}"))
    if state.get("acked_by"):
        by = user(str(state["acked_by"]), "someone")
        lines.append(rich("✋ Acknowledged by ", by, f" at {state.get('acked_at') or '?'}"))
    if state.get("muted_until"):
        by = user(str(state.get("muted_by") or ""), "someone")
        label = card.subject_label or "This resource"
        lines.append(rich(f"🔕 {label} muted by ", by, f" until {state['muted_until']}"))
    if lines:
        reply.add(Context(join("\n", lines)))
    if buttons:
        _buttons(reply, card, acked=bool(state.get("acked_by")), resolved=bool(resolved))
    return reply


def _buttons(reply: Reply, card: AlertCard, *, acked: bool, resolved: bool) -> None:
    bs: list[Button] = []
    if card.status_target:
        bs.append(Button("Status", "alert_status", card.status_target, style="primary"))
    subject = card.subject or card.status_target
    if subject:
        if not acked and not resolved and card.severity != "ok":
            bs.append(Button("Acknowledge", "alert_ack", subject))
        bs.append(Button("Mute 1 h", "alert_mute_1h", subject))
        bs.append(Button("Mute 24 h", "alert_mute_24h", subject))
    if bs:
        reply.add(Actions(tuple(bs), block_id="alert"))


# --- an Azure Monitor alert ------------------------------------------------------------------------


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
    target = alert.target
    resource = resource_words(target) if target else rich(", ".join(alert.configuration_items) or "?")
    fields: list[tuple[str, Rich]] = [
        ("Severity", rich(f"{alert.severity} · {sev_word}")),
        ("Resource", resource),
        ("Signal", rich(" · ".join(x for x in (alert.signal_type, alert.monitoring_service) if x) or "?")),
        ("Started", rich(when(alert.fired_at))),
    ]
    if alert.resolved_at is not None:
        fields.append(("Resolved", rich(when(alert.resolved_at))))
    if len(alert.targets) > 1:
        fields.append(("Also affects", join(", ", [resource_words(t) for t in alert.targets[1:5]])))
    summary, details, links = _condition(alert)
    if alert.description:
        details.insert(0, rich(em(alert.description)))
    if alert.custom:
        details.append(rich(" · ".join(f"{k}: {v}" for k, v in alert.custom[:8])))
    links.insert(0, ("Open the alert in the Azure portal", portal_link(alert.alert_id)))
    context = rich(
        "Azure Monitor alert rule ", code(alert.rule), f" · {alert.condition_type}" if alert.condition_type else ""
    )
    return AlertCard(
        title=f"{emoji} {state}: {alert.rule}",
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


def _condition(alert: Alert) -> tuple[Rich, list[Rich], list[tuple[str, str]]]:
    """The condition in words with the values that crossed it; extra paragraphs; links."""
    details: list[Rich] = []
    links: list[tuple[str, str]] = []
    if alert.criteria:
        lines = [criterion_text(c, alert.resolved, alert.window) for c in alert.criteria[:5]]
        if len(alert.criteria) > 5:
            lines.append(rich(f"… and {len(alert.criteria) - 5} more criteria."))
        for c in alert.criteria:
            if c.results_link and len(links) < 2:
                links.append(("Query results", c.results_link))
        return join("\n", lines), details, links
    if alert.health is not None:
        h = alert.health
        why = ", ".join(x for x in (h.kind, h.cause) if x)
        summary = rich(
            f"Resource health: {h.previous or '?'} → ",
            strong(h.current or "?"),
            f" ({why})" if why else "",
            f": {h.title}" if h.title else "",
            f". Event {h.status}." if h.status else "",
        )
        if h.details:
            details.append(rich(h.details))
        return summary, details, links
    if alert.service_health is not None:
        s = alert.service_health
        where = ", ".join(s.regions) or "?"
        services = ", ".join(s.services) or "?"
        summary = rich(
            f"{s.incident_type or 'Service health event'} ", strong(s.title or "?"), f": {services} in {where}"
        )
        bits: list[Rich] = []
        if s.stage:
            bits.append(rich(f"stage {s.stage}"))
        if s.tracking_id:
            bits.append(rich("tracking id ", code(s.tracking_id)))
        if s.impact_start is not None:
            bits.append(rich(f"impact from {when(s.impact_start)}"))
        if s.impact_mitigated is not None:
            bits.append(rich(f"mitigated {when(s.impact_mitigated)}"))
        if bits:
            summary += rich(" — ", join(", ", bits))
        if s.communication:
            details.append(rich(s.communication))
        return summary + ".", details, links
    if alert.activity is not None:
        a = alert.activity
        extra = ", ".join(x for x in (a.category, a.level) if x)
        summary = rich(
            "Operation ",
            code(a.operation or "?"),
            f" by {a.caller}" if a.caller else "",
            rich(": ", strong(a.status)) if a.status else None,
            f" ({extra})" if extra else "",
            f" at {when(a.at)}" if a.at is not None else "",
            ".",
        )
        return summary, details, links
    return rich(f"{alert.signal_type or 'Alert'} from {alert.monitoring_service or 'Azure Monitor'}."), details, links


def resolved_reply(alert: Alert) -> Reply:
    """The answer in the fired message's thread when Azure Monitor says it resolved."""
    card = alert_card(alert)
    lasted = ""
    if alert.resolved_at is not None and alert.resolved_at >= alert.fired_at:
        lasted = f" after {human_duration((alert.resolved_at - alert.fired_at).total_seconds())}"
    on = resource_words(alert.target) if alert.target else "?"
    r = Reply(fallback=f"Resolved: {alert.rule}").add(
        Text(rich("✅ ", strong("Resolved"), f"{lasted}: ", code(alert.rule), " on ", on))
    )
    if card.summary:
        r.add(Text(card.summary))
    r.add(Context(rich(f"Resolved {when(alert.resolved_at or alert.fired_at)}")))
    return r


def resolved_note(at: datetime, opened: datetime | None = None) -> str:
    """The line added to a fired message once it resolved."""
    lasted = f" after {human_duration((at - opened).total_seconds())}" if opened is not None and at >= opened else ""
    return f"Resolved {when(at)}{lasted} (see the thread)"
