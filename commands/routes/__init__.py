"""`/vpn routes`: the routes a NIC, VM or gateway really has, whether every address space it
should reach is covered, and what a point-to-site VPN client was given.

    command.py        `/vpn routes` and the "Check VPN client log" shortcut: what was asked
    target.py         which NIC, VM or gateway is meant (or the nearest names)
    estate.py         what is read from Azure, with progress while Azure computes routes
    nic.py            the answer for a NIC (a VM: one per NIC)
    gateway.py        the answer for a gateway
    log.py            the answer to a pasted VPN client log
    lines.py          how coverage reads in an answer
    selection.py      Azure's route selection
    links.py          peerings and connections: up or not, and where BGP is off
    destinations.py   what a NIC or gateway should reach, and along which path
    coverage.py       whether its routes do
    p2s.py            what a point-to-site client is handed, against its log; which gateway served it
    vpnlog.py         the VPN client log reader: records, wrapped lines, what a person pasted
    logmessage.py     the values one log record's message carries

The rules (selection … p2s, vpnlog) are pure; `commands/findings/routing.py` turns their
results into findings that `/vpn diagnose` and the checklist can compose too.
"""
