"""`/vpn status <region|gateway>`: is every tunnel up, and does traffic flow both ways?

* `command.py` — the command, phase 1 (subscriptions and their gateways) and the scope;
* `gather.py` — phases 2 and 3: lists, BGP peers, VPN clients, each connection, the
  reverse halves and shared keys, fanned out (also used by the watch and `/vpn diagnose`);
* `report.py` — what was gathered (`StatusReport`) and what could not be (`Failure`);
* `render.py` — the answer: headline, failures, ranked findings, the gateways;
* `gateway.py` — one gateway in words; `deltas.py` — counters since the watch's last sample.

The findings themselves come from `commands.findings.connections` (pure functions).
"""
