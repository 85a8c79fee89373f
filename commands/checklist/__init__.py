"""`/vpn checklist`: the command (`command`), its argument and the server it names
(`servers`), and the answer (`render`). The checks are in `commands.findings.dns`."""
