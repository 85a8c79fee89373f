"""Alerts in Slack: Azure Monitor alerts and the watch's incidents as messages in the alert
channel, their buttons, and `/vpn alerts`.

    alert.py    the typed Azure Monitor alert (bot/monitor/schema.py decodes the webhook)
    words.py    severities, durations, operators, resources and conditions in words
    card.py     one alert message (AlertCard) and how it is rendered with its state
    state.py    what is kept in the store: messages, mutes, deliveries seen, threads
    deliver.py  posting an Azure Monitor alert once, a resolution in its thread
    buttons.py  Status, Acknowledge, Mute 1 h, Mute 24 h
    command.py  /vpn alerts [unmute <name>]
"""
