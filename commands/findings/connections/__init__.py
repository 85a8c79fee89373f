"""Findings about VPN gateways and their connections, in plain words.

Pure functions over `commands.core.model` dataclasses and the facts containers of
`facts.py`: no I/O, no clock (the caller passes `now`).

* `facts.py` — what the checks look at (`ConnectionFacts`, `GatewayFacts`), pairing of
  VNet-to-VNet halves, the words they share;
* `checks.py` — the single checks (a connection's state, its tunnels, one-way traffic,
  the reverse half, shared keys, BGP, the gateway, VPN clients);
* `assess.py` — all of them over a scope, deduplicated and ranked: what `/vpn status` shows.
"""
