"""Actions under approval besides a peering flag change: one machinery, each with its own rules.

A request of any kind moves through the states of `commands.peering.request` (planned →
pending → approved → applying → applied | failed | unknown, or rejected | cancelled |
expired), is approved with the same buttons (`commands.peering.buttons`: requester ≠
approver, the number of distinct approvers its policy needs, `commands.core.policy`), and
is brought up to date by the same sweep (`commands.peering.sweep`: expiry, a dead worker's
apply taken over, unknown outcomes re-checked, lost answers posted). What differs per kind
is a `Spec` (`spec`): its pre-flight again right before the write, the write, how Azure is
read back to decide the outcome, and its revert (or why there is none, said on the card).

spec       what an action is: `Spec`, `Verdict`
engine     filing, applying, settling, re-checking and reverting a request of any action
messages   the card, the outcome in the thread, the answer to a late click
kinds      every action's Spec, by kind
targets    finding the connection or gateway a command names
reset      `/vpn reset`: a connection or a gateway (or one instance of an active-active one)
bgp        `/vpn bgp <connection> on|off`
sync       `/vpn peering <vnet>/<peering> sync`
sharedkey  `/vpn sharedkey sync <connection> from <connection>`
capture    `/vpn capture start|stop <connection|gateway>`
"""
