# shim: removed after the redesign merge
"""Old path of `commands.routes.coverage` (findings/topology.py and findings/dns.py import it)."""

from commands.routes.coverage import P2S_ROUTING_DOC, p2s_plan, parse_net

__all__ = ["P2S_ROUTING_DOC", "p2s_plan", "parse_net"]
