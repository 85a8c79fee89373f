"""`/vpn peering`: see a VNet's peerings from both sides, and change a flag under approval.

command   the `peering`, `requests` and `audit` commands and their arguments
facts     reading Azure: the VNet and peering named, both sides of a peering
show      a VNet's peerings from both sides
rules     Azure's rules (the pre-flight of a change) and ours (who may approve)
guards    the write path's pre-flight: another operation, Azure Virtual Network Manager
request   a change request: its states, its moves between them, its audit rows
filing    plan, pre-flight, number and post a request
messages  the request, its outcome and the answers in its thread
buttons   Approve, Reject, Cancel, Revert
apply     apply an approved request once: re-check, fence, write with If-Match
outcome   what Azure holds after the write (applied, not applied, unknown); re-checks
sweep     expiry, interrupted applies, unknown outcomes, lost answers (on every touch, and for the timer)
listing   `/vpn requests` and `/vpn audit`
"""
