"""Private endpoint DNS, routing and naming checks, as pure functions over gathered facts.

Used by `/vpn checklist` (one Azure SQL server, item by item) and by `/vpn diagnose` (every
private endpoint in scope, as ranked findings). Every check answers ✔ (`pass`), ✘ (`fail`,
with the fix) or "could not check" (`unknown`, with why).

By subject:
- `zones`: the private link zone catalogue (which zone answers for which service);
- `facts`: `DnsFacts` (what was read, and what could not be), `EndpointTarget` (one
  endpoint to one resource and what DNS must say for it), and the readings they share;
- `p2s`: what a point-to-site gateway hands its clients (routes, DNS servers);
- `records`: what the private zones answer, and to which VNets;
- `checks`, `client_checks`, `sql`: the checklist's items 1–3, 4–5 and 6–8;
- `findings`: the same checks as `/vpn diagnose` findings, once per root cause.

The rules behind the checks, in Azure's words:
- A private endpoint's name resolves through a CNAME to `<name>.privatelink.<suffix>`; a
  private DNS zone of that name, linked to the VNet the query comes from, answers with the
  private IP. https://learn.microsoft.com/azure/private-link/private-endpoint-dns
- A VNet can be linked to only one private zone of a given name; several zones with the
  same name each need their own records ("would need manual operations to merge").
- Azure's resolver 168.63.129.16 answers only queries that come from inside a VNet: a VPN
  client needs a DNS forwarder or a DNS Private Resolver inbound endpoint in a VNet linked
  to the zone. https://learn.microsoft.com/azure/dns/dns-private-resolver-overview
- A P2S client gets the gateway VNet's prefixes, those of VNets peered with gateway transit
  (hub allowGatewayTransit + spoke useRemoteGateways), the gateway's custom routes, and,
  without BGP, the VNets on the far side of its VNet-to-VNet connections.
  https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-point-to-site-routing
"""
