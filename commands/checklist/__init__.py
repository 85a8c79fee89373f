"""`/vpn checklist`: the command (`command`), its argument and the server it names
(`servers`), and the answer (`render`). The checks are in `commands.findings.dns`."""

# shim: removed after the redesign merge — commands/catalog.py imports `checklist` from here.
from commands.checklist.command import checklist

__all__ = ["checklist"]
