// Same grants as target-subscription.bicep, narrowed to one resource group: for estates
// whose network resources live in a few known resource groups.
targetScope = 'resourceGroup'

@description('Principal id of the bot identity.')
param principalId string

@description('Name (GUID) of the custom vpnops role definition; role definitions are tenant-wide, so the id is rebuilt in this subscription.')
param customRoleGuid string

// Reader
var reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource readerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', reader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource customAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, customRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', customRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
