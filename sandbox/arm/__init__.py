"""The pieces of the sandbox ARM emulator (see sandbox/arm_emulator.py for the entry point).

- `ids`     — ARM id parsing and case-insensitive keys
- `state`   — the live estate: resources, actions, keys, counters, peering writes
- `faults`  — injectable faults (latency, 429, 5xx, hangs, failed LROs)
- `handler` — the HTTP routes: what the Azure SDKs ask for, answered as ARM answers
"""
