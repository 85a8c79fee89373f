"""What every capability of the domain shares: the model, the ports, the reply, the
registry, failures, fan-out, units, regions, name lookup and the estate lists.

Nothing in `core` knows a command: capabilities (`commands.status`, `commands.peering`, …)
import from here, never the other way round.
"""
