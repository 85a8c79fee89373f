"""`/vpn diagnose [region|vnet]`: read the whole topology, say what is wrong, why, and what to do instead.

Gathering (every Azure call through `commands.core.fanout.gather`, at most
`settings.concurrency` at a time, progress through `ctx.out.progress`):

1. every subscription's gateways, VNets (with peerings), connections, local network
   gateways, private endpoints, private DNS zones, DNS resolvers and SQL servers — one task
   per subscription and list (`read`);
2. the VNets at the far end of in-scope peerings that no list returned (GET each; `read`);
3. for the VPN gateways in scope, `commands.status.gather_status`: GET of every connection
   (the list leaves status and counters empty), the reverse halves of VNet-to-VNet pairs,
   shared-key digests (compared, never shown), BGP peers and point-to-site clients (`assess`).

The findings are composed, not copied (`assess`): `commands.findings.connections` (through
status), `.peerings.health`, `.dns.assess` and `.topology` — then ranked; when VNets in
several regions are joined for VPN users and that is what hurts, `commands.findings.design`'s
options follow (`options`). Whatever could not be read is said, with `AzureFailure.advice`,
and the rest is answered (`render`). `scope` chooses what to look at; `command` is the
`/vpn diagnose` entry point.
"""
