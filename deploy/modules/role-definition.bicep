// The custom role "vpnops operator": only the ARM actions the bot performs beyond Reader.
// Reader (assigned beside it) already allows every */read; the reads listed here are the
// ones the peering change and the gateway diagnostics cannot work without, so the role
// stays useful if an administrator replaces Reader with something narrower.
targetScope = 'subscription'

@description('Display name of the custom role (unique in the tenant).')
param roleName string

@description('Scopes the role may be assigned at: subscription ids as /subscriptions/{id}, resource groups as /subscriptions/{id}/resourceGroups/{name}.')
param assignableScopes array

var actions = [
  // /vpn peering … on|off: read the peering, write it back with one flag changed.
  'Microsoft.Network/virtualNetworks/read'
  'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read'
  'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write'
  // ARM checks peer/action on the remote VNet whenever a peering is written.
  'Microsoft.Network/virtualNetworks/peer/action'
  // Pre-flight: is the peering managed by Azure Virtual Network Manager (whose connectivity
  // configuration can undo a direct change)? A POST that only reads.
  'Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveConnectivityConfigurations/action'
  // /vpn status: gateways, connections, per-tunnel and BGP state, P2S health.
  'Microsoft.Network/virtualNetworkGateways/read'
  'Microsoft.Network/connections/read'
  'Microsoft.Network/connections/sharedKey/read'
  'Microsoft.Network/virtualNetworkGateways/getBgpPeerStatus/action'
  'Microsoft.Network/virtualNetworkGateways/getVpnClientConnectionHealth/action'
  // /vpn routes: learned/advertised routes of a gateway, effective routes of a NIC.
  'Microsoft.Network/virtualNetworkGateways/getLearnedRoutes/action'
  'Microsoft.Network/virtualNetworkGateways/getAdvertisedRoutes/action'
  'Microsoft.Network/networkInterfaces/read'
  'Microsoft.Network/networkInterfaces/effectiveRouteTable/action'
  // /vpn connection: a connection's live IKE SAs (long-running) and its gateway's NAT rules.
  'Microsoft.Network/connections/getikesas/action'
  'Microsoft.Network/virtualNetworkGateways/natRules/read'
  // /vpn path: Network Watcher's next hop and IP flow verify from a VM's NIC (the watcher of
  // the NIC's region, listed first), and the NIC's effective security rules.
  'Microsoft.Network/networkWatchers/read'
  'Microsoft.Network/networkWatchers/nextHop/action'
  'Microsoft.Network/networkWatchers/ipFlowVerify/action'
  'Microsoft.Network/networkInterfaces/effectiveNetworkSecurityGroups/action'
  // /vpn troubleshoot: Network Watcher's VPN troubleshoot of a gateway or connection (its
  // result is read at the operation's Location URL: locations/operationResults/read below).
  // Network Watcher writes the logs with the caller's rights on the storage account: those
  // are granted on that one account only (docs/deploy.md), not here.
  'Microsoft.Network/networkWatchers/troubleshoot/action'
  // /vpn logs (and IKE reasons in a connection's thread): the gateway's diagnostic settings
  // name the Log Analytics workspace; its customerId is read, and the IKE/tunnel rows queried
  // there (assign the role where the workspace is, too); a VNet-to-VNet peer's public IPs.
  'Microsoft.Insights/diagnosticSettings/read'
  'Microsoft.OperationalInsights/workspaces/read'
  'Microsoft.OperationalInsights/workspaces/query/read'
  'Microsoft.Network/publicIPAddresses/read'
  // The gateway actions above are long-running: polling their result needs these.
  'Microsoft.Network/locations/operations/read'
  'Microsoft.Network/locations/operationResults/read'
  // /vpn status and /vpn metrics read the Azure Monitor batch metrics API, a subscription-level
  // API: Microsoft asks for Monitoring Reader on the subscription itself, and this is the one
  // action of that role it uses. A resource group assignment alone is not enough for it.
  'Microsoft.Insights/metrics/read'
  // /vpn changes and the "what changed / is it Azure" lines under problems and alerts:
  // one Resource Graph query of `resourcechanges` (who changed what, before → after),
  'Microsoft.ResourceGraph/resources/read'
  // the Activity Log list (operations, callers, results; Service Health events),
  'Microsoft.Insights/eventtypes/values/read'
  // Resource Health's availability statuses of the gateways.
  'Microsoft.ResourceHealth/availabilityStatuses/read'
  // Actions under approval (commands/actions). /vpn reset: a gateway (or one instance) or a connection.
  'Microsoft.Network/virtualNetworkGateways/reset/action'
  'Microsoft.Network/connections/resetconnection/action'
  // /vpn bgp <connection> on|off: the connection written back with enableBgp changed (and its
  // shared key, read with sharedKey/read above, since a GET never returns it).
  'Microsoft.Network/connections/write'
  // /vpn sharedkey sync: SetSharedKey on one half of a VNet-to-VNet pair.
  'Microsoft.Network/connections/sharedKey/write'
  // /vpn peering <vnet>/<peering> sync: the peering write above with ?syncRemoteAddressSpace=true.
  // /vpn capture start|stop: on a gateway or one connection. The capture file goes to the
  // Function's own storage account through a user delegation SAS; the identity's Storage Blob
  // Data Owner there (modules/storage.bicep) holds generateUserDelegationKey and the write.
  'Microsoft.Network/virtualNetworkGateways/startPacketCapture/action'
  'Microsoft.Network/virtualNetworkGateways/stopPacketCapture/action'
  'Microsoft.Network/connections/startPacketCapture/action'
  'Microsoft.Network/connections/stopPacketCapture/action'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'vpnops Slack bot: after approval change VNet peering flags, sync peerings, reset gateways and connections, sync shared keys, turn BGP on or off, run packet captures; run VPN gateway and NIC route diagnostics.'
    type: 'CustomRole'
    permissions: [
      {
        actions: actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

output id string = role.id
output roleDefinitionGuid string = role.name
