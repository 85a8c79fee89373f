"""Azure's routing rules, and the findings about routes.

    selection.py      how Azure picks a route for a destination (longest prefix, then source)
    links.py          peerings and connections: up or not, and where BGP is off
    destinations.py   what a NIC or gateway should reach, and along which path
    coverage.py       whether its routes do
    p2s.py            what a point-to-site client is handed, against its log; which gateway served it
    vpnlog.py         reading an Azure VPN client log: records, wrapped lines, what a person pasted
    logmessage.py     the values one log record's message carries
    findings.py       coverage, invalid routes and a client's log as findings

Pure rules, shared by `/vpn routes`, `/vpn diagnose`, the checklist and the topology
findings; `commands/routes/` is the command that shows them.
"""
