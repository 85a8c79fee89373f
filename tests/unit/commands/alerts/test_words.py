"""Words for the pieces of an alert message."""

from __future__ import annotations

from commands.alerts.words import iso_duration, portal_link


def test_words() -> None:
    assert [iso_duration(x) for x in ("PT5M", "PT1H", "P1D", "PT1H30M", "PT30S", "weird")] == [
        "5 min",
        "1 h",
        "1 d",
        "1 h 30 min",
        "30 s",
        "weird",
    ]
    link = portal_link("/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a|b>")
    assert "AlertDetailsTemplateBlade/alertId/%2Fsubscriptions%2Fs%2F" in link and "|" not in link and ">" not in link
