"""Azure Monitor's side of alerts: the action group's webhook (`webhook.py`) and the common
alert schema it posts (`schema.py`). What becomes of an alert is the domain's
(`commands.alerts.deliver`)."""
