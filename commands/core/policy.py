"""Who may ask for an action and who must approve it: one policy per kind of action.

Like the approval step of an AWS Systems Manager Automation runbook (approvers, the number
of approvals needed, `MinRequiredApprovals`), each kind of change request has its own
policy (`VPNOPS_ACTION_POLICY`, read by `bot.settings`):

* **approvers**: Slack user ids and/or the members of one Slack user group; empty: the
  bot's approvers (`VPNOPS_APPROVERS`, `VPNOPS_APPROVER_GROUP`);
* **needed**: how many distinct approvers must approve before it is applied — the
  requester is never counted, whatever the list says;
* **requesters**: who may file it (user ids and/or a user group); empty: anyone in the
  channel.

A gateway reset drops every tunnel of the gateway (both instances when no VIP is named)
for a minute or two, so by default it needs two approvers; every other kind needs one.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every kind of change request, with what /vpn help and the settings call it.
KINDS: dict[str, str] = {
    "peering": "peering flag change",
    "peering_sync": "peering sync",
    "connection_reset": "connection reset",
    "gateway_reset": "gateway reset",
    "sharedkey_sync": "shared-key sync",
    "bgp": "BGP on/off for a connection",
    "capture_start": "packet capture start",
}
DEFAULT_NEEDED: dict[str, int] = {"gateway_reset": 2}
MAX_NEEDED = 5


@dataclass(frozen=True)
class ActionPolicy:
    """The policy of one kind of request (see the module docstring)."""

    kind: str
    approvers: frozenset[str] = frozenset()
    approver_group: str = ""
    needed: int = 1
    requesters: frozenset[str] = frozenset()
    requester_group: str = ""

    @property
    def own_approvers(self) -> bool:
        """Whether this policy names its own approvers (else the bot's are used)."""
        return bool(self.approvers or self.approver_group)

    @property
    def restricts_requesters(self) -> bool:
        return bool(self.requesters or self.requester_group)


def default_policy(kind: str) -> ActionPolicy:
    """The policy of a kind nobody configured: the bot's approvers, DEFAULT_NEEDED."""
    return ActionPolicy(kind, needed=DEFAULT_NEEDED.get(kind, 1))


def policy_of(policies: tuple[ActionPolicy, ...], kind: str) -> ActionPolicy:
    """The configured policy of `kind`, else its default."""
    for p in policies:
        if p.kind == kind:
            return p
    return default_policy(kind)
