"""Findings about VPN gateways and their connections, in plain words.

Pure functions over `commands.core.model` dataclasses and the facts containers of
`facts.py`: no I/O, no clock (the caller passes `now`).

* `facts.py` — what the checks look at (`ConnectionFacts`, `GatewayFacts`), pairing of
  VNet-to-VNet halves, the words they share;
* `checks.py` — the single checks (a connection's state, its tunnels, one-way traffic,
  the reverse half, shared keys, BGP, the gateway, VPN clients);
* `assess.py` — all of them over a scope, deduplicated and ranked: what `/vpn status` shows.
"""

# shim: removed after the redesign merge. Re-exports for commands/watch/judge.py and
# bot/watch.py, which import from `commands.findings.connections`.
from commands.findings.connections.checks import (
    bgp_peer_not_connected,
    connection_state,
    one_way,
    tunnel_down,
)
from commands.findings.connections.facts import direction, find_reverse, remote_name

__all__ = [
    "bgp_peer_not_connected",
    "connection_state",
    "direction",
    "find_reverse",
    "one_way",
    "remote_name",
    "tunnel_down",
]
