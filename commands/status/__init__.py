"""`/vpn status <region|gateway>`: is every tunnel up, and does traffic flow both ways?

* `command.py` — the command, phase 1 (subscriptions and their gateways) and the scope;
* `gather.py` — phases 2 and 3: lists, BGP peers, VPN clients, each connection, the
  reverse halves and shared keys, fanned out (also used by the watch and `/vpn diagnose`);
* `report.py` — what was gathered (`StatusReport`) and what could not be (`Failure`);
* `render.py` — the answer: headline, failures, ranked findings, the gateways;
* `gateway.py` — one gateway in words; `deltas.py` — counters since the watch's last sample.

The findings themselves come from `commands.findings.connections` (pure functions).
"""

# shim: removed after the redesign merge. Re-exports for importers of `commands.status`:
# `status` (commands/catalog.py, commands/alerts.py, tests/unit/test_diagnose.py,
# tests/unit/test_watch.py), `gather_status` (bot/watch.py, commands/diagnose.py),
# `StatusReport` and `Failure` (commands/diagnose.py).
from commands.status.command import status
from commands.status.gather import gather_status
from commands.status.report import Failure, StatusReport

__all__ = ["Failure", "StatusReport", "gather_status", "status"]
