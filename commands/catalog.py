"""Every command, button and message shortcut of vpnops, in `/vpn help` order.

The one list: Slack's listener registration, `/vpn help`, the worker and the manifest test
read `REGISTRY`. A capability's module declares its commands (`@command`, `@action`,
`@shortcut`); adding one to the bot means adding it here. A missing module fails the
import of this file, loudly, and two entries answering to one name fail `Registry`.
"""

from __future__ import annotations

from commands.actions.bgp import bgp
from commands.actions.capture import capture, capture_stop_due
from commands.actions.reset import reset
from commands.actions.sharedkey import sharedkey
from commands.alerts.buttons import alert_ack, alert_mute_1h, alert_mute_24h, alert_status
from commands.alerts.command import alerts
from commands.changes.command import changes
from commands.checklist.command import checklist
from commands.connection.command import connection
from commands.core.registry import Registry
from commands.diagnose.command import diagnose
from commands.health import health
from commands.help import help_command
from commands.logs.command import logs
from commands.metrics.command import metrics
from commands.p2s.command import p2s
from commands.path.command import path
from commands.peering.buttons import approve, cancel, reject, revert
from commands.peering.command import audit, peering, requests
from commands.routes.command import check_vpn_client_log, routes
from commands.status.command import status
from commands.troubleshoot.command import troubleshoot

REGISTRY = Registry(
    commands=(
        # the estate at a glance, and whether something changed or Azure itself is the cause
        status,
        diagnose,
        changes,
        health,
        # one connection and its layers, down to a packet's path
        connection,
        p2s,
        metrics,
        logs,
        troubleshoot,
        path,
        routes,
        # peerings and their changes under approval, then the SQL checklist and the alerts
        peering,
        requests,
        audit,
        checklist,
        alerts,
        # the actions under approval
        reset,
        bgp,
        sharedkey,
        capture,
        help_command,
    ),
    actions=(approve, reject, cancel, revert, alert_status, alert_ack, alert_mute_1h, alert_mute_24h, capture_stop_due),
    shortcuts=(check_vpn_client_log,),
)
