"""`/vpn routes`: the routes a NIC, VM or gateway really has, whether every address space it
should reach is covered, and what a point-to-site VPN client was given.

    command.py        `/vpn routes` and the "Check VPN client log" shortcut: what was asked
    target.py         which NIC, VM or gateway is meant (or the nearest names)
    estate.py         what is read from Azure, with progress while Azure computes routes
    nic.py            the answer for a NIC (a VM: one per NIC)
    gateway.py        the answer for a gateway
    log.py            the answer to a pasted VPN client log
    lines.py          how coverage reads in an answer

The rules behind the answers (route selection, what should be reached and whether it is,
what a point-to-site client is handed, the VPN client log reader) are pure and shared with
`/vpn diagnose` and the checklist: `commands/findings/routing/`.
"""
