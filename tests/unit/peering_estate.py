# shim: removed after the redesign merge
"""Moved to tests/unit/commands/peering/peering_estate.py."""

from tests.unit.commands.peering.peering_estate import Clock, estate, make_ctx

__all__ = ["Clock", "estate", "make_ctx"]
