// Grants the bot identity, on one whole subscription it watches: Reader (everything the
// status, routes and checklist commands read) and the custom vpnops role (peering write
// and the gateway / NIC actions).
targetScope = 'subscription'

@description('Principal id of the bot identity.')
param principalId string

@description('Name (GUID) of the custom vpnops role definition; role definitions are tenant-wide, so the id is rebuilt in this subscription.')
param customRoleGuid string

// Reader
var reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource readerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', reader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource customAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, customRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', customRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
