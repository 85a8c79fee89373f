# shim: removed after the redesign merge
"""Old path of `commands.routes.vpnlog` (tests/reliability/test_fuzz.py imports it)."""

from commands.routes.vpnlog import looks_like_vpn_log, parse_vpn_client_log

__all__ = ["looks_like_vpn_log", "parse_vpn_client_log"]
