"""Every action under approval besides a peering change, by kind (see `commands.core.policy.KINDS`)."""

from __future__ import annotations

from commands.actions.bgp import BGP
from commands.actions.capture import CAPTURE_START
from commands.actions.reset import CONNECTION_RESET, GATEWAY_RESET
from commands.actions.sharedkey import SHAREDKEY_SYNC
from commands.actions.spec import Spec
from commands.actions.sync import PEERING_SYNC

SPECS: dict[str, Spec] = {
    s.kind: s for s in (CONNECTION_RESET, GATEWAY_RESET, BGP, PEERING_SYNC, SHAREDKEY_SYNC, CAPTURE_START)
}
