"""`/vpn routes`: the routes a NIC, VM or gateway really has, whether every address space it
should reach is covered, and what a point-to-site VPN client was given.

The answers (`command`, and the NIC, gateway and VPN client log answers beside it) are
built from pure rules: Azure's route selection, what a target should reach, what a
point-to-site client is handed, and the reader of a pasted VPN client log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commands.routes.command import check_vpn_client_log, routes

__all__ = ["check_vpn_client_log", "routes"]


def __getattr__(name: str) -> Any:
    # shim: removed after the redesign merge, when commands/catalog.py imports commands.routes.command.
    # Loaded on first use, not at import: findings/routing.py imports the rules in this package,
    # and the command imports those findings.
    if name in __all__:
        from commands.routes import command

        return getattr(command, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
