# shim: removed after the redesign merge
"""The request buttons and the timer's sweep moved to `commands.peering` (buttons, sweep)."""

from commands.peering.buttons import approve, cancel, reject, revert
from commands.peering.sweep import sweep

__all__ = ["approve", "cancel", "reject", "revert", "sweep"]
