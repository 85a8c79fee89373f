"""`/vpn changes` and the changes and platform health every incident is shown next to.

read     one reading of the estate's past: Resource Graph's changes, the Activity Log's
         operations and Service Health events, Resource Health; merged, the bot's own
         changes linked to their requests
scope    which resources a target (region, VNet, gateway, connection) or a finding involves,
         and their neighbours
words    a change, a health status, a service event, in one line
command  `/vpn changes [region|vnet|gateway|connection] [since 2h|1d|…]`
context  the most relevant recent change and "is it Azure?" under a 🔴 finding or an alert
"""
