# shim: removed after the redesign merge
"""Old path of the routing rules (findings/topology.py and findings/dns.py import it)."""

from commands.routes.p2s import P2S_ROUTING_DOC, p2s_plan
from commands.routes.selection import parse_net

__all__ = ["P2S_ROUTING_DOC", "p2s_plan", "parse_net"]
